//! The transitions of every actor, and the properties checked on each state: the
//! `explore::Model` of the BatchSpanProcessor.

use super::config::{Config, When};
use super::props::{Property, PropertySet, Violation, ViolationKind};
use super::state::{Layout, MAX_WORDS, St, event, ff, mode, phase, sd, slot, timer, wpc};
use super::variant::Variant;
use crate::explore::{Model, Successors};

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
    ExportBacksOff {
        slot: u8,
    },
    ExportRetries {
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

/// The model: one configuration, one variant, the properties being checked.
#[derive(Clone, Debug)]
pub struct BspModel {
    pub cfg: Config,
    pub variant: Variant,
    pub layout: Layout,
    pub props: PropertySet,
}

impl BspModel {
    pub fn new(cfg: Config, variant: Variant, props: PropertySet) -> BspModel {
        BspModel {
            cfg,
            variant,
            layout: Layout::new(&cfg, variant),
            props,
        }
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
        let p = p as usize;
        s < st.n[p] || (s == st.n[p] && st.ph[p] == phase::SENT)
    }

    fn ended_total(&self, st: &St) -> u32 {
        st.n[..self.cfg.producers as usize]
            .iter()
            .map(|&x| x as u32)
            .sum()
    }

    fn all_ended(&self, st: &St) -> bool {
        (0..self.cfg.producers as usize)
            .all(|p| st.n[p] == self.cfg.spans && st.ph[p] == phase::READY)
    }

    fn may_call(&self, when: When, st: &St) -> bool {
        match when {
            When::Never => false,
            When::After(k) => self.ended_total(st) >= k as u32,
            When::End => self.all_ended(st),
        }
    }

    fn push(&self, out: &mut Successors<Action>, a: Action, st: &St) {
        let mut buf = [0u32; MAX_WORDS];
        let w = self.layout.words;
        self.layout.pack(st, &mut buf[..w]);
        out.push(a, &buf[..w]);
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

    fn producers(&self, st: &St, out: &mut Successors<Action>) {
        let q = self.cfg.queue as usize;
        for p in 0..self.cfg.producers {
            let pi = p as usize;
            let s = st.n[pi];
            if s >= self.cfg.spans {
                continue;
            }
            let id = self.span_id(p, s);
            let mut nx = *st;
            let what = match (self.variant, st.ph[pi]) {
                (Variant::OnEndShutdownRace, phase::READY) => {
                    if Self::stopped(st) {
                        nx.set_done(id);
                        nx.n[pi] += 1;
                        OnEnd::DroppedStopped
                    } else {
                        nx.ph[pi] = phase::CHECKED;
                        OnEnd::CheckedNotStopped
                    }
                }
                (Variant::OnEndShutdownRace, _) => {
                    // The enqueue does not look at the stopped flag again.
                    nx.ph[pi] = phase::READY;
                    nx.n[pi] += 1;
                    if st.qlen() >= q {
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
                        nx.n[pi] += 1;
                        OnEnd::DroppedStopped
                    } else if st.qlen() >= q {
                        nx.set_done(id);
                        nx.n[pi] += 1;
                        OnEnd::DroppedFull
                    } else {
                        nx.push_queue(id);
                        nx.ph[pi] = phase::SENT;
                        OnEnd::Sent
                    }
                }
                (Variant::CountAfterSend, _) => {
                    nx.ph[pi] = phase::READY;
                    nx.n[pi] += 1;
                    OnEnd::Counted
                }
                _ => {
                    nx.n[pi] += 1;
                    if Self::stopped(st) {
                        nx.set_done(id);
                        OnEnd::DroppedStopped
                    } else if st.qlen() >= q {
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
    /// Returns the number of spans taken (0: the drain finished).
    fn take(&self, st: &mut St) -> u8 {
        let b = self.cfg.batch as usize;
        let have = st.blen(0);
        let k = (b - have)
            .min(st.target as usize)
            .min(st.counted(self.cfg.producers));
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
        if self.variant == Variant::ClearInCallback {
            st.batch[0][..k].copy_from_slice(&st.queue[..k]);
        } else {
            let taken = st.pop_queue(k);
            st.batch[0][have..have + k].copy_from_slice(&taken[..k]);
        }
        st.target -= k as u8;
        st.slot[0] = slot::ATTEMPT;
        st.wpc = wpc::EXPORTING;
        (have + k) as u8
    }

    fn wake(&self, st: &St, why: Wake, out: &mut Successors<Action>) {
        let mut nx = *st;
        let counted = st.counted(self.cfg.producers) as u8;
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
            nx.batch[s][..k].copy_from_slice(&st.queue[..k]);
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

    fn worker(&self, st: &St, out: &mut Successors<Action>) {
        if self.variant == Variant::GoTimerDrain {
            return self.go_worker(st, out);
        }
        match st.wpc {
            wpc::IDLE => {
                // The worker's own exports use slot 0 and wait for it.
                let free = st.slot[0] == slot::IDLE;
                if Self::stopped(st) && st.sd == sd::WAITING && free {
                    self.wake(st, Wake::Shutdown, out);
                }
                if st.ff == ff::REQUESTED && self.variant != Variant::FlushOnCallerThread && free {
                    self.wake(st, Wake::Flush, out);
                }
                let counted = st.counted(self.cfg.producers);
                let b = self.cfg.batch as usize;
                if counted >= b && (free || self.variant == Variant::ClearInCallback) {
                    self.wake(st, Wake::BatchFull, out);
                }
                if counted > 0 && counted < b && (free || self.variant == Variant::ClearInCallback)
                {
                    self.wake(st, Wake::Timer, out);
                }
            }
            wpc::DRAIN if st.slot[0] == slot::IDLE => {
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
            _ => {}
        }
    }

    /// Go's `processQueue`: a `select` over the stop channel, the timer and the queue,
    /// receiving one span at a time into its batch.
    fn go_worker(&self, st: &St, out: &mut Successors<Action>) {
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
                    let have = st.blen(0);
                    let taken = nx.pop_queue(1);
                    nx.batch[0][have] = taken[0];
                    if have + 1 >= self.cfg.batch as usize {
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
            wpc::DRAIN if st.slot[0] == slot::IDLE => {
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
            _ => {}
        }
        let live = !matches!(st.wpc, wpc::EXITED | wpc::TIMER_RECV);
        if st.timer == timer::ARMED && live && (st.blen(0) > 0 || st.qlen() > 0) {
            let mut nx = *st;
            nx.timer = timer::FIRED;
            self.push(out, Action::TimerFires, &nx);
        }
    }

    // ---- exporter ----

    fn complete(&self, st: &St, s: usize, result: ExportResult, out: &mut Successors<Action>) {
        let mut nx = *st;
        for &id in st.batch[s].iter().filter(|&&id| id != 0) {
            if nx.is_done(id) && nx.event == event::NONE && self.props.has(Property::P3) {
                nx.event = event::EXPORTED_TWICE;
                nx.event_span = id;
            }
            nx.set_done(id);
        }
        nx.batch[s] = [0; 4];
        nx.slot[s] = slot::IDLE;
        if self.variant == Variant::ClearInCallback {
            nx.queue = [0; 8];
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
        self.push(
            out,
            Action::ExportReturns {
                slot: s as u8,
                result,
            },
            &nx,
        );
    }

    fn exporter(&self, st: &St, out: &mut Successors<Action>) {
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
                    self.push(out, Action::ExportBacksOff { slot: s as u8 }, &nx);
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
                for s in 0..st.snap[p as usize] {
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
        nx.snap = [0; 4];
        nx.ctarget = 0;
    }

    fn flush_caller(&self, st: &St, out: &mut Successors<Action>) {
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
                        nx.ctarget = st.counted(self.cfg.producers) as u8;
                    }
                    self.push(out, Action::FlushCall { ignored: false }, &nx);
                }
            }
            ff::REQUESTED if self.variant == Variant::FlushOnCallerThread => {
                let k = (self.cfg.batch as usize)
                    .min(st.ctarget as usize)
                    .min(st.counted(self.cfg.producers));
                let mut nx = *st;
                if k == 0 {
                    self.flush_success(st, &mut nx);
                    self.push(out, Action::FlushReturns { success: true }, &nx);
                } else {
                    let taken = nx.pop_queue(k);
                    nx.batch[1][..k].copy_from_slice(&taken[..k]);
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
            nx.snap = [0; 4];
            nx.ctarget = 0;
            self.push(out, Action::FlushReturns { success: false }, &nx);
        }
    }

    fn shutdown_caller(&self, st: &St, out: &mut Successors<Action>) {
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
            for id in 1..=self.cfg.total_spans() {
                if !self.accepted(st, id) || st.is_done(id) {
                    continue;
                }
                if st.sd == sd::RETURNED {
                    return Some(Violation::new(ViolationKind::LostAtShutdown, id));
                }
                if !st.present(id) {
                    return Some(Violation::new(ViolationKind::Vanished, id));
                }
            }
        }
        None
    }

    /// The properties broken by a state with no successors.
    pub fn terminal_violation(&self, st: &St) -> Option<Violation> {
        let waiting = matches!(
            st.ff,
            ff::REQUESTED | ff::SERVED | ff::FLUSHED | ff::EXPORTING
        ) || st.sd == sd::WAITING;
        if self.props.has(Property::P2) && waiting {
            return Some(Violation::new(ViolationKind::Deadlock, 0));
        }
        if self.props.has(Property::P3) {
            for id in 1..=self.cfg.total_spans() {
                if self.accepted(st, id) && !st.is_done(id) {
                    return Some(Violation::new(ViolationKind::Stuck, id));
                }
            }
        }
        None
    }

    /// A caller is waiting (for the hang check over cycles).
    pub fn caller_waiting(&self, st: &St) -> bool {
        matches!(
            st.ff,
            ff::REQUESTED | ff::SERVED | ff::FLUSHED | ff::EXPORTING
        ) || st.sd == sd::WAITING
    }

    /// All successors of a decoded state.
    pub fn successors(&self, st: &St, out: &mut Successors<Action>) {
        self.producers(st, out);
        self.worker(st, out);
        self.exporter(st, out);
        self.flush_caller(st, out);
        self.shutdown_caller(st, out);
    }
}

impl Model for BspModel {
    type Label = Action;
    type Violation = Violation;

    fn state_words(&self) -> usize {
        self.layout.words
    }

    fn initial(&self, out: &mut Successors<Action>) {
        self.push(out, Action::ShutdownCall, &St::default());
    }

    fn expand(&self, state: &[u32], out: &mut Successors<Action>) -> Option<Violation> {
        let st = self.layout.unpack(state);
        if let Some(v) = self.state_violation(&st) {
            return Some(v);
        }
        self.successors(&st, out);
        if out.is_empty() {
            return self.terminal_violation(&st);
        }
        None
    }
}
