//! Exploring the BatchSpanProcessor: every property of each chosen variant for one
//! configuration, a result per (variant, property).

use super::{Limits, Observer, Quiet};
use crate::bsp::{Config, PropertySet, Search, Variant, check_variant_with};
use crate::report::Report;

/// How to explore. `Options::default()` explores the specified processor (not a bug
/// variant) without symmetry reduction, one worker per core, the default memory bound, no
/// time or state bound: what `cspot bsp` does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The processors to explore: the specification and the bug variants.
    pub variants: Vec<Variant>,
    /// Explore one producer ordering per class of producers that differ only in their
    /// names (fewer states, the same verdicts).
    pub symmetry: bool,
    /// Workers and bounds of each property's search.
    pub limits: Limits,
    /// Tell the observer, as a diagnostic line, the figures of each property's search:
    /// states, transitions, words per state, bytes stored per state, time.
    pub stats: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            variants: vec![Variant::Spec],
            symmetry: false,
            limits: Limits::default(),
            stats: false,
        }
    }
}

/// Explores `config` for each variant of `options` and checks every property (the
/// properties P1–P5: no deadlock, no hang, no span lost, flush and shutdown answer, export
/// bounded), one result each, with the shortest counterexample of a violation.
pub fn explore(config: &Config, options: &Options) -> Report {
    explore_observed(config, options, &mut Quiet)
}

/// [`explore`], telling `observer` the progress of each search (the CLI's progress line).
pub fn explore_observed(config: &Config, options: &Options, observer: &mut dyn Observer) -> Report {
    let opts = options.limits.explore();
    let several = options.variants.len() > 1;
    let mut report = Report::new("bsp");
    for &v in &options.variants {
        observer.started(&format!("bsp {}", v.name()));
        let search = Search {
            symmetry: options.symmetry,
            ..Search::default()
        };
        let results = check_variant_with(config, v, PropertySet::all(), search, &opts, &mut |p| {
            observer.progress(p)
        });
        observer.finished();
        for r in results {
            if options.stats {
                let per = r.memory_bytes as f64 / (r.stats.states.max(1)) as f64;
                observer.diagnostic(&format!(
                    "bsp stats: {} {}: {} states, {} transitions, {} words/state, {per:.1} bytes stored/state, {:.3}s\n",
                    v.name(),
                    r.property.short(),
                    r.stats.states,
                    r.stats.transitions,
                    r.state_words,
                    r.stats.seconds
                ));
            }
            report.results.push(r.to_check_result(config, v, several));
        }
    }
    report
}
