//! Captured traces: data-driven fixtures run through the `cspot traces check` binary, snapshots
//! of the human output, and property tests of the readers, assembly and rules.

use crate::support::{cases, cspot, cspot_stdin, results_text};
use cspot::otlp::proto;
use cspot::otlp::rules::{self, RuleConfig};
use cspot::otlp::{self, Forest, ReadOptions, SpanKind};
use proptest::prelude::*;
use prost::Message;
use std::path::{Path, PathBuf};

// ---- fixtures -------------------------------------------------------------------------------

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/otlp")
}

fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .expect("fixtures/otlp exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".expect") && !n.ends_with(".args"))
        .collect();
    names.sort();
    names
}

/// Runs `cspot traces check` on one fixture and describes what it did, one fact per line.
fn run_fixture(name: &str) -> String {
    let rel = format!("fixtures/otlp/{name}");
    let args_file = fixture_dir().join(format!("{name}.args"));
    let extra: Vec<String> = std::fs::read_to_string(&args_file)
        .map(|s| s.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let mut args = vec!["traces", "check", "--format", "json", "--no-timings"];
    args.extend(extra.iter().map(String::as_str));
    args.push(&rel);
    let (code, stdout, stderr) = cspot(&args);
    let mut text = String::new();
    if !extra.is_empty() {
        text.push_str(&format!("args {}\n", extra.join(" ")));
    }
    text.push_str(&format!("exit {code}\n"));
    let v: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: stdout is not JSON: {e}"));
    text.push_str(&results_text(&v));
    for line in stderr.lines() {
        if let Some(e) = line.strip_prefix("error: ") {
            text.push_str(&format!("error {e}\n"));
        } else if let Some((at, e)) = line.split_once(": error: ") {
            // A read error at a line and column: `file:line:col: error: message`.
            text.push_str(&format!("error {at}: {e}\n"));
        }
    }
    text
}

#[test]
fn fixtures_give_their_expected_findings() {
    let names = fixtures();
    assert!(names.len() >= 30, "only {} fixtures", names.len());
    let update = std::env::var_os("CSPOT_UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let got = run_fixture(name);
        let path = fixture_dir().join(format!("{name}.expect"));
        if update {
            std::fs::write(&path, &got).expect("write expect");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            failures.push(format!("--- {name}: expected\n{want}--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_positive_and_a_negative_fixture() {
    for (rule, _) in rules::RULES {
        let mut pos = 0;
        let mut neg = 0;
        for name in fixtures() {
            let expect = std::fs::read_to_string(fixture_dir().join(format!("{name}.expect")))
                .unwrap_or_default();
            if expect.contains(&format!("  {rule} ")) {
                pos += 1;
            } else if expect.contains("exit 0") {
                neg += 1;
            }
        }
        assert!(pos > 0, "no fixture breaks {rule}");
        assert!(neg > 0, "no fixture passes {rule}");
    }
}

#[test]
fn human_check_output() {
    let (code, out, _) = cspot(&[
        "traces",
        "check",
        "--no-timings",
        "fixtures/otlp/server-parent.json",
        "fixtures/otlp/jaeger-good.json",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

#[test]
fn tree_draws_the_span_tree() {
    let (code, out, _) = cspot(&[
        "traces",
        "tree",
        "fixtures/otlp/child-ends-after-parent.json",
        "--trace",
        "4bf9",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!(out);
}

#[test]
fn stdin_and_junit_and_sarif() {
    let dump = std::fs::read(fixture_dir().join("orphan-and-no-root.json")).unwrap();
    let (code, xml, _) = cspot_stdin(&["traces", "check", "--format", "junit", "-"], &dump);
    assert_eq!(code, 1);
    assert!(
        xml.contains("<testsuite") && xml.contains("trace.orphan"),
        "{xml}"
    );
    let (code, sarif, _) = cspot(&[
        "traces",
        "check",
        "--format",
        "sarif",
        "fixtures/otlp/cycle.json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    // One result per finding, under the finding's own rule id.
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "trace.cycle");
}

#[test]
fn rules_selection_and_errors() {
    let (code, _, _) = cspot(&[
        "traces",
        "check",
        "--rules",
        "-trace",
        "fixtures/otlp/orphan-and-no-root.json",
    ]);
    assert_eq!(code, 0, "without the trace rules nothing is broken");
    let (code, _, err) = cspot(&["traces", "check", "--rules", "bogus", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown rule `bogus`"), "{err}");
    let (code, out, _) = cspot(&["traces", "check", "--rules", "list", "x.json"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), rules::RULES.len());
    let (code, _, err) = cspot(&["traces", "check", "fixtures/otlp/missing.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open"), "{err}");
}

#[test]
fn json_errors_show_a_caret() {
    let (code, _, err) = cspot(&["traces", "check", "fixtures/otlp/malformed.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("malformed.json:3:"), "{err}");
    assert!(err.contains("   ╭─[") && err.contains('▲'), "{err}");
}

/// A dump with no span is an error naming the file (exit 2), also among other dumps and on
/// stdin, unless `--allow-empty`; a file that could not be read has its read errors instead.
#[test]
fn an_empty_dump_is_an_error_unless_allowed() {
    let empty = "fixtures/otlp/empty.json";
    let good = "fixtures/otlp/async-exempt.json";
    for args in [
        vec!["traces", "check", empty],
        vec!["traces", "check", good, empty],
        vec!["traces", "tree", empty],
    ] {
        let (code, _, err) = cspot(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(&format!("error: no span in {empty}")), "{err}");
        assert!(err.contains("--allow-empty"), "{err}");
    }
    let (code, _, err) = cspot_stdin(&["traces", "check", "-"], b"");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no span in <stdin>"), "{err}");
    let (code, out, err) = cspot(&["traces", "check", "--allow-empty", good, empty]);
    let (alone, out_alone, _) = cspot(&["traces", "check", good]);
    assert_eq!(code, alone, "{err}");
    assert_eq!(out.lines().count(), out_alone.lines().count());
    let (_, _, err) = cspot(&["traces", "check", "fixtures/otlp/malformed.json"]);
    assert!(!err.contains("no span in"), "{err}");
}

/// A `--rules` selection that leaves no rule on would pass every trace unseen: refused.
#[test]
fn a_selection_of_no_rule_is_refused() {
    for rules in ["", ",", " ", "-all", "span,-span"] {
        let flag = format!("--rules={rules}");
        let (code, _, err) = cspot(&[
            "traces",
            "check",
            &flag,
            "fixtures/otlp/orphan-and-no-root.json",
        ]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(err.contains("selects no rule"), "{flag}: {err}");
    }
}

/// `--clock-skew` is a duration as every other: a bare number is seconds, a unit may follow;
/// the skew is honoured.
#[test]
fn clock_skew_is_a_duration() {
    let dump = "fixtures/otlp/child-starts-before-parent-skew.json";
    for skew in ["5", "1.5", "2s", "2000ms", "2000000us", "1m", "1h"] {
        let flag = format!("--clock-skew={skew}");
        let (code, _, err) = cspot(&["traces", "check", &flag, dump]);
        assert_eq!(code, 0, "{flag}: {err}");
    }
    for bad in ["5x", "-1s", "1e3"] {
        let flag = format!("--clock-skew={bad}");
        let (code, _, err) = cspot(&["traces", "check", &flag, dump]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(
            err.contains(&format!("invalid duration '{bad}'")),
            "{flag}: {err}"
        );
    }
    let (strict, _, _) = cspot(&["traces", "check", "--clock-skew=0", dump]);
    assert_eq!(strict, 1, "without a skew the fixture breaks a timing rule");
    let (code, _, err) = cspot(&["traces", "check", "--clock-skew=2s", dump]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cspot(&["traces", "check", "--clock-skew=2000000us", dump]);
    assert_eq!(code, 0, "{err}");
}

/// `traces check` stores no states: `--max-states` is refused by name (and hidden from its
/// help); `--max-memory` bounds the spans read, and `--timeout` is honoured: a trace whose
/// turn comes after the time bound is inconclusive (exit 3).
#[test]
fn traces_check_honours_the_bounds_it_takes() {
    let dump = "fixtures/otlp/async-exempt.json";
    let (code, _, err) = cspot(&["traces", "check", "--max-states=10", dump]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--max-states does not apply"), "{err}");
    let (code, _, err) = cspot(&["traces", "check", "--max-memory=1G", dump]);
    assert_eq!(code, 0, "{err}");
    let (_, help, _) = cspot(&["traces", "check", "--help"]);
    assert!(
        help.contains("--timeout")
            && !help.contains("--max-states")
            && help.contains("--max-memory")
            && help.contains("--max-message"),
        "{help}"
    );
    let (code, out, err) = cspot(&["traces", "check", "--timeout=1ns", "--format=json", dump]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["results"][0]["verdict"], "inconclusive", "{out}");
    let (code, _, err) = cspot(&["traces", "check", "--timeout=600", dump]);
    assert_eq!(code, 0, "{err}");
}

// ---- generated forests ----------------------------------------------------------------------

/// One span of a generated trace: its parent (an earlier span), service and times.
#[derive(Clone, Debug)]
struct Gen {
    parent: Option<usize>,
    service: usize,
    kind: SpanKind,
    flags: u32,
    start: u64,
    end: u64,
    id: [u8; 8],
}

#[derive(Clone, Debug)]
struct GenTrace {
    id: [u8; 16],
    spans: Vec<Gen>,
}

const SERVICES: [&str; 3] = ["frontend", "cart", "payment"];

/// A well-formed trace: a tree whose children nest in their parents' time, cross-service edges
/// go from CLIENT to SERVER with the is-remote bits set, and ids are unique.
fn gen_trace(t: usize) -> impl Strategy<Value = GenTrace> {
    (
        1usize..12,
        proptest::collection::vec((any::<u16>(), any::<u8>(), any::<u16>(), any::<u16>()), 12),
    )
        .prop_map(move |(n, choices)| {
            let mut spans: Vec<Gen> = Vec::with_capacity(n);
            for (i, &(pick, svc, a, b)) in choices.iter().take(n).enumerate() {
                let mut id = [0u8; 8];
                id[0] = 0x80 | t as u8;
                id[1] = (t >> 8) as u8;
                id[7] = i as u8 + 1;
                if i == 0 {
                    spans.push(Gen {
                        parent: None,
                        service: 0,
                        kind: SpanKind::Server,
                        flags: 0x100,
                        start: 1_000_000,
                        end: 1_000_000 + 1_000_000_000,
                        id,
                    });
                    continue;
                }
                let p = pick as usize % i;
                let (ps, pe, psvc) = (spans[p].start, spans[p].end, spans[p].service);
                let len = pe - ps;
                let s = ps + (a as u64 * len) / (u16::MAX as u64 + 1);
                let e = s
                    + ((b as u64 * (pe - s)) / (u16::MAX as u64 + 1))
                        .max(1)
                        .min(pe - s);
                let remote = svc % 3 == 0;
                let service = if remote {
                    (psvc + 1 + (svc as usize / 3) % 2) % SERVICES.len()
                } else {
                    psvc
                };
                if remote {
                    spans[p].kind = SpanKind::Client;
                }
                spans.push(Gen {
                    parent: Some(p),
                    service,
                    kind: if remote {
                        SpanKind::Server
                    } else {
                        SpanKind::Internal
                    },
                    flags: if remote { 0x301 } else { 0x101 },
                    start: s,
                    end: e,
                    id,
                });
            }
            let mut tid = [0u8; 16];
            tid[0] = 0x40;
            tid[15] = t as u8;
            tid[14] = (t >> 8) as u8;
            GenTrace { id: tid, spans }
        })
}

fn gen_forest() -> impl Strategy<Value = Vec<GenTrace>> {
    (1usize..5).prop_flat_map(|n| (0..n).map(gen_trace).collect::<Vec<_>>())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// OTLP/JSON with one resourceSpans per service, spans in a scrambled order.
fn to_json(traces: &[GenTrace], scramble: u64) -> String {
    let mut per: Vec<Vec<serde_json::Value>> = vec![Vec::new(); SERVICES.len()];
    for t in traces {
        for s in &t.spans {
            let mut v = serde_json::json!({
                "traceId": hex(&t.id),
                "spanId": hex(&s.id),
                "name": format!("op{}", s.id[7]),
                "kind": s.kind as i32,
                "flags": s.flags,
                "startTimeUnixNano": s.start.to_string(),
                "endTimeUnixNano": s.end,
            });
            if let Some(p) = s.parent {
                v["parentSpanId"] = hex(&t.spans[p].id).into();
            }
            per[s.service].push(v);
        }
    }
    let mut rs = Vec::new();
    for (i, mut spans) in per.into_iter().enumerate() {
        let k = spans.len().max(1);
        spans.rotate_left((scramble as usize) % k);
        if scramble % 2 == 1 {
            spans.reverse();
        }
        rs.push(serde_json::json!({
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": SERVICES[i]}}]},
            "scopeSpans": [{"spans": spans}],
        }));
    }
    serde_json::json!({ "resourceSpans": rs }).to_string()
}

fn to_proto(traces: &[GenTrace]) -> Vec<u8> {
    let mut rs = Vec::new();
    for (i, svc) in SERVICES.iter().enumerate() {
        let spans: Vec<proto::Span> = traces
            .iter()
            .flat_map(|t| {
                t.spans
                    .iter()
                    .filter(move |s| s.service == i)
                    .map(move |s| proto::Span {
                        trace_id: t.id.to_vec(),
                        span_id: s.id.to_vec(),
                        parent_span_id: s
                            .parent
                            .map(|p| t.spans[p].id.to_vec())
                            .unwrap_or_default(),
                        name: format!("op{}", s.id[7]),
                        kind: s.kind as i32,
                        flags: s.flags,
                        start_time_unix_nano: s.start,
                        end_time_unix_nano: s.end,
                        ..Default::default()
                    })
            })
            .collect();
        rs.push(proto::ResourceSpans {
            resource: Some(proto::Resource {
                attributes: vec![proto::KeyValue::string("service.name", svc)],
                dropped_attributes_count: 0,
            }),
            scope_spans: vec![proto::ScopeSpans {
                scope: None,
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        });
    }
    let mut out = Vec::new();
    proto::write_length_prefixed(
        &mut out,
        &proto::TracesData { resource_spans: rs }.encode_to_vec(),
    );
    out
}

fn read(bytes: &[u8]) -> otlp::Dump {
    otlp::read("gen", bytes, ReadOptions::default())
}

/// Rules broken anywhere in the forest.
fn broken(f: &Forest) -> Vec<String> {
    let mut v: Vec<String> = rules::check(f, &RuleConfig::all())
        .into_iter()
        .flat_map(|t| t.findings.into_iter().map(|f| f.rule))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// (trace, span, parent) of every span, sorted: the shape the readers must recover.
fn edges(f: &Forest) -> Vec<(String, String, Option<String>)> {
    let mut v: Vec<_> = (0..f.spans.len() as u32)
        .map(|i| {
            let s = f.span(i);
            (
                s.trace.to_string(),
                s.id.to_string(),
                f.parent(i).map(|p| f.span(p).id.to_string()),
            )
        })
        .collect();
    v.sort();
    v
}

fn gen_edges(traces: &[GenTrace]) -> Vec<(String, String, Option<String>)> {
    let mut v: Vec<_> = traces
        .iter()
        .flat_map(|t| {
            t.spans.iter().map(move |s| {
                (
                    hex(&t.id),
                    hex(&s.id),
                    s.parent.map(|p| hex(&t.spans[p].id)),
                )
            })
        })
        .collect();
    v.sort();
    v
}

proptest! {
    #![proptest_config(cases(64))]

    #[test]
    fn well_formed_forests_pass_every_rule(traces in gen_forest(), scramble in any::<u64>()) {
        let json = to_json(&traces, scramble);
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(&json).unwrap()).unwrap();
        for bytes in [json.into_bytes(), pretty.into_bytes(), to_proto(&traces)] {
            let d = read(&bytes);
            prop_assert!(d.errors.is_empty(), "{:?}", d.errors);
            prop_assert_eq!(broken(&d.forest), Vec::<String>::new());
            prop_assert_eq!(d.forest.traces.len(), traces.len());
            prop_assert_eq!(edges(&d.forest), gen_edges(&traces));
            // Children come in start-time order, then span id.
            for i in 0..d.forest.spans.len() as u32 {
                let kids = d.forest.children(i);
                for w in kids.windows(2) {
                    let (a, b) = (d.forest.span(w[0]), d.forest.span(w[1]));
                    prop_assert!((a.start, a.id) <= (b.start, b.id));
                }
            }
        }
    }

    #[test]
    fn dropping_a_parent_is_an_orphan(traces in gen_forest(), pick in any::<usize>()) {
        let t = pick % traces.len();
        // A span with children, other than the root: remove it, its children are orphans.
        let with_kids: Vec<usize> = (1..traces[t].spans.len())
            .filter(|&i| traces[t].spans.iter().any(|s| s.parent == Some(i)))
            .collect();
        prop_assume!(!with_kids.is_empty());
        let gone = with_kids[pick % with_kids.len()];
        let gone_id = hex(&traces[t].spans[gone].id);
        let mut v: serde_json::Value = serde_json::from_str(&to_json(&traces, 0)).unwrap();
        for rs in v["resourceSpans"].as_array_mut().unwrap() {
            rs["scopeSpans"][0]["spans"].as_array_mut().unwrap().retain(|s| s["spanId"] != gone_id.as_str());
        }
        let d = read(v.to_string().as_bytes());
        let b = broken(&d.forest);
        prop_assert!(b.contains(&"trace.orphan".to_string()), "{:?}", b);
        prop_assert!(!b.contains(&"trace.parent-in-other-trace".to_string()), "{:?}", b);
    }

    #[test]
    fn reparenting_across_traces_is_reported(traces in gen_forest(), pick in any::<usize>()) {
        prop_assume!(traces.len() >= 2 && traces[1].spans.len() >= 2);
        let target = traces[0].spans[pick % traces[0].spans.len()].id;
        // Make span 1 of trace 1 name a span of trace 0 as parent.
        let victim = traces[1].spans[1].id;
        let json = to_json(&traces, 0);
        let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
        for rs in v["resourceSpans"].as_array_mut().unwrap() {
            for s in rs["scopeSpans"][0]["spans"].as_array_mut().unwrap() {
                if s["spanId"] == hex(&victim) {
                    s["parentSpanId"] = hex(&target).into();
                }
            }
        }
        let d = read(v.to_string().as_bytes());
        let b = broken(&d.forest);
        prop_assert!(b.contains(&"trace.parent-in-other-trace".to_string()), "{:?}", b);
        prop_assert!(!b.contains(&"trace.orphan".to_string()), "{:?}", b);
    }

    #[test]
    fn duplicating_an_id_is_reported(traces in gen_forest(), pick in any::<usize>()) {
        let mut traces = traces;
        // Two leaves of one trace: a child of either would have an ambiguous parent.
        let candidates: Vec<(usize, Vec<usize>)> = traces
            .iter()
            .enumerate()
            .map(|(t, tr)| {
                let leaves: Vec<usize> = (0..tr.spans.len())
                    .filter(|&i| !tr.spans.iter().any(|s| s.parent == Some(i)))
                    .collect();
                (t, leaves)
            })
            .filter(|(_, l)| l.len() >= 2)
            .collect();
        prop_assume!(!candidates.is_empty());
        let (t, leaves) = &candidates[pick % candidates.len()];
        let t = *t;
        let ia = (pick / 3) % leaves.len();
        let ib = (ia + 1 + (pick / 17) % (leaves.len() - 1)) % leaves.len();
        let (a, b) = (leaves[ia], leaves[ib]);
        traces[t].spans[b].id = traces[t].spans[a].id;
        for bytes in [to_json(&traces, pick as u64).into_bytes(), to_proto(&traces)] {
            let d = read(&bytes);
            prop_assert_eq!(broken(&d.forest), vec!["trace.duplicate-span-id".to_string()]);
        }
    }

    #[test]
    fn swapping_timestamps_is_reported(traces in gen_forest(), pick in any::<usize>()) {
        let mut traces = traces;
        let t = pick % traces.len();
        let i = pick % traces[t].spans.len();
        let s = &mut traces[t].spans[i];
        prop_assume!(s.end > s.start);
        std::mem::swap(&mut s.start, &mut s.end);
        let d = read(&to_proto(&traces));
        prop_assert!(broken(&d.forest).contains(&"span.end-before-start".to_string()));
    }

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400), prefix in 0usize..8) {
        let prefixes: [&[u8]; 8] = [
            b"",
            b"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{",
            b"{\"data\":[{\"spans\":[",
            b"[{\"traceId\":",
            &[0x28, 0xb5, 0x2f, 0xfd],
            &[0, 0, 0, 40],
            &[0x0a, 0x30, 0x12, 0x2e, 0x12, 0x2c],
            b"{\"resourceSpans\":[]}\n{",
        ];
        let mut bytes = prefixes[prefix].to_vec();
        bytes.extend_from_slice(&body);
        let d = read(&bytes);
        let _ = rules::check(&d.forest, &RuleConfig::all());
    }

    #[test]
    fn corrupted_dumps_never_panic(traces in gen_forest(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6), json in any::<bool>()) {
        let mut bytes = if json { to_json(&traces, 1).into_bytes() } else { to_proto(&traces) };
        let n = bytes.len();
        for (at, val) in flips {
            bytes[at % n] = val;
        }
        let d = read(&bytes);
        let _ = rules::check(&d.forest, &RuleConfig::all());
        // Whole-file zstd of the corrupted dump, and a truncated zstd stream.
        let z = zstd::encode_all(&bytes[..], 1).unwrap();
        let _ = read(&z);
        let _ = read(&z[..z.len() / 2]);
    }
}

#[test]
fn compressed_and_plain_streams_give_the_same_forest() {
    let dir = fixture_dir();
    let a = otlp::read(
        "a",
        std::fs::File::open(dir.join("pb-stream.pb")).unwrap(),
        ReadOptions::default(),
    );
    let b = otlp::read(
        "b",
        std::fs::File::open(dir.join("pb-stream-whole-file.pb.zst")).unwrap(),
        ReadOptions::default(),
    );
    assert_eq!(edges(&a.forest), edges(&b.forest));
    assert_eq!(a.forest.spans.len(), 4);
}

#[test]
fn attributes_events_and_resources_are_kept() {
    let d = otlp::read(
        "x",
        std::fs::File::open(fixture_dir().join("collector-accepts.json")).unwrap(),
        ReadOptions::default(),
    );
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let f = &d.forest;
    assert_eq!(f.spans.len(), 2);
    let root = (0..2).find(|&i| f.parent(i).is_none()).unwrap();
    assert_eq!(f.service_name(root), "frontend");
    let r = &f.resources[f.span(root).resource as usize];
    assert_eq!(f.strings.get(r.host), "web-1");
    assert_eq!(f.attrs(r.attrs).len(), 6);
    let s = f.span(root);
    assert_eq!(s.kind, SpanKind::Server);
    assert_eq!(s.status, otlp::StatusCode::Error);
    assert_eq!(f.strings.get(s.status_message), "boom");
    assert_eq!(f.strings.get(s.trace_state), "vendor=1");
    let ev = f.events_of(root);
    assert_eq!(ev.len(), 1);
    assert_eq!(f.strings.get(ev[0].name), "exception");
    let attrs = f.attrs(s.attrs);
    assert_eq!(attrs[1].value(), otlp::Value::Int(i64::MIN));
    let scope = &f.scopes[s.scope as usize];
    assert_eq!(f.strings.get(scope.name), "shop");
    let child = 1 - root;
    assert_eq!(f.span(child).flags, 257);
    assert_eq!(f.span(child).kind, SpanKind::Client);
}

/// Attributes written compactly (the layout the reader has a fast path for) and with spaces read
/// alike, for every kind of value and for keys that need escapes.
#[test]
fn compact_and_spaced_attributes_read_alike() {
    let attrs = serde_json::json!([
        {"key": "s", "value": {"stringValue": "GET"}},
        {"key": "q", "value": {"intValue": "200"}},
        {"key": "n", "value": {"intValue": 7}},
        {"key": "neg", "value": {"intValue": "-3"}},
        {"key": "big", "value": {"intValue": "9223372036854775807"}},
        {"key": "esc\"aped", "value": {"stringValue": "a\\b"}},
        {"key": "b", "value": {"boolValue": true}},
        {"key": "d", "value": {"doubleValue": 2.5}},
        {"key": "e", "value": {}},
    ]);
    let doc = serde_json::json!({"resourceSpans": [{"scopeSpans": [{"spans": [{
        "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "spanId": "00f067aa0ba902b7",
        "name": "x", "attributes": attrs,
        "events": [{"name": "ev", "attributes": attrs}],
    }]}]}]});
    let shown = |text: String| -> Vec<String> {
        let d = read(text.as_bytes());
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        let f = &d.forest;
        let s = f.span(0);
        let ev = f.events_of(0)[0];
        [s.attrs, ev.attrs]
            .iter()
            .flat_map(|r| f.attrs(*r))
            .map(|a| {
                let v = match a.value() {
                    otlp::Value::Str(x) => format!("str {}", f.strings.get(x)),
                    other => format!("{other:?}"),
                };
                format!("{} = {v}", f.strings.get(a.key))
            })
            .collect()
    };
    let compact = shown(doc.to_string());
    let spaced = shown(serde_json::to_string_pretty(&doc).unwrap());
    assert_eq!(compact, spaced);
    assert_eq!(compact.len(), 18);
    assert_eq!(compact[1], "q = Int(200)");
    assert_eq!(compact[3], "neg = Int(-3)");
    assert_eq!(compact[4], "big = Int(9223372036854775807)");
    assert_eq!(compact[5], "esc\"aped = str a\\b");
}

/// `cspot traces rules` lists every rule with what it finds (`--rules list` needed a dump).
#[test]
fn traces_rules_lists_every_rule() {
    let (code, out, err) = cspot(&["traces", "rules"]);
    assert_eq!(code, 0, "{err}");
    for (id, what) in cspot::traces::RULES {
        assert!(
            out.lines().any(|l| l.starts_with(id) && l.ends_with(what)),
            "{id}: {out}"
        );
    }
}

/// A directory argument reads every dump under it, subdirectories included, in name order,
/// skipping other files; a directory with no dump is an error naming it.
#[test]
fn a_directory_reads_every_dump_in_it() {
    let dir = std::env::temp_dir().join(format!("cspot-dumps-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("b-sub")).expect("temp dir");
    std::fs::copy(fixture_dir().join("good-otlp.json"), dir.join("a.json")).expect("copy");
    std::fs::copy(
        fixture_dir().join("good-jsonl.jsonl"),
        dir.join("b-sub/c.jsonl"),
    )
    .expect("copy");
    std::fs::write(dir.join("notes.txt"), "not a dump").expect("write");
    std::fs::write(dir.join(".hidden.json"), "{").expect("write");
    let d = dir.display().to_string();
    let (code, out, err) = cspot(&["traces", "check", &d, "--format", "json", "--no-timings"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let inputs: Vec<&str> = v["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .filter_map(|i| i.as_str())
        .collect();
    assert_eq!(
        inputs,
        [format!("{d}/a.json"), format!("{d}/b-sub/c.jsonl")]
    );
    // A symbolic link back up the tree is followed once, never in a loop.
    std::os::unix::fs::symlink(&dir, dir.join("b-sub/loop")).expect("symlink");
    let (code, out, err) = cspot(&["traces", "check", &d, "--format", "json", "--no-timings"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["inputs"].as_array().map(Vec::len), Some(2), "{out}");
    let empty = dir.join("b-sub/empty");
    std::fs::create_dir_all(&empty).expect("dir");
    let (code, _, err) = cspot(&["traces", "check", &empty.display().to_string()]);
    assert_eq!(code, 2);
    assert!(err.contains("no dump in the directory"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
