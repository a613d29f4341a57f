//! The drawing of a CSP counterexample as a path through states, in inline SVG.
//!
//! Owns the layout: state 0 (initial) then one node per step, six to a row, rows running
//! alternately left-to-right and right-to-left so that every edge stays short however long
//! the path is; edges carry the step's action; the last (violating) state is marked, and a
//! lasso's loop-back edge runs through a channel on the right. Each node's leaf-process
//! states are in its `<title>` and the node links to its row of the step table. It must not
//! write the table itself: that is [`super::steps`]'s.

use super::escape::{Esc, clip};
use super::steps::state_anchor;
use super::{Counterexample, Step};
use std::fmt::Write;

const PER_ROW: usize = 6;
const COLUMN_WIDTH: usize = 170;
const ROW_HEIGHT: usize = 100;
const RADIUS: usize = 16;
const LEFT: usize = 60;
const TOP: usize = 40;
const WIDTH: usize = LEFT + (PER_ROW - 1) * COLUMN_WIDTH + 150;
/// The x of the vertical run of a lasso's loop-back edge.
const CHANNEL: usize = WIDTH - 16;
/// Characters of an action that fit between two nodes of a row, and beside a row change.
const ACROSS_LABEL: usize = 20;
const DOWN_LABEL: usize = 16;

/// The centre of node `k`.
fn centre(k: usize) -> (usize, usize) {
    let row = k / PER_ROW;
    let column = if row.is_multiple_of(2) {
        k % PER_ROW
    } else {
        PER_ROW - 1 - k % PER_ROW
    };
    (LEFT + column * COLUMN_WIDTH, TOP + row * ROW_HEIGHT)
}

pub fn draw(out: &mut String, index: usize, cx: &Counterexample) {
    let nodes = cx.steps.len() + 1;
    let rows = nodes.div_ceil(PER_ROW);
    let height = TOP + (rows - 1) * ROW_HEIGHT + RADIUS + 50;
    let arrow = format!("r{index}-arrow");
    let loop_arrow = format!("r{index}-loop-arrow");
    let _ = write!(
        out,
        "<h4>Path through the states</h4>\n<p class=\"hint\">State 0 is the initial state; state \
         k is the state after step k. Hover a state for its processes' states; select it for its \
         row in the table below.</p>\n<div class=\"path-wrap\"><svg class=\"state-path\" \
 width=\"{WIDTH}\" height=\"{height}\" \
         viewBox=\"0 0 {WIDTH} {height}\"><title>Path through {nodes} states</title><defs>\
         <marker id=\"{arrow}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" class=\"arrowhead\"/>\
         </marker><marker id=\"{loop_arrow}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" \
         markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" \
         class=\"loop-arrowhead\"/></marker></defs>\n"
    );
    // The entry arrow into the initial state.
    let (x0, y0) = centre(0);
    let _ = writeln!(
        out,
        "<line class=\"edge\" x1=\"{}\" y1=\"{y0}\" x2=\"{}\" y2=\"{y0}\" \
         marker-end=\"url(#{arrow})\"/>",
        x0 - 50,
        x0 - RADIUS - 2
    );
    for (i, step) in cx.steps.iter().enumerate() {
        edge(out, i, step, &arrow);
    }
    if let Some(start) = cx.loop_start.filter(|&s| s < cx.steps.len()) {
        loop_back(out, nodes - 1, start, &loop_arrow);
    }
    for k in 0..nodes {
        node(out, index, cx, k);
    }
    out.push_str("</svg></div>\n");
}

/// The edge of step `i` (0-based), from node `i` to node `i + 1`.
fn edge(out: &mut String, i: usize, step: &Step, arrow: &str) {
    let (x1, y1) = centre(i);
    let (x2, y2) = centre(i + 1);
    let class = if step.internal {
        "edge internal"
    } else {
        "edge"
    };
    let _ = write!(out, "<g class=\"{class}\"><title>step {}: ", i + 1);
    step_tooltip(out, step);
    out.push_str("</title>");
    if y1 == y2 {
        let (from, to) = if x2 > x1 {
            (x1 + RADIUS, x2 - RADIUS - 2)
        } else {
            (x1 - RADIUS, x2 + RADIUS + 2)
        };
        let _ = write!(
            out,
            "<line x1=\"{from}\" y1=\"{y1}\" x2=\"{to}\" y2=\"{y2}\" marker-end=\"url(#{arrow})\"/>\
             <text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            (x1 + x2) / 2,
            y1 - 7,
            Esc(&clip(&step.action, ACROSS_LABEL))
        );
    } else {
        let _ = write!(
            out,
            "<line x1=\"{x1}\" y1=\"{}\" x2=\"{x2}\" y2=\"{}\" marker-end=\"url(#{arrow})\"/>\
             <text class=\"label\" x=\"{}\" y=\"{}\">{}</text>",
            y1 + RADIUS,
            y2 - RADIUS - 2,
            x1 + 8,
            (y1 + y2) / 2 + 4,
            Esc(&clip(&step.action, DOWN_LABEL))
        );
    }
    out.push_str("</g>\n");
}

