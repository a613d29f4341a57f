//! Φ: fixtures with expected verdicts (captured from real SDK programs, synthesised, mutated),
//! the rules of Φ⁻¹ one by one, counterexamples, the corpus checks, and property tests: every
//! synthesised tree conforms and round-trips (shipped and generated models), and every
//! meaning-changing single mutation of one is rejected.

use crate::support::{cases, cspot, results_text};
use cspot::cspm::source::Loader;
use cspot::otlp::write::{SpanOut, otlp_json};
use cspot::otlp::{self, Forest, ReadOptions, SpanId, SpanKind, TraceId};
use cspot::phi::observe::{self, NodeKind, Observation};
use cspot::phi::synth::{SynthOptions, synthesise};
use cspot::phi::{Limits, Model, Outcome, strategy};
use proptest::prelude::*;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

const SYSTEMS: [&str; 3] = ["checkout", "pipeline", "queue"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Reads files relative to the including file, or the package root.
struct Files;

impl Loader for Files {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let p = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) => dir.join(path),
            None => root().join(path),
        };
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        Ok((p.display().to_string(), text))
    }
}

/// A shipped model, loaded through the library.
fn shipped(system: &str) -> Model {
    let text = std::fs::read_to_string(root().join(format!("models/phi/{system}.toml"))).unwrap();
    let spec = root().join(format!("specs/{system}.csp"));
    Model::load(&text, &spec.display().to_string(), &mut Files).unwrap()
}

/// A model from texts (the spec is served from memory).
fn model_from(spec: &str, toml: &str) -> Model {
    struct One(String);
    impl Loader for One {
        fn load(&mut self, _: &str, _: Option<&str>) -> Result<(String, String), String> {
            Ok(("gen.csp".into(), self.0.clone()))
        }
    }
    Model::load(toml, "gen.csp", &mut One(spec.to_string()))
        .unwrap_or_else(|e| panic!("{e}\n{spec}\n{toml}"))
}

fn forest_of(spans: &[SpanOut]) -> Forest {
    let text = serde_json::to_string(&otlp_json(spans, "test")).unwrap();
    let dump = otlp::read("mem.json", text.as_bytes(), ReadOptions::default());
    assert!(dump.errors.is_empty(), "{:?}", dump.errors);
    dump.forest
}

/// The outcome of every trace in `spans` against `model`.
fn verify_all(model: &mut Model, spans: &[SpanOut]) -> Vec<Outcome> {
    let forest = forest_of(spans);
    let mut v = model.verifier();
    forest
        .traces
        .iter()
        .map(|t| v.verify(&forest, t, Limits::default()).unwrap().outcome)
        .collect()
}

// ---- fixtures -------------------------------------------------------------------------------

fn dumps(system: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("fixtures/phi").join(system))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    v.sort();
    v
}

