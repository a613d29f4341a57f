//! SARIF 2.1.0 rendering: one result per violated or inconclusive check, for code-scanning UIs.

use super::{RenderOptions, Report, Verdict};
use serde_json::{Value, json};

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let results: Vec<Value> = report
        .results
        .iter()
        .filter(|r| !matches!(r.verdict, Verdict::Holds))
        .map(|r| {
            let (level, text) = match &r.verdict {
                Verdict::Violated(cx) => ("error", format!("{}: {}", r.title, cx.summary)),
                Verdict::Inconclusive(why) => {
                    ("warning", format!("{}: inconclusive: {why}", r.title))
                }
                Verdict::Error(e) => ("error", format!("{}: error: {}", r.title, e.message)),
                Verdict::Holds => ("none", String::new()),
            };
            let mut v = json!({
                "ruleId": r.kind.as_str(),
                "level": level,
                "message": { "text": text },
            });
            if let Some(loc) = r.source.as_deref().and_then(location) {
                v["locations"] = json!([loc]);
            }
            v
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "cspot", "version": env!("CARGO_PKG_VERSION") } },
            "results": results,
            "properties": { "cspot": super::json::to_value(report, opts) },
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// `file:line:col` to a SARIF physical location.
fn location(source: &str) -> Option<Value> {
    let mut parts = source.rsplitn(3, ':');
    let col: u64 = parts.next()?.parse().ok()?;
    let line: u64 = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    Some(json!({
        "physicalLocation": {
            "artifactLocation": { "uri": file },
            "region": { "startLine": line, "startColumn": col },
        }
    }))
}
