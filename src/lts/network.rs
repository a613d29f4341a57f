//! The operator tree above the leaves (parallel, hiding, renaming, linking) and its flattening
//! into synchronisation rules: which leaves must each perform which event, and what the system
//! sees (an event or τ). This is FDR's supercombinator, without the state-changing formats.

use super::sets::{EventSets, RelIx, SetIx};
use crate::cspm::proc::{EventId, TAU};
use crate::cspm::source::{Diagnostic, Span};
use rustc_hash::FxHashMap;

/// The network structure over leaf indices. It can nest as deep as a recursion through a
/// parallel unfolds, so it is dropped without recursion.
#[derive(Debug)]
pub enum Net {
    Leaf(u32),
    Hide(Box<Net>, SetIx),
    Rename(Box<Net>, RelIx),
    GenPar(SetIx, Vec<Net>),
    AlphaPar(Vec<(SetIx, Net)>),
    Linked(Box<Net>, RelIx, Box<Net>),
}

impl Net {
    /// Whether a parallel operator occurs (then leaves terminate distributedly).
    pub fn has_par(&self) -> bool {
        let mut n = self;
        loop {
            match n {
                Net::Leaf(_) => return false,
                Net::Hide(m, _) | Net::Rename(m, _) => n = m,
                _ => return true,
            }
        }
    }

    /// Moves the operands out (leaving leaves in their place) onto `out`.
    fn take_operands(&mut self, out: &mut Vec<Net>) {
        let take = |b: &mut Box<Net>| std::mem::replace(&mut **b, Net::Leaf(0));
        match self {
            Net::Leaf(_) => {}
            Net::Hide(b, _) | Net::Rename(b, _) => out.push(take(b)),
            Net::GenPar(_, cs) => out.append(cs),
            Net::AlphaPar(cs) => out.extend(cs.drain(..).map(|(_, n)| n)),
            Net::Linked(l, _, r) => {
                out.push(take(l));
                out.push(take(r));
            }
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        let mut pending = Vec::new();
        self.take_operands(&mut pending);
        while let Some(mut n) = pending.pop() {
            // `n` is dropped at the end of this iteration with no operands left.
            n.take_operands(&mut pending);
        }
    }
}

/// A synchronisation rule in construction: the parts `(leaf, leaf event)` and the system event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub event: EventId,
    pub parts: Vec<(u32, EventId)>,
}

/// Computes the rules of a network, given each leaf's alphabet. Fails when their number passes
/// `max_rules` (a synchronisation whose combinations explode).
pub fn rules(
    net: &Net,
    alphabets: &[Vec<EventId>],
    sets: &EventSets,
    max_rules: usize,
) -> Result<Vec<Draft>, Diagnostic> {
    let mut count = 0usize;
    let r = build(net, alphabets, sets, max_rules, &mut count)?;
    Ok(r)
}

fn too_many(max: usize) -> Diagnostic {
    Diagnostic::error(
        Span::default(),
        format!("the network's synchronisations have more than {max} combinations"),
    )
}

/// The rules of one operator, from its operands' (recursively, as deep as the network nests;
/// past the main stack on heap-allocated segments).
fn build(
    net: &Net,
    alphabets: &[Vec<EventId>],
    sets: &EventSets,
    max: usize,
    count: &mut usize,
) -> Result<Vec<Draft>, Diagnostic> {
    stacker::maybe_grow(
        super::sem::STACK_RED_ZONE,
        super::sem::STACK_SEGMENT,
        || build_at(net, alphabets, sets, max, count),
    )
}

