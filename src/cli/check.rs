//! `cspot check FILE... [--assert N] [--show-tau]`: every assertion of every file, in file
//! order, one result each; and `cspot lts FILE PROCESS --format dot|aut|json`: the explicit
//! labelled transition system of a process.

use super::Outcome;
use super::common::CheckOpts;
use super::parse::FsLoader;
use clap::{Args, ValueEnum};
use cspot::check::{CheckOptions, Checker};
use cspot::cspm::Script;
use cspot::cspm::source::{Diagnostic, SourceMap, Span};
use cspot::lts::{CompileOptions, Compiler, export};
use cspot::report::{self, Report, exit};
use std::path::PathBuf;

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
    for path in &args.files {
        let file = path.display().to_string();
        report.inputs.push(file.clone());
        let first = report.results.len();
        check_file(&args, &file, several, &mut report);
        for r in &mut report.results[first..] {
            r.input = Some(file.clone());
        }
    }
    Ok(args.opts.outcome(report, String::new()))
}

/// Checks the assertions of one file into `report`. Errors are reported on stderr (with
/// their source snippets) and recorded as results with verdict `error`: the other
/// assertions and files are still checked, and the exit code is 2.
fn check_file(args: &CheckArgs, file: &str, several: bool, report: &mut Report) {
    {
        let mut script = match Script::load(file, &mut FsLoader::default()) {
            Ok(s) => s,
            Err(e) => {
                diag!("{e}");
                report.results.extend(load_errors(file, &e));
                return;
            }
        };
        let asserts = script.assertions();
        let map = copy_map(script.source_map());
        if let Some(n) = args.assert.filter(|&n| n == 0 || n > asserts.len()) {
            let message = format!(
                "{file} has {} assertion{}; --assert {n} is out of range",
                asserts.len(),
                if asserts.len() == 1 { "" } else { "s" }
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
            explore: args.opts.explore(),
            compile: CompileOptions {
                max_leaf_states: args.max_leaf_states,
                ..CompileOptions::default()
            },
            show_tau: args.show_tau,
        };
        let pos_map = &map;
        let mut checker = Checker::new(
            &mut script,
            opts,
            Box::new(move |s: Span| pos_map.position(s)),
        );
        for (i, a) in asserts.iter().enumerate() {
            if args.assert.is_some_and(|n| n != i + 1) {
                continue;
            }
            let id = if several {
                format!("{file} assert {}", i + 1)
            } else {
                format!("assert {}", i + 1)
            };
            // An assertion that cannot be evaluated or checked is reported (stderr, with its
            // position, and in the report); the others are still checked; the exit code is 2.
            let a = match a {
                Ok(a) => a,
                Err(d) => {
                    diag!("{}", d.render(&map));
                    report.results.push(unevaluated(&map, id, d));
                    continue;
                }
            };
            let mut progress = args.opts.progress(&id);
            match checker.check(a, id.clone(), &mut |p| progress.update(p)) {
                Ok(r) => report.results.push(r),
                Err(d) => {
                    diag!("{}", d.render(&map));
                    report.results.push(checker.error_result(a, id, &d));
                }
            }
        }
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
}

pub fn run_lts(args: LtsArgs) -> anyhow::Result<Outcome> {
    let file = args.file.display().to_string();
    let mut script = match Script::load(&file, &mut FsLoader::default()) {
        Ok(s) => s,
        Err(e) => {
            diag!("{e}");
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let p = match script.process(&args.process) {
        Ok(p) => p,
        Err(d) => {
            diag!("{}", d.render(script.source_map()));
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let map = copy_map(script.source_map());
    let opts = CompileOptions {
        max_leaf_states: args.max_leaf_states,
        ..CompileOptions::default()
    };
    let mut c = Compiler::new(&mut script, opts);
    let m = match c.machine(p) {
        Ok(m) => m,
        Err(d) => {
            diag!("{}", d.render(&map));
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    // A bound that stops the exploration leaves the question open, as in `check`: exit 3.
    let Ok(lts) = export::explicit(&m, args.max_states) else {
        diagln!(
            "inconclusive: {} has more than {} states: stopped at the state bound, nothing \
             exported; raise --max-states",
            args.process,
            args.max_states
        );
        return Ok(Outcome::Code(exit::INCONCLUSIVE));
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
