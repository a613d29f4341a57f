//! The report model: exit codes and the JSON contract of DESIGN.md.

use cspot::report::{
    self, CheckResult, Counterexample, Event, Evidence, Format, Kind, LeafState, Location,
    RenderOptions, Report, Stats, Step, Verdict,
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

/// A report with every verdict and every optional part filled, for round trips.
fn full_report() -> Report {
    let mut r = Report::new("traces verify");
    r.inputs = vec!["a.json".into(), "b.json".into()];
    let leaf = |state: &str, offers: Vec<Event>| LeafState {
        process: "P".into(),
        state: state.into(),
        offers,
    };
    let b = || Event::new("b", vec![]);
    let a1 = || Event::new("a", vec!["1".into()]);
    let cx = Counterexample {
        summary: "the span did not fit".into(),
        initial: vec![("P".into(), "P(0)".into())],
        initial_leaves: vec![leaf("P(0)", vec![a1()])],
        steps: vec![Step {
            actor: "P, Q".into(),
            actors: vec!["P".into(), "Q".into()],
            action: "a.1".into(),
            event: Some(a1()),
            span_id: Some("00f067aa0ba902b7".into()),
            details: vec!["P now P(1)".into()],
            source: Some(Location::at("spec.csp", 4, 1)),
            internal: false,
            state: vec![("P".into(), "P(1)".into())],
            leaves: vec![leaf("P(1)", vec![b(), Event::tau(), Event::tick()])],
        }],
        loop_start: Some(0),
        facts: vec![("allowed".into(), "{b}".into())],
        leaves: vec![leaf("P(1)", vec![b()])],
        evidence: Box::new(Evidence {
            performed: Some(a1()),
            allowed: Some(vec![b()]),
            offered: Some(vec![b(), a1()]),
            refusal: Some(vec![]),
            acceptances: Some(vec![vec![b()], vec![]]),
            missing: Some(Event::tick()),
        }),
    };
    let mut violated = result("4bf9", Verdict::Violated(cx));
    violated.kind = Kind::TraceConformance;
    violated.input = Some("a.json".into());
    violated.findings.push(report::Finding {
        rule: "phi.conformance".into(),
        span_id: Some("00f067aa0ba902b7".into()),
        message: "observed b".into(),
        related: vec!["00f067aa0ba902b8".into()],
        source: Some(Location::byte("a.pb", 4096)),
    });
    violated.trace = Some(Box::new(report::TraceView {
        spans: vec![report::SpanView {
            id: "00f067aa0ba902b7".into(),
            parent: None,
            name: "checkout".into(),
            service: "shop".into(),
            start: 1_700_000_000_000_000_000,
            end: 1_700_000_000_500_000_000,
            depth: 0,
            events: vec![report::EventView {
                name: "b".into(),
                time: 1_700_000_000_100_000_000,
            }],
            source: Some("a.json:12".into()),
        }],
        marked_span: Some("00f067aa0ba902b7".into()),
        marked_event: Some("b".into()),
        allowed: vec!["a".into()],
        omitted: 3,
    }));
    r.results.push(violated);
    r.results.push(result("assert 2", Verdict::Holds));
    r.results.push(result(
        "assert 3",
        Verdict::Inconclusive("state bound".into()),
    ));
    let mut err = result(
        "b.json read error 1",
        Verdict::Error(report::InputError {
            message: "expected a string".into(),
            position: Some("b.json:2:56".into()),
        }),
    );
    err.kind = Kind::Input;
    r.results.push(err);
    r
}

#[test]
fn a_json_report_reads_back_to_the_same_report() {
    let r = full_report();
    let timed = RenderOptions {
        timings: true,
        color: false,
    };
    let text = report::render(&r, Format::Json, timed);
    let back = report::parse_json(&text).expect("the JSON renderer's output reads back");
    assert_eq!(back, r);
    assert_eq!(report::render(&back, Format::Json, timed), text);
}

#[test]
fn a_report_with_an_error_counts_it_and_exits_2_whatever_else_it_holds() {
    let r = full_report();
    let s = r.summary();
    assert_eq!(
        (s.holds, s.violated, s.inconclusive, s.errors),
        (1, 1, 1, 1)
    );
    assert_eq!(r.exit_code(), report::exit::ERROR);
    let v: serde_json::Value =
        serde_json::from_str(&report::render(&r, Format::Json, RenderOptions::default())).unwrap();
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["results"][3]["verdict"], "error");
    assert_eq!(v["results"][3]["position"], "b.json:2:56");
    let human = report::render(&r, Format::Human, RenderOptions::default());
    assert!(human.contains("ERROR"), "{human}");
    assert!(human.ends_with("1 inconclusive, 1 error\n"), "{human}");
}

