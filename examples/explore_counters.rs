//! Explores a synthetic model of four counters (`n^4` states) and prints states/s: a quick
//! probe of the engine's own cost. `cargo run --release --example explore_counters -- 40 2`
use cspot::explore::{self, Model, Options, Successors};

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
            let mut t = [s[0], s[1]];
            t[word] = (t[word] & !(0xffff << shift)) | (((v + 1) % self.n) << shift);
            out.push(i as u8, &t);
        }
        None
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n = args.next().and_then(|a| a.parse().ok()).unwrap_or(40);
    let jobs = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let m = Counters { n };
    let e = explore::explore(
        &m,
        &Options {
            jobs,
            ..Default::default()
        },
        &mut |_| {},
    );
    println!(
        "{} states, {} transitions, {:.3}s, {:.2}M states/s, {:.1} bytes/state beyond the vector",
        e.states,
        e.transitions,
        e.seconds,
        e.states as f64 / e.seconds / 1e6,
        e.overhead_bytes as f64 / e.states as f64
    );
}
