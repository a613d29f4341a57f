//! Checking captured traces: the structure and propagation rules over every trace of a dump
//! (`traces check`), one result per trace, and a result with verdict `error` per part of the
//! input that could not be read.

use super::{Observer, Quiet};
use crate::otlp::draw::title;
use crate::otlp::rules::{self, RuleConfig};
use crate::otlp::{Dump, Forest, Position, ReadError, ReadOptions, Trace};
use crate::report::{self, CheckResult, Counterexample, Finding, Kind, Report, Stats, Verdict};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How to read and check a dump. `Options::default()` runs every rule with no clock skew
/// allowed, refuses a dump with no span, and uses one worker per core and the default
/// memory bound, as `cspot traces check` does.
#[derive(Clone, Debug)]
pub struct Options {
    /// The rules to run and the clock skew the timing rules allow.
    pub rules: RuleConfig,
    /// Accept a dump that holds no span (otherwise it is an error: an empty capture almost
    /// always means a broken test or exporter).
    pub allow_empty: bool,
    /// Read ids written in base64 instead of reporting them.
    pub accept_base64: bool,
    /// The most one message, line or JSON string of a dump may take once decompressed.
    pub max_message: u64,
    /// Stop reading with an error past this many bytes of spans; `None` means 80 % of the
    /// memory available.
    pub max_memory: Option<u64>,
    /// Traces whose turn comes after this long are inconclusive.
    pub timeout: Option<Duration>,
    /// Worker threads; 0 means one per core. Reports do not depend on it.
    pub jobs: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rules: RuleConfig::all(),
            allow_empty: false,
            accept_base64: false,
            max_message: crate::otlp::DEFAULT_MAX_MESSAGE,
            max_memory: None,
            timeout: None,
            jobs: 0,
        }
    }
}

impl Options {
    pub(crate) fn read_options(&self) -> ReadOptions {
        ReadOptions {
            accept_base64: self.accept_base64,
            max_message: self.max_message,
            max_memory: self.max_memory.or_else(crate::budget::default_max_bytes),
        }
    }
}

/// Checks the span trees of one dump held in memory, named `name` in the report. Every format
/// `cspot traces check` reads is recognised by content: OTLP/JSON (a document or JSON Lines),
/// OTLP protobuf (a message or the file exporter's stream), zstd forms of these, Jaeger and
/// Zipkin v2 JSON.
pub fn check_bytes(name: &str, bytes: &[u8], options: &Options) -> Report {
    let started = Instant::now();
    let deadline = options.timeout.and_then(|t| started.checked_add(t));
    let dump = read_within(deadline, || crate::otlp::read(name, bytes, options.read_options()));
    let mut errors = read_error_results(&dump.errors);
    if let Some(e) = empty_error(&dump, name, options.allow_empty, &mut Quiet) {
        errors.push(e);
    }
    let mut report = check_dump(&dump, errors, options, started);
    report.inputs.push(name.to_string());
    report
}

/// Runs `read` (reading dumps) under the time bound `deadline`: a read past it fails with an
/// error at its position, so an endless stream or a slow bomb stops at `--timeout`.
pub(crate) fn read_within<T>(deadline: Option<Instant>, read: impl FnOnce() -> T) -> T {
    let bounds = crate::budget::Bounds {
        deadline,
        max_bytes: None,
    };
    crate::budget::scope(bounds, read).0
}

/// The error result of input `file` when it gave no span and that is not allowed (`None`
/// when it is, or when the file gave spans, or when its read errors already explain it).
pub(crate) fn empty_error(
    dump: &Dump,
    file: &str,
    allow_empty: bool,
    observer: &mut dyn Observer,
) -> Option<CheckResult> {
    let read = dump.forest.files.iter().position(|f| f == file);
    let spans = read.is_some_and(|k| dump.forest.spans.iter().any(|s| s.file as usize == k));
    if spans || dump.errors.iter().any(|e| e.file == file) {
        return None;
    }
    let shown = report::clean(file);
    if allow_empty {
        observer.diagnostic(&format!("note: no span in {shown} (accepted: --allow-empty)\n"));
        return None;
    }
    let message = format!(
        "no span in {file}: an empty capture usually means the test or its exporter is broken \
         (--allow-empty accepts it)"
    );
    observer.diagnostic(&format!("error: {}\n", report::clean(&message)));
    Some(error_result(
        file,
        format!("{file} empty"),
        &message,
        report::Location::file(file),
    ))
}

