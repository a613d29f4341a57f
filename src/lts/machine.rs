//! A compiled system: leaf LTSs, synchronisation rules, and a packed state layout.
//!
//! A system state is a fixed number of `u32` words holding every leaf's local state in as few
//! bits as it needs. Successors come from table look-ups: each leaf state lists its outgoing
//! events as groups, each group knows the rules it drives, and a rule is enabled when every
//! other participant has a group for its event. Nothing here allocates per state unless a
//! rule has more than [`INLINE`] participants or the state more than [`INLINE`] words.

use super::leaf::{LEAF_OMEGA, Leaf};
use super::program::{DENSE_BUDGET, Program};
use crate::cspm::proc::{EventId, TAU, TICK};

/// Participants and words handled on the stack.
pub const INLINE: usize = 64;

/// Where a leaf's local state sits in the packed state.
#[derive(Clone, Copy, Debug)]
pub struct Slot {
    pub word: u32,
    pub shift: u32,
    pub mask: u32,
}

/// A synchronisation rule: the parts `parts[lo..hi]` fire together as `event`.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub event: EventId,
    pub lo: u32,
    pub hi: u32,
}

/// What a transition label means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    /// A synchronisation rule (an event of one or several leaves, maybe hidden).
    Rule(u32),
    /// An internal step of one leaf.
    LeafTau(u32),
    /// A leaf terminated: τ inside a parallel, ✓ for a lone leaf.
    LeafTick(u32),
    /// Every leaf has terminated: the system's ✓.
    SystemTick,
}

/// A compiled system, ready to explore. Plain data: `Sync`, shareable between threads.
#[derive(Clone, Debug)]
pub struct Machine {
    pub leaves: Vec<Leaf>,
    pub rules: Vec<Rule>,
    /// Rule parts: `(leaf, leaf event)`; the first part of each rule is its driver.
    pub parts: Vec<(u32, EventId)>,
    pub slots: Vec<Slot>,
    pub words: usize,
    /// A parallel operator sits above the leaves (distributed termination).
    pub has_par: bool,
    pub initial: Vec<u32>,
    /// The terminated system state after the system's ✓, when `has_par`.
    pub done: Option<Vec<u32>>,
    /// The successor program (see [`super::program`]).
    prog: Program,
}

impl Machine {
    /// Lays out leaves and rules (from `network::rules`) into a machine.
    pub fn assemble(
        leaves: Vec<Leaf>,
        drafts: Vec<super::network::Draft>,
        has_par: bool,
    ) -> Machine {
        let mut leaves = leaves;
        let mut done_local = None;
        if has_par && !leaves.is_empty() {
            done_local = Some(leaves[0].push_empty_state());
        }
        // Rules sorted by driver (first part) so that each (leaf, event) owns a range.
        let mut drafts = drafts;
        drafts.retain(|d| !d.parts.is_empty());
        drafts.sort_by(|a, b| {
            a.parts[0]
                .cmp(&b.parts[0])
                .then(a.parts.cmp(&b.parts))
                .then(a.event.cmp(&b.event))
        });
        drafts.dedup();
        let mut rules = Vec::with_capacity(drafts.len());
        let mut parts = Vec::new();
        for d in &drafts {
            let lo = parts.len() as u32;
            parts.extend_from_slice(&d.parts);
            rules.push(Rule {
                event: d.event,
                lo,
                hi: parts.len() as u32,
            });
        }
        // Pack: each leaf takes the bits its state count needs, never straddling a word.
        let mut slots = Vec::with_capacity(leaves.len());
        let (mut word, mut used) = (0u32, 0u32);
        for leaf in &leaves {
            let n = leaf.states().max(2) as u64;
            let bits = (64 - (n - 1).leading_zeros()).max(1);
            if used + bits > 32 {
                word += 1;
                used = 0;
            }
            let mask = if bits >= 32 {
                u32::MAX
            } else {
                (1u32 << bits) - 1
            };
            slots.push(Slot {
                word,
                shift: used,
                mask,
            });
            used += bits;
        }
        let words = if leaves.is_empty() {
            1
        } else {
            word as usize + 1
        };
        let prog = Program::new(&leaves, &slots, &rules, &parts, DENSE_BUDGET);
        let mut m = Machine {
            leaves,
            rules,
            parts,
            slots,
            words,
            has_par,
            initial: vec![0; words],
            done: None,
            prog,
        };
        let mut init = vec![0u32; words];
        for i in 0..m.leaves.len() {
            let s = m.leaves[i].initial;
            m.set(&mut init, i, s);
        }
        m.initial = init;
        if let Some(d) = done_local {
            let mut done = vec![0u32; words];
            m.set(&mut done, 0, d);
            m.done = Some(done);
        }
        m
    }

    /// Rebuilds the successor program with `words` words of dense partner tables at most (0:
    /// every synchronisation takes the general path). Successors do not change, only speed.
    pub fn set_dense_budget(&mut self, words: usize) {
        self.prog = Program::new(&self.leaves, &self.slots, &self.rules, &self.parts, words);
    }

