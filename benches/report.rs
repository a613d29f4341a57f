//! The HTML report at scale: 10,000 traces, 100 of them violated with 50-span timelines, the
//! rest holding. Prints the file's size once; criterion measures the rendering time.
//!
//! `cargo bench --bench report`.

use criterion::{Criterion, criterion_group, criterion_main};
use cspot::report::{self, Format, RenderOptions};

#[path = "support/report_synth.rs"]
mod report_synth;

fn html(c: &mut Criterion) {
    let report = report_synth::many_traces(10_000, 100, 50);
    let opts = RenderOptions::default();
    let page = report::render(&report, Format::Html, opts);
    println!(
        "report/html: 10000 traces (100 violated, 50 spans each): {} bytes ({:.2} MB)",
        page.len(),
        page.len() as f64 / 1e6
    );
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("html/10k-traces", |b| {
        b.iter(|| report::render(&report, Format::Html, opts).len())
    });
    g.bench_function("json/10k-traces", |b| {
        b.iter(|| report::render(&report, Format::Json, opts).len())
    });
    g.finish();
}

criterion_group!(benches, html);
criterion_main!(benches);
