//! `cspot check FILE... [--assert N] [--show-tau]`: every assertion of every file, in file
//! order, one result each; and `cspot lts FILE PROCESS --format dot|aut|json`: the explicit
//! labelled transition system of a process.

use super::Outcome;
use super::common::CheckOpts;
use super::parse::FsLoader;
use clap::{Args, ValueEnum};
use cspot::budget;
use cspot::check::{CheckOptions, Checker};
use cspot::cspm::Script;
use cspot::cspm::source::{Diagnostic, SourceMap, Span};
use cspot::lts::{CompileOptions, Compiler, export};
use cspot::report::{self, Report, exit};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 every assertion holds; 1 one is violated; 2 an input \
    error: a file that cannot be read or parsed, or an assertion that cannot be evaluated or \
    checked (an unsupported model such as [R= or [V=, a process with no finite LTS), which is \
    reported at its position and recorded in the report with verdict `error`, while the other \
    assertions and files are still checked; 3 a bound (--max-states, --max-memory, --timeout) \
    stopped a check, normalisation included. An error beats a violation, which beats an \
    inconclusive result."
)]
pub struct CheckArgs {
    /// CSPM files; their assertions are checked in file order, one result each.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check only the N-th assertion (1-based) of each file.
    #[arg(long = "assert", value_name = "N")]
    pub assert: Option<usize>,
    /// Keep internal (τ) steps in counterexamples; they are left out by default.
    #[arg(long)]
    pub show_tau: bool,
    /// A leaf process (a sequential process under the parallel operators) with more states
    /// than this is reported as not finite, with its name and position.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_leaf_states: usize,
    #[command(flatten)]
    pub opts: CheckOpts,
}

/// A copy of a script's files, so that positions can be rendered while the script is
/// borrowed by the checker.
fn copy_map(map: &SourceMap) -> SourceMap {
    let mut out = SourceMap::default();
    for (_, f) in map.files() {
        out.add(f.name.clone(), f.text.clone());
    }
    out
}

/// The result recorded for an assertion that could not be evaluated: titled with its first
/// line in the source (the `assert` line at or before the error).
fn unevaluated(map: &SourceMap, id: String, d: &Diagnostic) -> report::CheckResult {
    let text = &map.file(d.span.file).text;
    let at = (d.span.start as usize).min(text.len());
    let start = text[..at]
        .rmatch_indices("assert")
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text[..i].ends_with('\n'))
        .unwrap_or(0);
    let line = text[start..].lines().next().unwrap_or("");
    let title = line
        .strip_prefix("assert")
        .unwrap_or(line)
        .trim()
        .to_string();
    let source = map.position(Span::new(d.span.file, start, start));
    cspot::check::error_result(
        id,
        cspot::check::kind_of_text(&title),
        title,
        Some(source),
        &d.message,
        &map.position(d.span),
    )
}

/// One result of kind `input` per error of a file that could not be loaded (read, parsed,
/// scope-checked), so that every report format shows it and counts it.
fn load_errors(file: &str, e: &cspot::cspm::ScriptErrors) -> Vec<report::CheckResult> {
    let known = e.source_map.files().count();
    e.diagnostics
        .iter()
        .filter(|d| d.severity == cspot::cspm::source::Severity::Error)
        .enumerate()
        .map(|(i, d)| {
            let position = if (d.span.file.0 as usize) < known {
                e.source_map.position(d.span)
            } else {
                file.to_string()
            };
            input_error(
                file,
                format!("{file} error {}", i + 1),
                &d.message,
                position,
            )
        })
        .collect()
}

/// A result with verdict `error` about `file`.
fn input_error(file: &str, id: String, message: &str, position: String) -> report::CheckResult {
    report::CheckResult {
        id,
        kind: report::Kind::Input,
        title: format!("{file} could not be checked"),
        source: Some(position.clone()),
        input: Some(file.to_string()),
        verdict: report::Verdict::Error(report::InputError {
            message: message.to_string(),
            position: Some(position),
        }),
        ..Default::default()
    }
}

pub fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let mut report = Report::new("check");
    let several = args.files.len() > 1;
    for (k, path) in args.files.iter().enumerate() {
        let last = k + 1 == args.files.len();
        let file = path.display().to_string();
        report.inputs.push(file.clone());
        let first = report.results.len();
        check_file(&args, &file, several, last, &mut report);
        for r in &mut report.results[first..] {
            r.input = Some(file.clone());
        }
    }
    Ok(args.opts.outcome(report, String::new()))
}

