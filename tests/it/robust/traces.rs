//! Reproducers for the trace readers and `cspot traces` (issue 14): decompression bombs,
//! endless inputs, deep parent chains, terminal control characters, unit overflows and
//! invalid protobuf field numbers. Hostile inputs are generated here, never committed.

use super::{Ended, capped, scratch_dir};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// The default `--max-message` of the readers: the most one message or JSON value may take
/// once decompressed.
const MAX_MESSAGE: u64 = 1 << 30;

/// The size every bomb expands to: three times what the reader agrees to hold.
const BOMB: u64 = 3 << 30;

/// Writes `head`, then `n` copies of `fill`, then `tail`, zstd-compressed, to `path`; the
/// stream is written as it is compressed, so the test never holds the expanded bytes.
fn zstd_file(path: &Path, head: &[u8], fill: u8, n: u64, tail: &[u8]) {
    let f = std::fs::File::create(path).expect("bomb file");
    let mut z = zstd::stream::write::Encoder::new(f, 1).expect("encoder");
    z.write_all(head).expect("write");
    write_fill(&mut z, fill, n);
    z.write_all(tail).expect("write");
    z.finish().expect("finish");
}

/// As [`zstd_file`], into memory (a frame to embed in a length-prefixed stream).
fn zstd_bytes(head: &[u8], fill: u8, n: u64) -> Vec<u8> {
    let mut z = zstd::stream::write::Encoder::new(Vec::new(), 1).expect("encoder");
    z.write_all(head).expect("write");
    write_fill(&mut z, fill, n);
    z.finish().expect("finish")
}

