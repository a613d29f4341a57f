//! HTML rendering: one self-contained page for a whole report.
//!
//! Owns the page's skeleton (head, inline style and script, headings) and the order of its
//! parts: the verdict counts and the table of every result first, then one section per
//! result that needs a reader's attention. The page loads nothing: no network, no external
//! scripts, fonts or styles, and a Content-Security-Policy that forbids them. It must not do
//! IO, read the clock or iterate hash maps: the same report gives byte-identical HTML.

mod detail;
mod escape;
mod palette;
mod state_path;
mod steps;
mod summary;
mod timeline;

use super::{
    CheckResult, Counterexample, Finding, Kind, RenderOptions, Report, SpanView, Step, TraceView,
    Verdict,
};
use escape::Esc;
use std::fmt::Write;

const STYLE: &str = include_str!("assets/page.css");
/// Runs first, and only does anything when the page is opened with `#selftest` or
/// `?selftest`: it records script errors and the boxes of the marked elements into DOM
/// attributes, for the headless-browser test.
const SELFTEST_SCRIPT: &str = include_str!("assets/selftest.js");
/// Paging of the results table and small conveniences; the page reads fine without it.
const PAGE_SCRIPT: &str = include_str!("assets/page.js");

/// Everything external is forbidden, so a page that was tampered with (or a bug here) still
/// cannot make a request.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; \
script-src 'unsafe-inline'; img-src data:";

pub fn render(report: &Report, opts: RenderOptions) -> String {
    // About 200 bytes per summarised result; sections grow the string as they need.
    let mut out = String::with_capacity(16 * 1024 + report.results.len() * 256);
    let title = if report.command.is_empty() {
        "cspot report".to_string()
    } else {
        format!("cspot {} report", report.command)
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n\
         <title>{}</title>\n<script>{SELFTEST_SCRIPT}</script>\n<style>{STYLE}</style>\n\
         </head>\n<body>\n<header><h1>{}</h1></header>\n<main>\n",
        Esc(&title),
        Esc(&title)
    );
    summary::counts(&mut out, report);
    summary::inputs(&mut out, report);
    summary::results_table(&mut out, report);
    let with_sections = report.results.iter().filter(|r| has_section(r)).count();
    if with_sections > 0 {
        let _ = writeln!(out, "<h2 id=\"details\">Details ({with_sections})</h2>");
        for (index, r) in report.results.iter().enumerate() {
            if has_section(r) {
                detail::section(&mut out, index, r, opts);
            }
        }
    }
    let _ = write!(
        out,
        "</main>\n<footer><p>Written by cspot. This page is self-contained and loads nothing.</p></footer>\n\
         <script>{PAGE_SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

/// Whether a result gets a section of its own. The ones that hold are summarised in the
/// results table only, which keeps a run of thousands of traces small.
fn has_section(r: &CheckResult) -> bool {
    !matches!(r.verdict, Verdict::Holds) || !r.findings.is_empty() || r.trace.is_some()
}

/// The anchor of result `index`'s section.
fn section_id(index: usize) -> String {
    format!("r{index}")
}

/// The class and the visible word of a verdict. Errors and inconclusive results have their
/// own colours, never the green of a result that holds.
fn verdict_badge(v: &Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Holds => ("v-holds", "✓ holds"),
        Verdict::Violated(_) => ("v-violated", "✗ violated"),
        Verdict::Inconclusive(_) => ("v-inconclusive", "? inconclusive"),
        Verdict::Error(_) => ("v-error", "⚠ error"),
    }
}
