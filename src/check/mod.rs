//! The CSP checks: deadlock, divergence, determinism, normalisation, refinement, has-trace.
//!
//! `check` turns an assertion and the machines `lts` compiled into a model for the `explore`
//! engine, and the engine's answer into a `report::CheckResult` with a readable counterexample
//! (the shortest trace, what was refused or accepted, the loop of a divergence, and for every
//! step the leaf processes that took part with their definitions' positions). It must not do
//! IO or print. What cannot be checked (an unsupported semantic model: `[R=`, `[RD=`, `[V=`,
//! `[VD=`; a process with no finite LTS) is an error at its position, whose message starts with
//! `unsupported:` for the models not implemented; [`error_result`] records it in the report.

mod cex;
pub mod models;
pub mod normal;
pub mod scc;

use crate::cspm::proc::{Assertion, EventId, ProcId, ProcSource, Property, SemanticModel, TAU};
use crate::cspm::source::{Diagnostic, SourceMap, Span};
use crate::explore::{self, Bound, Exploration, Model, Outcome, Progress};
use crate::lts::export::{Limits, Stop};
use crate::lts::{CompileOptions, Compiler, Machine, export};
use crate::report::{CheckResult, Counterexample, Event, Kind, Location, Stats, Verdict};
use models::{DetModel, RefModel, RefViolation, RefineModel, SysModel, TraceModel};
use normal::NormalForm;
use std::time::{Duration, Instant};

/// Knobs of a check run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    pub explore: explore::Options,
    pub compile: CompileOptions,
    /// Keep τ steps in counterexamples (they are marked internal either way).
    pub show_tau: bool,
}

/// Checks the assertions of one process source, sharing compiled leaves between them.
pub struct Checker<'s> {
    pub compiler: Compiler<'s>,
    opts: CheckOptions,
    /// The `:[tau priority over]:` set of the assertion being checked.
    prio: Option<crate::lts::sets::SetIx>,
    position: Box<dyn Fn(Span) -> Location + 's>,
    /// When the assertion being checked started: `--timeout` covers all its phases.
    started: Instant,
}

/// Partial statistics, summed over the phases of one check.
#[derive(Default)]
struct Acc {
    states: u64,
    transitions: u64,
    seconds: f64,
}

impl Acc {
    fn add<L, V>(&mut self, e: &Exploration<L, V>) {
        self.states += e.states;
        self.transitions += e.transitions;
        self.seconds += e.seconds;
    }
    fn stats(&self) -> Stats {
        Stats {
            states: self.states,
            transitions: self.transitions,
            seconds: self.seconds,
        }
    }
}

/// What a check concluded before negation and packaging.
enum Answer {
    Holds,
    Violated(Counterexample),
    Inconclusive(String),
}

fn memory_text(n: u64, doing: &str) -> String {
    format!(
        "stopped at the memory bound ({} MiB){doing}; raise --max-memory",
        n >> 20
    )
}

fn time_text(t: Duration, doing: &str) -> String {
    format!(
        "stopped at the time bound ({:.1} s){doing}; raise --timeout",
        t.as_secs_f64()
    )
}

impl<'s> Checker<'s> {
    /// `position` turns a span into its location (the caller owns the source map; see
    /// [`location`]).
    pub fn new(
        src: &'s mut dyn ProcSource,
        opts: CheckOptions,
        position: Box<dyn Fn(Span) -> Location + 's>,
    ) -> Self {
        let compile = opts.compile;
        Checker {
            compiler: Compiler::new(src, compile),
            opts,
            prio: None,
            position,
            started: Instant::now(),
        }
    }

    /// The engine's options for the next phase of the current check: what is left of the
    /// time bound, and of the memory bound once `used` bytes are held by earlier phases.
    fn explore_opts(&self, used: u64) -> explore::Options {
        let o = &self.opts.explore;
        explore::Options {
            timeout: o.timeout.map(|t| t.saturating_sub(self.started.elapsed())),
            max_memory: o.max_memory.map(|m| m.saturating_sub(used)),
            ..o.clone()
        }
    }

