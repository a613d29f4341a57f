//! Partial-order reduction for the conformance search: when several observed nodes are
//! enabled, follow the moves of one isolated component of the model only.
//!
//! A move is attributed to the deepest subterm that it alone changed, walking down through
//! operators that cannot couple their operands' moves: an interleaving or generalised
//! parallel whose component never synchronises (its static alphabet misses the synchronised
//! set), an alphabetised parallel likewise, hiding, the left side of `;`, and activations.
//! Moves of two such components commute now and forever (no operator above them can disable
//! one for the other). The search may then take only the moves of one component `K` if,
//! besides, `K`'s first move in any run could not wait for another component: the next node
//! of every span `K` may touch (its activations and their descendants, the activation around
//! it when it performs events of that span itself, the unstarted children of that activation
//! it may call) has its prerequisites done, or they lie inside `K`. Then any run can be
//! reordered to start with a move of `K`, which is in the ample set.

use super::observe::{NodeKind, Observation};
use crate::cspm::proc::{EventId, TAU, TICK};
use crate::cspm::source::Diagnostic;
use crate::lts::labels::{END, ROOT, UNBOUND};
use crate::lts::sem::Semantics;
use crate::lts::term::{Term, TermId};
use rustc_hash::{FxHashMap, FxHashSet};

/// Most terms visited to compute one static alphabet; past it, the alphabet is "everything".
const ALPHA_BUDGET: usize = 20_000;

/// Memo tables of the reduction (they live as long as the semantics they refer to).
#[derive(Default)]
pub struct Por {
    /// Span-process definition -> mapping index.
    pub defs: FxHashMap<String, u16>,
    /// Per body term: its isolated span calls and the span processes it calls besides them.
    besides: FxHashMap<TermId, Option<Box<[u16]>>>,
    /// Own events and direct span calls per term (see `own_reach`).
    own: FxHashMap<TermId, Option<OwnReach>>,
    /// Static alphabet per term: sorted events, or `None` for "could be anything".
    alpha: FxHashMap<TermId, Option<Box<[EventId]>>>,
    /// Bound activations inside a term.
    acts: FxHashMap<TermId, Box<[u32]>>,
}

/// What a component does in its own activation: the events it may perform outside nested
/// activations, and the span processes it may call (mapping indexes).
type OwnReach = (Box<[EventId]>, Box<[u16]>);

/// Where a move happened: the path of operand indexes, the component's term, and the
/// activation around it.
struct Place {
    path: Vec<u16>,
    comp: TermId,
    enclosing: u32,
}

impl Por {
    /// Forgets what it learnt of terms (after the semantics dropped them).
    pub fn clear(&mut self) {
        self.alpha.clear();
        self.acts.clear();
        self.besides.clear();
        self.own.clear();
    }

    /// The reduction for a model whose span processes are `defs` (definition -> index).
    pub fn new(defs: FxHashMap<String, u16>) -> Por {
        Por {
            defs,
            ..Por::default()
        }
    }

    /// A mask over `succ` (term, consumed span) keeping the moves of one component, or `None`
    /// when no reduction applies.
    pub fn ample(
        &mut self,
        sem: &mut Semantics,
        obs: &Observation,
        w: &[u32],
        term: TermId,
        succ: &[(TermId, u32)],
    ) -> Result<Option<Vec<bool>>, Diagnostic> {
        let places: Vec<Place> = succ
            .iter()
            .map(|&(t, _)| self.attribute(sem, term, t))
            .collect();
        let mut paths: Vec<&[u16]> = places.iter().map(|p| p.path.as_slice()).collect();
        paths.sort_unstable();
        paths.dedup();
        if paths.len() < 2 {
            return Ok(None);
        }
        let kids = &obs.kids;
        let mut best: Option<(usize, &[u16])> = None;
        for &p in &paths {
            if p.is_empty() {
                continue;
            }
            // Disjoint from every other place: none is above or below it.
            if paths
                .iter()
                .any(|&q| q != p && (q.starts_with(p) || p.starts_with(q)))
            {
                continue;
            }
            let Some(place) = places.iter().find(|x| x.path == p) else {
                continue;
            };
            if !self.observation_allows(sem, obs, kids, w, place) {
                continue;
            }
            let n = places.iter().filter(|x| x.path == p).count();
            if best.is_none_or(|(m, _)| n < m) {
                best = Some((n, p));
            }
        }
        Ok(best.map(|(_, p)| places.iter().map(|x| x.path == p).collect()))
    }

