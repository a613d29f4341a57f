//! Hostile inputs through the library's readers, in process: the inputs the fuzzers found
//! (`tests/data/hostile/<target>/`, one folder per fuzz target) replayed, and proptest
//! generators of hostile inputs (mutated seed files, deep nesting, huge numbers, token soups).
//! Every reader is driven by the fuzz targets' own code (`fuzz/src/readers.rs`, included
//! here), so a recorded input runs exactly what crashed the fuzzer; the laws it asserts (the
//! CSPM round trip, a dump read in pieces equals the dump read whole) hold here too.

#[path = "../../../fuzz/src/readers.rs"]
#[allow(dead_code)]
mod readers;

use crate::support::cases;
use proptest::prelude::*;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

const HOSTILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hostile");

/// Recorded inputs whose fix is pending in a file owned by another area: replayed only by
/// their own `#[ignore]`d test below, so the folder's test stays green meanwhile.
const PENDING: &[&str] = &[];

/// The files recorded for `target`, in name order.
fn recorded(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(HOSTILE).join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Runs one recorded input through its target's reader; the panic message if it panicked.
fn replay_file(target: &str, path: &Path) -> Result<(), String> {
    let read = readers::reader(target).expect("a fuzz target's name");
    let data = std::fs::read(path).expect("recorded input");
    catch_unwind(AssertUnwindSafe(|| read(&data))).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// Every recorded input of `target` but the pending ones reads without a panic.
fn replay(target: &str) {
    let mut failures = Vec::new();
    for path in recorded(target) {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if PENDING.contains(&&*format!("{target}/{name}")) {
            continue;
        }
        if let Err(msg) = replay_file(target, &path) {
            failures.push(format!("{target}/{name}: {msg}"));
        }
    }
    assert!(failures.is_empty(), "panics:\n{}", failures.join("\n"));
}

/// One recorded input (a pending one, under its own ignored test).
#[allow(dead_code)]
fn replay_one(target: &str, name: &str) {
    let path = Path::new(HOSTILE).join(target).join(name);
    if let Err(msg) = replay_file(target, &path) {
        panic!("{target}/{name}: {msg}");
    }
}

#[test]
fn every_target_has_a_reader() {
    for (name, _) in readers::TARGETS {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/fuzz_targets")
                .join(format!("{name}.rs"))
                .is_file(),
            "fuzz target {name}"
        );
    }
    for entry in std::fs::read_dir(HOSTILE).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            readers::reader(&name).is_some(),
            "tests/data/hostile/{name} names no fuzz target"
        );
    }
    for p in PENDING {
        let path = Path::new(HOSTILE).join(p);
        assert!(path.is_file(), "pending input {p} is missing");
    }
}

#[test]
fn recorded_cspm() {
    replay("cspm");
}

#[test]
fn recorded_cspm_eval() {
    replay("cspm_eval");
}

#[test]
fn recorded_otlp_json() {
    replay("otlp_json");
}

#[test]
fn recorded_otlp_jsonl() {
    replay("otlp_jsonl");
}

#[test]
fn recorded_otlp_protobuf() {
    replay("otlp_protobuf");
}

#[test]
fn recorded_otlp_zstd() {
    replay("otlp_zstd");
}

#[test]
fn recorded_jaeger() {
    replay("jaeger");
}

#[test]
fn recorded_zipkin() {
    replay("zipkin");
}

#[test]
fn recorded_phi_model() {
    replay("phi_model");
}

#[test]
fn recorded_bsp_config() {
    replay("bsp_config");
}

// ----- generators -----

/// The seed files of a reader: the repository's test inputs of its format (as
/// `scripts/fuzz.sh` seeds the fuzzers), read once.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (dirs, keep): (&[&str], fn(&str) -> bool) = match target {
        "cspm" | "cspm_eval" => (&["tests/data/check", "specs"], |n| n.ends_with(".csp")),
        "otlp_json" => (&["fixtures/otlp", "tests/data/reports/otlp"], |n| {
            n.ends_with(".json") && !n.starts_with("jaeger-") && !n.starts_with("zipkin-")
        }),
        "otlp_jsonl" => (&["fixtures/otlp"], |n| n.ends_with(".jsonl")),
        "otlp_protobuf" => (&["fixtures/otlp"], |n| n.ends_with(".pb")),
        "otlp_zstd" => (&["fixtures/otlp"], |n| n.ends_with(".zst")),
        "jaeger" => (&["fixtures/otlp"], |n| {
            n.starts_with("jaeger-") && n.ends_with(".json")
        }),
        "zipkin" => (&["fixtures/otlp"], |n| {
            n.starts_with("zipkin-") && n.ends_with(".json")
        }),
        "phi_model" => (&["models/phi", "tests/data/reports/phi"], |n| {
            n.ends_with(".toml")
        }),
        "bsp_config" => (&["models/bsp"], |n| n.ends_with(".toml")),
        _ => panic!("unknown target {target}"),
    };
    let mut files = Vec::new();
    for d in dirs {
        for e in std::fs::read_dir(root.join(d))
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = e.file_name().to_string_lossy().into_owned();
            if keep(&name) && e.path().is_file() {
                files.push(e.path());
            }
        }
    }
    files.sort();
    // Small files only: a property's cases stay fast.
    let seeds: Vec<Vec<u8>> = files
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|b| b.len() <= 64 << 10)
        .collect();
    assert!(!seeds.is_empty(), "no seed files for {target}");
    seeds
}

