//! Human rendering: one line per result, counterexamples as numbered steps, then a summary.

use super::text::{clean, clean_lines};
use super::{CheckResult, RenderOptions, Report, Verdict};
use std::fmt::Write;

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let mut out = String::new();
    for r in &report.results {
        result(&mut out, r, opts);
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "{} result{}: {} holds, {} violated, {} inconclusive{}",
        report.results.len(),
        if report.results.len() == 1 { "" } else { "s" },
        s.holds,
        s.violated,
        s.inconclusive,
        match s.errors {
            0 => String::new(),
            1 => ", 1 error".to_string(),
            n => format!(", {n} errors"),
        }
    );
    out
}

fn paint(opts: RenderOptions, code: &str, text: &str) -> String {
    if opts.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// One result as the report shows it (for output written as results come).
pub fn result_text(r: &CheckResult, opts: RenderOptions) -> String {
    let mut out = String::new();
    result(&mut out, r, opts);
    out
}

fn result(out: &mut String, r: &CheckResult, opts: RenderOptions) {
    let (code, word) = match &r.verdict {
        Verdict::Holds => ("32", "HOLDS"),
        Verdict::Violated(_) => ("31", "VIOLATED"),
        Verdict::Inconclusive(_) => ("33", "INCONCLUSIVE"),
        Verdict::Error(_) => ("1;31", "ERROR"),
    };
    // Padded outside the colour: `{:<12}` of a painted word counts its escape codes, and
    // coloured columns did not line up with plain ones.
    let pad = " ".repeat(12usize.saturating_sub(word.len()));
    let _ = write!(out, "{}{pad} {}", paint(opts, code, word), clean(&r.id));
    if !r.title.is_empty() {
        let _ = write!(out, ": {}", clean(&r.title));
    }
    if let Some(src) = &r.source {
        let _ = write!(out, "  ({})", clean(&src.to_string()));
    }
    if opts.timings {
        let _ = write!(
            out,
            "  [{} states, {} transitions, {:.3}s]",
            r.stats.states, r.stats.transitions, r.stats.seconds
        );
    }
    out.push('\n');
    match &r.verdict {
        Verdict::Holds => {}
        Verdict::Inconclusive(why) => {
            let _ = writeln!(out, "    reason: {}", clean_lines(why));
        }
        Verdict::Error(e) => match &e.position {
            Some(at) => {
                let _ = writeln!(
                    out,
                    "    error: {}  ({})",
                    clean_lines(&e.message),
                    clean(&at.to_string())
                );
            }
            None => {
                let _ = writeln!(out, "    error: {}", clean_lines(&e.message));
            }
        },
        Verdict::Violated(cx) => {
            let _ = writeln!(out, "    {}", clean_lines(&cx.summary));
            for (i, s) in cx.steps.iter().enumerate() {
                if cx.loop_start == Some(i) {
                    let _ = writeln!(out, "    -- loop starts here --");
                }
                let actor = if s.actor.is_empty() {
                    String::new()
                } else {
                    format!("[{}] ", clean(&s.actor))
                };
                let _ = write!(out, "    {:>3}. {actor}{}", i + 1, clean(&s.action));
                if let Some(src) = &s.source {
                    let _ = write!(out, "  ({})", clean(&src.to_string()));
                }
                out.push('\n');
                for d in &s.details {
                    let _ = writeln!(out, "         {}", clean_lines(d));
                }
            }
            for (k, v) in &cx.facts {
                let _ = writeln!(out, "    {}: {}", clean(k), clean_lines(v));
            }
        }
    }
    for f in &r.findings {
        let span = f
            .span_id
            .as_deref()
            .map(|s| format!(" span {}", clean(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {}{span}: {}",
            clean(&f.rule),
            clean_lines(&f.message)
        );
    }
}