    /// Bounds of an explicit exploration or a normalisation in the current check.
    fn limits(&self, used: u64) -> Limits {
        let o = &self.opts.explore;
        Limits {
            max_states: self.explicit_bound(),
            max_bytes: o.max_memory.map(|m| m.saturating_sub(used)),
            deadline: o.timeout.map(|t| self.started + t),
        }
    }

    /// Why the engine stopped, in terms of the bounds the user gave.
    fn bound_text(&self, b: Bound) -> String {
        let o = &self.opts.explore;
        match b {
            Bound::States(n) => {
                format!("stopped at the state bound ({n} states); raise --max-states")
            }
            Bound::Memory(n) => memory_text(o.max_memory.unwrap_or(n), ""),
            Bound::Time(t) => time_text(o.timeout.unwrap_or(t), ""),
        }
    }

    /// Why an explicit exploration or a normalisation of `what` stopped.
    fn stop_text(&self, s: Stop, what: &str, units: &str) -> String {
        let o = &self.opts.explore;
        match s {
            Stop::States(n) => format!("{what} has more than {n} {units}; raise --max-states"),
            Stop::Memory(n) => memory_text(
                o.max_memory.unwrap_or(n),
                &format!(" while building {what}"),
            ),
            Stop::Time => time_text(
                o.timeout.unwrap_or_default(),
                &format!(" while building {what}"),
            ),
        }
    }

    fn explicit_bound(&self) -> usize {
        self.opts
            .explore
            .max_states
            .map(|n| n.min(usize::MAX as u64) as usize)
            .unwrap_or(5_000_000)
    }