/// One edit of a file.
#[derive(Clone, Debug)]
enum Edit {
    /// Sets the byte at this position (modulo the length).
    Set(usize, u8),
    /// Inserts bytes.
    Insert(usize, Vec<u8>),
    /// Removes up to this many bytes.
    Remove(usize, usize),
    /// Repeats a slice in place.
    Repeat(usize, usize, u8),
    /// Cuts the file here.
    Truncate(usize),
}

/// Bytes a format is sensitive to, besides random ones.
const INTERESTING: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"\0",
    b"-",
    b"e",
    b"1e999999",
    b"-0",
    b"18446744073709551616",
    b"99999999999999999999999999",
    b"-9223372036854775809",
    b"2147483648",
    b"NaN",
    b"null",
    b"true",
    b"\xff",
    b"\xc3",
    b"\xf0\x9f",
    b"\x0a\xff\xff\xff\xff\x0f",
    b"\x28\xb5\x2f\xfd",
    b"\x80\x80\x80\x80\x80\x80",
    b"=",
    b"'''",
    b"[[",
    b"]]",
    b"\"\"\"",
    b"::",
    b"->",
    b"[]",
    b"|~|",
    b"[|",
    b"|]",
    b"<",
    b">",
    b"@@",
    b"\\ ",
    b"{-",
    b"-}",
    b"--",
    b"include \"x\"",
    b"let",
    b"within",
];

