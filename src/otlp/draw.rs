//! Span trees drawn as text: one line per span with its name, service, kind, duration and a
//! timeline bar over the trace, children in start-time order, the rules each span breaks
//! marked with `✗` and their messages below (`cspot traces tree`, and the tree of a Φ
//! violation).

use super::rules::fmt_ns;
use super::{Forest, Trace};
use crate::report::{Finding, clean};
use std::fmt::Write as _;

/// Levels of indentation a tree draws: a deeper span shows `[depth N]` after this many guides
/// instead of more, so a line is bounded whatever the depth and the drawing is linear in the
/// spans (a 100,000-span chain drew 3 · 10⁹ guide characters before).
const MAX_INDENT: usize = 24;

/// Where a span is drawn: its depth under its top span, whether it is the last of its
/// siblings, and the "last" flags of its ancestors below the top (their guides).
struct Row<'a> {
    span: u32,
    depth: usize,
    top: bool,
    last: bool,
    guides: &'a [(u32, usize, bool)],
}

impl Row<'_> {
    /// The indentation: a guide per ancestor level (at most [`MAX_INDENT`]), the depth when
    /// deeper, and the branch.
    fn prefix(&self) -> String {
        let mut p = String::new();
        for &(_, _, last) in self.guides.iter().take(MAX_INDENT) {
            p.push_str(if last { "   " } else { "│  " });
        }
        if self.guides.len() > MAX_INDENT {
            let _ = write!(p, "[depth {}] ", self.depth);
        }
        p.push_str(match (self.top, self.last) {
            (true, _) => "",
            (false, true) => "└─ ",
            (false, false) => "├─ ",
        });
        p
    }
}

/// Visits the spans of `t` depth first, children in order, each once (a parent cycle cannot
/// loop). Iterative, with one frame per level of the current path: memory is linear in the
/// depth, never in the spans, and no depth overflows the stack.
fn walk(
    forest: &Forest,
    t: &Trace,
    drawn: &mut [bool],
    mut visit: impl FnMut(&Row) -> std::fmt::Result,
) -> std::fmt::Result {
    let base = t.spans.start as usize;
    let mut mark = |i: u32| -> bool {
        match drawn.get_mut(i as usize - base) {
            Some(d) if !*d => {
                *d = true;
                true
            }
            _ => false,
        }
    };
    // Frames: (span, index of its next child, whether it is the last of its siblings).
    let mut frames: Vec<(u32, usize, bool)> = Vec::new();
    for top in forest.tops(t) {
        if !mark(top) {
            continue;
        }
        visit(&Row {
            span: top,
            depth: 0,
            top: true,
            last: true,
            guides: &[],
        })?;
        frames.push((top, 0, true));
        while let Some(frame) = frames.last_mut() {
            let kids = forest.children(frame.0);
            let Some(&c) = kids.get(frame.1) else {
                frames.pop();
                continue;
            };
            frame.1 += 1;
            let last = frame.1 == kids.len();
            if !mark(c) {
                continue;
            }
            visit(&Row {
                span: c,
                depth: frames.len(),
                top: false,
                last,
                guides: frames.get(1..).unwrap_or(&[]),
            })?;
            frames.push((c, 0, last));
        }
    }
    Ok(())
}