    #[inline]
    pub fn local(&self, state: &[u32], leaf: usize) -> u32 {
        let s = &self.slots[leaf];
        (state[s.word as usize] >> s.shift) & s.mask
    }

    #[inline]
    pub fn set(&self, state: &mut [u32], leaf: usize, v: u32) {
        let s = &self.slots[leaf];
        let w = &mut state[s.word as usize];
        *w = (*w & !(s.mask << s.shift)) | (v << s.shift);
    }

    /// Number of distinct labels: rules, then leaf τ, leaf ✓, system ✓.
    pub fn label_count(&self) -> u32 {
        (self.rules.len() + 2 * self.leaves.len() + 1) as u32
    }

    pub fn label_kind(&self, l: u32) -> LabelKind {
        let r = self.rules.len() as u32;
        let n = self.leaves.len() as u32;
        if l < r {
            LabelKind::Rule(l)
        } else if l < r + n {
            LabelKind::LeafTau(l - r)
        } else if l < r + 2 * n {
            LabelKind::LeafTick(l - r - n)
        } else {
            LabelKind::SystemTick
        }
    }

    /// The system-level event of a label: τ, ✓ or a visible event.
    #[inline]
    pub fn label_event(&self, l: u32) -> EventId {
        let r = self.rules.len() as u32;
        let n = self.leaves.len() as u32;
        if l < r {
            self.rules[l as usize].event
        } else if l < r + n {
            TAU
        } else if l < r + 2 * n {
            if self.has_par { TAU } else { TICK }
        } else {
            TICK
        }
    }

    /// The leaves that take part in a label's transition, with the event each performs.
    pub fn label_parts(&self, l: u32) -> Vec<(u32, EventId)> {
        match self.label_kind(l) {
            LabelKind::Rule(r) => {
                let r = self.rules[r as usize];
                self.parts[r.lo as usize..r.hi as usize].to_vec()
            }
            LabelKind::LeafTau(i) => vec![(i, TAU)],
            LabelKind::LeafTick(i) => vec![(i, TICK)],
            LabelKind::SystemTick => (0..self.leaves.len() as u32).map(|i| (i, TICK)).collect(),
        }
    }

    /// Whether `state` has terminated successfully (it has no transitions and is no deadlock).
    pub fn is_terminated(&self, state: &[u32]) -> bool {
        match &self.done {
            Some(d) => state == d.as_slice(),
            None => !self.leaves.is_empty() && self.local(state, 0) == LEAF_OMEGA,
        }
    }

    /// Calls `f(label, successor)` for every transition of `state`, in a fixed order.
    #[inline]
    pub fn successors(&self, state: &[u32], mut f: impl FnMut(u32, &[u32])) {
        // Small states as arrays, so that the loop and `f` see their length as a constant.
        match self.words {
            1 => self.successors_of::<1>(state, &mut f),
            2 => self.successors_of::<2>(state, &mut f),
            3 => self.successors_of::<3>(state, &mut f),
            4 => self.successors_of::<4>(state, &mut f),
            _ => {
                let mut inline = [0u32; INLINE];
                let mut heap = Vec::new();
                let buf: &mut [u32] = if self.words <= INLINE {
                    &mut inline[..self.words]
                } else {
                    heap.resize(self.words, 0);
                    &mut heap[..]
                };
                buf.copy_from_slice(state);
                self.prog.run(state, buf, &mut f);
                self.system_tick(state, &mut f);
            }
        }
    }

    #[inline(always)]
    fn successors_of<const W: usize>(&self, state: &[u32], f: &mut impl FnMut(u32, &[u32])) {
        debug_assert_eq!(state.len(), W);
        let Ok(st) = <[u32; W]>::try_from(state) else {
            return;
        };
        let mut buf = st;
        self.prog.run(&st, &mut buf, f);
        self.system_tick(state, f);
    }

    /// Every leaf at Ω (local state 0) is the all-zero state: the system's ✓ to `done`.
    #[inline(always)]
    fn system_tick(&self, state: &[u32], f: &mut impl FnMut(u32, &[u32])) {
        if let Some(d) = &self.done
            && state.iter().all(|&w| w == 0)
            && state != d.as_slice()
        {
            f(self.label_count() - 1, d);
        }
    }

    /// Visible events offered in `state` (✓ included, τ excluded), sorted, plus whether the
    /// state is stable (has no τ).
    pub fn initials(&self, state: &[u32]) -> (Vec<EventId>, bool) {
        let mut evs = Vec::new();
        let mut stable = true;
        self.successors(state, |l, _| {
            let e = self.label_event(l);
            if e == TAU {
                stable = false;
            } else {
                evs.push(e);
            }
        });
        evs.sort_unstable();
        evs.dedup();
        (evs, stable)
    }
}
