//! The JSON Schema of the report (`src/report/report.schema.json`): it is a valid draft
//! 2020-12 schema, documents every property, agrees with the report model's kinds and
//! verdicts, accepts every JSON report the matrix stored and `check specs/*.csp` prints,
//! and rejects documents that break the contract.

use super::harness::{schema, schema_errors};
use crate::support::cspot;
use cspot::report::{Kind, SCHEMA_VERSION};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[test]
fn schema_is_a_valid_draft_2020_12_schema() {
    assert_eq!(
        schema()["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    if let Err(e) = jsonschema::draft202012::meta::validate(schema()) {
        panic!("the schema breaks the 2020-12 meta-schema: {e}");
    }
    assert_eq!(
        schema()["properties"]["schema_version"]["const"],
        SCHEMA_VERSION
    );
}

/// `description` is the field documentation: every property of every object has one.
#[test]
fn every_property_has_a_description() {
    fn walk(node: &Value, path: &str, missing: &mut Vec<String>) {
        match node {
            Value::Object(o) => {
                if let Some(Value::Object(props)) = o.get("properties") {
                    for (k, p) in props {
                        let described = p["description"].as_str().is_some_and(|d| !d.is_empty());
                        // The `if`/`then` branches restate properties; they are not fields.
                        if !described && !path.contains("allOf") {
                            missing.push(format!("{path}.{k}"));
                        }
                    }
                }
                for (k, v) in o {
                    walk(v, &format!("{path}/{k}"), missing);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{path}/{i}"), missing);
                }
            }
            _ => {}
        }
    }
    let mut missing = Vec::new();
    walk(schema(), "#", &mut missing);
    assert!(missing.is_empty(), "undocumented: {missing:?}");
}

#[test]
fn kinds_and_verdicts_are_those_of_the_model() {
    let kinds: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
    let result = &schema()["$defs"]["result"]["properties"];
    assert_eq!(result["kind"]["enum"], json!(kinds));
    assert_eq!(
        result["verdict"]["enum"],
        json!(["holds", "violated", "inconclusive", "error"])
    );
}

/// The `$defs` entry a `$ref` names (only local references are used).
fn resolve(node: &Value) -> &Value {
    match node["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        Some(name) => &schema()["$defs"][name],
        None => node,
    }
}

/// Keys of `doc` that no `properties` of the schema names: a field the renderer writes
/// without documenting it. (The schema admits extra fields, as the contract allows adding
/// them; this test is what keeps the documentation complete.)
fn undocumented(node: &Value, doc: &Value, path: &str, out: &mut Vec<String>) {
    let node = resolve(node);
    for branch in ["oneOf", "anyOf"] {
        for alt in node[branch].as_array().into_iter().flatten() {
            undocumented(alt, doc, path, out);
        }
    }
    match doc {
        Value::Object(o) => {
            let Some(props) = node["properties"].as_object() else {
                return;
            };
            for (k, v) in o {
                match props.get(k) {
                    Some(p) => undocumented(p, v, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}")),
                }
            }
        }
        Value::Array(a) => {
            if let Some(items) = node.get("items") {
                for (i, v) in a.iter().enumerate() {
                    undocumented(items, v, &format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

/// Validates `doc` and checks every key of it is documented.
fn assert_conforms(what: &str, doc: &Value) {
    let errors = schema_errors(doc);
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
    let mut extra = Vec::new();
    undocumented(schema(), doc, "$", &mut extra);
    extra.sort();
    extra.dedup();
    assert!(
        extra.is_empty(),
        "{what}: fields not in the schema: {extra:?}"
    );
}

/// The body of an insta snapshot file: what follows its `---` front matter.
fn snapshot_body(text: &str) -> &str {
    text.strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map_or(text, |(_, body)| body)
}

/// Every file under `dir`, recursively, in path order.
fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(Result::ok) {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every JSON report stored in the repository's tests: each insta snapshot (`*.snap`) and
/// each `*.json` file whose content is a JSON object with a `schema_version` and `results`,
/// wherever it is under `tests/` (the report matrix's snapshots and any added later).
/// Dumps, SARIF logs and LTS exports are JSON too, but not reports, and are left out.
fn stored_json_reports() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    files_under(&root.join("tests"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|f| {
            let name = f.to_string_lossy();
            let body = match () {
                _ if name.ends_with(".snap") => {
                    snapshot_body(&std::fs::read_to_string(&f).ok()?).to_string()
                }
                _ if name.ends_with(".json") => std::fs::read_to_string(&f).ok()?,
                _ => return None,
            };
            let doc: Value = serde_json::from_str(&body).ok()?;
            (doc.get("schema_version").is_some() && doc.get("results").is_some())
                .then_some((f, doc))
        })
        .collect()
}

#[test]
fn every_stored_json_report_conforms() {
    let reports = stored_json_reports();
    // One JSON snapshot per matrix case: 14 CSP, 13 trace rules, 5 Φ, 5 BSP.
    // (Snapshots of cases since removed are still here until deleted; they must conform too.)
    let matrix = reports
        .iter()
        .filter(|(f, _)| f.to_string_lossy().contains("report_matrix/snapshots/"))
        .count();
    assert!(matrix >= 37, "only {matrix} JSON snapshots in the matrix");
    for (f, doc) in &reports {
        assert_conforms(&f.display().to_string(), doc);
    }
}

/// A stored report that breaks the schema fails the test above: the check is not vacuous
/// for the stored reports or the data fields.
#[test]
fn a_stored_report_that_breaks_the_schema_is_caught() {
    let reports = stored_json_reports();
    let (f, doc) = reports
        .iter()
        .find(|(f, _)| f.ends_with("csp_deadlock.json.snap"))
        .expect("the deadlock snapshot is a stored report");
    type Breakage = fn(&mut Value);
    let cases: [(&str, Breakage); 6] = [
        ("a location with a line that is text", |d| {
            d["results"][0]["location"]["line"] = json!("5")
        }),
        ("a location without its file", |d| {
            if let Some(l) = d["results"][0]["location"].as_object_mut() {
                l.remove("file");
            }
        }),
        ("a leaf offering an event without a channel", |d| {
            d["results"][0]["counterexample"]["leaves"][0]["offers"][0] = json!({ "fields": [] })
        }),
        ("an event whose fields are numbers", |d| {
            d["results"][0]["counterexample"]["leaves"][0]["offers"][0]["fields"] = json!([1])
        }),
        ("a version that is a number", |d| {
            d["cspot_version"] = json!(1)
        }),
        ("evidence whose refusal is one event, not a set", |d| {
            d["results"][0]["counterexample"]["evidence"] = json!({
                "performed": null, "allowed": null, "offered": null,
                "refusal": { "channel": "a", "fields": [] },
                "acceptances": null, "missing": null
            })
        }),
    ];
    assert!(schema_errors(doc).is_empty(), "{}", f.display());
    for (what, breakage) in cases {
        let mut broken = doc.clone();
        breakage(&mut broken);
        assert_ne!(&broken, doc, "{what}: nothing was broken");
        assert!(
            !schema_errors(&broken).is_empty(),
            "accepted {what} in {}",
            f.display()
        );
    }
}

/// Every stored JSON report reads back (`cspot report`) and renders again to the same
/// bytes: the data fields survive the round trip, and nothing is rendered from prose that
/// the reader would not find.
#[test]
fn every_stored_json_report_reads_back_to_the_same_bytes() {
    use cspot::report::{self, Format, RenderOptions};
    let timed = RenderOptions {
        timings: true,
        color: false,
    };
    for (f, doc) in stored_json_reports() {
        let text = serde_json::to_string_pretty(&doc).expect("JSON");
        let back = report::parse_json(&text)
            .unwrap_or_else(|e| panic!("{}: does not read back: {e}", f.display()));
        let again = report::render(&back, Format::Json, timed);
        assert_eq!(again.trim_end(), text, "{}", f.display());
    }
}

#[test]
fn check_of_the_shipped_specs_conforms() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut specs: Vec<String> = std::fs::read_dir(root.join("specs"))
        .expect("specs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .map(|p| {
            format!(
                "specs/{}",
                p.file_name().unwrap_or_default().to_string_lossy()
            )
        })
        .collect();
    specs.sort();
    let mut args = vec!["check", "--format", "json", "--no-timings", "-q"];
    args.extend(specs.iter().map(String::as_str));
    let (code, out, err) = cspot(&args);
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert!(doc["results"].as_array().is_some_and(|r| r.len() >= 30));
    assert_conforms("check specs/*.csp", &doc);
}

/// A minimal valid report with one violated result, to break in the tests below.
fn valid_report() -> Value {
    json!({
        "schema_version": 1,
        "command": "check",
        "inputs": ["spec.csp"],
        "results": [{
            "id": "assert 1", "kind": "deadlock", "title": "P :[deadlock free]",
            "source": "spec.csp:3:1", "input": "spec.csp", "verdict": "violated",
            "reason": null, "position": null,
            "counterexample": {
                "summary": "deadlock", "initial": [], "loop_start": null,
                "steps": [{ "actor": "P", "action": "a", "details": [], "source": null,
                            "internal": false, "state": [{ "name": "P", "value": "STOP" }] }],
                "facts": [{ "name": "refused", "value": "{a}" }]
            },
            "findings": [], "trace": null,
            "stats": { "states": 2, "transitions": 1, "seconds": 0.0 }
        }],
        "summary": { "holds": 0, "violated": 1, "inconclusive": 0, "errors": 0 }
    })
}

#[test]
fn the_minimal_report_is_valid() {
    assert_conforms("minimal report", &valid_report());
}

/// The schema is not vacuous: each of these breaks the contract and must be rejected.
#[test]
fn documents_that_break_the_contract_are_rejected() {
    type Breakage = fn(&mut Value);
    let cases: [(&str, Breakage); 9] = [
        ("a verdict that is not one", |d| {
            d["results"][0]["verdict"] = json!("passed")
        }),
        ("a kind that is not one", |d| {
            d["results"][0]["kind"] = json!("liveness")
        }),
        ("violated without a counterexample", |d| {
            d["results"][0]["counterexample"] = Value::Null
        }),
        ("an error without a reason", |d| {
            d["results"][0]["verdict"] = json!("error");
            d["results"][0]["counterexample"] = Value::Null;
        }),
        ("a summary without errors", |d| {
            if let Some(s) = d["summary"].as_object_mut() {
                s.remove("errors");
            }
        }),
        ("another schema version", |d| d["schema_version"] = json!(2)),
        ("a negative count", |d| {
            d["results"][0]["stats"]["states"] = json!(-1)
        }),
        ("a step that is not internal or not", |d| {
            d["results"][0]["counterexample"]["steps"][0]["internal"] = json!("no")
        }),
        ("a result without an id", |d| {
            if let Some(r) = d["results"][0].as_object_mut() {
                r.remove("id");
            }
        }),
    ];
    for (what, breakage) in cases {
        let mut doc = valid_report();
        breakage(&mut doc);
        assert!(!schema_errors(&doc).is_empty(), "accepted {what}: {doc}");
    }
}

/// A report with every field the model has filled in (a trace view with spans and events,
/// findings with sources, each verdict), rendered by the library's JSON renderer: the parts
/// of the schema no command fills today are held to the renderer too.
#[test]
fn a_report_with_every_field_filled_conforms() {
    use cspot::report::{
        self, CheckResult, Counterexample, Event, EventView, Evidence, Finding, Format, InputError,
        LeafState, Location, RenderOptions, Report, SpanView, Stats, Step, TraceView, Verdict,
    };
    let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
    let span = |id: &str, parent: Option<&str>, depth| SpanView {
        id: id.into(),
        parent: parent.map(Into::into),
        name: "work".into(),
        service: "api".into(),
        start: 1,
        end: 2,
        depth,
        events: vec![EventView {
            name: "done".into(),
            time: 2,
        }],
        source: Some("dump.json:12".into()),
    };
    let violated = CheckResult {
        id: "0af7651916cd43dd8448eb211c80319c".into(),
        kind: Kind::TraceConformance,
        title: "2 spans".into(),
        source: Some("dump.json".into()),
        input: Some("dump.json".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "wrong parent".into(),
            steps: vec![Step {
                actor: "work 00f0".into(),
                actors: vec!["work".into()],
                action: "c.1".into(),
                event: Some(Event::new("c", vec!["1".into()])),
                span_id: Some("00000000000000f0".into()),
                details: vec!["a detail".into()],
                source: Some(Location::at("spec.csp", 4, 1)),
                internal: true,
                state: vec![pair("W", "STOP")],
                leaves: vec![LeafState {
                    process: "W".into(),
                    state: "STOP".into(),
                    offers: vec![Event::tau(), Event::tick()],
                }],
            }],
            loop_start: Some(0),
            facts: vec![pair("allowed", "done")],
            initial: vec![pair("W", "W")],
            initial_leaves: vec![LeafState {
                process: "W".into(),
                state: "W".into(),
                offers: vec![Event::new("c", vec!["1".into()])],
            }],
            leaves: vec![LeafState {
                process: "W".into(),
                state: "STOP".into(),
                offers: vec![],
            }],
            evidence: Box::new(Evidence {
                performed: Some(Event::new("c", vec!["1".into()])),
                allowed: Some(vec![Event::new("done", vec![])]),
                offered: Some(vec![]),
                refusal: Some(vec![Event::new("done", vec![])]),
                acceptances: Some(vec![vec![Event::new("done", vec![])], vec![]]),
                missing: Some(Event::tick()),
            }),
        }),
        findings: vec![Finding {
            rule: "phi.parent".into(),
            span_id: Some("00000000000000f2".into()),
            message: "parent is wrong".into(),
            related: vec!["00000000000000f1".into()],
            source: Some("dump.json:20".into()),
        }],
        trace: Some(Box::new(TraceView {
            spans: vec![
                span("00000000000000f1", None, 0),
                span("00000000000000f2", Some("00000000000000f1"), 1),
            ],
            marked_span: Some("00000000000000f2".into()),
            marked_event: Some("done".into()),
            allowed: vec!["start W".into()],
            omitted: 0,
        })),
        stats: Stats {
            states: 3,
            transitions: 4,
            seconds: 0.5,
        },
    };
    let inconclusive = CheckResult {
        id: "assert 2".into(),
        kind: Kind::Deadlock,
        verdict: Verdict::Inconclusive("state bound".into()),
        ..Default::default()
    };
    let error = CheckResult {
        id: "broken.csp".into(),
        kind: Kind::Input,
        input: Some("broken.csp".into()),
        verdict: Verdict::Error(InputError {
            message: "expected `)`".into(),
            position: Some("broken.csp:3:15".into()),
        }),
        ..Default::default()
    };
    let holds = CheckResult {
        id: "P1".into(),
        kind: Kind::Bsp,
        ..Default::default()
    };
    let r = Report {
        command: "traces verify".into(),
        cspot_version: Some(report::VERSION.into()),
        inputs: vec!["dump.json".into(), "broken.csp".into()],
        results: vec![violated, inconclusive, error, holds],
    };
    let opts = RenderOptions {
        timings: true,
        color: false,
    };
    let doc: Value = serde_json::from_str(&report::render(&r, Format::Json, opts)).expect("JSON");
    assert_conforms("every field", &doc);
    // Filled in, not defaulted: the trace view and finding source made it to the JSON.
    assert_eq!(
        doc["results"][0]["trace"]["spans"][1]["events"][0]["name"],
        "done"
    );
    assert_eq!(doc["results"][0]["findings"][0]["source"], "dump.json:20");
    // The data fields too: events, leaves, evidence by kind, locations, the version.
    let cx = &doc["results"][0]["counterexample"];
    assert_eq!(cx["steps"][0]["event"]["fields"][0], "1");
    assert_eq!(cx["evidence"]["acceptances"][0][0]["channel"], "done");
    assert_eq!(cx["leaves"][0]["process"], "W");
    assert_eq!(doc["results"][0]["findings"][0]["location"]["line"], 20);
    assert_eq!(doc["results"][2]["error_location"]["col"], 15);
    assert_eq!(doc["cspot_version"], report::VERSION);
}

/// The documentation check is not vacuous: a field the schema does not name is reported.
#[test]
fn an_undocumented_field_is_reported() {
    let mut doc = valid_report();
    doc["results"][0]["counterexample"]["steps"][0]["colour"] = json!("red");
    let mut extra = Vec::new();
    undocumented(schema(), &doc, "$", &mut extra);
    assert_eq!(
        extra,
        ["$.results[0].counterexample.steps[0].colour".to_string()]
    );
}
