//! The successor program of a machine: for each driver leaf and each of its local states, the
//! transitions to try, already in the order the machine reports them, with what the hot loop
//! needs worked out beforehand.
//!
//! A step changes a leaf's bits from its current local state `s` to a target `t`; since `s` is
//! known when the table is built, the step is stored as the word's XOR `(s ^ t) << shift`, so
//! firing is `buf[word] ^= x` and undoing it is the same. A two-party rule (the common case: a
//! driver and one partner) looks its partner up in a dense table indexed by the partner's local
//! state, which says at once whether it is enabled and which XORs it contributes. Rules with
//! more parts, and partners whose dense table would not fit in [`DENSE_BUDGET`], take the
//! general path: a search of the partner's groups and an odometer over the targets.
//!
//! Order (state ids and counterexamples depend on it): drivers by leaf index; per driver, its
//! groups by event; per visible group, its rules in rule order; per rule, every combination of
//! targets, the driver's fastest.

use super::leaf::Leaf;
use super::machine::{INLINE, Rule, Slot};
use crate::cspm::proc::{EventId, TAU, TICK};
use rustc_hash::FxHashMap;

/// Words of dense partner tables (`u32` entries, both arrays together) a machine may build;
/// partners past it take the general path.
pub const DENSE_BUDGET: usize = 1 << 22;

/// The driver alone fires: one successor per driver XOR.
const SOLO: u8 = 0;
/// The driver and one partner with a dense table.
const PAIR: u8 = 1;
/// Anything else: the general path.
const MULTI: u8 = 2;

/// A leaf that drives at least one transition in some state.
#[derive(Clone, Copy, Debug)]
struct Driver {
    word: u32,
    shift: u32,
    mask: u32,
    /// Entry of its local state 0 in `rows`.
    row: u32,
    leaf: u32,
}

/// Marks a row of general ops (else the row is simple ops).
const GENERAL: u32 = 1 << 31;

/// A transition with at most one successor: the driver has one target on it and the partner,
/// if any, at most one. Its partner's entry `ptab1[base + local]` holds the partner's XOR in
/// the low half and 1 in the high half when enabled, 0 when not; a driver alone has
/// `pmask == 0` and `base == 0`, the entry that is always enabled with XOR 0.
#[derive(Clone, Copy, Debug)]
struct Simple {
    label: u32,
    dxor: u32,
    pmask: u32,
    base: u32,
    pword: u16,
    pshift: u8,
}

/// One transition (or family of transitions) to try.
#[derive(Clone, Copy, Debug)]
struct Op {
    label: u32,
    /// `SOLO`, `PAIR`: the driver's XORs `dxor[lo..hi]`; `MULTI`: its targets `targets[lo..hi]`.
    lo: u32,
    hi: u32,
    /// `PAIR`: the partner's table starts at `ptab[base]`, indexed by its local state.
    base: u32,
    pmask: u32,
    pword: u16,
    pshift: u8,
    kind: u8,
}

/// Where a partner's dense tables start: `ptab` always, `ptab1` when it has at most one
/// target in every state.
#[derive(Clone, Copy, Debug)]
struct Dense {
    base: u32,
    base1: Option<u32>,
}

/// See the module documentation.
#[derive(Clone, Debug, Default)]
pub struct Program {
    drivers: Vec<Driver>,
    /// Per driver and local state `(lo, hi)`: simple ops `simple[lo..hi]`, or, with [`GENERAL`]
    /// set in `hi`, ops `ops[lo..hi]`.
    rows: Vec<(u32, u32)>,
    simple: Vec<Simple>,
    ptab1: Vec<u64>,
    ops: Vec<Op>,
    dxor: Vec<u32>,
    /// Dense partner tables: for a partner at local `s`, its XORs are
    /// `pxor[ptab[base + s]..ptab[base + s + 1]]` (empty: not enabled).
    ptab: Vec<u32>,
    pxor: Vec<u32>,
    // The general path: every leaf's slot, the rules, and every group of every leaf state.
    slots: Vec<Slot>,
    rules: Vec<Rule>,
    parts: Vec<(u32, EventId)>,
    /// Row of each leaf's local state 0 in `all_start`.
    leaf_row: Vec<u32>,
    all_start: Vec<u32>,
    all: Vec<(EventId, u32, u32)>,
    targets: Vec<u32>,
}

