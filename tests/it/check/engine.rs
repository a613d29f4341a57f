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
    let mut c = Checker::new(b, opts, Box::new(|_| "here".to_string()));
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
