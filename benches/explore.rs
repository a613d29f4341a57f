//! The engine alone, on a synthetic model whose expansion is nearly free: the ceiling on
//! states/s that any model (CSP machine, BatchSpanProcessor) can reach, for 1 and 2 jobs.
//!
//! `cargo bench --bench explore`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cspot::explore::{self, Model, Options, Successors};

/// Four counters in `0..n` packed into two words; each step increments one counter.
struct Counters {
    n: u32,
}

impl Model for Counters {
    type Label = u8;
    type Violation = ();
    fn state_words(&self) -> usize {
        2
    }
    fn initial(&self, out: &mut Successors<u8>) {
        out.push(0, &[0, 0]);
    }
    fn expand(&self, s: &[u32], out: &mut Successors<u8>) -> Option<()> {
        for i in 0..4u32 {
            let word = (i / 2) as usize;
            let shift = 16 * (i % 2);
            let v = (s[word] >> shift) & 0xffff;
            let v2 = (v + 1) % self.n;
            let mut t = [s[0], s[1]];
            t[word] = (t[word] & !(0xffff << shift)) | (v2 << shift);
            out.push(i as u8, &t);
        }
        None
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("explore/counters");
    g.sample_size(10);
    let m = Counters { n: 40 };
    let states = 40u64.pow(4);
    g.throughput(Throughput::Elements(states));
    for jobs in [1, 2] {
        g.bench_with_input(BenchmarkId::new("jobs", jobs), &jobs, |b, &jobs| {
            b.iter(|| {
                let e = explore::explore(
                    &m,
                    &Options {
                        jobs,
                        ..Default::default()
                    },
                    &mut |_| {},
                );
                assert_eq!(e.states, states);
                e.states
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
