//! A direct builder of process arenas: a [`ProcSource`] that tests, benches and property tests
//! fill by hand, without going through the CSPM front end.

use crate::cspm::proc::{
    CallId, CallInfo, EventId, EventSetId, ProcId, ProcNode, ProcSource, RelationId, TAU, TICK,
};
use crate::cspm::source::{Diagnostic, Span};
use rustc_hash::FxHashMap;

/// A hand-built process arena. Events are interned by name; nodes, sets and relations are
/// hash-consed; named processes are declared first and defined later, so recursion is easy:
///
/// ```
/// use cspot::lts::ProcBuilder;
/// let mut b = ProcBuilder::new();
/// let tick = b.event("tick");
/// let clock = b.declare("CLOCK");
/// let call = b.call(clock);
/// let body = b.prefix(tick, call);
/// b.define(clock, body);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProcBuilder {
    nodes: Vec<ProcNode>,
    node_index: FxHashMap<ProcNode, ProcId>,
    sets: Vec<Vec<EventId>>,
    set_index: FxHashMap<Vec<EventId>, EventSetId>,
    rels: Vec<Vec<(EventId, EventId)>>,
    rel_index: FxHashMap<Vec<(EventId, EventId)>, RelationId>,
    calls: Vec<(CallInfo, Option<ProcId>)>,
    events: Vec<String>,
    event_index: FxHashMap<String, EventId>,
    all: Vec<EventId>,
}

impl ProcBuilder {
    /// An empty arena with τ and ✓ already interned.
    pub fn new() -> Self {
        let mut b = ProcBuilder::default();
        b.events.push("τ".into());
        b.events.push("✓".into());
        b
    }

    /// Interns a visible event by name.
    pub fn event(&mut self, name: &str) -> EventId {
        if let Some(&e) = self.event_index.get(name) {
            return e;
        }
        let e = self.events.len() as EventId;
        self.events.push(name.to_string());
        self.event_index.insert(name.to_string(), e);
        self.all.push(e);
        e
    }

    /// Interns a set of events (sorted and deduplicated here).
    pub fn set(&mut self, events: &[EventId]) -> EventSetId {
        let mut v: Vec<EventId> = events
            .iter()
            .copied()
            .filter(|&e| e != TAU && e != TICK)
            .collect();
        v.sort_unstable();
        v.dedup();
        if let Some(&s) = self.set_index.get(&v) {
            return s;
        }
        let s = EventSetId(self.sets.len() as u32);
        self.sets.push(v.clone());
        self.set_index.insert(v, s);
        s
    }

    /// Interns a renaming relation or a linked-parallel relation of `(from, to)` pairs.
    pub fn relation(&mut self, pairs: &[(EventId, EventId)]) -> RelationId {
        let mut v = pairs.to_vec();
        v.sort_unstable();
        v.dedup();
        if let Some(&r) = self.rel_index.get(&v) {
            return r;
        }
        let r = RelationId(self.rels.len() as u32);
        self.rels.push(v.clone());
        self.rel_index.insert(v, r);
        r
    }

    /// Interns any node.
    pub fn node(&mut self, n: ProcNode) -> ProcId {
        if let Some(&p) = self.node_index.get(&n) {
            return p;
        }
        let p = ProcId(self.nodes.len() as u32);
        self.nodes.push(n.clone());
        self.node_index.insert(n, p);
        p
    }

