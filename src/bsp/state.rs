//! The decoded state of the model and its packing into `u32` words.
//!
//! Every field has a width computed from the configuration and the variant (a field the
//! variant never uses has width 0 and costs nothing). Fields never straddle a word. Dead data
//! is kept zero by the transition code: an empty queue or batch slot is 0, a caller's
//! snapshot is cleared when it returns, so equal situations pack to equal words.
//!
//! Spans are named canonically: span `s` of producer `p` is id `p * spans + s + 1`; 0 marks an
//! empty slot.

use super::config::{Config, MAX_BATCH, MAX_PRODUCERS, MAX_QUEUE};
use super::variant::Variant;

/// Largest number of words any configuration needs.
pub const MAX_WORDS: usize = 8;

/// Producer phases inside a two-step OnEnd.
pub mod phase {
    pub const READY: u8 = 0;
    /// onend-shutdown-race: the stopped flag was read as false, the span is not enqueued yet.
    pub const CHECKED: u8 = 1;
    /// count-after-send: the span is in the queue, the pending counter not yet increased.
    pub const SENT: u8 = 2;
}

/// Worker program counter.
pub mod wpc {
    /// Waiting for a trigger (Go: blocked in its `select`).
    pub const IDLE: u8 = 0;
    /// Between two batches of a drain.
    pub const DRAIN: u8 = 1;
    /// Waiting for its Export call to return.
    pub const EXPORTING: u8 = 2;
    /// Gone: the Shutdown drain finished.
    pub const EXITED: u8 = 3;
    /// go123-timer-drain: blocked receiving from a stopped timer's channel.
    pub const TIMER_RECV: u8 = 4;
}

/// What a drain is for.
pub mod mode {
    pub const NORMAL: u8 = 0;
    pub const FLUSH: u8 = 1;
    pub const SHUTDOWN: u8 = 2;
}

/// One Export call's progress inside the exporter.
pub mod slot {
    pub const IDLE: u8 = 0;
    pub const ATTEMPT: u8 = 1;
    /// Backing off after a failed attempt (endpoint unreachable).
    pub const BACKOFF: u8 = 2;
    /// A retry attempt; the endpoint stays unreachable, so it fails.
    pub const RETRY: u8 = 3;
}

/// ForceFlush caller.
pub mod ff {
    pub const NOT_CALLED: u8 = 0;
    /// Called; waiting for the worker to take the request (or, on the caller's thread, working).
    pub const REQUESTED: u8 = 1;
    /// The worker is draining for it.
    pub const SERVED: u8 = 2;
    /// The worker signalled completion; the caller may return success.
    pub const FLUSHED: u8 = 3;
    pub const RETURNED: u8 = 4;
    /// flush-on-caller-thread: the caller's own Export call is in flight.
    pub const EXPORTING: u8 = 5;
}

/// Shutdown caller.
pub mod sd {
    pub const NOT_CALLED: u8 = 0;
    /// Called (the stopped flag is set); waiting.
    pub const WAITING: u8 = 1;
    pub const RETURNED: u8 = 2;
}

/// Go timer (go123-timer-drain only).
pub mod timer {
    pub const ARMED: u8 = 0;
    /// Expired; its value waits to be received.
    pub const FIRED: u8 = 1;
    pub const STOPPED: u8 = 2;
}

/// A property-breaking event recorded on the edge into a state.
pub mod event {
    pub const NONE: u8 = 0;
    /// A span was handed to an Export a second time and that Export returned.
    pub const EXPORTED_TWICE: u8 = 1;
    /// A ForceFlush returned success while a span ended before the call was not exported.
    pub const FLUSH_MISSED: u8 = 2;
}