impl Program {
    /// Builds the program of leaves laid out in `slots`, with `rules` (over `parts`) sorted by
    /// their parts, the driver first. Labels: rule `r` is `r`, leaf `i`'s τ is `R + i` and its
    /// ✓ `R + N + i` (`R` rules, `N` leaves).
    pub fn new(
        leaves: &[Leaf],
        slots: &[Slot],
        rules: &[Rule],
        parts: &[(u32, EventId)],
        dense_budget: usize,
    ) -> Program {
        let mut p = Program {
            slots: slots.to_vec(),
            rules: rules.to_vec(),
            parts: parts.to_vec(),
            ..Program::default()
        };
        // The general path's tables.
        p.all_start.push(0);
        for leaf in leaves {
            p.leaf_row.push(p.all_start.len() as u32 - 1);
            for s in 0..leaf.states() as u32 {
                for g in leaf.groups_of(s) {
                    let lo = p.targets.len() as u32;
                    p.targets.extend_from_slice(leaf.targets_of(g));
                    p.all.push((g.event, lo, p.targets.len() as u32));
                }
                p.all_start.push(p.all.len() as u32);
            }
        }
        let nr = rules.len() as u32;
        let nl = leaves.len() as u32;
        let mut dense: FxHashMap<(u32, EventId), Option<Dense>> = FxHashMap::default();
        let mut budget = dense_budget;
        p.ptab1.push(1 << 32);
        let mut row_ops: Vec<(Op, Option<u32>)> = Vec::new();
        for (i, leaf) in leaves.iter().enumerate() {
            let slot = slots[i];
            let row = p.rows.len() as u32;
            let mut general = p.leaf_row[i] as usize;
            for s in 0..leaf.states() as u32 {
                // Past a bound the program is left partial; `Compiler::machine_of` then
                // discards it and reports the bound.
                if super::step().is_err() {
                    return p;
                }
                row_ops.clear();
                for (gk, g) in leaf.groups_of(s).iter().enumerate() {
                    let glo = p.all[p.all_start[general] as usize + gk].1;
                    let dlo = p.dxor.len() as u32;
                    p.dxor
                        .extend(leaf.targets_of(g).iter().map(|&t| (s ^ t) << slot.shift));
                    let dhi = p.dxor.len() as u32;
                    let solo = |label| Op {
                        label,
                        lo: dlo,
                        hi: dhi,
                        base: 0,
                        pmask: 0,
                        pword: 0,
                        pshift: 0,
                        kind: SOLO,
                    };
                    if g.event == TAU {
                        row_ops.push((solo(nr + i as u32), Some(0)));
                        continue;
                    }
                    if g.event == TICK {
                        row_ops.push((solo(nr + nl + i as u32), Some(0)));
                        continue;
                    }
                    let key = (i as u32, g.event);
                    let first = |r: &Rule| parts[r.lo as usize];
                    let rlo = rules.partition_point(|r| first(r) < key);
                    let rhi = rules.partition_point(|r| first(r) <= key);
                    for (r, rule) in rules.iter().enumerate().take(rhi).skip(rlo) {
                        let r = r as u32;
                        let rp = &parts[rule.lo as usize..rule.hi as usize];
                        let table = match rp {
                            [_, (j, e)] => *dense.entry((*j, *e)).or_insert_with(|| {
                                p.dense_table(
                                    &leaves[*j as usize],
                                    slots[*j as usize],
                                    *e,
                                    &mut budget,
                                )
                            }),
                            _ => None,
                        };
                        let op = match (rp, table) {
                            ([_], _) => (solo(r), Some(0)),
                            ([_, (j, _)], Some(t)) => {
                                let sj = slots[*j as usize];
                                let op = Op {
                                    base: t.base,
                                    pmask: sj.mask,
                                    pword: sj.word as u16,
                                    pshift: sj.shift as u8,
                                    kind: PAIR,
                                    ..solo(r)
                                };
                                (op, t.base1)
                            }
                            _ => (
                                Op {
                                    lo: glo,
                                    hi: glo + (dhi - dlo),
                                    kind: MULTI,
                                    ..solo(r)
                                },
                                None,
                            ),
                        };
                        row_ops.push(op);
                    }
                }
                p.push_row(&row_ops);
                general += 1;
            }
            let (lo, hi) = (row as usize, p.rows.len());
            if p.rows[lo..hi].iter().any(|&(a, b)| a != b & !GENERAL) {
                p.drivers.push(Driver {
                    word: slot.word,
                    shift: slot.shift,
                    mask: slot.mask,
                    row,
                    leaf: i as u32,
                });
            }
        }
        p
    }