/// `cspot traces verify` on one dump, one fact per line.
fn run_fixture(system: &str, name: &str, jobs: &str) -> (i32, String) {
    let dump = format!("fixtures/phi/{system}/{name}");
    let model = format!("models/phi/{system}.toml");
    let (code, out, err) = cspot(&[
        "traces",
        "verify",
        &dump,
        "--model",
        &model,
        "--format",
        "json",
        "--no-timings",
        "-j",
        jobs,
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{dump}: not JSON ({e}): {err}"));
    let mut text = format!("exit {code}\n");
    text.push_str(&results_text(&v));
    (code, text)
}

#[test]
fn fixtures_give_their_expected_verdicts() {
    let update = std::env::var_os("CSPOT_UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for system in SYSTEMS {
        for name in dumps(system) {
            count += 1;
            let (code, got) = run_fixture(system, &name, "1");
            // The name says what the dump is: `-ok` conforms, `-bad-` breaks the model with a
            // finding that names a span.
            if name.contains("-ok") {
                assert_eq!(code, 0, "{system}/{name} should conform:\n{got}");
            }
            if name.contains("-bad-") {
                assert_eq!(code, 1, "{system}/{name} should be violated:\n{got}");
                assert!(
                    got.lines()
                        .any(|l| l.starts_with("  phi.") && !l.contains(" -: ")),
                    "{system}/{name}: no finding names a span:\n{got}"
                );
            }
            let path = root().join(format!("fixtures/phi/{system}/{name}.expect"));
            if update {
                std::fs::write(&path, &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(&path).unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "--- {system}/{name}: expected\n{want}--- got\n{got}"
                ));
            }
        }
    }
    assert!(count >= 30, "only {count} Φ fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_listed_violation_has_a_fixture() {
    // The violations the Φ issue lists, each with the dump that shows it.
    for (system, name) in [
        ("checkout", "synth-bad-events-out-of-order"),
        ("checkout", "synth-bad-missing-call"),
        ("checkout", "synth-bad-extra-call"),
        ("checkout", "captured-bad-retry-4"),
        ("checkout", "captured-bad-charge-after-confirm"),
        ("checkout", "synth-bad-wrong-parent"),
        ("pipeline", "captured-bad-lost-context"),
        ("queue", "captured-bad-fresh-trace"),
        ("queue", "captured-bad-processed-twice"),
        ("checkout", "synth-bad-overlapping-retries"),
    ] {
        let (code, text) = run_fixture(system, &format!("{name}.json"), "1");
        assert_eq!(code, 1, "{name}:\n{text}");
        assert!(text.contains(" violated "), "{name}:\n{text}");
    }
}

#[test]
fn reports_do_not_depend_on_jobs() {
    for system in SYSTEMS {
        for name in dumps(system) {
            let one = run_fixture(system, &name, "1");
            let two = run_fixture(system, &name, "2");
            assert_eq!(one, two, "{system}/{name}");
        }
    }
}

#[test]
fn a_counterexample_names_the_span_both_parents_and_draws_the_tree() {
    let (code, out, _) = cspot(&[
        "traces",
        "verify",
        "fixtures/phi/checkout/synth-bad-wrong-parent.json",
        "--model",
        "models/phi/checkout.toml",
        "--format",
        "json",
        "--no-timings",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let r = &v["results"][0];
    assert_eq!(r["kind"], "trace.conformance");
    assert_eq!(r["verdict"], "violated");
    let cx = &r["counterexample"];
    let summary = cx["summary"].as_str().unwrap();
    assert!(summary.contains("'charge card'"), "{summary}");
    assert!(
        summary.contains("starts under 'POST /checkout'"),
        "{summary}"
    );
    assert!(
        summary.contains("the model calls it under 'create order'"),
        "{summary}"
    );
    let facts = cx["facts"].to_string();
    for key in ["observed parent", "model's parent", "model allowed", "tree"] {
        assert!(facts.contains(key), "no {key} in {facts}");
    }
    // The tree marks the span the finding names.
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "phi.parent")
        .expect("a phi.parent finding");
    let id = f["span_id"].as_str().unwrap();
    assert_eq!(id.len(), 16);
    assert!(facts.contains("✗ phi.parent"), "{facts}");
    // The longest conforming prefix is given, step by step.
    assert!(!cx["steps"].as_array().unwrap().is_empty());
}

#[test]
fn a_retry_beyond_the_bound_is_named_with_what_the_model_allowed() {
    let (code, out, _) = cspot(&[
        "traces",
        "verify",
        "fixtures/phi/checkout/captured-bad-retry-4.json",
        "--model",
        "models/phi/checkout.toml",
        "--no-timings",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("'charge card' (payments)"), "{out}");
    assert!(
        out.contains("starts; the model allows order.abandoned"),
        "{out}"
    );
    assert!(out.contains("13. [charge card"), "{out}");
}

#[test]
fn model_file_errors_have_positions() {
    let dir = std::env::temp_dir().join(format!("cspot-phi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = root().join("specs/checkout.csp");
    let cases = [
        (
            "spec = \"x\"\nprocess = \"S\"\nunmapped = \"drop\"\n[spans.P]\n",
            ":3:",
        ),
        (
            &*format!("spec = {spec:?}\nprocess = \"SYSTEM\"\n[spans.NOPE]\nname = \"x\"\n"),
            ":3:1: `NOPE` is not a definition",
        ),
        (
            &*format!(
                "spec = {spec:?}\nprocess = \"SYSTEM\"\n[spans.ORDER]\n[events]\n\"x\" = \"no.such\"\n"
            ),
            ":5:7: `no.such` is not an event",
        ),
    ];
    for (k, (text, want)) in cases.iter().enumerate() {
        let path = dir.join(format!("m{k}.toml"));
        std::fs::write(&path, text).unwrap();
        let p = path.display().to_string();
        let (code, _, err) = cspot(&[
            "traces",
            "verify",
            "fixtures/phi/checkout/synth-ok.json",
            "--model",
            &p,
        ]);
        assert_eq!(code, 2, "{text}: {err}");
        assert!(err.contains(want), "{text}: wanted {want} in {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn synthesis_is_reproducible_from_its_seed() {
    let dir = std::env::temp_dir().join(format!("cspot-synth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |seed: &str, name: &str| {
        let p = dir.join(name).display().to_string();
        let (code, _, err) = cspot(&[
            "traces",
            "synth",
            "--model",
            "models/phi/queue.toml",
            "--count",
            "5",
            "--seed",
            seed,
            "-o",
            &p,
        ]);
        assert_eq!(code, 0, "{err}");
        std::fs::read(&p).unwrap()
    };
    let a = out("3", "a.json");
    assert_eq!(a, out("3", "b.json"));
    assert_ne!(a, out("4", "c.json"));
    // What it writes reads back, conforms, and `traces check` finds its structure sound.
    let p = dir.join("a.json").display().to_string();
    let (code, text, _) = cspot(&["traces", "verify", &p, "--model", "models/phi/queue.toml"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("7 results: 7 holds"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn coverage_counts_the_model_traces_the_trees_witness() {
    let run = |dumps: &[&str]| -> (u64, u64, usize) {
        let mut args = vec!["traces", "verify"];
        args.extend(dumps);
        args.extend([
            "--model",
            "models/phi/queue.toml",
            "--coverage-depth",
            "6",
            "--format",
            "json",
        ]);
        let (_, out, _) = cspot(&args);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let r = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "phi coverage")
            .unwrap()
            .clone();
        let title = r["title"].as_str().unwrap().to_string();
        // "coverage: W of T model traces up to 6 events witnessed"
        let words: Vec<&str> = title.split_whitespace().collect();
        (
            words[1].parse().unwrap(),
            words[3].parse().unwrap(),
            r["findings"].as_array().unwrap().len(),
        )
    };
    let (w1, t1, missing1) = run(&["fixtures/phi/queue/captured-bad-fresh-trace.json"]);
    let (w2, t2, missing2) = run(&["fixtures/phi/queue/synth-ok.json"]);
    // The queue's traces of 6 events: every interleaving of the consumer with `published` and
    // `api.responded` after `message.sent`.
    assert_eq!(t1, t2);
    assert!(t1 >= 3, "{t1}");
    assert_eq!(w1, 0, "no conforming tree, nothing witnessed");
    assert!(missing1 > 0);
    assert!(w2 > 0 && w2 <= t2, "{w2} of {t2}");
    assert!(missing2 < missing1 || w2 == t2);
}

#[test]
fn a_bound_makes_a_trace_inconclusive_and_the_others_go_on() {
    let (code, out, _) = cspot(&[
        "traces",
        "verify",
        "fixtures/phi/pipeline/captured-ok-batches.json",
        "--model",
        "models/phi/pipeline.toml",
        "--no-reduction",
        "--max-states",
        "40",
        "--no-timings",
    ]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("INCONCLUSIVE"), "{out}");
    assert!(out.contains("state bound (40)"), "{out}");
    assert!(
        out.contains("HOLDS"),
        "the small batches still conform:\n{out}"
    );
}

/// A batch of 30 workers that all run at once on one host; worker 7 skips `validate.7`.
fn fan_out_30_with_a_skipped_event() -> Vec<SpanOut> {
    let mut spans = vec![span(
        0,
        None,
        "process batch",
        (0, 10_000),
        "h",
        &[(1, "split.30"), (9_990, "batch joined")],
    )];
    for i in 0..30u64 {
        let names = ["fetch", "parse", "transform", "validate", "store"];
        let events: Vec<(u64, String)> = names
            .iter()
            .enumerate()
            .filter(|&(k, _)| !(i == 7 && k == 3))
            .map(|(k, n)| (100 + 1000 * k as u64 + i, format!("{n}.{i}")))
            .collect();
        let mut s = span(
            i as usize + 1,
            Some(0),
            "work item",
            (10 + i, 9_000 + i),
            "h",
            &[],
        );
        s.events = events;
        spans.push(s);
    }
    spans
}

#[test]
fn the_30_worker_fan_out_needs_the_reduction() {
    let spans = fan_out_30_with_a_skipped_event();
    let forest = forest_of(&spans);
    let verify = |reduce: bool| {
        let mut m = shipped("pipeline");
        let mut v = m.verifier();
        let lim = Limits {
            reduce,
            max_states: 200_000,
            ..Limits::default()
        };
        let tv = v.verify(&forest, &forest.traces[0], lim).unwrap();
        (tv.outcome, tv.cost.states)
    };
    let (out, states) = verify(true);
    let Outcome::Violated(f) = out else {
        panic!("{out:?}")
    };
    assert!(states < 5_000, "{states} states with the reduction");
    // It fails at worker 7, between parse.7 and store.7.
    assert!(!f.observed.is_empty());
    let (out, states) = verify(false);
    assert!(
        matches!(out, Outcome::Inconclusive(_)) && states > 100_000,
        "without it the bound is hit ({states} states)"
    );
}

// ---- Φ⁻¹, rule by rule ---------------------------------------------------------------------

/// A span for the rule tests: name, parent index, times, host, events.
fn span(
    k: usize,
    parent: Option<usize>,
    name: &str,
    t: (u64, u64),
    host: &str,
    events: &[(u64, &str)],
) -> SpanOut {
    SpanOut {
        trace: TraceId([7; 16]),
        id: SpanId([0, 0, 0, 0, 0, 0, 1, k as u8 + 1]),
        parent: parent.map(|p| SpanId([0, 0, 0, 0, 0, 0, 1, p as u8 + 1])),
        name: name.into(),
        kind: SpanKind::Internal,
        start: t.0,
        end: t.1,
        service: "svc".into(),
        host: host.into(),
        attrs: Vec::new(),
        events: events.iter().map(|&(t, n)| (t, n.to_string())).collect(),
    }
}

/// The rule tests' model: A calls B and C in parallel; every event is `e.i`.
const RULES_SPEC: &str = "channel e : {0..9}\nSYSTEM = A\nA = e.0 -> (B ||| C) ; e.1 -> SKIP\nB = e.2 -> e.3 -> SKIP\nC = e.4 -> SKIP\n";
const RULES_MODEL: &str =
    "spec = \"gen.csp\"\nprocess = \"SYSTEM\"\n[spans.A]\n[spans.B]\n[spans.C]\n";

fn observation(spans: &[SpanOut]) -> (Observation, Forest) {
    let m = model_from(RULES_SPEC, RULES_MODEL);
    let forest = forest_of(spans);
    (observe::observe(&m.map, &forest, &forest.traces[0]), forest)
}

/// Whether node `(s, k)` must come before `(t, m)` in every linearisation.
fn precedes(obs: &Observation, a: (u32, u32), b: (u32, u32)) -> bool {
    // Nodes reachable backwards from b through chain edges and prerequisites.
    let mut stack = vec![b];
    let mut seen = std::collections::HashSet::new();
    while let Some((s, k)) = stack.pop() {
        if !seen.insert((s, k)) {
            continue;
        }
        if (s, k) != b && s == a.0 && k >= a.1 {
            return true;
        }
        if k > 0 {
            stack.push((s, k - 1));
        }
        let node = obs.chain(s)[k as usize];
        for &(q, n) in obs.prereqs_of(&node) {
            if n > 0 {
                stack.push((q, n - 1));
            }
        }
    }
    false
}

/// The local index of the activation span named `name`.
fn local(o: &(Observation, Forest), name: &str) -> u32 {
    o.0.spans
        .iter()
        .position(|s| o.1.name(s.forest) == name)
        .unwrap() as u32
}

#[test]
fn rule_a_span_s_own_events_follow_its_start_and_precede_its_end() {
    let o = observation(&[span(
        0,
        None,
        "A",
        (0, 100),
        "h",
        &[(10, "e.0"), (90, "e.1")],
    )]);
    let kinds: Vec<NodeKind> = o.0.chain(0).iter().map(|n| n.kind).collect();
    assert!(matches!(
        kinds[..],
        [
            NodeKind::Start,
            NodeKind::Event(_),
            NodeKind::Event(_),
            NodeKind::End
        ]
    ));
}

#[test]
fn rule_a_child_follows_its_parent_s_start_even_across_hosts() {
    let o = observation(&[
        span(0, None, "A", (50, 100), "h1", &[]),
        span(1, Some(0), "B", (10, 20), "h2", &[]),
    ]);
    let (a, b) = (local(&o, "A"), local(&o, "B"));
    assert!(precedes(&o.0, (a, 0), (b, 0)));
    assert!(
        !precedes(&o.0, (b, 1), (a, 1)),
        "other hosts' clocks order nothing"
    );
}

#[test]
fn rule_siblings_on_one_host_that_do_not_overlap_are_ordered() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[]),
        span(1, Some(0), "B", (10, 20), "h", &[(15, "e.2")]),
        span(2, Some(0), "C", (30, 40), "h", &[(35, "e.4")]),
    ]);
    let (b, c) = (local(&o, "B"), local(&o, "C"));
    assert!(precedes(&o.0, (b, 2), (c, 0)), "B's end before C's start");
    assert!(precedes(&o.0, (b, 1), (c, 1)), "so B's event before C's");
}

#[test]
fn rule_overlapping_siblings_are_concurrent_but_did_run_at_once() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[]),
        span(1, Some(0), "B", (10, 40), "h", &[(30, "e.2")]),
        span(2, Some(0), "C", (20, 50), "h", &[(25, "e.4")]),
    ]);
    let (b, c) = (local(&o, "B"), local(&o, "C"));
    assert!(
        !precedes(&o.0, (b, 1), (c, 1)) && !precedes(&o.0, (c, 1), (b, 1)),
        "events concurrent"
    );
    assert!(precedes(&o.0, (c, 0), (b, 2)), "C started before B ended");
    assert!(precedes(&o.0, (b, 0), (c, 2)), "B started before C ended");
}

#[test]
fn rule_siblings_on_different_hosts_are_not_ordered_by_their_clocks() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[]),
        span(1, Some(0), "B", (10, 20), "h1", &[]),
        span(2, Some(0), "C", (30, 40), "h2", &[]),
    ]);
    let (b, c) = (local(&o, "B"), local(&o, "C"));
    assert!(!precedes(&o.0, (b, 1), (c, 0)));
}

