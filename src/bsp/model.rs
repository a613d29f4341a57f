//! The transitions of every actor, and the properties checked on each state: the
//! `explore::Model` of the BatchSpanProcessor.
//!
//! Hangs (P2) are found during the search: a state where a caller waits and from which every
//! path stays inside a set of *loop steps* (the exporter's retry loop, the Go timer firing and
//! being received) can never make progress again. That local check is exact when every other
//! step strictly increases the progress measure [`BspModel::potential`], because then every
//! cycle is made of loop steps only; `expand` checks that on every edge and, if an edge ever
//! breaks it, records it so that the caller runs the full strongly-connected-component pass
//! over the explored graph instead (`hang`).

use super::config::{Config, When};
use super::props::{Property, PropertySet, Violation, ViolationKind};
use super::state::{Layout, MAX_WORDS, St, event, ff, mode, phase, sd, slot, timer, wpc};
use super::variant::Variant;
use crate::explore::{Model, Successors};
use std::sync::atomic::{AtomicBool, Ordering};

/// Why the worker woke up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    Shutdown,
    Flush,
    BatchFull,
    Timer,
}

/// What an OnEnd step did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnEnd {
    Enqueued,
    DroppedFull,
    DroppedStopped,
    /// onend-shutdown-race: read the stopped flag (false); the enqueue comes next.
    CheckedNotStopped,
    /// count-after-send: the span is in the queue; the counter comes next.
    Sent,
    /// count-after-send: the pending counter grew; OnEnd returns.
    Counted,
}

/// How an Export call came back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportResult {
    Success,
    Failure,
    Timeout,
    /// The exporter is shut down: the call fails at once or its retry loop gives up.
    Shut,
}

/// One step of one actor: the transition label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    OnEnd {
        p: u8,
        s: u8,
        what: OnEnd,
    },
    /// The worker wakes and, when there is something to send, calls Export with `took` spans.
    WorkerWake {
        why: Wake,
        took: u8,
    },
    /// clear-in-callback: a trigger starts an asynchronous export of the buffer's front.
    AsyncExport {
        why: Wake,
        slot: u8,
        took: u8,
    },
    /// The worker goes on with a drain: the next batch.
    WorkerNext {
        took: u8,
    },
    /// The worker finished a drain of this mode (and signals its caller, or exits).
    WorkerFinish {
        mode: u8,
    },
    /// go123-timer-drain: the worker's `select` received one span from the queue.
    GoReceive {
        export: bool,
    },
    /// go123-timer-drain: the batch is full, `timer.Stop()` returned false, `<-timer.C` blocks.
    GoStopFalse,
    /// go123-timer-drain: the worker's `select` received the timer's value.
    GoTimer {
        export: bool,
    },
    TimerFires,
    ExportReturns {
        slot: u8,
        result: ExportResult,
    },
    /// A first attempt fails: the endpoint is unreachable, the exporter backs off.
    ExportBacksOff {
        slot: u8,
    },
    ExportRetries {
        slot: u8,
    },
    /// A retry fails too; back to backing off.
    ExportFailsAgain {
        slot: u8,
    },
    FlushCall {
        ignored: bool,
    },
    /// flush-on-caller-thread: the caller takes spans and calls Export itself.
    FlushCallerExports {
        took: u8,
    },
    FlushReturns {
        success: bool,
    },
    ShutdownCall,
    /// Shutdown's deadline passed while the exporter backs off: it shuts the exporter down.
    ShutdownInterrupts,
    ShutdownReturns,
}

impl Action {
    /// Steps that can repeat without progress: every cycle of the model is made of these.
    pub fn is_loop(self) -> bool {
        matches!(
            self,
            Action::ExportRetries { .. }
                | Action::ExportFailsAgain { .. }
                | Action::TimerFires
                | Action::GoTimer { export: false }
        )
    }
}

/// Where successors go, with the potential of the state being expanded when edges are checked.
struct Emit<'a> {
    out: &'a mut Successors<Action>,
    here: Option<u32>,
    rises: bool,
}

/// The model: one configuration, one variant, the properties being checked.
#[derive(Debug)]
pub struct BspModel {
    pub cfg: Config,
    pub variant: Variant,
    pub layout: Layout,
    pub props: PropertySet,
    /// Look for hangs during the search (else only the full pass after it finds them).
    pub in_search_hangs: bool,
    /// Store one state per orbit under renaming producers (they are interchangeable).
    pub symmetry: bool,
    /// Set when a non-loop edge failed to increase the potential: the in-search hang check
    /// may then miss a hang, and the full pass must run.
    unranked: AtomicBool,
}

