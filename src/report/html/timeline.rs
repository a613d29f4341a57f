//! The timeline of a captured trace's span tree, in inline SVG, with its legend and the
//! failure point.
//!
//! Owns the layout: one row per span in the order of [`TraceView::spans`] (depth first),
//! names indented by depth, bars on a time axis that starts at the trace's first start,
//! colours by service, event ticks on the bars, the offending span and event marked, and what
//! the model allowed written at the failure point. It must not interpret findings or verdicts.

use super::escape::{Esc, clip};
use super::palette::service_colour;
use super::{SpanView, TraceView};
use std::collections::BTreeSet;
use std::fmt::Write;

const LABEL_WIDTH: f64 = 300.0;
const BAR_WIDTH: f64 = 740.0;
const WIDTH: f64 = LABEL_WIDTH + BAR_WIDTH + 20.0;
const ROW_HEIGHT: f64 = 22.0;
const AXIS_HEIGHT: f64 = 28.0;
const INDENT: f64 = 12.0;
/// Deeper spans stop indenting, so that their names keep some room.
const MAX_INDENT_DEPTH: u32 = 16;
const TICKS: u32 = 4;

/// The anchor of span `k` of result `index`'s timeline.
pub fn span_anchor(index: usize, k: usize) -> String {
    format!("r{index}-span{k}")
}

/// Nanoseconds as a short duration.
fn duration(ns: u64) -> String {
    let ns_f = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", ns_f / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1} ms", ns_f / 1e6)
    } else {
        format!("{:.2} s", ns_f / 1e9)
    }
}

/// Maps times to x: the trace's first start is 0.
struct Scale {
    origin: u64,
    range: u64,
}

impl Scale {
    fn of(spans: &[SpanView]) -> Scale {
        let origin = spans.iter().map(|s| s.start).min().unwrap_or(0);
        let times = spans.iter().flat_map(|s| {
            [s.start, s.end]
                .into_iter()
                .chain(s.events.iter().map(|e| e.time))
        });
        let end = times.max().unwrap_or(origin);
        Scale {
            origin,
            range: end.saturating_sub(origin).max(1),
        }
    }

    fn offset(&self, t: u64) -> u64 {
        t.saturating_sub(self.origin)
    }

    fn x(&self, t: u64) -> f64 {
        LABEL_WIDTH + BAR_WIDTH * (self.offset(t).min(self.range) as f64 / self.range as f64)
    }
}

pub fn draw(out: &mut String, index: usize, trace: &TraceView) {
    let spans = &trace.spans;
    let marked = trace
        .marked_span
        .as_deref()
        .and_then(|id| spans.iter().position(|s| s.id == id));
    let _ = writeln!(out, "<h4>Timeline ({} spans)</h4>", spans.len());
    if trace.omitted > 0 {
        let _ = writeln!(
            out,
            "<p class=\"note\">{} more span{} of this trace are not drawn (a report keeps the \
             first spans, the marked span and its ancestors).</p>",
            trace.omitted,
            if trace.omitted == 1 { "" } else { "s" }
        );
    }
    if spans.is_empty() {
        out.push_str("<p>The trace has no spans to draw.</p>\n");
    } else {
        legend(out, spans);
        svg(out, index, trace, marked);
    }
    failure_point(out, trace, marked);
}

/// The services, in order of first appearance, with their colours.
fn legend(out: &mut String, spans: &[SpanView]) {
    let mut seen = BTreeSet::new();
    out.push_str("<ul class=\"legend\" aria-label=\"services\">");
    for s in spans {
        if seen.insert(s.service.as_str()) {
            let _ = write!(
                out,
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                service_colour(&s.service),
                Esc(if s.service.is_empty() {
                    "(no service)"
                } else {
                    &s.service
                })
            );
        }
    }
    out.push_str("</ul>\n");
}