#[test]
fn rule_a_span_s_end_does_not_order_its_children() {
    // An asynchronous child on another host, outliving its parent.
    let o = observation(&[
        span(0, None, "A", (0, 30), "h", &[]),
        span(1, Some(0), "B", (10, 80), "h2", &[]),
    ]);
    let (a, b) = (local(&o, "A"), local(&o, "B"));
    let end_a = o.0.chain(a).len() as u32 - 1;
    assert!(!precedes(&o.0, (b, 1), (a, end_a)));
    assert!(!precedes(&o.0, (a, end_a), (b, 1)));
}

#[test]
fn rule_on_one_host_a_parent_s_events_are_ordered_against_a_child_s_start_and_end() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[(5, "e.0"), (90, "e.1")]),
        span(1, Some(0), "B", (10, 20), "h", &[]),
    ]);
    let (a, b) = (local(&o, "A"), local(&o, "B"));
    assert!(precedes(&o.0, (a, 1), (b, 0)), "e.0 before B starts");
    assert!(precedes(&o.0, (b, 1), (a, 2)), "B ends before e.1");
}

#[test]
fn rule_unmapped_spans_are_skipped_and_their_children_hang_from_the_activation_above() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[]),
        span(1, Some(0), "HTTP GET", (5, 50), "h", &[(6, "not an event")]),
        span(2, Some(1), "B", (10, 20), "h", &[]),
    ]);
    assert_eq!(o.0.spans.len(), 2);
    let b = local(&o, "B");
    assert_eq!(o.0.spans[b as usize].parent, Some(local(&o, "A")));
    assert_eq!(
        o.0.chain(local(&o, "A")).len(),
        2,
        "the unmapped event is hidden"
    );
}

