//! JUnit XML rendering, valid against both schemas CI servers use: Jenkins' junit-10 for the
//! whole document and Maven Surefire's 3.0 for each `<testsuite>` on its own. One suite per
//! input file (in command-line order; results with no input go in a suite named after the
//! command), one test case per assertion, trace or property: a violation is a `<failure>`
//! carrying the counterexample as text, an input error an `<error>`, an inconclusive check
//! `<skipped>`. The XML is written here by hand because the attribute sets the two schemas
//! share are narrower than what JUnit libraries write (Surefire allows no `timestamp` or
//! `id`, Jenkins no `skipped` on `<testsuites>`). It renders only; it must not decide verdicts.

use super::{CheckResult, RenderOptions, Report, Verdict};
use std::fmt::Write;

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let suites = group(report);
    let all: Vec<&CheckResult> = suites
        .iter()
        .flat_map(|(_, rs)| rs.iter().copied())
        .collect();
    let c = Counts::of(&all, opts);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        attr(&format!("cspot {}", report.command)),
        c.tests,
        c.failures,
        c.errors,
        seconds(c.time)
    );
    for (name, results) in &suites {
        suite(&mut out, name, results, opts);
    }
    out.push_str("</testsuites>\n");
    out
}

/// The suites in order: one per distinct input (even with no result), then the command's
/// suite for results whose input is none of them (always present when there is no input).
fn group(report: &Report) -> Vec<(String, Vec<&CheckResult>)> {
    let mut suites: Vec<(String, Vec<&CheckResult>)> = Vec::new();
    for input in &report.inputs {
        if !suites.iter().any(|(n, _)| n == input) {
            let rs = report
                .results
                .iter()
                .filter(|r| r.input.as_deref() == Some(input.as_str()))
                .collect();
            suites.push((input.clone(), rs));
        }
    }
    let rest: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| !r.input.as_ref().is_some_and(|i| report.inputs.contains(i)))
        .collect();
    if !rest.is_empty() || suites.is_empty() {
        let mut name = report.command.clone();
        // A file may have the command's name; the suite names must stay distinct.
        while suites.iter().any(|(n, _)| *n == name) {
            name.push_str(" (other)");
        }
        suites.push((name, rest));
    }
    suites
}

#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    time: f64,
}

impl Counts {
    fn of(results: &[&CheckResult], opts: RenderOptions) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.tests += 1;
            c.time += time(r, opts);
            match r.verdict {
                Verdict::Holds => {}
                Verdict::Violated(_) => c.failures += 1,
                Verdict::Error(_) => c.errors += 1,
                Verdict::Inconclusive(_) => c.skipped += 1,
            }
        }
        c
    }
}

fn suite(out: &mut String, name: &str, results: &[&CheckResult], opts: RenderOptions) {
    let c = Counts::of(results, opts);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        attr(name),
        c.tests,
        c.failures,
        c.errors,
        c.skipped,
        seconds(c.time)
    );
    for r in results {
        case(out, r, opts);
    }
    out.push_str("  </testsuite>\n");
}

fn case(out: &mut String, r: &CheckResult, opts: RenderOptions) {
    let id = r.local_id();
    let name = if r.title.is_empty() {
        id.to_string()
    } else {
        format!("{id}: {}", r.title)
    };
    let kind = r.kind.as_str();
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{kind}\" time=\"{}\"",
        attr(&name),
        seconds(time(r, opts))
    );
    // The human rendering of the result: steps, facts and findings, without colour or times.
    let plain = RenderOptions {
        timings: false,
        color: false,
    };
    match &r.verdict {
        Verdict::Holds if r.findings.is_empty() => out.push_str("/>\n"),
        Verdict::Holds => {
            // Findings of a result that holds (coverage gaps) are information: keep them.
            let _ = writeln!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                text(&super::human::result_text(r, plain))
            );
        }
        Verdict::Violated(cx) => {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{kind}\" message=\"{}\">{}</failure>\n    </testcase>",
                attr(&cx.summary),
                text(&super::human::result_text(r, plain))
            );
        }
        Verdict::Error(e) => {
            let message = match &e.position {
                Some(p) => format!("{} ({p})", e.message),
                None => e.message.clone(),
            };
            let _ = writeln!(
                out,
                ">\n      <error type=\"{kind}\" message=\"{}\">{}</error>\n    </testcase>",
                attr(&message),
                text(&super::human::result_text(r, plain))
            );
        }
        Verdict::Inconclusive(why) => {
            // Surefire's `<skipped>` has a message and no type.
            let _ = writeln!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                attr(&format!("inconclusive: {why}"))
            );
        }
    }
}

/// The case's seconds: 0 when timings are off, so reruns are byte-identical.
fn time(r: &CheckResult, opts: RenderOptions) -> f64 {
    if opts.timings && r.stats.seconds.is_finite() && r.stats.seconds > 0.0 {
        r.stats.seconds
    } else {
        0.0
    }
}

/// Three decimals at most: Surefire's time pattern allows no more.
fn seconds(t: f64) -> String {
    format!("{:.3}", if t.is_finite() && t > 0.0 { t } else { 0.0 })
}

/// Text content: markup characters escaped, characters XML 1.0 forbids made visible.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value: as [`text`], plus quotes, and line breaks and tabs as character
/// references (a parser would otherwise fold them into spaces).
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, in_attr: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attr => out.push_str("&quot;"),
            '\'' if in_attr => out.push_str("&apos;"),
            '\n' if in_attr => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if in_attr => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if forbidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters outside XML 1.0's `Char` production: C0 controls other than tab, newline and
/// return, and U+FFFE/U+FFFF (surrogates cannot occur in a Rust string).
fn forbidden(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_leaves_no_markup_and_no_forbidden_character() {
        assert_eq!(
            attr("a<b>&\"c'\n\t\u{1b}"),
            "a&lt;b&gt;&amp;&quot;c&apos;&#10;&#9;\\u{1b}"
        );
        assert_eq!(text("x\ny\r\u{0}"), "x\ny&#13;\\u{0}");
        assert_eq!(seconds(f64::NAN), "0.000");
        assert_eq!(seconds(1.23456), "1.235");
    }
}
