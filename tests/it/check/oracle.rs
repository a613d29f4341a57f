//! A brute-force oracle: the denotational traces, stable-failures and failures-divergences
//! semantics of small finite processes, computed compositionally up to a depth, against which
//! the engine's refinement verdicts (normal forms and product search over the operational
//! semantics) are compared on generated processes.

use super::engine::run;
use crate::support::cases;
use cspot::cspm::proc::{ProcId, Property, SemanticModel};
use cspot::lts::ProcBuilder;
use cspot::report::Verdict;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Events 0, 1, 2 are `a`, `b`, `c`; 3 is ✓. Sets of them are 4-bit masks.
pub const TICK: u8 = 3;
const SIGMA: u8 = 0b0111;
const ALL: u8 = 0b1111;
const NAMES: [&str; 3] = ["a", "b", "c"];

/// A generated process.
#[derive(Clone, Debug)]
pub enum G {
    Stop,
    Skip,
    Div,
    Prefix(u8, Box<G>),
    Ext(Box<G>, Box<G>),
    Int(Box<G>, Box<G>),
    Seq(Box<G>, Box<G>),
    Par(u8, Box<G>, Box<G>),
    Hide(Box<G>, u8),
    /// One-to-many allowed: pairs `(from, to)`.
    Rename(Box<G>, Vec<(u8, u8)>),
    Sliding(Box<G>, Box<G>),
}

impl G {
    /// Prefixes and SKIPs: a bound on the length of any trace that does not diverge.
    pub fn size(&self) -> usize {
        match self {
            G::Stop | G::Div => 0,
            G::Skip => 1,
            G::Prefix(_, p) | G::Hide(p, _) | G::Rename(p, _) => 1 + p.size(),
            G::Ext(p, q) | G::Int(p, q) | G::Seq(p, q) | G::Par(_, p, q) | G::Sliding(p, q) => {
                p.size() + q.size()
            }
        }
    }

    /// The process in a builder.
    pub fn build(&self, b: &mut ProcBuilder) -> ProcId {
        let ev = |b: &mut ProcBuilder, e: u8| b.event(NAMES[e as usize]);
        let set = |b: &mut ProcBuilder, m: u8| {
            let es: Vec<_> = (0..3)
                .filter(|i| m >> i & 1 == 1)
                .map(|i| b.event(NAMES[i]))
                .collect();
            b.set(&es)
        };
        match self {
            G::Stop => b.stop(),
            G::Skip => b.skip(),
            G::Div => b.div(),
            G::Prefix(e, p) => {
                let p = p.build(b);
                let e = ev(b, *e);
                b.prefix(e, p)
            }
            G::Ext(p, q) => {
                let v = vec![p.build(b), q.build(b)];
                b.ext(v)
            }
            G::Int(p, q) => {
                let v = vec![p.build(b), q.build(b)];
                b.int(v)
            }
            G::Seq(p, q) => {
                let (p, q) = (p.build(b), q.build(b));
                b.seq(p, q)
            }
            G::Par(a, p, q) => {
                let v = vec![p.build(b), q.build(b)];
                let a = set(b, *a);
                b.par(a, v)
            }
            G::Hide(p, a) => {
                let p = p.build(b);
                let a = set(b, *a);
                b.hide(p, a)
            }
            G::Rename(p, r) => {
                let p = p.build(b);
                let pairs: Vec<_> = r.iter().map(|&(x, y)| (ev(b, x), ev(b, y))).collect();
                let r = b.relation(&pairs);
                b.rename(p, r)
            }
            G::Sliding(p, q) => {
                let (p, q) = (p.build(b), q.build(b));
                b.sliding(p, q)
            }
        }
    }
}

type Tr = Vec<u8>;

/// Traces, failures (trace → set of refusal masks, subset-closed) and divergences.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sem {
    pub t: BTreeSet<Tr>,
    pub f: BTreeMap<Tr, BTreeSet<u8>>,
    pub d: BTreeSet<Tr>,
}

fn subsets(m: u8) -> impl Iterator<Item = u8> {
    (0..=ALL).filter(move |x| x & !m == 0)
}

fn ends_tick(s: &Tr) -> bool {
    s.last() == Some(&TICK)
}