#[test]
fn rule_a_span_named_for_an_event_is_that_event_of_the_activation_above() {
    let o = observation(&[
        span(0, None, "A", (0, 100), "h", &[]),
        span(1, Some(0), "e.0", (5, 6), "h", &[]),
    ]);
    assert_eq!(o.0.spans.len(), 1);
    assert_eq!(o.0.chain(0).len(), 3);
}

// ---- properties -----------------------------------------------------------------------------

thread_local! {
    static SHIPPED: [Rc<RefCell<Model>>; 3] = SYSTEMS.map(|s| Rc::new(RefCell::new(shipped(s))));
}

proptest! {
    #![proptest_config(cases(12))]

    /// The example of `phi::strategy`: synthesised dumps of the shipped models conform and
    /// come back from their runs.
    #[test]
    fn synthesised_checkout_traces_conform_and_round_trip(
        spans in SHIPPED.with(|m| strategy::dumps(m[0].clone(), 4))
    ) {
        SHIPPED.with(|m| check_conform_and_round_trip(&mut m[0].borrow_mut(), &spans))?;
    }

    #[test]
    fn synthesised_pipeline_traces_conform_and_round_trip(
        spans in SHIPPED.with(|m| strategy::dumps(m[1].clone(), 2))
    ) {
        SHIPPED.with(|m| check_conform_and_round_trip(&mut m[1].borrow_mut(), &spans))?;
    }

    #[test]
    fn synthesised_queue_traces_conform_and_round_trip(
        spans in SHIPPED.with(|m| strategy::dumps(m[2].clone(), 4))
    ) {
        SHIPPED.with(|m| check_conform_and_round_trip(&mut m[2].borrow_mut(), &spans))?;
    }

    #[test]
    fn generated_models_conform_to_their_own_runs(g in generated(), seed in any::<u64>()) {
        let mut m = model_from(&g.spec, &g.toml);
        let spans = {
            let mut v = m.verifier();
            synthesise(&mut v, seed, 3, &SynthOptions::default()).unwrap()
        };
        check_conform_and_round_trip(&mut m, &spans)?;
    }

    #[test]
    fn every_meaning_changing_mutation_is_rejected(
        g in generated(), seed in any::<u64>(), pick in any::<u64>(), which in 0usize..4
    ) {
        let mut m = model_from(&g.spec, &g.toml);
        let spans = {
            let mut v = m.verifier();
            synthesise(&mut v, seed, 1, &SynthOptions::default()).unwrap()
        };
        // Swapping siblings changes the meaning only where the model runs them in sequence.
        if which == 1 && g.spec.contains("|||") {
            return Ok(());
        }
        let Some(mutant) = mutate(&spans, which, pick) else { return Ok(()) };
        if which != 1 && canonical(&mutant) == canonical(&spans) {
            return Ok(()); // the same tree: not a change of meaning
        }
        let out = verify_all(&mut m, &mutant);
        prop_assert!(
            out.iter().any(|o| matches!(o, Outcome::Violated(_))),
            "mutation {which} accepted:\n{}\n{:?}", g.spec, mutant
        );
    }
}