fn step_tooltip(out: &mut String, step: &Step) {
    if !step.actor.is_empty() {
        let _ = write!(out, "[{}] ", Esc(&step.actor));
    }
    let _ = write!(out, "{}", Esc(&step.action));
    if let Some(src) = &step.source {
        let _ = write!(out, "  ({})", Esc(&src.to_string()));
    }
    for d in &step.details {
        let _ = write!(out, "\n{}", Esc(d));
    }
}

/// A lasso's edge from the last node back to the state the loop starts in: down out of the
/// last node, along the gap under its row to the channel, up the channel, along the gap under
/// the loop start's row, and up into it.
fn loop_back(out: &mut String, last: usize, start: usize, arrow: &str) {
    let (lx, ly) = centre(last);
    let (tx, ty) = centre(start);
    let below_last = ly + RADIUS + 22;
    let below_start = ty + RADIUS + 22;
    let path = if ly == ty {
        format!(
            "M{lx},{}V{below_last}H{tx}V{}",
            ly + RADIUS,
            ty + RADIUS + 2
        )
    } else {
        format!(
            "M{lx},{}V{below_last}H{CHANNEL}V{below_start}H{tx}V{}",
            ly + RADIUS,
            ty + RADIUS + 2
        )
    };
    let _ = writeln!(
        out,
        "<g class=\"loop-edge\"><title>the loop: after step {last} the process is back in state \
         {start}</title><path d=\"{path}\" marker-end=\"url(#{arrow})\"/><text class=\"label\" \
         x=\"{}\" y=\"{}\">back to state {start}</text></g>",
        lx.min(tx) + 6,
        below_last.max(below_start) + 13
    );
}

fn node(out: &mut String, index: usize, cx: &Counterexample, k: usize) {
    let (x, y) = centre(k);
    let last = k == cx.steps.len();
    let loop_start = cx.loop_start == Some(k);
    let state: &[(String, String)] = match k.checked_sub(1) {
        None => &cx.initial,
        Some(i) => cx.steps.get(i).map_or(&[], |s| &s.state),
    };
    let mut classes = String::from("node");
    if k == 0 {
        classes.push_str(" initial");
    }
    if loop_start {
        classes.push_str(" loop-start");
    }
    if last {
        classes.push_str(" bad");
    }
    let _ = write!(
        out,
        "<a href=\"#{}\"><g class=\"{classes}\"{}><title>state {k}",
        state_anchor(index, k),
        if last { " data-marked=\"state\"" } else { "" }
    );
    if k == 0 {
        out.push_str(" (initial)");
    }
    if last {
        out.push_str(" (the violation)");
    }
    if loop_start {
        out.push_str(" (the loop starts here)");
    }
    if state.is_empty() {
        out.push_str("\nno process states recorded");
    }
    for (name, value) in state {
        let _ = write!(out, "\n{} = {}", Esc(name), Esc(value));
    }
    out.push_str("</title>");
    if last {
        let _ = write!(
            out,
            "<circle class=\"ring\" cx=\"{x}\" cy=\"{y}\" r=\"{}\"/>",
            RADIUS + 5
        );
    }
    let _ = write!(
        out,
        "<circle cx=\"{x}\" cy=\"{y}\" r=\"{RADIUS}\"/><text x=\"{x}\" y=\"{}\" \
         text-anchor=\"middle\">{k}</text>",
        y + 4
    );
    let caption = match (k == 0, last, loop_start) {
        (_, true, _) => Some("violation"),
        (true, _, _) => Some("initial"),
        (_, _, true) => Some("loop start"),
        _ => None,
    };
    if let Some(caption) = caption {
        let _ = write!(
            out,
            "<text class=\"caption\" x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{caption}</text>",
            y + RADIUS + if last { 19 } else { 14 }
        );
    }
    out.push_str("</g></a>\n");
}
