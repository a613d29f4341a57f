//! SARIF: the OASIS schema (`jsonschema`), the SARIF multitool with GitHub's ingestion rules,
//! and what code scanning needs beyond both (rules described, regions, fingerprints).

use super::samples::{expected_results, samples, with};
use super::{PLAIN, real_runs, root, schema, scratch};
use cspot::report::{
    self, CheckResult, Counterexample, Format, Kind, RenderOptions, Report, Verdict, rules,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sarif_of(report: &Report) -> String {
    report::render(report, Format::Sarif, PLAIN)
}

/// Checks against the OASIS schema; `None` when the schema is absent.
fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn sarif_validator() -> Option<jsonschema::Validator> {
    let path = schema("sarif-schema-2.1.0.json")?;
    let text = std::fs::read_to_string(&path).expect("schema readable");
    let mut schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    // The 2.1.0 schema's `language` patterns (of `run` and `toolComponent`) have a stray `]`,
    // which the draft-07 metaschema rejects as a regex, so the validator would not compile.
    // The copy in memory gets the pattern the errata give (reports carry no `language`; the
    // file is not touched).
    fix_language_patterns(&mut schema);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema compiles");
    Some(validator)
}

fn fix_language_patterns(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "pattern" && x.as_str() == Some("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$")
                {
                    *x = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
                } else {
                    fix_language_patterns(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(fix_language_patterns),
        _ => {}
    }
}

/// What code scanning needs beyond the schema, checked on every document.
fn check_sarif_shape(name: &str, doc: &Value) {
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules array");
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    for r in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = r[field]["text"].as_str().unwrap_or("");
            assert!(
                !text.trim().is_empty(),
                "{name}: rule {} lacks {field}",
                r["id"]
            );
        }
        assert!(
            r["name"].as_str().is_some_and(|n| !n.is_empty()),
            "{name}: {r}"
        );
    }
    for (i, res) in run["results"]
        .as_array()
        .expect("results")
        .iter()
        .enumerate()
    {
        let rule = res["ruleId"].as_str().expect("ruleId");
        let idx = res["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(ids.get(idx), Some(&rule), "{name}: result {i} rule index");
        assert!(
            matches!(res["level"].as_str(), Some("error" | "warning" | "note")),
            "{name}: {res}"
        );
        assert!(
            !res["message"]["text"].as_str().unwrap_or("").is_empty(),
            "{name}: {res}"
        );
        let loc = &res["locations"][0]["physicalLocation"];
        assert!(
            loc["artifactLocation"]["uri"].as_str().is_some(),
            "{name}: result {i} has no uri"
        );
        assert!(
            loc["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{name}: result {i} has no region"
        );
        let print = res["partialFingerprints"]["cspotResult/v1"]
            .as_str()
            .unwrap_or("");
        assert_eq!(print.len(), 16, "{name}: result {i} fingerprint");
        for tl in res["codeFlows"][0]["threadFlows"][0]["locations"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert!(
                tl["location"]["message"]["text"].as_str().is_some(),
                "{name}: {tl}"
            );
            assert!(
                tl["location"]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .is_some(),
                "{name}: {tl}"
            );
        }
    }
    let prints: std::collections::BTreeSet<&str> = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["partialFingerprints"]["cspotResult/v1"].as_str())
        .collect();
    assert_eq!(
        prints.len(),
        run["results"].as_array().map_or(0, Vec::len),
        "{name}: fingerprints repeat"
    );
}

#[test]
fn formats_sarif_of_every_kind_and_verdict() {
    let validator = sarif_validator();
    for (name, report) in samples() {
        let text = sarif_of(&report);
        assert_eq!(text, sarif_of(&report), "{name}: not deterministic");
        let doc: Value = serde_json::from_str(&text).expect("SARIF is JSON");
        if let Some(v) = &validator {
            let errors = schema_errors(v, &doc);
            assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
        }
        check_sarif_shape(name, &doc);
        let results = doc["runs"][0]["results"].as_array().expect("results");
        assert_eq!(results.len(), expected_results(&report), "{name}: {text}");
    }
}

#[test]
fn formats_sarif_results_say_where_and_what() {
    let (_, traces) = samples()
        .into_iter()
        .find(|(n, _)| *n == "traces")
        .expect("sample");
    let doc: Value = serde_json::from_str(&sarif_of(&traces)).expect("JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let orphan = &results[0];
    assert_eq!(orphan["ruleId"], "trace.orphan");
    let text = orphan["message"]["text"].as_str().unwrap_or("");
    assert!(
        text.contains("4bf92f3577b34da6a3ce929d0e0e4736") && text.contains("00f067aa0ba902b7"),
        "{text}"
    );
    // The finding's own line, else the dump with line 1.
    assert_eq!(
        orphan["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "dump.json"
    );
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
    // Unknown rules are described too.
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    assert!(rules.iter().any(|r| r["id"] == "trace.brand-new-rule"));
    // The Φ counterexample goes with the conformance finding, one location per step.
    let conf = results
        .iter()
        .find(|r| r["ruleId"] == "phi.conformance")
        .expect("conformance");
    let flow = conf["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("flow");
    assert_eq!(flow.len(), 2);
    assert_eq!(
        flow[1]["location"]["message"]["text"],
        "[pay] charge; x now 1 & y <2>"
    );
    assert_eq!(
        flow[1]["location"]["physicalLocation"]["artifactLocation"]["uri"],
        "models/phi/checkout.toml"
    );
    // An error is reported under `input` at its position, the phi.error finding not twice.
    let errors: Vec<&Value> = results
        .iter()
        .filter(|r| r["properties"]["verdict"] == "error")
        .collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["ruleId"], "input");
    // Coverage gaps of a result that holds are notes.
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "phi.uncovered" && r["level"] == "note")
    );

    let (_, every) = samples().into_iter().next().expect("sample");
    let doc: Value = serde_json::from_str(&sarif_of(&every)).expect("JSON");
    let results = doc["runs"][0]["results"].as_array().expect("results");
    let lasso = results
        .iter()
        .find(|r| r["codeFlows"].is_array())
        .expect("a code flow");
    let steps = lasso["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("steps");
    assert_eq!(
        steps[0]["location"]["message"]["text"],
        "[PHIL.1] pickup.1.1; x now 1 & y <2>"
    );
    assert!(
        steps[1]["location"]["message"]["text"]
            .as_str()
            .unwrap_or("")
            .starts_with("loop starts here")
    );
    // A step without a source points at the assertion.
    assert_eq!(
        steps[1]["location"]["physicalLocation"],
        lasso["locations"][0]["physicalLocation"]
    );
    assert_eq!(
        lasso["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "specs/a%20b.csp"
    );
    let inconclusive = results
        .iter()
        .find(|r| r["properties"]["verdict"] == "inconclusive")
        .expect("inconclusive");
    assert_eq!(inconclusive["level"], "warning");
    assert!(
        inconclusive["message"]["text"]
            .as_str()
            .unwrap_or("")
            .contains("--max-states")
    );
    let error = results
        .iter()
        .find(|r| r["properties"]["verdict"] == "error")
        .expect("error");
    assert_eq!(error["ruleId"], "input");
    assert_eq!(
        error["locations"][0]["physicalLocation"]["region"],
        serde_json::json!({"startLine": 7, "startColumn": 12})
    );
    // BSP properties keep their own rule ids.
    let (_, bsp) = samples()
        .into_iter()
        .find(|(n, _)| *n == "bsp")
        .expect("sample");
    let doc: Value = serde_json::from_str(&sarif_of(&bsp)).expect("JSON");
    let rule_ids: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert_eq!(rule_ids, ["bsp.P1", "bsp.P2", "bsp.P3"]);
}

#[test]
fn formats_sarif_fingerprints_ignore_lines_timings_and_file_count() {
    let base = with(
        "assert 1",
        Kind::Deadlock,
        Some("s.csp:3:1"),
        None,
        Verdict::Violated(Counterexample::default()),
    );
    let mut moved = base.clone();
    moved.source = Some("s.csp:30:9".into());
    moved.stats.seconds = 99.0;
    let mut prefixed = base.clone();
    prefixed.id = "s.csp assert 1".into();
    let print = |r: &CheckResult| {
        let mut rep = Report::new("check");
        rep.results.push(r.clone());
        let timed = RenderOptions {
            timings: true,
            color: false,
        };
        let doc: Value =
            serde_json::from_str(&report::render(&rep, Format::Sarif, timed)).expect("JSON");
        doc["runs"][0]["results"][0]["partialFingerprints"].clone()
    };
    assert_eq!(print(&base), print(&moved));
    assert_eq!(print(&base), print(&prefixed));
    let mut other = base.clone();
    other.id = "assert 2".into();
    assert_ne!(print(&base), print(&other));
}

#[test]
fn formats_rule_catalogue_covers_every_rule() {
    let mut ids: Vec<String> = Kind::ALL.iter().map(|k| k.as_str().to_string()).collect();
    ids.extend(
        cspot::otlp::rules::RULES
            .iter()
            .map(|(id, _)| id.to_string()),
    );
    ids.extend(["P1", "P2", "P3", "P4", "P5"].map(|p| format!("bsp.{p}")));
    ids.extend(
        [
            cspot::phi::result::RULE_CONFORMANCE,
            cspot::phi::result::RULE_PARENT,
            cspot::phi::result::RULE_TERMINATION,
            "phi.unmapped",
            "phi.no-activation",
            "phi.error",
            "phi.round-trip",
            "phi.injectivity",
            "phi.uncovered",
        ]
        .map(String::from),
    );
    // Every literal rule id of the sources, so that a new one cannot go uncatalogued.
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("src readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs")
                && !p.starts_with(root().join("src/report"))
            {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                for part in text.split("rule: \"").skip(1) {
                    if let Some(id) = part.split('"').next() {
                        ids.push(id.to_string());
                    }
                }
            }
        }
    }
    for id in &ids {
        let r = rules::lookup(id).unwrap_or_else(|| panic!("rule {id} is not in the catalogue"));
        assert!(
            !r.short.is_empty() && !r.full.is_empty() && !r.help.is_empty(),
            "{id}"
        );
    }
    // SARIF forbids a rule name equal to its id (the multitool compares ignoring case).
    for r in rules::CATALOGUE {
        assert!(!r.name.eq_ignore_ascii_case(r.id), "{}", r.id);
    }
    let names: std::collections::BTreeSet<&str> = rules::CATALOGUE.iter().map(|r| r.name).collect();
    assert_eq!(names.len(), rules::CATALOGUE.len(), "rule names repeat");
}

#[test]
fn formats_sarif_of_real_runs() {
    let validator = sarif_validator();
    let dir = scratch("sarif");
    let mut written = Vec::new();
    for (name, report) in samples() {
        let p = dir.join(format!("sample-{name}.sarif"));
        std::fs::write(&p, sarif_of(&report)).expect("write");
        written.push(p);
    }
    for (name, text) in real_runs("sarif") {
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(v) = &validator {
            let errors = schema_errors(v, &doc);
            assert!(errors.is_empty(), "{name}: {}", errors.join("\n"));
        }
        check_sarif_shape(&name, &doc);
        let p = dir.join(format!("{name}.sarif"));
        std::fs::write(&p, &text).expect("write");
        written.push(p);
    }
    multitool_validate(&dir, &written);
}

/// The SARIF multitool that `npm install --prefix target/tools @microsoft/sarif-multitool`
/// installs: its native program, called directly (the npm shim goes through a shell, which
/// splits `Sarif;Gh` at the semicolon).
fn multitool() -> Option<PathBuf> {
    let modules = root().join("target/tools/node_modules/@microsoft");
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        os => os,
    };
    let exe = if os == "win32" {
        "Sarif.Multitool.exe"
    } else {
        "Sarif.Multitool"
    };
    let p = modules.join(format!("sarif-multitool-{os}")).join(exe);
    p.is_file().then_some(p)
}

/// Runs `validate` with the SARIF rules and GitHub's ingestion rules on every file at once;
/// any error fails, and any warning but SARIF2005 (cspot has no web page to give as
/// `informationUri`).
fn multitool_validate(dir: &Path, files: &[PathBuf]) {
    let Some(tool) = multitool() else {
        eprintln!(
            "SKIPPED: the SARIF multitool is not installed (npm install --prefix target/tools \
             @microsoft/sarif-multitool); SARIF checked against the schema only"
        );
        return;
    };
    let log = dir.join("multitool.sarif");
    let out = Command::new(&tool)
        .arg("validate")
        .args(files)
        .args(["--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite", "-o"])
        .arg(&log)
        .output()
        .expect("the multitool runs");
    let console = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "multitool failed: {console}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let problems: Vec<&str> = console
        .lines()
        .filter(|l| {
            l.contains(": error ") || (l.contains(": warning ") && !l.contains("SARIF2005"))
        })
        .collect();
    assert!(problems.is_empty(), "multitool:\n{}", problems.join("\n"));
    assert!(
        console.contains(&format!("{} files scanned", files.len())),
        "{console}"
    );
}
