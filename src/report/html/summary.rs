//! The top of the page: verdict counts, the inputs, and the table of every result.
//!
//! Owns the compact one-row-per-result listing and its paging. Results that need attention
//! come first; the ones that hold follow in pages of [`PAGE_ROWS`] rows (one `<tbody>` each,
//! which the page script shows one at a time; without the script every row is listed). It
//! must not render any result in full: that is [`super::detail`]'s part.

use super::escape::Esc;
use super::{Report, Verdict, has_section, section_id, verdict_badge};
use std::fmt::Write;

/// Rows per page of the results table.
pub const PAGE_ROWS: usize = 200;

/// The table of counts per verdict. Every verdict has its cell, zero or not, so that an
/// error count is never missing from the view.
pub fn counts(out: &mut String, report: &Report) {
    let s = report.summary();
    out.push_str("<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n");
    let overall = if s.errors > 0 {
        ("v-error", "Some input could not be checked.")
    } else if s.violated > 0 {
        ("v-violated", "Some properties are violated.")
    } else if s.inconclusive > 0 {
        ("v-inconclusive", "Some checks stopped before an answer.")
    } else if report.results.is_empty() {
        ("v-inconclusive", "Nothing was checked.")
    } else {
        ("v-holds", "Everything checked holds.")
    };
    let _ = write!(
        out,
        "<p class=\"overall {}\">{}</p>\n<table class=\"counts\"><thead><tr>\
         <th scope=\"col\">Holds</th><th scope=\"col\">Violated</th>\
         <th scope=\"col\">Inconclusive</th><th scope=\"col\">Errors</th>\
         <th scope=\"col\">Total</th></tr></thead>\n<tbody><tr>",
        overall.0, overall.1
    );
    for (class, n) in [
        ("v-holds", s.holds),
        ("v-violated", s.violated),
        ("v-inconclusive", s.inconclusive),
        ("v-error", s.errors),
    ] {
        let class = if n == 0 { "zero" } else { class };
        let _ = write!(out, "<td class=\"{class}\">{n}</td>");
    }
    let _ = write!(
        out,
        "<td>{}</td></tr></tbody></table>\n</section>\n",
        report.results.len()
    );
}

/// The input files, folded away when there are many.
pub fn inputs(out: &mut String, report: &Report) {
    if report.inputs.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<details class=\"inputs\"{}><summary>Inputs ({})</summary><ul>",
        if report.inputs.len() <= 10 {
            " open"
        } else {
            ""
        },
        report.inputs.len()
    );
    for input in &report.inputs {
        let _ = write!(out, "<li><code>{}</code></li>", Esc(input));
    }
    out.push_str("</ul></details>\n");
}

/// How urgent a verdict is: the table lists the most urgent first.
fn urgency(v: &Verdict) -> u8 {
    match v {
        Verdict::Error(_) => 0,
        Verdict::Violated(_) => 1,
        Verdict::Inconclusive(_) => 2,
        Verdict::Holds => 3,
    }
}

/// One row per result: verdict, id (linked to its section when it has one), kind, title,
/// source.
pub fn results_table(out: &mut String, report: &Report) {
    let mut order: Vec<usize> = (0..report.results.len()).collect();
    // Stable: results of the same urgency stay in input order.
    order.sort_by_key(|&i| urgency(&report.results[i].verdict));
    let pages = order.len().div_ceil(PAGE_ROWS);
    out.push_str("<section aria-labelledby=\"results\">\n<h2 id=\"results\">Results</h2>\n");
    if order.is_empty() {
        out.push_str("<p>No results.</p>\n</section>\n");
        return;
    }
    let _ = write!(
        out,
        "<p>{} result{}: the ones that need attention first, then the ones that hold, each \
         in input order.",
        order.len(),
        if order.len() == 1 { "" } else { "s" }
    );
    if pages > 1 {
        let _ = write!(
            out,
            " <span class=\"nojs-note\">Listed in full; with scripts on, the table shows \
             {PAGE_ROWS} rows at a time ({pages} pages).</span>"
        );
    }
    let _ = write!(
        out,
        "</p>\n<div class=\"table-wrap\"><table class=\"results\" data-pages=\"{pages}\">\
         <thead><tr><th scope=\"col\">Verdict</th><th scope=\"col\">Id</th>\
         <th scope=\"col\">Kind</th><th scope=\"col\">Title</th>\
         <th scope=\"col\">Source</th></tr></thead>\n"
    );
    for (page, rows) in order.chunks(PAGE_ROWS).enumerate() {
        let _ = writeln!(out, "<tbody data-page=\"{page}\">");
        for &i in rows {
            row(out, report, i);
        }
        out.push_str("</tbody>\n");
    }
    out.push_str("</table></div>\n</section>\n");
}

fn row(out: &mut String, report: &Report, index: usize) {
    let Some(r) = report.results.get(index) else {
        return;
    };
    let (class, word) = verdict_badge(&r.verdict);
    let _ = write!(out, "<tr><td class=\"{class}\">{word}</td><td>");
    if has_section(r) {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", section_id(index), Esc(&r.id));
    } else {
        let _ = write!(out, "{}", Esc(&r.id));
    }
    let _ = write!(
        out,
        "</td><td>{}</td><td>{}</td><td>",
        r.kind.as_str(),
        Esc(&r.title)
    );
    if let Some(src) = &r.source {
        let _ = write!(out, "<code>{}</code>", Esc(&src.to_string()));
    }
    out.push_str("</td></tr>\n");
}
