//! The decoded state of the model and its packing into `u32` words.
//!
//! The decoded state keeps each group of like data in one integer, at the storage widths of
//! the configuration: the queue is one `u32` of span-id slots packed to the front, each batch
//! another, the producers' counters a third, the settled spans a bit set. Packing is then a
//! fixed list of about twenty shift-and-or operations, each field placed whole in one word
//! (first fit, widest first); a field the variant never uses has width 0 and costs nothing.
//! Dead data is kept zero by the transitions: an empty queue or batch slot is 0, a caller's
//! snapshot is cleared when it returns, so equal situations pack to equal words.
//!
//! Spans are named canonically: span `s` of producer `p` is id `p * spans + s + 1`; 0 marks an
//! empty slot.

use super::config::Config;
use super::variant::Variant;

/// Largest number of words any configuration needs.
pub const MAX_WORDS: usize = 6;

/// Producer phases inside a two-step OnEnd.
pub mod phase {
    pub const READY: u32 = 0;
    /// onend-shutdown-race: the stopped flag was read as false, the span is not enqueued yet.
    pub const CHECKED: u32 = 1;
    /// count-after-send: the span is in the queue, the pending counter not yet increased.
    pub const SENT: u32 = 2;
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

/// The state, decoded. Plain integers: decoding and encoding allocate nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct St {
    /// Bits of one span id and of one producer counter (constant for a model).
    wid: u8,
    wn: u8,
    /// `ceil(65536 / wid)`: slot counts by multiplication instead of division.
    wmul: u32,
    /// Spans each producer has finished OnEnd for (the next span's index), `wn` bits each.
    pub n: u32,
    /// Producer phases, 2 bits each.
    pub ph: u32,
    /// FIFO queue of span ids, `wid` bits a slot, packed to the front (slot 0 lowest).
    pub queue: u32,
    /// Batch of each export slot: slot 0 is the worker's, slot 1 the second caller's.
    pub batch: [u32; 2],
    pub slot: [u8; 2],
    pub wpc: u8,
    pub mode: u8,
    /// Spans left to drain for the current ForceFlush or Shutdown.
    pub target: u8,
    pub exporter_shut: bool,
    pub ff: u8,
    /// Spans each producer had ended when ForceFlush was called, `wn` bits each.
    pub snap: u32,
    /// flush-on-caller-thread: spans the caller still has to export.
    pub ctarget: u8,
    pub sd: u8,
    /// Bit `id - 1`: the span's fate is settled (an Export returned with it, or it was dropped).
    pub done: u32,
    pub timer: u8,
    pub event: u8,
    pub event_span: u8,
}

fn bits(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

fn mask(w: u8) -> u32 {
    if w >= 32 { u32::MAX } else { (1 << w) - 1 }
}

/// Where one field lives in the packed words.
#[derive(Clone, Copy, Debug, Default)]
struct Place {
    word: u8,
    shift: u8,
    mask: u32,
}

const FIELDS: usize = 19;

/// Field places and the word count, for one configuration and variant.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    wid: u8,
    wn: u8,
    /// `St::wmul` for `wid`, worked out once rather than per unpacked state.
    wmul: u32,
    /// Per field of `St::fields`: its first bit in the whole state and its mask (0 for a
    /// field of width 0).
    bits: [(u32, u32); FIELDS],
    pub words: usize,
    /// Every field found room in one of the `MAX_WORDS` words (true for every configuration
    /// `Config::validate` accepts; a test checks them all).
    pub fits: bool,
}