    /// Appends a row: simple ops when each op of it has at most one successor (`op.1` is then
    /// its `ptab1` base), general ops otherwise.
    fn push_row(&mut self, row_ops: &[(Op, Option<u32>)]) {
        let simple = row_ops
            .iter()
            .all(|(op, b1)| b1.is_some() && op.kind != MULTI && op.hi - op.lo == 1);
        if simple {
            let lo = self.simple.len() as u32;
            for &(op, b1) in row_ops {
                self.simple.push(Simple {
                    label: op.label,
                    dxor: self.dxor[op.lo as usize],
                    pmask: op.pmask,
                    base: b1.unwrap_or(0),
                    pword: op.pword,
                    pshift: op.pshift,
                });
            }
            self.rows.push((lo, self.simple.len() as u32));
        } else {
            let lo = self.ops.len() as u32;
            self.ops.extend(row_ops.iter().map(|&(op, _)| op));
            self.rows.push((lo, self.ops.len() as u32 | GENERAL));
        }
    }

    /// The dense tables of leaf `leaf` (at `slot`) on event `e`, or `None` when they do not fit
    /// in what is left of the budget (or the partner's word does not fit an op).
    fn dense_table(
        &mut self,
        leaf: &Leaf,
        slot: Slot,
        e: EventId,
        budget: &mut usize,
    ) -> Option<Dense> {
        let n = leaf.states();
        // Out of budget: say so before scanning the leaf (one scan per event of a wide
        // alphabet would otherwise cost events × states after the budget is spent).
        if n + 1 > *budget {
            return None;
        }
        let xors: usize = (0..n as u32)
            .filter_map(|s| group(leaf, s, e))
            .map(|g| (g.hi - g.lo) as usize)
            .sum();
        let det = (0..n as u32)
            .filter_map(|s| group(leaf, s, e))
            .all(|g| g.hi - g.lo <= 1);
        let cost = n + 1 + xors + if det { 2 * n } else { 0 };
        if cost > *budget || slot.word > u16::MAX as u32 || slot.shift > u8::MAX as u32 {
            return None;
        }
        *budget -= cost;
        let base = self.ptab.len() as u32;
        for s in 0..n as u32 {
            self.ptab.push(self.pxor.len() as u32);
            if let Some(g) = group(leaf, s, e) {
                self.pxor
                    .extend(leaf.targets_of(g).iter().map(|&t| (s ^ t) << slot.shift));
            }
        }
        self.ptab.push(self.pxor.len() as u32);
        let mut base1 = None;
        if det {
            base1 = Some(self.ptab1.len() as u32);
            for s in 0..n as u32 {
                self.ptab1.push(match group(leaf, s, e) {
                    Some(g) => {
                        let t = leaf.targets_of(g)[0];
                        (1 << 32) | ((s ^ t) << slot.shift) as u64
                    }
                    None => 0,
                });
            }
        }
        Some(Dense { base, base1 })
    }

    /// Calls `f(label, successor)` for every transition of `state` the program knows (all but
    /// the system's ✓), in order. `buf` holds a copy of `state` and is restored on return.
    /// Always inlined, so that a caller passing arrays gets the state length as a constant.
    #[inline(always)]
    pub fn run(&self, state: &[u32], buf: &mut [u32], f: &mut impl FnMut(u32, &[u32])) {
        for d in &self.drivers {
            let s = (state[d.word as usize] >> d.shift) & d.mask;
            let (lo, hi) = self.rows[(d.row + s) as usize];
            let dw = d.word as usize;
            if hi & GENERAL == 0 {
                for op in &self.simple[lo as usize..hi as usize] {
                    let pw = op.pword as usize;
                    let sj = (state[pw] >> op.pshift) & op.pmask;
                    let e = self.ptab1[(op.base + sj) as usize];
                    if e >> 32 != 0 {
                        let px = e as u32;
                        buf[dw] ^= op.dxor;
                        buf[pw] ^= px;
                        f(op.label, buf);
                        buf[dw] ^= op.dxor;
                        buf[pw] ^= px;
                    }
                }
                continue;
            }
            self.general_row(d, lo, hi & !GENERAL, state, buf, f);
        }
    }

