//! Captured traces: read + assemble + check throughput on a synthetic dump (JSON Lines and the
//! length-prefixed protobuf stream), beside the `opentelemetry-proto` crate's serde decoding of
//! the same JSON alone. Spans per second are criterion's "elements".

#[path = "support/otlp_synth.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cspot::otlp::{self, ReadOptions, rules};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::hint::black_box;

const SPANS: usize = 100_000;

fn check(bytes: &[u8]) -> usize {
    let dump = otlp::read("bench", bytes, ReadOptions::default());
    let results = rules::check(&dump.forest, &rules::RuleConfig::all());
    assert!(results.iter().all(|t| t.findings.is_empty()));
    dump.forest.spans.len()
}

fn bench(c: &mut Criterion) {
    let jsonl = synth::jsonl_dump(SPANS, 7);
    let pb = synth::proto_stream_dump(SPANS, 7);
    let n = check(&jsonl);
    assert_eq!(n, check(&pb));
    let mut g = c.benchmark_group("otlp");
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.bench_function("check jsonl", |b| b.iter(|| black_box(check(&jsonl))));
    g.bench_function("check protobuf stream", |b| {
        b.iter(|| black_box(check(&pb)))
    });
    g.bench_function("opentelemetry-proto serde decode jsonl", |b| {
        b.iter(|| {
            let mut spans = 0;
            for line in jsonl.split(|&c| c == b'\n').filter(|l| !l.is_empty()) {
                let req: ExportTraceServiceRequest = serde_json::from_slice(line).unwrap();
                spans += req
                    .resource_spans
                    .iter()
                    .flat_map(|r| &r.scope_spans)
                    .map(|s| s.spans.len())
                    .sum::<usize>();
            }
            black_box(spans)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