fn write_fill(w: &mut impl Write, fill: u8, n: u64) {
    let chunk = vec![fill; 1 << 20];
    let mut left = n;
    while left > 0 {
        let k = left.min(chunk.len() as u64) as usize;
        w.write_all(&chunk[..k]).expect("write");
        left -= k as u64;
    }
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A length-delimited protobuf field.
fn ld(field: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint((field as u64) << 3 | 2, &mut out);
    varint(body.len() as u64, &mut out);
    out.extend_from_slice(body);
    out
}

/// A fixed64 protobuf field.
fn fixed64(field: u32, v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint((field as u64) << 3 | 1, &mut out);
    out.extend_from_slice(&v.to_le_bytes());
    out
}

/// One `ResourceSpans` field (field 1 of `TracesData`) holding one valid span.
fn proto_resource_spans() -> Vec<u8> {
    let mut span = ld(1, &[0x11; 16]);
    span.extend(ld(2, &[0x22; 8]));
    span.extend(ld(5, b"op"));
    span.extend(fixed64(7, 1_000));
    span.extend(fixed64(8, 2_000));
    ld(1, &ld(2, &ld(2, &span)))
}

/// What a run printed, for the assertions on messages.
fn said(e: &Ended) -> String {
    format!("{}\n{}", e.stdout, e.stderr)
}

// ---- 1. decompression bombs ------------------------------------------------------------------

/// The file exporter's stream: one message whose zstd frame (~100 KB) expands to 3 GiB.
#[test]
fn zstd_message_of_a_prefixed_stream_is_capped_when_decompressed() {
    let dir = scratch_dir("bomb-prefixed");
    let frame = zstd_bytes(&[0x0a], 0, BOMB);
    let mut file = (frame.len() as u32).to_be_bytes().to_vec();
    file.extend_from_slice(&frame);
    std::fs::write(dir.join("bomb.bin"), &file).unwrap();
    let e = capped(
        &dir,
        &["traces", "check", "bomb.bin"],
        Duration::from_secs(60),
    );
    e.assert_bounded("prefixed zstd bomb");
    assert_eq!(e.code, 2, "{}", said(&e));
    assert_eq!(e.code, 2);
    let text = said(&e);
    assert!(text.contains("zstd") && text.contains("byte"), "{text}");
    assert!(text.contains("--max-message"), "{text}");
    e.assert_memory(MAX_MESSAGE, "prefixed zstd bomb");
}

/// A zstd file whose one protobuf message announces a 2 GiB field and fills it with zeros.
#[test]
fn zstd_protobuf_field_is_capped() {
    let dir = scratch_dir("bomb-proto");
    let mut head = vec![0x0a];
    varint((1 << 31) - 1, &mut head);
    zstd_file(&dir.join("bomb.pb.zst"), &head, 0, (1 << 31) - 1, &[]);
    let e = capped(
        &dir,
        &["traces", "check", "bomb.pb.zst"],
        Duration::from_secs(60),
    );
    e.assert_bounded("protobuf field bomb");
    assert_eq!(e.code, 2, "{}", said(&e));
    let text = said(&e);
    assert!(text.contains("zstd") && text.contains("byte 0"), "{text}");
    e.assert_memory(MAX_MESSAGE, "protobuf field bomb");
}

/// The head and tail of an OTLP/JSON document whose one attribute value is a string.
const JSON_STRING: (&[u8], &[u8]) = (
    br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"stringValue":""#,
    br#""}}]}}]}"#,
);

/// Writes `head`, `n` × `a`, `tail` zstd-compressed as `file` in a fresh directory `name` and
/// runs `traces check` on it with `extra` options.
fn check_bomb(
    name: &str,
    file: &str,
    (head, tail): (&[u8], &[u8]),
    n: u64,
    extra: &[&str],
) -> Ended {
    let dir = scratch_dir(name);
    zstd_file(&dir.join(file), head, b'a', n, tail);
    let args = [&["traces", "check", file][..], extra].concat();
    capped(&dir, &args, Duration::from_secs(60))
}

/// Asserts a bomb was refused as one message over `--max-message`, naming zstd, without
/// holding more than the cap.
fn refused_over_the_cap(e: &Ended, what: &str) {
    e.assert_bounded(what);
    assert_eq!(e.code, 2, "{}", said(e));
    let text = said(e);
    assert!(
        text.contains("zstd") && text.contains("--max-message"),
        "{text}"
    );
    e.assert_memory(MAX_MESSAGE, what);
}

/// A zstd OTLP/JSON document with one 3 GiB string in its only `resourceSpans` element.
#[test]
fn zstd_json_document_with_a_huge_string_is_capped() {
    let e = check_bomb("bomb-json", "bomb.json.zst", JSON_STRING, BOMB, &[]);
    refused_over_the_cap(&e, "JSON string bomb");
}

/// The same bomb under `--timeout 2`: scanning its 3 GiB expansion took 17 s; reading stops at
/// the time bound.
#[test]
fn zstd_json_bomb_stops_at_the_time_bound() {
    let what = "JSON string bomb, --timeout 2";
    let e = check_bomb(
        "bomb-json-timeout",
        "bomb.json.zst",
        JSON_STRING,
        BOMB,
        &["--timeout", "2"],
    );
    e.assert_bounded(what);
    e.assert_within(Duration::from_secs(2), Duration::from_secs(3), what);
    assert!(said(&e).contains("time bound"), "{}", said(&e));
}

/// The same through the streamed (serde) reader: a Zipkin array with one 3 GiB name.
#[test]
fn zstd_zipkin_document_with_a_huge_string_is_capped() {
    let zipkin: (&[u8], &[u8]) = (br#"[{"name":""#, br#""}]"#);
    let e = check_bomb("bomb-zipkin", "bomb.zipkin.zst", zipkin, BOMB, &[]);
    refused_over_the_cap(&e, "Zipkin string bomb");
}

/// JSON Lines whose second line is 3 GiB long.
#[test]
fn zstd_json_lines_with_a_huge_line_is_capped() {
    let lines: (&[u8], &[u8]) = (
        b"{\"resourceSpans\":[]}\n{\"resourceSpans\":[{\"x\":\"",
        b"\"}]}\n",
    );
    let e = check_bomb("bomb-jsonl", "bomb.jsonl.zst", lines, BOMB, &[]);
    refused_over_the_cap(&e, "JSON Lines bomb");
}

/// `--max-message` lowers the cap (and a bomb then costs what the lower cap allows).
#[test]
fn max_message_lowers_the_cap() {
    let e = check_bomb(
        "bomb-lowered",
        "b.json.zst",
        JSON_STRING,
        1 << 30,
        &["--max-message", "16M"],
    );
    assert_eq!(e.code, 2, "{}", said(&e));
    e.assert_memory(16 << 20, "lowered --max-message");
}

// ---- 6. endless and expanding inputs ---------------------------------------------------------

/// A device never ends: it is refused, not read until memory or patience runs out.
#[test]
fn a_device_is_refused() {
    let dir = scratch_dir("dev-zero");
    let e = capped(
        &dir,
        &["traces", "check", "/dev/zero"],
        Duration::from_secs(20),
    );
    e.assert_bounded("/dev/zero");
    assert_eq!(e.code, 2, "{}", said(&e));
    assert!(said(&e).contains("not a regular file"), "{}", said(&e));
    e.assert_within(Duration::from_secs(2), Duration::from_secs(3), "/dev/zero");
}

/// Valid spans without end (a 2.5 GB zstd stream of one repeated span): reading stops at the
/// memory bound with an error instead of growing the forest until the process dies.
#[test]
fn endless_spans_stop_at_the_memory_bound() {
    let dir = scratch_dir("endless-spans");
    let line = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"11111111111111111111111111111111","spanId":"2222222222222222","name":"op","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}]}]}]}
"#;
    let f = std::fs::File::create(dir.join("endless.jsonl.zst")).unwrap();
    let mut z = zstd::stream::write::Encoder::new(f, 1).unwrap();
    let block = line.repeat(4096);
    for _ in 0..(2500 << 20) / block.len() {
        z.write_all(&block).unwrap();
    }
    z.finish().unwrap();
    let e = capped(
        &dir,
        &[
            "traces",
            "check",
            "--max-memory",
            "256M",
            "endless.jsonl.zst",
        ],
        Duration::from_secs(120),
    );
    e.assert_bounded("endless spans");
    assert_eq!(e.code, 2, "{}", said(&e));
    assert!(said(&e).contains("--max-memory"), "{}", said(&e));
    e.assert_memory(256 << 20, "endless spans");
}

// ---- 2. deep trees ---------------------------------------------------------------------------

/// A parent chain `depth` spans long, one span per JSON line.
fn chain(path: &Path, depth: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 1..=depth {
        let parent = if i == 1 {
            String::new()
        } else {
            format!(r#","parentSpanId":"{:016x}""#, i - 1)
        };
        writeln!(
            out,
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"11111111111111111111111111111111","spanId":"{i:016x}"{parent},"name":"op","startTimeUnixNano":"{i}","endTimeUnixNano":"{}"}}]}}]}}]}}"#,
            2 * depth + 1 - i
        )
        .unwrap();
    }
}

