//! HTML rendering: one self-contained page (no network, no external scripts, fonts or styles).

use super::{RenderOptions, Report};
use std::fmt::Write;

pub fn render(report: &Report, _opts: RenderOptions) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let _ = write!(out, "<title>cspot {}</title></head><body><table>", esc(&report.command));
    for r in &report.results {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r.id),
            esc(&r.title),
            r.verdict.as_str()
        );
    }
    out.push_str("</table></body></html>\n");
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
