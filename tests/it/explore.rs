//! The engine on synthetic models: exact state counts, shortest paths, bounds, and identical
//! results whatever the number of jobs.

use cspot::explore::{self, Bound, Exploration, Model, Options, Outcome, Successors};

/// `k` counters, each in `0..n`; a step increments one counter modulo `n`. Exactly `n^k` states
/// and `k * n^k` transitions; violated at `target` when given.
struct Counters {
    k: usize,
    n: u32,
    target: Option<Vec<u32>>,
}

impl Model for Counters {
    type Label = u32;
    type Violation = ();
    fn state_words(&self) -> usize {
        self.k
    }
    fn initial(&self, out: &mut Successors<u32>) {
        out.push(0, &vec![0; self.k]);
    }
    fn expand(&self, s: &[u32], out: &mut Successors<u32>) -> Option<()> {
        if self.target.as_deref() == Some(s) {
            return Some(());
        }
        let mut t = s.to_vec();
        for i in 0..self.k {
            t[i] = (s[i] + 1) % self.n;
            out.push(i as u32, &t);
            t[i] = s[i];
        }
        None
    }
}

/// A pseudo-random graph: state `x` in `0..size` has 0 (one in 16) or 1 to 4 successors picked by a hash of `x`,
/// so levels are ragged and duplicates frequent, within and across slices.
struct Random {
    size: u32,
    bad: Option<u32>,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 31;
    x = x.wrapping_mul(0x7fb5_d329_728e_a185);
    x ^= x >> 27;
    x = x.wrapping_mul(0x81da_def4_bc2d_d44d);
    x ^ (x >> 33)
}

impl Model for Random {
    type Label = u8;
    type Violation = u32;
    fn state_words(&self) -> usize {
        2
    }
    fn initial(&self, out: &mut Successors<u8>) {
        out.push(0, &[0, 7]);
        out.push(0, &[1, 7]);
        out.push(0, &[0, 7]);
    }
    fn expand(&self, s: &[u32], out: &mut Successors<u8>) -> Option<u32> {
        if Some(s[0]) == self.bad {
            return Some(s[0]);
        }
        let h = mix(s[0] as u64);
        let fanout = if h.is_multiple_of(16) {
            0
        } else {
            1 + (h >> 8) % 4
        } as u8;
        for i in 0..fanout {
            let t = (mix(h ^ i as u64) % self.size as u64) as u32;
            out.push(i, &[t, 7]);
        }
        None
    }
}

fn run<M: Model>(
    m: &M,
    jobs: usize,
    max_states: Option<u64>,
) -> Exploration<M::Label, M::Violation> {
    let opts = Options {
        jobs,
        max_states,
        ..Default::default()
    };
    explore::explore(m, &opts, &mut |_| {})
}

#[test]
fn counters_have_exactly_n_to_the_k_states() {
    let m = Counters {
        k: 3,
        n: 50,
        target: None,
    };
    for jobs in [1, 2, 4] {
        let e = run(&m, jobs, None);
        assert!(matches!(e.outcome, Outcome::Complete));
        assert_eq!(e.states, 125_000, "jobs {jobs}");
        assert_eq!(e.transitions, 3 * 125_000, "jobs {jobs}");
        // The farthest state (49, 49, 49) is 147 increments away.
        assert_eq!(e.depth, 147, "jobs {jobs}");
    }
}

#[test]
fn violation_path_is_shortest_and_rebuilt_with_labels() {
    let m = Counters {
        k: 3,
        n: 40,
        target: Some(vec![30, 5, 12]),
    };
    for jobs in [1, 2] {
        let e = run(&m, jobs, None);
        let Outcome::Violation { state, .. } = e.outcome else {
            panic!("expected a violation with {jobs} jobs");
        };
        assert_eq!(e.state(state), &[30, 5, 12]);
        let (init, steps) = e.path(&m, state);
        assert_eq!(init, vec![0, 0, 0]);
        assert_eq!(steps.len(), 30 + 5 + 12);
        let mut s = init;
        for (label, next) in &steps {
            s[*label as usize] += 1;
            assert_eq!(&s, next);
        }
    }
}

#[test]
fn results_do_not_depend_on_jobs() {
    let m = Random {
        size: 300_000,
        bad: None,
    };
    let one = run(&m, 1, None);
    assert!(
        one.states > 100_000,
        "the graph should be large: {}",
        one.states
    );
    for jobs in [2, 3, 8] {
        let par = run(&m, jobs, None);
        assert_eq!(par.states, one.states);
        assert_eq!(par.transitions, one.transitions);
        assert_eq!(par.depth, one.depth);
        for id in (0..one.states as u32).step_by(97) {
            assert_eq!(par.state(id), one.state(id), "state {id} with {jobs} jobs");
            assert_eq!(par.parent(id), one.parent(id));
        }
    }
}

#[test]
fn the_first_violation_in_bfs_order_wins_whatever_the_jobs() {
    // Pick a state deep in the graph as the bad one.
    let m = Random {
        size: 300_000,
        bad: None,
    };
    let full = run(&m, 1, None);
    let bad = full.state((full.states - 1) as u32)[0];
    let m = Random {
        size: 300_000,
        bad: Some(bad),
    };
    let one = run(&m, 1, None);
    let Outcome::Violation { state, violation } = one.outcome else {
        panic!("expected a violation");
    };
    assert_eq!(violation, bad);
    for jobs in [2, 4] {
        let par = run(&m, jobs, None);
        let Outcome::Violation {
            state: s2,
            violation: v2,
        } = par.outcome
        else {
            panic!("expected a violation with {jobs} jobs");
        };
        assert_eq!((s2, v2), (state, violation));
        assert_eq!(par.states, one.states);
        assert_eq!(par.transitions, one.transitions);
        assert_eq!(par.path(&m, s2).1.len(), one.path(&m, state).1.len());
    }
}

#[test]
fn state_bound_stops_at_exactly_the_bound() {
    let m = Random {
        size: 300_000,
        bad: None,
    };
    let one = run(&m, 1, Some(50_000));
    assert!(matches!(
        one.outcome,
        Outcome::Bounded(Bound::States(50_000))
    ));
    assert_eq!(one.states, 50_000);
    let par = run(&m, 2, Some(50_000));
    assert!(matches!(
        par.outcome,
        Outcome::Bounded(Bound::States(50_000))
    ));
    assert_eq!(par.states, 50_000);
    assert_eq!(par.transitions, one.transitions);
    // Candidates past the bound leave no trace in the index: every stored state is found
    // under its own id.
    for id in 0..50_000u32 {
        assert_eq!(par.lookup(par.state(id)), Some(id));
    }
}

#[test]
fn lookup_finds_every_stored_state_and_nothing_else() {
    let m = Counters {
        k: 2,
        n: 30,
        target: None,
    };
    let e = run(&m, 2, None);
    for id in 0..e.states as u32 {
        assert_eq!(e.lookup(e.state(id)), Some(id));
    }
    assert_eq!(e.lookup(&[30, 0]), None);
    assert_eq!(e.lookup(&[1]), None);
}

#[test]
fn memory_per_state_beyond_the_vector_stays_under_16_bytes() {
    let m = Counters {
        k: 4,
        n: 30,
        target: None,
    };
    let e = run(&m, 1, None);
    assert_eq!(e.states, 810_000);
    let per_state = e.overhead_bytes as f64 / e.states as f64;
    assert!(per_state <= 16.0, "{per_state} bytes per state");
}
