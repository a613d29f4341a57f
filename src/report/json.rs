//! JSON rendering: the machine contract of DESIGN.md (`schema_version`, `results`, `summary`).

use super::{Counterexample, Finding, RenderOptions, Report, SCHEMA_VERSION, Step, Verdict};
use serde_json::{Value, json};

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report, opts)).unwrap_or_default();
    text.push('\n');
    text
}

/// The report as a JSON value; also used by the SARIF renderer's property bags.
pub fn to_value(report: &Report, opts: RenderOptions) -> Value {
    let s = report.summary();
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| result_value(r, opts))
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "command": report.command,
        "results": results,
        "summary": { "holds": s.holds, "violated": s.violated, "inconclusive": s.inconclusive },
    })
}

/// One result as the element of `results` it is in a report.
pub fn result_value(r: &super::CheckResult, opts: RenderOptions) -> Value {
    let (counterexample, reason) = match &r.verdict {
        Verdict::Holds => (Value::Null, Value::Null),
        Verdict::Violated(cx) => (counterexample(cx), Value::Null),
        Verdict::Inconclusive(why) => (Value::Null, json!(why)),
    };
    json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "title": r.title,
        "source": r.source,
        "verdict": r.verdict.as_str(),
        "reason": reason,
        "counterexample": counterexample,
        "findings": r.findings.iter().map(finding).collect::<Vec<_>>(),
        "stats": {
            "states": r.stats.states,
            "transitions": r.stats.transitions,
            "seconds": if opts.timings { r.stats.seconds } else { 0.0 },
        },
    })
}

fn counterexample(cx: &Counterexample) -> Value {
    json!({
        "summary": cx.summary,
        "steps": cx.steps.iter().map(step).collect::<Vec<_>>(),
        "loop_start": cx.loop_start,
        "facts": cx.facts.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
    })
}

fn step(s: &Step) -> Value {
    json!({
        "actor": s.actor,
        "action": s.action,
        "details": s.details,
        "source": s.source,
        "internal": s.internal,
    })
}

fn finding(f: &Finding) -> Value {
    json!({ "rule": f.rule, "span_id": f.span_id, "message": f.message, "related": f.related })
}
