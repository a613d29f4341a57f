//! Corpus-level checks of Φ over many traces.
//!
//! - **Round trip:** the tree that Φ builds back from a conforming run (each start under the
//!   activation the model made the call in, each event in the activation that performed it)
//!   is isomorphic to the observed tree: same canonical form, ids and times ignored.
//! - **Injectivity:** two non-isomorphic trees that decode to the same event trace are
//!   reported as a collision: the model's events alone cannot tell those trees apart.
//! - **Coverage:** how many of the model's traces up to a depth (or its maximal traces when
//!   shorter) some conforming tree witnesses, and the shortest ones none does.

use super::Verifier;
use super::conform::Step;
use super::observe::{NodeKind, Observation};
use crate::cspm::proc::{EventId, TAU, TICK};
use crate::lts::labels::{END, Labels, ROOT};
use crate::lts::term::TermId;
use crate::otlp::{Forest, Trace};
use crate::report::{CheckResult, Counterexample, Finding, Kind, Stats, Verdict};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::BTreeMap;

/// What the corpus checks keep of one conforming trace.
#[derive(Clone, Debug)]
pub struct TreeSummary {
    pub trace_id: String,
    /// Canonical form of the observed tree (mapped activations and their events).
    pub canon: String,
    /// The events of the conforming run, in its order.
    pub decoded: Vec<EventId>,
    /// Φ(Φ⁻¹(T)) ≅ T.
    pub round_trip: bool,
    /// The order, kept for coverage (only when it is asked for).
    pub obs: Option<Observation>,
}

/// Canonical form of a tree: `name[e1,e2]{child;child}` with children sorted.
fn canonical(
    names: &[String],
    events: &[Vec<EventId>],
    kids: &[Vec<u32>],
    roots: &[u32],
) -> String {
    fn one(s: u32, names: &[String], events: &[Vec<EventId>], kids: &[Vec<u32>]) -> String {
        let mut cs: Vec<String> = kids[s as usize]
            .iter()
            .map(|&c| one(c, names, events, kids))
            .collect();
        cs.sort();
        let evs: Vec<String> = events[s as usize].iter().map(|e| e.to_string()).collect();
        format!(
            "{}[{}]{{{}}}",
            names[s as usize],
            evs.join(","),
            cs.join(";")
        )
    }
    let mut rs: Vec<String> = roots.iter().map(|&r| one(r, names, events, kids)).collect();
    rs.sort();
    rs.join("|")
}

