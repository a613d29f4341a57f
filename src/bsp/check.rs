//! Checking every property of one variant: breadth-first searches through the shared engine,
//! then the hang pass, each verdict turned into a `report::CheckResult`.
//!
//! One search checks all properties still open; when it stops at a violation, that property
//! is settled (its counterexample is shortest, breadth first) and the search runs again
//! without it, so every property gets its own verdict and its own shortest counterexample.

use super::config::Config;
use super::explain::counterexample;
use super::hang::find_hang;
use super::model::{Action, BspModel};
use super::props::{Property, PropertySet, Violation, ViolationKind};
use super::variant::Variant;
use crate::explore::{self, Bound, Exploration, Outcome, Progress, Successors};
use crate::report::{CheckResult, Counterexample, Kind, Stats, Verdict};

/// The verdict on one property.
#[derive(Clone, Debug)]
pub struct PropertyResult {
    pub property: Property,
    pub verdict: Verdict,
    pub stats: Stats,
    /// Bytes of stored states of the search that settled it, for bytes-per-state figures.
    pub memory_bytes: u64,
    /// Words of one packed state.
    pub state_words: usize,
    /// The full strongly-connected-component pass ran (the in-search hang check was not
    /// enough, or was turned off).
    pub full_hang_pass: bool,
}

/// How hangs (P2) are looked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HangCheck {
    /// During the search, backed by the potential; the full pass only when that fails.
    #[default]
    InSearch,
    /// Only the full strongly-connected-component pass after the search (for testing the
    /// in-search check against it).
    FullPass,
}

impl PropertyResult {
    /// The report entry; `prefix` names the variant when several run in one report.
    pub fn to_check_result(&self, cfg: &Config, variant: Variant, prefix: bool) -> CheckResult {
        let mut verdict = self.verdict.clone();
        if let Verdict::Violated(cx) = &mut verdict {
            cx.facts.push(("configuration".into(), cfg.describe()));
        }
        let id = if prefix {
            format!("{} {}", variant.name(), self.property.id())
        } else {
            self.property.id().to_string()
        };
        CheckResult {
            id,
            kind: Kind::Bsp,
            title: match vacuous(cfg, self.property) {
                Some(why) => format!("{} ({}; {why})", self.property.title(), variant.name()),
                None => format!("{} ({})", self.property.title(), variant.name()),
            },
            source: None,
            verdict,
            findings: Vec::new(),
            stats: self.stats,
            ..Default::default()
        }
    }
}

/// Why `p` cannot fail in `cfg`, when no caller it is about is ever called: it holds, but
/// says nothing, and the title must say so.
fn vacuous(cfg: &Config, p: Property) -> Option<&'static str> {
    let (flush, shutdown) = (cfg.force_flush.called(), cfg.shutdown.called());
    match p {
        Property::P2 if !flush && !shutdown => {
            Some("not exercised: no ForceFlush or Shutdown call")
        }
        Property::P4 if !flush => Some("not exercised: ForceFlush is never called"),
        Property::P5 if !shutdown => Some("not exercised: Shutdown is never called"),
        _ => None,
    }
}

fn bound_reason(b: Bound) -> String {
    match b {
        Bound::States(n) => format!("stopped after {n} states (--max-states)"),
        Bound::Memory(n) => format!("stopped at {n} bytes of stored states (--max-memory)"),
        Bound::Time(t) => format!("stopped after {:.1}s (--timeout)", t.as_secs_f64()),
    }
}

/// The counterexample of violation `v` at stored state `state`: its path in the plain model
/// (undoing symmetry reduction), followed round its loop for a hang.
fn report_path(
    model: &BspModel,
    plain: &BspModel,
    ex: &Exploration<Action, Violation>,
    state: u32,
    v: Violation,
) -> Counterexample {
    let (init, path) = ex.path(model, state);
    let (init, mut path) = if model.symmetry {
        concrete(model, plain, &path)
    } else {
        (init, path)
    };
    let loop_start = (v.kind == ViolationKind::Hang).then(|| {
        let here = path.last().map_or(init.clone(), |(_, s)| s.clone());
        extend_into_loop(plain, here, &mut path)
    });
    counterexample(plain, &init, &path, v, loop_start)
}