fn svg(out: &mut String, index: usize, trace: &TraceView, marked: Option<usize>) {
    let spans = &trace.spans;
    let scale = Scale::of(spans);
    let failure_row =
        marked.is_some() && (trace.marked_event.is_some() || !trace.allowed.is_empty());
    let rows = spans.len() + usize::from(failure_row);
    let height = AXIS_HEIGHT + rows as f64 * ROW_HEIGHT + 8.0;
    let _ = writeln!(
        out,
        "<div class=\"timeline-wrap\"><svg class=\"timeline\" \
         width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\">\
         <title>Timeline of {} spans over {}</title>",
        spans.len(),
        duration(scale.range)
    );
    for j in 0..=TICKS {
        let x = LABEL_WIDTH + BAR_WIDTH * f64::from(j) / f64::from(TICKS);
        let t = scale.range as f64 * f64::from(j) / f64::from(TICKS);
        let anchor = if j == TICKS { "end" } else { "middle" };
        let _ = writeln!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height}\"/>\
             <text class=\"axis\" x=\"{x:.1}\" y=\"14\" text-anchor=\"{anchor}\">{}</text>",
            AXIS_HEIGHT - 6.0,
            if j == 0 {
                "0".to_string()
            } else {
                format!("+{}", duration(t as u64))
            }
        );
    }
    let mut row = 0usize;
    for (k, span) in spans.iter().enumerate() {
        let y = AXIS_HEIGHT + row as f64 * ROW_HEIGHT;
        let is_marked = marked == Some(k);
        span_row(out, index, k, span, y, &scale, is_marked.then_some(trace));
        row += 1;
        if is_marked && failure_row {
            let y = AXIS_HEIGHT + row as f64 * ROW_HEIGHT;
            failure_row_text(out, trace, y);
            row += 1;
        }
    }
    out.push_str("</svg></div>\n");
}

/// One span's row. `marked` is the trace when this span is the offending one.
fn span_row(
    out: &mut String,
    index: usize,
    k: usize,
    span: &SpanView,
    y: f64,
    scale: &Scale,
    marked: Option<&TraceView>,
) {
    if marked.is_some() {
        let _ = write!(
            out,
            "<rect class=\"marked-row\" x=\"0\" y=\"{y}\" width=\"{WIDTH}\" height=\"{ROW_HEIGHT}\"/>"
        );
    }
    let _ = write!(
        out,
        "<g class=\"span\" id=\"{}\"><title>{}\nservice: {}\nspan {}",
        span_anchor(index, k),
        Esc(&span.name),
        Esc(&span.service),
        Esc(&span.id)
    );
    if let Some(parent) = &span.parent {
        let _ = write!(out, ", parent {}", Esc(parent));
    }
    let _ = write!(
        out,
        "\nstarts at +{}, lasts {}",
        duration(scale.offset(span.start)),
        duration(span.end.saturating_sub(span.start))
    );
    if let Some(src) = &span.source {
        let _ = write!(out, "\n{}", Esc(&src.to_string()));
    }
    out.push_str("</title>");
    let indent = 6.0 + f64::from(span.depth.min(MAX_INDENT_DEPTH)) * INDENT;
    // About 7 pixels per character of the label font.
    let room = ((LABEL_WIDTH - indent - 12.0) / 7.0).max(4.0) as usize;
    let name = if marked.is_some() {
        format!("▶ {}", span.name)
    } else {
        span.name.clone()
    };
    let _ = write!(
        out,
        "<text class=\"span-name\" x=\"{indent}\" y=\"{:.1}\">{}</text>",
        y + 15.0,
        Esc(&clip(&name, room))
    );
    let x = scale.x(span.start);
    let width = (scale.x(span.end.max(span.start)) - x).max(2.0);
    let _ = write!(
        out,
        "<rect class=\"bar{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"14\" \
         fill=\"{}\"/>",
        if marked.is_some() {
            " marked\" data-marked=\"span"
        } else {
            ""
        },
        y + 4.0,
        service_colour(&span.service),
    );
    let marked_event = marked.and_then(|t| t.marked_event.as_deref());
    let mut event_marked = false;
    for event in &span.events {
        let ex = scale.x(event.time);
        let is_marked = !event_marked && marked_event == Some(event.name.as_str());
        event_marked |= is_marked;
        if is_marked {
            event_diamond(out, ex, y, &event.name, scale.offset(event.time), None);
        } else {
            let _ = write!(
                out,
                "<g class=\"tick\"><title>{} at +{}</title><line x1=\"{ex:.1}\" y1=\"{:.1}\" \
                 x2=\"{ex:.1}\" y2=\"{:.1}\"/></g>",
                Esc(&event.name),
                duration(scale.offset(event.time)),
                y + 2.0,
                y + 20.0
            );
        }
    }
    // An observed event that is no event of the span (the start of a span, in Φ's terms) is
    // drawn where the span starts.
    if let (Some(name), false) = (marked_event, event_marked) {
        event_diamond(
            out,
            x,
            y,
            name,
            scale.offset(span.start),
            Some("drawn at the span's start"),
        );
    }
    out.push_str("</g>\n");
}

