//! Verifying captured traces against a CSP model through a Φ model file (`traces verify`):
//! one result per trace (kind `trace.conformance`), then the corpus checks (round trip,
//! injectivity, coverage).
//!
//! Each worker thread loads its own script and keeps its own memo tables, and takes traces
//! from a shared counter, so results come back in trace order whatever the number of jobs.

use super::{FsLoader, Observer, Quiet};
use crate::otlp::draw::draw;
use crate::otlp::{Dump, Forest};
use crate::phi::corpus::{self, Coverage};
use crate::phi::{Limits, LoadError, Model, ModelFile, Outcome as PhiOutcome, Verifier, result};
use crate::report::{self, Finding, Report, Stats, Verdict};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// How to verify. `Options::default()` verifies every trace with the partial-order
/// reduction, no coverage, one worker per core, 1,000,000 stored states per trace, the
/// default memory bound and no time bound: what `cspot traces verify` does.
#[derive(Clone, Debug)]
pub struct Options {
    /// Also measure how many of the model's traces up to this many events the conforming
    /// trees witness.
    pub coverage_depth: Option<usize>,
    /// Accept a dump that holds no span (an error otherwise).
    pub allow_empty: bool,
    /// Read ids written in base64 instead of reporting them.
    pub accept_base64: bool,
    /// Follow one isolated part of the model at a time where several spans run at once and
    /// that loses nothing (off: every interleaving, for comparison).
    pub reduction: bool,
    /// Workers (the memory bound is shared by them), and the state and time bounds of each
    /// trace.
    pub limits: super::Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            coverage_depth: None,
            allow_empty: false,
            accept_base64: false,
            reduction: true,
            limits: super::Limits::default(),
        }
    }
}

/// Verifies every trace of one dump held in memory (named `name` in the report) against the
/// Φ model file at `model`, then the corpus checks: one result per trace (kind
/// `trace.conformance`) and the round-trip, injectivity and (with a coverage depth)
/// coverage results. A model file that cannot be used is a result with verdict `error`.
pub fn verify(model: impl AsRef<Path>, name: &str, bytes: &[u8], options: &Options) -> Report {
    let model_path = model.as_ref().display().to_string();
    let dumps = [name.to_string()];
    let loaded = ModelSource::read(&model_path)
        .and_then(|src| src.load(&mut Quiet).map(|m| (src, m)));
    let (src, m) = match loaded {
        Ok(x) => x,
        Err(e) => return model_error_report(&model_path, &dumps, &e),
    };
    let started = Instant::now();
    let deadline = options.limits.timeout.and_then(|t| started.checked_add(t));
    let read = crate::otlp::ReadOptions {
        accept_base64: options.accept_base64,
        max_message: crate::otlp::DEFAULT_MAX_MESSAGE,
        max_memory: options.limits.memory(),
    };
    let dump = super::traces::read_within(deadline, || crate::otlp::read(name, bytes, read));
    let mut errors = super::traces::read_error_results(&dump.errors);
    errors.extend(super::traces::empty_error(&dump, name, options.allow_empty, &mut Quiet));
    match verify_dump(&src, m, &dump, errors, options, &mut Quiet) {
        Ok(mut report) => {
            report.inputs.push(name.to_string());
            report
        }
        Err(e) => model_error_report(&model_path, &dumps, &e),
    }
}

