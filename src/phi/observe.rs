//! Φ⁻¹: the partial order of events that one span tree fixes.
//!
//! Each span that is an activation of a span process becomes a chain of nodes: its start, the
//! model file's `start` event, its own events in time order, and its end (or the `end` event).
//! Spans the model does not name are skipped (their children hang from the nearest activation
//! above them); a span whose name, or `csp.event` attribute, is an event of the model is one
//! event of the activation above it. Across chains the order is:
//! - a child starts after its parent started;
//! - on one host, timestamps order a parent's nodes against a child's start and end (before
//!   its start, after its start, before its end, after its end), siblings that do not overlap
//!   (the earlier one's end before the later one's start), and overlapping siblings' starts
//!   and ends (each starts before the other ends: they did run at once);
//! - nothing else: the events inside overlapping siblings are concurrent, other hosts' clocks
//!   order nothing, and a span's end does not order its children (an asynchronous consumer
//!   may outlive the span that sent its message).

use super::Mapping;
use super::model::Unmapped;
use crate::cspm::proc::EventId;
use crate::otlp::{Forest, Sym, Trace, Value};
use crate::report::Finding;

/// What a node of a chain stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// The span starts: the model calls one of its span processes.
    Start,
    /// A CSP event the span performs.
    Event(EventId),
    /// The span ends: the activation's body terminates.
    End,
}

/// One node of a span's chain.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub time: u64,
    /// The forest span that recorded it (the span itself, or an event span under it).
    pub recorded_in: u32,
    /// The event's index in the recording span's events (`u32::MAX` for starts, ends and
    /// event spans).
    pub event_index: u32,
    /// Range of [`Observation::prereqs`]: nodes of other chains that must come first.
    pub prereqs: (u32, u32),
}

/// An activation span of the trace.
#[derive(Clone, Debug)]
pub struct ObsSpan {
    /// Index in the forest.
    pub forest: u32,
    /// The activation span it hangs from (local index), `None` for a root.
    pub parent: Option<u32>,
    /// The span processes it may be an activation of (indexes into the mapping's processes).
    pub procs: Vec<u16>,
    /// Range of [`Observation::nodes`].
    pub nodes: (u32, u32),
    pub ended: bool,
    /// Its end is the model file's `end` event: the end of the body is not observed.
    pub end_is_event: bool,
    /// Host key: `host.name`, or the service when there is none.
    pub host: Sym,
}

/// The partial order of one trace.
#[derive(Clone, Debug, Default)]
pub struct Observation {
    pub spans: Vec<ObsSpan>,
    pub nodes: Vec<Node>,
    /// `(span, k)`: the first `k` nodes of local span `span` are done.
    pub prereqs: Vec<(u32, u32)>,
    /// Spans or events the model does not know, when `unmapped = "error"`.
    pub unmapped: Vec<Finding>,
    /// Every span has ended and every parent is in the trace: the run is complete.
    pub complete: bool,
    /// Children per activation span, in local order.
    pub kids: Vec<Vec<u32>>,
}

