//! Turning a path of packed states into a `report::Counterexample`: each step names the
//! actor, the action and what changed; the summary states the broken property in the
//! terms of the issue, with step numbers.

use super::model::{Action, BspModel, ExportResult, OnEnd, Wake};
use super::props::{Violation, ViolationKind};
use super::state::{St, ff, mode, sd, slot, timer, wpc};
use super::variant::Variant;
use crate::report::{Counterexample, Step};

/// `p1s2`: span 2 of producer 1 (both counted from 1).
fn short(m: &BspModel, id: u8) -> String {
    let (p, s) = m.span_of(id);
    format!("p{}s{}", p + 1, s + 1)
}

fn long(m: &BspModel, id: u8) -> String {
    let (p, s) = m.span_of(id);
    format!("span {} of producer {}", s + 1, p + 1)
}

fn list(m: &BspModel, ids: impl IntoIterator<Item = u8>) -> String {
    let v: Vec<String> = ids
        .into_iter()
        .filter(|&i| i != 0)
        .map(|i| short(m, i))
        .collect();
    format!("[{}]", v.join(", "))
}

fn spans(n: u8) -> String {
    if n == 1 {
        "1 span".into()
    } else {
        format!("{n} spans")
    }
}

fn wpc_name(v: u8) -> &'static str {
    match v {
        wpc::IDLE => "idle",
        wpc::DRAIN => "between batches",
        wpc::EXPORTING => "waiting for Export",
        wpc::EXITED => "exited",
        wpc::TIMER_RECV => "blocked on <-timer.C",
        _ => "?",
    }
}

fn slot_name(v: u8) -> &'static str {
    match v {
        slot::IDLE => "none",
        slot::ATTEMPT => "in flight",
        slot::BACKOFF => "backing off",
        slot::RETRY => "retrying",
        _ => "?",
    }
}

fn ff_name(v: u8) -> &'static str {
    match v {
        ff::NOT_CALLED => "not called",
        ff::REQUESTED => "waiting (requested)",
        ff::SERVED => "waiting (worker draining for it)",
        ff::FLUSHED => "signalled done",
        ff::RETURNED => "returned",
        ff::EXPORTING => "waiting for its own Export",
        _ => "?",
    }
}

fn sd_name(v: u8) -> &'static str {
    match v {
        sd::NOT_CALLED => "not called",
        sd::WAITING => "waiting",
        sd::RETURNED => "returned",
        _ => "?",
    }
}

fn timer_name(v: u8) -> &'static str {
    match v {
        timer::ARMED => "armed",
        timer::FIRED => "expired, value not received",
        timer::STOPPED => "stopped",
        _ => "?",
    }
}

fn wake_name(w: Wake) -> &'static str {
    match w {
        Wake::Shutdown => "Shutdown",
        Wake::Flush => "ForceFlush",
        Wake::BatchFull => "a full batch",
        Wake::Timer => "the timer",
    }
}

fn slot_owner(m: &BspModel, s: u8) -> &'static str {
    match (s, m.variant) {
        (0, _) => "worker's",
        (_, Variant::FlushOnCallerThread) => "ForceFlush caller's",
        _ => "second",
    }
}

