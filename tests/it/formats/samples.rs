//! Hand-built reports for the format tests: every kind with every verdict, findings with
//! known and unknown rule ids, lassos, and text that must be escaped.

use cspot::report::{
    CheckResult, Counterexample, Finding, InputError, Kind, Report, Stats, Step, Verdict,
};

pub fn step(actor: &str, action: &str, source: Option<&str>) -> Step {
    Step {
        actor: actor.into(),
        action: action.into(),
        source: source.map(Into::into),
        details: vec!["x now 1 & y <2>".into()],
        ..Default::default()
    }
}

pub fn cx(summary: &str, steps: Vec<Step>, loop_start: Option<usize>) -> Counterexample {
    Counterexample {
        summary: summary.into(),
        steps,
        loop_start,
        facts: vec![("refused".into(), "{a, b}".into())],
        ..Default::default()
    }
}

pub fn finding(rule: &str, span: Option<&str>, source: Option<&str>) -> Finding {
    Finding {
        rule: rule.into(),
        span_id: span.map(Into::into),
        message: format!("{rule} broken \"here\" \u{1}"),
        related: vec!["00f067aa0ba902b7".into()],
        source: source.map(Into::into),
    }
}

pub fn with(
    id: &str,
    kind: Kind,
    source: Option<&str>,
    input: Option<&str>,
    verdict: Verdict,
) -> CheckResult {
    CheckResult {
        id: id.into(),
        kind,
        title: format!("{} <title> & 'quotes'", kind.as_str()),
        source: source.map(Into::into),
        input: input.map(Into::into),
        verdict,
        stats: Stats {
            states: 10,
            transitions: 20,
            seconds: 0.25,
        },
        ..Default::default()
    }
}

/// Reports covering every kind with every verdict, two inputs, findings (known and unknown
/// rule ids, with and without span and source), lassos, and a result with no place at all.
pub fn samples() -> Vec<(&'static str, Report)> {
    let a = "specs/a b.csp";
    let b = "specs/other.csp";
    let mut every = Report::new("check");
    every.inputs = vec![a.into(), b.into()];
    for (i, kind) in Kind::ALL.into_iter().enumerate() {
        let src = format!("{a}:{}:1", i + 3);
        let verdicts = [
            Verdict::Holds,
            Verdict::Violated(cx(
                "the property fails",
                vec![
                    step("PHIL.1", "pickup.1.1", Some(&format!("{a}:2:5"))),
                    step("", "τ", None),
                    step("FORK.1", "putdown.1.1", Some("specs/a b.csp:9")),
                ],
                Some(1),
            )),
            Verdict::Violated(Counterexample::default()),
            Verdict::Inconclusive("stopped after 100 states (--max-states)".into()),
            Verdict::Error(InputError {
                message: "unsupported model [R=".into(),
                position: Some(cspot::report::Location::at(b, 7, 12)),
            }),
            Verdict::Error(InputError {
                message: "cannot read".into(),
                position: None,
            }),
        ];
        for (j, v) in verdicts.into_iter().enumerate() {
            let input = if j % 2 == 0 { a } else { b };
            let id = format!("{input} assert {}", i * 10 + j);
            every
                .results
                .push(with(&id, kind, Some(&src), Some(input), v));
        }
    }
    // A result with no source and no input lands in the command's suite and the fallback place.
    every.results.push(with(
        "orphaned",
        Kind::Boolean,
        None,
        None,
        Verdict::Violated(Counterexample::default()),
    ));

    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let mut traces = Report::new("traces check");
    traces.inputs = vec!["dump.json".into()];
    let mut t = with(
        trace,
        Kind::TraceStructure,
        Some("dump.json"),
        Some("dump.json"),
        Verdict::Violated(cx("3 rules broken", vec![], None)),
    );
    t.findings = vec![
        finding(
            "trace.orphan",
            Some("00f067aa0ba902b7"),
            Some("dump.json:12"),
        ),
        finding("trace.no-root", None, None),
        finding(
            "timing.child-starts-before-parent",
            Some("00f067aa0ba902b8"),
            None,
        ),
        finding(
            "trace.brand-new-rule",
            Some("00f067aa0ba902b9"),
            Some("dump.json:40"),
        ),
    ];
    traces.results.push(t);
    let mut same_twice = with(
        "0af7651916cd43dd8448eb211c80319c",
        Kind::TraceStructure,
        Some("dump.json"),
        Some("dump.json"),
        Verdict::Violated(Counterexample::default()),
    );
    same_twice.findings = vec![
        finding("trace.orphan", Some("00f067aa0ba902b7"), None),
        finding("trace.orphan", Some("00f067aa0ba902b7"), None),
    ];
    traces.results.push(same_twice);
    let mut phi = with(
        trace,
        Kind::TraceConformance,
        Some("dump.json"),
        Some("dump.json"),
        Verdict::Violated(cx(
            "after 2 conforming steps span 'pay' starts",
            vec![
                step("checkout", "start", None),
                step("pay", "charge", Some("models/phi/checkout.toml:4")),
            ],
            None,
        )),
    );
    phi.findings = vec![
        finding(
            "phi.conformance",
            Some("00f067aa0ba902b7"),
            Some("dump.json:3"),
        ),
        finding(
            "phi.unmapped",
            Some("00f067aa0ba902ba"),
            Some("dump.json:30"),
        ),
    ];
    traces.results.push(phi);
    let mut err = with(
        "0af7651916cd43dd8448eb211c80319d",
        Kind::TraceConformance,
        Some("dump.json"),
        Some("dump.json"),
        Verdict::Error(InputError {
            message: "state bound".into(),
            position: Some("dump.json".into()),
        }),
    );
    err.findings = vec![Finding {
        rule: "phi.error".into(),
        message: "state bound".into(),
        ..Default::default()
    }];
    traces.results.push(err);
    let mut coverage = with(
        "phi coverage",
        Kind::TraceConformance,
        None,
        None,
        Verdict::Holds,
    );
    coverage.findings = vec![finding("phi.uncovered", None, None)];
    traces.results.push(coverage);

    let mut bsp = Report::new("bsp");
    for (i, p) in [
        "P1 no concurrent export",
        "P2 flush and shutdown return",
        "P3 spans accounted",
    ]
    .iter()
    .enumerate()
    {
        let v = match i {
            0 => Verdict::Violated(cx(
                "two exports",
                vec![step("worker", "export", None)],
                None,
            )),
            1 => Verdict::Violated(cx(
                "hang",
                vec![step("caller", "flush", None), step("worker", "wait", None)],
                Some(0),
            )),
            _ => Verdict::Inconclusive("stopped after 5 states (--max-states)".into()),
        };
        bsp.results
            .push(with(&format!("small {p}"), Kind::Bsp, None, None, v));
    }
    vec![
        ("every-kind", every),
        ("traces", traces),
        ("bsp", bsp),
        ("empty", Report::new("check")),
    ]
}

/// How many SARIF results a report must give: one per violation without findings, per
/// inconclusive or error verdict, and per finding (an error's own message not twice).
pub fn expected_results(report: &Report) -> usize {
    report
        .results
        .iter()
        .map(|r| {
            let own = match &r.verdict {
                Verdict::Holds => 0,
                Verdict::Violated(_) => usize::from(r.findings.is_empty()),
                Verdict::Inconclusive(_) | Verdict::Error(_) => 1,
            };
            let findings = r
                .findings
                .iter()
                .filter(|f| match &r.verdict {
                    Verdict::Error(e) => !(f.message == e.message && f.span_id.is_none()),
                    _ => true,
                })
                .count();
            own + findings
        })
        .sum()
}