/// Checks the assertions of one file into `report`. Errors are reported on stderr (with
/// their source snippets) and recorded as results with verdict `error`: the other
/// assertions and files are still checked, and the exit code is 2.
fn check_file(args: &CheckArgs, file: &str, several: bool, last: bool, report: &mut Report) {
    {
        let first = report.results.len();
        let explore = args.opts.explore();
        // Loading evaluates the channel and datatype declarations: it obeys the bounds too.
        let bounds = cspot::check::bounds(&explore, Instant::now());
        let (loaded, exceeded) =
            budget::scope(bounds, || Script::load(file, &mut FsLoader::default()));
        if let Some(bound) = exceeded {
            let reason = cspot::check::exceeded_text(&explore, bound, " while loading");
            diagln!("inconclusive: {file}: {reason}");
            let id = format!("{file} load");
            let title = format!("{file} could not be checked");
            report.results.push(report::CheckResult {
                source: Some(file.to_string()),
                ..cspot::check::bound_result(id, report::Kind::Input, title, reason)
            });
            return;
        }
        let mut script = match loaded {
            Ok(s) => s,
            Err(e) => {
                diag!("{e}");
                report.results.extend(load_errors(file, &e));
                return;
            }
        };
        let count = script.assertion_count();
        let map = copy_map(script.source_map());
        if let Some(n) = args.assert.filter(|&n| n == 0 || n > count) {
            let message = format!(
                "{file} has {count} assertion{}; --assert {n} is out of range",
                if count == 1 { "" } else { "s" }
            );
            diagln!("error: {message}");
            report.results.push(input_error(
                file,
                format!("{file} --assert {n}"),
                &message,
                file.to_string(),
            ));
            return;
        }
        let opts = CheckOptions {
            explore,
            compile: CompileOptions {
                max_leaf_states: args.max_leaf_states,
                ..CompileOptions::default()
            },
            show_tau: args.show_tau,
        };
        // Each assertion is evaluated under its own bounds, which its check then continues.
        let asserts: Vec<Evaluated> = (0..count)
            .filter(|&i| args.assert.is_none_or(|n| n == i + 1))
            .map(|i| {
                let started = Instant::now();
                let bounds = cspot::check::bounds(&opts.explore, started);
                let (value, exceeded) = budget::scope(bounds, || script.assertion(i));
                Evaluated {
                    index: i,
                    value,
                    spent: started.elapsed(),
                    exceeded,
                }
            })
            .collect();
        let explore = opts.explore.clone();
        let pos_map = &map;
        let mut checker = Checker::new(
            &mut script,
            opts,
            Box::new(move |s: Span| pos_map.position(s)),
        );
        for e in &asserts {
            let id = if several {
                format!("{file} assert {}", e.index + 1)
            } else {
                format!("assert {}", e.index + 1)
            };
            if let Some(bound) = e.exceeded {
                let reason =
                    cspot::check::exceeded_text(&explore, bound, " while evaluating the assertion");
                diagln!("inconclusive: {id}: {reason}");
                report
                    .results
                    .push(stopped_evaluating(&map, id, &e.value, reason));
                continue;
            }
            // An assertion that cannot be evaluated or checked is reported (stderr, with its
            // position, and in the report); the others are still checked; the exit code is 2.
            let a = match &e.value {
                Ok(a) => a,
                Err(d) => {
                    diag!("{}", d.render_styled(&map, super::color::stderr()));
                    report.results.push(unevaluated(&map, id, d));
                    continue;
                }
            };
            let mut progress = args.opts.progress(&id);
            // The time spent evaluating the assertion counts against its --timeout.
            let started = Instant::now()
                .checked_sub(e.spent)
                .unwrap_or_else(Instant::now);
            match checker.check_from(started, a, id.clone(), &mut |p| progress.update(p)) {
                Ok(r) => report.results.push(r),
                Err(d) => {
                    diag!("{}", d.render_styled(&map, super::color::stderr()));
                    report.results.push(checker.error_result(a, id, &d));
                }
            }
        }
        // Freeing what a check stopped at a bound built (millions of values and terms) took
        // seconds past --timeout; after the last file the process ends and the system takes
        // it back at once. Before another file it is freed, so that file starts afresh.
        let stopped = report.results[first..]
            .iter()
            .any(|r| matches!(r.verdict, report::Verdict::Inconclusive(_)));
        if last && stopped {
            std::mem::forget(checker);
            std::mem::forget(script);
        }
    }
}

/// An assertion evaluated before its check.
struct Evaluated {
    /// 0-based, in file order.
    index: usize,
    value: Result<cspot::cspm::proc::Assertion, Diagnostic>,
    spent: Duration,
    /// The bound its evaluation passed, if it did.
    exceeded: Option<budget::Exceeded>,
}

