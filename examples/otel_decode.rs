//! The peer of the comparison: decodes a JSON Lines dump with the `opentelemetry-proto` crate's
//! serde support (`ExportTraceServiceRequest` per line) and nothing else: no assembly, no
//! checks. Prints spans, seconds and spans/s. Used by `scripts/compare-otlp.sh`.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use std::io::BufRead;
use std::time::Instant;

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: otel_decode DUMP.jsonl");
        std::process::exit(2);
    };
    let file = std::fs::File::open(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(2)
    });
    let started = Instant::now();
    let mut r = std::io::BufReader::with_capacity(1 << 16, file);
    let mut line = Vec::new();
    let mut spans = 0usize;
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) if line.iter().all(u8::is_ascii_whitespace) => continue,
            Ok(_) => {}
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        }
        match serde_json::from_slice::<ExportTraceServiceRequest>(&line) {
            Ok(req) => {
                spans += req
                    .resource_spans
                    .iter()
                    .flat_map(|rs| &rs.scope_spans)
                    .map(|ss| ss.spans.len())
                    .sum::<usize>();
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                std::process::exit(2);
            }
        }
    }
    let s = started.elapsed().as_secs_f64();
    println!("{spans} spans in {s:.3}s ({:.0} spans/s)", spans as f64 / s);
}
