//! Running one matrix case: the binary in each format, the expected verdict and kind checked
//! in the JSON (and the JSON checked against the schema) before anything is snapshotted.

use crate::support::cspot;
use serde_json::Value;
use std::sync::OnceLock;

/// The formats every case is rendered in, with the name its snapshot carries.
pub const FORMATS: [&str; 5] = ["human", "json", "junit", "sarif", "html"];

/// The JSON Schema of the report, as shipped in the source tree.
pub const SCHEMA_TEXT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src/report/report.schema.json"
));

/// The schema parsed once for all tests.
pub fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| serde_json::from_str(SCHEMA_TEXT).expect("the schema is JSON"))
}

/// The validator, built once (building resolves every `$ref`).
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| jsonschema::validator_for(schema()).expect("the schema compiles"))
}

/// Every schema violation of `doc`, one line each (empty when it validates).
pub fn schema_errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// What a case must produce. One result of the report must match `kind`, `verdict` and, when
/// given, carry a finding of `rule` and an id starting with `id`.
pub struct Expect {
    pub exit: i32,
    pub kind: &'static str,
    pub verdict: &'static str,
    pub rule: Option<&'static str>,
    pub id: Option<&'static str>,
}

impl Expect {
    /// A model check that is violated (exit 1).
    pub const fn violated(kind: &'static str) -> Expect {
        Expect {
            exit: 1,
            kind,
            verdict: "violated",
            rule: None,
            id: None,
        }
    }

    /// An input that could not be checked (exit 2).
    pub const fn error(kind: &'static str) -> Expect {
        Expect {
            exit: 2,
            kind,
            verdict: "error",
            rule: None,
            id: None,
        }
    }

    /// A check that a bound stopped (exit 3).
    pub const fn inconclusive(kind: &'static str) -> Expect {
        Expect {
            exit: 3,
            kind,
            verdict: "inconclusive",
            rule: None,
            id: None,
        }
    }

    /// The exit code of a report whose results have several verdicts.
    pub const fn exit(mut self, exit: i32) -> Expect {
        self.exit = exit;
        self
    }

    pub const fn rule(mut self, rule: &'static str) -> Expect {
        self.rule = Some(rule);
        self
    }

    pub const fn id(mut self, id: &'static str) -> Expect {
        self.id = Some(id);
        self
    }

    fn matches(&self, r: &Value) -> bool {
        r["kind"] == self.kind
            && r["verdict"] == self.verdict
            && self
                .id
                .is_none_or(|id| r["id"].as_str().is_some_and(|s| s.starts_with(id)))
            && self.rule.is_none_or(|rule| {
                r["findings"]
                    .as_array()
                    .is_some_and(|fs| fs.iter().any(|f| f["rule"] == rule))
            })
    }
}

/// Runs `args` in every format (with `--no-timings -q`), checks the exit code and the JSON
/// against `expect` and the schema, then snapshots each rendering as `NAME.FORMAT`. Gives the
/// parsed JSON report for further checks.
pub fn case(name: &str, args: &[&str], expect: &Expect) -> Value {
    let outputs = render_all(name, args, expect.exit);
    let doc = checked_json(name, &outputs);
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    assert!(
        results.iter().any(|r| expect.matches(r)),
        "{name}: no result with kind {} verdict {} rule {:?} id {:?} in\n{}",
        expect.kind,
        expect.verdict,
        expect.rule,
        expect.id,
        json_text(&outputs)
    );
    check_other_formats(name, Some(expect), &outputs);
    snapshot_all(name, args, &outputs);
    doc
}

/// (format, stdout, stderr) of `args` in each of [`FORMATS`], every run exiting with `exit`.
fn render_all(name: &str, args: &[&str], exit: i32) -> Vec<(&'static str, String, String)> {
    FORMATS
        .iter()
        .map(|&format| {
            let mut full: Vec<&str> = args.to_vec();
            full.extend_from_slice(&["--format", format, "--no-timings", "-q"]);
            let (code, out, err) = cspot(&full);
            assert_eq!(code, exit, "{name} ({format}): exit {code}\n{out}\n{err}");
            (format, out, err)
        })
        .collect()
}

/// The JSON rendering, parsed, valid against the schema, its summary consistent.
fn checked_json(name: &str, outputs: &[(&str, String, String)]) -> Value {
    let json = json_text(outputs);
    let doc: Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}\n{json}"));
    let problems = schema_errors(&doc);
    assert!(
        problems.is_empty(),
        "{name}: JSON breaks the schema:\n{}",
        problems.join("\n")
    );
    check_summary(name, &doc);
    doc
}