    /// Checks one assertion. `id` is the result's id (e.g. `assert 3`).
    pub fn check(
        &mut self,
        a: &Assertion,
        id: String,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CheckResult, Diagnostic> {
        self.check_from(Instant::now(), a, id, progress)
    }

    /// As [`Checker::check`], for an assertion whose bounds started at `started` (its
    /// evaluation, which the caller ran under [`Checker::bounds`], counts against them).
    pub fn check_from(
        &mut self,
        started: Instant,
        a: &Assertion,
        id: String,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CheckResult, Diagnostic> {
        self.started = started;
        let bounds = self.bounds(started);
        self.compiler.sem.budget = crate::lts::sem::Budget {
            max_bytes: bounds.max_bytes,
            deadline: bounds.deadline,
        };
        self.compiler.sem.stopped = None;
        self.prio = a.tau_priority.map(|s| {
            let sem = &mut self.compiler.sem;
            sem.sets.import(&*sem.src, s)
        });
        // Evaluation and compilation run lazily inside the check: they obey its bounds.
        let (r, exceeded) =
            crate::budget::scope(bounds, || self.check_inner(a, id.clone(), progress));
        self.prio = None;
        let stopped = self.compiler.sem.stopped.take();
        let reason = match (stopped, exceeded) {
            (Some(stop), _) => self.stop_text(stop, "the processes' transitions", "states"),
            // Whatever the check answered, a step of it was cut short: the answer may rest
            // on a partial value, so it is not given.
            (None, Some(e)) => self.exceeded_text(e, " while evaluating and compiling"),
            (None, None) => return r,
        };
        let mut result = bound_result(id, kind_of(&a.property), title(a), reason);
        result.source = Some((self.position)(a.span));
        if let Ok(done) = &r {
            result.stats = done.stats;
        }
        Ok(result)
    }

    fn bounds(&self, started: Instant) -> crate::budget::Bounds {
        bounds(&self.opts.explore, started)
    }

    fn exceeded_text(&self, e: crate::budget::Exceeded, doing: &str) -> String {
        exceeded_text(&self.opts.explore, e, doing)
    }

    /// Per label of `m`: whether τ priority blocks it (its event is in the priority set).
    fn prio_labels(&self, m: &Machine) -> Option<Vec<bool>> {
        let s = self.prio?;
        let sets = &self.compiler.sem.sets;
        Some(
            (0..m.label_count())
                .map(|l| {
                    let e = m.label_event(l);
                    e != TAU && e != crate::cspm::proc::TICK && sets.contains(s, e)
                })
                .collect(),
        )
    }

    fn check_inner(
        &mut self,
        a: &Assertion,
        id: String,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<CheckResult, Diagnostic> {
        let mut acc = Acc::default();
        let (kind, answer) = match &a.property {
            Property::Deterministic { .. } if a.tau_priority.is_some() => {
                return Err(Diagnostic::error(
                    a.span,
                    "unsupported: `:[tau priority over]:` with determinism is not implemented yet",
                ));
            }
            p @ Property::Refinement { spec, model, imp } => {
                let kind = kind_of(p);
                let rm = match model {
                    SemanticModel::Traces => Some(RefModel::T),
                    SemanticModel::Failures => Some(RefModel::F),
                    SemanticModel::FailuresDivergences => Some(RefModel::FD),
                    _ => None,
                };
                let ans = match rm {
                    Some(rm) => self
                        .refinement(*spec, rm, *imp, &mut acc, progress)
                        .map_err(|d| self.at(d, a.span))?,
                    None => {
                        return Err(Diagnostic::error(
                            a.span,
                            format!(
                                "unsupported: the {} model is not implemented yet",
                                model_name(*model)
                            ),
                        ));
                    }
                };
                (kind, ans)
            }
            Property::DeadlockFree { proc, model } => {
                let fd = divergence_too(*model, "deadlock freedom", a.span)?;
                let ans = self
                    .deadlock(*proc, fd, &mut acc, progress)
                    .map_err(|d| self.at(d, a.span))?;
                (Kind::Deadlock, ans)
            }
            Property::DivergenceFree { proc } => {
                let m = self.machine(*proc, a.span)?;
                (Kind::Divergence, self.divergence(&m, &mut acc, progress))
            }
            Property::Deterministic { proc, model } => {
                let fd = divergence_too(*model, "determinism", a.span)?;
                let ans = self
                    .determinism(*proc, fd, &mut acc, progress)
                    .map_err(|d| self.at(d, a.span))?;
                (Kind::Determinism, ans)
            }
            Property::HasTrace { proc, trace, .. } => {
                let m = self.machine(*proc, a.span)?;
                (
                    Kind::HasTrace,
                    self.has_trace(&m, trace, &mut acc, progress),
                )
            }
            Property::Bool(b) => (
                Kind::Boolean,
                if *b {
                    Answer::Holds
                } else {
                    Answer::Violated(Counterexample {
                        summary: "the boolean assertion evaluates to false".into(),
                        ..Default::default()
                    })
                },
            ),
        };
        let verdict = match (answer, a.negated) {
            (Answer::Inconclusive(r), _) => Verdict::Inconclusive(r),
            (Answer::Holds, false) => Verdict::Holds,
            (Answer::Violated(cx), false) => Verdict::Violated(cx),
            (Answer::Violated(_), true) => Verdict::Holds,
            (Answer::Holds, true) => Verdict::Violated(Counterexample {
                summary: "the negated assertion's property holds".into(),
                ..Default::default()
            }),
        };
        Ok(CheckResult {
            id,
            kind,
            title: title(a),
            source: Some((self.position)(a.span)),
            verdict,
            findings: Vec::new(),
            stats: acc.stats(),
            ..Default::default()
        })
    }

    /// The result recorded for an assertion whose check stopped at the error `d`.
    pub fn error_result(&self, a: &Assertion, id: String, d: &Diagnostic) -> CheckResult {
        error_result(
            id,
            kind_of(&a.property),
            title(a),
            Some((self.position)(a.span)),
            &d.message,
            (self.position)(self.at(d.clone(), a.span).span),
        )
    }

    /// Diagnostics without a position of their own point at the assertion.
    fn at(&self, mut d: Diagnostic, span: Span) -> Diagnostic {
        if d.span == Span::default() {
            d.span = span;
        }
        d
    }

    fn machine(&mut self, p: ProcId, span: Span) -> Result<Machine, Diagnostic> {
        self.compiler.machine(p).map_err(|d| self.at(d, span))
    }

    fn deadlock(
        &mut self,
        p: ProcId,
        fd: bool,
        acc: &mut Acc,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Answer, Diagnostic> {
        let m = self.compiler.machine(p)?;
        let prio = self.prio_labels(&m);
        let model = SysModel {
            m: &m,
            deadlock: true,
            prio: prio.as_deref(),
        };
        let ex = explore::explore(&model, &self.explore_opts(0), progress);
        acc.add(&ex);
        match ex.outcome {
            Outcome::Violation { state, .. } => {
                let (_, steps) = ex.path(&model, state);
                let mut cx = self.cex(&m, &steps, 0);
                cx.summary =
                    "the process can deadlock: it reaches a state that refuses every event".into();
                let dead = ex.state(state).to_vec();
                cex::leaf_facts(&self.compiler, &m, &dead, 0, &mut cx);
                Ok(Answer::Violated(cx))
            }
            Outcome::Bounded(b) => Ok(Answer::Inconclusive(self.bound_text(b))),
            Outcome::Complete if fd => Ok(self
                .tau_cycles(&model, &ex, &m, 0, |_| false)
                .unwrap_or(Answer::Holds)),
            Outcome::Complete => Ok(Answer::Holds),
        }
    }

    fn divergence(
        &mut self,
        m: &Machine,
        acc: &mut Acc,
        progress: &mut dyn FnMut(&Progress),
    ) -> Answer {
        let prio = self.prio_labels(m);
        let model = SysModel {
            m,
            deadlock: false,
            prio: prio.as_deref(),
        };
        let ex = explore::explore(&model, &self.explore_opts(0), progress);
        acc.add(&ex);
        match ex.outcome {
            Outcome::Bounded(b) => Answer::Inconclusive(self.bound_text(b)),
            _ => self
                .tau_cycles(&model, &ex, m, 0, |_| false)
                .unwrap_or(Answer::Holds),
        }
    }

    /// Finds a reachable τ-cycle among the stored states of `ex` (states where `skip` holds
    /// are left out) and reports it as a divergence.
    fn tau_cycles<M: Model<Label = u32>, V>(
        &self,
        model: &M,
        ex: &Exploration<u32, V>,
        m: &Machine,
        offset: usize,
        skip: impl Fn(&[u32]) -> bool,
    ) -> Option<Answer> {
        let n = ex.states as usize;
        let words = model.state_words();
        let mut out = explore::Successors::new(words);
        let succ = |s: u32, v: &mut Vec<u32>, out: &mut explore::Successors<u32>| {
            out.clear();
            let _ = model.expand(ex.state(s), out);
            for (l, t) in out.iter() {
                // The label test first: the look-up hashes and probes the store.
                if m.label_event(l) == TAU
                    && let Some(id) = ex.lookup(t)
                {
                    v.push(id);
                }
            }
        };
        let comp = scc::cyclic_components(n, |s, v| succ(s, v, &mut out), |s| skip(ex.state(s)));
        let entry = comp.iter().position(|&c| c != u32::MAX)? as u32;
        let mut out2 = explore::Successors::new(words);
        let cycle = scc::cycle_through(entry, &comp, |s, v| succ(s, v, &mut out2));
        let (_, mut steps) = ex.path(model, entry);
        let loop_at = steps.len();
        // Rebuild the loop's labels: for each consecutive pair, the first τ edge between them.
        let mut prev = entry;
        for &next in &cycle {
            out.clear();
            let _ = model.expand(ex.state(prev), &mut out);
            let target = ex.state(next);
            if let Some((l, s)) = out
                .iter()
                .find(|(l, s)| m.label_event(*l) == TAU && *s == target)
            {
                steps.push((l, s.to_vec()));
            }
            prev = next;
        }
        let mut cx = self.cex_loop(m, &steps, offset, loop_at);
        cx.summary = "the process can diverge: it reaches a loop of internal (τ) steps".into();
        Some(Answer::Violated(cx))
    }

    fn refinement(
        &mut self,
        spec: ProcId,
        rm: RefModel,
        imp: ProcId,
        acc: &mut Acc,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Answer, Diagnostic> {
        let sm = self.compiler.machine(spec)?;
        let slts = match export::explicit_within(&sm, &self.limits(0)) {
            Ok(l) => l,
            Err(s) => {
                let why = self.stop_text(s, "the specification", "states");
                return Ok(Answer::Inconclusive(why));
            }
        };
        acc.states += slts.len() as u64;
        acc.transitions += slts.transitions.len() as u64;
        let nf = match normal::normalise(&slts, &self.limits(slts.memory_bytes())) {
            Ok(nf) => nf,
            Err(s) => {
                let why = self.stop_text(s, "the specification's normal form", "nodes");
                return Ok(Answer::Inconclusive(why));
            }
        };
        let held = nf.memory_bytes();
        drop(slts);
        let m = self.compiler.machine(imp)?;
        let prio = self.prio_labels(&m);
        let model = RefineModel {
            m: &m,
            nf: &nf,
            model: rm,
            prio: prio.as_deref(),
        };
        let ex = explore::explore(&model, &self.explore_opts(held), progress);
        acc.add(&ex);
        match ex.outcome {
            Outcome::Violation { state, violation } => {
                let (_, mut steps) = ex.path(&model, state);
                let here = ex.state(state).to_vec();
                let node = &nf.nodes[here[0] as usize];
                let cx = match violation {
                    RefViolation::Trace { label } => {
                        let e = m.label_event(label);
                        // Show the offending step itself, to its target.
                        let mut target = here.clone();
                        models::successors(&m, prio.as_deref(), &here[1..], |l, s| {
                            if l == label && target == here {
                                target[1..].copy_from_slice(s);
                            }
                        });
                        steps.push((label, target));
                        let mut cx = self.cex(&m, &steps, 1);
                        cx.summary = format!(
                            "the implementation performs `{}`, which the specification cannot do after this trace",
                            self.ev(e)
                        );
                        let allowed: Vec<EventId> = node.trans.iter().map(|&(e, _)| e).collect();
                        cx.facts.push(("specification allows".into(), self.set_text(&allowed)));
                        cx.evidence.performed = Some(self.event(e));
                        cx.evidence.allowed = Some(self.events(&allowed));
                        cx
                    }
                    RefViolation::Acceptance => {
                        let mut cx = self.cex(&m, &steps, 1);
                        let offered = models::initials(&m, prio.as_deref(), &here[1..]);
                        let refused: Vec<EventId> = node
                            .trans
                            .iter()
                            .map(|&(e, _)| e)
                            .filter(|e| !offered.contains(e))
                            .collect();
                        cx.summary = format!(
                            "the implementation can refuse {} after this trace, which the specification does not allow",
                            self.set_text(&refused)
                        );
                        cx.facts.push(("implementation accepts".into(), self.set_text(&offered)));
                        cx.facts.push(("implementation refuses".into(), self.set_text(&refused)));
                        let req: Vec<String> =
                            node.acceptances.iter().map(|a| self.set_text(a)).collect();
                        cx.facts.push((
                            "specification accepts one of".into(),
                            if req.is_empty() {
                                "nothing stable (the specification never settles here)".into()
                            } else {
                                req.join(" or ")
                            },
                        ));
                        cx.evidence.offered = Some(self.events(&offered));
                        cx.evidence.refusal = Some(self.events(&refused));
                        cx.evidence.acceptances =
                            Some(node.acceptances.iter().map(|a| self.events(a)).collect());
                        cex::leaf_facts(&self.compiler, &m, &here, 1, &mut cx);
                        cx
                    }
                };
                Ok(Answer::Violated(cx))
            }
            Outcome::Bounded(b) => Ok(Answer::Inconclusive(self.bound_text(b))),
            Outcome::Complete if rm == RefModel::FD => Ok(self
                .tau_cycles(&model, &ex, &m, 1, |s| nf.nodes[s[0] as usize].divergent)
                .map(|a| match a {
                    Answer::Violated(mut cx) => {
                        cx.summary = "the implementation can diverge after this trace, and the specification cannot".into();
                        Answer::Violated(cx)
                    }
                    a => a,
                })
                .unwrap_or(Answer::Holds)),
            Outcome::Complete => Ok(Answer::Holds),
        }
    }

    fn determinism(
        &mut self,
        p: ProcId,
        fd: bool,
        acc: &mut Acc,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Answer, Diagnostic> {
        let m = self.compiler.machine(p)?;
        if fd {
            match self.divergence(&m, acc, progress) {
                Answer::Holds => {}
                Answer::Violated(mut cx) => {
                    cx.summary = "the process is not deterministic: it can diverge".into();
                    return Ok(Answer::Violated(cx));
                }
                other => return Ok(other),
            }
        }
        let lts = match export::explicit_within(&m, &self.limits(0)) {
            Ok(l) => l,
            Err(s) => {
                return Ok(Answer::Inconclusive(self.stop_text(
                    s,
                    "the process",
                    "states",
                )));
            }
        };
        let nf: NormalForm = match normal::normalise(&lts, &self.limits(lts.memory_bytes())) {
            Ok(nf) => nf,
            Err(s) => {
                let why = self.stop_text(s, "the process's normal form", "nodes");
                return Ok(Answer::Inconclusive(why));
            }
        };
        let held = lts.memory_bytes() + nf.memory_bytes();
        let model = DetModel { lts: &lts, nf: &nf };
        let ex = explore::explore(&model, &self.explore_opts(held), progress);
        acc.add(&ex);
        match ex.outcome {
            Outcome::Violation { state, violation } => {
                let (_, steps) = ex.path(&model, state);
                let msteps: Vec<(u32, Vec<u32>)> = steps
                    .iter()
                    .map(|(k, s)| (lts.labels[*k as usize], lts.state(s[1]).to_vec()))
                    .collect();
                let mut cx = self.cex(&m, &msteps, 0);
                let here = ex.state(state);
                let q = here[1];
                let offered: Vec<EventId> = {
                    let mut v: Vec<EventId> = lts
                        .out(q)
                        .iter()
                        .map(|&(_, e, _)| e)
                        .filter(|&e| e != TAU)
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                cx.summary = format!(
                    "the process is not deterministic: after this trace it can both perform and refuse `{}`",
                    self.ev(violation.event)
                );
                cx.facts
                    .push(("can refuse".into(), self.ev(violation.event)));
                cx.facts
                    .push(("this state accepts".into(), self.set_text(&offered)));
                cx.facts.push((
                    "another state on the same trace accepts".into(),
                    self.ev(violation.event),
                ));
                cx.evidence.performed = Some(self.event(violation.event));
                cx.evidence.offered = Some(self.events(&offered));
                cx.evidence.refusal = Some(vec![self.event(violation.event)]);
                cex::leaf_facts(&self.compiler, &m, lts.state(q), 0, &mut cx);
                Ok(Answer::Violated(cx))
            }
            Outcome::Bounded(b) => Ok(Answer::Inconclusive(self.bound_text(b))),
            Outcome::Complete => Ok(Answer::Holds),
        }
    }

    fn has_trace(
        &mut self,
        m: &Machine,
        trace: &[EventId],
        acc: &mut Acc,
        progress: &mut dyn FnMut(&Progress),
    ) -> Answer {
        let prio = self.prio_labels(m);
        let model = TraceModel {
            m,
            trace,
            prio: prio.as_deref(),
        };
        let ex = explore::explore(&model, &self.explore_opts(0), progress);
        acc.add(&ex);
        match ex.outcome {
            Outcome::Violation { .. } => Answer::Holds,
            Outcome::Bounded(b) => Answer::Inconclusive(self.bound_text(b)),
            Outcome::Complete => {
                // The deepest prefix reached, at its first state in breadth-first order.
                let mut best = (0u32, 0u32);
                for id in 0..ex.states as u32 {
                    let p = ex.state(id)[0];
                    if p > best.0 {
                        best = (p, id);
                    }
                }
                let mut offered: Vec<EventId> = Vec::new();
                for id in 0..ex.states as u32 {
                    let s = ex.state(id);
                    if s[0] == best.0 {
                        offered.extend(models::initials(m, prio.as_deref(), &s[1..]));
                    }
                }
                offered.sort_unstable();
                offered.dedup();
                let (_, steps) = ex.path(&model, best.1);
                let mut cx = self.cex(m, &steps, 1);
                let done = &trace[..best.0 as usize];
                let missing = trace.get(best.0 as usize).copied().unwrap_or(TAU);
                cx.summary = format!(
                    "the process cannot perform the trace: after {} it cannot do `{}`",
                    self.trace_text(done),
                    self.ev(missing)
                );
                cx.facts
                    .push(("offered there".into(), self.set_text(&offered)));
                cx.evidence.offered = Some(self.events(&offered));
                cx.evidence.missing = trace.get(best.0 as usize).map(|&e| self.event(e));
                Answer::Violated(cx)
            }
        }
    }

    fn cex(&self, m: &Machine, steps: &[(u32, Vec<u32>)], offset: usize) -> Counterexample {
        self.cex_loop(m, steps, offset, usize::MAX)
    }

    fn cex_loop(
        &self,
        m: &Machine,
        steps: &[(u32, Vec<u32>)],
        offset: usize,
        loop_at: usize,
    ) -> Counterexample {
        cex::build(
            &self.compiler,
            m,
            steps,
            offset,
            loop_at,
            self.opts.show_tau,
            &*self.position,
        )
    }

    fn ev(&self, e: EventId) -> String {
        cex::event_text(&self.compiler, e)
    }

    fn event(&self, e: EventId) -> Event {
        cex::event(&self.compiler, e)
    }

    fn events(&self, es: &[EventId]) -> Vec<Event> {
        cex::events(&self.compiler, es)
    }

    fn set_text(&self, es: &[EventId]) -> String {
        let v: Vec<String> = es.iter().map(|&e| self.ev(e)).collect();
        format!("{{{}}}", v.join(", "))
    }

    fn trace_text(&self, es: &[EventId]) -> String {
        let v: Vec<String> = es.iter().map(|&e| self.ev(e)).collect();
        format!("<{}>", v.join(", "))
    }
}

/// Whether `what` (deadlock freedom, determinism) in `model` also requires divergence
/// freedom: `[F]` no, `[FD]` yes. The traces model cannot tell (every process would pass),
/// and the refusal-testing and revivals models are not implemented: errors at `span`.
fn divergence_too(model: SemanticModel, what: &str, span: Span) -> Result<bool, Diagnostic> {
    match model {
        SemanticModel::Failures => Ok(false),
        SemanticModel::FailuresDivergences => Ok(true),
        SemanticModel::Traces => Err(Diagnostic::error(
            span,
            format!(
                "{what} is not a property of the traces model `[T]`: traces do not record \
                 refusals; use `[F]` or `[FD]`"
            ),
        )),
        m => Err(Diagnostic::error(
            span,
            format!(
                "unsupported: {what} in the {} model is not implemented yet",
                model_name(m)
            ),
        )),
    }
}

/// The assertion as written; the evaluator keeps the `not` in `negated`, not in the text.
fn title(a: &Assertion) -> String {
    if a.negated {
        format!("not {}", a.text)
    } else {
        a.text.clone()
    }
}

/// The result recorded for an assertion that could not be checked (the caller also reports
/// the error on stderr): verdict `error`, with the error's message and position (`at`), so
/// that no report counts it as holding.
/// The time and memory bounds of a check that started at `started`, for the stages before
/// and beside the search (`crate::budget`): evaluation, loading, compilation.
pub fn bounds(o: &explore::Options, started: Instant) -> crate::budget::Bounds {
    crate::budget::Bounds {
        deadline: o.timeout.and_then(|t| started.checked_add(t)),
        max_bytes: o.max_memory,
    }
}

/// Why a stage outside the search stopped (`doing` says which, e.g. " while evaluating"), in
/// terms of the bounds the user gave.
pub fn exceeded_text(o: &explore::Options, e: crate::budget::Exceeded, doing: &str) -> String {
    match e {
        crate::budget::Exceeded::Time => time_text(o.timeout.unwrap_or_default(), doing),
        crate::budget::Exceeded::Memory(n) => memory_text(n, doing),
    }
}

/// The result of a check that a bound stopped before it could answer.
pub fn bound_result(id: String, kind: Kind, title: String, reason: String) -> CheckResult {
    CheckResult {
        id,
        kind,
        title,
        verdict: Verdict::Inconclusive(reason),
        ..Default::default()
    }
}

pub fn error_result(
    id: String,
    kind: Kind,
    title: String,
    source: Option<Location>,
    message: &str,
    at: Location,
) -> CheckResult {
    CheckResult {
        id,
        kind,
        title,
        source,
        verdict: Verdict::Error(crate::report::InputError {
            message: message.to_string(),
            position: Some(at),
        }),
        ..Default::default()
    }
}

/// Where `span` is, as data: the file's name in `map` and the line and column of the span's
/// start (what [`SourceMap::position`] writes as `file:line:col`).
pub fn location(map: &SourceMap, span: Span) -> Location {
    let (line, col) = map.line_col(span.file, span.start);
    Location::at(map.file(span.file).name.clone(), line as u64, col as u64)
}

/// The kind of an assertion from its text, for one that could not even be evaluated.
pub fn kind_of_text(text: &str) -> Kind {
    if text.contains("[T=") {
        Kind::RefinementTraces
    } else if text.contains("[FD=") || text.contains("[RD=") || text.contains("[VD=") {
        Kind::RefinementFd
    } else if text.contains("[F=") || text.contains("[R=") || text.contains("[V=") {
        Kind::RefinementFailures
    } else if text.contains("deadlock free") {
        Kind::Deadlock
    } else if text.contains("divergence free") || text.contains("livelock free") {
        Kind::Divergence
    } else if text.contains("deterministic") {
        Kind::Determinism
    } else if text.contains("has trace") {
        Kind::HasTrace
    } else {
        // No process property: `assert <boolean expression>`.
        Kind::Boolean
    }
}

fn kind_of(p: &Property) -> Kind {
    match p {
        Property::Refinement { model, .. } => match model {
            SemanticModel::Traces => Kind::RefinementTraces,
            SemanticModel::Failures | SemanticModel::Refusals | SemanticModel::Revivals => {
                Kind::RefinementFailures
            }
            _ => Kind::RefinementFd,
        },
        Property::DeadlockFree { .. } => Kind::Deadlock,
        Property::DivergenceFree { .. } => Kind::Divergence,
        Property::Deterministic { .. } => Kind::Determinism,
        Property::HasTrace { .. } => Kind::HasTrace,
        Property::Bool(_) => Kind::Boolean,
    }
}

fn model_name(m: SemanticModel) -> &'static str {
    match m {
        SemanticModel::Traces => "traces",
        SemanticModel::Failures => "failures",
        SemanticModel::FailuresDivergences => "failures-divergences",
        SemanticModel::Refusals => "refusal-testing",
        SemanticModel::RefusalsDivergences => "refusal-testing-divergences",
        SemanticModel::Revivals => "revivals",
        SemanticModel::RevivalsDivergences => "revivals-divergences",
    }
}