fn check_conform_and_round_trip(m: &mut Model, spans: &[SpanOut]) -> Result<(), TestCaseError> {
    let forest = forest_of(spans);
    let mut v = m.verifier();
    for t in &forest.traces {
        let tv = v.verify(&forest, t, Limits::default()).unwrap();
        let Outcome::Conforms(run) = &tv.outcome else {
            return Err(TestCaseError::fail(format!("{:?}", tv.outcome)));
        };
        let s = cspot::phi::corpus::summarise(&v, &forest, t, &tv.obs, run, false);
        prop_assert!(s.round_trip, "trace {} does not round-trip", s.trace_id);
    }
    Ok(())
}

/// A generated model: deterministic (no choice), every step its own event, span processes
/// calling each other in sequence or in parallel.
#[derive(Clone, Debug)]
struct Generated {
    spec: String,
    toml: String,
}

fn generated() -> impl Strategy<Value = Generated> {
    // Per process: a list of steps; a step is an event (0), a call of a later process (1), or
    // two calls in parallel (2).
    let step = (0u8..3, any::<u8>(), any::<u8>());
    proptest::collection::vec(proptest::collection::vec(step, 1..4), 1..5).prop_map(|procs| {
        let n = procs.len();
        let mut next_event = 0;
        let mut defs = Vec::new();
        for (i, steps) in procs.iter().enumerate() {
            let mut parts = Vec::new();
            for &(kind, a, b) in steps {
                let later = |x: u8| i + 1 + (x as usize) % (n - i).max(1);
                match kind {
                    1 if i + 1 < n => parts.push(format!("P{}", later(a).min(n - 1))),
                    2 if i + 1 < n => parts.push(format!(
                        "(P{} ||| P{})",
                        later(a).min(n - 1),
                        later(b).min(n - 1)
                    )),
                    _ => {
                        parts.push(format!("e.{next_event} -> SKIP"));
                        next_event += 1;
                    }
                }
            }
            defs.push(format!("P{i} = {}", parts.join(" ; ")));
        }
        let spec = format!(
            "channel e : {{0..{}}}\nSYSTEM = P0\n{}\n",
            next_event.max(1),
            defs.join("\n")
        );
        let mut toml = "spec = \"gen.csp\"\nprocess = \"SYSTEM\"\n".to_string();
        for i in 0..n {
            toml.push_str(&format!("[spans.P{i}]\nservice = \"s{}\"\n", i % 2));
        }
        Generated { spec, toml }
    })
}