impl Clone for BspModel {
    fn clone(&self) -> Self {
        let mut m = BspModel::new(self.cfg, self.variant, self.props);
        m.in_search_hangs = self.in_search_hangs;
        m.symmetry = self.symmetry;
        m
    }
}

impl BspModel {
    pub fn new(cfg: Config, variant: Variant, props: PropertySet) -> BspModel {
        BspModel {
            cfg,
            variant,
            layout: Layout::new(&cfg, variant),
            props,
            in_search_hangs: true,
            symmetry: false,
            unranked: AtomicBool::new(false),
        }
    }

    /// The packed representative of a packed state's orbit (itself without symmetry).
    pub fn canonical_words(&self, state: &[u32]) -> Vec<u32> {
        let st = self.layout.unpack(state);
        let c = if self.symmetry {
            st.canonical(self.cfg.producers, self.cfg.spans)
        } else {
            st
        };
        let mut out = vec![0u32; self.layout.words];
        self.layout.pack(&c, &mut out);
        out
    }

    /// Whether the in-search hang check was not enough (see the module header).
    pub fn needs_full_hang_pass(&self) -> bool {
        !self.in_search_hangs || self.unranked.load(Ordering::Relaxed)
    }

    pub fn span_id(&self, p: u8, s: u8) -> u8 {
        p * self.cfg.spans + s + 1
    }

    /// (producer, span index) of an id, both from 0.
    pub fn span_of(&self, id: u8) -> (u8, u8) {
        let i = id.saturating_sub(1);
        (i / self.cfg.spans, i % self.cfg.spans)
    }

    /// OnEnd has put the span into the processor (it may still be counted as dropped).
    pub fn accepted(&self, st: &St, id: u8) -> bool {
        let (p, s) = self.span_of(id);
        let n = st.n(p);
        s < n || (s == n && st.ph(p) == phase::SENT)
    }

    /// Spans in the queue whose OnEnd has counted them (count-after-send's uncounted ones
    /// excluded): what a drain may take.
    pub fn counted(&self, st: &St) -> usize {
        let uncounted = (st.ph & 0xAAAA_AAAA).count_ones() as usize;
        st.qlen().saturating_sub(uncounted)
    }

    fn ended_total(&self, st: &St) -> u32 {
        (0..self.cfg.producers).map(|p| st.n(p) as u32).sum()
    }

    fn all_ended(&self, st: &St) -> bool {
        st.ph == 0 && (0..self.cfg.producers).all(|p| st.n(p) == self.cfg.spans)
    }

    fn may_call(&self, when: When, st: &St) -> bool {
        match when {
            When::Never => false,
            When::After(k) => self.ended_total(st) >= k as u32,
            When::End => self.all_ended(st),
        }
    }

    #[inline]
    fn push(&self, out: &mut Emit<'_>, a: Action, st: &St) {
        let mut buf = [0u32; MAX_WORDS];
        let w = self.layout.words;
        if self.symmetry {
            let c = st.canonical(self.cfg.producers, self.cfg.spans);
            self.layout.pack(&c, &mut buf[..w]);
        } else {
            self.layout.pack(st, &mut buf[..w]);
        }
        out.out.push(a, &buf[..w]);
        if let Some(here) = out.here {
            if !a.is_loop() && self.potential(st) <= here {
                out.rises = false;
            }
        }
    }

    fn stopped(st: &St) -> bool {
        st.sd != sd::NOT_CALLED
    }

    fn slow_export(st: &St) -> bool {
        st.slot
            .iter()
            .any(|&s| s == slot::BACKOFF || s == slot::RETRY)
    }

    // ---- producers ----

