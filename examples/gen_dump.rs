//! Writes synthetic OTLP dumps, for benchmarks and for the binary fixtures of the test suite.
//!
//! ```sh
//! cargo run --release --example gen_dump -- synth jsonl 1000000 /tmp/dump.jsonl
//! cargo run --release --example gen_dump -- synth pb 1000000 /tmp/dump.pb
//! cargo run --example gen_dump -- fixtures fixtures/otlp
//! ```
//! Internal tool: `cspot traces synth` (from Φ model executions) is a different, later command.

#[path = "../benches/support/otlp_synth.rs"]
mod synth;

use cspot::otlp::proto::{self, KeyValue};
use prost::Message;
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("synth") if args.len() == 4 => synth_dump(&args[1], &args[2], &args[3]),
        Some("fixtures") if args.len() == 2 => fixtures(&args[1]),
        _ => Err("usage: gen_dump synth jsonl|pb|json SPANS OUT | gen_dump fixtures DIR".into()),
    };
    if let Err(e) = result {
        eprintln!("gen_dump: {e}");
        std::process::exit(2);
    }
}

fn synth_dump(format: &str, n: &str, out: &str) -> Result<(), String> {
    let n: usize = n
        .parse()
        .map_err(|_| format!("`{n}` is not a span count"))?;
    let f = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    let mut err = None;
    let mut spans = 0;
    let mut text = String::new();
    let mut first = true;
    if format == "json" {
        let _ = w.write_all(b"{\"resourceSpans\":[\n");
    }
    synth::generate(n, 42, 200, |b| {
        spans += b.len();
        let r = match format {
            "jsonl" => {
                text.clear();
                synth::jsonl_record(b, &mut text);
                text.push('\n');
                w.write_all(text.as_bytes())
            }
            "json" => {
                // One document: the batches' resourceSpans concatenated into one list.
                text.clear();
                synth::jsonl_record(b, &mut text);
                let inner = &text["{\"resourceSpans\":[".len()..text.len() - 2];
                let sep = if first { "" } else { ",\n" };
                first = false;
                w.write_all(sep.as_bytes())
                    .and_then(|_| w.write_all(inner.as_bytes()))
            }
            _ => {
                let msg = synth::proto_message(b).encode_to_vec();
                w.write_all(&(msg.len() as u32).to_be_bytes())
                    .and_then(|_| w.write_all(&msg))
            }
        };
        if let Err(e) = r {
            err.get_or_insert(e);
        }
    });
    if format == "json" {
        let _ = w.write_all(b"\n]}\n");
    }
    if let Some(e) = err {
        return Err(e.to_string());
    }
    w.flush().map_err(|e| e.to_string())?;
    eprintln!("{spans} spans written to {out}");
    Ok(())
}

// ---- binary fixtures ------------------------------------------------------------------------

const T1: [u8; 16] = [
    0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
];
const T2: [u8; 16] = [
    0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c,
];

fn sid(n: u8) -> Vec<u8> {
    vec![0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, n]
}

struct S {
    trace: Vec<u8>,
    id: Vec<u8>,
    parent: Vec<u8>,
    name: &'static str,
    kind: i32,
    start: u64,
    end: u64,
    flags: u32,
}

fn span(s: S) -> proto::Span {
    proto::Span {
        trace_id: s.trace,
        span_id: s.id,
        parent_span_id: s.parent,
        name: s.name.into(),
        kind: s.kind,
        start_time_unix_nano: s.start,
        end_time_unix_nano: s.end,
        flags: s.flags,
        attributes: vec![KeyValue::string("fixture", "yes")],
        ..Default::default()
    }
}

fn rs(service: &str, spans: Vec<proto::Span>) -> proto::ResourceSpans {
    proto::ResourceSpans {
        resource: Some(proto::Resource {
            attributes: vec![KeyValue::string("service.name", service)],
            dropped_attributes_count: 0,
        }),
        scope_spans: vec![proto::ScopeSpans {
            scope: Some(proto::InstrumentationScope {
                name: "fixtures".into(),
                version: "1".into(),
                attributes: vec![],
            }),
            spans,
            schema_url: String::new(),
        }],
        schema_url: String::new(),
    }
}

const T0: u64 = 1_700_000_000_000_000_000;
const MS: u64 = 1_000_000;

/// A well-formed two-service trace (T1) and a one-span trace (T2), as two messages.
fn good_messages() -> Vec<proto::TracesData> {
    vec![
        proto::TracesData {
            resource_spans: vec![rs(
                "frontend",
                vec![
                    span(S {
                        trace: T1.to_vec(),
                        id: sid(1),
                        parent: vec![],
                        name: "GET /checkout",
                        kind: 2,
                        start: T0,
                        end: T0 + 100 * MS,
                        flags: 0x101,
                    }),
                    span(S {
                        trace: T1.to_vec(),
                        id: sid(2),
                        parent: sid(1),
                        name: "POST /pay",
                        kind: 3,
                        start: T0 + 10 * MS,
                        end: T0 + 90 * MS,
                        flags: 0x101,
                    }),
                ],
            )],
        },
        proto::TracesData {
            resource_spans: vec![
                rs(
                    "payment",
                    vec![span(S {
                        trace: T1.to_vec(),
                        id: sid(3),
                        parent: sid(2),
                        name: "POST /pay",
                        kind: 2,
                        start: T0 + 11 * MS,
                        end: T0 + 89 * MS,
                        flags: 0x301,
                    })],
                ),
                rs(
                    "cron",
                    vec![span(S {
                        trace: T2.to_vec(),
                        id: sid(9),
                        parent: vec![],
                        name: "nightly",
                        kind: 1,
                        start: T0,
                        end: T0 + 5 * MS,
                        flags: 0,
                    })],
                ),
            ],
        },
    ]
}