fn event_diamond(out: &mut String, x: f64, y: f64, name: &str, offset: u64, note: Option<&str>) {
    let cy = y + 11.0;
    let _ = write!(
        out,
        "<g class=\"marked-event\" data-marked=\"event\"><title>observed at the failure point: {} \
         at +{}{}</title><path d=\"M{x:.1},{:.1}L{:.1},{cy:.1}L{x:.1},{:.1}L{:.1},{cy:.1}z\"/></g>",
        Esc(name),
        duration(offset),
        note.map(|n| format!(" ({n})")).unwrap_or_default(),
        cy - 8.0,
        x + 6.0,
        cy + 8.0,
        x - 6.0
    );
}

/// The line under the offending span: what was observed and what the model allowed.
fn failure_row_text(out: &mut String, trace: &TraceView, y: f64) {
    let mut text = String::from("⚑ failure point");
    if let Some(event) = &trace.marked_event {
        let _ = write!(text, ": observed {event}");
    }
    if trace.allowed.is_empty() {
        text.push_str("; the model allowed nothing here");
    } else {
        let _ = write!(text, "; the model allowed: {}", trace.allowed.join(" | "));
    }
    let _ = writeln!(
        out,
        "<g class=\"failure-row\"><title>{}</title><text x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
        Esc(&text),
        LABEL_WIDTH / 3.0,
        y + 15.0,
        Esc(&clip(&text, 130))
    );
}

/// The failure point in words, under the drawing (and the only account of it when the trace
/// has no spans to draw).
fn failure_point(out: &mut String, trace: &TraceView, marked: Option<usize>) {
    if trace.marked_span.is_none() && trace.marked_event.is_none() && trace.allowed.is_empty() {
        return;
    }
    out.push_str("<div class=\"failure-point\"><h5>Failure point</h5><dl>");
    if let Some(id) = &trace.marked_span {
        let _ = write!(out, "<dt>Offending span</dt><dd><code>{}</code>", Esc(id));
        match marked.and_then(|k| trace.spans.get(k)) {
            Some(span) => {
                let _ = write!(out, " {} ({})", Esc(&span.name), Esc(&span.service));
            }
            None => out.push_str(" (not in the trace)"),
        }
        out.push_str("</dd>");
    }
    if let Some(event) = &trace.marked_event {
        let _ = write!(out, "<dt>Observed</dt><dd><code>{}</code></dd>", Esc(event));
    }
    if trace.marked_event.is_some() || !trace.allowed.is_empty() {
        out.push_str("<dt>The model allowed</dt><dd>");
        if trace.allowed.is_empty() {
            out.push_str("nothing here");
        } else {
            out.push_str("<ul class=\"chips\">");
            for a in &trace.allowed {
                let _ = write!(out, "<li><code>{}</code></li>", Esc(a));
            }
            out.push_str("</ul>");
        }
        out.push_str("</dd>");
    }
    out.push_str("</dl></div>\n");
}
