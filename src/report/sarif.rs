//! SARIF 2.1.0 rendering, as code-scanning services (GitHub) ingest it: one run whose
//! `tool.driver.rules` describes every rule a result uses (from the catalogue in
//! `report::rules`), and one result per violated property or per finding, plus one per input
//! error and per inconclusive check, so that nothing that failed is missing. Every result has
//! a physical location with a region, a rule, a level and a partial fingerprint that does not
//! depend on line numbers or timings; counterexamples become code flows. It renders the model
//! only: it must not decide verdicts or read files (the locations are the model's sources).

mod flow;
mod location;

use super::rules::{self, rule_of};
use super::{CheckResult, Finding, Kind, Location, RenderOptions, Report, Verdict};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The key of our partial fingerprint; the version is bumped if what it hashes changes.
const FINGERPRINT_KEY: &str = "cspotResult/v1";

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let mut out = Out::default();
    for r in &report.results {
        add_results(&mut out, report, r, opts);
    }
    // Rules sorted by id, results pointing at them by index: the same report gives the same
    // bytes whatever order the rules were first met in.
    let ids: Vec<&String> = out.rule_ids.iter().collect();
    let index: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    for (rule, result) in out.results.iter_mut() {
        if let Some(&i) = index.get(rule.as_str()) {
            result["ruleIndex"] = json!(i);
        }
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cspot",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": ids.iter().map(|id| descriptor(id)).collect::<Vec<_>>(),
            } },
            "invocations": [{
                // An input that could not be checked means the run did not do its job.
                "executionSuccessful": report.summary().errors == 0,
            }],
            "results": out.results.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            "properties": { "command": report.command, "inputs": report.inputs },
        }],
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The results so far, each with its rule id, and the fingerprints already given out.
#[derive(Default)]
struct Out {
    results: Vec<(String, Value)>,
    rule_ids: BTreeSet<String>,
    fingerprints: BTreeMap<String, u32>,
}

impl Out {
    fn push(&mut self, rule: String, mut result: Value, key: &[&str]) {
        // Two results with the same key (the same rule on the same span twice) must still be
        // told apart; the n-th repeat is hashed with its number, which is stable across runs.
        let mut print = flow::fingerprint(key);
        let seen = self.fingerprints.entry(print.clone()).or_insert(0);
        *seen += 1;
        if *seen > 1 {
            let n = seen.to_string();
            let mut parts = key.to_vec();
            parts.push(&n);
            print = flow::fingerprint(&parts);
        }
        result["partialFingerprints"] = json!({ FINGERPRINT_KEY: print });
        self.rule_ids.insert(rule.clone());
        self.results.push((rule, result));
    }
}

/// The SARIF results of one check result.
fn add_results(out: &mut Out, report: &Report, r: &CheckResult, opts: RenderOptions) {
    let here = base_location(report, r);
    let input = r
        .input
        .clone()
        .or_else(|| r.source.as_ref().map(|s| s.file.clone()))
        .unwrap_or_default();
    let id = r.local_id();
    let label = label(r, id);
    match &r.verdict {
        Verdict::Holds => {}
        Verdict::Violated(cx) if r.findings.is_empty() => {
            let rule = rule_of(r);
            let mut text = format!("{} is violated: {}", titled(&label, r), cx.summary);
            for (k, v) in &cx.facts {
                text.push_str(&format!("\n{k}: {v}"));
            }
            let mut v = result(&rule, "error", &text, &here, r, opts);
            if let Some(flows) = flow::code_flows(cx, &here["physicalLocation"]) {
                v["codeFlows"] = flows;
            }
            out.push(rule.clone(), v, &[&rule, id, &input]);
        }
        Verdict::Violated(_) => {}
        Verdict::Inconclusive(why) => {
            let rule = rule_of(r);
            let text = format!("{} is inconclusive: {why}", titled(&label, r));
            let v = result(&rule, "warning", &text, &here, r, opts);
            out.push(rule.clone(), v, &[&rule, id, &input]);
        }
        Verdict::Error(e) => {
            let rule = Kind::Input.as_str().to_string();
            let place = e.position.as_ref().map_or_else(
                || here.clone(),
                |p| json!({ "physicalLocation": location::physical(p) }),
            );
            let mut text = format!("{} could not be checked: {}", titled(&label, r), e.message);
            if let Some(p) = &e.position {
                text.push_str(&format!(" (at {p})"));
            }
            let v = result(&rule, "error", &text, &place, r, opts);
            out.push(rule.clone(), v, &[&rule, id, &input]);
        }
    }
    // Findings: one result each, whatever the verdict (coverage gaps hold, and are notes).
    let level = match r.verdict {
        Verdict::Holds => "note",
        Verdict::Inconclusive(_) => "warning",
        Verdict::Violated(_) | Verdict::Error(_) => "error",
    };
    let mut flows = match &r.verdict {
        Verdict::Violated(cx) => flow::code_flows(cx, &here["physicalLocation"]),
        _ => None,
    };
    for f in &r.findings {
        // An error result already carries this message under rule `input`.
        if let Verdict::Error(e) = &r.verdict
            && f.message == e.message
            && f.span_id.is_none()
        {
            continue;
        }
        let place = f.source.as_ref().map_or_else(
            || here.clone(),
            |s| json!({ "physicalLocation": location::physical(s) }),
        );
        let text = finding_text(&label, f);
        let mut v = result(&f.rule, level, &text, &place, r, opts);
        if let Some(span) = &f.span_id {
            v["properties"]["spanId"] = json!(span);
        }
        if !f.related.is_empty() {
            v["properties"]["related"] = json!(f.related);
        }
        // The counterexample goes with the first finding (the sorted findings put the
        // failure point first); repeating it on every finding would only add bulk.
        if let Some(fl) = flows.take() {
            v["codeFlows"] = fl;
        }
        let span = f.span_id.as_deref().unwrap_or("");
        out.push(f.rule.clone(), v, &[&f.rule, id, &input, span]);
    }
}