#[test]
fn reading_back_names_the_field_that_is_wrong() {
    let text = report::render(&full_report(), Format::Json, RenderOptions::default());
    let broken = text.replacen("\"verdict\": \"holds\"", "\"verdict\": \"fine\"", 1);
    let e = report::parse_json(&broken).expect_err("an unknown verdict is refused");
    assert_eq!(e.path, "results[1].verdict");
    let e = report::parse_json("{\"schema_version\": 99, \"command\": \"check\"}").unwrap_err();
    assert_eq!(e.path, "schema_version");
    assert!(report::parse_json("[1, 2").is_err());
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cspot-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn a_file_that_does_not_parse_is_an_error_result_in_every_format() {
    let dir = temp_dir("parse");
    let bad = dir.join("bad.csp");
    std::fs::write(&bad, "P = a -> \n").unwrap();
    let json = dir.join("r.json");
    let junit = dir.join("r.xml");
    let sarif = dir.join("r.sarif");
    let html = dir.join("r.html");
    let (code, out, _) = crate::support::cspot(&[
        "check",
        path(&bad),
        "specs/queue.csp",
        "--no-timings",
        "--json",
        path(&json),
        "--junit",
        path(&junit),
        "--sarif",
        path(&sarif),
        "--report",
        path(&html),
    ]);
    assert_eq!(code, report::exit::ERROR, "{out}");
    assert!(out.contains("ERROR"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["results"][0]["verdict"], "error");
    assert_eq!(v["results"][0]["kind"], "input");
    assert_eq!(v["results"][0]["input"], path(&bad));
    assert!(
        v["summary"]["holds"].as_u64().unwrap() > 0,
        "the other file is still checked"
    );
    assert!(std::fs::read_to_string(&junit).unwrap().contains("<error"));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert!(
        s["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["level"] == "error"
                && r["message"]["text"].as_str().unwrap().contains("expected")),
        "{s}"
    );
    assert!(std::fs::read_to_string(&html).unwrap().contains("error"));
}

#[test]
fn a_bad_line_of_a_json_lines_dump_is_an_error_not_a_pass() {
    let dir = temp_dir("jsonl");
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/otlp/good-jsonl.jsonl"),
    )
    .unwrap();
    let dump = dir.join("d.jsonl");
    std::fs::write(
        &dump,
        format!("{}\n{{\"resourceSpans\": [oops]}}\n", good.trim_end()),
    )
    .unwrap();
    let (code, out, _) =
        crate::support::cspot(&["traces", "check", path(&dump), "--format", "json"]);
    assert_eq!(code, report::exit::ERROR);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["errors"], 1, "{out}");
    let err = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "error")
        .unwrap();
    let lines = good.trim_end().lines().count() + 1;
    assert!(
        err["position"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}:{lines}:", path(&dump))),
        "{err}"
    );
}

#[test]
fn a_model_file_error_is_a_result() {
    let dir = temp_dir("model");
    let model = dir.join("m.toml");
    std::fs::write(&model, "spec = 3\n").unwrap();
    let (code, out, err) = crate::support::cspot(&[
        "traces",
        "verify",
        "fixtures/phi/checkout/synth-ok.json",
        "--model",
        path(&model),
        "--format",
        "json",
    ]);
    assert_eq!(code, report::exit::ERROR, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["results"][0]["verdict"], "error");
    assert_eq!(v["results"][0]["position"], format!("{}:1:8", path(&model)));
}

#[test]
fn a_saved_report_renders_again_with_the_same_bytes_and_exit_code() {
    let dir = temp_dir("render");
    let json = dir.join("r.json");
    let (code, human, _) = crate::support::cspot(&[
        "check",
        "specs/queue.csp",
        "--no-timings",
        "--json",
        path(&json),
    ]);
    let saved = std::fs::read_to_string(&json).unwrap();
    let (code2, again, _) =
        crate::support::cspot(&["report", path(&json), "--format", "json", "--no-timings"]);
    assert_eq!(code2, code);
    assert_eq!(again, saved);
    let (_, human2, _) = crate::support::cspot(&["report", path(&json), "--no-timings"]);
    assert_eq!(human2, human);
    let html = dir.join("r.html");
    let (_, out, _) = crate::support::cspot(&["report", path(&json), "--html", path(&html), "-q"]);
    assert!(out.is_empty());
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    std::fs::write(dir.join("not.json"), "{\"schema_version\": 1}").unwrap();
    let (code3, _, err) = crate::support::cspot(&["report", path(&dir.join("not.json"))]);
    assert_eq!(code3, report::exit::ERROR);
    assert!(err.contains("missing field `command`"), "{err}");
}

#[test]
fn trace_findings_point_at_the_line_of_their_span_and_violations_carry_the_tree() {
    let (code, out, _) = crate::support::cspot(&[
        "traces",
        "check",
        "fixtures/otlp/cycle.json",
        "--format",
        "json",
    ]);
    assert_eq!(code, report::exit::VIOLATED);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v["results"][0];
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["span_id"] == "1020304050607004")
        .unwrap();
    // The span object `{ "traceId": …, "spanId": "1020304050607004" … }` opens on line 39.
    assert_eq!(f["source"], "fixtures/otlp/cycle.json:39");
    let spans = r["trace"]["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 6, "every span of the trace is in its view");
    assert_eq!(r["trace"]["marked_span"], r["findings"][0]["span_id"]);
}

