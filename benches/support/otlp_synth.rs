//! A small generator of well-formed synthetic dumps, shared by `examples/gen_dump.rs` and
//! `benches/otlp.rs` (through `#[path]`). Deterministic for a seed: splitmix64, no crate.
//!
//! Each trace has 4–16 spans over four services: a SERVER root, INTERNAL and CLIENT children,
//! and under every CLIENT one SERVER span of another service with the W3C is-remote bits set.
//! Every span has three attributes; one in four has an event. Spans of a batch are grouped by
//! service into `resourceSpans`, as the Collector's file exporter writes them.

#![allow(dead_code)]

use cspot::otlp::proto;
use std::fmt::Write as _;

pub const SERVICES: [&str; 4] = ["frontend", "cart", "payment", "shipping"];
const ROUTES: [&str; 6] = [
    "/checkout",
    "/cart/items",
    "/pay",
    "/ship",
    "/users/{id}",
    "/health",
];
const METHODS: [&str; 3] = ["GET", "POST", "PUT"];

/// The seedable generator of Φ's synthesis (the same splitmix64 this file used to carry).
pub use cspot::phi::synth::Rng;

#[derive(Clone, Debug)]
pub struct SynSpan {
    pub trace: [u8; 16],
    pub id: [u8; 8],
    pub parent: Option<[u8; 8]>,
    pub name: String,
    pub kind: i32,
    pub start: u64,
    pub end: u64,
    pub service: usize,
    pub flags: u32,
    pub method: &'static str,
    pub route: &'static str,
    pub status: i64,
    pub event: Option<u64>,
}

/// Generates traces until at least `n` spans exist, calling `emit` with batches of about
/// `batch` spans (whole traces, so a batch ends where a trace ends).
pub fn generate(n: usize, seed: u64, batch: usize, mut emit: impl FnMut(&[SynSpan])) {
    let mut rng = Rng::new(seed);
    let mut out: Vec<SynSpan> = Vec::with_capacity(batch + 32);
    let mut made = 0;
    let mut t = 0u64;
    let mut clock = 1_700_000_000_000_000_000u64;
    while made < n {
        t += 1;
        let size = 4 + rng.below(13) as usize;
        let before = out.len();
        trace(&mut rng, t, size, clock, &mut out);
        made += out.len() - before;
        clock += 1_000_000 + rng.below(5_000_000);
        if out.len() >= batch {
            emit(&out);
            out.clear();
        }
    }
    if !out.is_empty() {
        emit(&out);
    }
}

fn trace(rng: &mut Rng, t: u64, size: usize, start: u64, out: &mut Vec<SynSpan>) {
    let mut tid = [0u8; 16];
    tid[..8].copy_from_slice(&t.to_be_bytes());
    tid[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
    tid[0] |= 0x80;
    let base = out.len();
    let dur = 10_000_000 + rng.below(100_000_000);
    let root = SynSpan {
        trace: tid,
        id: span_id(rng),
        parent: None,
        name: format!("GET {}", ROUTES[0]),
        kind: 2,
        start,
        end: start + dur,
        service: 0,
        flags: 0x101,
        method: "GET",
        route: ROUTES[0],
        status: 200,
        event: None,
    };
    out.push(root);
    while out.len() - base < size {
        let pi = base + rng.below((out.len() - base) as u64) as usize;
        let p = out[pi].clone();
        if p.kind == 3 {
            continue; // a CLIENT has exactly its one SERVER child, made with it
        }
        let len = p.end - p.start;
        let s = p.start + rng.below(len / 2 + 1);
        let e = s + 1 + rng.below((p.end - s).max(2) - 1);
        let route = ROUTES[rng.below(ROUTES.len() as u64) as usize];
        let method = METHODS[rng.below(3) as usize];
        let event = (rng.below(4) == 0).then(|| s + (e - s) / 2);
        let client = rng.below(2) == 0 && out.len() - base + 2 <= size;
        let id = span_id(rng);
        out.push(SynSpan {
            trace: tid,
            id,
            parent: Some(p.id),
            name: if client {
                format!("{method} {route}")
            } else {
                format!("work {}", route.trim_start_matches('/'))
            },
            kind: if client { 3 } else { 1 },
            start: s,
            end: e,
            service: p.service,
            flags: 0x101,
            method,
            route,
            status: 200,
            event,
        });
        if client {
            let svc = (p.service + 1 + rng.below(3) as usize) % SERVICES.len();
            let ss = s + (e - s) / 10;
            let se = e - (e - s) / 10;
            out.push(SynSpan {
                trace: tid,
                id: span_id(rng),
                parent: Some(id),
                name: format!("{method} {route}"),
                kind: 2,
                start: ss,
                end: se.max(ss + 1),
                service: svc,
                flags: 0x301,
                method,
                route,
                status: if rng.below(20) == 0 { 500 } else { 200 },
                event: None,
            });
        }
    }
}

fn span_id(rng: &mut Rng) -> [u8; 8] {
    let mut id = rng.next_u64().to_be_bytes();
    id[0] |= 0x01;
    id
}

fn hex(b: &[u8], out: &mut String) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for &x in b {
        out.push(H[(x >> 4) as usize] as char);
        out.push(H[(x & 15) as usize] as char);
    }
}

