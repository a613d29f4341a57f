//! Evaluation, loading and compilation obey `--timeout` and `--max-memory` (issue 14): each
//! reproducer runs through `check` and `lts`, at one job and two, and must end inconclusive
//! (exit 3) within a second of the time bound, holding at most 1.25 × the memory bound.

use super::{Ended, capped, scratch_dir};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(2);
const MAX_MEMORY: u64 = 300 << 20;
/// The allowed time past `--timeout` in the suite: the acceptance slack is 1 s on an idle
/// machine (`CSPOT_ROBUST_SLACK=1`), a loaded one stretches the work after the bound.
const SLACK: Duration = Duration::from_secs(3);

/// Runs `src` (which defines `process` and asserts something of it) through `check` and
/// `lts` at one job and two under the bounds, and checks how each run ended.
fn stays_bounded(name: &str, src: &str, process: &str) {
    let dir = scratch_dir(&format!("budget-{name}"));
    std::fs::write(dir.join("spec.csp"), src).unwrap();
    let timeout = format!("{}", TIMEOUT.as_secs_f64());
    let memory = format!("{}M", MAX_MEMORY >> 20);
    let bounds = ["--timeout", &timeout, "--max-memory", &memory];
    let runs: [Vec<&str>; 3] = [
        [&["check", "spec.csp", "--jobs", "1"][..], &bounds[..]].concat(),
        [&["check", "spec.csp", "--jobs", "2"][..], &bounds[..]].concat(),
        [&["lts", "spec.csp", process][..], &bounds[..]].concat(),
    ];
    for args in runs {
        let what = format!("{name}: cspot {}", args.join(" "));
        let e = capped(&dir, &args, Duration::from_secs(60));
        e.assert_bounded(&what);
        e.assert_within(TIMEOUT, SLACK, &what);
        e.assert_memory(MAX_MEMORY, &what);
        says_which_bound(&e, &what);
    }
}

fn says_which_bound(e: &Ended, what: &str) {
    let text = format!("{}{}", e.stdout, e.stderr);
    assert!(
        e.code != 3 || text.contains("time bound") || text.contains("memory bound"),
        "{what}: an inconclusive run names the bound it stopped at:\n{text}"
    );
}

#[test]
fn a_function_that_doubles_its_argument_forever() {
    stays_bounded(
        "double-arg",
        "f(s) = f(s ^ s)\nP = if length(f(<1>)) > 0 then STOP else STOP\n\
         assert P :[deadlock free]\n",
        "P",
    );
}

#[test]
fn a_set_product_that_explodes() {
    stays_bounded(
        "product",
        "S = {0..99}\nT = { (a,b,c,d) | a <- S, b <- S, c <- S, d <- S }\n\
         P = if card(T) > 0 then STOP else SKIP\nassert P :[deadlock free]\n",
        "P",
    );
}

#[test]
fn an_exponential_recursion() {
    stays_bounded(
        "fib",
        "fib(n) = if n < 2 then n else fib(n-1) + fib(n-2)\n\
         P = if fib(60) > 0 then STOP else SKIP\nassert P :[deadlock free]\n",
        "P",
    );
}

#[test]
fn a_channel_of_16_million_events() {
    stays_bounded(
        "channel-16m",
        "channel c : {0..16777215}\nP = c?x -> P\nassert P :[deadlock free]\n",
        "P",
    );
}

#[test]
fn a_process_whose_parameter_doubles_each_step() {
    stays_bounded(
        "param-doubles",
        "channel a\nP(s) = a -> P(s ^ s)\nQ = P(<1>)\nassert Q :[deadlock free]\n",
        "Q",
    );
}

#[test]
fn a_recursion_through_interleaving_that_never_ends() {
    stays_bounded(
        "par-recursion",
        "channel a\nP(n) = P(n-1) ||| a -> STOP\nQ = P(0)\nassert Q :[deadlock free]\n",
        "Q",
    );
}

#[test]
fn a_deep_chain_of_linked_parallels() {
    stays_bounded(
        "linked-chain",
        "channel l : {0..1}\nchannel a\n\
         C(n) = if n == 0 then a -> STOP else C(n-1) [l.0 <-> l.1] (l.1 -> STOP)\n\
         Q = C(1000000)\nassert Q :[deadlock free]\n",
        "Q",
    );
}