    fn producers(&self, st: &St, out: &mut Emit<'_>) {
        let full = st.qlen() >= self.cfg.queue as usize;
        for p in 0..self.cfg.producers {
            let s = st.n(p);
            if s >= self.cfg.spans {
                continue;
            }
            let id = self.span_id(p, s);
            let mut nx = *st;
            let what = match (self.variant, st.ph(p)) {
                (Variant::OnEndShutdownRace, phase::READY) => {
                    if Self::stopped(st) {
                        nx.set_done(id);
                        nx.inc_n(p);
                        OnEnd::DroppedStopped
                    } else {
                        nx.set_ph(p, phase::CHECKED);
                        OnEnd::CheckedNotStopped
                    }
                }
                (Variant::OnEndShutdownRace, _) => {
                    // The enqueue does not look at the stopped flag again.
                    nx.set_ph(p, phase::READY);
                    nx.inc_n(p);
                    if full {
                        nx.set_done(id);
                        OnEnd::DroppedFull
                    } else {
                        nx.push_queue(id);
                        OnEnd::Enqueued
                    }
                }
                (Variant::CountAfterSend, phase::READY) => {
                    if Self::stopped(st) {
                        nx.set_done(id);
                        nx.inc_n(p);
                        OnEnd::DroppedStopped
                    } else if full {
                        nx.set_done(id);
                        nx.inc_n(p);
                        OnEnd::DroppedFull
                    } else {
                        nx.push_queue(id);
                        nx.set_ph(p, phase::SENT);
                        OnEnd::Sent
                    }
                }
                (Variant::CountAfterSend, _) => {
                    nx.set_ph(p, phase::READY);
                    nx.inc_n(p);
                    OnEnd::Counted
                }
                _ => {
                    nx.inc_n(p);
                    if Self::stopped(st) {
                        nx.set_done(id);
                        OnEnd::DroppedStopped
                    } else if full {
                        nx.set_done(id);
                        OnEnd::DroppedFull
                    } else {
                        nx.push_queue(id);
                        OnEnd::Enqueued
                    }
                }
            };
            self.push(out, Action::OnEnd { p, s, what }, &nx);
        }
    }

    // ---- worker ----

    /// Takes the next batch of a drain into slot 0 and calls Export, or finishes the drain.
    /// Returns the number of spans in the Export call (0: the drain finished).
    fn take(&self, st: &mut St) -> u8 {
        let b = self.cfg.batch as usize;
        let have = st.blen(0);
        let k = (b - have.min(b))
            .min(st.target as usize)
            .min(self.counted(st));
        if k == 0 && have == 0 {
            st.target = 0;
            match st.mode {
                mode::FLUSH => {
                    if st.ff == ff::SERVED {
                        st.ff = ff::FLUSHED;
                    }
                    st.wpc = wpc::IDLE;
                }
                mode::SHUTDOWN => {
                    if st.ff == ff::REQUESTED || st.ff == ff::SERVED {
                        st.ff = ff::FLUSHED;
                    }
                    st.wpc = wpc::EXITED;
                }
                _ => st.wpc = wpc::IDLE,
            }
            st.mode = mode::NORMAL;
            return 0;
        }
        let front = st.front(k);
        st.append_batch(0, front);
        if self.variant != Variant::ClearInCallback {
            st.drop_front(k);
        }
        st.target -= k as u8;
        st.slot[0] = slot::ATTEMPT;
        st.wpc = wpc::EXPORTING;
        (have + k) as u8
    }

    fn wake(&self, st: &St, why: Wake, out: &mut Emit<'_>) {
        let mut nx = *st;
        let counted = self.counted(st) as u8;
        match why {
            Wake::Shutdown => {
                nx.mode = mode::SHUTDOWN;
                nx.target = if self.variant == Variant::ShutdownDrainsOneBatch {
                    counted.min(self.cfg.batch)
                } else {
                    counted
                };
            }
            Wake::Flush => {
                nx.mode = mode::FLUSH;
                nx.ff = ff::SERVED;
                nx.target = counted;
            }
            Wake::BatchFull => {
                nx.mode = mode::NORMAL;
                nx.target = self.cfg.batch;
            }
            Wake::Timer => {
                nx.mode = mode::NORMAL;
                nx.target = counted;
            }
        }
        if self.variant == Variant::ClearInCallback && nx.mode == mode::NORMAL {
            // An asynchronous export of the buffer's front; the buffer itself stays.
            let Some(s) = (0..2).find(|&s| st.slot[s] == slot::IDLE) else {
                return;
            };
            let k = (nx.target as usize).min(self.cfg.batch as usize);
            let mut nx = *st;
            nx.batch[s] = st.front(k);
            nx.slot[s] = slot::ATTEMPT;
            let a = Action::AsyncExport {
                why,
                slot: s as u8,
                took: k as u8,
            };
            self.push(out, a, &nx);
            return;
        }
        let took = self.take(&mut nx);
        self.push(out, Action::WorkerWake { why, took }, &nx);
    }