    /// A row of general ops: several successors per op, or the general path.
    #[inline(never)]
    fn general_row(
        &self,
        d: &Driver,
        lo: u32,
        hi: u32,
        state: &[u32],
        buf: &mut [u32],
        f: &mut impl FnMut(u32, &[u32]),
    ) {
        let dw = d.word as usize;
        for op in &self.ops[lo as usize..hi as usize] {
            match op.kind {
                SOLO => {
                    for &x in &self.dxor[op.lo as usize..op.hi as usize] {
                        buf[dw] ^= x;
                        f(op.label, buf);
                        buf[dw] ^= x;
                    }
                }
                PAIR => {
                    let pw = op.pword as usize;
                    let sj = (state[pw] >> op.pshift) & op.pmask;
                    let k = (op.base + sj) as usize;
                    let (plo, phi) = (self.ptab[k] as usize, self.ptab[k + 1] as usize);
                    let dx = &self.dxor[op.lo as usize..op.hi as usize];
                    for &px in &self.pxor[plo..phi] {
                        buf[pw] ^= px;
                        for &x in dx {
                            buf[dw] ^= x;
                            f(op.label, buf);
                            buf[dw] ^= x;
                        }
                        buf[pw] ^= px;
                    }
                }
                _ => self.fire(op, d.leaf as usize, state, buf, f),
            }
        }
    }

    #[inline]
    fn local(&self, state: &[u32], leaf: usize) -> u32 {
        let s = &self.slots[leaf];
        (state[s.word as usize] >> s.shift) & s.mask
    }

    #[inline]
    fn set(&self, state: &mut [u32], leaf: usize, v: u32) {
        let s = &self.slots[leaf];
        let w = &mut state[s.word as usize];
        *w = (*w & !(s.mask << s.shift)) | (v << s.shift);
    }

    /// The targets of leaf `j` in local state `s` on event `e`, as a range of `targets`.
    #[inline]
    fn lookup(&self, j: usize, s: u32, e: EventId) -> Option<(u32, u32)> {
        let row = (self.leaf_row[j] + s) as usize;
        let lo = self.all_start[row] as usize;
        let hi = self.all_start[row + 1] as usize;
        let gs = &self.all[lo..hi];
        // A row mirrors the leaf's groups: sorted by event, one group per event. A state with
        // 100,000 events (a wide choice) must not cost a scan per partner look-up.
        let g = if gs.len() <= 8 {
            gs.iter().find(|g| g.0 == e)
        } else {
            gs.binary_search_by_key(&e, |g| g.0).ok().map(|i| &gs[i])
        };
        g.map(|&(_, a, b)| (a, b))
    }

    /// The general path: fires rule `op.label`, driven by leaf `i` (targets
    /// `targets[op.lo..op.hi]`), if every other part is enabled.
    #[cold]
    #[inline(never)]
    fn fire(
        &self,
        op: &Op,
        i: usize,
        state: &[u32],
        buf: &mut [u32],
        f: &mut impl FnMut(u32, &[u32]),
    ) {
        let rl = self.rules[op.label as usize];
        let parts = &self.parts[rl.lo as usize..rl.hi as usize];
        debug_assert_eq!(parts.first().map(|p| p.0 as usize), Some(i));
        let mut inline: [(u32, u32); INLINE] = [(0, 0); INLINE];
        let mut heap: Vec<(u32, u32)> = Vec::new();
        let ranges: &mut [(u32, u32)] = if parts.len() <= INLINE {
            &mut inline[..parts.len()]
        } else {
            heap.resize(parts.len(), (0, 0));
            &mut heap[..]
        };
        ranges[0] = (op.lo, op.hi);
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
            f(op.label, buf);
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
}

/// The group of `leaf` at `s` on `e` (the one there is: a state's groups are sorted by event,
/// one per event, so this is a binary search; a linear one made the partner tables of a
/// 100,000-event choice cost 100,000² steps, issue 14).
fn group(leaf: &Leaf, s: u32, e: EventId) -> Option<&super::leaf::Group> {
    leaf.group(s, e)
}