/// One result per trace of `dump` after the `errors` of reading it, then the corpus checks.
/// `model` is `src` loaded once (each further worker loads its own).
pub(crate) fn verify_dump(
    src: &ModelSource,
    model: Model,
    dump: &Dump,
    read_errors: Vec<report::CheckResult>,
    options: &Options,
    observer: &mut dyn Observer,
) -> Result<Report, String> {
    let forest = &dump.forest;
    let jobs = match options.limits.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(forest.traces.len().max(1));
    // Each worker holds its own states and memo tables: the memory bound is shared out.
    let max_bytes = options.limits.memory().map(|m| m / jobs.max(1) as u64);
    let limits = Limits {
        max_states: options.limits.max_states.unwrap_or(Limits::default().max_states),
        deadline: None,
        reduce: options.reduction,
        max_bytes,
    };
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Verified>> = (0..forest.traces.len()).map(|_| None).collect();
    let slots_ptr = std::sync::Mutex::new(&mut slots);
    let timeout = options.limits.timeout;
    let first = std::sync::Mutex::new(Some(model));
    let keep_order = options.coverage_depth.is_some();
    std::thread::scope(|scope| -> Result<(), String> {
        let mut handles = Vec::new();
        for _ in 0..jobs {
            handles.push(scope.spawn(|| -> Result<(), String> {
                let taken = first.lock().map_err(|_| "poisoned".to_string())?.take();
                let mut model = match taken {
                    Some(x) => x,
                    None => src.load(&mut Quiet)?,
                };
                let mut v = model.verifier();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(t) = forest.traces.get(k) else { break };
                    let lim = Limits {
                        deadline: timeout.and_then(|d| Instant::now().checked_add(d)),
                        ..limits
                    };
                    let out = verify_one(&mut v, forest, t, lim, keep_order);
                    if let Ok(mut s) = slots_ptr.lock() {
                        s[k] = Some(out);
                    }
                }
                Ok(())
            }));
        }
        for h in handles {
            h.join()
                .map_err(|_| "a verifier thread panicked".to_string())??;
        }
        Ok(())
    })?;
    let verified: Vec<Verified> = slots.into_iter().flatten().collect();
    let mut report = Report::new("traces verify");
    report.results = read_errors;
    let mut summaries: Vec<corpus::TreeSummary> = Vec::new();
    for (v, t) in verified.into_iter().zip(&forest.traces) {
        let mut result = v.result;
        result.input = super::traces::trace_file(forest, t);
        report.results.push(result);
        summaries.extend(v.canon);
    }
    report.results.extend(corpus_results(&summaries));
    if let Some(depth) = options.coverage_depth {
        let conforming: Vec<&corpus::TreeSummary> = summaries.iter().collect();
        let mut model = src.load(observer)?;
        let mut v = model.verifier();
        let cov: Coverage = corpus::coverage(&mut v, &conforming, depth, limits.max_states);
        report.results.push(corpus::coverage_result(&v, &cov, depth));
    }
    Ok(report)
}

/// The round-trip and injectivity results over the conforming trees, in trace order.
pub(crate) fn corpus_results(summaries: &[corpus::TreeSummary]) -> [report::CheckResult; 2] {
    let conforming: Vec<&corpus::TreeSummary> = summaries.iter().collect();
    let round_trip_failures: Vec<&corpus::TreeSummary> = conforming
        .iter()
        .filter(|s| !s.round_trip)
        .copied()
        .collect();
    let collisions = corpus::injectivity(&conforming);
    [
        corpus::round_trip_result(conforming.len(), &round_trip_failures),
        corpus::injectivity_result(conforming.len(), &collisions),
    ]
}

/// Everything a worker needs to build its own verifier.
pub struct ModelSource {
    pub model_path: String,
    pub model_text: String,
    pub file: ModelFile,
    pub spec_path: String,
}

impl ModelSource {
    /// Reads and parses the model file; errors name the file and position
    /// (`model.toml:3:7: message`).
    pub fn read(path: &str) -> Result<ModelSource, String> {
        let text = super::read::read_text_capped(Path::new(path), super::read::CONFIG)
            .map_err(|e| format!("cannot read the model file: {e}"))?;
        let file = ModelFile::parse(&text).map_err(|e| format!("{path}:{e}"))?;
        let dir = Path::new(path).parent().unwrap_or(Path::new("."));
        let spec: PathBuf = dir.join(&file.spec);
        Ok(ModelSource {
            model_path: path.to_string(),
            model_text: text,
            file,
            spec_path: spec.to_string_lossy().into_owned(),
        })
    }