    fn drain(&self, st: &St, out: &mut Emit<'_>) {
        if st.slot[0] != slot::IDLE {
            return;
        }
        let mut nx = *st;
        let m = st.mode;
        let took = self.take(&mut nx);
        let a = if took == 0 {
            Action::WorkerFinish { mode: m }
        } else {
            Action::WorkerNext { took }
        };
        self.push(out, a, &nx);
    }

    fn worker(&self, st: &St, out: &mut Emit<'_>) {
        if self.variant == Variant::GoTimerDrain {
            return self.go_worker(st, out);
        }
        match st.wpc {
            wpc::IDLE => {
                // The worker's own exports use slot 0 and wait for it.
                let free = st.slot[0] == slot::IDLE;
                if st.sd == sd::WAITING && free {
                    self.wake(st, Wake::Shutdown, out);
                }
                if st.ff == ff::REQUESTED && self.variant != Variant::FlushOnCallerThread && free {
                    self.wake(st, Wake::Flush, out);
                }
                let counted = self.counted(st);
                let b = self.cfg.batch as usize;
                let can = free || self.variant == Variant::ClearInCallback;
                if counted >= b && can {
                    self.wake(st, Wake::BatchFull, out);
                }
                if counted > 0 && counted < b && can {
                    self.wake(st, Wake::Timer, out);
                }
            }
            wpc::DRAIN => self.drain(st, out),
            _ => {}
        }
    }

    /// Go's `processQueue`: a `select` over the stop channel, the timer and the queue,
    /// receiving one span at a time into its batch.
    fn go_worker(&self, st: &St, out: &mut Emit<'_>) {
        match st.wpc {
            wpc::IDLE => {
                if st.sd == sd::WAITING {
                    self.wake(st, Wake::Shutdown, out);
                }
                if st.ff == ff::REQUESTED {
                    self.wake(st, Wake::Flush, out);
                }
                if st.timer == timer::FIRED {
                    let mut nx = *st;
                    nx.timer = timer::ARMED; // exportSpans resets the timer
                    let export = st.blen(0) > 0;
                    if export {
                        nx.slot[0] = slot::ATTEMPT;
                        nx.wpc = wpc::EXPORTING;
                    }
                    self.push(out, Action::GoTimer { export }, &nx);
                }
                if st.qlen() > 0 {
                    let mut nx = *st;
                    let one = st.front(1);
                    nx.drop_front(1);
                    nx.append_batch(0, one);
                    if st.blen(0) + 1 >= self.cfg.batch as usize {
                        if st.timer == timer::FIRED {
                            // Stop returns false; the expired value is gone with Go 1.23.0's
                            // synchronous channel, so `<-timer.C` never returns.
                            nx.timer = timer::STOPPED;
                            nx.wpc = wpc::TIMER_RECV;
                            self.push(out, Action::GoStopFalse, &nx);
                        } else {
                            nx.timer = timer::ARMED;
                            nx.slot[0] = slot::ATTEMPT;
                            nx.wpc = wpc::EXPORTING;
                            self.push(out, Action::GoReceive { export: true }, &nx);
                        }
                    } else {
                        self.push(out, Action::GoReceive { export: false }, &nx);
                    }
                }
            }
            wpc::DRAIN => self.drain(st, out),
            _ => {}
        }
        // Time passes only while a batch waits for it: a firing with an empty batch is just
        // reset by the worker, so it adds interleavings and nothing else.
        let live = !matches!(st.wpc, wpc::EXITED | wpc::TIMER_RECV);
        if st.timer == timer::ARMED && live && st.blen(0) > 0 {
            let mut nx = *st;
            nx.timer = timer::FIRED;
            self.push(out, Action::TimerFires, &nx);
        }
    }

    // ---- exporter ----