impl Sem {
    fn add_f(&mut self, s: Tr, x: u8) {
        self.f.entry(s).or_default().insert(x);
    }
    fn refuses(&self, s: &Tr, x: u8) -> bool {
        self.f.get(s).is_some_and(|r| r.contains(&x))
    }
    /// Divergence strictness up to depth `n`: every extension of a divergence is a divergence,
    /// a trace, and has every failure.
    fn close(&mut self, n: usize) {
        let mut frontier: Vec<Tr> = self.d.iter().cloned().collect();
        while let Some(s) = frontier.pop() {
            self.t.insert(s.clone());
            for x in 0..=ALL {
                self.add_f(s.clone(), x);
            }
            if s.len() < n && !ends_tick(&s) {
                for e in 0..=TICK {
                    let mut u = s.clone();
                    u.push(e);
                    if e == TICK {
                        self.t.insert(u.clone());
                        for x in 0..=ALL {
                            self.add_f(u.clone(), x);
                        }
                    } else if self.d.insert(u.clone()) {
                        frontier.push(u);
                    }
                }
            }
        }
    }
}

/// All merges of `s` and `t` synchronising on `x` (✓ always synchronised).
fn merge(s: &[u8], t: &[u8], x: u8, out: &mut Vec<Tr>, acc: &mut Tr) {
    let sync = x | (1 << TICK);
    if s.is_empty() && t.is_empty() {
        out.push(acc.clone());
        return;
    }
    if let Some(&a) = s.first().filter(|&&a| sync >> a & 1 == 0) {
        acc.push(a);
        merge(&s[1..], t, x, out, acc);
        acc.pop();
    }
    if let Some(&b) = t.first().filter(|&&b| sync >> b & 1 == 0) {
        acc.push(b);
        merge(s, &t[1..], x, out, acc);
        acc.pop();
    }
    if let (Some(&a), Some(&b)) = (s.first(), t.first())
        && a == b
        && sync >> a & 1 == 1
    {
        acc.push(a);
        merge(&s[1..], &t[1..], x, out, acc);
        acc.pop();
    }
}