fn stream(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        proto::write_length_prefixed(&mut out, m);
    }
    out
}

fn zstd(b: &[u8]) -> Vec<u8> {
    zstd::encode_all(b, 3).unwrap_or_default()
}

fn fixtures(dir: &str) -> Result<(), String> {
    let write = |name: &str, bytes: &[u8]| -> Result<(), String> {
        let path = format!("{dir}/{name}");
        std::fs::write(&path, bytes).map_err(|e| format!("{path}: {e}"))
    };
    let good = good_messages();
    let encoded: Vec<Vec<u8>> = good.iter().map(|m| m.encode_to_vec()).collect();
    // One TracesData holding everything.
    let mut all = proto::TracesData::default();
    for m in &good {
        all.resource_spans.extend(m.resource_spans.iter().cloned());
    }
    write("pb-single-message.pb", &all.encode_to_vec())?;
    write("pb-stream.pb", &stream(&encoded))?;
    let compressed: Vec<Vec<u8>> = encoded.iter().map(|m| zstd(m)).collect();
    write("pb-stream-zstd-per-message.pb", &stream(&compressed))?;
    write("pb-stream-whole-file.pb.zst", &zstd(&stream(&encoded)))?;
    write(
        "pb-single-message-whole-file.pb.zst",
        &zstd(&all.encode_to_vec()),
    )?;

    // The file exporter's JSON with compression: length-prefixed zstd JSON messages.
    let json_msgs = [
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"1020304050607001","name":"GET /checkout","kind":2,"startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000100000000"}]}]}]}"#,
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"frontend"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"1020304050607002","parentSpanId":"1020304050607009","name":"lost child","kind":1,"startTimeUnixNano":"1700000000010000000","endTimeUnixNano":"1700000000020000000"}]}]}]}"#,
    ];
    let jm: Vec<Vec<u8>> = json_msgs.iter().map(|m| zstd(m.as_bytes())).collect();
    write("json-stream-zstd-orphan.bin", &stream(&jm))?;
    let jsonl = format!("{}\n{}\n", json_msgs[0], json_msgs[1]);
    write("jsonl-whole-file-orphan.jsonl.zst", &zstd(jsonl.as_bytes()))?;

    // Bad ids in protobuf: a 7-byte span id, an all-zero trace id, a 4-byte parent id and a link
    // with a 3-byte span id.
    let mut bad = good_messages().remove(0);
    let spans = &mut bad.resource_spans[0].scope_spans[0].spans;
    spans[1].span_id = vec![1, 2, 3, 4, 5, 6, 7];
    spans.push(span(S {
        trace: vec![0; 16],
        id: sid(5),
        parent: vec![],
        name: "zero trace",
        kind: 1,
        start: T0,
        end: T0 + MS,
        flags: 0,
    }));
    spans.push(span(S {
        trace: T1.to_vec(),
        id: sid(6),
        parent: vec![9, 9, 9, 9],
        name: "short parent",
        kind: 1,
        start: T0 + MS,
        end: T0 + 2 * MS,
        flags: 0,
    }));
    spans[0].links.push(proto::Link {
        trace_id: T2.to_vec(),
        span_id: vec![1, 2, 3],
        ..Default::default()
    });
    write("pb-invalid-ids.pb", &stream(&[bad.encode_to_vec()]))?;

    // A stream cut in the middle of its second message: the first is still read.
    let mut cut = stream(&encoded);
    let keep = cut.len() - 7;
    cut.truncate(keep);
    write("pb-stream-truncated.pb", &cut)?;

    // A message whose span has a field of the wrong wire type (name as a varint).
    let mut bytes = encoded[0].clone();
    // Append an extra ResourceSpans with a span whose field 5 (name) is a varint.
    let broken_span = [0x28u8, 0x01]; // field 5, wire type 0, value 1
    let mut ss = vec![0x12, broken_span.len() as u8];
    ss.extend_from_slice(&broken_span);
    let mut rsb = vec![0x12, ss.len() as u8];
    rsb.extend_from_slice(&ss);
    bytes.push(0x0a);
    bytes.push(rsb.len() as u8);
    bytes.extend_from_slice(&rsb);
    write(
        "pb-wrong-wire-type.pb",
        &stream(&[bytes, encoded[1].clone()]),
    )?;
    Ok(())
}