/// Canonical form of a dump's trees (names, events, children; ids and times ignored).
fn canonical(spans: &[SpanOut]) -> Vec<String> {
    fn one(spans: &[SpanOut], k: usize) -> String {
        let mut kids: Vec<String> = (0..spans.len())
            .filter(|&c| spans[c].parent == Some(spans[k].id) && spans[c].trace == spans[k].trace)
            .map(|c| one(spans, c))
            .collect();
        kids.sort();
        let evs: Vec<&str> = spans[k].events.iter().map(|(_, n)| n.as_str()).collect();
        format!("{}[{}]{{{}}}", spans[k].name, evs.join(","), kids.join(";"))
    }
    let mut roots: Vec<String> = (0..spans.len())
        .filter(|&k| {
            spans[k]
                .parent
                .is_none_or(|p| !spans.iter().any(|s| s.id == p))
        })
        .map(|k| one(spans, k))
        .collect();
    roots.sort();
    roots
}

/// One single mutation: 0 drop a span (and its subtree), 1 swap two sequential siblings'
/// times, 2 re-parent a span, 3 move an event into another span.
fn mutate(spans: &[SpanOut], which: usize, pick: u64) -> Option<Vec<SpanOut>> {
    let n = spans.len();
    if n < 2 {
        return None;
    }
    let mut out = spans.to_vec();
    let k = 1 + (pick as usize) % (n - 1); // never the root
    match which {
        0 => {
            let mut gone = vec![spans[k].id];
            let mut changed = true;
            while changed {
                changed = false;
                for s in spans {
                    if s.parent.is_some_and(|p| gone.contains(&p)) && !gone.contains(&s.id) {
                        gone.push(s.id);
                        changed = true;
                    }
                }
            }
            out.retain(|s| !gone.contains(&s.id));
        }
        1 => {
            // Two different siblings on one host (the order of other hosts' spans is not seen).
            let sib = (0..n).find(|&j| {
                j != k
                    && spans[j].parent == spans[k].parent
                    && spans[j].host == spans[k].host
                    && spans[j].name != spans[k].name
                    && (spans[j].end < spans[k].start || spans[k].end < spans[j].start)
            })?;
            // Swap the two subtrees in time: each keeps its shape, their order flips.
            let (a, b) = (
                spans[k].start.min(spans[sib].start),
                spans[k].start.max(spans[sib].start),
            );
            let shift = |s: &mut SpanOut, from: u64, to: u64| {
                let d = to as i128 - from as i128;
                s.start = (s.start as i128 + d) as u64;
                s.end = (s.end as i128 + d) as u64;
                for e in &mut s.events {
                    e.0 = (e.0 as i128 + d) as u64;
                }
            };
            let (first, second) = if spans[k].start == a {
                (k, sib)
            } else {
                (sib, k)
            };
            let sub = |root: usize| -> Vec<usize> {
                let mut v = vec![root];
                let mut i = 0;
                while i < v.len() {
                    let id = spans[v[i]].id;
                    v.extend((0..n).filter(|&c| spans[c].parent == Some(id)));
                    i += 1;
                }
                v
            };
            let (fs, ss) = (sub(first), sub(second));
            for &i in &ss {
                shift(&mut out[i], b, a);
            }
            let new_first_start = a + (spans[second].end - spans[second].start) + 1;
            for &i in &fs {
                shift(&mut out[i], a, new_first_start);
            }
        }
        2 => {
            let q = (0..n).find(|&j| {
                j != k && Some(spans[j].id) != spans[k].parent && !descends(spans, j, k)
            })?;
            out[k].parent = Some(spans[q].id);
        }
        _ => {
            let from = (0..n)
                .find(|&j| !spans[j].events.is_empty() && j >= k)
                .or_else(|| (0..n).find(|&j| !spans[j].events.is_empty()))?;
            let to = (0..n).find(|&j| j != from)?;
            let ev = out[from].events.remove(0);
            let t = ev.0.clamp(out[to].start, out[to].end);
            out[to].events.push((t, ev.1));
            out[to].events.sort();
        }
    }
    Some(out)
}