/// The summary of a conforming trace and its run.
pub fn summarise(
    v: &Verifier,
    forest: &Forest,
    trace: &Trace,
    obs: &Observation,
    run: &[Step],
    keep_order: bool,
) -> TreeSummary {
    let n = obs.spans.len();
    // The observed tree.
    let names: Vec<String> = obs
        .spans
        .iter()
        .map(|s| forest.name(s.forest).to_string())
        .collect();
    let events: Vec<Vec<EventId>> = (0..n as u32)
        .map(|s| {
            obs.chain(s)
                .iter()
                .filter_map(|nd| match nd.kind {
                    NodeKind::Event(e) => Some(e),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let kids = &obs.kids;
    let roots: Vec<u32> = (0..n as u32)
        .filter(|&s| obs.spans[s as usize].parent.is_none())
        .collect();
    let canon = canonical(&names, &events, kids, &roots);
    // The tree Φ builds from the run: spans in the order the model started them, named by
    // the process it called, under the activation it called them in.
    let mut built_names = vec![String::new(); n];
    let mut built_events: Vec<Vec<EventId>> = vec![Vec::new(); n];
    let mut built_kids: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut built_roots = Vec::new();
    let mut decoded = Vec::new();
    for st in run {
        let node = obs.chain(st.span)[st.node as usize];
        match node.kind {
            NodeKind::Start => {
                let def = st
                    .call
                    .map(|c| crate::lts::sem::definition_name(v.sem.call_name(c)).to_string())
                    .unwrap_or_default();
                let name = v
                    .map
                    .proc_of_def(&def)
                    .and_then(|p| v.map.procs.get(p as usize))
                    .map_or(def, |p| p.name.clone());
                built_names[st.span as usize] = name;
                match obs.spans[st.span as usize].parent {
                    Some(p) => built_kids[p as usize].push(st.span),
                    None => built_roots.push(st.span),
                }
            }
            NodeKind::Event(e) => {
                built_events[st.span as usize].push(e);
                decoded.push(e);
            }
            NodeKind::End => {}
        }
    }
    let rebuilt = canonical(&built_names, &built_events, &built_kids, &built_roots);
    TreeSummary {
        trace_id: trace.id.to_string(),
        round_trip: rebuilt == canon,
        canon,
        decoded,
        obs: keep_order.then(|| obs.clone()),
    }
}

/// Pairs of non-isomorphic trees with the same decoded event trace.
pub fn injectivity<'a>(trees: &[&'a TreeSummary]) -> Vec<(&'a TreeSummary, &'a TreeSummary)> {
    let mut by_trace: BTreeMap<&[EventId], Vec<&'a TreeSummary>> = BTreeMap::new();
    for t in trees {
        by_trace.entry(t.decoded.as_slice()).or_default().push(t);
    }
    let mut out = Vec::new();
    for group in by_trace.values() {
        let mut seen: Vec<&'a TreeSummary> = Vec::new();
        for &t in group {
            if let Some(&other) = seen.iter().find(|s| s.canon != t.canon) {
                out.push((other, t));
            }
            if !seen.iter().any(|s| s.canon == t.canon) {
                seen.push(t);
            }
        }
    }
    out
}

pub fn round_trip_result(count: usize, failures: &[&TreeSummary]) -> CheckResult {
    let verdict = if failures.is_empty() {
        Verdict::Holds
    } else {
        Verdict::Violated(Counterexample {
            summary: format!(
                "{} of {count} conforming trees do not come back from their run",
                failures.len()
            ),
            ..Counterexample::default()
        })
    };
    CheckResult {
        id: "phi round trip".into(),
        kind: Kind::TraceConformance,
        title: format!("Φ(Φ⁻¹(T)) is isomorphic to T for each of {count} conforming trees"),
        source: None,
        verdict,
        findings: failures
            .iter()
            .map(|t| Finding {
                rule: "phi.round-trip".into(),
                span_id: None,
                message: format!("trace {} rebuilt from its run differs from it", t.trace_id),
                related: Vec::new(),
                ..Default::default()
            })
            .collect(),
        stats: Stats::default(),
        ..Default::default()
    }
}

pub fn injectivity_result(
    count: usize,
    collisions: &[(&TreeSummary, &TreeSummary)],
) -> CheckResult {
    let verdict = if collisions.is_empty() {
        Verdict::Holds
    } else {
        Verdict::Violated(Counterexample {
            summary: format!(
                "{} pair(s) of non-isomorphic trees decode to the same event trace",
                collisions.len()
            ),
            ..Counterexample::default()
        })
    };
    CheckResult {
        id: "phi injectivity".into(),
        kind: Kind::TraceConformance,
        title: format!("no two non-isomorphic trees of {count} decode to the same event trace"),
        source: None,
        verdict,
        findings: collisions
            .iter()
            .map(|(a, b)| Finding {
                rule: "phi.injectivity".into(),
                span_id: None,
                message: format!(
                    "traces {} and {} have different trees but the same events",
                    a.trace_id, b.trace_id
                ),
                related: vec![a.trace_id.clone(), b.trace_id.clone()],
                ..Default::default()
            })
            .collect(),
        stats: Stats::default(),
        ..Default::default()
    }
}

/// Coverage of the model's traces by the conforming trees.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    /// Model traces up to the depth (maximal ones when shorter), in length then event order.
    pub total: usize,
    pub witnessed: usize,
    /// The shortest traces no tree witnesses (at most 10).
    pub uncovered: Vec<Vec<EventId>>,
    /// Set when the enumeration stopped at its bound.
    pub truncated: bool,
}

/// The model's event traces up to `depth` events (start and end steps are not events), each
/// checked against the conforming trees.
pub fn coverage(v: &mut Verifier, trees: &[&TreeSummary], depth: usize, max: u64) -> Coverage {
    let traces = match model_traces(v, depth, max as usize) {
        Ok(t) => t,
        Err(_) => {
            return Coverage {
                truncated: true,
                ..Coverage::default()
            };
        }
    };
    let mut cov = Coverage {
        total: traces.0.len(),
        truncated: traces.1,
        ..Coverage::default()
    };
    for t in &traces.0 {
        if trees
            .iter()
            .any(|tree| tree.obs.as_ref().is_some_and(|o| witnesses(o, t)))
        {
            cov.witnessed += 1;
        } else if cov.uncovered.len() < 10 {
            cov.uncovered.push(t.clone());
        }
    }
    cov
}

/// The maximal-or-`depth`-long event traces of the system, sorted by length then events.
fn model_traces(
    v: &mut Verifier,
    depth: usize,
    max: usize,
) -> Result<(Vec<Vec<EventId>>, bool), crate::cspm::source::Diagnostic> {
    // Frontier: per trace, the set of terms reachable after it (silent moves closed).
    let mut level: BTreeMap<Vec<EventId>, FxHashSet<TermId>> = BTreeMap::new();
    let root = v.root;
    level.insert(Vec::new(), closure(v, &[root])?);
    let mut done: Vec<Vec<EventId>> = Vec::new();
    let mut truncated = false;
    for _ in 0..depth {
        let mut next: BTreeMap<Vec<EventId>, FxHashSet<TermId>> = BTreeMap::new();
        for (trace, terms) in &level {
            let mut moves: FxHashMap<EventId, Vec<TermId>> = FxHashMap::default();
            for &t in terms {
                for (l, t2) in v.sem.transitions(t)?.to_vec() {
                    let b = v.sem.labels.base(l);
                    if b == TAU || b == TICK || Labels::is_pseudo(b) || b == END {
                        continue;
                    }
                    if v.sem.labels.ctx(l) == [ROOT] {
                        continue;
                    }
                    moves.entry(b).or_default().push(t2);
                }
            }
            if moves.is_empty() {
                done.push(trace.clone());
                continue;
            }
            for (e, ts) in moves {
                let mut t2 = trace.clone();
                t2.push(e);
                let c = closure(v, &ts)?;
                next.insert(t2, c);
                if next.len() + done.len() > max {
                    truncated = true;
                    break;
                }
            }
            if truncated {
                break;
            }
        }
        level = next;
        if truncated {
            break;
        }
    }
    done.extend(level.into_keys());
    done.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    Ok((done, truncated))
}

/// Terms reachable by silent moves (τ, starts, ends, unobservable events).
fn closure(
    v: &mut Verifier,
    from: &[TermId],
) -> Result<FxHashSet<TermId>, crate::cspm::source::Diagnostic> {
    let mut seen: FxHashSet<TermId> = from.iter().copied().collect();
    let mut stack: Vec<TermId> = from.to_vec();
    while let Some(t) = stack.pop() {
        let ts = v.sem.transitions(t)?.to_vec();
        for (l, t2) in ts {
            let b = v.sem.labels.base(l);
            let silent =
                b == TAU || (b != TICK && (Labels::is_pseudo(b) || v.sem.labels.ctx(l) == [ROOT]));
            if silent && seen.insert(t2) {
                stack.push(t2);
            }
        }
    }
    Ok(seen)
}

/// Whether `t` is a prefix of some linearisation of the order (its event nodes; starts and
/// ends are taken freely when enabled).
pub fn witnesses(obs: &Observation, t: &[EventId]) -> bool {
    let n = obs.spans.len();
    let mut seen: FxHashSet<(Vec<u32>, usize)> = FxHashSet::default();
    let mut stack = vec![(vec![0u32; n], 0usize)];
    let enabled = |c: &[u32], s: usize| -> Option<NodeKind> {
        let node = obs.chain(s as u32).get(c[s] as usize)?;
        obs.prereqs_of(node)
            .iter()
            .all(|&(q, m)| c[q as usize] >= m)
            .then_some(node.kind)
    };
    while let Some((c, k)) = stack.pop() {
        if k == t.len() {
            return true;
        }
        if !seen.insert((c.clone(), k)) {
            continue;
        }
        for s in 0..n {
            match enabled(&c, s) {
                Some(NodeKind::Event(e)) if e == t[k] => {
                    let mut c2 = c.clone();
                    c2[s] += 1;
                    stack.push((c2, k + 1));
                }
                Some(NodeKind::Start) | Some(NodeKind::End) => {
                    let mut c2 = c.clone();
                    c2[s] += 1;
                    stack.push((c2, k));
                }
                _ => {}
            }
        }
    }
    false
}

pub fn coverage_result(v: &Verifier, cov: &Coverage, depth: usize) -> CheckResult {
    let show = |t: &Vec<EventId>| -> String {
        let evs: Vec<&str> = t.iter().map(|&e| v.sem.src.event_name(e)).collect();
        format!("<{}>", evs.join(", "))
    };
    let title = format!(
        "coverage: {} of {} model traces up to {depth} events witnessed{}",
        cov.witnessed,
        cov.total,
        if cov.truncated {
            " (enumeration stopped at its bound)"
        } else {
            ""
        }
    );
    // Coverage is information, not a property: it holds, and lists what is missing.
    CheckResult {
        id: "phi coverage".into(),
        kind: Kind::TraceConformance,
        title,
        source: None,
        verdict: if cov.truncated {
            Verdict::Inconclusive("the model has more traces than the state bound".into())
        } else {
            Verdict::Holds
        },
        findings: cov
            .uncovered
            .iter()
            .map(|t| Finding {
                rule: "phi.uncovered".into(),
                span_id: None,
                message: format!("no trace witnesses {}", show(t)),
                related: Vec::new(),
                ..Default::default()
            })
            .collect(),
        stats: Stats::default(),
        ..Default::default()
    }
}
