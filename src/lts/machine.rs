//! A compiled system: leaf LTSs, synchronisation rules, and a packed state layout.
//!
//! A system state is a fixed number of `u32` words holding every leaf's local state in as few
//! bits as it needs. Successors come from table look-ups: each leaf state lists its outgoing
//! events as groups, each group knows the rules it drives, and a rule is enabled when every
//! other participant has a group for its event. Nothing here allocates per state unless a
//! rule has more than [`INLINE`] participants or the state more than [`INLINE`] words.

use super::leaf::{LEAF_OMEGA, Leaf};
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

/// Per leaf, what the hot loop needs: where its local state sits, and where its states'
/// rows start in the flattened tables.
#[derive(Clone, Copy, Debug)]
pub struct LeafRt {
    pub word: u32,
    pub shift: u32,
    pub mask: u32,
    /// Row of local state 0 in `act_start` / `all_start`.
    pub base: u32,
}

/// A group the successor loop must visit: τ, ✓, or a visible event that drives rules.
#[derive(Clone, Copy, Debug)]
pub struct Active {
    pub event: EventId,
    /// Targets `targets[lo..hi]` (local states).
    pub lo: u32,
    pub hi: u32,
    /// Rules driven: `rules[dlo..dhi]`.
    pub dlo: u32,
    pub dhi: u32,
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
    rt: Vec<LeafRt>,
    /// Leaves with at least one active group in some state: the only ones the successor loop
    /// visits (a leaf that only ever follows others, like a fork, never drives a transition).
    drivers: Vec<u32>,
    /// Flattened over all leaves' states (row = `rt[i].base + local`): active groups...
    act_start: Vec<u32>,
    act: Vec<Active>,
    /// ...and every group, `(event, lo, hi)`, for looking up a rule's other parts.
    all_start: Vec<u32>,
    all: Vec<(EventId, u32, u32)>,
    targets: Vec<u32>,
}