/// One JSON Lines record (an `ExportTraceServiceRequest`) for a batch, without the newline.
pub fn jsonl_record(batch: &[SynSpan], out: &mut String) {
    out.push_str("{\"resourceSpans\":[");
    let mut first_rs = true;
    for (svc, name) in SERVICES.iter().enumerate() {
        if !batch.iter().any(|s| s.service == svc) {
            continue;
        }
        if !first_rs {
            out.push(',');
        }
        first_rs = false;
        let _ = write!(
            out,
            "{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":\"{name}\"}}}},{{\"key\":\"host.name\",\"value\":{{\"stringValue\":\"{name}-1\"}}}}]}},\"scopeSpans\":[{{\"scope\":{{\"name\":\"synth\",\"version\":\"1.0\"}},\"spans\":["
        );
        let mut first = true;
        for s in batch.iter().filter(|s| s.service == svc) {
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str("{\"traceId\":\"");
            hex(&s.trace, out);
            out.push_str("\",\"spanId\":\"");
            hex(&s.id, out);
            out.push('"');
            if let Some(p) = s.parent {
                out.push_str(",\"parentSpanId\":\"");
                hex(&p, out);
                out.push('"');
            }
            let _ = write!(
                out,
                ",\"flags\":{},\"name\":\"{}\",\"kind\":{},\"startTimeUnixNano\":\"{}\",\"endTimeUnixNano\":\"{}\",\"attributes\":[{{\"key\":\"http.method\",\"value\":{{\"stringValue\":\"{}\"}}}},{{\"key\":\"http.route\",\"value\":{{\"stringValue\":\"{}\"}}}},{{\"key\":\"http.status_code\",\"value\":{{\"intValue\":\"{}\"}}}}]",
                s.flags, s.name, s.kind, s.start, s.end, s.method, s.route, s.status
            );
            if let Some(t) = s.event {
                let _ = write!(
                    out,
                    ",\"events\":[{{\"timeUnixNano\":\"{t}\",\"name\":\"checkpoint\",\"attributes\":[{{\"key\":\"step\",\"value\":{{\"intValue\":\"1\"}}}}]}}]"
                );
            }
            out.push_str(",\"status\":{}}");
        }
        out.push_str("]}]}");
    }
    out.push_str("]}");
}

/// The same batch as a prost `TracesData`.
pub fn proto_message(batch: &[SynSpan]) -> proto::TracesData {
    let mut rs = Vec::new();
    for (svc, name) in SERVICES.iter().enumerate() {
        let spans: Vec<proto::Span> = batch
            .iter()
            .filter(|s| s.service == svc)
            .map(|s| proto::Span {
                trace_id: s.trace.to_vec(),
                span_id: s.id.to_vec(),
                parent_span_id: s.parent.map(|p| p.to_vec()).unwrap_or_default(),
                flags: s.flags,
                name: s.name.clone(),
                kind: s.kind,
                start_time_unix_nano: s.start,
                end_time_unix_nano: s.end,
                attributes: vec![
                    proto::KeyValue::string("http.method", s.method),
                    proto::KeyValue::string("http.route", s.route),
                    proto::KeyValue::int("http.status_code", s.status),
                ],
                events: s
                    .event
                    .map(|t| proto::Event {
                        time_unix_nano: t,
                        name: "checkpoint".into(),
                        attributes: vec![proto::KeyValue::int("step", 1)],
                    })
                    .into_iter()
                    .collect(),
                status: Some(proto::Status::default()),
                ..Default::default()
            })
            .collect();
        if spans.is_empty() {
            continue;
        }
        rs.push(proto::ResourceSpans {
            resource: Some(proto::Resource {
                attributes: vec![
                    proto::KeyValue::string("service.name", name),
                    proto::KeyValue::string("host.name", &format!("{name}-1")),
                ],
                dropped_attributes_count: 0,
            }),
            scope_spans: vec![proto::ScopeSpans {
                scope: Some(proto::InstrumentationScope {
                    name: "synth".into(),
                    version: "1.0".into(),
                    attributes: vec![],
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        });
    }
    proto::TracesData { resource_spans: rs }
}

/// A whole JSON Lines dump of at least `n` spans, in memory.
pub fn jsonl_dump(n: usize, seed: u64) -> Vec<u8> {
    let mut text = String::new();
    generate(n, seed, 200, |b| {
        jsonl_record(b, &mut text);
        text.push('\n');
    });
    text.into_bytes()
}

/// A whole length-prefixed protobuf dump of at least `n` spans, in memory.
pub fn proto_stream_dump(n: usize, seed: u64) -> Vec<u8> {
    use prost::Message;
    let mut out = Vec::new();
    generate(n, seed, 200, |b| {
        proto::write_length_prefixed(&mut out, &proto_message(b).encode_to_vec());
    });
    out
}