fn edit() -> impl Strategy<Value = Edit> {
    let bytes = prop_oneof![
        prop::sample::select(INTERESTING).prop_map(|b| b.to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        3 => (any::<usize>(), bytes).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<usize>(), 1usize..16).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => (any::<usize>(), 1usize..32, 2u8..64).prop_map(|(i, n, k)| Edit::Repeat(i, n, k)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut data: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = data.len().max(1);
        match e {
            Edit::Set(i, b) => {
                if !data.is_empty() {
                    data[i % len] = *b;
                }
            }
            Edit::Insert(i, b) => {
                let at = i % (data.len() + 1);
                data.splice(at..at, b.iter().copied());
            }
            Edit::Remove(i, n) => {
                let at = i % len;
                let end = (at + n).min(data.len());
                data.drain(at.min(end)..end);
            }
            Edit::Repeat(i, n, k) => {
                let at = i % len;
                let end = (at + n).min(data.len());
                let piece = data[at.min(end)..end].to_vec();
                for _ in 1..*k {
                    data.splice(end..end, piece.iter().copied());
                }
            }
            Edit::Truncate(i) => data.truncate(i % len),
        }
    }
    data
}

/// A seed file of `target` with a few random edits.
fn mutated(target: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds(target);
    (
        prop::sample::select(seeds),
        prop::collection::vec(edit(), 1..6),
    )
        .prop_map(|(seed, edits)| apply(seed, &edits))
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn mutated_cspm(data in mutated("cspm")) {
        readers::cspm(&data);
    }

    #[test]
    fn mutated_otlp_json(data in mutated("otlp_json")) {
        readers::otlp_json(&data);
    }

    #[test]
    fn mutated_otlp_jsonl(data in mutated("otlp_jsonl")) {
        readers::otlp_jsonl(&data);
    }

    #[test]
    fn mutated_otlp_protobuf(data in mutated("otlp_protobuf")) {
        readers::otlp_protobuf(&data);
    }

    #[test]
    fn mutated_otlp_zstd(data in mutated("otlp_zstd")) {
        readers::otlp_zstd(&data);
    }

    #[test]
    fn mutated_jaeger(data in mutated("jaeger")) {
        readers::jaeger(&data);
    }

    #[test]
    fn mutated_zipkin(data in mutated("zipkin")) {
        readers::zipkin(&data);
    }

    #[test]
    fn mutated_phi_model(data in mutated("phi_model")) {
        readers::phi_model(&data);
    }

    #[test]
    fn mutated_bsp_config(data in mutated("bsp_config")) {
        readers::bsp_config(&data);
    }
}

/// A JSON document nested `depth` levels deep at a place each reader descends into.
fn nested_json(shape: u8, depth: usize) -> Vec<u8> {
    let (open, close) = if shape.is_multiple_of(2) {
        ("[", "]")
    } else {
        ("{\"a\":", "}")
    };
    let inner = format!("{}1{}", open.repeat(depth), close.repeat(depth));
    let doc = match shape / 2 % 5 {
        // OTLP: an attribute's value.
        0 => format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","attributes":[{{"key":"k","value":{inner}}}]}}]}}]}}]}}"#
        ),
        // OTLP: straight nesting where the document's list should be.
        1 => format!(r#"{{"resourceSpans":{inner}}}"#),
        // Jaeger: a tag's value.
        2 => format!(
            r#"{{"data":[{{"traceID":"1","spans":[{{"traceID":"1","spanID":"2","operationName":"o","tags":[{{"key":"k","type":"string","value":{inner}}}]}}]}}]}}"#
        ),
        // Zipkin: a span's tags.
        3 => format!(r#"[{{"traceId":"1","id":"2","name":"n","tags":{inner}}}]"#),
        // Bare nesting.
        _ => inner,
    };
    doc.into_bytes()
}

/// A number in some hostile spelling.
fn huge_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1e999999999".to_string()),
        Just("-1e-999999999".to_string()),
        Just("18446744073709551616".to_string()),
        Just("-9223372036854775809".to_string()),
        Just("1.7976931348623157e309".to_string()),
        (1usize..400).prop_map(|n| "9".repeat(n)),
        (1usize..400).prop_map(|n| format!("0.{}1", "0".repeat(n))),
        (1usize..200).prop_map(|n| format!("\"{}\"", "9".repeat(n))),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("\"{n}\"")),
        any::<f64>().prop_map(|n| format!("{n:e}")),
    ]
}

/// An OTLP, Jaeger or Zipkin span with `n` in a numeric field.
fn numbers_json(shape: u8, n: &str) -> Vec<u8> {
    match shape % 6 {
        0 => format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","startTimeUnixNano":{n},"endTimeUnixNano":{n}}}]}}]}}]}}"#
        ),
        1 => format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s","kind":{n},"flags":{n},"droppedAttributesCount":{n},"status":{{"code":{n}}},"attributes":[{{"key":"k","value":{{"intValue":{n}}}}},{{"key":"d","value":{{"doubleValue":{n}}}}}]}}]}}]}}]}}"#
        ),
        2 => format!(
            r#"{{"data":[{{"traceID":"1","spans":[{{"traceID":"1","spanID":"2","operationName":"o","startTime":{n},"duration":{n},"tags":[{{"key":"k","type":"int64","value":{n}}}]}}]}}]}}"#
        ),
        3 => format!(
            r#"[{{"traceId":"1","id":"2","name":"n","timestamp":{n},"duration":{n}}}]"#
        ),
        4 => format!(
            "{{\"resourceSpans\":[{{\"scopeSpans\":[{{\"spans\":[{{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060708\",\"startTimeUnixNano\":{n}}}]}}]}}]}}\n{{\"resourceSpans\":[{{\"scopeSpans\":[{{\"spans\":[{{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\",\"spanId\":\"0102030405060709\",\"endTimeUnixNano\":{n}}}]}}]}}]}}\n"
        ),
        _ => format!(
            r#"{{"data":[{{"traceID":"1","spans":[{{"traceID":"1","spanID":"2","operationName":"o","references":[{{"refType":"CHILD_OF","traceID":"1","spanID":{n}}}],"logs":[{{"timestamp":{n},"fields":[]}}]}}]}}]}}"#
        ),
    }
    .into_bytes()
}