impl Layout {
    pub fn new(c: &Config, v: Variant) -> Layout {
        let p = c.producers;
        let wid = bits(c.total_spans() as u32);
        let wn = bits(c.spans as u32);
        let wt = bits(c.queue as u32);
        let flush = c.force_flush.called();
        let second = v.second_slot();
        // In the order of `St::fields`.
        let widths: [u8; FIELDS] = [
            p * wn,
            if v.two_step_onend() { 2 * p } else { 0 },
            c.queue * wid,
            c.batch * wid,
            if second { c.batch * wid } else { 0 },
            2,
            if second { 2 } else { 0 },
            3,
            2,
            wt,
            1,
            if flush { 3 } else { 0 },
            if flush { p * wn } else { 0 },
            if flush && v == Variant::FlushOnCallerThread {
                wt
            } else {
                0
            },
            if c.shutdown.called() { 2 } else { 0 },
            c.total_spans(),
            if v == Variant::GoTimerDrain { 2 } else { 0 },
            2,
            wid,
        ];
        // First fit, widest first, so no field straddles a word.
        let mut order: [usize; FIELDS] = std::array::from_fn(|i| i);
        order.sort_by_key(|&i| (std::cmp::Reverse(widths[i]), i));
        let mut used = [0u8; MAX_WORDS];
        let mut places = [Place::default(); FIELDS];
        let mut words = 0;
        let mut fits = true;
        for i in order {
            let w = widths[i];
            if w == 0 {
                continue;
            }
            let Some(word) = (0..MAX_WORDS).find(|&k| used[k] + w <= 32) else {
                fits = false;
                continue;
            };
            places[i] = Place {
                word: word as u8,
                shift: used[word],
                mask: mask(w),
            };
            used[word] += w;
            words = words.max(word + 1);
        }
        let bits = places.map(|p| (32 * p.word as u32 + p.shift as u32, p.mask));
        Layout {
            wid,
            wn,
            wmul: 65536u32.div_ceil(wid as u32),
            bits,
            words: words.max(1),
            fits,
        }
    }

    /// A state with every field zero: the initial state.
    pub fn empty(&self) -> St {
        St {
            wid: self.wid,
            wn: self.wn,
            wmul: self.wmul,
            ..St::default()
        }
    }

    /// Packs into `out` (`words` long). Fields never straddle a 32-bit word, so none
    /// straddles a 64-bit one either: they are or-ed into three 64-bit registers in one
    /// unrolled pass, then stored once per word.
    #[inline]
    pub fn pack(&self, st: &St, out: &mut [u32]) {
        let f = st.fields();
        let mut acc = [0u64; 3];
        for (&(bit, mask), &field) in self.bits.iter().zip(f.iter()) {
            let v = (field & mask) as u64;
            let sh = bit & 63;
            match bit >> 6 {
                0 => acc[0] |= v << sh,
                1 => acc[1] |= v << sh,
                _ => acc[2] |= v << sh,
            }
        }
        for (k, w) in out.iter_mut().enumerate() {
            *w = (acc[(k / 2).min(2)] >> (32 * (k % 2))) as u32;
        }
    }

    #[inline]
    pub fn unpack(&self, words: &[u32]) -> St {
        let mut acc = [0u64; 3];
        for (k, &w) in words.iter().enumerate().take(MAX_WORDS) {
            acc[(k / 2).min(2)] |= (w as u64) << (32 * (k % 2));
        }
        let mut f = [0u32; FIELDS];
        for (&(bit, mask), field) in self.bits.iter().zip(f.iter_mut()) {
            let word = match bit >> 6 {
                0 => acc[0],
                1 => acc[1],
                _ => acc[2],
            };
            *field = (word >> (bit & 63)) as u32 & mask;
        }
        St {
            wid: self.wid,
            wn: self.wn,
            wmul: self.wmul,
            n: f[0],
            ph: f[1],
            queue: f[2],
            batch: [f[3], f[4]],
            slot: [f[5] as u8, f[6] as u8],
            wpc: f[7] as u8,
            mode: f[8] as u8,
            target: f[9] as u8,
            exporter_shut: f[10] != 0,
            ff: f[11] as u8,
            snap: f[12],
            ctarget: f[13] as u8,
            sd: f[14] as u8,
            done: f[15],
            timer: f[16] as u8,
            event: f[17] as u8,
            event_span: f[18] as u8,
        }
    }
}

