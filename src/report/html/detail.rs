//! One result in full: its heading, what was checked, and why it does not hold.
//!
//! Owns the choice of views per kind of result: the state-path drawing for CSP checks, the
//! span timeline for captured traces, the step table (with a column per state part) for every
//! counterexample, then facts and findings. It must not lay out drawings itself: those belong
//! to [`super::state_path`], [`super::timeline`] and [`super::steps`].

use super::escape::Esc;
use super::{
    CheckResult, Counterexample, Finding, Kind, RenderOptions, TraceView, Verdict, section_id,
    state_path, steps, timeline, verdict_badge,
};
use std::fmt::Write;

/// The kinds whose counterexamples are paths through the states of a CSP process.
fn is_csp_check(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::RefinementTraces
            | Kind::RefinementFailures
            | Kind::RefinementFd
            | Kind::Deadlock
            | Kind::Divergence
            | Kind::Determinism
            | Kind::HasTrace
    )
}

pub fn section(out: &mut String, index: usize, r: &CheckResult, opts: RenderOptions) {
    let id = section_id(index);
    let (class, word) = verdict_badge(&r.verdict);
    let _ = write!(
        out,
        "<section class=\"result {class}\" id=\"{id}\" aria-labelledby=\"{id}-h\">\n\
         <h3 id=\"{id}-h\"><span class=\"badge {class}\">{word}</span> {}</h3>\n",
        Esc(&r.id)
    );
    if !r.title.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"check-title\"><code>{}</code></p>",
            Esc(&r.title)
        );
    }
    meta(out, r, opts);
    match &r.verdict {
        Verdict::Holds => {}
        Verdict::Error(e) => {
            let _ = write!(
                out,
                "<div class=\"problem v-error\" role=\"alert\"><p><strong>Could not be \
                 checked:</strong> {}</p>",
                Esc(&e.message)
            );
            if let Some(at) = &e.position {
                let _ = write!(out, "<p>At <code>{}</code></p>", Esc(&at.to_string()));
            }
            out.push_str("</div>\n");
        }
        Verdict::Inconclusive(why) => {
            let _ = writeln!(
                out,
                "<div class=\"problem v-inconclusive\"><p><strong>No answer:</strong> {}</p></div>",
                Esc(why)
            );
        }
        Verdict::Violated(cx) => {
            let _ = writeln!(out, "<p class=\"cx-summary\">{}</p>", Esc(&cx.summary));
        }
    }
    let counterexample = match &r.verdict {
        Verdict::Violated(cx) => Some(cx),
        _ => None,
    };
    // A captured trace is read from its timeline and findings; the model's path comes after.
    if let Some(trace) = &r.trace {
        timeline::draw(out, index, trace);
    }
    if !r.findings.is_empty() {
        findings(out, index, &r.findings, r.trace.as_deref());
    }
    if let Some(cx) = counterexample {
        counterexample_views(out, index, r.kind, cx);
    }
    out.push_str("</section>\n");
}

fn counterexample_views(out: &mut String, index: usize, kind: Kind, cx: &Counterexample) {
    let csp = is_csp_check(kind);
    if csp {
        state_path::draw(out, index, cx);
    }
    if !cx.steps.is_empty() || !cx.initial.is_empty() {
        let _ = writeln!(
            out,
            "<h4>Counterexample: {} step{}{}</h4>",
            cx.steps.len(),
            if cx.steps.len() == 1 { "" } else { "s" },
            if cx.loop_start.is_some() {
                ", ending in a loop"
            } else {
                ""
            }
        );
        steps::table(out, index, cx, csp);
    }
    facts(out, &cx.facts);
}

fn meta(out: &mut String, r: &CheckResult, opts: RenderOptions) {
    let _ = write!(
        out,
        "<ul class=\"meta\"><li><strong>Kind:</strong> {}</li>",
        r.kind.as_str()
    );
    if let Some(src) = &r.source {
        let _ = write!(
            out,
            "<li><strong>Source:</strong> <code>{}</code></li>",
            Esc(&src.to_string())
        );
    }
    if let Some(input) = &r.input {
        let _ = write!(
            out,
            "<li><strong>Input:</strong> <code>{}</code></li>",
            Esc(input)
        );
    }
    if r.stats.states > 0 || r.stats.transitions > 0 {
        let _ = write!(
            out,
            "<li><strong>Explored:</strong> {} states, {} transitions</li>",
            r.stats.states, r.stats.transitions
        );
    }
    if opts.timings {
        let _ = write!(
            out,
            "<li><strong>Time:</strong> {:.3} s</li>",
            r.stats.seconds
        );
    }
    out.push_str("</ul>\n");
}

fn facts(out: &mut String, facts: &[(String, String)]) {
    if facts.is_empty() {
        return;
    }
    out.push_str("<h4>Facts</h4>\n<dl class=\"facts\">");
    for (name, value) in facts {
        // Multi-line facts (a text tree of spans) keep their layout.
        let class = if value.contains('\n') {
            " class=\"pre\""
        } else {
            ""
        };
        let _ = write!(out, "<dt>{}</dt><dd{class}>{}</dd>", Esc(name), Esc(value));
    }
    out.push_str("</dl>\n");
}

fn findings(out: &mut String, index: usize, findings: &[Finding], trace: Option<&TraceView>) {
    let _ = write!(
        out,
        "<h4>Findings ({})</h4>\n<div class=\"table-wrap\"><table class=\"findings\"><thead><tr>\
         <th scope=\"col\">Rule</th><th scope=\"col\">Span</th><th scope=\"col\">Message</th>\
         <th scope=\"col\">Related spans</th><th scope=\"col\">Source</th></tr></thead><tbody>\n",
        findings.len()
    );
    for f in findings {
        let _ = write!(
            out,
            "<tr><td class=\"nowrap\"><code>{}</code></td><td>",
            Esc(&f.rule)
        );
        if let Some(span) = &f.span_id {
            span_link(out, index, span, trace);
        }
        let _ = write!(out, "</td><td>{}</td><td>", Esc(&f.message));
        for (k, span) in f.related.iter().enumerate() {
            if k > 0 {
                out.push_str(", ");
            }
            span_link(out, index, span, trace);
        }
        out.push_str("</td><td class=\"src\">");
        if let Some(src) = &f.source {
            let _ = write!(out, "<code>{}</code>", Esc(&src.to_string()));
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

/// A span id, linked to its bar in the timeline when the trace has it.
fn span_link(out: &mut String, index: usize, span: &str, trace: Option<&TraceView>) {
    match trace.and_then(|t| t.spans.iter().position(|s| s.id == span)) {
        Some(k) => {
            let _ = write!(
                out,
                "<a href=\"#{}\"><code>{}</code></a>",
                timeline::span_anchor(index, k),
                Esc(span)
            );
        }
        None => {
            let _ = write!(out, "<code>{}</code>", Esc(span));
        }
    }
}
