//! The step table of a counterexample: one row per step, with its source, actor, action and
//! details, and a column per state part (leaf processes; a BSP's queue and counters).
//!
//! Owns how states read as a table: row 0 is the initial state, row k the state after step k,
//! a cell that differs from the row above is highlighted (its old value in the tooltip), the
//! loop of a lasso is announced where it starts, and the last row is the violating state.
//! Rows carry the anchors `r<result>-s<state>` that the state-path drawing links to. It must
//! not draw: the drawing is [`super::state_path`]'s.

use super::Counterexample;
use super::escape::Esc;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The anchor of state `state` (0 = initial) of result `index`.
pub fn state_anchor(index: usize, state: usize) -> String {
    format!("r{index}-s{state}")
}

/// The state parts of a counterexample, in order of first appearance.
struct Columns<'a> {
    names: Vec<&'a str>,
    position: BTreeMap<&'a str, usize>,
}

impl<'a> Columns<'a> {
    fn of(cx: &'a Counterexample) -> Self {
        let mut names = Vec::new();
        let mut position = BTreeMap::new();
        let all = cx
            .initial
            .iter()
            .chain(cx.steps.iter().flat_map(|s| &s.state));
        for (name, _) in all {
            position.entry(name.as_str()).or_insert_with(|| {
                names.push(name.as_str());
                names.len() - 1
            });
        }
        Columns { names, position }
    }

    /// A state's values by column; a part the state does not name is `None`.
    fn row(&self, state: &'a [(String, String)]) -> Vec<Option<&'a str>> {
        let mut row = vec![None; self.names.len()];
        for (name, value) in state {
            if let Some(&c) = self.position.get(name.as_str()) {
                row[c] = Some(value.as_str());
            }
        }
        row
    }
}

/// Writes the table. `start_row_always` keeps the initial-state row even when no state parts
/// are known, so that the drawing's first node has a row to link to.
pub fn table(out: &mut String, index: usize, cx: &Counterexample, start_row_always: bool) {
    let columns = Columns::of(cx);
    // A model without source positions (the BSP's) gets no empty column for them.
    let with_source = cx.steps.iter().any(|s| s.source.is_some());
    let fixed = if with_source { 5 } else { 4 };
    let width = fixed + columns.names.len();
    out.push_str("<div class=\"table-wrap steps-wrap\"><table class=\"steps\"><thead><tr>");
    out.push_str(
        "<th scope=\"col\">#</th><th scope=\"col\">Actor</th><th scope=\"col\">Action</th>\
         <th scope=\"col\">Details</th>",
    );
    if with_source {
        out.push_str("<th scope=\"col\">Source</th>");
    }
    for name in &columns.names {
        let _ = write!(out, "<th scope=\"col\" class=\"part\">{}</th>", Esc(name));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let mut previous = columns.row(&cx.initial);
    if start_row_always || !columns.names.is_empty() {
        let _ = write!(
            out,
            "<tr id=\"{}\" class=\"start\"><th scope=\"row\">0</th><td colspan=\"{}\">\
             <em>initial state</em></td>",
            state_anchor(index, 0),
            fixed - 1
        );
        for value in &previous {
            state_cell(out, *value, None);
        }
        out.push_str("</tr>\n");
    }
    let last = cx.steps.len();
    for (i, step) in cx.steps.iter().enumerate() {
        let number = i + 1;
        if cx.loop_start == Some(i) {
            let _ = writeln!(
                out,
                "<tr class=\"loop-sep\"><td colspan=\"{width}\">↻ The loop starts here: steps \
                 {number}–{last} repeat for ever, back to state {i}.</td></tr>"
            );
        }
        let mut classes = Vec::new();
        if step.internal {
            classes.push("internal");
        }
        if cx.loop_start.is_some_and(|l| i >= l) {
            classes.push("in-loop");
        }
        let marked = number == last;
        if marked {
            classes.push("bad");
        }
        let _ = write!(
            out,
            "<tr id=\"{}\" class=\"{}\"{}><th scope=\"row\">{number}</th><td>{}</td>\
             <td><code>{}</code></td><td>",
            state_anchor(index, number),
            classes.join(" "),
            if marked {
                " data-marked=\"state-row\""
            } else {
                ""
            },
            Esc(&step.actor),
            Esc(&step.action)
        );
        for detail in &step.details {
            let _ = write!(out, "<div>{}</div>", Esc(detail));
        }
        out.push_str("</td>");
        if with_source {
            out.push_str("<td class=\"src\">");
            if let Some(src) = &step.source {
                let _ = write!(out, "<code>{}</code>", Esc(&src.to_string()));
            }
            out.push_str("</td>");
        }
        let current = columns.row(&step.state);
        for (value, before) in current.iter().zip(&previous) {
            state_cell(out, *value, Some(*before));
        }
        out.push_str("</tr>\n");
        previous = current;
    }
    out.push_str("</tbody></table></div>\n");
}

/// One state part's cell; `before` is the row above's value (`None` for the first row).
fn state_cell(out: &mut String, value: Option<&str>, before: Option<Option<&str>>) {
    match before {
        Some(before) if before != value => {
            let _ = write!(
                out,
                "<td class=\"part chg\" title=\"was: {}\">{}</td>",
                Esc(before.unwrap_or("—")),
                Esc(value.unwrap_or("—"))
            );
        }
        _ => {
            let _ = write!(out, "<td class=\"part\">{}</td>", Esc(value.unwrap_or("")));
        }
    }
}
