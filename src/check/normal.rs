//! Normalisation of a specification: τ-closure, subset construction, minimal acceptances and
//! divergence marking. A normal-form node is the set of specification states reachable on one
//! trace; from it each visible event (✓ included) leads to exactly one node.

use super::scc;
use crate::cspm::proc::{EventId, TAU, TICK};
use crate::lts::export::{ExplicitLts, Limits, Stop};
use hashbrown::HashTable;
use std::hash::BuildHasher;

/// One node of a normal form.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Visible events (✓ included) and the node each leads to, sorted by event.
    pub trans: Vec<(EventId, u32)>,
    /// Minimal acceptance sets (sorted events), for the failures models.
    pub acceptances: Vec<Vec<EventId>>,
    /// Some member can diverge.
    pub divergent: bool,
    /// Specification states in this node.
    pub members: Vec<u32>,
}

impl Node {
    #[inline]
    pub fn after(&self, e: EventId) -> Option<u32> {
        self.trans
            .binary_search_by_key(&e, |&(f, _)| f)
            .ok()
            .map(|i| self.trans[i].1)
    }
}

/// A normalised process; node 0 is the initial node.
#[derive(Clone, Debug, Default)]
pub struct NormalForm {
    pub nodes: Vec<Node>,
}

impl NormalForm {
    /// An estimate of the bytes held.
    pub fn memory_bytes(&self) -> u64 {
        self.nodes.iter().map(node_bytes).sum()
    }
}

fn node_bytes(n: &Node) -> u64 {
    (std::mem::size_of::<Node>()
        + n.members.capacity() * 4
        + n.trans.capacity() * 8
        + n.acceptances
            .iter()
            .map(|a| 24 + a.capacity() * 4)
            .sum::<usize>()) as u64
}

/// Normalises an explicit LTS (initial state 0). The subset construction can produce
/// exponentially many nodes: `limits` bound their number (`max_states`), the memory of the
/// nodes and their index, and the time.
pub fn normalise(lts: &ExplicitLts, limits: &Limits) -> Result<NormalForm, Stop> {
    let max_nodes = limits.max_states;
    let n = lts.len();
    let tau_succ = |s: u32, out: &mut Vec<u32>| {
        for &(_, e, t) in lts.out(s) {
            if e == TAU {
                out.push(t);
            }
        }
    };
    let comp = scc::cyclic_components(n, tau_succ, |_| false);
    // Node ids by member set; the sets themselves are stored once, in the nodes.
    let hasher = rustc_hash::FxBuildHasher;
    let hash = |set: &[u32]| hasher.hash_one(set);
    let mut index: HashTable<u32> = HashTable::new();
    let mut nf = NormalForm::default();
    let mut seen = vec![u32::MAX; n];
    let start = closure(lts, &[0], &mut seen, 0);
    index.insert_unique(hash(&start), 0, |_| 0);
    nf.nodes.push(Node {
        members: start,
        ..Default::default()
    });
    let mut next = 0usize;
    let mut stamp = 1u32;
    // The nodes so far, and their index entries.
    let mut bytes = 0u64;
    while next < nf.nodes.len() {
        limits.check(bytes, next)?;
        let members = nf.nodes[next].members.clone();
        // Successors per visible event.
        let mut by_event: Vec<(EventId, u32)> = Vec::new();
        let mut accs: Vec<Vec<EventId>> = Vec::new();
        let mut divergent = false;
        for &s in &members {
            if comp[s as usize] != u32::MAX {
                divergent = true;
            }
            let mut stable = true;
            let mut init: Vec<EventId> = Vec::new();
            for &(_, e, t) in lts.out(s) {
                if e == TAU {
                    stable = false;
                } else {
                    by_event.push((e, t));
                    init.push(e);
                }
            }
            init.sort_unstable();
            init.dedup();
            if init.contains(&TICK) {
                // A state that can terminate can refuse every other event.
                accs.push(vec![TICK]);
            }
            if stable {
                accs.push(init);
            }
        }
        by_event.sort_unstable();
        by_event.dedup();
        let mut trans = Vec::new();
        let mut i = 0;
        while i < by_event.len() {
            let e = by_event[i].0;
            let mut targets = Vec::new();
            while i < by_event.len() && by_event[i].0 == e {
                targets.push(by_event[i].1);
                i += 1;
            }
            let set = closure(lts, &targets, &mut seen, stamp);
            stamp = stamp.wrapping_add(1);
            let h = hash(&set);
            let nodes = &nf.nodes;
            let id = match index.find(h, |&id| nodes[id as usize].members == set) {
                Some(&id) => id,
                None => {
                    let id = nf.nodes.len() as u32;
                    if nf.nodes.len() >= max_nodes {
                        return Err(Stop::States(max_nodes));
                    }
                    bytes += 16;
                    index.insert_unique(h, id, |&id| hash(&nodes[id as usize].members));
                    nf.nodes.push(Node {
                        members: set,
                        ..Default::default()
                    });
                    id
                }
            };
            trans.push((e, id));
        }
        let node = &mut nf.nodes[next];
        node.trans = trans;
        node.acceptances = minimal(accs);
        node.divergent = divergent;
        bytes += node_bytes(node);
        next += 1;
    }
    Ok(nf)
}

/// The τ-closure of `from`, sorted. `seen` is a stamp array reused between calls.
fn closure(lts: &ExplicitLts, from: &[u32], seen: &mut [u32], stamp: u32) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for &s in from {
        if seen[s as usize] != stamp {
            seen[s as usize] = stamp;
            out.push(s);
        }
    }
    let mut i = 0;
    while i < out.len() {
        let s = out[i];
        i += 1;
        for &(_, e, t) in lts.out(s) {
            if e == TAU && seen[t as usize] != stamp {
                seen[t as usize] = stamp;
                out.push(t);
            }
        }
    }
    out.sort_unstable();
    out
}

/// The minimal sets under inclusion, sorted and deduplicated.
fn minimal(mut accs: Vec<Vec<EventId>>) -> Vec<Vec<EventId>> {
    accs.sort_by(|a, b| a.len().cmp(&b.len()).then(a.cmp(b)));
    accs.dedup();
    let mut out: Vec<Vec<EventId>> = Vec::new();
    for a in accs {
        if !out.iter().any(|m| is_subset(m, &a)) {
            out.push(a);
        }
    }
    out
}

/// `a ⊆ b` for sorted slices.
pub fn is_subset(a: &[EventId], b: &[EventId]) -> bool {
    let mut j = 0;
    for &x in a {
        while j < b.len() && b[j] < x {
            j += 1;
        }
        if j == b.len() || b[j] != x {
            return false;
        }
        j += 1;
    }
    true
}