/// CSPM words, operators and literals, hostile ones included.
const CSPM_TOKENS: &[&str] = &[
    "channel",
    "datatype",
    "subtype",
    "nametype",
    "assert",
    "include",
    "let",
    "within",
    "if",
    "then",
    "else",
    "transparent",
    "external",
    "print",
    "timed",
    "module",
    "exports",
    "endmodule",
    "instance",
    "P",
    "Q",
    "x",
    "c",
    "a",
    "b",
    "STOP",
    "SKIP",
    "CHAOS",
    "RUN",
    "Events",
    "Int",
    "Bool",
    "Set",
    "Seq",
    "true",
    "false",
    "=",
    "==",
    "!=",
    "->",
    "[]",
    "|~|",
    "|||",
    "[|",
    "|]",
    "[",
    "]",
    "||",
    "/\\",
    "[>",
    "\\",
    ";",
    "&",
    "?",
    "!",
    "$",
    ".",
    ",",
    ":",
    "::",
    "(",
    ")",
    "{",
    "}",
    "{|",
    "|}",
    "<",
    ">",
    "<-",
    "<->",
    "@",
    "@@",
    "^",
    "#",
    "..",
    "+",
    "-",
    "*",
    "/",
    "%",
    "[T=",
    "[F=",
    "[FD=",
    ":[",
    "deadlock free",
    "]",
    "@@",
    "0",
    "1",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "-2147483648",
    "\"s\"",
    "'c'",
    "\n",
    "\n\n",
    "  ",
    "--",
    "{-",
    "-}",
    "\t",
    "\\\n",
    "\u{a0}",
    "\u{feff}",
    "é",
];

fn cspm_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CSPM_TOKENS), 0..300).prop_map(|ts| {
        let mut s = String::new();
        for t in ts {
            s.push_str(t);
            s.push(' ');
        }
        s
    })
}

/// TOML nested `depth` levels deep under a key of a model or configuration.
fn nested_toml(shape: u8, depth: usize) -> Vec<u8> {
    let (open, close) = if shape.is_multiple_of(2) {
        ("[", "]")
    } else {
        ("{a=", "}")
    };
    let inner = format!("{}1{}", open.repeat(depth), close.repeat(depth));
    match shape / 2 % 3 {
        0 => format!("producers = {inner}\n"),
        1 => format!("force_flush = {inner}\n"),
        _ => format!(
            "spec = \"checkout.csp\"\nprocess = \"SYSTEM\"\n[spans.GATEWAY]\nname = {inner}\n"
        ),
    }
    .into_bytes()
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn deeply_nested_json(shape in 0u8..10, depth in prop_oneof![1usize..200, 200usize..100_000]) {
        let doc = nested_json(shape, depth);
        readers::otlp_json(&doc);
        readers::otlp_zstd(&doc);
    }

    #[test]
    fn deeply_nested_json_lines(shape in 0u8..10, depth in 1usize..20_000) {
        let mut doc = nested_json(shape, depth);
        doc.push(b'\n');
        doc.extend_from_slice(&nested_json(shape + 1, depth));
        readers::otlp_jsonl(&doc);
    }

    #[test]
    fn huge_numbers(shape in 0u8..6, n in huge_number()) {
        readers::otlp_json(&numbers_json(shape, &n));
    }

    #[test]
    fn cspm_token_soup(text in cspm_soup()) {
        readers::cspm(text.as_bytes());
    }

    #[test]
    fn deeply_nested_cspm(open in prop::sample::select(&["(", "<", "{", "[", "\\x @ ", "a -> ", "if true then "][..]), depth in 1usize..5_000) {
        let text = format!("P = {}", open.repeat(depth));
        readers::cspm(text.as_bytes());
    }

    #[test]
    fn deeply_nested_toml(shape in 0u8..6, depth in prop_oneof![1usize..100, 100usize..50_000]) {
        let doc = nested_toml(shape, depth);
        readers::bsp_config(&doc);
        readers::phi_model(&doc);
    }

    #[test]
    fn protobuf_length_bombs(len in any::<u32>(), field in 1u8..16, tail in prop::collection::vec(any::<u8>(), 0..64)) {
        // A message that claims more bytes than there are, at each level.
        let mut v = vec![0x0a];
        let mut n = len as u64;
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 { v.push(b); break; }
            v.push(b | 0x80);
        }
        v.push(field << 3 | 2);
        v.extend_from_slice(&tail);
        readers::otlp_protobuf(&v);
        let mut stream = len.to_be_bytes().to_vec();
        stream[0] &= 0x07;
        stream.extend_from_slice(&v);
        readers::otlp_protobuf(&stream);
        readers::otlp_zstd(&stream);
    }
}

proptest! {
    // Each case loads, evaluates and checks a script under a 0.5 s budget: fewer cases.
    #![proptest_config(cases(32))]

    #[test]
    fn mutated_cspm_evaluated_and_checked(data in mutated("cspm_eval")) {
        readers::cspm_eval(&data);
    }
}