    /// Loads the script and resolves the mapping (each thread calls this once); the script's
    /// diagnostics go to `observer`.
    pub fn load(&self, observer: &mut dyn Observer) -> Result<Model, String> {
        let mut loader = FsLoader::default();
        let m = Model::from_file(
            self.file.clone(),
            &self.model_text,
            &self.spec_path,
            &mut loader,
        )
        .map_err(|e| match e {
            LoadError::Script(text) => {
                observer.diagnostic(&text);
                format!(
                    "{}: the specification {} could not be loaded",
                    self.model_path, self.spec_path
                )
            }
            e => format!("{}:{e}", self.model_path),
        })?;
        for n in loader.take_notes() {
            observer.diagnostic(&format!("{n}\n"));
        }
        Ok(m)
    }
}

/// A verified trace: its report entry, and what the corpus checks need.
pub(crate) struct Verified {
    pub(crate) result: report::CheckResult,
    pub(crate) canon: Option<corpus::TreeSummary>,
}

/// The report of a run whose model file could not be used: one result with verdict `error`
/// about it, so that every report format says why no trace was verified.
pub(crate) fn model_error_report(model: &str, dumps: &[String], text: &str) -> Report {
    let mut report = Report::new("traces verify");
    report.inputs.push(model.to_string());
    report.inputs.extend(dumps.iter().cloned());
    // `model.toml:3:7: message` keeps its position; otherwise the file is the position.
    let located = text
        .strip_prefix(model)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| {
            let mut parts = rest.splitn(3, ':');
            let line: u32 = parts.next()?.trim().parse().ok()?;
            let col: u32 = parts.next()?.trim().parse().ok()?;
            let message = parts.next()?.trim().to_string();
            Some((report::Location::at(model.to_string(), line.into(), col.into()), message))
        });
    let (position, message) =
        located.unwrap_or_else(|| (report::Location::file(model.to_string()), text.to_string()));
    let mut r = super::traces::error_result(model, "model".into(), &message, position);
    r.title = format!("the model file {model} could not be used");
    report.results.push(r);
    report
}

pub(crate) fn verify_one(
    v: &mut Verifier,
    forest: &Forest,
    t: &crate::otlp::Trace,
    lim: Limits,
    keep_order: bool,
) -> Verified {
    let clock = Instant::now();
    match v.verify(forest, t, lim) {
        Ok(tv) => {
            let stats = Stats {
                states: tv.cost.states,
                transitions: tv.cost.transitions,
                seconds: clock.elapsed().as_secs_f64(),
            };
            let mut result = result::check_result(v, forest, t, &tv.obs, &tv.outcome, stats);
            let canon = match &tv.outcome {
                PhiOutcome::Conforms(run) => {
                    Some(corpus::summarise(v, forest, t, &tv.obs, run, keep_order))
                }
                _ => None,
            };
            if let Verdict::Violated(cx) = &mut result.verdict {
                let mut tree = String::new();
                // (Writing into a String cannot fail.)
                let _ = draw(&mut tree, forest, t, &result.findings, 30, false);
                // The findings follow in the report; the tree keeps its marks only.
                let tree: Vec<&str> = tree.lines().filter(|l| !l.starts_with("  ✗")).collect();
                cx.facts
                    .push(("tree".into(), tree.join("\n").trim_end().to_string()));
            }
            Verified { result, canon }
        }
        Err(d) => {
            let mut result = result::check_result(
                v,
                forest,
                t,
                &Default::default(),
                &PhiOutcome::Inconclusive(String::new()),
                Stats::default(),
            );
            result.verdict = Verdict::Error(report::InputError {
                message: d.message.clone(),
                position: result.source.clone(),
            });
            result.findings.push(Finding {
                rule: "phi.error".into(),
                message: d.message.clone(),
                ..Default::default()
            });
            Verified {
                result,
                canon: None,
            }
        }
    }
}