impl St {
    #[inline]
    fn fields(&self) -> [u32; FIELDS] {
        [
            self.n,
            self.ph,
            self.queue,
            self.batch[0],
            self.batch[1],
            self.slot[0] as u32,
            self.slot[1] as u32,
            self.wpc as u32,
            self.mode as u32,
            self.target as u32,
            self.exporter_shut as u32,
            self.ff as u32,
            self.snap,
            self.ctarget as u32,
            self.sd as u32,
            self.done,
            self.timer as u32,
            self.event as u32,
            self.event_span as u32,
        ]
    }

    // ---- producers ----

    #[inline]
    pub fn n(&self, p: u8) -> u8 {
        ((self.n >> (p * self.wn)) & mask(self.wn)) as u8
    }
    #[inline]
    pub fn inc_n(&mut self, p: u8) {
        self.n += 1 << (p * self.wn);
    }
    #[inline]
    pub fn ph(&self, p: u8) -> u32 {
        (self.ph >> (2 * p)) & 3
    }
    #[inline]
    pub fn set_ph(&mut self, p: u8, v: u32) {
        self.ph = (self.ph & !(3 << (2 * p))) | (v << (2 * p));
    }
    #[inline]
    pub fn snap(&self, p: u8) -> u8 {
        ((self.snap >> (p * self.wn)) & mask(self.wn)) as u8
    }

    // ---- queue and batches: `wid`-bit slots packed to the front ----

