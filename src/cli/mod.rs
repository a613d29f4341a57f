//! The command line: clap definitions, reading files, calling the library, exit codes.
//!
//! Each subcommand lives in its own file and returns an [`Outcome`]; [`finish`] is the one
//! function that maps outcomes and errors to the published exit codes. Results go to stdout,
//! progress and diagnostics to stderr.
//!
//! Nothing here uses `print!` or `eprint!`: they panic when the other end of a pipe is gone
//! (`cspot check … | head -1`). Results go through [`emit`] (and the `out!`/`outln!` macros),
//! diagnostics through `diag!`/`diagln!`.

/// Writes a formatted result to stdout with [`emit`]; `?`-propagates a write error.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::emit_fmt(format_args!($($arg)*))? };
}

/// [`out!`] with a newline.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::emit_fmt(format_args!("{}\n", format_args!($($arg)*)))? };
}

/// Writes a diagnostic to stderr. A stderr that cannot be written to (closed, full) loses
/// the diagnostic, never the run: the exit code still says what happened.
macro_rules! diag {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

/// [`diag!`] with a newline.
macro_rules! diagln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub(crate) mod bsp;
pub(crate) mod check;
pub(crate) mod color;
pub(crate) mod common;
pub(crate) mod eval;
pub(crate) mod listen;
pub(crate) mod parse;
pub(crate) mod render;
pub(crate) mod traces;
pub(crate) mod units;
pub(crate) mod verify;

use clap::{Parser, Subcommand};

/// cspot: model checking for CSPM and verification of captured OpenTelemetry traces.
///
/// Exit codes: 0 every property holds, 1 a property is violated, 2 usage, parse, type or IO
/// error (an input that could not be checked is also a result with verdict `error` in every
/// report format), 3 a bound (states, memory, time) stopped a check before an answer, 4
/// nothing was checked (a file with no assertion, `eval --tests` with no test). An error
/// beats a violation, which beats an inconclusive result, which beats nothing checked.
///
/// Files read whole are capped: a CSPM source or included file at 256 MiB, a model or BSP
/// configuration file at 16 MiB, a saved report at 1 GiB; devices (`/dev/zero`) are refused.
#[derive(Parser)]
#[command(name = "cspot", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour diagnostics, human reports and trace trees: auto (when the stream written
    /// is a terminal and NO_COLOR is not set to a non-empty value; CLICOLOR_FORCE=1 colours
    /// pipes too), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value = "auto"
    )]
    color: color::ColorChoice,
}

#[derive(Subcommand)]
enum Command {
    /// Parse CSPM files and check their scopes.
    Parse(parse::ParseArgs),
    /// Evaluate an expression in the context of a CSPM file.
    Eval(eval::EvalArgs),
    /// Pretty-print CSPM files, keeping their comments.
    Fmt(parse::FmtArgs),
    /// Check the assertions of CSPM files.
    Check(check::CheckArgs),
    /// Export the labelled transition system of a process (dot, aut, json).
    Lts(check::LtsArgs),
    /// Read, assemble and check captured OpenTelemetry traces.
    Traces(traces::TracesArgs),
    /// Explore the OpenTelemetry BatchSpanProcessor model.
    Bsp(bsp::BspArgs),
    /// Render a saved JSON report again: human, JSON, JUnit, SARIF or HTML.
    Report(render::RenderArgs),
    /// Print a shell completion script: `cspot completions bash > ~/.local/share/bash-completion/completions/cspot`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `cspot man > cspot.1 && man ./cspot.1`; `--dir DIR`
    /// writes a page per subcommand too.
    Man(ManArgs),
}