/// Actor and action of a label.
fn describe(m: &BspModel, a: Action) -> (String, String) {
    let worker = "worker".to_string();
    match a {
        Action::OnEnd { p, s, what } => {
            let span = short(m, m.span_id(p, s));
            let text = match what {
                OnEnd::Enqueued => format!("OnEnd({span}): enqueued"),
                OnEnd::DroppedFull => format!("OnEnd({span}): queue full, span dropped"),
                OnEnd::DroppedStopped => {
                    format!("OnEnd({span}): processor stopped, span dropped")
                }
                OnEnd::CheckedNotStopped => {
                    format!("OnEnd({span}): reads stopped = false (enqueue comes next)")
                }
                OnEnd::Sent => {
                    format!("OnEnd({span}): sends the span into the queue (counter not yet increased)")
                }
                OnEnd::Counted => {
                    format!("OnEnd({span}): increases the pending counter and returns")
                }
            };
            (format!("producer {}", p + 1), text)
        }
        Action::WorkerWake { why, took } => {
            let rest = if took == 0 {
                "nothing to export".to_string()
            } else {
                format!("calls Export with {}", spans(took))
            };
            (worker, format!("wakes for {}; {rest}", wake_name(why)))
        }
        Action::AsyncExport { why, slot, took } => (
            worker,
            format!(
                "{} triggers an asynchronous Export of the buffer's first {} (call {}, buffer kept until it completes)",
                match why {
                    Wake::Timer => "the timer",
                    _ => "a full buffer",
                },
                spans(took),
                slot + 1
            ),
        ),
        Action::WorkerNext { took } => (
            worker,
            format!("drain goes on: calls Export with {}", spans(took)),
        ),
        Action::WorkerFinish { mode: md } => (
            worker,
            match md {
                mode::FLUSH => "flush drain finished: signals ForceFlush".into(),
                mode::SHUTDOWN => "Shutdown drain finished: the worker exits".into(),
                _ => "drain finished".into(),
            },
        ),
        Action::GoReceive { export } => (
            worker,
            if export {
                "select receives a span; the batch is full: timer.Stop() returns true; calls Export"
                    .into()
            } else {
                "select receives a span into the batch".into()
            },
        ),
        Action::GoStopFalse => (
            worker,
            "select receives a span; the batch is full: timer.Stop() returns false for the expired timer, so it blocks on <-timer.C, whose value Go 1.23's synchronous channel has discarded".into(),
        ),
        Action::GoTimer { export } => (
            worker,
            if export {
                "select receives the timer's value; resets the timer and calls Export".into()
            } else {
                "select receives the timer's value; resets the timer (empty batch)".into()
            },
        ),
        Action::TimerFires => ("timer".into(), "expires".into()),
        Action::ExportReturns { slot: s, result } => (
            "exporter".into(),
            format!(
                "Export ({} call) returns {}",
                slot_owner(m, s),
                match result {
                    ExportResult::Success => "success",
                    ExportResult::Failure => "failure",
                    ExportResult::Timeout => "timeout",
                    ExportResult::Shut => "failure: the exporter is shut down",
                }
            ),
        ),
        Action::ExportBacksOff { slot: s } => (
            "exporter".into(),
            format!(
                "attempt of the {} Export fails (endpoint unreachable): backs off before retrying",
                slot_owner(m, s)
            ),
        ),
        Action::ExportFailsAgain { slot: s } => (
            "exporter".into(),
            format!(
                "the retry of the {} Export fails too (endpoint still unreachable): backs off again",
                slot_owner(m, s)
            ),
        ),
        Action::ExportRetries { slot: s } => (
            "exporter".into(),
            format!("retries the {} Export", slot_owner(m, s)),
        ),
        Action::FlushCall { ignored } => (
            "ForceFlush caller".into(),
            if ignored {
                "calls ForceFlush after Shutdown: ignored, returns at once".into()
            } else {
                "calls ForceFlush".into()
            },
        ),
        Action::FlushCallerExports { took } => (
            "ForceFlush caller".into(),
            format!(
                "takes {} from the queue and calls Export on its own thread, without the export lock",
                spans(took)
            ),
        ),
        Action::FlushReturns { success } => (
            "ForceFlush caller".into(),
            if success {
                "ForceFlush returns success".into()
            } else {
                "ForceFlush's deadline passes: returns timeout".into()
            },
        ),
        Action::ShutdownCall => (
            "Shutdown caller".into(),
            "calls Shutdown: stopped = true".into(),
        ),
        Action::ShutdownInterrupts => (
            "Shutdown caller".into(),
            "Shutdown's deadline passes: shuts the exporter down, interrupting its retries".into(),
        ),
        Action::ShutdownReturns => (
            "Shutdown caller".into(),
            if m.variant == Variant::ShutdownJoinsRetryingExporter {
                "the worker has exited: calls exporter.Shutdown(), Shutdown returns".into()
            } else {
                "the worker has exited: Shutdown returns".into()
            },
        ),
    }
}