    pub fn stop(&mut self) -> ProcId {
        self.node(ProcNode::Stop)
    }
    pub fn skip(&mut self) -> ProcId {
        self.node(ProcNode::Skip)
    }
    pub fn div(&mut self) -> ProcId {
        self.node(ProcNode::Div)
    }
    pub fn chaos(&mut self, a: EventSetId) -> ProcId {
        self.node(ProcNode::Chaos(a))
    }
    pub fn run(&mut self, a: EventSetId) -> ProcId {
        self.node(ProcNode::Run(a))
    }
    pub fn prefix(&mut self, e: EventId, p: ProcId) -> ProcId {
        self.node(ProcNode::Prefix(e, p))
    }
    pub fn ext(&mut self, ps: Vec<ProcId>) -> ProcId {
        self.node(ProcNode::ExtChoice(ps))
    }
    pub fn int(&mut self, ps: Vec<ProcId>) -> ProcId {
        self.node(ProcNode::IntChoice(ps))
    }
    pub fn sliding(&mut self, p: ProcId, q: ProcId) -> ProcId {
        self.node(ProcNode::Sliding(p, q))
    }
    pub fn interrupt(&mut self, p: ProcId, q: ProcId) -> ProcId {
        self.node(ProcNode::Interrupt(p, q))
    }
    pub fn exception(&mut self, p: ProcId, a: EventSetId, q: ProcId) -> ProcId {
        self.node(ProcNode::Exception(p, a, q))
    }
    pub fn seq(&mut self, p: ProcId, q: ProcId) -> ProcId {
        self.node(ProcNode::Seq(p, q))
    }
    pub fn par(&mut self, a: EventSetId, ps: Vec<ProcId>) -> ProcId {
        self.node(ProcNode::GenParallel(a, ps))
    }
    pub fn interleave(&mut self, ps: Vec<ProcId>) -> ProcId {
        let empty = self.set(&[]);
        self.par(empty, ps)
    }
    pub fn alpha_par(&mut self, ps: Vec<(EventSetId, ProcId)>) -> ProcId {
        self.node(ProcNode::AlphaParallel(ps))
    }
    pub fn linked(&mut self, p: ProcId, r: RelationId, q: ProcId) -> ProcId {
        self.node(ProcNode::Linked(p, r, q))
    }
    pub fn hide(&mut self, p: ProcId, a: EventSetId) -> ProcId {
        self.node(ProcNode::Hide(p, a))
    }
    pub fn rename(&mut self, p: ProcId, r: RelationId) -> ProcId {
        self.node(ProcNode::Rename(p, r))
    }

    /// Declares a named process without a body yet (see [`ProcBuilder::define`]).
    pub fn declare(&mut self, name: &str) -> CallId {
        self.declare_at(name, None)
    }

    /// Declares a named process whose definition sits at `span`.
    pub fn declare_at(&mut self, name: &str, span: Option<Span>) -> CallId {
        let c = CallId(self.calls.len() as u32);
        self.calls.push((
            CallInfo {
                name: name.to_string(),
                span,
            },
            None,
        ));
        c
    }

    /// Gives a declared process its body.
    pub fn define(&mut self, c: CallId, body: ProcId) {
        if let Some(slot) = self.calls.get_mut(c.0 as usize) {
            slot.1 = Some(body);
        }
    }

    /// The node that calls a declared process.
    pub fn call(&mut self, c: CallId) -> ProcId {
        self.node(ProcNode::Call(c))
    }

    /// Declares, calls and defines in one go, for non-recursive names.
    pub fn named(&mut self, name: &str, body: ProcId) -> ProcId {
        let c = self.declare(name);
        self.define(c, body);
        self.call(c)
    }
}

static NO_INFO: CallInfo = CallInfo {
    name: String::new(),
    span: None,
};

