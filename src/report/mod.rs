//! The one result model of cspot and its renderers.
//!
//! Every checking command (CSP assertions, captured traces, the BatchSpanProcessor explorer)
//! produces a [`Report`]: one [`CheckResult`] per assertion, trace or property, each with a
//! [`Verdict`]. This module owns the model, the exit-code contract and every rendering of it
//! (human, json, junit, sarif, html). It depends on no other cspot module and does no IO of its own:
//! renderers write into a `String` that the CLI prints.

mod html;
mod human;
mod json;
mod junit;
mod model;
pub mod rules;
mod sarif;
pub mod snippet;
mod text;

pub use json::{ParseError, parse as parse_json};
pub use model::*;
pub use text::{clean, clean_lines};

/// One result rendered on its own, for reports written as their results come (`--stream`):
/// human text, or the JSON object of its `results` element.
pub fn render_result(r: &CheckResult, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Json => {
            serde_json::to_string_pretty(&json::result_value(r, opts)).unwrap_or_default()
        }
        _ => human::result_text(r, opts),
    }
}

/// Exit codes of the `cspot` binary, published as constants (see DESIGN.md).
pub mod exit {
    /// Everything checked holds.
    pub const HOLDS: i32 = 0;
    /// At least one property is violated.
    pub const VIOLATED: i32 = 1;
    /// Usage, parse, type or IO error: the input could not be checked.
    pub const ERROR: i32 = 2;
    /// A bound (states, memory, time) stopped a check before an answer.
    pub const INCONCLUSIVE: i32 = 3;
    /// Nothing failed, but something was not checked at all: a CSPM file with no
    /// assertion, or `eval --tests` on a file with no test. A CI job that checks nothing
    /// must not pass silently.
    pub const NOTHING_CHECKED: i32 = 4;
}

/// Version of the JSON output schema; bumped only when a field is renamed or removed.
pub const SCHEMA_VERSION: u32 = 1;

/// Output format of every checking command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    /// Text for a terminal or a CI log.
    #[default]
    Human,
    /// The JSON contract (`src/report/report.schema.json`).
    Json,
    /// JUnit XML: a test suite per input file.
    Junit,
    /// SARIF 2.1.0, for code scanning; counterexamples as code flows.
    Sarif,
    /// One self-contained HTML page (`--report FILE.html`).
    Html,
}

/// Knobs that change rendering but never verdicts.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Print wall-clock seconds. Off makes output byte-identical between runs.
    pub timings: bool,
    /// Colour escape codes in human output.
    pub color: bool,
}

/// Renders a report in the chosen format.
pub fn render(report: &Report, format: Format, opts: RenderOptions) -> String {
    match format {
        Format::Human => human::render(report, opts),
        Format::Json => json::render(report, opts),
        Format::Junit => junit::render(report, opts),
        Format::Sarif => sarif::render(report, opts),
        Format::Html => html::render(report, opts),
    }
}

impl Report {
    /// The exit code this report calls for: an input error beats violated beats
    /// inconclusive beats nothing checked beats holds (an input that could not be checked
    /// must never pass, nor one in which there was nothing to check).
    pub fn exit_code(&self) -> i32 {
        let s = self.summary();
        if s.errors > 0 {
            exit::ERROR
        } else if s.violated > 0 {
            exit::VIOLATED
        } else if s.inconclusive > 0 {
            exit::INCONCLUSIVE
        } else if self.command == "check" && !self.unchecked_inputs().is_empty() {
            // A CSPM file is written to be checked: one with no assertion is a mistake. (A
            // dump with no span is an error of its own, or accepted with --allow-empty.)
            exit::NOTHING_CHECKED
        } else {
            exit::HOLDS
        }
    }

    /// The inputs that gave no result at all: a CSPM file with no assertion, for instance.
    pub fn unchecked_inputs(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .filter(|i| {
                !self
                    .results
                    .iter()
                    .any(|r| r.input.as_deref() == Some(i.as_str()))
            })
            .map(String::as_str)
            .collect()
    }
}
