//! Roscoe's firing rules over hash-consed terms, with memoised transitions.
//!
//! `Semantics` imports process values from a [`ProcSource`] into its own term arena, unfolds
//! named processes on demand, and computes each term's transitions once. τ is [`TAU`], ✓ is
//! [`TICK`]; every transition labelled ✓ leads to [`OMEGA`]. Parallel operators implement
//! distributed termination: a component's ✓ becomes τ and leaves the component at `Ω`; the
//! parallel terminates (✓) when every component is at `Ω`.

use super::export::Stop;
use super::labels::{END, Labels, UNBOUND};
use super::sets::EventSets;
use super::term::{OMEGA, STOP, Term, TermId, Terms};
use crate::cspm::proc::{CallId, EventId, ProcId, ProcNode, ProcSource, TAU, TICK};
use crate::cspm::source::{Diagnostic, Span};
use rustc_hash::FxHashMap;

/// Stack kept free before a nested computation; below it, a new segment is allocated.
pub(crate) const STACK_RED_ZONE: usize = 128 * 1024;
/// Size of each stack segment allocated on the heap when the red zone is reached.
pub(crate) const STACK_SEGMENT: usize = 4 * 1024 * 1024;
/// Deepest nesting of operands whose transitions are computed at once, e.g. a choice between
/// an event and a recursive call, `R(n) = a.n -> STOP [] R(n-1)`, nests `n` deep. Past this,
/// the process is rejected with a position rather than exhausting memory with stack segments.
pub const MAX_NESTING: u32 = 1_000_000;

/// Bounds on computing transitions, set by the check being run: the memoised tables can grow
/// quadratically (`R(n) = a.n -> STOP [] R(n-1)` stores `n²/2` transitions).
#[derive(Clone, Copy, Debug, Default)]
pub struct Budget {
    /// An estimate of the bytes of the terms and memoised transitions.
    pub max_bytes: Option<u64>,
    pub deadline: Option<std::time::Instant>,
}

/// Terms, sets and memoised transitions, over one process source.
pub struct Semantics<'s> {
    pub src: &'s mut dyn ProcSource,
    pub terms: Terms,
    pub sets: EventSets,
    imported: FxHashMap<ProcId, TermId>,
    bodies: FxHashMap<CallId, TermId>,
    /// Per term: 0 not computed, 1 in progress, 2 done (then `ranges` holds its slice).
    status: Vec<u8>,
    ranges: Vec<(u32, u32)>,
    trans: Vec<(EventId, TermId)>,
    /// Calls whose transitions are being computed, innermost last (to name unguarded recursion).
    call_stack: Vec<CallId>,
    /// Nested `compute`s in progress, and their bound (default [`MAX_NESTING`]).
    depth: u32,
    pub max_nesting: u32,
    pub budget: Budget,
    /// Set when the budget stopped a computation (its error then only says so).
    pub stopped: Option<Stop>,
    /// Transitions computed, to look at the clock now and then.
    computed: u32,
    /// Tagged labels and pseudo-events (Φ's activation-aware mode; empty otherwise).
    pub labels: Labels,
    /// Memo of [`Semantics::bind`].
    bound: FxHashMap<(TermId, u32), TermId>,
    /// With activations on: the definitions whose calls are span processes, and the verdict
    /// per call instance.
    activations: Option<SpanCalls>,
}

/// Which calls start an activation (Φ): calls of the named definitions.
#[derive(Debug, Default)]
struct SpanCalls {
    defs: rustc_hash::FxHashSet<String>,
    cache: FxHashMap<CallId, bool>,
}

/// The definition a call's display form names: `WORKER` for `WORKER(3)`.
pub fn definition_name(display: &str) -> &str {
    display.split('(').next().unwrap_or(display).trim()
}

