//! A trace's span tree as the report model carries it ([`TraceView`]), for renderers that
//! draw timelines. Owns only the conversion from the forest; draws nothing and reads nothing.

use super::{Forest, Trace};
use crate::report::{EventView, Finding, Location, SpanView, TraceView};

/// The line of span `i` in its dump where the reader knows it, else its file.
pub fn span_source(forest: &Forest, i: u32) -> Option<Location> {
    let s = forest.span(i);
    let file = forest.files.get(s.file as usize)?;
    Some(if s.line > 0 {
        Location::line(file.clone(), u64::from(s.line))
    } else {
        Location::file(file.clone())
    })
}

/// Sets each finding's source to the line of its span in the dump (or the trace's file when
/// the finding names no span of the trace), so that code-scanning tools can point at it.
pub fn locate_findings(forest: &Forest, t: &Trace, findings: &mut [Finding]) {
    let first = t.spans.start;
    for f in findings.iter_mut().filter(|f| f.source.is_none()) {
        let at = f.span_id.as_deref().and_then(|id| {
            t.spans
                .range()
                .find(|&i| forest.spans[i].id.to_string() == id)
                .map(|i| i as u32)
        });
        f.source = span_source(forest, at.unwrap_or(first));
    }
}

/// Spans past this many are left out of a view (counted in [`TraceView::omitted`]): a report
/// shows a timeline a person can read, and a 100,000-span trace must not make a 100 MB page.
/// The marked span and its ancestors are always kept.
pub const MAX_VIEW_SPANS: usize = 2_000;

/// The trace `t` in depth-first order from its tops (parents before children, siblings in
/// the forest's order: by start time), each span with its depth; spans on a cycle, which no
/// top reaches, follow at depth 0. `marked` (a span id in hex) is kept even past the cap.
pub fn trace_view(forest: &Forest, t: &Trace, marked: Option<&str>) -> TraceView {
    let n = t.spans.len as usize;
    let start = t.spans.start;
    let mut order: Vec<(u32, u32)> = Vec::with_capacity(n.min(MAX_VIEW_SPANS));
    let mut seen = vec![false; n];
    let mut stack: Vec<(u32, u32)> = Vec::new();
    let walk =
        |root: u32, order: &mut Vec<(u32, u32)>, seen: &mut [bool], stack: &mut Vec<(u32, u32)>| {
            stack.push((root, 0));
            while let Some((i, depth)) = stack.pop() {
                let Some(flag) = seen.get_mut((i - start) as usize) else {
                    continue;
                };
                if *flag {
                    continue;
                }
                *flag = true;
                order.push((i, depth));
                for &c in forest.children(i).iter().rev() {
                    stack.push((c, depth + 1));
                }
            }
        };
    for top in forest.tops(t) {
        walk(top, &mut order, &mut seen, &mut stack);
    }
    for i in t.spans.range() {
        if !seen[i - start as usize] {
            walk(i as u32, &mut order, &mut seen, &mut stack);
        }
    }
    let mut omitted = 0;
    if order.len() > MAX_VIEW_SPANS {
        let keep_marked: Vec<u32> = marked
            .and_then(|m| {
                t.spans
                    .range()
                    .find(|&i| forest.spans[i].id.to_string() == m)
            })
            .map(|i| {
                let mut path = vec![i as u32];
                let mut at = i as u32;
                while let Some(p) = forest.parent(at) {
                    if path.contains(&p) || path.len() > n {
                        break;
                    }
                    path.push(p);
                    at = p;
                }
                path
            })
            .unwrap_or_default();
        let before = order.len();
        let mut kept = 0;
        order.retain(|&(i, _)| {
            let keep = kept < MAX_VIEW_SPANS || keep_marked.contains(&i);
            kept += usize::from(keep);
            keep
        });
        omitted = before - order.len();
    }
    let spans = order
        .iter()
        .map(|&(i, depth)| {
            let s = forest.span(i);
            SpanView {
                id: s.id.to_string(),
                parent: s.has_parent().then(|| s.parent.to_string()),
                name: forest.name(i).to_string(),
                service: forest.service_name(i).to_string(),
                start: s.start,
                end: s.end,
                depth,
                events: forest
                    .events_of(i)
                    .iter()
                    .map(|e| EventView {
                        name: forest.strings.get(e.name).to_string(),
                        time: e.time,
                    })
                    .collect(),
                source: span_source(forest, i),
            }
        })
        .collect();
    TraceView {
        spans,
        marked_span: marked.map(str::to_string),
        omitted,
        ..TraceView::default()
    }
}
