//! The successor program against a plain reading of the machine's rules, on dining
//! philosophers and on generated networks (choice, nondeterminism, multiway synchronisation,
//! hiding, renaming, linking, termination), with and without dense partner tables.

use super::{CompileOptions, Compiler, Machine, Phils, ProcBuilder, dining_philosophers};
use crate::cspm::proc::{EventId, ProcId, TAU, TICK};
use proptest::prelude::*;
use std::collections::{HashSet, VecDeque};

type Succ = Vec<(u32, Vec<u32>)>;

/// The successors of `state` read off the leaves and rules directly: drivers by leaf index,
/// their groups by event, τ and ✓ alone, each visible group's rules in rule order, every
/// combination of the parts' targets (the driver's fastest), then the system's ✓.
fn reference(m: &Machine, state: &[u32]) -> Succ {
    let nr = m.rules.len() as u32;
    let nl = m.leaves.len() as u32;
    let mut out = Vec::new();
    for i in 0..m.leaves.len() {
        let s = m.local(state, i);
        for g in m.leaves[i].groups_of(s) {
            let targets = m.leaves[i].targets_of(g);
            if g.event == TAU || g.event == TICK {
                let label = if g.event == TAU { nr } else { nr + nl } + i as u32;
                for &t in targets {
                    let mut b = state.to_vec();
                    m.set(&mut b, i, t);
                    out.push((label, b));
                }
                continue;
            }
            for (r, rule) in m.rules.iter().enumerate() {
                let parts = &m.parts[rule.lo as usize..rule.hi as usize];
                if parts[0] != (i as u32, g.event) {
                    continue;
                }
                let lists: Option<Vec<(usize, &[u32])>> = parts
                    .iter()
                    .map(|&(j, e)| {
                        let l = &m.leaves[j as usize];
                        l.groups_of(m.local(state, j as usize))
                            .iter()
                            .find(|h| h.event == e)
                            .map(|h| (j as usize, l.targets_of(h)))
                    })
                    .collect();
                let Some(lists) = lists else { continue };
                let mut idx = vec![0usize; lists.len()];
                'combos: loop {
                    let mut b = state.to_vec();
                    for (k, &(j, ts)) in lists.iter().enumerate() {
                        m.set(&mut b, j, ts[idx[k]]);
                    }
                    out.push((r as u32, b));
                    for k in 0..lists.len() {
                        idx[k] += 1;
                        if idx[k] < lists[k].1.len() {
                            continue 'combos;
                        }
                        idx[k] = 0;
                    }
                    break;
                }
            }
        }
    }
    if let Some(d) = &m.done
        // The plain rule, not the machine's shortcut (every word zero): every leaf at Ω.
        && (0..m.leaves.len()).all(|i| m.local(state, i) == super::leaf::LEAF_OMEGA)
        && state != d.as_slice()
    {
        out.push((m.label_count() - 1, d.clone()));
    }
    out
}

fn fast(m: &Machine, state: &[u32]) -> Succ {
    let mut out = Vec::new();
    m.successors(state, |l, s| out.push((l, s.to_vec())));
    out
}

/// Explores up to `max` states of `m`, comparing the program with the reference at each, with
/// the default budget and with no dense tables at all. Returns the states visited.
fn agree(m: &Machine, max: usize) -> usize {
    let mut general = m.clone();
    general.set_dense_budget(0);
    let mut seen: HashSet<Vec<u32>> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(m.initial.clone());
    queue.push_back(m.initial.clone());
    while let Some(st) = queue.pop_front() {
        let want = reference(m, &st);
        assert_eq!(fast(m, &st), want, "state {st:?}");
        assert_eq!(fast(&general, &st), want, "state {st:?}, general path");
        for (_, s) in want {
            if seen.len() < max && seen.insert(s.clone()) {
                queue.push_back(s);
            }
        }
    }
    seen.len()
}

fn compile(b: &mut ProcBuilder, p: ProcId) -> Machine {
    let mut c = Compiler::new(b, CompileOptions::default());
    c.machine(p).expect("compiles")
}

#[test]
fn philosophers_agree() {
    for v in [Phils::Naive, Phils::Butler, Phils::LeftHanded] {
        for n in [2, 3, 4] {
            let mut b = ProcBuilder::new();
            let p = dining_philosophers(&mut b, n, v);
            let m = compile(&mut b, p);
            assert!(agree(&m, 100_000) > 1);
        }
    }
}