/// What changed between two states, one line each.
fn changes(m: &BspModel, a: Action, b: &St, c: &St) -> Vec<String> {
    let mut d = Vec::new();
    if b.queue != c.queue {
        d.push(format!(
            "queue: {} → {}",
            list(m, b.ids(b.queue)),
            list(m, c.ids(c.queue))
        ));
    }
    for s in 0..2 {
        if b.batch[s] != c.batch[s] {
            d.push(format!(
                "{} batch: {} → {}",
                slot_owner(m, s as u8),
                list(m, b.ids(b.batch[s])),
                list(m, c.ids(c.batch[s]))
            ));
        }
        if b.slot[s] != c.slot[s] {
            d.push(format!(
                "{} Export call: {} → {}",
                slot_owner(m, s as u8),
                slot_name(b.slot[s]),
                slot_name(c.slot[s])
            ));
        }
    }
    let newly: Vec<u8> = (1..=m.cfg.total_spans())
        .filter(|&id| c.is_done(id) && !b.is_done(id))
        .collect();
    if !newly.is_empty() {
        let how = match a {
            Action::ExportReturns { .. } => "handed to a returned Export",
            _ => "counted as dropped",
        };
        d.push(format!("{how}: {}", list(m, newly)));
    }
    if b.wpc != c.wpc {
        d.push(format!("worker: {} → {}", wpc_name(b.wpc), wpc_name(c.wpc)));
    }
    if b.target != c.target && (c.mode != mode::NORMAL || b.mode != mode::NORMAL) {
        d.push(format!("drain target: {} → {}", b.target, c.target));
    }
    if b.ff != c.ff {
        d.push(format!("ForceFlush: {} → {}", ff_name(b.ff), ff_name(c.ff)));
        if b.ff == ff::NOT_CALLED && c.ff != ff::RETURNED {
            let ended: Vec<u8> = (0..m.cfg.producers)
                .flat_map(|p| (0..c.snap(p)).map(move |s| (p, s)))
                .map(|(p, s)| m.span_id(p, s))
                .collect();
            d.push(format!("spans ended before the call: {}", list(m, ended)));
        }
    }
    if b.sd != c.sd {
        d.push(format!("Shutdown: {} → {}", sd_name(b.sd), sd_name(c.sd)));
    }
    if b.exporter_shut != c.exporter_shut {
        d.push("exporter: shut down".into());
    }
    if b.timer != c.timer {
        d.push(format!(
            "timer: {} → {}",
            timer_name(b.timer),
            timer_name(c.timer)
        ));
    }
    d
}

/// The parts of a state a reader follows step by step (the HTML report's table): the queue,
/// each Export slot's batch and call, the worker, ForceFlush, Shutdown, and the counters of
/// spans ended and accounted for.
fn state_parts(m: &BspModel, st: &St) -> Vec<(String, String)> {
    let total = m.cfg.total_spans();
    let ended: u32 = (0..m.cfg.producers).map(|p| u32::from(st.n(p))).sum();
    let done = (1..=total).filter(|&id| st.is_done(id)).count();
    let mut parts = vec![("queue".to_string(), list(m, st.ids(st.queue)))];
    for s in 0..2 {
        let owner = slot_owner(m, s as u8);
        parts.push((format!("{owner} batch"), list(m, st.ids(st.batch[s]))));
        parts.push((format!("{owner} Export"), slot_name(st.slot[s]).to_string()));
    }
    parts.extend([
        ("worker".to_string(), wpc_name(st.wpc).to_string()),
        ("ForceFlush".to_string(), ff_name(st.ff).to_string()),
        ("Shutdown".to_string(), sd_name(st.sd).to_string()),
        ("spans ended".to_string(), format!("{ended} of {total}")),
        ("accounted for".to_string(), format!("{done} of {total}")),
    ]);
    parts
}

/// Number of the step (from 1) at which `f` first turned true along the path.
fn first_step(states: &[St], f: impl Fn(&St) -> bool) -> Option<usize> {
    (1..states.len()).find(|&i| f(&states[i]) && !f(&states[i - 1]))
}

fn last_step(states: &[St], f: impl Fn(&St) -> bool) -> Option<usize> {
    (1..states.len())
        .rev()
        .find(|&i| f(&states[i]) && !f(&states[i - 1]))
}

fn at(n: Option<usize>) -> String {
    n.map_or_else(|| "at the start".into(), |n| format!("at step {n}"))
}