impl<'s> Semantics<'s> {
    pub fn new(src: &'s mut dyn ProcSource) -> Self {
        let sets = EventSets::new();
        Semantics {
            src,
            terms: Terms::new(),
            sets,
            imported: FxHashMap::default(),
            bodies: FxHashMap::default(),
            status: Vec::new(),
            ranges: Vec::new(),
            trans: Vec::new(),
            call_stack: Vec::new(),
            depth: 0,
            max_nesting: MAX_NESTING,
            budget: Budget::default(),
            stopped: None,
            computed: 0,
            labels: Labels::default(),
            bound: FxHashMap::default(),
            activations: None,
        }
    }

    /// Turns on the activation-aware firing rules Φ needs: a call of one of `defs` (by
    /// definition name) is a visible `start` step into an activation, whose labels carry it in
    /// their context and whose termination is an `end` step. Must be called before any
    /// transition is computed (memoised transitions would otherwise mix both semantics).
    pub fn enable_activations(&mut self, defs: impl IntoIterator<Item = String>) {
        debug_assert!(self.trans.is_empty());
        self.activations = Some(SpanCalls {
            defs: defs.into_iter().collect(),
            cache: FxHashMap::default(),
        });
    }

    /// Whether calls of `c` start activations.
    pub fn is_span_call(&mut self, c: CallId) -> bool {
        let Some(a) = &self.activations else {
            return false;
        };
        if let Some(&b) = a.cache.get(&c) {
            return b;
        }
        let b = a
            .defs
            .contains(definition_name(&self.src.call_info(c).name));
        if let Some(a) = &mut self.activations {
            a.cache.insert(c, b);
        }
        b
    }

