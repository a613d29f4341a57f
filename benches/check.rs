//! Deadlock checks of deadlock-free dining philosophers (butler; one left-handed philosopher),
//! built directly with `lts::ProcBuilder`, with 1 and 2 jobs. Besides criterion's timings it
//! prints, once per configuration, states, states/s and bytes per stored state.
//!
//! `cargo bench --bench check` (criterion); `CSPOT_PHILS=5,6,7,8 cargo bench --bench check --
//! --figures` prints only the figures table for the given sizes.

use criterion::{Criterion, criterion_group};
use cspot::check::models::SysModel;
use cspot::explore::{self, Options};
use cspot::lts::{CompileOptions, Compiler, Phils, ProcBuilder, dining_philosophers};
use std::time::Instant;

fn machine(n: usize, v: Phils) -> cspot::lts::Machine {
    let mut b = ProcBuilder::new();
    let p = dining_philosophers(&mut b, n, v);
    let mut c = Compiler::new(&mut b, CompileOptions::default());
    c.machine(p).expect("compiles")
}

/// One full deadlock check: (states, seconds, bytes of the store, packed words per state).
fn run(n: usize, v: Phils, jobs: usize) -> (u64, f64, u64, usize) {
    let m = machine(n, v);
    let model = SysModel {
        m: &m,
        deadlock: true,
    };
    let opts = Options {
        jobs,
        ..Default::default()
    };
    let t = Instant::now();
    let ex = explore::explore(&model, &opts, &mut |_| {});
    let secs = t.elapsed().as_secs_f64();
    assert!(
        matches!(ex.outcome, explore::Outcome::Complete),
        "{v:?} {n} must be deadlock free"
    );
    (ex.states, secs, ex.memory_bytes, m.words)
}

/// Successor generation alone: every stored state expanded once more, in states/s.
fn expand_rate(n: usize, v: Phils) -> f64 {
    let m = machine(n, v);
    let model = SysModel {
        m: &m,
        deadlock: true,
    };
    let ex = explore::explore(&model, &Options::default(), &mut |_| {});
    let mut out = cspot::explore::Successors::new(m.words);
    let t = Instant::now();
    let mut edges = 0usize;
    for id in 0..ex.states as u32 {
        out.clear();
        let _ = cspot::explore::Model::expand(&model, ex.state(id), &mut out);
        edges += out.len();
    }
    std::hint::black_box(edges);
    ex.states as f64 / t.elapsed().as_secs_f64()
}

fn figures(sizes: &[usize]) {
    println!(
        "{:<12} {:>3} {:>4} {:>12} {:>9} {:>12} {:>8} {:>10}",
        "system", "n", "jobs", "states", "seconds", "states/s", "B/state", "B/state-vec"
    );
    for &v in &[Phils::Butler, Phils::LeftHanded] {
        for &n in sizes {
            for jobs in [1, 2] {
                let (states, secs, bytes, words) = run(n, v, jobs);
                let per = bytes as f64 / states.max(1) as f64;
                println!(
                    "{:<12} {:>3} {:>4} {:>12} {:>9.3} {:>12.0} {:>8.1} {:>10.1}",
                    format!("{v:?}"),
                    n,
                    jobs,
                    states,
                    secs,
                    states as f64 / secs,
                    per,
                    per - 4.0 * words as f64
                );
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("deadlock-phils");
    g.sample_size(10);
    for &v in &[Phils::Butler, Phils::LeftHanded] {
        for n in [5usize, 6] {
            for jobs in [1usize, 2] {
                g.bench_function(format!("{v:?}/{n}/jobs{jobs}"), |b| {
                    b.iter(|| run(n, v, jobs))
                });
            }
        }
    }
    g.finish();
    figures(&[5, 6, 7]);
}

criterion_group!(benches, bench);

fn main() {
    if std::env::args().any(|a| a == "--figures") {
        let sizes: Vec<usize> = std::env::var("CSPOT_PHILS")
            .unwrap_or_else(|_| "5,6,7,8".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
        figures(&sizes);
        for &n in &sizes {
            println!(
                "expand only, LeftHanded {n}: {:.0} states/s",
                expand_rate(n, Phils::LeftHanded)
            );
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
