//! The JSON report's data fields (issue 11): beside the prose a person reads, each fact is
//! written as data a program reads — locations, a step's actors and event (channel and
//! fields), the leaf processes' states and offers, the facts of a violation by kind, the
//! version of cspot — and each survives `cspot report` (JSON → report → JSON, byte for byte).

use crate::support::{cases, cspot};
use cspot::report::{
    self, CheckResult, Counterexample, Event, EventView, Evidence, Finding, Format, InputError,
    Kind, LeafState, Location, RenderOptions, Report, SpanView, Stats, Step, TraceView, Verdict,
};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cspot-data-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Events whose fields are a datatype value, a boolean, a tuple, a set and plain numbers.
const FIELDS: &str = "\
datatype Msg = Ack.{0..1} | Nack
channel c : Msg.Bool
channel d : ({0..1}, {0..1})
channel s : Set({0,1})
channel n : {0..1}.{0..1}
P = c.Ack.1.true -> d.(0,1) -> STOP
Q = c.Ack.1.true -> d.(1,0) -> STOP
assert P [| {| c, d |} |] Q :[deadlock free [F]]
SPEC = c.Ack.1.true -> STOP [] c.Nack.false -> STOP
IMPL = s.{0,1} -> n.1.0 -> STOP
assert SPEC [F= c.Ack.1.true -> STOP
assert SPEC [T= IMPL
assert P :[has trace]: <c.Ack.1.true, c.Nack.false>
";

fn ev(channel: &str, fields: &[&str]) -> Value {
    json!({ "channel": channel, "fields": fields })
}

/// The event a step's data names, written back as text.
fn event_text(e: &Value) -> String {
    let mut s = e["channel"].as_str().unwrap_or("").to_string();
    for f in e["fields"].as_array().into_iter().flatten() {
        s.push('.');
        s.push_str(f.as_str().unwrap_or(""));
    }
    s
}

/// A location's data written back as text (`file:line:col`, `file:line`, `file: byte N`).
fn location_text(l: &Value) -> Option<String> {
    let file = l["file"].as_str()?;
    Some(
        match (l["line"].as_u64(), l["col"].as_u64(), l["byte"].as_u64()) {
            (Some(line), Some(col), _) => format!("{file}:{line}:{col}"),
            (Some(line), None, _) => format!("{file}:{line}"),
            (None, _, Some(b)) => format!("{file}: byte {b}"),
            _ => file.to_string(),
        },
    )
}

fn check_json(file: &Path) -> Value {
    let (_, out, err) = cspot(&["check", path(file), "--format", "json", "--no-timings"]);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}\n{out}\n{err}"))
}

#[test]
fn a_deadlock_names_its_actors_events_and_leaves_as_data() {
    let dir = temp_dir("deadlock");
    let spec = dir.join("fields.csp");
    std::fs::write(&spec, FIELDS).unwrap();
    let v = check_json(&spec);
    assert_eq!(v["cspot_version"], report::VERSION);
    let r = &v["results"][0];
    assert_eq!(r["verdict"], "violated");
    assert_eq!(
        r["location"],
        json!({ "file": path(&spec), "line": 8, "col": 1, "byte": null })
    );
    let cx = &r["counterexample"];
    let step = &cx["steps"][0];
    assert_eq!(step["actors"], json!(["P", "Q"]));
    assert_eq!(step["actor"], "P, Q");
    // The datatype value `Ack.1` is one field of `c`, as the channel declares it.
    assert_eq!(step["event"], ev("c", &["Ack.1", "true"]));
    assert_eq!(step["action"], "c.Ack.1.true");
    assert_eq!(step["location"]["line"], 6);
    assert_eq!(
        step["leaves"],
        json!([
            { "process": "P", "state": "d.(0, 1) -> STOP", "offers": [ev("d", &["(0, 1)"])] },
            { "process": "Q", "state": "d.(1, 0) -> STOP", "offers": [ev("d", &["(1, 0)"])] },
        ])
    );
    // At the deadlock: each leaf's state and what it offers, apart from the prose facts.
    assert_eq!(cx["leaves"], step["leaves"]);
    assert_eq!(
        cx["initial_leaves"][0]["offers"],
        json!([ev("c", &["Ack.1", "true"])])
    );
    assert_eq!(cx["evidence"], Value::Null);
}

#[test]
fn refinement_facts_are_events_by_kind() {
    let dir = temp_dir("facts");
    let spec = dir.join("fields.csp");
    std::fs::write(&spec, FIELDS).unwrap();
    let v = check_json(&spec);
    let evidence = |i: usize| v["results"][i]["counterexample"]["evidence"].clone();
    // [F=: the implementation refuses `c.Nack.false`, which SPEC offers with `c.Ack.1.true`.
    let f = evidence(1);
    let both = json!([ev("c", &["Ack.1", "true"]), ev("c", &["Nack", "false"])]);
    assert_eq!(f["refusal"], json!([ev("c", &["Nack", "false"])]), "{f}");
    assert_eq!(f["acceptances"], json!([both]));
    assert_eq!(f["offered"], json!([ev("c", &["Ack.1", "true"])]));
    assert_eq!(f["performed"], Value::Null);
    let leaves = &v["results"][1]["counterexample"]["leaves"];
    assert!(!leaves.as_array().unwrap().is_empty(), "{leaves}");
    // [T=: IMPL performs s.{0,1}, which SPEC cannot.
    let t = evidence(2);
    assert_eq!(t["performed"], ev("s", &["{0, 1}"]));
    assert_eq!(t["allowed"], both);
    assert_eq!(t["refusal"], Value::Null);
    // has trace: the event of the trace P cannot do.
    let h = evidence(3);
    assert_eq!(h["missing"], ev("c", &["Nack", "false"]));
    assert_eq!(h["offered"], json!([ev("d", &["(0, 1)"])]));
}

/// Over every shipped spec and every check test input, the data and the prose beside it say
/// the same: an event joined is its action, the actors joined are the actor, a location
/// written out is its source, the leaves are the named states and the leaf facts.
#[test]
fn the_data_and_the_prose_agree_on_the_shipped_specs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut args = vec![
        "check",
        "--format",
        "json",
        "--no-timings",
        "-q",
        "--show-tau",
    ];
    let mut specs: Vec<String> = ["specs", "tests/data/check"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .map(|p| p.display().to_string())
        .collect();
    specs.sort();
    args.extend(specs.iter().map(String::as_str));
    let (_, out, _) = cspot(&args);
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut steps = 0;
    for r in v["results"].as_array().unwrap() {
        assert_eq!(
            r["source"].as_str().map(str::to_string),
            location_text(&r["location"])
        );
        let cx = &r["counterexample"];
        if cx.is_null() {
            continue;
        }
        let named = |leaves: &Value| -> Value {
            leaves
                .as_array()
                .unwrap()
                .iter()
                .map(|l| json!({ "name": l["process"], "value": l["state"] }))
                .collect()
        };
        assert_eq!(named(&cx["initial_leaves"]), cx["initial"]);
        for s in cx["steps"].as_array().unwrap() {
            steps += 1;
            assert_eq!(
                event_text(&s["event"]),
                s["action"].as_str().unwrap(),
                "{s}"
            );
            assert_eq!(s["internal"], s["event"]["channel"] == "τ", "{s}");
            let actors: Vec<&str> = s["actors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(actors.join(", "), s["actor"].as_str().unwrap());
            assert_eq!(
                s["source"].as_str().map(str::to_string),
                location_text(&s["location"])
            );
            assert_eq!(named(&s["leaves"]), s["state"]);
        }
        for l in cx["leaves"].as_array().unwrap() {
            let offers: Vec<String> = l["offers"]
                .as_array()
                .unwrap()
                .iter()
                .map(event_text)
                .collect();
            let fact = format!(
                "at {} offering {{{}}}",
                l["state"].as_str().unwrap(),
                offers.join(", ")
            );
            let facts = cx["facts"].as_array().unwrap();
            assert!(
                facts
                    .iter()
                    .any(|f| f["name"] == l["process"] && f["value"] == fact),
                "{fact} not in {facts:?}"
            );
        }
    }
    assert!(steps > 100, "only {steps} steps");
}

#[test]
fn bsp_and_phi_steps_name_their_actor_and_span() {
    let (_, out, _) = cspot(&[
        "bsp",
        "models/bsp/small.toml",
        "--variant",
        "onend-shutdown-race",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["verdict"] == "violated")
        .unwrap();
    for s in r["counterexample"]["steps"].as_array().unwrap() {
        assert_eq!(s["actors"], json!([s["actor"]]), "{s}");
        assert_eq!(s["event"], Value::Null);
    }
    let (_, out, _) = cspot(&[
        "traces",
        "verify",
        "fixtures/phi/checkout/synth-bad-wrong-parent.json",
        "--model",
        "models/phi/checkout.toml",
        "--format",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = &v["results"][0];
    let spans = r["trace"]["spans"].as_array().unwrap();
    let steps = r["counterexample"]["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    let mut events = 0;
    for s in steps {
        let span = spans
            .iter()
            .find(|x| x["id"] == s["span_id"])
            .unwrap_or_else(|| panic!("{s}: no such span"));
        assert_eq!(s["actors"], json!([span["name"]]));
        if !s["event"].is_null() {
            events += 1;
            assert_eq!(event_text(&s["event"]), s["action"].as_str().unwrap());
        }
    }
    assert!(events > 0, "no step matched a span event");
    let f = &r["findings"][0];
    assert_eq!(
        f["source"].as_str().map(str::to_string),
        location_text(&f["location"])
    );
}

#[test]
fn a_saved_report_keeps_its_data_and_version_through_cspot_report() {
    let dir = temp_dir("saved");
    let spec = dir.join("fields.csp");
    std::fs::write(&spec, FIELDS).unwrap();
    let (_, out, _) = cspot(&["check", path(&spec), "--format", "json", "--no-timings"]);
    // A report saved by another version keeps that version.
    let saved = out.replace(
        &format!("\"cspot_version\": \"{}\"", report::VERSION),
        "\"cspot_version\": \"0.0.9\"",
    );
    assert_ne!(saved, out);
    let file = dir.join("r.json");
    std::fs::write(&file, &saved).unwrap();
    let (_, again, err) = cspot(&["report", path(&file), "--format", "json", "--no-timings"]);
    assert_eq!(again, saved, "{err}");
}

#[test]
fn a_report_saved_before_the_data_fields_reads_back_from_its_text() {
    let dir = temp_dir("old");
    let spec = dir.join("fields.csp");
    std::fs::write(&spec, FIELDS).unwrap();
    let (_, out, _) = cspot(&["check", path(&spec), "--format", "json", "--no-timings"]);
    let mut v: Value = serde_json::from_str(&out).unwrap();
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                for k in [
                    "cspot_version",
                    "location",
                    "error_location",
                    "actors",
                    "event",
                    "span_id",
                    "leaves",
                    "initial_leaves",
                    "evidence",
                ] {
                    o.remove(k);
                }
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    let old = report::parse_json(&v.to_string()).expect("an old report reads back");
    assert_eq!(old.cspot_version, None);
    assert_eq!(old.results[0].source, Some(Location::at(path(&spec), 8, 1)));
    let Verdict::Violated(cx) = &old.results[0].verdict else {
        panic!("violated")
    };
    assert_eq!(cx.steps[0].source, Some(Location::at(path(&spec), 6, 1)));
    assert!(cx.steps[0].event.is_none() && cx.leaves.is_empty());
}

#[test]
fn locations_as_text_and_as_data() {
    for (l, text) in [
        (Location::at("specs/a.csp", 3, 7), "specs/a.csp:3:7"),
        (Location::line("d.json", 12), "d.json:12"),
        (Location::byte("d.pb", 40), "d.pb: byte 40"),
        (Location::file("d.json"), "d.json"),
    ] {
        assert_eq!(l.to_string(), text);
        assert_eq!(Location::parse(text), l);
    }
    // A file whose name looks like a line: its text is ambiguous, its data is not.
    let odd = Location::file("run:12");
    assert_eq!(Location::parse(&odd.to_string()), Location::line("run", 12));
    let mut r = Report::new("traces check");
    r.results.push(CheckResult {
        id: "x".into(),
        source: Some(odd.clone()),
        verdict: Verdict::Error(InputError {
            message: "empty".into(),
            position: Some(odd.clone()),
        }),
        ..Default::default()
    });
    let text = report::render(&r, Format::Json, RenderOptions::default());
    let back = report::parse_json(&text).unwrap();
    assert_eq!(back, r);
}

// ---- every report, read back ----

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.() ]{0,12}",
        Just(String::new()),
        Just("τ".to_string()),
        Just("\"quoted\\\" ✓\u{1b}".to_string()),
    ]
}

fn location() -> impl Strategy<Value = Location> {
    (
        text(),
        proptest::option::of(1u64..10_000),
        proptest::option::of(1u64..500),
        proptest::option::of(0u64..1 << 40),
    )
        .prop_map(|(file, line, col, byte)| Location {
            file,
            line,
            col,
            byte,
        })
}

fn event() -> impl Strategy<Value = Event> {
    (text(), proptest::collection::vec(text(), 0..3)).prop_map(|(c, f)| Event::new(c, f))
}

fn events() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(event(), 0..3)
}

fn leaves() -> impl Strategy<Value = Vec<LeafState>> {
    proptest::collection::vec(
        (text(), text(), events()).prop_map(|(process, state, offers)| LeafState {
            process,
            state,
            offers,
        }),
        0..3,
    )
}

fn pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::collection::vec((text(), text()), 0..3)
}

fn step() -> impl Strategy<Value = Step> {
    (
        (text(), proptest::collection::vec(text(), 0..3), text()),
        (proptest::option::of(event()), proptest::option::of(text())),
        (
            proptest::collection::vec(text(), 0..2),
            proptest::option::of(location()),
        ),
        (any::<bool>(), pairs(), leaves()),
    )
        .prop_map(
            |(
                (actor, actors, action),
                (event, span_id),
                (details, source),
                (internal, state, leaves),
            )| {
                Step {
                    actor,
                    actors,
                    action,
                    event,
                    span_id,
                    details,
                    source,
                    internal,
                    state,
                    leaves,
                }
            },
        )
}

fn evidence() -> impl Strategy<Value = Evidence> {
    (
        proptest::option::of(event()),
        proptest::option::of(events()),
        proptest::option::of(events()),
        proptest::option::of(events()),
        proptest::option::of(proptest::collection::vec(events(), 0..3)),
        proptest::option::of(event()),
    )
        .prop_map(
            |(performed, allowed, offered, refusal, acceptances, missing)| Evidence {
                performed,
                allowed,
                offered,
                refusal,
                acceptances,
                missing,
            },
        )
}

fn counterexample() -> impl Strategy<Value = Counterexample> {
    (
        (text(), proptest::collection::vec(step(), 0..3)),
        (proptest::option::of(0usize..1), pairs(), pairs()),
        (leaves(), leaves(), evidence()),
    )
        .prop_map(
            |(
                (summary, steps),
                (loop_start, facts, initial),
                (initial_leaves, leaves, evidence),
            )| {
                Counterexample {
                    loop_start: loop_start.filter(|&n| n <= steps.len()),
                    summary,
                    steps,
                    facts,
                    initial,
                    initial_leaves,
                    leaves,
                    evidence: Box::new(evidence),
                }
            },
        )
}

fn verdict() -> impl Strategy<Value = Verdict> {
    prop_oneof![
        Just(Verdict::Holds),
        counterexample().prop_map(Verdict::Violated),
        text().prop_map(Verdict::Inconclusive),
        (text(), proptest::option::of(location()))
            .prop_map(|(message, position)| Verdict::Error(InputError { message, position })),
    ]
}

fn finding() -> impl Strategy<Value = Finding> {
    (
        "[a-z.]{1,8}",
        proptest::option::of("[0-9a-f]{16}"),
        text(),
        proptest::option::of(location()),
    )
        .prop_map(|(rule, span_id, message, source)| Finding {
            rule,
            span_id,
            message,
            related: Vec::new(),
            source,
        })
}

fn trace() -> impl Strategy<Value = Option<Box<TraceView>>> {
    proptest::option::of(
        (proptest::option::of(location()), text()).prop_map(|(source, name)| {
            Box::new(TraceView {
                spans: vec![SpanView {
                    id: "00f067aa0ba902b7".into(),
                    name,
                    events: vec![EventView {
                        name: "e".into(),
                        time: 3,
                    }],
                    source,
                    ..Default::default()
                }],
                marked_span: Some("00f067aa0ba902b7".into()),
                ..Default::default()
            })
        }),
    )
}

fn check_result() -> impl Strategy<Value = CheckResult> {
    (
        (
            text().prop_filter("an id", |s| !s.is_empty()),
            0..Kind::ALL.len(),
        ),
        (
            text(),
            proptest::option::of(location()),
            proptest::option::of(text()),
        ),
        (
            verdict(),
            proptest::collection::vec(finding(), 0..2),
            trace(),
        ),
        (0u64..1000, 0u64..1000),
    )
        .prop_map(
            |(
                (id, kind),
                (title, source, input),
                (verdict, findings, trace),
                (states, transitions),
            )| {
                CheckResult {
                    id,
                    kind: Kind::ALL[kind],
                    title,
                    source,
                    input,
                    verdict,
                    findings,
                    trace,
                    stats: Stats {
                        states,
                        transitions,
                        seconds: 0.25,
                    },
                }
            },
        )
}

proptest! {
    #![proptest_config(cases(256))]

    /// Any report, rendered as JSON, reads back to the same report and renders again to the
    /// same bytes: every data field survives `cspot report`.
    #[test]
    fn any_report_round_trips_through_json(
        results in proptest::collection::vec(check_result(), 0..4),
        version in proptest::option::of("[0-9]\\.[0-9]{1,2}\\.[0-9]"),
    ) {
        let mut r = Report::new("check");
        r.cspot_version = version;
        r.inputs = vec!["a.csp".into()];
        r.results = results;
        let opts = RenderOptions { timings: true, color: false };
        let text = report::render(&r, Format::Json, opts);
        let back = report::parse_json(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(report::render(&back, Format::Json, opts), text);
    }
}