fn summary(
    m: &BspModel,
    states: &[St],
    actions: &[Action],
    v: Violation,
    loop_start: Option<usize>,
) -> String {
    let id = v.span;
    let span = long(m, id);
    let accepted = first_step(states, |s| m.accepted(s, id));
    let sd_called = first_step(states, |s| s.sd != sd::NOT_CALLED);
    let sd_ret = first_step(states, |s| s.sd == sd::RETURNED);
    let ff_called = first_step(states, |s| s.ff != ff::NOT_CALLED);
    let last = states.len().saturating_sub(1);
    let waiting_who = |s: &St| {
        let mut w = Vec::new();
        if matches!(
            s.ff,
            ff::REQUESTED | ff::SERVED | ff::FLUSHED | ff::EXPORTING
        ) {
            w.push(format!("ForceFlush (called {})", at(ff_called)));
        }
        if s.sd == sd::WAITING {
            w.push(format!("Shutdown (called {})", at(sd_called)));
        }
        let verb = if w.len() > 1 {
            "never return"
        } else {
            "never returns"
        };
        format!("{} {verb}", w.join(" and "))
    };
    match v.kind {
        ViolationKind::ConcurrentExport => {
            let s0 = last_step(states, |s| s.slot[0] != slot::IDLE);
            let s1 = last_step(states, |s| s.slot[1] != slot::IDLE);
            let (first, second) = if s0 <= s1 { (s0, s1) } else { (s1, s0) };
            format!(
                "Export was called {} while the Export called {} had not returned: two Export calls run concurrently",
                at(second),
                at(first)
            )
        }
        ViolationKind::Deadlock => {
            let fin = states.last().copied().unwrap_or_default();
            format!(
                "{}: after step {last} no actor can take a step (worker {})",
                waiting_who(&fin),
                wpc_name(fin.wpc)
            )
        }
        ViolationKind::Hang => {
            let fin = states.last().copied().unwrap_or_default();
            let from = loop_start.map_or(1, |l| l + 1);
            format!(
                "{}: steps {from} to {last} repeat forever and no step leads out of that loop",
                waiting_who(&fin)
            )
        }
        ViolationKind::Vanished => {
            let gone = last_step(states, |s| !s.present(id));
            format!(
                "{span} was accepted {} and is neither exported nor counted as dropped: it left the buffer {} without an Export returning with it",
                at(accepted),
                at(gone)
            )
        }
        ViolationKind::LostAtShutdown => {
            if accepted > sd_ret {
                format!(
                    "{span} was accepted {}, after Shutdown returned {}, and is neither exported nor counted as dropped",
                    at(accepted),
                    at(sd_ret)
                )
            } else {
                format!(
                    "{span} was accepted {} and is neither exported nor counted as dropped when Shutdown returned {}",
                    at(accepted),
                    at(sd_ret)
                )
            }
        }
        ViolationKind::Stuck => format!(
            "{span} was accepted {} and is neither exported nor counted as dropped when no actor can move any more (after step {last})",
            at(accepted)
        ),
        ViolationKind::ExportedTwice => {
            let returns: Vec<String> = (1..states.len())
                .filter(|&i| match actions.get(i - 1) {
                    Some(Action::ExportReturns { slot: s, .. }) => {
                        states[i - 1].batch_holds(*s as usize, id)
                    }
                    _ => false,
                })
                .map(|i| i.to_string())
                .collect();
            format!(
                "{span} was exported twice: Export calls returned with it at steps {}",
                returns.join(" and ")
            )
        }
        ViolationKind::FlushMissed => {
            let ret = last_step(states, |s| s.ff == ff::RETURNED);
            let ended = first_step(states, |s| {
                let (p, k) = m.span_of(id);
                s.n(p) > k
            });
            format!(
                "ForceFlush was called {} and returned success {}, but {span}, ended {} before the call, had not been handed to an Export that returned",
                at(ff_called),
                at(ret),
                at(ended)
            )
        }
        ViolationKind::ExportAfterShutdown => {
            let started = (0..2)
                .filter_map(|s| last_step(states, |x| x.slot[s] != slot::IDLE))
                .min();
            format!(
                "Shutdown returned {} while the Export called {} was still in flight",
                at(sd_ret),
                at(started)
            )
        }
    }
}

/// Builds the counterexample for a path: the initial state, then (label, state) steps.
pub fn counterexample(
    m: &BspModel,
    init: &[u32],
    path: &[(Action, Vec<u32>)],
    v: Violation,
    loop_start: Option<usize>,
) -> Counterexample {
    let mut states = Vec::with_capacity(path.len() + 1);
    states.push(m.layout.unpack(init));
    for (_, s) in path {
        states.push(m.layout.unpack(s));
    }
    let steps = path
        .iter()
        .enumerate()
        .map(|(i, (a, _))| {
            let (actor, action) = describe(m, *a);
            Step {
                actors: vec![actor.clone()],
                actor,
                action,
                details: changes(m, *a, &states[i], &states[i + 1]),
                state: state_parts(m, &states[i + 1]),
                ..Step::default()
            }
        })
        .collect();
    let actions: Vec<Action> = path.iter().map(|(a, _)| *a).collect();
    let fin = states.last().copied().unwrap_or_default();
    let facts = vec![
        ("property".to_string(), v.property().title().to_string()),
        ("queue".to_string(), list(m, fin.ids(fin.queue))),
        ("worker".to_string(), wpc_name(fin.wpc).to_string()),
        ("ForceFlush".to_string(), ff_name(fin.ff).to_string()),
        ("Shutdown".to_string(), sd_name(fin.sd).to_string()),
    ];
    Counterexample {
        summary: format!(
            "{}: {}",
            v.property().short(),
            summary(m, &states, &actions, v, loop_start)
        ),
        initial: states
            .first()
            .map(|s| state_parts(m, s))
            .unwrap_or_default(),
        steps,
        loop_start,
        facts,
        ..Counterexample::default()
    }
}