    #[inline]
    fn slots(&self, v: u32) -> usize {
        // ceil(bits / wid) for bits ≤ 32, exact for wid ≤ 4.
        ((((32 - v.leading_zeros()) + self.wid as u32 - 1) * self.wmul) >> 16) as usize
    }
    #[inline]
    pub fn qlen(&self) -> usize {
        self.slots(self.queue)
    }
    #[inline]
    pub fn blen(&self, s: usize) -> usize {
        self.slots(self.batch[s])
    }
    #[inline]
    pub fn push_queue(&mut self, id: u8) {
        let n = self.qlen() as u32;
        self.queue |= (id as u32) << (n * self.wid as u32);
    }
    /// The first `k` slots of the queue, as slot bits.
    #[inline]
    pub fn front(&self, k: usize) -> u32 {
        let bits = k as u32 * self.wid as u32;
        if bits >= 32 {
            self.queue
        } else {
            self.queue & ((1 << bits) - 1)
        }
    }
    /// Removes the first `k` spans of the queue.
    #[inline]
    pub fn drop_front(&mut self, k: usize) {
        let bits = k as u32 * self.wid as u32;
        self.queue = if bits >= 32 { 0 } else { self.queue >> bits };
    }
    /// Appends slot bits (from `front`) to batch `s`.
    #[inline]
    pub fn append_batch(&mut self, s: usize, slots: u32) {
        let have = self.blen(s) as u32 * self.wid as u32;
        if have < 32 {
            self.batch[s] |= slots << have;
        }
    }
    /// The ids held in slot bits, front first.
    pub fn ids(&self, v: u32) -> impl Iterator<Item = u8> + '_ {
        let w = self.wid as u32;
        (0..self.slots(v) as u32).map(move |i| ((v >> (i * w)) & mask(self.wid)) as u8)
    }
    fn holds(&self, v: u32, id: u8) -> bool {
        let w = self.wid as u32;
        let mut v = v;
        while v != 0 {
            if v & mask(self.wid) == id as u32 {
                return true;
            }
            v >>= w;
        }
        false
    }
    pub fn batch_holds(&self, s: usize, id: u8) -> bool {
        self.holds(self.batch[s], id)
    }
    /// Bit `id - 1` for every span in the queue or a batch.
    pub fn presence(&self) -> u32 {
        let w = self.wid as u32;
        let m = mask(self.wid);
        let mut bits = 0u32;
        for v in [self.queue, self.batch[0], self.batch[1]] {
            let mut v = v;
            while v != 0 {
                let id = v & m;
                if id != 0 {
                    bits |= 1 << (id - 1);
                }
                v >>= w;
            }
        }
        bits
    }

    /// Where span `id` is right now: in the queue or a batch.
    pub fn present(&self, id: u8) -> bool {
        self.holds(self.queue, id) || self.holds(self.batch[0], id) || self.holds(self.batch[1], id)
    }

    // ---- producer symmetry ----

    /// The same state with producer `p` renamed `new_of_old[p]` (and its spans with it).
    pub fn relabel(&self, new_of_old: &[u8], producers: u8, spans: u8) -> St {
        let map = |id: u8| -> u32 {
            if id == 0 {
                return 0;
            }
            let i = id - 1;
            let q = new_of_old.get((i / spans) as usize).copied().unwrap_or(0);
            (q * spans + i % spans + 1) as u32
        };
        let w = self.wid as u32;
        let slots = |v: u32| -> u32 {
            let mut out = 0;
            for (k, id) in self.ids(v).enumerate() {
                out |= map(id) << (k as u32 * w);
            }
            out
        };
        let mut t = *self;
        t.n = 0;
        t.ph = 0;
        t.snap = 0;
        t.done = 0;
        let wn = self.wn as u32;
        let sp = spans as u32;
        for p in 0..producers {
            let q = new_of_old.get(p as usize).copied().unwrap_or(0) as u32;
            t.n |= (self.n(p) as u32) << (q * wn);
            t.ph |= self.ph(p) << (2 * q);
            t.snap |= (self.snap(p) as u32) << (q * wn);
            t.done |= ((self.done >> (p as u32 * sp)) & ((1 << sp) - 1)) << (q * sp);
        }
        t.queue = slots(self.queue);
        t.batch = [slots(self.batch[0]), slots(self.batch[1])];
        t.event_span = map(self.event_span) as u8;
        t
    }

    /// What distinguishes producer `p` from the others, as a sort key: its counters, its
    /// settled spans and where each of its spans sits.
    fn producer_key(&self, p: u8, spans: u8) -> u128 {
        let sp = spans as u32;
        let own = |id: u8| -> u128 {
            if id != 0 && (id - 1) / spans == p {
                ((id - 1) % spans + 1) as u128
            } else {
                0
            }
        };
        let mut key = self.n(p) as u128
            | (self.ph(p) as u128) << 3
            | (self.snap(p) as u128) << 5
            | (((self.done >> (p as u32 * sp)) & ((1 << sp) - 1)) as u128) << 8
            | own(self.event_span) << 15;
        let mut shift = 18;
        for v in [self.queue, self.batch[0], self.batch[1]] {
            for id in self.ids(v) {
                key |= own(id) << shift;
                shift += 3;
            }
        }
        key
    }

    /// The representative of the state's orbit under renaming producers: producers sorted by
    /// [`St::producer_key`]. Producers with equal keys are interchangeable, so the result does
    /// not depend on how ties are broken.
    pub fn canonical(&self, producers: u8, spans: u8) -> St {
        let mut keys = [0u128; 4];
        let mut order = [0u8, 1, 2, 3];
        let np = producers as usize;
        for (p, key) in keys.iter_mut().enumerate().take(np) {
            *key = self.producer_key(p as u8, spans);
        }
        order[..np].sort_by_key(|&p| keys[p as usize]);
        if order[..np]
            .iter()
            .enumerate()
            .all(|(i, &p)| i == p as usize)
        {
            return *self;
        }
        let mut new_of_old = [0u8; 4];
        for (new, &old) in order[..np].iter().enumerate() {
            new_of_old[old as usize] = new as u8;
        }
        self.relabel(&new_of_old, producers, spans)
    }

    // ---- settled spans ----

    #[inline]
    pub fn is_done(&self, id: u8) -> bool {
        id > 0 && self.done & (1 << (id - 1)) != 0
    }
    #[inline]
    pub fn set_done(&mut self, id: u8) {
        if id > 0 {
            self.done |= 1 << (id - 1);
        }
    }
}