impl ProcSource for ProcBuilder {
    fn node(&self, p: ProcId) -> &ProcNode {
        static STOP: ProcNode = ProcNode::Stop;
        self.nodes.get(p.0 as usize).unwrap_or(&STOP)
    }
    fn event_set(&self, s: EventSetId) -> &[EventId] {
        self.sets
            .get(s.0 as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }
    fn relation(&self, r: RelationId) -> &[(EventId, EventId)] {
        self.rels
            .get(r.0 as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }
    fn call_info(&self, c: CallId) -> &CallInfo {
        self.calls
            .get(c.0 as usize)
            .map(|c| &c.0)
            .unwrap_or(&NO_INFO)
    }
    fn unfold(&mut self, c: CallId) -> Result<ProcId, Diagnostic> {
        match self.calls.get(c.0 as usize) {
            Some((_, Some(body))) => Ok(*body),
            Some((info, None)) => Err(Diagnostic::error(
                info.span.unwrap_or_default(),
                format!("process `{}` is declared but never defined", info.name),
            )),
            None => Err(Diagnostic::error(
                Span::default(),
                format!("unknown process call #{}", c.0),
            )),
        }
    }
    fn event_count(&self) -> u32 {
        self.events.len() as u32
    }
    fn event_name(&self, e: EventId) -> &str {
        self.events
            .get(e as usize)
            .map(|s| s.as_str())
            .unwrap_or("?")
    }
    /// A hand-built event has only its name: the channel is what comes before the first
    /// `.`, the fields what the other dots separate (`picks.0.1` is `picks` with `0` and `1`).
    fn event_parts(&self, e: EventId) -> (String, Vec<String>) {
        let mut parts = self.event_name(e).split('.').map(str::to_string);
        let channel = parts.next().unwrap_or_default();
        (channel, parts.collect())
    }
    fn all_events(&self) -> &[EventId] {
        &self.all
    }
}

/// Which dining-philosophers system [`dining_philosophers`] builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phils {
    /// Every philosopher picks up the left fork first: deadlocks.
    Naive,
    /// A butler lets at most `n - 1` philosophers sit at once: deadlock free.
    Butler,
    /// Philosopher 0 picks up the right fork first: deadlock free.
    LeftHanded,
}

/// The dining philosophers of Hoare and Roscoe (`sits`, `picks`, `eats`, `putsdown`, `getsup`),
/// built directly: `n` philosophers and `n` forks, plus a butler for [`Phils::Butler`].
/// Used by tests and benches that must not depend on the CSPM front end.
pub fn dining_philosophers(b: &mut ProcBuilder, n: usize, variant: Phils) -> ProcId {
    let ev = |b: &mut ProcBuilder, s: String| b.event(&s);
    let right = |i: usize| (i + 1) % n;
    let left = |i: usize| (i + n - 1) % n;
    let mut phils = Vec::new();
    let mut forks = Vec::new();
    let mut sync = Vec::new();
    for i in 0..n {
        let sits = ev(b, format!("sits.{i}"));
        let eats = ev(b, format!("eats.{i}"));
        let getsup = ev(b, format!("getsup.{i}"));
        let (first, second) = if variant == Phils::LeftHanded && i == 0 {
            (right(i), i)
        } else {
            (i, right(i))
        };
        let pick1 = ev(b, format!("picks.{i}.{first}"));
        let pick2 = ev(b, format!("picks.{i}.{second}"));
        let put1 = ev(b, format!("putsdown.{i}.{second}"));
        let put2 = ev(b, format!("putsdown.{i}.{first}"));
        let c = b.declare(&format!("PHIL({i})"));
        let call = b.call(c);
        let mut body = b.prefix(getsup, call);
        for e in [put2, put1, eats, pick2, pick1, sits] {
            body = b.prefix(e, body);
        }
        b.define(c, body);
        phils.push(call);
    }
    for i in 0..n {
        let own_pick = ev(b, format!("picks.{i}.{i}"));
        let own_put = ev(b, format!("putsdown.{i}.{i}"));
        let l = left(i);
        let other_pick = ev(b, format!("picks.{l}.{i}"));
        let other_put = ev(b, format!("putsdown.{l}.{i}"));
        sync.extend([own_pick, own_put, other_pick, other_put]);
        let c = b.declare(&format!("FORK({i})"));
        let call = b.call(c);
        let a = b.prefix(own_put, call);
        let a = b.prefix(own_pick, a);
        let o = b.prefix(other_put, call);
        let o = b.prefix(other_pick, o);
        let body = b.ext(vec![a, o]);
        b.define(c, body);
        forks.push(call);
    }
    let ph = b.interleave(phils);
    let fk = b.interleave(forks);
    let sync = b.set(&sync);
    let system = b.par(sync, vec![ph, fk]);
    if variant != Phils::Butler {
        return system;
    }
    // BUTLER(j): j philosophers seated, at most n - 1.
    let sits: Vec<EventId> = (0..n).map(|i| ev(b, format!("sits.{i}"))).collect();
    let ups: Vec<EventId> = (0..n).map(|i| ev(b, format!("getsup.{i}"))).collect();
    let calls: Vec<CallId> = (0..n).map(|j| b.declare(&format!("BUTLER({j})"))).collect();
    for j in 0..n {
        let mut opts = Vec::new();
        if j > 0 {
            let prev = b.call(calls[j - 1]);
            for &u in &ups {
                opts.push(b.prefix(u, prev));
            }
        }
        if j + 1 < n {
            let next = b.call(calls[j + 1]);
            for &s in &sits {
                opts.push(b.prefix(s, next));
            }
        }
        let body = b.ext(opts);
        b.define(calls[j], body);
    }
    let mut both = sits.clone();
    both.extend(&ups);
    let a = b.set(&both);
    let butler = b.call(calls[0]);
    b.par(a, vec![system, butler])
}