/// A small deterministic generator (xorshift), so that proptest only has to pick seeds.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const EVENTS: usize = 3;

/// A sequential leaf: `k` mutually recursive states, each a choice of prefixes (some on the
/// same event: nondeterminism), internal choices, STOP or SKIP.
fn leaf(b: &mut ProcBuilder, g: &mut Gen, ev: &[EventId], tag: usize) -> ProcId {
    let k = 1 + g.below(4);
    let calls: Vec<_> = (0..k).map(|j| b.declare(&format!("L{tag}_{j}"))).collect();
    for &c in &calls {
        let mut opts = Vec::new();
        for _ in 0..1 + g.below(4) {
            let next = b.call(calls[g.below(k)]);
            let o = match g.below(10) {
                0 => b.stop(),
                1 => b.skip(),
                2 => {
                    // Guarded, so that the leaf stays finite.
                    let other = b.call(calls[g.below(k)]);
                    let x = b.prefix(ev[g.below(EVENTS)], next);
                    let y = b.prefix(ev[g.below(EVENTS)], other);
                    b.int(vec![x, y])
                }
                _ => b.prefix(ev[g.below(EVENTS)], next),
            };
            opts.push(o);
        }
        let body = if opts.len() == 1 {
            opts.remove(0)
        } else {
            b.ext(opts)
        };
        b.define(c, body);
    }
    b.call(calls[0])
}

fn some_set(b: &mut ProcBuilder, g: &mut Gen, ev: &[EventId]) -> crate::cspm::proc::EventSetId {
    let es: Vec<EventId> = ev.iter().copied().filter(|_| g.below(2) == 0).collect();
    b.set(&es)
}

/// A network of leaves under parallel, hiding, renaming and linking operators.
fn network(
    b: &mut ProcBuilder,
    g: &mut Gen,
    ev: &[EventId],
    depth: usize,
    tag: &mut usize,
) -> ProcId {
    *tag += 1;
    if depth == 0 || g.below(4) == 0 {
        return leaf(b, g, ev, *tag);
    }
    match g.below(7) {
        0 | 1 => {
            let a = some_set(b, g, ev);
            let ps = (0..2 + g.below(2))
                .map(|_| network(b, g, ev, depth - 1, tag))
                .collect();
            b.par(a, ps)
        }
        2 => {
            let ps = (0..2 + g.below(2))
                .map(|_| {
                    let a = some_set(b, g, ev);
                    (a, network(b, g, ev, depth - 1, tag))
                })
                .collect();
            b.alpha_par(ps)
        }
        3 => {
            let ps = (0..2).map(|_| network(b, g, ev, depth - 1, tag)).collect();
            b.interleave(ps)
        }
        4 => {
            let p = network(b, g, ev, depth - 1, tag);
            let a = some_set(b, g, ev);
            b.hide(p, a)
        }
        5 => {
            let p = network(b, g, ev, depth - 1, tag);
            let pairs: Vec<_> = (0..1 + g.below(3))
                .map(|_| (ev[g.below(EVENTS)], ev[g.below(EVENTS)]))
                .collect();
            let r = b.relation(&pairs);
            b.rename(p, r)
        }
        _ => {
            let p = network(b, g, ev, depth - 1, tag);
            let q = network(b, g, ev, depth - 1, tag);
            let pairs: Vec<_> = (0..1 + g.below(2))
                .map(|_| (ev[g.below(EVENTS)], ev[g.below(EVENTS)]))
                .collect();
            let r = b.relation(&pairs);
            b.linked(p, r, q)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn generated_networks_agree(seed in 1u64..u64::MAX) {
        let mut g = Gen(seed);
        let mut b = ProcBuilder::new();
        let ev: Vec<EventId> = (0..EVENTS).map(|i| b.event(&format!("e{i}"))).collect();
        let mut tag = 0;
        let p = network(&mut b, &mut g, &ev, 3, &mut tag);
        let opts = CompileOptions {
            max_leaf_states: 1000,
            max_rules: 20_000,
            ..CompileOptions::default()
        };
        let mut c = Compiler::new(&mut b, opts);
        let m = c.machine(p).expect("generated leaves are finite");
        {
            agree(&m, 3000);
        }
    }
}
