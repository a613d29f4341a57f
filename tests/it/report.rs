//! The report model: exit codes and the JSON contract of DESIGN.md.

use cspot::report::{
    self, CheckResult, Counterexample, Format, Kind, RenderOptions, Report, Stats, Step, Verdict,
};

fn result(id: &str, verdict: Verdict) -> CheckResult {
    CheckResult {
        id: id.into(),
        kind: Kind::Deadlock,
        title: "P :[deadlock free]".into(),
        source: Some("spec.csp:3:1".into()),
        verdict,
        findings: vec![],
        stats: Stats {
            states: 4,
            transitions: 5,
            seconds: 1.5,
        },
        ..Default::default()
    }
}

#[test]
fn exit_code_prefers_violated_over_inconclusive() {
    let mut r = Report::new("check");
    assert_eq!(r.exit_code(), report::exit::HOLDS);
    r.results.push(result(
        "assert 1",
        Verdict::Inconclusive("state bound".into()),
    ));
    assert_eq!(r.exit_code(), report::exit::INCONCLUSIVE);
    r.results.push(result(
        "assert 2",
        Verdict::Violated(Counterexample::default()),
    ));
    assert_eq!(r.exit_code(), report::exit::VIOLATED);
}

#[test]
fn json_has_the_contract_fields_and_no_timings_when_asked() {
    let mut r = Report::new("check");
    let cx = Counterexample {
        summary: "deadlock after <a>".into(),
        steps: vec![Step {
            actor: "P".into(),
            action: "a".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    r.results.push(result("assert 1", Verdict::Violated(cx)));
    let text = report::render(
        &r,
        Format::Json,
        RenderOptions {
            timings: false,
            color: false,
        },
    );
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["command"], "check");
    assert_eq!(v["results"][0]["kind"], "deadlock");
    assert_eq!(v["results"][0]["verdict"], "violated");
    assert_eq!(v["results"][0]["source"], "spec.csp:3:1");
    assert_eq!(v["results"][0]["counterexample"]["steps"][0]["action"], "a");
    assert_eq!(v["results"][0]["stats"]["seconds"], 0.0);
    assert_eq!(v["summary"]["violated"], 1);
}

#[test]
fn sarif_locates_violations() {
    let mut r = Report::new("check");
    r.results.push(result(
        "assert 1",
        Verdict::Violated(Counterexample::default()),
    ));
    r.results.push(result("assert 2", Verdict::Holds));
    let text = report::render(&r, Format::Sarif, RenderOptions::default());
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}