#[derive(clap::Args)]
struct ManArgs {
    /// Write `cspot.1` and one page per subcommand (`cspot-check.1`, ...) into DIR instead.
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Parses the process's command line, runs the subcommand and gives the exit code; the
/// `cspot` binary is this function and a counting allocator.
pub fn main() -> i32 {
    let cli = Cli::parse();
    color::init(cli.color);
    let result = match cli.command {
        Command::Parse(a) => parse::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Fmt(a) => parse::run_fmt(a),
        Command::Check(a) => check::run(a),
        Command::Lts(a) => check::run_lts(a),
        Command::Traces(a) => traces::run(a),
        Command::Bsp(a) => bsp::run(a),
        Command::Report(a) => render::run(a),
        Command::Completions(a) => completions(a.shell),
        Command::Man(a) => man_page(a.dir),
    };
    finish(result)
}

/// The completion script of `shell` on stdout.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<Outcome> {
    use clap::CommandFactory as _;
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "cspot", &mut out);
    emit(&String::from_utf8_lossy(&out))?;
    Ok(Outcome::Code(exit::HOLDS))
}

/// The man page of `cspot` on stdout, or with `dir` one page per command and subcommand
/// (`cspot.1`, `cspot-check.1`, `cspot-traces-verify.1`, ...) written into it.
fn man_page(dir: Option<std::path::PathBuf>) -> anyhow::Result<Outcome> {
    use clap::CommandFactory as _;
    let cmd = Cli::command();
    if let Some(dir) = dir {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(cmd, &dir)
            .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
        return Ok(Outcome::Code(exit::HOLDS));
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut out)?;
    emit(&String::from_utf8_lossy(&out))?;
    Ok(Outcome::Code(exit::HOLDS))
}

use crate::report::{self, Format, RenderOptions, Report, exit};
use anyhow::Context as _;
use std::io::{ErrorKind, Write as _};

/// What a subcommand produced.
// One per run, moved once: its size does not matter, and boxing the report would only add
// an indirection to every subcommand.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// A report to render on stdout (followed by `trailer`, human text such as a summary
    /// table) and into the report files asked for; the exit code follows its verdicts.
    Report {
        report: Report,
        format: Format,
        render: RenderOptions,
        files: common::OutputFiles,
        trailer: String,
    },
    /// The subcommand printed what it had to and ends with this code.
    Code(i32),
    /// `outcome`, after a wrapped command that exited with `command`: the exit code is the
    /// worse of the two (see `listen::worse`).
    WithCommand { outcome: Box<Outcome>, command: i32 },
}

/// An error that already printed its diagnostics; only the exit code is left to give.
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("errors reported above")
    }
}
impl std::error::Error for Reported {}

/// Prints an outcome and gives the process exit code.
pub fn finish(result: anyhow::Result<Outcome>) -> i32 {
    match result {
        Ok(Outcome::Report {
            report,
            format,
            render,
            files,
            trailer,
        }) => {
            let written = files.write(&report, render).and_then(|()| {
                emit(&report::render(&report, format, render))?;
                emit(&trailer)
            });
            let code = match written {
                Ok(()) => report.exit_code(),
                Err(e) => finish(Err(e)),
            };
            // The process ends right after: freeing a report of a million traces is wasted work.
            std::mem::forget(report);
            code
        }
        Ok(Outcome::Code(code)) => code,
        Ok(Outcome::WithCommand { outcome, command }) => {
            listen::worse(finish(Ok(*outcome)), command)
        }
        Err(e) => {
            if e.downcast_ref::<Reported>().is_none() {
                diagln!("error: {e:#}");
            }
            exit::ERROR
        }
    }
}

/// Writes `text` to stdout and flushes it. A closed pipe (`cspot … | head -1`) is not an
/// error: the reader took what it wanted, so the rest is dropped quietly and the run still
/// ends with the exit code of its results (which `set -o pipefail` scripts rely on). Any
/// other write error (a full disk) is one: a truncated report must not pass for a whole one.
pub fn emit(text: &str) -> anyhow::Result<()> {
    emit_fmt(format_args!("{text}"))
}

/// [`emit`] of formatted text, written piece by piece: a whole report passed as `{}` is not
/// copied into a second string first (for 100 000 traces that copy was 13 MB of peak memory).
pub fn emit_fmt(args: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_fmt(args).and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to standard output"),
    }
}