    /// The reduction for starts: when every move matching the start of observed span `x` is
    /// the start of an unstarted span process in an isolated place under `x`'s parent, and the
    /// parent's body has no other call of such a process, any run can begin with `x`'s start
    /// (the component that starts `x` in it is already there, untouched, and `x` waits for
    /// nothing). Then the starts of `x`'s siblings by such components wait. Returns the mask.
    pub fn start_ample(
        &mut self,
        sem: &mut Semantics,
        obs: &Observation,
        w: &[u32],
        term: TermId,
        succ: &[(TermId, u32)],
    ) -> Result<Option<Vec<bool>>, Diagnostic> {
        const SILENT: u32 = u32::MAX;
        let is_start = |s: u32| s != SILENT && w[1 + s as usize] == 0;
        if succ.iter().filter(|&&(_, s)| is_start(s)).count() < 2 {
            return Ok(None);
        }
        let places: Vec<Option<Place>> = succ
            .iter()
            .map(|&(t, s)| is_start(s).then(|| self.attribute(sem, term, t)))
            .collect();
        let call_start = |k: usize, sem: &mut Semantics| -> bool {
            places[k].as_ref().is_some_and(|p| {
                let call = match sem.terms.get(p.comp) {
                    Term::Call(c) => Some(*c),
                    _ => None,
                };
                !p.path.is_empty() && call.is_some_and(|c| sem.is_span_call(c))
            })
        };
        let mut by_call: Vec<bool> = Vec::with_capacity(succ.len());
        for k in 0..succ.len() {
            by_call.push(call_start(k, sem));
        }
        let mut candidates: Vec<u32> = succ
            .iter()
            .enumerate()
            .filter(|&(k, _)| by_call[k])
            .map(|(_, &(_, s))| s)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        'x: for &x in &candidates {
            let parent = obs.spans[x as usize].parent.unwrap_or(ROOT);
            for (k, &(_, s)) in succ.iter().enumerate() {
                if s == x
                    && (!by_call[k] || places[k].as_ref().is_none_or(|p| p.enclosing != parent))
                {
                    continue 'x;
                }
            }
            // The parent's own body: no other call of a process `x` may be an activation of.
            let body = if parent == ROOT {
                Some(term)
            } else {
                self.isolated_acts(sem, term)
                    .into_iter()
                    .find(|&(a, _, _)| a == parent)
                    .and_then(|(_, act, _)| match sem.terms.get(act) {
                        Term::Act(_, _, b) => Some(*b),
                        _ => None,
                    })
            };
            let Some(body) = body else { continue };
            let others = match self.besides.get(&body) {
                Some(o) => o.clone(),
                None => {
                    let present = self.isolated_calls(sem, body);
                    let o = self
                        .calls_besides(sem, body, &present)
                        .map(|v| v.into_boxed_slice());
                    self.besides.insert(body, o.clone());
                    o
                }
            };
            let Some(others) = others else { continue };
            if obs.spans[x as usize]
                .procs
                .iter()
                .any(|p| others.contains(p))
            {
                continue;
            }
            let keep = (0..succ.len())
                .map(|k| !(by_call[k] && succ[k].1 != x))
                .collect();
            return Ok(Some(keep));
        }
        Ok(None)
    }

    /// Calls of span processes in isolated places of `t` (not inside activations).
    fn isolated_calls(&mut self, sem: &mut Semantics, t: TermId) -> Vec<TermId> {
        let mut out = Vec::new();
        let mut stack = vec![t];
        while let Some(x) = stack.pop() {
            let x = unfold(sem, x);
            match sem.terms.get(x).clone() {
                Term::Call(c) if sem.is_span_call(c) => out.push(x),
                Term::Hide(p, _) | Term::Seq(p, _) => stack.push(p),
                Term::GenPar(a, ps) => {
                    for &p in ps.iter() {
                        if self
                            .alphabet(sem, p)
                            .is_some_and(|al| al.iter().all(|&e| !sem.sets.contains(a, e)))
                        {
                            stack.push(p);
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The span processes `t` may call in its own context, besides the calls `skip`
    /// (statically; `None` past the budget).
    fn calls_besides(
        &mut self,
        sem: &mut Semantics,
        t: TermId,
        skip: &[TermId],
    ) -> Option<Vec<u16>> {
        let w = walk_syntax(sem, t, skip, Reach::OwnActivation)?;
        w.calls.iter().map(|d| self.defs.get(d).copied()).collect()
    }

    /// Whether no node the component may match waits for a node outside it.
    fn observation_allows(
        &mut self,
        sem: &mut Semantics,
        obs: &Observation,
        kids: &[Vec<u32>],
        w: &[u32],
        place: &Place,
    ) -> bool {
        let n = obs.spans.len();
        let Some((own_events, own_calls)) = self.own_reach(sem, place.comp) else {
            return false;
        };
        // Spans only the component can touch: its activations and their descendants.
        let mut inside = vec![false; n];
        let mut stack: Vec<u32> = self.acts_in(sem, place.comp).to_vec();
        while let Some(s) = stack.pop() {
            if let Some(x) = inside.get_mut(s as usize)
                && !*x
            {
                *x = true;
                stack.extend(&kids[s as usize]);
            }
        }
        let mut touch = inside.clone();
        // The activation around it, when the component performs events of its own there.
        if place.enclosing != ROOT && (place.enclosing as usize) < obs.spans.len() {
            let done = w[1 + place.enclosing as usize] as usize;
            let own = obs
                .chain(place.enclosing)
                .iter()
                .skip(done)
                .any(|nd| match nd.kind {
                    NodeKind::Event(e) => own_events.binary_search(&e).is_ok(),
                    _ => false,
                });
            if own {
                touch[place.enclosing as usize] = true;
            }
        }
        // Spans it may start (unstarted children of the activation around it, of a process it
        // calls) and their descendants.
        for (s, sp) in obs.spans.iter().enumerate() {
            let parent_ok = match sp.parent {
                None => place.enclosing == ROOT,
                Some(p) => p == place.enclosing,
            };
            if parent_ok && w[1 + s] == 0 && sp.procs.iter().any(|p| own_calls.contains(p)) {
                stack.push(s as u32);
            }
        }
        while let Some(s) = stack.pop() {
            if !touch[s as usize] {
                touch[s as usize] = true;
                stack.extend(&kids[s as usize]);
            }
        }
        // The component's first move in any run matches the next node of a span it touches
        // (or is silent): each of those must not wait for a node outside it.
        for (s, &t) in touch.iter().enumerate() {
            if !t {
                continue;
            }
            let done = w[1 + s] as usize;
            if let Some(node) = obs.chain(s as u32).get(done) {
                for &(q, m) in obs.prereqs_of(node) {
                    if w[1 + q as usize] < m && !inside[q as usize] {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Events a term performs outside nested activations, and the span processes it calls
    /// directly (statically, calls of other processes unfolded); `None` past the budget.
    fn own_reach(&mut self, sem: &mut Semantics, t: TermId) -> Option<OwnReach> {
        if let Some(r) = self.own.get(&t) {
            return r.clone();
        }
        let result = walk_syntax(sem, t, &[], Reach::OwnActivation).and_then(|w| {
            let calls = w
                .calls
                .iter()
                .map(|d| self.defs.get(d).copied())
                .collect::<Option<Vec<u16>>>()?;
            Some((
                w.events.into_boxed_slice(),
                sorted(calls).into_boxed_slice(),
            ))
        });
        self.own.insert(t, result.clone());
        result
    }

    /// Whether some activation in an isolated place can never match its span again: each of
    /// its moves is an event or end that its span's next node is not (nothing outside can
    /// change it, so the state leads nowhere).
    pub fn stuck(
        &mut self,
        sem: &mut Semantics,
        obs: &Observation,
        w: &[u32],
        term: TermId,
    ) -> Result<bool, Diagnostic> {
        let acts = self.isolated_acts(sem, term);
        'acts: for (s, act, hidden) in acts {
            let Some(chain) = obs.spans.get(s as usize).map(|_| obs.chain(s)) else {
                continue;
            };
            if (w[1 + s as usize] as usize) >= chain.len() {
                continue;
            }
            let trans = sem.transitions(act)?.to_vec();
            for (l, _) in trans {
                let b = sem.labels.base(l);
                if b == TAU
                    || b == TICK
                    || sem.labels.start_call(b).is_some()
                    || hidden.iter().any(|&h| sem.sets.contains(h, b))
                {
                    continue 'acts;
                }
                let next = |t: u32| {
                    obs.spans
                        .get(t as usize)
                        .and_then(|_| obs.chain(t).get(w[1 + t as usize] as usize))
                        .map(|nd| nd.kind)
                };
                let ctx: Vec<u32> = sem.labels.ctx(l).to_vec();
                for t in ctx {
                    let want = if b == END {
                        NodeKind::End
                    } else {
                        NodeKind::Event(b)
                    };
                    if t == ROOT
                        || next(t) == Some(want)
                        || obs.spans.get(t as usize).is_some_and(|x| x.end_is_event) && b == END
                    {
                        continue 'acts;
                    }
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Activations in isolated places of `term`, with the hidden sets above each.
    fn isolated_acts(&mut self, sem: &mut Semantics, term: TermId) -> Vec<(u32, TermId, Vec<u32>)> {
        let mut out = Vec::new();
        let mut stack: Vec<(TermId, Vec<u32>)> = vec![(term, Vec::new())];
        while let Some((t, hidden)) = stack.pop() {
            let t = unfold(sem, t);
            match sem.terms.get(t).clone() {
                Term::Act(s, _, p) => {
                    if s != UNBOUND {
                        out.push((s, t, hidden.clone()));
                    }
                    stack.push((p, hidden));
                }
                Term::Hide(p, a) => {
                    let mut h = hidden;
                    h.push(a);
                    stack.push((p, h));
                }
                Term::Seq(p, _) => stack.push((p, hidden)),
                Term::GenPar(a, ps) => {
                    for &p in ps.iter() {
                        if self
                            .alphabet(sem, p)
                            .is_some_and(|al| al.iter().all(|&e| !sem.sets.contains(a, e)))
                        {
                            stack.push((p, hidden.clone()));
                        }
                    }
                }
                Term::AlphaPar(ps) => {
                    for (k, &(_, p)) in ps.iter().enumerate() {
                        let ok = self.alphabet(sem, p).is_some_and(|al| {
                            al.iter().all(|&e| {
                                ps.iter()
                                    .enumerate()
                                    .all(|(j, &(s, _))| j == k || !sem.sets.contains(s, e))
                            })
                        });
                        if ok {
                            stack.push((p, hidden.clone()));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The place of the move from `a` to `b`.
    fn attribute(&mut self, sem: &mut Semantics, mut a: TermId, mut b: TermId) -> Place {
        let mut path = Vec::new();
        let mut enclosing = ROOT;
        while a != b {
            // A call of a plain process moves as its body does.
            a = unfold(sem, a);
            if a == b {
                break;
            }
            let (ta, tb) = (sem.terms.get(a).clone(), sem.terms.get(b).clone());
            let next = match (&ta, &tb) {
                (Term::GenPar(x, ps), Term::GenPar(y, qs)) if x == y && ps.len() == qs.len() => {
                    one_differs(ps, qs).filter(|&k| {
                        self.alphabet(sem, ps[k])
                            .is_some_and(|al| al.iter().all(|&e| !sem.sets.contains(*x, e)))
                    })
                }
                (Term::AlphaPar(ps), Term::AlphaPar(qs)) if ps.len() == qs.len() => {
                    let pa: Vec<TermId> = ps.iter().map(|&(_, p)| p).collect();
                    let qa: Vec<TermId> = qs.iter().map(|&(_, q)| q).collect();
                    one_differs(&pa, &qa).filter(|&k| {
                        self.alphabet(sem, pa[k]).is_some_and(|al| {
                            al.iter().all(|&e| {
                                ps.iter()
                                    .enumerate()
                                    .all(|(j, &(s, _))| j == k || !sem.sets.contains(s, e))
                            })
                        })
                    })
                }
                (Term::Hide(p, x), Term::Hide(_, y)) if x == y => {
                    let Term::Hide(q, _) = tb else { break };
                    path.push(0);
                    a = *p;
                    b = q;
                    continue;
                }
                (Term::Seq(p, r), Term::Seq(q, r2)) if r == r2 => {
                    path.push(0);
                    a = *p;
                    b = *q;
                    continue;
                }
                (Term::Act(s, c, p), Term::Act(s2, c2, q))
                    if c == c2 && (s == s2 || *s == UNBOUND) =>
                {
                    enclosing = *s2;
                    path.push(0);
                    a = *p;
                    b = *q;
                    continue;
                }
                _ => None,
            };
            let Some(k) = next else { break };
            path.push(k as u16 + 1);
            match (&ta, &tb) {
                (Term::GenPar(_, ps), Term::GenPar(_, qs)) => {
                    a = ps[k];
                    b = qs[k];
                }
                (Term::AlphaPar(ps), Term::AlphaPar(qs)) => {
                    a = ps[k].1;
                    b = qs[k].1;
                }
                _ => break,
            }
        }
        Place {
            path,
            comp: a,
            enclosing,
        }
    }

    /// Bound activations inside a term (its operands, not the bodies of its calls).
    fn acts_in(&mut self, sem: &Semantics, t: TermId) -> &[u32] {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.acts.entry(t) {
            let mut out = Vec::new();
            let mut seen = FxHashSet::default();
            let mut stack = vec![t];
            while let Some(x) = stack.pop() {
                if !seen.insert(x) {
                    continue;
                }
                if let Term::Act(s, _, _) = sem.terms.get(x)
                    && *s != UNBOUND
                {
                    out.push(*s);
                }
                operands(sem.terms.get(x), &mut stack);
            }
            out.sort_unstable();
            out.dedup();
            slot.insert(out.into_boxed_slice());
        }
        &self.acts[&t]
    }

    /// Every event `t` may ever perform (its syntax, calls unfolded), or `None` when that is
    /// too large to compute.
    fn alphabet(&mut self, sem: &mut Semantics, t: TermId) -> Option<&[EventId]> {
        if !self.alpha.contains_key(&t) {
            let a = compute_alphabet(sem, t);
            self.alpha.entry(t).or_insert(a);
        }
        self.alpha[&t].as_deref()
    }
}

fn compute_alphabet(sem: &mut Semantics, t: TermId) -> Option<Box<[EventId]>> {
    walk_syntax(sem, t, &[], Reach::Everything).map(|w| w.events.into_boxed_slice())
}

/// How far a syntax walk goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Through every call and activation: all a term may ever do.
    Everything,
    /// Not into activations nor calls of span processes (those are recorded): what a term
    /// does in the activation it runs in.
    OwnActivation,
}

/// What a syntax walk found: events (sorted) and the span processes called (by definition).
struct Walked {
    events: Vec<EventId>,
    calls: Vec<String>,
}

/// The syntax reachable from `t` (operands, and the bodies of calls as `reach` says), each
/// term once, `skip` left out; `None` past [`ALPHA_BUDGET`] terms or when a body cannot be
/// built (the caller then assumes the worst).
fn walk_syntax(sem: &mut Semantics, t: TermId, skip: &[TermId], reach: Reach) -> Option<Walked> {
    let mut w = Walked {
        events: Vec::new(),
        calls: Vec::new(),
    };
    let mut seen: FxHashSet<TermId> = skip.iter().copied().collect();
    let mut stack = vec![t];
    while let Some(x) = stack.pop() {
        if !seen.insert(x) {
            continue;
        }
        if seen.len() > ALPHA_BUDGET + skip.len() {
            return None;
        }
        let term = sem.terms.get(x).clone();
        match &term {
            Term::Act(..) if reach == Reach::OwnActivation => continue,
            Term::Call(c) if reach == Reach::OwnActivation && sem.is_span_call(*c) => {
                w.calls
                    .push(crate::lts::sem::definition_name(sem.call_name(*c)).to_string());
                continue;
            }
            Term::Call(c) => stack.push(sem.body(*c).ok()?),
            Term::Prefix(e, _) => w.events.push(*e),
            Term::Chaos(s) | Term::Run(s) => w.events.extend_from_slice(sem.sets.members(*s)),
            Term::Rename(_, r) | Term::Linked(_, r, _) => {
                for &(a, b) in sem.sets.pairs(*r) {
                    w.events.push(a);
                    w.events.push(b);
                }
            }
            _ => {}
        }
        operands(&term, &mut stack);
    }
    w.events = sorted(w.events);
    w.calls.sort_unstable();
    w.calls.dedup();
    Some(w)
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

fn operands(t: &Term, out: &mut Vec<TermId>) {
    match t {
        Term::Prefix(_, p) | Term::Hide(p, _) | Term::Rename(p, _) | Term::Act(_, _, p) => {
            out.push(*p)
        }
        Term::Ext(ps) | Term::Int(ps) | Term::GenPar(_, ps) => out.extend(ps.iter()),
        Term::AlphaPar(ps) => out.extend(ps.iter().map(|&(_, p)| p)),
        Term::Sliding(p, q)
        | Term::Interrupt(p, q)
        | Term::Seq(p, q)
        | Term::Linked(p, _, q)
        | Term::Exception(p, _, q) => {
            out.push(*p);
            out.push(*q);
        }
        _ => {}
    }
}

/// Most plain calls unfolded in a row (an unguarded `P = P` would unfold forever).
const MAX_UNFOLD: usize = 64;

/// `t`, with calls of plain (non-span) processes replaced by their bodies: the firing rules
/// treat them so.
fn unfold(sem: &mut Semantics, mut t: TermId) -> TermId {
    for _ in 0..MAX_UNFOLD {
        let Term::Call(c) = *sem.terms.get(t) else {
            break;
        };
        if sem.is_span_call(c) {
            break;
        }
        match sem.body(c) {
            Ok(b) => t = b,
            Err(_) => break,
        }
    }
    t
}

/// The one index where the lists differ, if exactly one does.
fn one_differs(a: &[TermId], b: &[TermId]) -> Option<usize> {
    let mut it = a.iter().zip(b).enumerate().filter(|(_, (x, y))| x != y);
    let k = it.next()?.0;
    it.next().is_none().then_some(k)
}