/// The result recorded for an assertion whose evaluation a bound stopped: inconclusive,
/// titled as [`unevaluated`] titles it.
fn stopped_evaluating(
    map: &SourceMap,
    id: String,
    value: &Result<cspot::cspm::proc::Assertion, Diagnostic>,
    reason: String,
) -> report::CheckResult {
    let span = match value {
        Ok(a) => a.span,
        Err(d) => d.span,
    };
    let located = unevaluated(map, id, &Diagnostic::error(span, ""));
    report::CheckResult {
        verdict: report::Verdict::Inconclusive(reason),
        ..located
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LtsFormat {
    Dot,
    Aut,
    Json,
}

#[derive(Args, Debug)]
pub struct LtsArgs {
    /// The CSPM file that defines the process.
    pub file: PathBuf,
    /// A process expression in the file's context, e.g. `SYSTEM` or `PHIL(2)`.
    pub process: String,
    /// Graphviz dot, Aldebaran aut (τ is `i`, ✓ is `tick`), or JSON.
    #[arg(long, value_enum, default_value = "dot")]
    pub format: LtsFormat,
    /// Refuse to export more states than this: the run ends inconclusive (exit 3), printing
    /// nothing on stdout.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_states: usize,
    /// A leaf process with more states than this is reported as not finite.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_leaf_states: usize,
    /// Stop after this long (seconds, or with a unit: 1.5s, 500ms, 5m), loading, evaluation
    /// and compilation included: the run ends inconclusive (exit 3), exporting nothing. No
    /// bound without it.
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_positive_duration)]
    pub timeout: Option<Duration>,
    /// Stop when the process would hold more memory than this (bytes, or with K, M, G, T,
    /// powers of 1024: 512M, 4GiB): exit 3, nothing exported. Default: 80% of the memory
    /// available when the run starts.
    #[arg(long, value_name = "SIZE", value_parser = super::units::parse_size)]
    pub max_memory: Option<u64>,
}

pub fn run_lts(args: LtsArgs) -> anyhow::Result<Outcome> {
    let file = args.file.display().to_string();
    // One budget for the whole run: loading, evaluating, compiling and exporting.
    super::common::within_bounds(
        args.timeout,
        args.max_memory,
        |bounds| lts_within(&args, &file, bounds),
        |bound, hint| {
            format!(
                "inconclusive: {} of {file}: {bound}; nothing exported; {hint}",
                args.process
            )
        },
    )
}

fn lts_within(args: &LtsArgs, file: &str, bounds: budget::Bounds) -> anyhow::Result<Outcome> {
    let mut script = match Script::load(file, &mut FsLoader::default()) {
        Ok(s) => s,
        Err(e) => {
            diag!("{e}");
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let p = match script.process(&args.process) {
        Ok(p) => p,
        Err(d) => {
            diag!(
                "{}",
                d.render_styled(script.source_map(), super::color::stderr())
            );
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let map = copy_map(script.source_map());
    let opts = CompileOptions {
        max_leaf_states: args.max_leaf_states,
        ..CompileOptions::default()
    };
    let mut c = Compiler::new(&mut script, opts);
    c.sem.budget = cspot::lts::sem::Budget {
        max_bytes: bounds.max_bytes,
        deadline: bounds.deadline,
    };
    let m = match c.machine(p) {
        Ok(m) => m,
        // The caller reports a bound that stopped the compilation.
        Err(_) if c.sem.stopped.is_some() || budget::exceeded().is_some() => {
            return Ok(Outcome::Code(exit::INCONCLUSIVE));
        }
        Err(d) => {
            diag!("{}", d.render_styled(&map, super::color::stderr()));
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    // A bound that stops the exploration leaves the question open, as in `check`: exit 3.
    let limits = export::Limits {
        max_states: args.max_states,
        max_bytes: bounds.max_bytes,
        deadline: bounds.deadline,
    };
    let lts = match export::explicit_within(&m, &limits) {
        Ok(lts) => lts,
        Err(stop) => {
            let why = match stop {
                export::Stop::States(n) => {
                    format!("more than {n} states: stopped at the state bound; raise --max-states")
                }
                export::Stop::Memory(n) => format!(
                    "stopped at the memory bound ({} MiB); raise --max-memory",
                    n >> 20
                ),
                export::Stop::Time => "stopped at the time bound; raise --timeout".to_string(),
            };
            diagln!("inconclusive: {}: {why}; nothing exported", args.process);
            return Ok(Outcome::Code(exit::INCONCLUSIVE));
        }
    };
    let name = |e| c.event_name(e).to_string();
    let describe = |s: u32| {
        let st = lts.state(s);
        (0..m.leaves.len())
            .map(|i| c.leaf_state(&m, i, m.local(st, i)))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let text = match args.format {
        LtsFormat::Dot => export::to_dot(&lts, &name, &describe),
        LtsFormat::Aut => export::to_aut(&lts, &name),
        LtsFormat::Json => export::to_json(&lts, &name, &describe),
    };
    out!("{text}");
    Ok(Outcome::Code(exit::HOLDS))
}