fn descends(spans: &[SpanOut], j: usize, k: usize) -> bool {
    // Whether span j is in the subtree of span k.
    let mut cur = Some(spans[j].id);
    for _ in 0..spans.len() {
        let Some(id) = cur else { return false };
        if id == spans[k].id {
            return true;
        }
        cur = spans.iter().find(|s| s.id == id).and_then(|s| s.parent);
    }
    false
}

#[test]
fn dropping_the_memo_tables_between_traces_changes_no_verdict() {
    let text = std::fs::read(root().join("fixtures/phi/checkout/synth-ok.json")).unwrap();
    let bad =
        std::fs::read(root().join("fixtures/phi/checkout/captured-bad-retry-4.json")).unwrap();
    for bytes in [&text, &bad] {
        let forest = otlp::read("d.json", &bytes[..], ReadOptions::default()).forest;
        let verdicts = |limit: u64| -> Vec<String> {
            let mut m = shipped("checkout");
            let mut v = m.verifier();
            v.memo_limit = limit;
            forest
                .traces
                .iter()
                .map(
                    |t| match v.verify(&forest, t, Limits::default()).unwrap().outcome {
                        Outcome::Conforms(run) => format!("conforms in {} steps", run.len()),
                        Outcome::Violated(f) => format!("violated after {} steps", f.prefix.len()),
                        Outcome::Inconclusive(r) => r,
                    },
                )
                .collect()
        };
        assert_eq!(verdicts(0), verdicts(u64::MAX));
    }
}