/// The state, unpacked. Plain arrays: decoding and encoding allocate nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct St {
    /// Spans each producer has finished OnEnd for (the next span's index).
    pub n: [u8; MAX_PRODUCERS as usize],
    pub ph: [u8; MAX_PRODUCERS as usize],
    /// FIFO queue of span ids, packed to the front.
    pub queue: [u8; MAX_QUEUE as usize],
    /// Batch of each export slot: slot 0 is the worker's, slot 1 the second caller's.
    pub batch: [[u8; MAX_BATCH as usize]; 2],
    pub slot: [u8; 2],
    pub wpc: u8,
    pub mode: u8,
    /// Spans left to drain for the current ForceFlush or Shutdown.
    pub target: u8,
    pub exporter_shut: bool,
    pub ff: u8,
    /// Spans each producer had ended when ForceFlush was called.
    pub snap: [u8; MAX_PRODUCERS as usize],
    /// flush-on-caller-thread: spans the caller still has to export.
    pub ctarget: u8,
    pub sd: u8,
    /// Bit `id - 1`: the span's fate is settled (an Export returned with it, or it was dropped).
    pub done: u16,
    pub timer: u8,
    pub event: u8,
    pub event_span: u8,
}

fn bits(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

/// Field widths and the word count, for one configuration and variant.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub producers: u8,
    pub spans: u8,
    pub queue: u8,
    pub batch: u8,
    w_n: u8,
    w_ph: u8,
    w_id: u8,
    b1_slots: u8,
    w_slot1: u8,
    w_target: u8,
    w_ff: u8,
    w_snap: u8,
    w_ctarget: u8,
    w_sd: u8,
    w_timer: u8,
    pub words: usize,
}

impl Layout {
    pub fn new(c: &Config, v: Variant) -> Layout {
        let second = v.second_slot();
        let mut l = Layout {
            producers: c.producers,
            spans: c.spans,
            queue: c.queue,
            batch: c.batch,
            w_n: bits(c.spans as u32),
            w_ph: if v.two_step_onend() { 2 } else { 0 },
            w_id: bits(c.total_spans() as u32),
            b1_slots: if second { c.batch } else { 0 },
            w_slot1: if second { 2 } else { 0 },
            w_target: bits(c.queue as u32),
            w_ff: if c.force_flush.called() { 3 } else { 0 },
            w_snap: if c.force_flush.called() {
                bits(c.spans as u32)
            } else {
                0
            },
            w_ctarget: if v == Variant::FlushOnCallerThread && c.force_flush.called() {
                bits(c.queue as u32)
            } else {
                0
            },
            w_sd: if c.shutdown.called() { 2 } else { 0 },
            w_timer: if v == Variant::GoTimerDrain { 2 } else { 0 },
            words: 0,
        };
        let mut counter = Counter::default();
        let mut st = St::default();
        l.visit(&mut st, &mut counter);
        l.words = counter.word + usize::from(counter.bit > 0);
        l
    }

    /// Visits every field in one fixed order; packing and unpacking are the two cursors.
    #[inline(always)]
    fn visit<C: Cursor>(&self, st: &mut St, c: &mut C) {
        let p = self.producers as usize;
        for i in 0..p {
            c.u8(&mut st.n[i], self.w_n);
            c.u8(&mut st.ph[i], self.w_ph);
        }
        for q in st.queue.iter_mut().take(self.queue as usize) {
            c.u8(q, self.w_id);
        }
        for b in st.batch[0].iter_mut().take(self.batch as usize) {
            c.u8(b, self.w_id);
        }
        for b in st.batch[1].iter_mut().take(self.b1_slots as usize) {
            c.u8(b, self.w_id);
        }
        c.u8(&mut st.slot[0], 2);
        c.u8(&mut st.slot[1], self.w_slot1);
        c.u8(&mut st.wpc, 3);
        c.u8(&mut st.mode, 2);
        c.u8(&mut st.target, self.w_target);
        c.bool(&mut st.exporter_shut);
        c.u8(&mut st.ff, self.w_ff);
        for i in 0..p {
            c.u8(&mut st.snap[i], self.w_snap);
        }
        c.u8(&mut st.ctarget, self.w_ctarget);
        c.u8(&mut st.sd, self.w_sd);
        let total = self.producers * self.spans;
        c.u16(&mut st.done, total);
        c.u8(&mut st.timer, self.w_timer);
        c.u8(&mut st.event, 2);
        c.u8(&mut st.event_span, self.w_id);
    }

    #[inline]
    pub fn pack(&self, st: &St, out: &mut [u32]) {
        out.fill(0);
        let mut w = Writer {
            out,
            word: 0,
            bit: 0,
        };
        let mut copy = *st;
        self.visit(&mut copy, &mut w);
    }