/// One result per trace of `dump` after the `errors` of reading it: the findings of the
/// rules, or inconclusive when the time bound passed before the trace's turn came.
pub(crate) fn check_dump(
    dump: &Dump,
    errors: Vec<CheckResult>,
    options: &Options,
    started: Instant,
) -> Report {
    let forest = &dump.forest;
    let deadline = options.timeout.and_then(|t| started.checked_add(t));
    let cfg = &options.rules;
    let check = |c: &mut rules::Checker, t: &Trace| {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            None
        } else {
            Some(c.check_trace(forest, t, cfg))
        }
    };
    // `None`: the time bound passed before the trace's turn came (reading is not
    // interrupted; the bound is looked at before each trace).
    let on_this_thread = || {
        let mut c = rules::Checker::default();
        forest.traces.iter().map(|t| check(&mut c, t)).collect()
    };
    // One job or one trace (the live receiver checks traces one at a time) needs no pool:
    // building one starts threads.
    let findings: Vec<Option<Vec<Finding>>> = if options.jobs == 1 || forest.traces.len() <= 1 {
        on_this_thread()
    } else {
        match rayon::ThreadPoolBuilder::new().num_threads(options.jobs).build() {
            Ok(pool) => pool.install(|| {
                forest
                    .traces
                    .par_iter()
                    .map_init(rules::Checker::default, check)
                    .collect()
            }),
            // No thread could be started: check on this one (the report does not change).
            Err(_) => on_this_thread(),
        }
    };
    let mut report = Report::new("traces check");
    report.results = errors;
    let mut services = Vec::new();
    for (t, f) in forest.traces.iter().zip(findings) {
        let (verdict, mut f) = match f {
            Some(f) => (verdict_of(&f), f),
            None => (
                Verdict::Inconclusive(format!(
                    "the time bound ({:?}) passed before this trace was checked",
                    options.timeout.unwrap_or_default()
                )),
                Vec::new(),
            ),
        };
        let file = trace_file(forest, t);
        crate::otlp::view::locate_findings(forest, t, &mut f);
        // Violated traces carry their span tree for timelines; holding ones stay summarised.
        let view = matches!(verdict, Verdict::Violated(_)).then(|| {
            let marked = f.iter().find_map(|x| x.span_id.as_deref());
            Box::new(crate::otlp::view::trace_view(forest, t, marked))
        });
        report.results.push(CheckResult {
            id: t.id.to_string(),
            kind: Kind::TraceStructure,
            title: title(forest, t, &mut services),
            source: file.clone().map(report::Location::file),
            input: file,
            verdict,
            findings: f,
            trace: view,
            stats: Stats::default(),
        });
    }
    report
}


/// Holds when the rules found nothing, violated with a one-line summary of the rules otherwise.
fn verdict_of(f: &[Finding]) -> Verdict {
    if f.is_empty() {
        return Verdict::Holds;
    }
    let mut rules: Vec<&str> = f.iter().map(|x| x.rule.as_str()).collect();
    rules.sort_unstable();
    rules.dedup();
    Verdict::Violated(Counterexample {
        summary: format!(
            "{} finding{}: {}",
            f.len(),
            if f.len() == 1 { "" } else { "s" },
            rules.join(", ")
        ),
        ..Counterexample::default()
    })
}

/// A result with verdict `error` about input `file` (kind `input`).
pub(crate) fn error_result(
    file: &str,
    id: String,
    message: &str,
    position: report::Location,
) -> CheckResult {
    let title = format!("{file} could not be read");
    CheckResult::input_error(id, title, Some(file), message, Some(position))
}

/// More read errors than this per file are summed up in one result: a dump of a million bad
/// lines must not make a million results.
const MAX_ERROR_RESULTS: usize = 100;

/// One result per read error, at most [`MAX_ERROR_RESULTS`] per file plus one that counts
/// the rest.
pub(crate) fn read_error_results(errors: &[ReadError]) -> Vec<CheckResult> {
    let mut per_file: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for e in errors {
        let n = per_file.entry(e.file.as_str()).or_default();
        *n += 1;
        if *n > MAX_ERROR_RESULTS {
            continue;
        }
        let position = match e.position {
            Position::LineCol { line, col } => report::Location::at(e.file.clone(), line, col),
            Position::Offset(o) => report::Location::byte(e.file.clone(), o),
            Position::File => report::Location::file(e.file.clone()),
        };
        let message = if e.path.is_empty() {
            e.message.clone()
        } else {
            format!("{}: {}", e.path, e.message)
        };
        out.push(error_result(
            &e.file,
            format!("{} read error {n}", e.file),
            &message,
            position,
        ));
    }
    for (file, n) in per_file {
        if n > MAX_ERROR_RESULTS {
            out.push(error_result(
                file,
                format!("{file} more read errors"),
                &format!(
                    "{} more read errors in {file} (the first {MAX_ERROR_RESULTS} are listed)",
                    n - MAX_ERROR_RESULTS
                ),
                report::Location::file(file),
            ));
        }
    }
    out
}

/// The input file of a trace: the file its first span was read from.
pub(crate) fn trace_file(forest: &Forest, t: &Trace) -> Option<String> {
    forest
        .spans
        .get(t.spans.start as usize)
        .and_then(|s| forest.files.get(s.file as usize))
        .cloned()
}