#[test]
fn unmapped_error_makes_unknown_spans_and_events_violations() {
    let toml = RULES_MODEL.replace(
        "process = \"SYSTEM\"\n",
        "process = \"SYSTEM\"\nunmapped = \"error\"\n",
    );
    let mut m = model_from(RULES_SPEC, &toml);
    let spans = [
        span(0, None, "A", (0, 100), "h", &[(5, "e.0"), (90, "e.1")]),
        span(1, Some(0), "HTTP GET", (10, 40), "h", &[]),
        span(
            2,
            Some(1),
            "B",
            (11, 20),
            "h",
            &[(12, "e.2"), (13, "e.3"), (14, "cache miss")],
        ),
        span(3, Some(0), "C", (21, 30), "h", &[(22, "e.4")]),
    ];
    let forest = forest_of(&spans);
    let mut v = m.verifier();
    let tv = v
        .verify(&forest, &forest.traces[0], Limits::default())
        .unwrap();
    // The model is satisfied (B and C run in A, in that order) but two names are unknown.
    assert!(
        matches!(tv.outcome, Outcome::Conforms(_)),
        "{:?}",
        tv.outcome
    );
    let r = cspot::phi::result::check_result(
        &v,
        &forest,
        &forest.traces[0],
        &tv.obs,
        &tv.outcome,
        Default::default(),
    );
    assert_eq!(r.verdict.as_str(), "violated");
    let rules: Vec<&str> = r.findings.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["phi.unmapped", "phi.unmapped"], "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.message.contains("'HTTP GET'")));
    assert!(
        r.findings
            .iter()
            .any(|f| f.message.contains("'cache miss'"))
    );
}

#[test]
fn a_span_process_that_calls_itself_nests_one_activation_per_call() {
    // SERVER serves two requests, each in its own span under the previous one.
    let spec = "channel req, done\nSYSTEM = SERVER(2)\nSERVER(n) = if n == 0 then done -> SKIP else req -> SERVER(n - 1)\n";
    let toml = "spec = \"gen.csp\"\nprocess = \"SYSTEM\"\n[spans.SERVER]\nname = \"serve\"\n";
    let mut m = model_from(spec, toml);
    let ok = [
        span(0, None, "serve", (0, 100), "h", &[(1, "req")]),
        span(1, Some(0), "serve", (2, 90), "h", &[(3, "req")]),
        span(2, Some(1), "serve", (4, 80), "h", &[(5, "done")]),
    ];
    assert!(matches!(
        verify_all(&mut m, &ok)[..],
        [Outcome::Conforms(_)]
    ));
    // Siblings instead of a chain: the second call's parent is wrong.
    let mut flat = ok.clone();
    flat[2].parent = Some(flat[0].id);
    flat[2].start = 91;
    flat[2].end = 95;
    flat[2].events = vec![(92, "done".into())];
    assert!(matches!(
        verify_all(&mut m, &flat)[..],
        [Outcome::Violated(_)]
    ));
}

#[test]
fn stream_gives_the_verdicts_of_a_whole_read_and_refuses_split_traces() {
    let dir = std::env::temp_dir().join(format!("cspot-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jsonl = dir.join("q.jsonl").display().to_string();
    let (code, _, err) = cspot(&[
        "traces",
        "synth",
        "--model",
        "models/phi/queue.toml",
        "--count",
        "20",
        "--seed",
        "5",
        "--jsonl",
        "-o",
        &jsonl,
    ]);
    assert_eq!(code, 0, "{err}");
    let verdicts = |extra: &[&str], file: &str| -> (i32, Vec<(String, String)>) {
        let mut args = vec![
            "traces",
            "verify",
            file,
            "--model",
            "models/phi/queue.toml",
            "--format",
            "json",
            "--no-timings",
        ];
        args.extend(extra);
        let (code, out, err) = cspot(&args);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
        let mut r: Vec<(String, String)> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !r["id"].as_str().unwrap().starts_with("phi "))
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        r.sort();
        (code, r)
    };
    let whole = verdicts(&[], &jsonl);
    let streamed = verdicts(&["--stream"], &jsonl);
    assert_eq!(whole.1.len(), 20);
    assert_eq!(whole, streamed);
    // A trace whose lines are apart: its second part is an error, not a second verdict.
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut doc: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let rs = doc["resourceSpans"].as_array_mut().unwrap();
    assert!(rs.len() >= 2, "a queue trace has two services");
    let tail = rs.split_off(1);
    let first = serde_json::to_string(&doc).unwrap();
    let second = serde_json::to_string(&serde_json::json!({ "resourceSpans": tail })).unwrap();
    let split = dir.join("split.jsonl").display().to_string();
    std::fs::write(&split, format!("{first}\n{}\n{second}\n", lines[1])).unwrap();
    let (code, out, _) = cspot(&[
        "traces",
        "verify",
        &split,
        "--model",
        "models/phi/queue.toml",
        "--stream",
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("appears again after its lines were verified"),
        "{out}"
    );
    // Not JSON Lines: refused with the reason.
    let (code, _, err) = cspot(&[
        "traces",
        "verify",
        "fixtures/phi/queue/captured-ok-orders.json",
        "--model",
        "models/phi/queue.toml",
        "--stream",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--stream reads JSON Lines"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
