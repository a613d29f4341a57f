//! The engine on hand-built processes (no front end): verdicts and state counts.

use cspot::check::{CheckOptions, Checker};
use cspot::cspm::proc::{Assertion, ProcId, Property, SemanticModel};
use cspot::cspm::source::Span;
use cspot::lts::{Phils, ProcBuilder, dining_philosophers};
use cspot::report::{CheckResult, Verdict};

pub fn run(b: &mut ProcBuilder, prop: Property) -> CheckResult {
    run_with(b, prop, CheckOptions::default())
}

pub fn run_with(b: &mut ProcBuilder, prop: Property, opts: CheckOptions) -> CheckResult {
    let a = Assertion {
        text: "test".into(),
        span: Span::default(),
        negated: false,
        property: prop,
        tau_priority: None,
        partial_order_reduce: false,
    };
    let mut c = Checker::new(b, opts, Box::new(|_| cspot::report::Location::file("here")));
    c.check(&a, "assert 1".into(), &mut |_| {})
        .expect("checkable")
}

pub fn deadlock(p: ProcId) -> Property {
    Property::DeadlockFree {
        proc: p,
        model: SemanticModel::Failures,
    }
}

#[test]
fn naive_philosophers_deadlock() {
    let mut b = ProcBuilder::new();
    let p = dining_philosophers(&mut b, 5, Phils::Naive);
    let r = run(&mut b, deadlock(p));
    let Verdict::Violated(cx) = &r.verdict else {
        panic!("expected a deadlock, got {:?}", r.verdict)
    };
    // Every philosopher sits and picks up the first fork: 10 visible steps.
    assert_eq!(cx.steps.len(), 10, "{cx:#?}");
}

#[test]
fn butler_and_left_handed_philosophers_are_deadlock_free() {
    for v in [Phils::Butler, Phils::LeftHanded] {
        let mut b = ProcBuilder::new();
        let p = dining_philosophers(&mut b, 5, v);
        let r = run(&mut b, deadlock(p));
        assert_eq!(r.verdict, Verdict::Holds, "{v:?}");
        assert!(r.stats.states > 1000, "{v:?}: {}", r.stats.states);
    }
}

/// `R(k) = a -> STOP [] R(k-1)` (through a choice) or `U(k) = P ||| U(k-1)` (through an
/// interleaving), for k = n down to 1, over `R(0) = U(0) = STOP`; each call at its own span.
fn nested(b: &mut ProcBuilder, n: u32, through_parallel: bool) -> ProcId {
    use cspot::cspm::source::FileId;
    let a = b.event("a");
    let stop = b.stop();
    let pc = b.declare("P");
    let p = b.call(pc);
    let body = b.prefix(a, p);
    b.define(pc, body);
    let mut prev = stop;
    for k in 1..=n {
        let span = Span::new(FileId(0), k as usize, k as usize + 1);
        let c = b.declare_at(&format!("R({k})"), Some(span));
        let body = if through_parallel {
            b.interleave(vec![p, prev])
        } else {
            let first = b.prefix(a, stop);
            b.ext(vec![first, prev])
        };
        b.define(c, body);
        prev = b.call(c);
    }
    prev
}

/// Past `max_nesting`, a deep recursion is an error at one of its calls (not a stack
/// overflow); below it, the same process is checked.
#[test]
fn nesting_past_the_bound_is_an_error_at_a_call() {
    use cspot::check::Checker;
    use cspot::lts::CompileOptions;
    for through_parallel in [false, true] {
        let mut b = ProcBuilder::new();
        let p = nested(&mut b, 100, through_parallel);
        let ok = run(&mut b, deadlock(p));
        assert!(
            !matches!(ok.verdict, Verdict::Inconclusive(_)),
            "{through_parallel}: {:?}",
            ok.verdict
        );
        let opts = CheckOptions {
            compile: CompileOptions {
                max_nesting: 50,
                ..CompileOptions::default()
            },
            ..CheckOptions::default()
        };
        let a = Assertion {
            text: "test".into(),
            span: Span::default(),
            negated: false,
            property: deadlock(p),
            tau_priority: None,
            partial_order_reduce: false,
        };
        let mut c = Checker::new(
            &mut b,
            opts,
            Box::new(|_| cspot::report::Location::file("here")),
        );
        let d = c
            .check(&a, "assert 1".into(), &mut |_| {})
            .expect_err("too deep");
        assert!(d.message.contains("more than 50"), "{}", d.message);
        assert!(
            (1..=100).contains(&d.span.start),
            "{through_parallel}: not at a call: {:?}",
            d.span
        );
    }
}