/// One result object, without its fingerprint and rule index.
fn result(
    rule: &str,
    level: &str,
    text: &str,
    place: &Value,
    r: &CheckResult,
    opts: RenderOptions,
) -> Value {
    let mut props = Map::new();
    props.insert("checkId".into(), json!(r.id));
    props.insert("kind".into(), json!(r.kind.as_str()));
    props.insert("verdict".into(), json!(r.verdict.as_str()));
    if r.stats.states > 0 || r.stats.transitions > 0 {
        props.insert("states".into(), json!(r.stats.states));
        props.insert("transitions".into(), json!(r.stats.transitions));
    }
    if opts.timings {
        props.insert("seconds".into(), json!(r.stats.seconds));
    }
    json!({
        "ruleId": rule,
        "level": level,
        "message": { "text": text },
        "locations": [place],
        "properties": Value::Object(props),
    })
}

/// Where a check result points: its source (the `assert` line, the dump), else its input,
/// else the report's only input, else the command (a BSP run names no file); always a
/// physical location, since code scanning drops results without one.
fn base_location(report: &Report, r: &CheckResult) -> Value {
    let place = r.source.clone().unwrap_or_else(|| {
        Location::file(
            r.input
                .as_deref()
                .or(match report.inputs.as_slice() {
                    [only] => Some(only.as_str()),
                    _ => None,
                })
                .unwrap_or(report.command.as_str()),
        )
    });
    json!({ "physicalLocation": location::physical(&place) })
}

/// How a result names what it is about: `trace <hex>` for captured traces, else its id.
fn label(r: &CheckResult, id: &str) -> String {
    let is_trace = matches!(r.kind, Kind::TraceStructure | Kind::TraceConformance)
        && !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_hexdigit());
    if is_trace {
        format!("trace {id}")
    } else if id.is_empty() {
        r.kind.as_str().to_string()
    } else {
        id.to_string()
    }
}

/// The label with the title in parentheses when there is one.
fn titled(label: &str, r: &CheckResult) -> String {
    if r.title.is_empty() {
        label.to_string()
    } else {
        format!("{label} ({})", r.title)
    }
}

/// `trace T span S: message`, and the related spans.
fn finding_text(label: &str, f: &Finding) -> String {
    let mut text = match &f.span_id {
        Some(s) => format!("{label} span {s}: {}", f.message),
        None => format!("{label}: {}", f.message),
    };
    if !f.related.is_empty() {
        text.push_str(&format!(" (related: {})", f.related.join(", ")));
    }
    text
}

/// The `reportingDescriptor` of rule `id`, from the catalogue or generic.
fn descriptor(id: &str) -> Value {
    let (name, short, full, help) = match rules::lookup(id) {
        Some(r) => (
            r.name.to_string(),
            r.short.to_string(),
            r.full.to_string(),
            r.help.to_string(),
        ),
        None => {
            let (short, full, help) = rules::generic(id);
            (generic_name(id), short, full, help)
        }
    };
    json!({
        "id": id,
        "name": name,
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": help },
        "properties": { "tags": [tag(id)] },
    })
}

/// A PascalCase name from an id the catalogue lacks: `foo.bar-baz` gives `FooBarBazRule`.
fn generic_name(id: &str) -> String {
    let mut name = String::new();
    for word in id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut cs = word.chars();
        if let Some(c) = cs.next() {
            name.push(c.to_ascii_uppercase());
            name.extend(cs);
        }
    }
    // The suffix keeps the name from equalling the id (`foo` would give `Foo`), which SARIF
    // forbids.
    name.push_str("Rule");
    name
}

/// The family of a rule, from its id's first part (`phi`, `trace`, `bsp`, `refinement`).
fn tag(id: &str) -> &str {
    id.split('.')
        .next()
        .filter(|t| !t.is_empty())
        .unwrap_or("cspot")
}