    #[inline]
    pub fn unpack(&self, words: &[u32]) -> St {
        let mut st = St::default();
        let mut r = Reader {
            words,
            word: 0,
            bit: 0,
        };
        self.visit(&mut st, &mut r);
        st
    }
}

trait Cursor {
    fn field(&mut self, v: u32, width: u8) -> u32;
    #[inline(always)]
    fn u8(&mut self, v: &mut u8, width: u8) {
        if width > 0 {
            *v = self.field(*v as u32, width) as u8;
        }
    }
    #[inline(always)]
    fn u16(&mut self, v: &mut u16, width: u8) {
        if width > 0 {
            *v = self.field(*v as u32, width) as u16;
        }
    }
    #[inline(always)]
    fn bool(&mut self, v: &mut bool) {
        *v = self.field(*v as u32, 1) != 0;
    }
}

#[derive(Default)]
struct Counter {
    word: usize,
    bit: u8,
}

impl Cursor for Counter {
    fn field(&mut self, v: u32, width: u8) -> u32 {
        if self.bit + width > 32 {
            self.word += 1;
            self.bit = 0;
        }
        self.bit += width;
        v
    }
}

struct Writer<'a> {
    out: &'a mut [u32],
    word: usize,
    bit: u8,
}

impl Cursor for Writer<'_> {
    #[inline(always)]
    fn field(&mut self, v: u32, width: u8) -> u32 {
        if self.bit + width > 32 {
            self.word += 1;
            self.bit = 0;
        }
        let mask = if width >= 32 {
            u32::MAX
        } else {
            (1 << width) - 1
        };
        if let Some(w) = self.out.get_mut(self.word) {
            *w |= (v & mask) << self.bit;
        }
        self.bit += width;
        v
    }
}

struct Reader<'a> {
    words: &'a [u32],
    word: usize,
    bit: u8,
}

impl Cursor for Reader<'_> {
    #[inline(always)]
    fn field(&mut self, _v: u32, width: u8) -> u32 {
        if self.bit + width > 32 {
            self.word += 1;
            self.bit = 0;
        }
        let mask = if width >= 32 {
            u32::MAX
        } else {
            (1 << width) - 1
        };
        let v = self
            .words
            .get(self.word)
            .map_or(0, |w| (w >> self.bit) & mask);
        self.bit += width;
        v
    }
}

impl St {
    pub fn qlen(&self) -> usize {
        self.queue.iter().take_while(|&&x| x != 0).count()
    }
    pub fn blen(&self, s: usize) -> usize {
        self.batch[s].iter().take_while(|&&x| x != 0).count()
    }
    pub fn is_done(&self, id: u8) -> bool {
        id > 0 && self.done & (1 << (id - 1)) != 0
    }
    pub fn set_done(&mut self, id: u8) {
        if id > 0 {
            self.done |= 1 << (id - 1);
        }
    }
    /// Spans in the queue whose OnEnd has counted them (count-after-send's uncounted ones
    /// excluded): what a drain may take.
    pub fn counted(&self, producers: u8) -> usize {
        let uncounted = self.ph[..producers as usize]
            .iter()
            .filter(|&&p| p == phase::SENT)
            .count();
        self.qlen().saturating_sub(uncounted)
    }
    pub fn push_queue(&mut self, id: u8) {
        let n = self.qlen();
        if let Some(q) = self.queue.get_mut(n) {
            *q = id;
        }
    }
    /// Removes and returns the first `k` spans of the queue, keeping it packed.
    pub fn pop_queue(&mut self, k: usize) -> [u8; MAX_QUEUE as usize] {
        let mut taken = [0u8; MAX_QUEUE as usize];
        let k = k.min(self.qlen());
        taken[..k].copy_from_slice(&self.queue[..k]);
        self.queue.copy_within(k.., 0);
        let len = self.queue.len();
        self.queue[len - k..].fill(0);
        taken
    }
    /// Where span `id` is right now: in the queue or a batch.
    pub fn present(&self, id: u8) -> bool {
        self.queue.contains(&id) || self.batch[0].contains(&id) || self.batch[1].contains(&id)
    }
}
