//! The command line: clap definitions, reading files, calling the library, exit codes.
//!
//! Each subcommand lives in its own file and returns an [`Outcome`]; [`exit_code`] is the one
//! function that maps outcomes and errors to the published exit codes. Results go to stdout,
//! progress and diagnostics to stderr.

pub mod bsp;
pub mod check;
pub mod common;
pub mod eval;
pub mod parse;
pub mod traces;

use cspot::report::{self, Format, RenderOptions, Report, exit};

/// What a subcommand produced.
pub enum Outcome {
    /// A report to render on stdout; the exit code follows its verdicts.
    Report {
        report: Report,
        format: Format,
        render: RenderOptions,
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
        }) => {
            print!("{}", report::render(&report, format, render));
            report.exit_code()
        }
        Ok(Outcome::Code(code)) => code,
        Err(e) => {
            if e.downcast_ref::<Reported>().is_none() {
                eprintln!("error: {e:#}");
            }
            exit::ERROR
        }
    }
}
