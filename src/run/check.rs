//! Checking CSPM files: load each (with its includes), evaluate each assertion under its own
//! bounds, check it, one result per assertion; a file or assertion that cannot be checked is
//! a result with verdict `error` (kind `input` for a file that cannot be loaded).

use super::{FsLoader, Limits, Observer, Quiet};
use crate::budget;
use crate::check::{CheckOptions, Checker};
use crate::cspm::Script;
use crate::cspm::source::{Diagnostic, Loader, SourceMap, Span};
use crate::lts::CompileOptions;
use crate::report::{self, Report};
use std::path::Path;
use std::time::{Duration, Instant};

/// How to check a CSPM file. `Options::default()` checks every assertion with one worker per
/// core, the default memory bound and no time or state bound, as `cspot check` does.
#[derive(Clone, Debug)]
pub struct Options {
    /// Check only this assertion (1-based, in file order) of each file.
    pub assert: Option<usize>,
    /// Keep internal (τ) steps in counterexamples.
    pub show_tau: bool,
    /// A leaf process (a sequential process under the parallel, hiding and renaming
    /// operators) with more states than this is an error ("not finite").
    pub max_leaf_states: usize,
    /// Workers and bounds of each check (the time bound covers loading and evaluation).
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            assert: None,
            show_tau: false,
            max_leaf_states: 200_000,
            limits: Limits::default(),
        }
    }
}

/// Checks every assertion of the CSPM file at `path` (includes are read relative to it).
/// Input that cannot be checked (a missing file, a syntax error, an assertion that cannot be
/// evaluated) is a result with verdict `error`; [`Report::exit_code`] gives the CLI's exit
/// code for the whole.
pub fn check_file(path: impl AsRef<Path>, options: &Options) -> Report {
    let file = path.as_ref().display().to_string();
    check_files(&[file], options, &mut Quiet)
}

/// Checks every assertion of CSPM `text`, named `name` in positions. An `include` in it is
/// read from the file system, relative to `name`.
pub fn check_str(name: &str, text: &str, options: &Options) -> Report {
    let mut report = Report::new("check");
    report.inputs.push(name.to_string());
    let mut loader = InMemory {
        name,
        text,
        files: FsLoader::default(),
    };
    check_one(&mut loader, name, options, false, true, &mut report, &mut Quiet);
    for r in &mut report.results {
        r.input = Some(name.to_string());
    }
    report
}

/// Checks the files in order into one report, telling `observer` the diagnostics and the
/// progress of each search: what `cspot check` does.
pub fn check_files(files: &[String], options: &Options, observer: &mut dyn Observer) -> Report {
    check_files_then_exit(files, options, observer, false)
}

/// [`check_files`] for a process that ends right after (the CLI): when a bound stopped a
/// check of the last file, what it built is not freed. Freeing millions of memoised values
/// and terms took seconds past `--timeout`; the system takes the memory back at exit at once.
pub(crate) fn check_files_then_exit(
    files: &[String],
    options: &Options,
    observer: &mut dyn Observer,
    exits: bool,
) -> Report {
    let mut report = Report::new("check");
    let several = files.len() > 1;
    for (k, file) in files.iter().enumerate() {
        let last = exits && k + 1 == files.len();
        report.inputs.push(file.clone());
        let first = report.results.len();
        let mut loader = FsLoader::default();
        check_one(&mut loader, file, options, several, last, &mut report, observer);
        for n in loader.take_notes() {
            observer.diagnostic(&format!("{n}\n"));
        }
        for r in &mut report.results[first..] {
            r.input = Some(file.clone());
        }
    }
    report
}

/// The text of the checked string, and the file system for what it includes.
struct InMemory<'a> {
    name: &'a str,
    text: &'a str,
    files: FsLoader,
}

impl Loader for InMemory<'_> {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        if from.is_none() && path == self.name {
            return Ok((self.name.to_string(), self.text.to_string()));
        }
        self.files.load(path, from)
    }
}

/// A copy of a script's files, so that positions can be rendered while the script is
/// borrowed by the checker.
pub(crate) fn copy_map(map: &SourceMap) -> SourceMap {
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
    let source = crate::check::location(map, Span::new(d.span.file, start, start));
    crate::check::error_result(
        id,
        crate::check::kind_of_text(&title),
        title,
        Some(source),
        &d.message,
        crate::check::location(map, d.span),
    )
}