/// Draws one trace into `out` as it walks it (no whole-tree string): a first walk measures
/// the labels so that the bars line up, a second writes the lines. Text from the dump goes
/// through [`clean`].
pub fn draw(
    out: &mut impl std::fmt::Write,
    forest: &Forest,
    t: &Trace,
    findings: &[Finding],
    width: usize,
    color: bool,
) -> std::fmt::Result {
    let range = t.spans.range();
    let t0 = range
        .clone()
        .map(|i| forest.spans[i].start)
        .min()
        .unwrap_or(0);
    let t1 = range
        .clone()
        .map(|i| forest.spans[i].end.max(forest.spans[i].start))
        .max()
        .unwrap_or(0);
    let total = t1.saturating_sub(t0).max(1);
    writeln!(
        out,
        "trace {}  {}  {}{}",
        t.id,
        clean(&title(forest, t, &mut Vec::new())),
        fmt_ns(t1.saturating_sub(t0)),
        if findings.is_empty() {
            String::new()
        } else {
            format!("  {} finding(s)", findings.len())
        }
    )?;
    // The rules broken at each span, looked up once per span (not a scan of the findings).
    let mut marks: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for f in findings {
        if let Some(id) = f.span_id.as_deref() {
            let v = marks.entry(id).or_default();
            if v.last() != Some(&f.rule.as_str()) {
                v.push(f.rule.as_str());
            }
        }
    }
    let label = |row: &Row| -> String {
        let (i, s) = (row.span, forest.span(row.span));
        let mut label = format!(
            "{}  {} {}  {}",
            clean(forest.name(i)),
            clean(or_dash(forest.service_name(i))),
            s.kind.as_str(),
            fmt_ns(s.duration())
        );
        if row.top && s.has_parent() {
            let _ = write!(label, "  (parent {} not in trace)", s.parent);
        }
        label
    };
    let mut drawn = vec![false; t.spans.len as usize];
    let mut wide = 0;
    walk(forest, t, &mut drawn, |row| {
        wide = wide.max(row.prefix().chars().count() + label(row).chars().count());
        Ok(())
    })?;
    let wide = wide.min(100);
    drawn.fill(false);
    walk(forest, t, &mut drawn, |row| {
        let (p, l) = (row.prefix(), label(row));
        let s = forest.span(row.span);
        let n = p.chars().count() + l.chars().count();
        let bar = bar(
            s.start.saturating_sub(t0),
            s.end.max(s.start).saturating_sub(t0),
            total,
            width,
        );
        write!(
            out,
            "  {p}{l}{}  |{bar}|",
            " ".repeat(wide.saturating_sub(n))
        )?;
        if let Some(m) = marks.get(s.id.to_string().as_str()) {
            let text = clean(&format!("  ✗ {}", m.join(", "))).into_owned();
            if color {
                write!(out, "\x1b[31m{text}\x1b[0m")?;
            } else {
                out.write_str(&text)?;
            }
        }
        out.write_char('\n')
    })?;
    let mut unreached = range
        .clone()
        .filter(|&i| !drawn[i - t.spans.start as usize])
        .peekable();
    if unreached.peek().is_some() {
        writeln!(out, "  not reachable from any root (parent cycle):")?;
        for i in unreached {
            let i = i as u32;
            let s = forest.span(i);
            writeln!(
                out,
                "    {} {}  {} {}  parent {}",
                s.id,
                clean(forest.name(i)),
                clean(or_dash(forest.service_name(i))),
                s.kind.as_str(),
                s.parent
            )?;
        }
    }
    for f in findings {
        let span = f
            .span_id
            .as_deref()
            .map(|s| format!(" span {}", clean(s)))
            .unwrap_or_default();
        writeln!(out, "  ✗ {}{span}: {}", clean(&f.rule), clean(&f.message))?;
    }
    out.write_char('\n')
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

/// A timeline bar: `█` where the span runs, spaces elsewhere; at least one block.
fn bar(start: u64, end: u64, total: u64, width: usize) -> String {
    let scale = |x: u64| ((x as u128 * width as u128) / total as u128) as usize;
    let a = scale(start).min(width.saturating_sub(1));
    let b = scale(end).clamp(a + 1, width);
    let mut s = String::with_capacity(width * 3);
    for k in 0..width {
        s.push(if k >= a && k < b { '█' } else { ' ' });
    }
    s
}

/// The one-line description of a trace: its spans, services and root.
pub fn title(forest: &Forest, t: &Trace, services: &mut Vec<crate::otlp::Sym>) -> String {
    let n = t.spans.len;
    services.clear();
    services.extend(t.spans.range().map(|i| forest.service(i as u32)));
    services.sort_unstable();
    services.dedup();
    let root = forest
        .tops(t)
        .find(|&i| !forest.span(i).has_parent())
        .or_else(|| forest.tops(t).next());
    let root = root
        .map(|i| format!(", root '{}'", forest.name(i)))
        .unwrap_or_default();
    format!(
        "{n} span{}, {} service{}{root}",
        if n == 1 { "" } else { "s" },
        services.len(),
        if services.len() == 1 { "" } else { "s" }
    )
}
