//! `cspot report RESULT.json`: renders a saved JSON report again, in any format, so that a CI
//! job runs the check once, stores the JSON, and renders HTML, SARIF or JUnit later.
//!
//! The exit code is the saved report's (0 holds, 1 violated, 2 error, 3 inconclusive), so a
//! later job can gate on it as the checking job would have; a file that is not a cspot JSON
//! report is exit 2 with the JSON path of what is wrong.

use super::Outcome;
use super::common::{FormatArg, OutputFiles};
use crate::report::{self, RenderOptions};
use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(after_help = "Example: cspot check specs/*.csp --json result.json; \
    cspot report result.json --html report.html --sarif result.sarif")]
pub struct RenderArgs {
    /// A JSON report written by `--format json` or `--json FILE`; `-` reads standard input.
    #[arg(value_name = "RESULT.json")]
    pub file: PathBuf,
    /// Format of the report on standard output.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write the self-contained HTML report to this file (same as --report).
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Print nothing on standard output (only the files asked for are written).
    #[arg(short, long)]
    pub quiet: bool,
    /// Leave the saved wall-clock times out, so that renderings are byte-identical.
    #[arg(long)]
    pub no_timings: bool,
    #[command(flatten)]
    pub outputs: OutputFiles,
}

pub fn run(args: RenderArgs) -> anyhow::Result<Outcome> {
    let name = args.file.display().to_string();
    let text = if name == "-" {
        let bytes = crate::run::read::read_stdin_capped(crate::run::read::REPORT)
            .context("cannot read the report from standard input")?;
        String::from_utf8(bytes).context("the report on standard input is not UTF-8")?
    } else {
        crate::run::read::read_text_capped(&args.file, crate::run::read::REPORT)?
    };
    let saved =
        report::parse_json(&text).with_context(|| format!("{name} is not a cspot JSON report"))?;
    let mut files = args.outputs.clone();
    if args.html.is_some() {
        files.html = args.html.clone();
    }
    let color = matches!(args.format, FormatArg::Human) && super::color::stdout();
    let render = RenderOptions {
        timings: !args.no_timings,
        color,
    };
    if args.quiet {
        files.write(&saved, render)?;
        return Ok(Outcome::Code(saved.exit_code()));
    }
    Ok(Outcome::Report {
        report: saved,
        format: args.format.format(),
        render,
        files,
        trailer: String::new(),
    })
}