    /// `t` with its one unbound activation bound to `span` (the target of a `start` step).
    /// Memoised: traces of one shape bind the same targets to the same spans.
    pub fn bind(&mut self, t: TermId, span: u32) -> TermId {
        if let Some(&b) = self.bound.get(&(t, span)) {
            return b;
        }
        let b = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.bind_in(t, span))
            .unwrap_or(t);
        self.bound.insert((t, span), b);
        b
    }

    /// `None` when `t` holds no unbound activation.
    fn bind_in(&mut self, t: TermId, span: u32) -> Option<TermId> {
        let term = self.terms.get(t).clone();
        let changed = |this: &mut Self, ps: &[TermId]| -> Option<Vec<TermId>> {
            for (k, &p) in ps.iter().enumerate() {
                if let Some(q) = this.bind_in(p, span) {
                    let mut v = ps.to_vec();
                    v[k] = q;
                    return Some(v);
                }
            }
            None
        };
        let n = match term {
            Term::Act(UNBOUND, c, p) => Term::Act(span, c, p),
            Term::Act(s, c, p) => Term::Act(s, c, self.bind_in(p, span)?),
            Term::Prefix(e, p) => Term::Prefix(e, self.bind_in(p, span)?),
            Term::Ext(ps) => Term::Ext(changed(self, &ps)?.into_boxed_slice()),
            Term::Int(ps) => Term::Int(changed(self, &ps)?.into_boxed_slice()),
            Term::GenPar(a, ps) => Term::GenPar(a, changed(self, &ps)?.into_boxed_slice()),
            Term::AlphaPar(ps) => {
                let comps: Vec<TermId> = ps.iter().map(|&(_, p)| p).collect();
                let v = changed(self, &comps)?;
                Term::AlphaPar(ps.iter().zip(v).map(|(&(a, _), p)| (a, p)).collect())
            }
            Term::Sliding(p, q)
            | Term::Interrupt(p, q)
            | Term::Seq(p, q)
            | Term::Linked(p, _, q) => {
                let (p2, q2) = match self.bind_in(p, span) {
                    Some(p2) => (p2, q),
                    None => (p, self.bind_in(q, span)?),
                };
                match term {
                    Term::Sliding(..) => Term::Sliding(p2, q2),
                    Term::Interrupt(..) => Term::Interrupt(p2, q2),
                    Term::Seq(..) => Term::Seq(p2, q2),
                    Term::Linked(_, r, _) => Term::Linked(p2, r, q2),
                    _ => return None,
                }
            }
            Term::Exception(p, a, q) => match self.bind_in(p, span) {
                Some(p2) => Term::Exception(p2, a, q),
                None => Term::Exception(p, a, self.bind_in(q, span)?),
            },
            Term::Hide(p, a) => Term::Hide(self.bind_in(p, span)?, a),
            Term::Rename(p, r) => Term::Rename(self.bind_in(p, span)?, r),
            _ => return None,
        };
        Some(self.terms.intern(n))
    }

    /// The term of a process value (memoised; calls stay calls until their transitions are asked).
    pub fn import(&mut self, p: ProcId) -> TermId {
        if let Some(&t) = self.imported.get(&p) {
            return t;
        }
        // Process values can nest deeply (a prefix chain built by a function); the recursion
        // continues on heap-allocated stack segments instead of overflowing.
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.import_new(p))
    }

    fn import_new(&mut self, p: ProcId) -> TermId {
        let node = self.src.node(p).clone();
        let t = match node {
            ProcNode::Stop => STOP,
            ProcNode::Skip => self.terms.intern(Term::Skip),
            ProcNode::Div => self.terms.intern(Term::Div),
            ProcNode::Chaos(a) => {
                let a = self.sets.import(&*self.src, a);
                self.terms.intern(Term::Chaos(a))
            }
            ProcNode::Run(a) => {
                let a = self.sets.import(&*self.src, a);
                self.terms.intern(Term::Run(a))
            }
            ProcNode::Prefix(e, q) => {
                let q = self.import(q);
                self.terms.intern(Term::Prefix(e, q))
            }
            ProcNode::ExtChoice(ps) => {
                let ps = ps.iter().map(|&q| self.import(q)).collect();
                self.terms.ext(ps)
            }
            ProcNode::IntChoice(ps) => {
                let ps = ps.iter().map(|&q| self.import(q)).collect();
                self.terms.int(ps)
            }
            ProcNode::Sliding(a, b) => {
                let (a, b) = (self.import(a), self.import(b));
                self.terms.intern(Term::Sliding(a, b))
            }
            ProcNode::Interrupt(a, b) => {
                let (a, b) = (self.import(a), self.import(b));
                self.terms.intern(Term::Interrupt(a, b))
            }
            ProcNode::Exception(a, s, b) => {
                let (a, b) = (self.import(a), self.import(b));
                let s = self.sets.import(&*self.src, s);
                self.terms.intern(Term::Exception(a, s, b))
            }
            ProcNode::Seq(a, b) => {
                let (a, b) = (self.import(a), self.import(b));
                self.terms.intern(Term::Seq(a, b))
            }
            ProcNode::GenParallel(s, ps) => {
                let s = self.sets.import(&*self.src, s);
                let ps: Vec<TermId> = ps.iter().map(|&q| self.import(q)).collect();
                if ps.is_empty() {
                    // A replicated parallel over the empty set is SKIP.
                    self.terms.intern(Term::Skip)
                } else {
                    self.terms.intern(Term::GenPar(s, ps.into_boxed_slice()))
                }
            }
            ProcNode::AlphaParallel(ps) => {
                let ps: Vec<_> = ps
                    .iter()
                    .map(|&(s, q)| (self.sets.import(&*self.src, s), self.import(q)))
                    .collect();
                if ps.is_empty() {
                    self.terms.intern(Term::Skip)
                } else {
                    self.terms.intern(Term::AlphaPar(ps.into_boxed_slice()))
                }
            }
            ProcNode::Linked(a, r, b) => {
                let (a, b) = (self.import(a), self.import(b));
                let r = self.sets.import_rel(&*self.src, r);
                self.terms.intern(Term::Linked(a, r, b))
            }
            ProcNode::Hide(a, s) => {
                let a = self.import(a);
                let s = self.sets.import(&*self.src, s);
                self.terms.intern(Term::Hide(a, s))
            }
            ProcNode::Rename(a, r) => {
                let a = self.import(a);
                let r = self.sets.import_rel(&*self.src, r);
                self.terms.intern(Term::Rename(a, r))
            }
            ProcNode::Call(c) => self.terms.intern(Term::Call(c)),
        };
        self.imported.insert(p, t);
        t
    }

    /// The body of a call, imported (the source evaluates it the first time).
    pub fn body(&mut self, c: CallId) -> Result<TermId, Diagnostic> {
        if let Some(&t) = self.bodies.get(&c) {
            return Ok(t);
        }
        let p = self.src.unfold(c)?;
        let t = self.import(p);
        self.bodies.insert(c, t);
        Ok(t)
    }

    pub fn call_name(&self, c: CallId) -> &str {
        &self.src.call_info(c).name
    }

    pub fn call_span(&self, c: CallId) -> Option<Span> {
        self.src.call_info(c).span
    }

    /// The transitions of `t`, sorted by (event, target).
    pub fn transitions(&mut self, t: TermId) -> Result<&[(EventId, TermId)], Diagnostic> {
        let (lo, hi) = self.compute(t)?;
        Ok(&self.trans[lo as usize..hi as usize])
    }

    /// Computes (once) the transitions of `t`. Operands are computed recursively, as deep as
    /// the term nests; past the main stack the recursion continues on heap segments.
    fn compute(&mut self, t: TermId) -> Result<(u32, u32), Diagnostic> {
        if let Some(&2) = self.status.get(t.0 as usize) {
            return Ok(self.ranges[t.0 as usize]);
        }
        if self.depth >= self.max_nesting {
            return Err(self.too_deep());
        }
        self.depth += 1;
        let r = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.compute_new(t));
        self.depth -= 1;
        r
    }

    fn too_deep(&self) -> Diagnostic {
        let (span, name) = match self.call_stack.last() {
            Some(&c) => {
                let info = self.src.call_info(c);
                (
                    info.span.unwrap_or_default(),
                    format!(" in `{}`", info.name),
                )
            }
            None => (Span::default(), String::new()),
        };
        Diagnostic::error(
            span,
            format!(
                "process nested more than {} operators deep{name}: its first \
                 transitions cannot be computed",
                self.max_nesting
            ),
        )
        .with_help("recursion through a choice or `;` unfolds once per level before any event")
    }

    fn compute_new(&mut self, t: TermId) -> Result<(u32, u32), Diagnostic> {
        let i = t.0 as usize;
        if self.status.len() <= i {
            self.status.resize(self.terms.len().max(i + 1), 0);
            self.ranges.resize(self.status.len(), (0, 0));
        }
        match self.status[i] {
            2 => return Ok(self.ranges[i]),
            1 => return Err(self.unguarded()),
            _ => {}
        }
        // The budget is looked at on the way down and, as the tables grow when nested
        // computations return, on the way back up.
        self.within_budget()?;
        self.status[i] = 1;
        let mut out = Vec::new();
        let r = self.fire(t, &mut out).and_then(|()| self.within_budget());
        if let Err(e) = r {
            self.status[i] = 0;
            return Err(e);
        }
        out.sort_unstable();
        out.dedup();
        let lo = self.trans.len() as u32;
        self.trans.extend_from_slice(&out);
        let hi = self.trans.len() as u32;
        if self.status.len() <= i {
            self.status.resize(i + 1, 0);
            self.ranges.resize(i + 1, (0, 0));
        }
        self.status[i] = 2;
        self.ranges[i] = (lo, hi);
        Ok((lo, hi))
    }

    /// Forgets every term and memoised transition (Φ, between traces, when the tables have
    /// grown past a bound): term ids given out before are invalid afterwards.
    pub fn reset(&mut self) {
        self.terms = Terms::new();
        self.imported.clear();
        self.bodies.clear();
        self.status.clear();
        self.ranges.clear();
        self.trans.clear();
        self.bound.clear();
        self.labels = Labels::default();
        self.call_stack.clear();
        self.stopped = None;
    }

    /// An estimate of the bytes held by terms and memoised transitions.
    pub fn memory_bytes(&self) -> u64 {
        let term = std::mem::size_of::<Term>() as u64;
        self.trans.capacity() as u64 * 8
            + self.ranges.capacity() as u64 * 9
            + self.terms.len() as u64 * (2 * term + 8)
    }

    fn within_budget(&mut self) -> Result<(), Diagnostic> {
        match self.over_budget() {
            None => Ok(()),
            Some(stop) => {
                self.stopped = Some(stop);
                Err(Diagnostic::error(
                    Span::default(),
                    "computing transitions stopped at a bound",
                ))
            }
        }
    }

    fn over_budget(&mut self) -> Option<Stop> {
        self.computed = self.computed.wrapping_add(1);
        // The estimate below counts this table's bytes; the run's budget counts the process
        // (the evaluator's values too), which the estimate alone let grow past the bound.
        match crate::budget::tick() {
            Ok(()) => {}
            Err(crate::budget::Exceeded::Time) => return Some(Stop::Time),
            Err(crate::budget::Exceeded::Memory(n)) => return Some(Stop::Memory(n)),
        }
        if let Some(max) = self.budget.max_bytes
            && self.memory_bytes() > max
        {
            return Some(Stop::Memory(max));
        }
        if self.computed.is_multiple_of(1024)
            && let Some(d) = self.budget.deadline
            && std::time::Instant::now() >= d
        {
            return Some(Stop::Time);
        }
        None
    }

    fn unguarded(&self) -> Diagnostic {
        match self.call_stack.last() {
            Some(&c) => {
                let info = self.src.call_info(c);
                Diagnostic::error(
                    info.span.unwrap_or_default(),
                    format!(
                        "unguarded recursion: `{}` can reach itself without performing an event",
                        info.name
                    ),
                )
                .with_help("put an event prefix before the recursive call")
            }
            None => Diagnostic::error(Span::default(), "unguarded recursion"),
        }
    }

    /// The transitions of an operand, copied (operands' slices live in the shared buffer).
    fn sub(&mut self, t: TermId) -> Result<Vec<(EventId, TermId)>, Diagnostic> {
        let (lo, hi) = self.compute(t)?;
        Ok(self.trans[lo as usize..hi as usize].to_vec())
    }

    fn fire(&mut self, t: TermId, out: &mut Vec<(EventId, TermId)>) -> Result<(), Diagnostic> {
        let term = self.terms.get(t).clone();
        match term {
            Term::Omega | Term::Stop => {}
            Term::Skip => out.push((TICK, OMEGA)),
            Term::Div => out.push((TAU, t)),
            Term::Chaos(a) => {
                out.push((TAU, STOP));
                for &e in self.sets.members(a) {
                    out.push((e, t));
                }
            }
            Term::Run(a) => {
                for &e in self.sets.members(a) {
                    out.push((e, t));
                }
            }
            Term::Prefix(e, p) => out.push((e, p)),
            Term::Call(c) if self.is_span_call(c) => {
                let body = self.body(c)?;
                let start = self.labels.start(c);
                let act = self.terms.intern(Term::Act(UNBOUND, c, body));
                out.push((start, act));
            }
            Term::Act(span, c, p) => {
                for (l, p2) in self.sub(p)? {
                    if l == TICK {
                        let end = self.labels.tag(END, &[span]);
                        let skip = self.terms.intern(Term::Skip);
                        out.push((end, skip));
                    } else {
                        let l2 = self.labels.enter(l, span);
                        let n = self.terms.intern(Term::Act(span, c, p2));
                        out.push((l2, n));
                    }
                }
            }
            Term::Call(c) => {
                self.call_stack.push(c);
                let body = self.body(c);
                let r = body.and_then(|b| self.sub(b));
                self.call_stack.pop();
                out.extend(r?);
            }
            Term::Ext(ps) => {
                for (k, &p) in ps.iter().enumerate() {
                    for (e, q) in self.sub(p)? {
                        if self.labels.is_tau(e) {
                            let mut v = ps.to_vec();
                            v[k] = q;
                            let n = self.terms.ext(v);
                            out.push((e, n));
                        } else {
                            out.push((e, tick_target(e, q)));
                        }
                    }
                }
            }
            Term::Int(ps) => out.extend(ps.iter().map(|&p| (TAU, p))),
            Term::Sliding(p, q) => {
                for (e, p2) in self.sub(p)? {
                    if self.labels.is_tau(e) {
                        let n = self.terms.intern(Term::Sliding(p2, q));
                        out.push((e, n));
                    } else {
                        out.push((e, tick_target(e, p2)));
                    }
                }
                out.push((TAU, q));
            }
            Term::Interrupt(p, q) => {
                for (e, p2) in self.sub(p)? {
                    if e == TICK {
                        out.push((TICK, OMEGA));
                    } else {
                        let n = self.terms.intern(Term::Interrupt(p2, q));
                        out.push((e, n));
                    }
                }
                for (e, q2) in self.sub(q)? {
                    if self.labels.is_tau(e) {
                        let n = self.terms.intern(Term::Interrupt(p, q2));
                        out.push((e, n));
                    } else {
                        out.push((e, tick_target(e, q2)));
                    }
                }
            }
            Term::Exception(p, a, q) => {
                for (e, p2) in self.sub(p)? {
                    if e == TICK {
                        out.push((TICK, OMEGA));
                    } else if !self.labels.is_tau(e) && self.sets.contains(a, self.labels.base(e)) {
                        out.push((e, q));
                    } else {
                        let n = self.terms.intern(Term::Exception(p2, a, q));
                        out.push((e, n));
                    }
                }
            }
            Term::Seq(p, q) => {
                for (e, p2) in self.sub(p)? {
                    if e == TICK {
                        out.push((TAU, q));
                    } else {
                        let n = self.terms.intern(Term::Seq(p2, q));
                        out.push((e, n));
                    }
                }
            }
            Term::Hide(p, a) => {
                for (e, p2) in self.sub(p)? {
                    if e == TICK {
                        out.push((TICK, OMEGA));
                    } else {
                        let n = self.hide(p2, a);
                        let b = self.labels.base(e);
                        let e2 = if b != TAU && self.sets.contains(a, b) {
                            self.labels.rebase(e, TAU)
                        } else {
                            e
                        };
                        out.push((e2, n));
                    }
                }
            }
            Term::Rename(p, r) => {
                for (e, p2) in self.sub(p)? {
                    if e == TICK {
                        out.push((TICK, OMEGA));
                        continue;
                    }
                    let n = self.rename(p2, r);
                    let base = self.labels.base(e);
                    let imgs: Vec<EventId> = if base == TAU {
                        Vec::new()
                    } else {
                        self.sets.images(r, base).iter().map(|&(_, b)| b).collect()
                    };
                    if imgs.is_empty() {
                        out.push((e, n));
                    } else {
                        for b in imgs {
                            let l = self.labels.rebase(e, b);
                            out.push((l, n));
                        }
                    }
                }
            }
            Term::GenPar(a, ps) => self.fire_par(
                &ps,
                out,
                |sets, _i, e| sets.contains(a, e),
                |terms, v| terms.intern(Term::GenPar(a, v.into_boxed_slice())),
            )?,
            Term::AlphaPar(ps) => {
                let comps: Vec<TermId> = ps.iter().map(|&(_, p)| p).collect();
                let alphas: Vec<_> = ps.iter().map(|&(s, _)| s).collect();
                self.fire_alpha(&alphas, &comps, out)?;
            }
            Term::Linked(p, r, q) => self.fire_linked(p, r, q, out)?,
        }
        Ok(())
    }

    fn hide(&mut self, p: TermId, a: super::sets::SetIx) -> TermId {
        match self.terms.get(p) {
            Term::Omega => OMEGA,
            Term::Stop => STOP,
            _ => self.terms.intern(Term::Hide(p, a)),
        }
    }

    fn rename(&mut self, p: TermId, r: super::sets::RelIx) -> TermId {
        match self.terms.get(p) {
            Term::Omega => OMEGA,
            Term::Stop => STOP,
            _ => self.terms.intern(Term::Rename(p, r)),
        }
    }

    /// Generalised parallel: `sync(i, e)` says whether event `e` needs every component.
    /// Synchronisation is decided on base events; the label of a synchronisation joins the
    /// contexts of the labels taking part (Φ's tags; plain events stay plain).
    fn fire_par(
        &mut self,
        ps: &[TermId],
        out: &mut Vec<(EventId, TermId)>,
        sync: impl Fn(&EventSets, usize, EventId) -> bool,
        make: impl Fn(&mut Terms, Vec<TermId>) -> TermId,
    ) -> Result<(), Diagnostic> {
        if ps.iter().all(|&p| p == OMEGA) {
            out.push((TICK, OMEGA));
            return Ok(());
        }
        let subs: Vec<Vec<(EventId, TermId)>> =
            ps.iter().map(|&p| self.sub(p)).collect::<Result<_, _>>()?;
        // Independent moves: τ, ✓ (as τ, to Ω), pseudo-events and unsynchronised events.
        let mut synced: Vec<EventId> = Vec::new();
        for (k, moves) in subs.iter().enumerate() {
            for &(e, q) in moves {
                let b = self.labels.base(e);
                if b == TAU || e == TICK || Labels::is_pseudo(b) || !sync(&self.sets, k, b) {
                    let mut v = ps.to_vec();
                    v[k] = if e == TICK { OMEGA } else { q };
                    let n = make(&mut self.terms, v);
                    out.push((if e == TICK { TAU } else { e }, n));
                } else {
                    synced.push(b);
                }
            }
        }
        synced.sort_unstable();
        synced.dedup();
        for e in synced {
            let choices: Vec<Vec<(EventId, TermId)>> = subs
                .iter()
                .map(|m| {
                    m.iter()
                        .filter(|&&(f, _)| self.labels.base(f) == e)
                        .copied()
                        .collect()
                })
                .collect();
            if choices.iter().any(|c| c.is_empty()) {
                continue;
            }
            self.push_products(e, &choices, out, &make);
        }
        Ok(())
    }

    /// One transition per combination of the components' moves on base event `e`.
    fn push_products(
        &mut self,
        e: EventId,
        choices: &[Vec<(EventId, TermId)>],
        out: &mut Vec<(EventId, TermId)>,
        make: &impl Fn(&mut Terms, Vec<TermId>) -> TermId,
    ) {
        for combo in product(choices) {
            // Plain checking never tags a label: the join is the base event, nothing to collect.
            let tagged = combo
                .iter()
                .any(|&(l, _)| l != NOT_TAKING_PART && l & super::labels::TAGGED != 0);
            let label = if tagged {
                let labels: Vec<EventId> = combo
                    .iter()
                    .map(|&(l, _)| l)
                    .filter(|&l| l != NOT_TAKING_PART)
                    .collect();
                self.labels.combine(e, &labels)
            } else {
                e
            };
            let n = make(&mut self.terms, combo.into_iter().map(|(_, q)| q).collect());
            out.push((label, n));
        }
    }

    fn fire_alpha(
        &mut self,
        alphas: &[super::sets::SetIx],
        ps: &[TermId],
        out: &mut Vec<(EventId, TermId)>,
    ) -> Result<(), Diagnostic> {
        if ps.iter().all(|&p| p == OMEGA) {
            out.push((TICK, OMEGA));
            return Ok(());
        }
        let alphas_v = alphas.to_vec();
        let make = |terms: &mut Terms, v: Vec<TermId>| {
            let items: Vec<_> = alphas_v.iter().copied().zip(v).collect();
            terms.intern(Term::AlphaPar(items.into_boxed_slice()))
        };
        let subs: Vec<Vec<(EventId, TermId)>> =
            ps.iter().map(|&p| self.sub(p)).collect::<Result<_, _>>()?;
        let mut visible: Vec<EventId> = Vec::new();
        for (k, moves) in subs.iter().enumerate() {
            for &(e, q) in moves {
                let b = self.labels.base(e);
                if b == TAU || e == TICK || Labels::is_pseudo(b) {
                    let mut v = ps.to_vec();
                    v[k] = if e == TICK { OMEGA } else { q };
                    let n = make(&mut self.terms, v);
                    out.push((
                        if Labels::is_pseudo(b) || b == TAU {
                            e
                        } else {
                            TAU
                        },
                        n,
                    ));
                } else if self.sets.contains(alphas[k], b) {
                    visible.push(b);
                }
            }
        }
        visible.sort_unstable();
        visible.dedup();
        for e in visible {
            let mut choices: Vec<Vec<(EventId, TermId)>> = Vec::with_capacity(ps.len());
            let mut ok = true;
            for (k, m) in subs.iter().enumerate() {
                if self.sets.contains(alphas[k], e) {
                    let c: Vec<(EventId, TermId)> = m
                        .iter()
                        .filter(|&&(f, _)| self.labels.base(f) == e)
                        .copied()
                        .collect();
                    if c.is_empty() {
                        ok = false;
                        break;
                    }
                    choices.push(c);
                } else {
                    // Not taking part: the component stays (its label is not joined).
                    choices.push(vec![(NOT_TAKING_PART, ps[k])]);
                }
            }
            if ok {
                self.push_products(e, &choices, out, &make);
            }
        }
        Ok(())
    }

    fn fire_linked(
        &mut self,
        p: TermId,
        r: super::sets::RelIx,
        q: TermId,
        out: &mut Vec<(EventId, TermId)>,
    ) -> Result<(), Diagnostic> {
        if p == OMEGA && q == OMEGA {
            out.push((TICK, OMEGA));
            return Ok(());
        }
        let make = |terms: &mut Terms, a: TermId, b: TermId| terms.intern(Term::Linked(a, r, b));
        let left = self.sub(p)?;
        let right = self.sub(q)?;
        for &(e, p2) in &left {
            let b = self.labels.base(e);
            if b == TAU || e == TICK {
                let n = make(&mut self.terms, if e == TICK { OMEGA } else { p2 }, q);
                out.push((if e == TICK { TAU } else { e }, n));
            } else if !self.sets.in_domain(r, b) {
                let n = make(&mut self.terms, p2, q);
                out.push((e, n));
            } else {
                let imgs = self.sets.images(r, b).to_vec();
                for &(f, q2) in &right {
                    if imgs.iter().any(|&(_, x)| x == self.labels.base(f)) {
                        let n = make(&mut self.terms, p2, q2);
                        let l = self.labels.combine(b, &[e, f]);
                        let l = self.labels.rebase(l, TAU);
                        out.push((l, n));
                    }
                }
            }
        }
        for &(f, q2) in &right {
            let b = self.labels.base(f);
            if b == TAU || f == TICK {
                let n = make(&mut self.terms, p, if f == TICK { OMEGA } else { q2 });
                out.push((if f == TICK { TAU } else { f }, n));
            } else if !self.sets.in_range(r, b) {
                let n = make(&mut self.terms, p, q2);
                out.push((f, n));
            }
        }
        Ok(())
    }
}

/// The label of a component of an alphabetised parallel that does not take part in an event.
const NOT_TAKING_PART: EventId = EventId::MAX;

/// The target of a visible transition that resolves an operator: ✓ always leads to Ω.
fn tick_target(e: EventId, q: TermId) -> TermId {
    if e == TICK { OMEGA } else { q }
}

/// Every combination picking one element from each list.
fn product<T: Copy>(choices: &[Vec<T>]) -> Vec<Vec<T>> {
    let mut acc: Vec<Vec<T>> = vec![Vec::new()];
    for c in choices {
        let mut next = Vec::with_capacity(acc.len() * c.len());
        for a in &acc {
            for &x in c {
                let mut v = a.clone();
                v.push(x);
                next.push(v);
            }
        }
        acc = next;
    }
    acc
}