/// `traces tree` of a 100,000-span chain: output linear in the spans, memory far from
/// quadratic in the depth.
#[test]
fn tree_of_a_deep_chain_is_linear() {
    let dir = scratch_dir("deep-tree");
    let depth = 100_000u64;
    chain(&dir.join("chain.jsonl"), depth);
    let e = capped(
        &dir,
        &["traces", "tree", "chain.jsonl"],
        Duration::from_secs(60),
    );
    assert_eq!(e.code, 0, "{}", said(&e));
    assert!(
        e.stdout_bytes < depth * 200,
        "{} bytes of tree for {depth} spans",
        e.stdout_bytes
    );
    assert!(e.stdout.contains("[depth "), "{}", &e.stdout[..2000]);
    e.assert_memory(256 << 20, "deep tree");
}

// ---- 3. control characters -------------------------------------------------------------------

const HOSTILE: &str = r"\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eevil\u007f";

/// Names, services and attribute values with escape sequences, a bidi override, C1 and DEL.
fn hostile_dump(path: &Path) {
    let span = |id: &str, parent: &str| {
        format!(
            r#"{{"traceId":"11111111111111111111111111111111","spanId":"{id}","parentSpanId":"{parent}","name":"{HOSTILE}","kind":1,"startTimeUnixNano":"1000","endTimeUnixNano":"2000","attributes":[{{"key":"{HOSTILE}","value":{{"stringValue":"{HOSTILE}"}}}}]}}"#
        )
    };
    let doc = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{HOSTILE}"}}}}]}},"scopeSpans":[{{"spans":[{},{}]}}]}}]}}"#,
        span("2222222222222222", ""),
        // Its parent is missing: a finding that names the span.
        span("3333333333333333", "4444444444444444"),
    );
    // A second line with a bad kind: a read error that quotes the input.
    let bad = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"11111111111111111111111111111111","spanId":"5555555555555555","kind":"{HOSTILE}"}}]}}]}}]}}"#
    );
    std::fs::write(path, format!("{doc}\n{bad}\n")).unwrap();
}