impl Observation {
    pub fn chain(&self, s: u32) -> &[Node] {
        let (a, b) = self.spans[s as usize].nodes;
        &self.nodes[a as usize..b as usize]
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn prereqs_of(&self, n: &Node) -> &[(u32, u32)] {
        &self.prereqs[n.prereqs.0 as usize..n.prereqs.1 as usize]
    }
}

/// An event of an activation before its chain is laid: (time, read order, event, recording
/// span, index among the recording span's events).
type OwnEvent = (u64, u32, EventId, u32, u32);

enum Role<'m> {
    Activation(&'m [u16]),
    Event(EventId),
    Unmapped,
}

/// Builds the observation of trace `t`.
pub fn observe(map: &Mapping, forest: &Forest, t: &Trace) -> Observation {
    let csp_event = forest.strings.lookup("csp.event");
    let attr_event = |attrs: crate::otlp::Range32| -> Option<&str> {
        let key = csp_event?;
        forest
            .attrs(attrs)
            .iter()
            .find(|a| a.key == key)
            .and_then(|a| match a.value() {
                Value::Str(s) => Some(forest.strings.get(s)),
                _ => None,
            })
    };
    let range = t.spans.range();
    let base = range.start as u32;
    let n = range.len();
    let mut obs = Observation {
        complete: true,
        ..Observation::default()
    };
    // Roles of the trace's spans.
    let mut roles = Vec::with_capacity(n);
    for i in range.clone() {
        let i = i as u32;
        let s = forest.span(i);
        if s.end == 0 || s.end < s.start {
            obs.complete = false;
        }
        if s.has_parent() && forest.parent(i).is_none() {
            obs.complete = false;
        }
        let role = if let Some(e) = attr_event(s.attrs) {
            match map.event(e) {
                Some(e) => Role::Event(e),
                None => Role::Unmapped,
            }
        } else if let Some(p) = map.span_procs(forest.name(i)) {
            Role::Activation(p)
        } else if let Some(e) = map.event(forest.name(i)) {
            Role::Event(e)
        } else {
            Role::Unmapped
        };
        if matches!(role, Role::Unmapped) && map.file.unmapped == Unmapped::Error {
            obs.unmapped.push(Finding {
                rule: "phi.unmapped".into(),
                span_id: Some(s.id.to_string()),
                message: format!(
                    "span '{}' is neither a span process nor an event of the model",
                    forest.name(i)
                ),
                related: Vec::new(),
                ..Default::default()
            });
        }
        roles.push(role);
    }
    // Local indexes of activations, in forest order (start time, then id).
    let mut local = vec![u32::MAX; n];
    for (k, r) in roles.iter().enumerate() {
        if let Role::Activation(_) = r {
            local[k] = obs.spans.len() as u32;
            obs.spans.push(ObsSpan {
                forest: base + k as u32,
                parent: None,
                procs: Vec::new(),
                nodes: (0, 0),
                ended: false,
                end_is_event: false,
                host: Sym::EMPTY,
            });
        }
    }
    // The nearest activation above a span (bounded walk: parents may form a cycle).
    let above = |i: u32| -> Option<u32> {
        let mut cur = forest.parent(i);
        for _ in 0..n {
            let p = cur?;
            let l = local[(p - base) as usize];
            if l != u32::MAX {
                return Some(l);
            }
            cur = forest.parent(p);
        }
        None
    };
    // Own events per activation: (time, seq, kind, recorded_in, event index).
    let mut own: Vec<Vec<OwnEvent>> = vec![Vec::new(); obs.spans.len()];
    let mut seq = 0u32;
    let add_events =
        |obs: &mut Observation, own: &mut Vec<Vec<_>>, seq: &mut u32, i: u32, to: u32| {
            for (k, ev) in forest.events_of(i).iter().enumerate() {
                let name = forest.strings.get(ev.name);
                let e = attr_event(ev.attrs).map_or_else(|| map.event(name), |a| map.event(a));
                match e {
                    Some(e) => {
                        own[to as usize].push((ev.time, *seq, e, i, k as u32));
                        *seq += 1;
                    }
                    None if map.file.unmapped == Unmapped::Error => obs.unmapped.push(Finding {
                        rule: "phi.unmapped".into(),
                        span_id: Some(forest.span(i).id.to_string()),
                        message: format!("span event '{name}' is not an event of the model"),
                        related: Vec::new(),
                        ..Default::default()
                    }),
                    None => {}
                }
            }
        };
    for (k, role) in roles.iter().enumerate() {
        let i = base + k as u32;
        match role {
            Role::Activation(procs) => {
                let l = local[k];
                let s = forest.span(i);
                let host = forest
                    .resources
                    .get(s.resource as usize)
                    .map_or(Sym::EMPTY, |r| {
                        if r.host != Sym::EMPTY {
                            r.host
                        } else {
                            r.service
                        }
                    });
                let parent = above(i);
                let sp = &mut obs.spans[l as usize];
                sp.parent = parent;
                sp.procs = procs.to_vec();
                sp.ended = s.end != 0 && s.end >= s.start;
                sp.host = host;
                add_events(&mut obs, &mut own, &mut seq, i, l);
            }
            Role::Event(e) => {
                if let Some(to) = above(i) {
                    own[to as usize].push((forest.span(i).start, seq, *e, i, u32::MAX));
                    seq += 1;
                    add_events(&mut obs, &mut own, &mut seq, i, to);
                } else {
                    // An event with no activation around it: nothing can have performed it.
                    obs.unmapped.push(Finding {
                        rule: "phi.no-activation".into(),
                        span_id: Some(forest.span(i).id.to_string()),
                        message: format!(
                            "span '{}' stands for an event, but no span above it is an \
                             activation of a span process",
                            forest.name(i)
                        ),
                        related: Vec::new(),
                        ..Default::default()
                    });
                }
            }
            Role::Unmapped => {}
        }
    }
    // Chains.
    for (l, mut evs) in own.into_iter().enumerate() {
        let sp = &obs.spans[l];
        let i = sp.forest;
        let s = forest.span(i);
        let ended = sp.ended;
        let (start_ev, end_ev) = map.start_end(&sp.procs);
        let a = obs.nodes.len() as u32;
        let node = |kind, time, recorded_in, event_index| Node {
            kind,
            time,
            recorded_in,
            event_index,
            prereqs: (0, 0),
        };
        obs.nodes.push(node(NodeKind::Start, s.start, i, u32::MAX));
        if let Some(e) = start_ev {
            obs.nodes
                .push(node(NodeKind::Event(e), s.start, i, u32::MAX));
        }
        evs.sort_by_key(|&(t, q, ..)| (t, q));
        for (t, _, e, rec, k) in evs {
            obs.nodes.push(node(NodeKind::Event(e), t, rec, k));
        }
        if ended {
            match end_ev {
                Some(e) => obs.nodes.push(node(NodeKind::Event(e), s.end, i, u32::MAX)),
                None => obs.nodes.push(node(NodeKind::End, s.end, i, u32::MAX)),
            }
        }
        let b = obs.nodes.len() as u32;
        let sp = &mut obs.spans[l];
        sp.nodes = (a, b);
        sp.end_is_event = end_ev.is_some();
    }
    obs.kids = children(&obs);
    order(&mut obs);
    obs
}

/// Children per activation, in local order (which is start order).
fn children(obs: &Observation) -> Vec<Vec<u32>> {
    let mut kids = vec![Vec::new(); obs.spans.len()];
    for (c, s) in obs.spans.iter().enumerate() {
        if let Some(p) = s.parent {
            kids[p as usize].push(c as u32);
        }
    }
    kids
}

/// Most overlap edges into one span's end (see `order`).
const MAX_OVERLAP_EDGES: usize = 256;

/// The cross-chain prerequisites (the order's edges between chains, transitively reduced
/// where that is cheap).
fn order(obs: &mut Observation) {
    let kids = std::mem::take(&mut obs.kids);
    // (node, span, k), sorted by node at the end.
    let mut pre: Vec<(u32, u32, u32)> = Vec::new();
    let len = |obs: &Observation, s: u32| {
        let (a, b) = obs.spans[s as usize].nodes;
        b - a
    };
    for (p, cs) in kids.iter().enumerate() {
        let p = p as u32;
        let (pa, pb) = obs.spans[p as usize].nodes;
        let phost = obs.spans[p as usize].host;
        for &c in cs {
            let cs_ = &obs.spans[c as usize];
            let cstart = obs.nodes[cs_.nodes.0 as usize];
            let same = cs_.host == phost;
            // A child starts after its parent's start and, on one host, after the parent's
            // nodes that came before it.
            let mut k = 1;
            if same {
                k = (pa..pb)
                    .take_while(|&j| obs.nodes[j as usize].time < cstart.time)
                    .count()
                    .max(1) as u32;
            }
            pre.push((cs_.nodes.0, p, k));
            // On one host, the parent's first node after the child's start follows that start.
            if same
                && let Some(j) = (pa + 1..pb).find(|&j| obs.nodes[j as usize].time > cstart.time)
            {
                pre.push((j, c, 1));
            }
            // On one host, a child that ended precedes the parent's first node after its end,
            // and follows the parent's nodes before its end.
            if same && cs_.ended && cs_.nodes.1 > cs_.nodes.0 {
                let last = cs_.nodes.1 as usize - 1;
                let cend = obs.nodes[last].time;
                if let Some(j) = (pa + 1..pb).find(|&j| obs.nodes[j as usize].time > cend) {
                    pre.push((j, c, len(obs, c)));
                }
                let before = (pa..pb)
                    .take_while(|&j| obs.nodes[j as usize].time < cend)
                    .count();
                if before > 0 {
                    pre.push((last as u32, p, before as u32));
                }
            }
        }
        // Siblings on one host that do not overlap: the earlier one's end precedes the later
        // one's start. Of the siblings ending before `b` starts, those that end before another
        // of them starts are implied and left out.
        // Sorted by (host, end): each host's ended siblings are one run, with the running
        // maximum of their starts, so each start finds its predecessors by binary search.
        let mut by_end: Vec<u32> = cs
            .iter()
            .copied()
            .filter(|&c| obs.spans[c as usize].ended)
            .collect();
        let end_of =
            |obs: &Observation, c: u32| obs.nodes[obs.spans[c as usize].nodes.1 as usize - 1].time;
        let start_of =
            |obs: &Observation, c: u32| obs.nodes[obs.spans[c as usize].nodes.0 as usize].time;
        by_end.sort_by_key(|&c| (obs.spans[c as usize].host, end_of(obs, c), c));
        let mut max_start = Vec::with_capacity(by_end.len());
        for (k, &a) in by_end.iter().enumerate() {
            let same_run =
                k > 0 && obs.spans[by_end[k - 1] as usize].host == obs.spans[a as usize].host;
            let m = if same_run { max_start[k - 1] } else { 0 };
            max_start.push(start_of(obs, a).max(m));
        }
        for &b in cs {
            let bstart = start_of(obs, b);
            let host = obs.spans[b as usize].host;
            let lo = by_end.partition_point(|&a| obs.spans[a as usize].host < host);
            let hi = lo
                + by_end[lo..].partition_point(|&a| {
                    obs.spans[a as usize].host == host && end_of(obs, a) < bstart
                });
            if hi == lo {
                continue;
            }
            // The latest start among them: those ending before it are implied by that one.
            let m = max_start[hi - 1];
            let n = obs.spans[b as usize].nodes.0;
            for &a in by_end[lo..hi].iter().rev().take(MAX_OVERLAP_EDGES) {
                if end_of(obs, a) < m {
                    break;
                }
                if a != b {
                    pre.push((n, a, len(obs, a)));
                }
            }
        }
        // Overlapping siblings on one host: each one's end follows the start of every sibling
        // that started before it ended (and did not end before it started, which is implied).
        // At most MAX_OVERLAP_EDGES per span: fewer edges only make the order weaker.
        for &a in &by_end {
            let (astart, aend) = (start_of(obs, a), end_of(obs, a));
            let host = obs.spans[a as usize].host;
            let last = obs.spans[a as usize].nodes.1 as usize - 1;
            let mut added = 0;
            for &b in cs {
                if added >= MAX_OVERLAP_EDGES {
                    break;
                }
                let sb = &obs.spans[b as usize];
                let ended_before = sb.ended && end_of(obs, b) < astart;
                if b != a && sb.host == host && start_of(obs, b) < aend && !ended_before {
                    pre.push((last as u32, b, 1));
                    added += 1;
                }
            }
        }
    }
    obs.kids = kids;
    pre.sort_unstable();
    pre.dedup();
    obs.prereqs.reserve(pre.len());
    let mut k = 0;
    for j in 0..obs.nodes.len() {
        let a = obs.prereqs.len() as u32;
        while k < pre.len() && pre[k].0 as usize == j {
            obs.prereqs.push((pre[k].1, pre[k].2));
            k += 1;
        }
        obs.nodes[j].prereqs = (a, obs.prereqs.len() as u32);
    }
}
