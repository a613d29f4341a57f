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

/// CPU seconds used by this process so far (user + system, from /proc/self/stat), so that
/// throughput can be read on a machine shared with other work. `None` off Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// One full deadlock check: (states, seconds, bytes of the store, packed words per state,
/// CPU seconds).
fn run(n: usize, v: Phils, jobs: usize) -> (u64, f64, u64, usize, f64) {
    let m = machine(n, v);
    let model = SysModel {
        m: &m,
        deadlock: true,
        prio: None,
    };
    let opts = Options {
        jobs,
        ..Default::default()
    };
    let t = Instant::now();
    let cpu0 = cpu_seconds().unwrap_or(0.0);
    let ex = explore::explore(&model, &opts, &mut |_| {});
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds().unwrap_or(0.0) - cpu0;
    assert!(
        matches!(ex.outcome, explore::Outcome::Complete),
        "{v:?} {n} must be deadlock free"
    );
    (ex.states, secs, ex.memory_bytes, m.words, cpu)
}

/// Successor generation alone, in states/s, best of three passes over every stored state:
/// (the model's `expand` into the engine's successor buffer, the machine's successors with a
/// callback that only reads them).
fn expand_rate(n: usize, v: Phils) -> (f64, f64) {
    let m = machine(n, v);
    let model = SysModel {
        m: &m,
        deadlock: true,
        prio: None,
    };
    let ex = explore::explore(&model, &Options::default(), &mut |_| {});
    let mut out = cspot::explore::Successors::new(m.words);
    let (mut expand, mut bare) = (0f64, 0f64);
    for _ in 0..3 {
        let t = Instant::now();
        let mut edges = 0usize;
        for id in 0..ex.states as u32 {
            out.clear();
            let _ = cspot::explore::Model::expand(&model, ex.state(id), &mut out);
            edges += out.len();
        }
        std::hint::black_box(edges);
        expand = expand.max(ex.states as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut acc = 0u32;
        for id in 0..ex.states as u32 {
            m.successors(ex.state(id), |l, s| acc = acc.wrapping_add(l ^ s[0]));
        }
        std::hint::black_box(acc);
        bare = bare.max(ex.states as f64 / t.elapsed().as_secs_f64());
    }
    (expand, bare)
}

/// Jobs to measure: `CSPOT_JOBS` (e.g. `1,2`), default 1 and 2.
fn jobs_list() -> Vec<usize> {
    std::env::var("CSPOT_JOBS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn figures(sizes: &[usize]) {
    println!(
        "{:<12} {:>3} {:>4} {:>10} {:>8} {:>11} {:>8} {:>13} {:>8} {:>11}",
        "system",
        "n",
        "jobs",
        "states",
        "seconds",
        "states/s",
        "cpu-s",
        "states/cpu-s",
        "B/state",
        "B/st-vector"
    );
    for &v in &[Phils::Butler, Phils::LeftHanded] {
        for &n in sizes {
            for &jobs in &jobs_list() {
                let (states, secs, bytes, words, cpu) = run(n, v, jobs);
                let per = bytes as f64 / states.max(1) as f64;
                println!(
                    "{:<12} {:>3} {:>4} {:>10} {:>8.3} {:>11.0} {:>8.2} {:>13.0} {:>8.1} {:>11.1}",
                    format!("{v:?}"),
                    n,
                    jobs,
                    states,
                    secs,
                    states as f64 / secs,
                    cpu,
                    states as f64 / cpu.max(0.01),
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
            let (expand, bare) = expand_rate(n, Phils::LeftHanded);
            println!(
                "expand only, LeftHanded {n}: {expand:.0} states/s (successors alone: {bare:.0})"
            );
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