/// Every control character but the newline (C0, DEL, C1) and the bidi controls.
fn raw_controls(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

#[test]
fn control_characters_never_reach_the_terminal() {
    let dir = scratch_dir("controls");
    hostile_dump(&dir.join("evil.jsonl"));
    for args in [
        &["traces", "check", "evil.jsonl"][..],
        &["traces", "tree", "evil.jsonl"][..],
    ] {
        let e = capped(&dir, args, Duration::from_secs(20));
        assert!(e.code <= 3, "{args:?}: exit {}", e.code);
        assert!(e.stdout.contains("evil"), "{args:?}: {}", e.stdout);
        let out = raw_controls(&e.stdout);
        assert!(out.is_empty(), "{args:?} stdout: {out:?}\n{}", e.stdout);
        let err = raw_controls(&e.stderr);
        assert!(err.is_empty(), "{args:?} stderr: {err:?}\n{}", e.stderr);
        assert!(e.stdout.contains(r"\e]0;pwned"), "{args:?}: {}", e.stdout);
    }
}

// ---- 4. unit overflows -----------------------------------------------------------------------

#[test]
fn zipkin_microseconds_past_u64_nanoseconds_are_an_error() {
    let dir = scratch_dir("zipkin-overflow");
    let span = |field: &str| {
        format!(
            r#"[{{"traceId":"11111111111111111111111111111111","id":"2222222222222222","name":"op","timestamp":1000,"duration":10,{field}}}]"#
        )
    };
    let cases = [
        ("ts", span(r#""timestamp":18446744073709551615"#)),
        ("dur", span(r#""duration":18446744073709551615"#)),
        (
            "end",
            span(r#""timestamp":18446744073709551,"duration":1000"#),
        ),
        (
            "ann",
            span(r#""annotations":[{"timestamp":18446744073709551615,"value":"x"}]"#),
        ),
    ];
    for (name, text) in cases {
        let file = format!("{name}.json");
        std::fs::write(dir.join(&file), text).unwrap();
        let e = capped(&dir, &["traces", "check", &file], Duration::from_secs(20));
        assert_eq!(e.code, 2, "{name}: {}", said(&e));
        assert!(said(&e).contains("nanoseconds"), "{name}: {}", said(&e));
    }
}

#[test]
fn jaeger_microseconds_past_u64_nanoseconds_are_an_error() {
    let dir = scratch_dir("jaeger-overflow");
    let doc = r#"{"data":[{"traceID":"11111111111111111111111111111111","spans":[{"traceID":"11111111111111111111111111111111","spanID":"2222222222222222","operationName":"op","startTime":18446744073709551615,"duration":1}]}]}"#;
    std::fs::write(dir.join("j.json"), doc).unwrap();
    let e = capped(
        &dir,
        &["traces", "check", "j.json"],
        Duration::from_secs(20),
    );
    assert_eq!(e.code, 2, "{}", said(&e));
    assert!(said(&e).contains("nanoseconds"), "{}", said(&e));
}

// ---- 5. protobuf field number 0 --------------------------------------------------------------

#[test]
fn field_number_zero_is_invalid_at_every_level() {
    let dir = scratch_dir("field-zero");
    let good = proto_resource_spans();
    // Field 0 (varint 0) after one good resourceSpans, at the top level and inside it.
    let mut top = good.clone();
    top.extend_from_slice(&[0x00, 0x00]);
    let mut inner_body = ld(2, &ld(2, &[]));
    inner_body.extend_from_slice(&[0x00, 0x00]);
    let mut nested = good.clone();
    nested.extend(ld(1, &inner_body));
    for (name, bytes, at) in [("top.pb", &top, good.len()), ("nested.pb", &nested, 0)] {
        std::fs::write(dir.join(name), bytes).unwrap();
        let e = capped(&dir, &["traces", "check", name], Duration::from_secs(20));
        assert_eq!(e.code, 2, "{name}: {}", said(&e));
        let text = said(&e);
        assert!(text.contains("invalid field number 0"), "{name}: {text}");
        if at > 0 {
            assert!(text.contains(&format!("byte {at}")), "{name}: {text}");
        }
    }
}