    fn complete(&self, st: &St, s: usize, result: ExportResult, out: &mut Emit<'_>) {
        let mut nx = *st;
        for id in st.ids(st.batch[s]) {
            if nx.is_done(id) && nx.event == event::NONE && self.props.has(Property::P3) {
                nx.event = event::EXPORTED_TWICE;
                nx.event_span = id;
            }
            nx.set_done(id);
        }
        nx.batch[s] = 0;
        nx.slot[s] = slot::IDLE;
        if self.variant == Variant::ClearInCallback {
            nx.queue = 0;
        }
        if s == 0 && st.wpc == wpc::EXPORTING {
            nx.wpc = if st.mode == mode::NORMAL && st.target == 0 {
                wpc::IDLE
            } else {
                wpc::DRAIN
            };
        }
        if s == 1 && st.ff == ff::EXPORTING {
            nx.ff = ff::REQUESTED;
        }
        let a = Action::ExportReturns {
            slot: s as u8,
            result,
        };
        self.push(out, a, &nx);
    }

    fn exporter(&self, st: &St, out: &mut Emit<'_>) {
        for s in 0..2 {
            match st.slot[s] {
                slot::ATTEMPT => {
                    if st.exporter_shut {
                        self.complete(st, s, ExportResult::Shut, out);
                        continue;
                    }
                    self.complete(st, s, ExportResult::Success, out);
                    if self.cfg.export_failures {
                        if self.cfg.exporter_retries {
                            let mut nx = *st;
                            nx.slot[s] = slot::BACKOFF;
                            self.push(out, Action::ExportBacksOff { slot: s as u8 }, &nx);
                        } else {
                            self.complete(st, s, ExportResult::Failure, out);
                        }
                    }
                    if self.cfg.export_timeouts {
                        self.complete(st, s, ExportResult::Timeout, out);
                    }
                }
                slot::BACKOFF | slot::RETRY if st.exporter_shut => {
                    self.complete(st, s, ExportResult::Shut, out);
                }
                slot::BACKOFF => {
                    let mut nx = *st;
                    nx.slot[s] = slot::RETRY;
                    self.push(out, Action::ExportRetries { slot: s as u8 }, &nx);
                }
                slot::RETRY => {
                    let mut nx = *st;
                    nx.slot[s] = slot::BACKOFF;
                    self.push(out, Action::ExportFailsAgain { slot: s as u8 }, &nx);
                }
                _ => {}
            }
        }
    }

    // ---- callers ----

