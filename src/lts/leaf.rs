//! Explicit LTSs of sequential leaf processes: interned states, outgoing transitions grouped
//! by event, compiled once so that exploring the system is table look-ups.

use super::sem::Semantics;
use super::term::{OMEGA, TermId};
use crate::cspm::proc::EventId;
use crate::cspm::source::{Diagnostic, Span};
use rustc_hash::FxHashMap;

/// The local state every leaf reserves for `Ω` (after its ✓).
pub const LEAF_OMEGA: u32 = 0;

/// All transitions of one leaf state on one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Group {
    pub event: EventId,
    /// Targets: `Leaf::targets[lo..hi]`.
    pub lo: u32,
    pub hi: u32,
}

/// A compiled leaf process.
#[derive(Clone, Debug)]
pub struct Leaf {
    /// Display name, e.g. `PHIL(3)`, or a short rendering of an anonymous process.
    pub name: String,
    /// Where the leaf's process is defined, when known.
    pub span: Option<Span>,
    pub initial: u32,
    /// Per state, the term it stands for (for display).
    pub terms: Vec<TermId>,
    /// Per state `s`, its groups are `groups[group_start[s]..group_start[s + 1]]`, by event.
    pub group_start: Vec<u32>,
    pub groups: Vec<Group>,
    pub targets: Vec<u32>,
    /// Visible events (neither τ nor ✓) the leaf can ever perform, sorted.
    pub alphabet: Vec<EventId>,
}

impl Leaf {
    pub fn states(&self) -> usize {
        self.terms.len()
    }

    #[inline]
    pub fn groups_of(&self, s: u32) -> &[Group] {
        let s = s as usize;
        match (self.group_start.get(s), self.group_start.get(s + 1)) {
            (Some(&lo), Some(&hi)) => &self.groups[lo as usize..hi as usize],
            _ => &[],
        }
    }

    #[inline]
    pub fn group(&self, s: u32, e: EventId) -> Option<&Group> {
        let gs = self.groups_of(s);
        if gs.len() <= 8 {
            gs.iter().find(|g| g.event == e)
        } else {
            gs.binary_search_by_key(&e, |g| g.event)
                .ok()
                .map(|i| &gs[i])
        }
    }

    #[inline]
    pub fn targets_of(&self, g: &Group) -> &[u32] {
        &self.targets[g.lo as usize..g.hi as usize]
    }

    /// Appends one state without transitions (used for the system's "terminated" marker).
    pub fn push_empty_state(&mut self) -> u32 {
        let s = self.terms.len() as u32;
        self.terms.push(OMEGA);
        let end = *self.group_start.last().unwrap_or(&0);
        self.group_start.push(end);
        s
    }
}

/// Explores the terms reachable from `root` breadth first and tabulates them as a leaf.
/// Fails with a diagnostic naming the leaf when it passes `max_states` states.
pub fn compile_leaf(
    sem: &mut Semantics<'_>,
    root: TermId,
    name: String,
    span: Option<Span>,
    max_states: usize,
) -> Result<Leaf, Diagnostic> {
    let mut index: FxHashMap<TermId, u32> = FxHashMap::default();
    let mut terms = vec![OMEGA];
    index.insert(OMEGA, LEAF_OMEGA);
    let initial = *index.entry(root).or_insert_with(|| {
        terms.push(root);
        1
    });
    let mut group_start = vec![0u32];
    let mut groups = Vec::new();
    let mut targets = Vec::new();
    let mut alphabet = Vec::new();
    let mut next = 0usize;
    while next < terms.len() {
        super::step()?;
        let t = terms[next];
        next += 1;
        let moves = sem.transitions(t)?.to_vec();
        let mut i = 0;
        while i < moves.len() {
            let e = moves[i].0;
            let lo = targets.len() as u32;
            while i < moves.len() && moves[i].0 == e {
                let q = moves[i].1;
                let id = match index.get(&q) {
                    Some(&id) => id,
                    None => {
                        if terms.len() >= max_states {
                            return Err(too_big(&name, span, max_states));
                        }
                        let id = terms.len() as u32;
                        terms.push(q);
                        index.insert(q, id);
                        id
                    }
                };
                targets.push(id);
                i += 1;
            }
            groups.push(Group {
                event: e,
                lo,
                hi: targets.len() as u32,
            });
            if e > crate::cspm::proc::TICK {
                alphabet.push(e);
            }
        }
        group_start.push(groups.len() as u32);
    }
    alphabet.sort_unstable();
    alphabet.dedup();
    Ok(Leaf {
        name,
        span,
        initial,
        terms,
        group_start,
        groups,
        targets,
        alphabet,
    })
}

fn too_big(name: &str, span: Option<Span>, max: usize) -> Diagnostic {
    Diagnostic::error(
        span.unwrap_or_default(),
        format!(
            "process `{name}` does not have a finite state space within {max} states \
             (does a parameter grow without bound, or does it recurse through a parallel operator?)"
        ),
    )
    .with_label("this process")
    .with_help("bound its parameters, or raise the limit with --max-leaf-states")
}
