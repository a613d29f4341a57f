//! The BatchSpanProcessor explorer: the exhaustive check of the spec on the two comparison
//! configurations (plain and with symmetry reduction, 1 and 2 jobs), and the first
//! counterexample of each bug variant. Reports states/s through criterion's throughput.
//!
//! `cargo bench --bench bsp`; the side-by-side figures with SPIN come from
//! `scripts/compare-spin-bsp.sh`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cspot::bsp::{self, Config, Property, PropertySet, Search, Variant, When};
use cspot::explore::Options;

fn config(producers: u8, spans: u8) -> Config {
    Config {
        producers,
        spans,
        queue: 4,
        batch: 2,
        export_failures: true,
        export_timeouts: true,
        exporter_retries: true,
        force_flush: When::After(0),
        shutdown: When::After(0),
    }
}

fn exhaustive(c: &mut Criterion) {
    let mut g = c.benchmark_group("bsp/spec");
    g.sample_size(10);
    for (p, s) in [(2, 3), (3, 2)] {
        let cfg = config(p, s);
        for symmetry in [false, true] {
            let search = Search {
                symmetry,
                ..Search::default()
            };
            let states = bsp::check_variant_with(
                &cfg,
                Variant::Spec,
                PropertySet::all(),
                search,
                &Options::default(),
                &mut |_| {},
            )[0]
            .stats
            .states;
            g.throughput(Throughput::Elements(states));
            for jobs in [1, 2] {
                let name = format!("{p}x{s}{}", if symmetry { "-sym" } else { "" });
                g.bench_with_input(BenchmarkId::new(name, jobs), &jobs, |b, &jobs| {
                    let opts = Options {
                        jobs,
                        ..Options::default()
                    };
                    b.iter(|| {
                        bsp::check_variant_with(
                            &cfg,
                            Variant::Spec,
                            PropertySet::all(),
                            search,
                            &opts,
                            &mut |_| {},
                        )
                    })
                });
            }
        }
    }
    g.finish();
}

fn first_counterexample(c: &mut Criterion) {
    let mut g = c.benchmark_group("bsp/first-counterexample");
    g.sample_size(10);
    let cfg = config(2, 3);
    for v in Variant::ALL.into_iter().filter(|v| *v != Variant::Spec) {
        let p: Property = v.expected().expect("a bug variant breaks a property");
        g.bench_function(v.name(), |b| {
            b.iter(|| {
                bsp::check_variant(
                    &cfg,
                    v,
                    PropertySet::only(p),
                    &Options::default(),
                    &mut |_| {},
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, exhaustive, first_counterexample);
criterion_main!(benches);
