//! The command line: clap definitions, reading files, calling the library, exit codes.
//!
//! Each subcommand lives in its own file and returns an [`Outcome`]; [`exit_code`] is the one
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

pub mod bsp;
pub mod check;
pub mod color;
pub mod common;
pub mod eval;
pub mod parse;
pub mod read;
pub mod render;
pub mod traces;
pub mod units;
pub mod verify;

use anyhow::Context as _;
use cspot::report::{self, Format, RenderOptions, Report, exit};
use std::io::{ErrorKind, Write as _};

/// What a subcommand produced.
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