impl Machine {
    /// Lays out leaves and rules (from `network::rules`) into a machine.
    pub fn assemble(
        mut leaves: Vec<Leaf>,
        drafts: Vec<super::network::Draft>,
        has_par: bool,
    ) -> Machine {
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
        // Flatten the leaves' tables.
        let mut rt = Vec::with_capacity(leaves.len());
        let (mut act_start, mut act, mut all_start, mut all, mut targets) =
            (vec![0u32], Vec::new(), vec![0u32], Vec::new(), Vec::new());
        for (i, leaf) in leaves.iter().enumerate() {
            let base = act_start.len() as u32 - 1;
            rt.push(LeafRt {
                word: slots[i].word,
                shift: slots[i].shift,
                mask: slots[i].mask,
                base,
            });
            for s in 0..leaf.states() as u32 {
                for g in leaf.groups_of(s) {
                    let lo = targets.len() as u32;
                    targets.extend_from_slice(leaf.targets_of(g));
                    let hi = targets.len() as u32;
                    all.push((g.event, lo, hi));
                    let key = (i as u32, g.event);
                    let dlo = drafts.partition_point(|d| d.parts[0] < key) as u32;
                    let dhi = drafts.partition_point(|d| d.parts[0] <= key) as u32;
                    if g.event == TAU || g.event == TICK || dlo < dhi {
                        act.push(Active {
                            event: g.event,
                            lo,
                            hi,
                            dlo,
                            dhi,
                        });
                    }
                }
                act_start.push(act.len() as u32);
                all_start.push(all.len() as u32);
            }
        }
        let drivers = (0..leaves.len() as u32)
            .filter(|&i| {
                let base = rt[i as usize].base as usize;
                let n = leaves[i as usize].states();
                act_start[base] != act_start[base + n]
            })
            .collect();
        let mut m = Machine {
            leaves,
            rules,
            parts,
            slots,
            words,
            has_par,
            initial: vec![0; words],
            done: None,
            rt,
            drivers,
            act_start,
            act,
            all_start,
            all,
            targets,
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

    #[inline]
    pub fn local(&self, state: &[u32], leaf: usize) -> u32 {
        let s = &self.rt[leaf];
        (state[s.word as usize] >> s.shift) & s.mask
    }

    #[inline]
    pub fn set(&self, state: &mut [u32], leaf: usize, v: u32) {
        let s = &self.rt[leaf];
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

    /// The targets of leaf `j` in local state `s` on event `e`, as a range of `targets`.
    #[inline]
    fn lookup(&self, j: usize, s: u32, e: EventId) -> Option<(u32, u32)> {
        let row = (self.rt[j].base + s) as usize;
        let lo = self.all_start[row] as usize;
        let hi = self.all_start[row + 1] as usize;
        self.all[lo..hi]
            .iter()
            .find(|g| g.0 == e)
            .map(|&(_, a, b)| (a, b))
    }

    /// Calls `f(label, successor)` for every transition of `state`, in a fixed order.
    #[inline]
    pub fn successors(&self, state: &[u32], mut f: impl FnMut(u32, &[u32])) {
        let mut inline = [0u32; INLINE];
        let mut heap = Vec::new();
        let buf: &mut [u32] = if self.words <= INLINE {
            &mut inline[..self.words]
        } else {
            heap.resize(self.words, 0);
            &mut heap[..]
        };
        buf.copy_from_slice(state);
        let r = self.rules.len() as u32;
        let n = self.rt.len() as u32;
        for &i in &self.drivers {
            let i = i as usize;
            let lr = &self.rt[i];
            let s = (state[lr.word as usize] >> lr.shift) & lr.mask;
            let row = (lr.base + s) as usize;
            let (gs, ge) = (
                self.act_start[row] as usize,
                self.act_start[row + 1] as usize,
            );
            for g in &self.act[gs..ge] {
                if g.event <= TICK {
                    let label = if g.event == TAU {
                        r + i as u32
                    } else {
                        r + n + i as u32
                    };
                    for &t in &self.targets[g.lo as usize..g.hi as usize] {
                        self.set(buf, i, t);
                        f(label, buf);
                    }
                    self.set(buf, i, s);
                } else {
                    for rule in g.dlo..g.dhi {
                        self.fire(rule, i, s, g, state, buf, &mut f);
                    }
                }
            }
        }
        // Every leaf at Ω (local state 0) is the all-zero state.
        if let Some(d) = &self.done {
            if state.iter().all(|&w| w == 0) && state != d.as_slice() {
                f(r + 2 * n, d);
            }
        }
    }

    /// Fires one rule whose driver (leaf `i` at local `s`, group `g`) is enabled, if every
    /// other part is.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn fire(
        &self,
        rule: u32,
        i: usize,
        s: u32,
        g: &Active,
        state: &[u32],
        buf: &mut [u32],
        f: &mut impl FnMut(u32, &[u32]),
    ) {
        let rl = self.rules[rule as usize];
        let parts = &self.parts[rl.lo as usize..rl.hi as usize];
        if parts.len() == 1 {
            for &t in &self.targets[g.lo as usize..g.hi as usize] {
                self.set(buf, i, t);
                f(rule, buf);
            }
            self.set(buf, i, s);
            return;
        }
        if parts.len() == 2 && g.hi - g.lo == 1 {
            // The common case: a driver and one partner.
            let (j, e) = parts[1];
            let j = j as usize;
            let sj = self.local(state, j);
            let Some((lo, hi)) = self.lookup(j, sj, e) else {
                return;
            };
            self.set(buf, i, self.targets[g.lo as usize]);
            for &t in &self.targets[lo as usize..hi as usize] {
                self.set(buf, j, t);
                f(rule, buf);
            }
            self.set(buf, j, sj);
            self.set(buf, i, s);
            return;
        }
        let mut inline: [(u32, u32); INLINE] = [(0, 0); INLINE];
        let mut heap: Vec<(u32, u32)> = Vec::new();
        let ranges: &mut [(u32, u32)] = if parts.len() <= INLINE {
            &mut inline[..parts.len()]
        } else {
            heap.resize(parts.len(), (0, 0));
            &mut heap[..]
        };
        ranges[0] = (g.lo, g.hi);
        for (k, &(j, e)) in parts.iter().enumerate().skip(1) {
            match self.lookup(j as usize, self.local(state, j as usize), e) {
                Some(r) => ranges[k] = r,
                None => return,
            }
        }
        // Every combination of targets, odometer style (first part fastest).
        let mut idx_inline = [0u32; INLINE];
        let mut idx_heap: Vec<u32> = Vec::new();
        let idx: &mut [u32] = if parts.len() <= INLINE {
            &mut idx_inline[..parts.len()]
        } else {
            idx_heap.resize(parts.len(), 0);
            &mut idx_heap[..]
        };
        for (k, r) in ranges.iter().enumerate() {
            idx[k] = r.0;
        }
        loop {
            for (k, &(j, _)) in parts.iter().enumerate() {
                self.set(buf, j as usize, self.targets[idx[k] as usize]);
            }
            f(rule, buf);
            let mut k = 0;
            while k < parts.len() {
                idx[k] += 1;
                if idx[k] < ranges[k].1 {
                    break;
                }
                idx[k] = ranges[k].0;
                k += 1;
            }
            if k == parts.len() {
                break;
            }
        }
        for &(j, _) in parts {
            let sj = self.local(state, j as usize);
            self.set(buf, j as usize, sj);
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