#[test]
fn a_choice_of_100k_branches_built_by_recursion() {
    stays_bounded(
        "choice-100k",
        "channel c : {0..99999}\nR(n) = if n < 0 then STOP else c.n -> STOP [] R(n-1)\n\
         Q = R(99999) ||| R(99999)\nassert Q :[deadlock free]\n",
        "Q",
    );
}

#[test]
fn a_quadratic_transition_table() {
    // R(n) stores n²/2 memoised transitions: the bound stops it while they are computed.
    stays_bounded(
        "quadratic-table",
        "channel c : {0..199999}\nR(n) = if n < 0 then STOP else c.n -> STOP [] R(n-1)\n\
         Q = R(199999)\nassert Q :[deadlock free]\n",
        "Q",
    );
}

#[test]
fn the_harness_sees_a_normal_run() {
    let dir = scratch_dir("harness");
    std::fs::write(
        dir.join("ok.csp"),
        "channel a\nP = a -> P\nassert P :[deadlock free]\n",
    )
    .unwrap();
    let e = capped(&dir, &["check", "ok.csp"], Duration::from_secs(20));
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.peak > 0 && e.peak < 1 << 30, "peak {}", e.peak);
}

#[test]
fn a_check_within_its_bounds_still_answers() {
    // The bounds only stop what passes them: a small system still gets its verdict.
    let dir = scratch_dir("within");
    std::fs::write(
        dir.join("ok.csp"),
        "channel a, b\nP = a -> b -> P\nassert P :[deadlock free]\nassert P :[divergence free]\n",
    )
    .unwrap();
    let e = capped(
        &dir,
        &["check", "ok.csp", "--timeout", "5", "--max-memory", "100M"],
        Duration::from_secs(20),
    );
    assert_eq!(e.code, 0, "{}", e.stderr);
}

/// `c.0 -> STOP OP c.1 -> STOP OP …` with `n` branches, asserted deadlock free.
fn flat_chain(n: usize, op: &str, branch: impl Fn(usize) -> String) -> String {
    let body: Vec<String> = (0..n).map(branch).collect();
    format!(
        "channel c : {{0..{n}}}\nP = {}\nassert P :[deadlock free]\n",
        body.join(op)
    )
}

#[test]
fn an_interleaving_of_100k_processes() {
    // The network's rules are rebuilt level by level of the binary nesting (quadratic): the
    // bound stops it (it ran 41 s past a 2 s bound).
    let src = flat_chain(100_000, " ||| ", |i| format!("c.{i} -> STOP"));
    stays_bounded("interleave-100k", &src, "P");
}

#[test]
fn a_choice_of_100k_branches_that_start_with_tau() {
    // Each τ of a wide choice builds a new wide choice term: quadratic by the semantics.
    let src = flat_chain(100_000, " [] ", |i| format!("(c.{i} -> STOP |~| STOP)"));
    stays_bounded("tau-choice-100k", &src, "P");
}

#[test]
fn eval_obeys_the_bounds_too() {
    let dir = scratch_dir("eval");
    std::fs::write(
        dir.join("f.csp"),
        "fib(n) = if n < 2 then n else fib(n-1) + fib(n-2)\nf(s) = f(s ^ s)\n",
    )
    .unwrap();
    let memory = format!("{}M", MAX_MEMORY >> 20);
    for expr in ["fib(60)", "f(<1>)"] {
        let what = format!("eval {expr}");
        let args = [
            "eval",
            "f.csp",
            expr,
            "--timeout",
            "2",
            "--max-memory",
            &memory,
        ];
        let e = capped(&dir, &args, Duration::from_secs(60));
        assert_eq!(e.code, 3, "{what}: {}", e.stderr);
        e.assert_within(TIMEOUT, SLACK, &what);
        e.assert_memory(MAX_MEMORY, &what);
        says_which_bound(&e, &what);
    }
    let e = capped(
        &dir,
        &["eval", "f.csp", "fib(10)", "--timeout", "2"],
        Duration::from_secs(20),
    );
    assert_eq!((e.code, e.stdout.trim()), (0, "55"), "{}", e.stderr);
}