#[test]
fn a_phi_violation_marks_the_failing_span_and_what_the_model_allowed() {
    let (code, out, _) = crate::support::cspot(&[
        "traces",
        "verify",
        "fixtures/phi/checkout/synth-bad-wrong-parent.json",
        "--model",
        "models/phi/checkout.toml",
        "--format",
        "json",
    ]);
    assert_eq!(code, report::exit::VIOLATED);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let t = &v["results"][0]["trace"];
    let marked = t["marked_span"].as_str().unwrap();
    assert!(
        t["spans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == marked)
    );
    assert_eq!(t["marked_event"], "start");
    assert!(!t["allowed"].as_array().unwrap().is_empty());
    let parent_finding = v["results"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "phi.parent")
        .unwrap();
    assert_eq!(parent_finding["span_id"], marked);
}

#[test]
fn csp_and_bsp_counterexamples_give_the_state_after_every_step() {
    let (_, out, _) = crate::support::cspot(&[
        "check",
        "specs/queue.csp",
        "--format",
        "json",
        "--no-timings",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for r in v["results"].as_array().unwrap() {
        if r["verdict"] != "violated" {
            continue;
        }
        let cx = &r["counterexample"];
        let leaves = cx["initial"].as_array().unwrap().len();
        assert!(leaves > 0);
        for s in cx["steps"].as_array().unwrap() {
            assert_eq!(s["state"].as_array().unwrap().len(), leaves, "{s}");
        }
    }
    let (_, out, _) = crate::support::cspot(&[
        "bsp",
        "models/bsp/small.toml",
        "--variant",
        "onend-shutdown-race",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "violated")
        .unwrap();
    let last = r["counterexample"]["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["state"]
        .clone();
    let part = |name: &str| {
        last.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].clone())
    };
    assert!(part("queue").is_some(), "{last}");
    assert_eq!(part("Shutdown").unwrap(), "returned");
}

#[test]
fn a_long_check_writes_progress_lines_to_a_log_and_nothing_when_quiet() {
    let dir = temp_dir("progress");
    let spec = dir.join("big.csp");
    // 10^7 states: the state bound stops it after about a second.
    std::fs::write(
        &spec,
        "channel inc : {0..6}\nC(i, n) = inc.i -> C(i, (n + 1) % 10)\n\
         SYS = ||| i : {0..6} @ C(i, 0)\nassert SYS :[deadlock free]\n",
    )
    .unwrap();
    let args = [
        "check",
        path(&spec),
        // The engine reports progress every 200 ms: enough states that the search lasts
        // longer than that on a fast machine (400 000 once took 0.18 s).
        "--max-states",
        "3000000",
        "--progress-interval",
        "0.01",
    ];
    let (code, out, err) = crate::support::cspot(&args);
    assert_eq!(code, report::exit::INCONCLUSIVE, "{out}{err}");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("assert 1: "))
        .collect();
    assert!(!lines.is_empty(), "no progress line in a log: {err}\n{out}");
    assert!(
        lines[0].contains(" states, ") && lines[0].contains("states/s"),
        "{err}"
    );
    let (_, _, quiet) = crate::support::cspot(&[&args[..], &["-q"]].concat());
    assert!(!quiet.contains("states/s"), "{quiet}");
}

#[test]
fn a_streamed_json_report_reads_back_like_any_other() {
    let dir = temp_dir("stream");
    let dump = dir.join("q.jsonl");
    let (code, _, err) = crate::support::cspot(&[
        "traces",
        "synth",
        "--model",
        "models/phi/queue.toml",
        "--count",
        "5",
        "--seed",
        "3",
        "--jsonl",
        "-o",
        path(&dump),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = crate::support::cspot(&[
        "traces",
        "verify",
        path(&dump),
        "--model",
        "models/phi/queue.toml",
        "--stream",
        "--format",
        "json",
        "--no-timings",
    ]);
    assert_eq!(code, 0, "{err}");
    let back = report::parse_json(&out).expect("a streamed report reads back");
    assert_eq!(back.inputs, vec![path(&dump).to_string()]);
    assert_eq!(back.results.len(), 5);
    assert_eq!(back.summary().holds, 5);
}

#[test]
fn an_error_past_column_65535_is_shown_cut_around_its_column() {
    let dir = temp_dir("long-line");
    let spec = dir.join("long.csp");
    std::fs::write(&spec, format!("P = {}) -> STOP\n", " ".repeat(70_000))).unwrap();
    for cmd in ["parse", "check"] {
        let (code, _, err) = crate::support::cspot(&[cmd, path(&spec)]);
        assert_eq!(code, report::exit::ERROR, "{cmd}: {err}");
        assert!(err.contains(&format!("{}:1:70005:", path(&spec))), "{err}");
        assert!(
            err.contains("[…") || err.contains("│ …"),
            "the line is cut: {err}"
        );
        assert!(err.lines().all(|l| l.chars().count() < 400), "{err}");
    }
}