/// Follows the first successor from a trapped state until a state repeats; returns the
/// index in `path` of the first step of the loop.
fn extend_into_loop(m: &BspModel, from: Vec<u32>, path: &mut Vec<(Action, Vec<u32>)>) -> usize {
    let base = path.len();
    let mut seen = vec![from.clone()];
    let mut cur = from;
    let mut out = Successors::new(m.layout.words);
    loop {
        out.clear();
        m.successors_into(&m.layout.unpack(&cur), &mut out);
        let Some((a, next)) = out.iter().next() else {
            return base;
        };
        let next = next.to_vec();
        path.push((a, next.clone()));
        if let Some(i) = seen.iter().position(|s| *s == next) {
            return base + i;
        }
        seen.push(next.clone());
        cur = next;
    }
}

/// Replays a path of orbit representatives in the model without symmetry, so that every
/// step is a real step and producers keep their names from one step to the next.
fn concrete(
    sym: &BspModel,
    plain: &BspModel,
    path: &[(Action, Vec<u32>)],
) -> (Vec<u32>, Vec<(Action, Vec<u32>)>) {
    let mut init = vec![0u32; plain.layout.words];
    plain.layout.pack(&plain.layout.empty(), &mut init);
    let mut cur = init.clone();
    let mut steps = Vec::with_capacity(path.len());
    let mut out = Successors::new(plain.layout.words);
    for (_, target) in path {
        out.clear();
        plain.successors_into(&plain.layout.unpack(&cur), &mut out);
        let Some((a, s)) = out.iter().find(|(_, s)| sym.canonical_words(s) == *target) else {
            break;
        };
        let s = s.to_vec();
        steps.push((a, s.clone()));
        cur = s;
    }
    (init, steps)
}

/// Search options of the BatchSpanProcessor explorer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Search {
    pub hang: HangCheck,
    /// Symmetry reduction over producers.
    pub symmetry: bool,
}

/// Checks the properties in `props` for one variant and configuration.
pub fn check_variant(
    cfg: &Config,
    variant: Variant,
    props: PropertySet,
    opts: &explore::Options,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<PropertyResult> {
    check_variant_with(cfg, variant, props, Search::default(), opts, progress)
}

/// [`check_variant`] with a choice of hang check.
pub fn check_variant_with(
    cfg: &Config,
    variant: Variant,
    props: PropertySet,
    search: Search,
    opts: &explore::Options,
    progress: &mut dyn FnMut(&Progress),
) -> Vec<PropertyResult> {
    let mut open = props;
    let mut results: Vec<PropertyResult> = Vec::new();
    while !open.is_empty() {
        let mut model = BspModel::new(*cfg, variant, open);
        model.in_search_hangs = search.hang == HangCheck::InSearch;
        model.symmetry = search.symmetry;
        let mut plain = model.clone();
        plain.symmetry = false;
        let ex = explore::explore(&model, opts, progress);
        let mut stats = Stats {
            states: ex.states,
            transitions: ex.transitions,
            seconds: ex.seconds,
        };
        let full = open.has(Property::P2)
            && model.needs_full_hang_pass()
            && matches!(ex.outcome, Outcome::Complete);
        let mut settle = |p: Property, verdict: Verdict, stats: Stats| {
            results.push(PropertyResult {
                property: p,
                verdict,
                stats,
                memory_bytes: ex.memory_bytes,
                state_words: model.layout.words,
                full_hang_pass: full,
            })
        };
        match ex.outcome {
            Outcome::Violation {
                state,
                violation: v,
            } => {
                let cx = report_path(&model, &plain, &ex, state, v);
                settle(v.property(), Verdict::Violated(cx), stats);
                open = open.without(v.property());
            }
            Outcome::Complete => {
                if full {
                    let t = std::time::Instant::now();
                    let lasso = find_hang(&model, &ex);
                    stats.seconds += t.elapsed().as_secs_f64();
                    if let Some(l) = lasso {
                        let v = Violation::new(ViolationKind::Hang, 0);
                        let cx = report_path(&model, &plain, &ex, l, v);
                        settle(Property::P2, Verdict::Violated(cx), stats);
                        open = open.without(Property::P2);
                    }
                }
                for p in open.iter() {
                    settle(p, Verdict::Holds, stats);
                }
                open = PropertySet::none();
            }
            Outcome::Bounded(b) => {
                for p in open.iter() {
                    settle(p, Verdict::Inconclusive(bound_reason(b)), stats);
                }
                open = PropertySet::none();
            }
        }
    }
    results.sort_by_key(|r| r.property);
    results
}