/// The semantics of `g` up to trace length `n`: `fd` selects failures-divergences, otherwise
/// traces and stable failures.
pub fn sem(g: &G, n: usize, fd: bool) -> Sem {
    let mut r = Sem::default();
    match g {
        G::Stop => {
            r.t.insert(vec![]);
            for x in 0..=ALL {
                r.add_f(vec![], x);
            }
        }
        G::Skip => {
            r.t.insert(vec![]);
            r.t.insert(vec![TICK]);
            for x in subsets(SIGMA) {
                r.add_f(vec![], x);
            }
            for x in 0..=ALL {
                r.add_f(vec![TICK], x);
            }
        }
        G::Div => {
            r.t.insert(vec![]);
            if fd {
                r.d.insert(vec![]);
            }
        }
        G::Prefix(e, p) => {
            let p = sem(p, n, fd);
            r.t.insert(vec![]);
            for x in subsets(ALL & !(1 << e)) {
                r.add_f(vec![], x);
            }
            let pre = |s: &Tr| {
                let mut u = vec![*e];
                u.extend_from_slice(s);
                u
            };
            for s in &p.t {
                if s.len() < n {
                    r.t.insert(pre(s));
                }
            }
            for (s, xs) in &p.f {
                if s.len() < n {
                    for &x in xs {
                        r.add_f(pre(s), x);
                    }
                }
            }
            for s in &p.d {
                if s.len() < n {
                    r.d.insert(pre(s));
                }
            }
        }
        G::Int(p, q) => {
            let (p, q) = (sem(p, n, fd), sem(q, n, fd));
            r = p;
            r.t.extend(q.t);
            r.d.extend(q.d);
            for (s, xs) in q.f {
                r.f.entry(s).or_default().extend(xs);
            }
        }
        G::Ext(p, q) => {
            let (p, q) = (sem(p, n, fd), sem(q, n, fd));
            r.t = p.t.union(&q.t).cloned().collect();
            r.d = p.d.union(&q.d).cloned().collect();
            for (s, xs) in p.f.iter().chain(q.f.iter()) {
                if !s.is_empty() {
                    r.f.entry(s.clone()).or_default().extend(xs.iter().copied());
                }
            }
            for x in 0..=ALL {
                if p.refuses(&vec![], x) && q.refuses(&vec![], x) {
                    r.add_f(vec![], x);
                }
            }
            if p.d.contains(&vec![]) || q.d.contains(&vec![]) {
                for x in 0..=ALL {
                    r.add_f(vec![], x);
                }
            }
            if r.t.contains(&vec![TICK]) {
                for x in subsets(SIGMA) {
                    r.add_f(vec![], x);
                }
            }
        }
        G::Sliding(p, q) => {
            let g2 = G::Int(Box::new(G::Ext(p.clone(), q.clone())), q.clone());
            return sem(&g2, n, fd);
        }
        G::Seq(p, q) => {
            let (p, q) = (sem(p, n, fd), sem(q, n, fd));
            for s in &p.t {
                if !ends_tick(s) {
                    r.t.insert(s.clone());
                }
            }
            for (s, xs) in &p.f {
                if !ends_tick(s) {
                    for &x in xs {
                        if x >> TICK & 1 == 1 {
                            r.add_f(s.clone(), x & !(1 << TICK));
                            r.add_f(s.clone(), x);
                        }
                    }
                }
            }
            for s in &p.d {
                if !ends_tick(s) {
                    r.d.insert(s.clone());
                }
            }
            for s in p.t.iter().filter(|s| ends_tick(s)) {
                let base = &s[..s.len() - 1];
                let cat = |t: &Tr| {
                    let mut u = base.to_vec();
                    u.extend_from_slice(t);
                    u
                };
                for t in &q.t {
                    if base.len() + t.len() <= n {
                        r.t.insert(cat(t));
                    }
                }
                for (t, xs) in &q.f {
                    if base.len() + t.len() <= n {
                        for &x in xs {
                            r.add_f(cat(t), x);
                        }
                    }
                }
                for t in &q.d {
                    if base.len() + t.len() <= n {
                        r.d.insert(cat(t));
                    }
                }
            }
        }
        G::Hide(p, a) => {
            let p = sem(p, n, fd);
            let hide = |s: &Tr| -> Tr {
                s.iter()
                    .copied()
                    .filter(|&e| e == TICK || a >> e & 1 == 0)
                    .collect()
            };
            for s in &p.t {
                r.t.insert(hide(s));
            }
            for (s, xs) in &p.f {
                for x in 0..=ALL {
                    if xs.contains(&(x | a)) {
                        r.add_f(hide(s), x);
                    }
                }
            }
            for s in &p.d {
                r.d.insert(hide(s));
            }
        }
        G::Rename(p, rel) => {
            let p = sem(p, n, fd);
            let images = |e: u8| -> Vec<u8> {
                let v: Vec<u8> = rel
                    .iter()
                    .filter(|&&(x, _)| x == e)
                    .map(|&(_, y)| y)
                    .collect();
                if v.is_empty() || e == TICK {
                    vec![e]
                } else {
                    v
                }
            };
            let inverse = |x: u8| -> u8 {
                let mut m = 0u8;
                for e in 0..=TICK {
                    if images(e).iter().any(|&y| x >> y & 1 == 1) {
                        m |= 1 << e;
                    }
                }
                m
            };
            let all_images = |s: &Tr| -> Vec<Tr> {
                let mut acc: Vec<Tr> = vec![vec![]];
                for &e in s {
                    let mut next = Vec::new();
                    for u in &acc {
                        for y in images(e) {
                            let mut v = u.clone();
                            v.push(y);
                            next.push(v);
                        }
                    }
                    acc = next;
                }
                acc
            };
            for s in &p.t {
                r.t.extend(all_images(s));
            }
            for (s, xs) in &p.f {
                for u in all_images(s) {
                    for x in 0..=ALL {
                        if xs.contains(&inverse(x)) {
                            r.add_f(u.clone(), x);
                        }
                    }
                }
            }
            for s in &p.d {
                r.d.extend(all_images(s));
            }
        }
        G::Par(a, p, q) => {
            let (p, q) = (sem(p, n, fd), sem(q, n, fd));
            let sync = a | (1 << TICK);
            let mut out = Vec::new();
            for s in &p.t {
                for t in &q.t {
                    out.clear();
                    merge(s, t, *a, &mut out, &mut Vec::new());
                    for u in &out {
                        if u.len() <= n {
                            r.t.insert(u.clone());
                            if !ends_tick(u) && (p.d.contains(s) || q.d.contains(t)) {
                                r.d.insert(u.clone());
                            }
                        }
                    }
                }
            }
            for (s, ys) in &p.f {
                for (t, zs) in &q.f {
                    out.clear();
                    merge(s, t, *a, &mut out, &mut Vec::new());
                    if out.iter().all(|u| u.len() > n) {
                        continue;
                    }
                    let mut xs = BTreeSet::new();
                    for &y in ys {
                        for &z in zs {
                            if y & !sync == z & !sync {
                                xs.insert(y | z);
                            }
                        }
                    }
                    for u in &out {
                        if u.len() <= n {
                            for &x in &xs {
                                for x2 in subsets(x) {
                                    r.add_f(u.clone(), x2);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if fd {
        r.close(n);
    }
    r
}

/// Whether `imp` refines `spec` in the model (`T`, `F` or `FD`), by set inclusion.
pub fn refines(spec: &G, imp: &G, model: SemanticModel) -> bool {
    let n = spec.size().max(imp.size()) + 1;
    let fd = model == SemanticModel::FailuresDivergences;
    let (s, i) = (sem(spec, n, fd), sem(imp, n, fd));
    let traces = i.t.is_subset(&s.t);
    match model {
        SemanticModel::Traces => traces,
        _ => {
            let fails =
                i.f.iter()
                    .all(|(t, xs)| s.f.get(t).is_some_and(|ys| xs.is_subset(ys)));
            let divs = !fd || i.d.is_subset(&s.d);
            traces && fails && divs
        }
    }
}

pub fn arb_g() -> impl Strategy<Value = G> {
    let leaf = prop_oneof![
        3 => Just(G::Stop),
        3 => Just(G::Skip),
        1 => Just(G::Div),
    ];
    leaf.prop_recursive(4, 12, 2, |inner| {
        let ev = 0u8..3;
        let set = 0u8..8;
        prop_oneof![
            6 => (ev.clone(), inner.clone()).prop_map(|(e, p)| G::Prefix(e, Box::new(p))),
            2 => (inner.clone(), inner.clone()).prop_map(|(p, q)| G::Ext(Box::new(p), Box::new(q))),
            2 => (inner.clone(), inner.clone()).prop_map(|(p, q)| G::Int(Box::new(p), Box::new(q))),
            2 => (inner.clone(), inner.clone()).prop_map(|(p, q)| G::Seq(Box::new(p), Box::new(q))),
            2 => (set.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, p, q)| G::Par(a, Box::new(p), Box::new(q))),
            1 => (inner.clone(), 1u8..8).prop_map(|(p, a)| G::Hide(Box::new(p), a)),
            1 => (inner.clone(), proptest::collection::vec((0u8..3, 0u8..3), 1..3))
                .prop_map(|(p, r)| G::Rename(Box::new(p), r)),
            1 => (inner.clone(), inner.clone()).prop_map(|(p, q)| G::Sliding(Box::new(p), Box::new(q))),
        ]
    })
    .prop_filter("small enough to enumerate", |g| g.size() <= 5)
}

fn engine_refines(spec: &G, imp: &G, model: SemanticModel) -> Verdict {
    let mut b = ProcBuilder::new();
    let s = spec.build(&mut b);
    let i = imp.build(&mut b);
    run(
        &mut b,
        Property::Refinement {
            spec: s,
            model,
            imp: i,
        },
    )
    .verdict
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn refinement_verdicts_match_the_oracle(spec in arb_g(), imp in arb_g()) {
        for model in [SemanticModel::Traces, SemanticModel::Failures, SemanticModel::FailuresDivergences] {
            let want = refines(&spec, &imp, model);
            let got = engine_refines(&spec, &imp, model);
            prop_assert_eq!(
                matches!(got, Verdict::Holds), want,
                "{:?}: spec {:?} imp {:?}: engine {:?}", model, spec, imp, got
            );
        }
    }

    /// Every process refines itself, and the oracle agrees with the engine on a process and
    /// a mutation of it (the same process with one operator changed), where verdicts vary.
    #[test]
    fn self_refinement_holds(p in arb_g()) {
        for model in [SemanticModel::Traces, SemanticModel::Failures, SemanticModel::FailuresDivergences] {
            prop_assert!(refines(&p, &p, model));
            prop_assert_eq!(engine_refines(&p, &p, model), Verdict::Holds);
        }
    }
}