fn build_at(
    net: &Net,
    alphabets: &[Vec<EventId>],
    sets: &EventSets,
    max: usize,
    count: &mut usize,
) -> Result<Vec<Draft>, Diagnostic> {
    super::step()?;
    let out = match net {
        Net::Leaf(i) => alphabets
            .get(*i as usize)
            .map(|a| {
                a.iter()
                    .map(|&e| Draft {
                        event: e,
                        parts: vec![(*i, e)],
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Net::Hide(n, a) => {
            let mut v = build(n, alphabets, sets, max, count)?;
            for d in &mut v {
                if d.event != TAU && sets.contains(*a, d.event) {
                    d.event = TAU;
                }
            }
            v
        }
        Net::Rename(n, r) => {
            let v = build(n, alphabets, sets, max, count)?;
            let mut out = Vec::with_capacity(v.len());
            for d in v {
                let imgs = if d.event == TAU {
                    &[][..]
                } else {
                    sets.images(*r, d.event)
                };
                if imgs.is_empty() {
                    out.push(d);
                } else {
                    for &(_, b) in imgs {
                        out.push(Draft {
                            event: b,
                            parts: d.parts.clone(),
                        });
                    }
                }
            }
            out
        }
        Net::GenPar(a, cs) => {
            // The operands' drafts are moved, not copied: a recursion through a parallel
            // nests as deep as it unfolds, and every level passes on all the drafts below.
            let mut out = Vec::new();
            let mut synced: Vec<FxHashMap<EventId, Vec<Draft>>> = Vec::with_capacity(cs.len());
            for c in cs {
                let mut m: FxHashMap<EventId, Vec<Draft>> = FxHashMap::default();
                let k = build(c, alphabets, sets, max, count)?;
                if out.is_empty() {
                    out.reserve(k.len());
                }
                for d in k {
                    if d.event == TAU || !sets.contains(*a, d.event) {
                        out.push(d);
                    } else {
                        m.entry(d.event).or_default().push(d);
                    }
                }
                synced.push(m);
            }
            for &e in sets.members(*a) {
                let lists: Option<Vec<Vec<&Draft>>> = synced
                    .iter()
                    .map(|m| m.get(&e).map(|ds| ds.iter().collect()))
                    .collect();
                if let Some(lists) = lists {
                    combine(e, &lists, &mut out, max, count)?;
                }
            }
            out
        }
        Net::AlphaPar(cs) => {
            let mut out = Vec::new();
            let mut by_event: Vec<FxHashMap<EventId, Vec<Draft>>> = Vec::new();
            let mut events: Vec<EventId> = Vec::new();
            for (a, c) in cs {
                let k = build(c, alphabets, sets, max, count)?;
                let mut m: FxHashMap<EventId, Vec<Draft>> = FxHashMap::default();
                for d in k {
                    if d.event == TAU {
                        out.push(d);
                    } else if sets.contains(*a, d.event) {
                        events.push(d.event);
                        m.entry(d.event).or_default().push(d);
                    }
                }
                by_event.push(m);
            }
            events.sort_unstable();
            events.dedup();
            for e in events {
                let mut lists: Vec<Vec<&Draft>> = Vec::new();
                let mut ok = true;
                for ((a, _), m) in cs.iter().zip(&by_event) {
                    if sets.contains(*a, e) {
                        match m.get(&e) {
                            Some(v) => lists.push(v.iter().collect()),
                            None => {
                                ok = false;
                                break;
                            }
                        }
                    }
                }
                if ok {
                    combine(e, &lists, &mut out, max, count)?;
                }
            }
            out
        }
        Net::Linked(l, r, rt) => {
            let left = build(l, alphabets, sets, max, count)?;
            let right = build(rt, alphabets, sets, max, count)?;
            let mut out = Vec::new();
            let mut lm: FxHashMap<EventId, Vec<&Draft>> = FxHashMap::default();
            let mut rm: FxHashMap<EventId, Vec<&Draft>> = FxHashMap::default();
            for d in &left {
                if d.event != TAU && sets.in_domain(*r, d.event) {
                    lm.entry(d.event).or_default().push(d);
                } else {
                    out.push(d.clone());
                }
            }
            for d in &right {
                if d.event != TAU && sets.in_range(*r, d.event) {
                    rm.entry(d.event).or_default().push(d);
                } else {
                    out.push(d.clone());
                }
            }
            for &(a, b) in sets.pairs(*r) {
                if let (Some(ls), Some(rs)) = (lm.get(&a), rm.get(&b)) {
                    combine(TAU, &[ls.clone(), rs.clone()], &mut out, max, count)?;
                }
            }
            out
        }
    };
    Ok(out)
}

/// Every combination of one draft per list, as one rule on event `e`.
fn combine(
    e: EventId,
    lists: &[Vec<&Draft>],
    out: &mut Vec<Draft>,
    max: usize,
    count: &mut usize,
) -> Result<(), Diagnostic> {
    if lists.iter().any(|l| l.is_empty()) {
        return Ok(());
    }
    let mut idx = vec![0usize; lists.len()];
    loop {
        *count += 1;
        if *count > max {
            return Err(too_many(max));
        }
        super::step()?;
        let mut parts = Vec::new();
        for (l, &i) in lists.iter().zip(&idx) {
            parts.extend_from_slice(&l[i].parts);
        }
        parts.sort_unstable();
        out.push(Draft { event: e, parts });
        let mut k = 0;
        loop {
            if k == lists.len() {
                return Ok(());
            }
            idx[k] += 1;
            if idx[k] < lists[k].len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}