fn json_text<'o>(outputs: &'o [(&str, String, String)]) -> &'o str {
    outputs
        .iter()
        .find(|(format, _, _)| *format == "json")
        .map_or("", |(_, out, _)| out.as_str())
}

/// The summary counts what `results` holds, and nothing counts an error as passing.
fn check_summary(name: &str, doc: &Value) {
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    for (field, verdict) in [
        ("holds", "holds"),
        ("violated", "violated"),
        ("inconclusive", "inconclusive"),
        ("errors", "error"),
    ] {
        let n = results.iter().filter(|r| r["verdict"] == verdict).count();
        assert_eq!(doc["summary"][field], n, "{name}: summary.{field}");
    }
}

/// SARIF is JSON with runs, JUnit is XML that fails on a violation: the structure every
/// consumer relies on, whatever the renderers' details.
fn check_other_formats(name: &str, expect: Option<&Expect>, outputs: &[(&str, String, String)]) {
    for (format, out, _) in outputs {
        match *format {
            "sarif" => {
                let v: Value = serde_json::from_str(out)
                    .unwrap_or_else(|e| panic!("{name}: SARIF is not JSON: {e}\n{out}"));
                assert_eq!(v["version"], "2.1.0", "{name}: SARIF version");
                assert!(v["runs"].is_array(), "{name}: SARIF has no runs");
            }
            "junit" => {
                assert!(out.contains("<testsuites"), "{name}: not JUnit:\n{out}");
                if expect.is_some_and(|e| e.verdict == "violated") {
                    assert!(
                        out.contains("<failure"),
                        "{name}: JUnit has no failure:\n{out}"
                    );
                }
                if expect.is_some_and(|e| e.verdict == "error") {
                    assert!(out.contains("<error"), "{name}: JUnit has no error:\n{out}");
                }
            }
            "html" => {
                assert!(out.starts_with("<!DOCTYPE html>"), "{name}: not HTML");
                if let Some(e) = expect.filter(|e| e.verdict != "holds") {
                    let badge = if e.verdict == "error" {
                        "error"
                    } else {
                        e.verdict
                    };
                    assert!(out.contains(badge), "{name}: HTML does not say {badge}");
                }
            }
            _ => {}
        }
    }
}

/// The HTML page with its inline style and scripts (the same in every report) left out, so
/// that a snapshot shows the report's own structure.
fn without_assets(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let next = ["<style>", "<script>"]
            .iter()
            .filter_map(|tag| rest.find(tag).map(|at| (at, *tag)))
            .min();
        let Some((at, tag)) = next else { break };
        let close = if tag == "<style>" {
            "</style>"
        } else {
            "</script>"
        };
        let body = at + tag.len();
        out.push_str(&rest[..body]);
        match rest[body..].find(close) {
            Some(end) => {
                out.push('…');
                rest = &rest[body + end..];
            }
            None => rest = &rest[body..],
        }
    }
    out.push_str(rest);
    out
}

/// What a report says cspot's own version is, in the snapshots: a release must not rewrite
/// every JSON and SARIF snapshot.
pub const VERSION_REDACTED: &str = "[cspot version]";

/// `text` with this build's version, where a JSON report (`cspot_version`) or a SARIF log
/// (the driver's `version` and `semanticVersion`) states it, replaced by
/// [`VERSION_REDACTED`].
pub fn redact_version(text: &str) -> String {
    let version = cspot::report::VERSION;
    let mut out = text.to_string();
    for key in ["cspot_version", "semanticVersion", "version"] {
        out = out.replace(
            &format!("\"{key}\": \"{version}\""),
            &format!("\"{key}\": \"{VERSION_REDACTED}\""),
        );
    }
    out
}

/// Each format's stdout as its own snapshot, headed by the command that made it; the human
/// one also keeps stderr, where the diagnostics of input errors go. The version of cspot is
/// redacted ([`redact_version`]).
fn snapshot_all(name: &str, args: &[&str], outputs: &[(&str, String, String)]) {
    for (format, out, err) in outputs {
        let text = if *format == "human" && !err.is_empty() {
            format!("{out}--- stderr ---\n{err}")
        } else if *format == "html" {
            without_assets(out)
        } else {
            redact_version(out)
        };
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(format!(
            "cspot {} --format {format} --no-timings -q",
            args.join(" ")
        ));
        settings.bind(|| insta::assert_snapshot!(format!("{name}.{format}"), text));
    }
}