    /// Returns ForceFlush with success, recording a P4 break when a span ended before the
    /// call has not been through a returned Export.
    fn flush_success(&self, st: &St, nx: &mut St) {
        if self.props.has(Property::P4) && nx.event == event::NONE {
            'all: for p in 0..self.cfg.producers {
                for s in 0..st.snap(p) {
                    let id = self.span_id(p, s);
                    if !st.is_done(id) {
                        nx.event = event::FLUSH_MISSED;
                        nx.event_span = id;
                        break 'all;
                    }
                }
            }
        }
        nx.ff = ff::RETURNED;
        nx.snap = 0;
        nx.ctarget = 0;
    }

    fn flush_caller(&self, st: &St, out: &mut Emit<'_>) {
        match st.ff {
            ff::NOT_CALLED if self.may_call(self.cfg.force_flush, st) => {
                let mut nx = *st;
                if Self::stopped(st) {
                    nx.ff = ff::RETURNED;
                    self.push(out, Action::FlushCall { ignored: true }, &nx);
                } else {
                    nx.ff = ff::REQUESTED;
                    nx.snap = st.n;
                    if self.variant == Variant::FlushOnCallerThread {
                        nx.ctarget = self.counted(st) as u8;
                    }
                    self.push(out, Action::FlushCall { ignored: false }, &nx);
                }
            }
            ff::REQUESTED if self.variant == Variant::FlushOnCallerThread => {
                let k = (self.cfg.batch as usize)
                    .min(st.ctarget as usize)
                    .min(self.counted(st));
                let mut nx = *st;
                if k == 0 {
                    self.flush_success(st, &mut nx);
                    self.push(out, Action::FlushReturns { success: true }, &nx);
                } else {
                    nx.batch[1] = st.front(k);
                    nx.drop_front(k);
                    nx.slot[1] = slot::ATTEMPT;
                    nx.ctarget -= k as u8;
                    nx.ff = ff::EXPORTING;
                    self.push(out, Action::FlushCallerExports { took: k as u8 }, &nx);
                }
            }
            ff::FLUSHED => {
                let mut nx = *st;
                self.flush_success(st, &mut nx);
                self.push(out, Action::FlushReturns { success: true }, &nx);
            }
            _ => {}
        }
        let waiting = matches!(st.ff, ff::REQUESTED | ff::SERVED | ff::EXPORTING);
        if waiting && Self::slow_export(st) {
            // ForceFlush's own deadline: it returns a timeout, not success.
            let mut nx = *st;
            nx.ff = ff::RETURNED;
            nx.snap = 0;
            nx.ctarget = 0;
            self.push(out, Action::FlushReturns { success: false }, &nx);
        }
    }

    fn shutdown_caller(&self, st: &St, out: &mut Emit<'_>) {
        match st.sd {
            sd::NOT_CALLED if self.may_call(self.cfg.shutdown, st) => {
                let mut nx = *st;
                nx.sd = sd::WAITING;
                self.push(out, Action::ShutdownCall, &nx);
            }
            sd::WAITING => {
                let joins = self.variant == Variant::ShutdownJoinsRetryingExporter;
                if !joins && !st.exporter_shut && Self::slow_export(st) {
                    let mut nx = *st;
                    nx.exporter_shut = true;
                    self.push(out, Action::ShutdownInterrupts, &nx);
                }
                if st.wpc == wpc::EXITED {
                    let mut nx = *st;
                    nx.exporter_shut = true;
                    nx.sd = sd::RETURNED;
                    self.push(out, Action::ShutdownReturns, &nx);
                }
            }
            _ => {}
        }
    }

    // ---- properties ----

    /// The properties broken by the state itself (not by its lack of successors).
    pub fn state_violation(&self, st: &St) -> Option<Violation> {
        let props = self.props;
        match st.event {
            event::EXPORTED_TWICE if props.has(Property::P3) => {
                return Some(Violation::new(ViolationKind::ExportedTwice, st.event_span));
            }
            event::FLUSH_MISSED if props.has(Property::P4) => {
                return Some(Violation::new(ViolationKind::FlushMissed, st.event_span));
            }
            _ => {}
        }
        let busy0 = st.slot[0] != slot::IDLE;
        let busy1 = st.slot[1] != slot::IDLE;
        if props.has(Property::P1) && busy0 && busy1 {
            return Some(Violation::new(ViolationKind::ConcurrentExport, 0));
        }
        if props.has(Property::P5) && st.sd == sd::RETURNED && (busy0 || busy1) {
            return Some(Violation::new(ViolationKind::ExportAfterShutdown, 0));
        }
        if props.has(Property::P3) {
            let open = self.accepted_mask(st) & !st.done;
            if open != 0 {
                if st.sd == sd::RETURNED {
                    let id = open.trailing_zeros() as u8 + 1;
                    return Some(Violation::new(ViolationKind::LostAtShutdown, id));
                }
                let gone = open & !st.presence();
                if gone != 0 {
                    let id = gone.trailing_zeros() as u8 + 1;
                    return Some(Violation::new(ViolationKind::Vanished, id));
                }
            }
        }
        None
    }

    /// Bit `id - 1` for every span OnEnd has put into the processor.
    pub fn accepted_mask(&self, st: &St) -> u32 {
        let s = self.cfg.spans as u32;
        let mut bits = 0u32;
        for p in 0..self.cfg.producers {
            let mut n = st.n(p) as u32;
            if st.ph(p) == phase::SENT {
                n += 1;
            }
            bits |= ((1u32 << n) - 1) << (p as u32 * s);
        }
        bits
    }

    /// The properties broken by a state with no successors.
    pub fn terminal_violation(&self, st: &St) -> Option<Violation> {
        if self.props.has(Property::P2) && self.caller_waiting(st) {
            return Some(Violation::new(ViolationKind::Deadlock, 0));
        }
        if self.props.has(Property::P3) {
            let open = self.accepted_mask(st) & !st.done;
            if open != 0 {
                let id = open.trailing_zeros() as u8 + 1;
                return Some(Violation::new(ViolationKind::Stuck, id));
            }
        }
        None
    }

    /// A caller is waiting.
    pub fn caller_waiting(&self, st: &St) -> bool {
        matches!(
            st.ff,
            ff::REQUESTED | ff::SERVED | ff::FLUSHED | ff::EXPORTING
        ) || st.sd == sd::WAITING
    }

    /// A progress measure that every non-loop step increases (checked on every edge): settled
    /// spans, ended and accepted spans, spans in batches, then the callers, the export slots
    /// and the worker, weighted so that each step's gains outweigh what it gives back.
    pub fn potential(&self, st: &St) -> u32 {
        let ended = self.ended_total(st);
        let sent = (st.ph & 0xAAAA_AAAA).count_ones();
        let checked = (st.ph & 0x5555_5555).count_ones();
        let batched = (st.blen(0) + st.blen(1)) as u32;
        let ff_rank = match st.ff {
            ff::NOT_CALLED => 0,
            ff::REQUESTED => 1,
            ff::SERVED | ff::EXPORTING => 2,
            ff::FLUSHED => 3,
            _ => 4,
        };
        let flush = ff_rank * 2 + u32::from(st.mode != mode::FLUSH);
        let callers =
            flush + st.sd as u32 + u32::from(st.exporter_shut) + 64 * u32::from(st.event != 0);
        let slots: u32 = st
            .slot
            .iter()
            .map(|&s| match s {
                slot::IDLE => 0,
                slot::ATTEMPT => 1,
                _ => 2,
            })
            .sum();
        let worker = match st.wpc {
            wpc::DRAIN => 1,
            wpc::EXITED | wpc::TIMER_RECV => 2,
            _ => 0,
        };
        256 * st.done.count_ones()
            + 64 * ended
            + 32 * (ended + sent)
            + 16 * (batched + checked)
            + 4 * callers
            + slots
            + worker
    }

    /// A caller waits at `st` and every path from it stays within loop steps: a hang.
    /// `out` holds the successors of `st`.
    fn trapped(&self, st: &St, out: &Successors<Action>) -> bool {
        if !self.caller_waiting(st) || out.is_empty() || !out.iter().all(|(a, _)| a.is_loop()) {
            return false;
        }
        // The loop-step closure of `st` is tiny (retry and timer phases): follow it.
        let w = self.layout.words;
        let mut seen: Vec<[u32; MAX_WORDS]> = Vec::new();
        let mut todo: Vec<[u32; MAX_WORDS]> = Vec::new();
        for (_, s) in out.iter() {
            let mut k = [0u32; MAX_WORDS];
            k[..w].copy_from_slice(s);
            todo.push(k);
        }
        let mut next = Successors::new(w);
        while let Some(k) = todo.pop() {
            if seen.contains(&k) {
                continue;
            }
            seen.push(k);
            if seen.len() > 64 {
                return false;
            }
            next.clear();
            self.successors_into(&self.layout.unpack(&k[..w]), &mut next);
            if next.is_empty() {
                return false; // a deadlock further on, reported there
            }
            for (a, s) in next.iter() {
                if !a.is_loop() {
                    return false;
                }
                let mut k2 = [0u32; MAX_WORDS];
                k2[..w].copy_from_slice(s);
                todo.push(k2);
            }
        }
        true
    }

    fn successors(&self, st: &St, out: &mut Emit<'_>) {
        self.producers(st, out);
        self.worker(st, out);
        self.exporter(st, out);
        self.flush_caller(st, out);
        self.shutdown_caller(st, out);
    }

    /// All successors of a decoded state.
    pub fn successors_into(&self, st: &St, out: &mut Successors<Action>) {
        let mut e = Emit {
            out,
            here: None,
            rises: true,
        };
        self.successors(st, &mut e);
    }
}

impl Model for BspModel {
    type Label = Action;
    type Violation = Violation;

    fn state_words(&self) -> usize {
        self.layout.words
    }

    fn initial(&self, out: &mut Successors<Action>) {
        let mut e = Emit {
            out,
            here: None,
            rises: true,
        };
        self.push(&mut e, Action::ShutdownCall, &self.layout.empty());
    }

    fn expand(&self, state: &[u32], out: &mut Successors<Action>) -> Option<Violation> {
        let st = self.layout.unpack(state);
        if let Some(v) = self.state_violation(&st) {
            return Some(v);
        }
        let hangs = self.in_search_hangs && self.props.has(Property::P2);
        let check = hangs && !self.unranked.load(Ordering::Relaxed);
        let mut e = Emit {
            out,
            here: check.then(|| self.potential(&st)),
            rises: true,
        };
        self.successors(&st, &mut e);
        if !e.rises {
            self.unranked.store(true, Ordering::Relaxed);
        }
        if out.is_empty() {
            return self.terminal_violation(&st);
        }
        if hangs && self.trapped(&st, out) {
            return Some(Violation::new(ViolationKind::Hang, 0));
        }
        None
    }
}