/// One result of kind `input` per error of a file that could not be loaded (read, parsed,
/// scope-checked), so that every report format shows it and counts it.
fn load_errors(file: &str, e: &crate::cspm::ScriptErrors) -> Vec<report::CheckResult> {
    let known = e.source_map.files().count();
    e.diagnostics
        .iter()
        .filter(|d| d.severity == crate::cspm::source::Severity::Error)
        .enumerate()
        .map(|(i, d)| {
            let position = if (d.span.file.0 as usize) < known {
                crate::check::location(&e.source_map, d.span)
            } else {
                report::Location::file(file)
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
fn input_error(
    file: &str,
    id: String,
    message: &str,
    position: report::Location,
) -> report::CheckResult {
    let title = format!("{file} could not be checked");
    report::CheckResult::input_error(id, title, Some(file), message, Some(position))
}

/// Checks the assertions of one file into `report`; `last` says that the process ends right
/// after, so that a check stopped at a bound is left for the system to free. Errors go to the observer (with their
/// source snippets) and into the report as results with verdict `error`: the other
/// assertions and files are still checked.
fn check_one(
    loader: &mut dyn Loader,
    file: &str,
    options: &Options,
    several: bool,
    last: bool,
    report: &mut Report,
    observer: &mut dyn Observer,
) {
    let first = report.results.len();
    let explore = options.limits.explore();
    // Loading evaluates the channel and datatype declarations: it obeys the bounds too.
    let bounds = crate::check::bounds(&explore, Instant::now());
    let (loaded, exceeded) = budget::scope(bounds, || Script::load(file, loader));
    if let Some(bound) = exceeded {
        let reason = crate::check::exceeded_text(&explore, bound, " while loading");
        observer.diagnostic(&format!("inconclusive: {file}: {reason}\n"));
        let id = format!("{file} load");
        let title = format!("{file} could not be checked");
        report.results.push(report::CheckResult {
            source: Some(report::Location::file(file)),
            ..crate::check::bound_result(id, report::Kind::Input, title, reason)
        });
        return;
    }
    let mut script = match loaded {
        Ok(s) => s,
        Err(e) => {
            observer.diagnostic(&e.to_string());
            report.results.extend(load_errors(file, &e));
            return;
        }
    };
    let count = script.assertion_count();
    if count == 0 {
        observer.diagnostic(&format!(
            "warning: {file} has no assertion: nothing in it was checked (exit code 4 when \
             nothing else fails)\n"
        ));
        return;
    }
    let map = copy_map(script.source_map());
    if let Some(n) = options.assert.filter(|&n| n == 0 || n > count) {
        let message = format!(
            "{file} has {count} assertion{}; --assert {n} is out of range",
            if count == 1 { "" } else { "s" }
        );
        observer.diagnostic(&format!("error: {message}\n"));
        report.results.push(input_error(
            file,
            format!("{file} --assert {n}"),
            &message,
            report::Location::file(file),
        ));
        return;
    }
    let opts = CheckOptions {
        explore,
        compile: CompileOptions {
            max_leaf_states: options.max_leaf_states,
            ..CompileOptions::default()
        },
        show_tau: options.show_tau,
    };
    // Each assertion is evaluated under its own bounds, which its check then continues.
    let asserts: Vec<Evaluated> = (0..count)
        .filter(|&i| options.assert.is_none_or(|n| n == i + 1))
        .map(|i| {
            let started = Instant::now();
            let bounds = crate::check::bounds(&opts.explore, started);
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
        Box::new(move |s: Span| crate::check::location(pos_map, s)),
    );
    for e in &asserts {
        let id = if several {
            format!("{file} assert {}", e.index + 1)
        } else {
            format!("assert {}", e.index + 1)
        };
        if let Some(bound) = e.exceeded {
            let reason =
                crate::check::exceeded_text(&explore, bound, " while evaluating the assertion");
            observer.diagnostic(&format!("inconclusive: {id}: {reason}\n"));
            report
                .results
                .push(stopped_evaluating(&map, id, &e.value, reason));
            continue;
        }
        // An assertion that cannot be evaluated or checked is reported (to the observer, with
        // its position, and in the report); the others are still checked.
        let a = match &e.value {
            Ok(a) => a,
            Err(d) => {
                observer.diagnostic(&d.render_styled(&map, observer.color()));
                report.results.push(unevaluated(&map, id, d));
                continue;
            }
        };
        observer.started(&id);
        // The time spent evaluating the assertion counts against its --timeout.
        let started = Instant::now()
            .checked_sub(e.spent)
            .unwrap_or_else(Instant::now);
        let checked = checker.check_from(started, a, id.clone(), &mut |p| observer.progress(p));
        observer.finished();
        match checked {
            Ok(r) => report.results.push(r),
            Err(d) => {
                observer.diagnostic(&d.render_styled(&map, observer.color()));
                report.results.push(checker.error_result(a, id, &d));
            }
        }
    }
    // `last` only when the process ends right after (see `check_files_then_exit`).
    let stopped = report.results[first..]
        .iter()
        .any(|r| matches!(r.verdict, report::Verdict::Inconclusive(_)));
    if last && stopped {
        std::mem::forget(checker);
        std::mem::forget(script);
    }
}

/// An assertion evaluated before its check.
struct Evaluated {
    /// 0-based, in file order.
    index: usize,
    value: Result<crate::cspm::proc::Assertion, Diagnostic>,
    spent: Duration,
    /// The bound its evaluation passed, if it did.
    exceeded: Option<budget::Exceeded>,
}

/// The result recorded for an assertion whose evaluation a bound stopped: inconclusive,
/// titled as [`unevaluated`] titles it.
fn stopped_evaluating(
    map: &SourceMap,
    id: String,
    value: &Result<crate::cspm::proc::Assertion, Diagnostic>,
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
