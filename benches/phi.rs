//! Φ: conformance of synthesised checkout traces (about 50 spans each; traces per second are
//! criterion's "elements"), the 30-worker fan-out of the pipeline with and without the
//! partial-order reduction, and Φ⁻¹ alone. Reading the dump is outside the timed part.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cspot::cspm::source::Loader;
use cspot::otlp::write::otlp_json;
use cspot::otlp::{self, Forest, ReadOptions};
use cspot::phi::synth::{SynthOptions, synthesise};
use cspot::phi::{Limits, Model, Outcome, observe};
use std::hint::black_box;
use std::path::Path;

struct Files;

impl Loader for Files {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let p = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) => dir.join(path),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join(path),
        };
        Ok((
            p.display().to_string(),
            std::fs::read_to_string(&p).map_err(|e| e.to_string())?,
        ))
    }
}

fn model(system: &str) -> Model {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(format!("models/phi/{system}.toml"))).unwrap();
    Model::load(&text, &format!("specs/{system}.csp"), &mut Files).unwrap()
}

fn forest(bytes: &[u8]) -> Forest {
    otlp::read("bench", bytes, ReadOptions::default()).forest
}

/// Verifies every trace; all must conform.
fn verify_all(m: &mut Model, f: &Forest, reduce: bool) -> usize {
    let mut v = m.verifier();
    let lim = Limits {
        reduce,
        ..Limits::default()
    };
    for t in &f.traces {
        let tv = v.verify(f, t, lim).unwrap();
        assert!(
            matches!(tv.outcome, Outcome::Conforms(_)),
            "{:?}",
            tv.outcome
        );
    }
    f.traces.len()
}

fn bench(c: &mut Criterion) {
    let mut checkout = model("checkout");
    let spans = {
        let mut v = checkout.verifier();
        synthesise(&mut v, 1, 2_000, &SynthOptions::default()).unwrap()
    };
    let checkout_forest = forest(
        serde_json::to_string(&otlp_json(&spans, "bench"))
            .unwrap()
            .as_bytes(),
    );
    let per_trace = checkout_forest.spans.len() as f64 / checkout_forest.traces.len() as f64;
    eprintln!(
        "checkout: {} traces, {per_trace:.1} spans per trace",
        checkout_forest.traces.len()
    );
    let mut g = c.benchmark_group("phi");
    g.sample_size(10);
    g.throughput(Throughput::Elements(checkout_forest.traces.len() as u64));
    g.bench_function("verify checkout traces", |b| {
        b.iter(|| black_box(verify_all(&mut checkout, &checkout_forest, true)))
    });
    g.bench_function("observe checkout traces", |b| {
        b.iter(|| {
            let mut n = 0;
            for t in &checkout_forest.traces {
                n += observe::observe(&checkout.map, &checkout_forest, t).node_count();
            }
            black_box(n)
        })
    });
    let fan = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/phi/pipeline/captured-ok-30.json"),
    )
    .unwrap();
    let fan_forest = forest(&fan);
    let mut pipeline = model("pipeline");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify 30-worker fan-out", |b| {
        b.iter(|| black_box(verify_all(&mut pipeline, &fan_forest, true)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
