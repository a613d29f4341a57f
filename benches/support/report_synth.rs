//! Reports built by hand, shaped like what `cspot check`, `cspot traces verify` and
//! `cspot bsp` print, for the HTML report's tests (`tests/it/html.rs`) and its bench
//! (`benches/report.rs`), both through `#[path]`. Deterministic: no clock, no randomness
//! beyond a fixed-seed splitmix64.
//!
//! They do not come from running the commands on purpose: the commands are still learning to
//! fill per-step states and span trees, and the renderer must be tested on all of them now.

#![allow(dead_code)]

use cspot::report::{
    CheckResult, Counterexample, EventView, Finding, InputError, Kind, Location, Report, SpanView,
    Stats, Step, TraceView, Verdict,
};

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn hex(&mut self, bytes: usize) -> String {
        let mut s = String::new();
        while s.len() < bytes * 2 {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(bytes * 2);
        s
    }
}

fn holds(id: &str, kind: Kind, title: &str, source: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        kind,
        title: title.into(),
        source: Some(source.into()),
        verdict: Verdict::Holds,
        stats: Stats {
            states: 419,
            transitions: 1032,
            seconds: 0.0005,
        },
        ..Default::default()
    }
}

/// Five dining philosophers who all sit and pick up their left fork: a deadlock, with every
/// leaf process's state after each step.
fn philosophers_deadlock() -> CheckResult {
    let phil_at =
        |i: usize, what: &str| format!("{what} -> eats.{i} -> putsdown.{i}.{} -> …", (i + 1) % 5);
    let mut state: Vec<(String, String)> = (0..5)
        .map(|i| {
            (
                format!("PHIL({i})"),
                format!("sits.{i} -> picks.{i}.{i} -> …"),
            )
        })
        .chain((0..5).map(|i| {
            (
                format!("FORK({i})"),
                format!("picks.{i}.{i} -> … [] picks.{}.{i} -> …", (i + 4) % 5),
            )
        }))
        .collect();
    let initial = state.clone();
    let mut steps = Vec::new();
    for i in 0..5 {
        state[i].1 = format!("picks.{i}.{i} -> picks.{i}.{} -> …", (i + 1) % 5);
        steps.push(Step {
            actor: format!("PHIL({i})"),
            action: format!("sits.{i}"),
            details: vec![format!("PHIL({i}) now {}", state[i].1)],
            source: Some("specs/phils.csp:19:1".into()),
            internal: false,
            state: state.clone(),
            ..Default::default()
        });
    }
    for i in 0..5 {
        state[i].1 = phil_at(i, &format!("picks.{i}.{}", (i + 1) % 5));
        state[5 + i].1 = format!("putsdown.{i}.{i} -> FORK({i})");
        steps.push(Step {
            actor: format!("PHIL({i}), FORK({i})"),
            action: format!("picks.{i}.{i}"),
            details: vec![
                format!("PHIL({i}) now {}", state[i].1),
                format!("FORK({i}) now putsdown.{i}.{i} -> FORK({i})  (specs/phils.csp:26:1)"),
            ],
            source: Some("specs/phils.csp:19:1".into()),
            internal: false,
            state: state.clone(),
            ..Default::default()
        });
    }
    let facts = (0..5)
        .map(|i| {
            (
                format!("PHIL({i})"),
                format!(
                    "at picks.{i}.{} -> … offering {{picks.{i}.{}}}",
                    (i + 1) % 5,
                    (i + 1) % 5
                ),
            )
        })
        .collect();
    CheckResult {
        id: "specs/phils.csp assert 1".into(),
        kind: Kind::Deadlock,
        title: "PHILS :[deadlock free [F]]".into(),
        source: Some("specs/phils.csp:31:1".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "deadlock after 10 events: every process waits for a fork".into(),
            steps,
            loop_start: None,
            facts,
            initial,
            ..Default::default()
        }),
        stats: Stats {
            states: 1212,
            transitions: 4103,
            seconds: 0.002,
        },
        ..Default::default()
    }
}

/// A divergence: a loop of internal steps (a lasso).
fn protocol_divergence() -> CheckResult {
    let s = |send: &str, msg: &str| {
        pairs(&[("TSEND(0)", send), ("TMSG", msg), ("TRECV", "m2r?x -> …")])
    };
    let step = |actor: &str, action: &str, internal: bool, detail: &str, state| Step {
        actor: actor.into(),
        action: action.into(),
        details: vec![detail.into()],
        source: Some("specs/protocol.csp:43:1".into()),
        internal,
        state,
        ..Default::default()
    };
    CheckResult {
        id: "specs/protocol.csp assert 5".into(),
        kind: Kind::Divergence,
        title: "TABP :[divergence free]".into(),
        source: Some("specs/protocol.csp:55:1".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "the process can diverge: it reaches a loop of internal (τ) steps".into(),
            initial: s("TSEND(0)", "TMSG"),
            steps: vec![
                step(
                    "TSEND(0)",
                    "send.0",
                    false,
                    "TSEND(0) now TTX(0, 0)",
                    s("TTX(0, 0)", "TMSG"),
                ),
                step(
                    "TSEND(0), TMSG",
                    "τ",
                    true,
                    "TSEND(0) does s2m.0.0 now TWAIT(0, 0)",
                    s("TWAIT(0, 0)", "TMSG |~| m2r.0.0 -> TMSG"),
                ),
                step(
                    "TSEND(0)",
                    "τ",
                    true,
                    "TSEND(0) does timeout now TTX(0, 0)",
                    s("TTX(0, 0)", "TMSG |~| m2r.0.0 -> TMSG"),
                ),
                step("TMSG", "τ", true, "TMSG now TMSG", s("TTX(0, 0)", "TMSG")),
            ],
            loop_start: Some(1),
            facts: vec![],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A long path (a trace refinement found deep), to check that long drawings still render.
fn long_refinement(steps: usize) -> CheckResult {
    let steps: Vec<Step> = (0..steps)
        .map(|i| Step {
            actor: "COUNTER".into(),
            action: if i + 1 == steps {
                "overflow".into()
            } else {
                format!("tick.{}", i % 7)
            },
            details: vec![format!("COUNTER now COUNT({})", i + 1)],
            source: Some("specs/counter.csp:4:1".into()),
            internal: false,
            state: pairs(&[
                ("COUNTER", &format!("COUNT({})", i + 1)),
                ("CLOCK", if i % 2 == 0 { "tock -> CLOCK" } else { "CLOCK" }),
            ]),
            ..Default::default()
        })
        .collect();
    CheckResult {
        id: "specs/counter.csp assert 2".into(),
        kind: Kind::RefinementTraces,
        title: "SPEC [T= COUNTER".into(),
        source: Some("specs/counter.csp:9:1".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "the implementation performs `overflow`, which the specification cannot do after this trace".into(),
            initial: pairs(&[("COUNTER", "COUNT(0)"), ("CLOCK", "CLOCK")]),
            steps,
            loop_start: None,
            facts: pairs(&[("specification allows", "{tick.0, tick.1, tick.2}")]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// `cspot check` over a few specs: two violations with states, a long path, one holding,
/// one inconclusive, one boolean, and an input error.
pub fn csp_report() -> Report {
    let mut r = Report::new("check");
    r.inputs = vec![
        "specs/phils.csp".into(),
        "specs/protocol.csp".into(),
        "specs/counter.csp".into(),
        "specs/broken.csp".into(),
    ];
    r.results.push(philosophers_deadlock());
    r.results.push(holds(
        "specs/phils.csp assert 2",
        Kind::RefinementFd,
        "SPEC [FD= PHILS",
        "specs/phils.csp:33:1",
    ));
    r.results.push(protocol_divergence());
    r.results.push(long_refinement(140));
    r.results.push(CheckResult {
        id: "specs/protocol.csp assert 6".into(),
        kind: Kind::RefinementFailures,
        title: "SPEC [F= ABP".into(),
        source: Some("specs/protocol.csp:57:1".into()),
        verdict: Verdict::Inconclusive("state bound reached: 1000000 states stored".into()),
        ..Default::default()
    });
    r.results.push(CheckResult {
        id: "specs/counter.csp assert 3".into(),
        kind: Kind::Boolean,
        title: "card({1..3}) == 4".into(),
        source: Some("specs/counter.csp:11:1".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "the expression is false".into(),
            facts: pairs(&[("left", "3"), ("right", "4")]),
            ..Default::default()
        }),
        ..Default::default()
    });
    r.results.push(CheckResult {
        id: "specs/broken.csp".into(),
        kind: Kind::Input,
        title: "specs/broken.csp".into(),
        input: Some("specs/broken.csp".into()),
        verdict: Verdict::Error(InputError {
            message: "expected `=` after the name of a definition".into(),
            position: Some("specs/broken.csp:7:12".into()),
        }),
        ..Default::default()
    });
    r
}

#[allow(clippy::too_many_arguments)] // One literal row per span reads best in the table below.
fn span(
    id: &str,
    parent: Option<&str>,
    name: &str,
    service: &str,
    start: u64,
    end: u64,
    depth: u32,
    events: &[(&str, u64)],
    line: usize,
) -> SpanView {
    const T0: u64 = 1_718_000_000_000_000_000;
    SpanView {
        id: id.into(),
        parent: parent.map(Into::into),
        name: name.into(),
        service: service.into(),
        start: T0 + start,
        end: T0 + end,
        depth,
        events: events
            .iter()
            .map(|(n, t)| EventView {
                name: n.to_string(),
                time: T0 + t,
            })
            .collect(),
        source: Some(Location::line(
            "fixtures/phi/checkout/captured-bad-charge-after-confirm.json",
            line as u64,
        )),
    }
}

/// The checkout trace of `captured-bad-charge-after-confirm`: the card is charged a second
/// time after the order was confirmed.
fn checkout_conformance() -> CheckResult {
    let ms = 1_000_000;
    let spans = vec![
        span(
            "e1b4c526948f5c23",
            None,
            "POST /checkout",
            "gateway",
            0,
            42_723_000,
            0,
            &[("gateway.received", ms / 2), ("gateway.responded", 42 * ms)],
            12,
        ),
        span(
            "a07c11f3e2d94b10",
            Some("e1b4c526948f5c23"),
            "POST /orders",
            "gateway",
            2 * ms,
            37_905_000,
            1,
            &[],
            40,
        ),
        span(
            "f5d77dfee89b620a",
            Some("a07c11f3e2d94b10"),
            "create order",
            "orders",
            4 * ms,
            34_208_000,
            2,
            &[("order.validated", 5 * ms), ("order.confirmed", 22 * ms)],
            61,
        ),
        span(
            "1c2d3e4f5a6b7c8d",
            Some("f5d77dfee89b620a"),
            "POST /charges",
            "orders",
            8 * ms,
            16_389_000,
            3,
            &[],
            90,
        ),
        span(
            "77aa88bb99cc00dd",
            Some("1c2d3e4f5a6b7c8d"),
            "charge card",
            "payments",
            10 * ms,
            14_728_000,
            4,
            &[("payment.charged", 14 * ms)],
            112,
        ),
        span(
            "3344556677889900",
            Some("f5d77dfee89b620a"),
            "POST /charges",
            "orders",
            24 * ms,
            31_467_000,
            3,
            &[],
            140,
        ),
        span(
            "d977eeacc673fe14",
            Some("3344556677889900"),
            "charge card",
            "payments",
            24_300_000,
            31_214_000,
            4,
            &[("payment.charged", 30 * ms)],
            162,
        ),
        span(
            "bb01cc02dd03ee04",
            Some("e1b4c526948f5c23"),
            "send receipt",
            "mailer",
            38 * ms,
            41 * ms,
            1,
            &[("mail.queued", 40 * ms)],
            190,
        ),
    ];
    let steps: Vec<Step> = [
        ("POST /checkout e1b4c526948f5c23", "start GATEWAY"),
        ("POST /checkout e1b4c526948f5c23", "gateway.received"),
        ("create order f5d77dfee89b620a", "start ORDER"),
        ("create order f5d77dfee89b620a", "order.validated"),
        ("charge card 77aa88bb99cc00dd", "start CHARGE"),
        ("charge card 77aa88bb99cc00dd", "payment.charged"),
        ("create order f5d77dfee89b620a", "order.confirmed"),
        ("charge card d977eeacc673fe14", "start CHARGE"),
    ]
    .iter()
    .map(|(actor, action)| Step {
        actor: actor.to_string(),
        action: action.to_string(),
        ..Default::default()
    })
    .collect();
    CheckResult {
        id: "0b5abaaf7d5a7c73ab01c565719bc9c4".into(),
        kind: Kind::TraceConformance,
        title: "8 spans, 4 services, root 'POST /checkout'".into(),
        source: Some("fixtures/phi/checkout/captured-bad-charge-after-confirm.json".into()),
        input: Some("fixtures/phi/checkout/captured-bad-charge-after-confirm.json".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "the trace charges the card after the order was confirmed, which the model does not allow".into(),
            steps,
            loop_start: None,
            facts: pairs(&[
                ("observed next", "start of 'charge card' (payments) d977eeacc673fe14"),
                ("model allowed", "payment.refunded | terminate"),
            ]),
            initial: vec![],
            ..Default::default()
        }),
        findings: vec![Finding {
            rule: "phi.conformance".into(),
            span_id: Some("d977eeacc673fe14".into()),
            message: "'charge card' (payments) is not allowed after order.confirmed".into(),
            related: vec!["f5d77dfee89b620a".into()],
            source: Some("fixtures/phi/checkout/captured-bad-charge-after-confirm.json:162".into()),
        }],
        trace: Some(Box::new(TraceView {
            spans,
            marked_span: Some("d977eeacc673fe14".into()),
            marked_event: Some("payment.charged".into()),
            allowed: vec!["payment.refunded".into(), "terminate".into()],
            omitted: 0,
        })),
        ..Default::default()
    }
}

/// `cspot traces verify` over the checkout fixtures: a conformance violation with its span
/// tree, a structure violation without one, holding traces and an unreadable file.
pub fn phi_report() -> Report {
    let mut r = Report::new("traces verify");
    r.inputs = vec![
        "fixtures/phi/checkout/captured-bad-charge-after-confirm.json".into(),
        "fixtures/phi/checkout/synth-bad-wrong-parent.json".into(),
        "fixtures/phi/checkout/captured-ok-first-try.json".into(),
        "fixtures/phi/checkout/missing.json".into(),
    ];
    r.results.push(checkout_conformance());
    r.results.push(CheckResult {
        id: "2c9f501780ee34fb00a5128bf981e206".into(),
        kind: Kind::TraceStructure,
        title: "122 spans, 4 services, root 'POST /checkout'".into(),
        source: Some("fixtures/phi/checkout/synth-bad-wrong-parent.json".into()),
        input: Some("fixtures/phi/checkout/synth-bad-wrong-parent.json".into()),
        verdict: Verdict::Violated(Counterexample {
            summary: "1 finding: propagation.server-parent".into(),
            ..Default::default()
        }),
        findings: vec![Finding {
            rule: "propagation.server-parent".into(),
            span_id: Some("85e08187906dec59".into()),
            message: "SERVER 'charge card' (payments) is called from another service, but its parent 'POST /checkout' (gateway) is SERVER, not CLIENT or PRODUCER".into(),
            related: vec!["2cf620a56b321c37".into()],
            source: None,
        }],
        ..Default::default()
    });
    for (i, file) in [
        "captured-ok-first-try",
        "captured-ok-retried",
        "captured-ok-declined",
    ]
    .iter()
    .enumerate()
    {
        r.results.push(CheckResult {
            id: format!("4a1b{i:028x}"),
            kind: Kind::TraceConformance,
            title: "7 spans, 3 services, root 'POST /checkout'".into(),
            source: Some(Location::file(format!("fixtures/phi/checkout/{file}.json"))),
            input: Some(format!("fixtures/phi/checkout/{file}.json")),
            ..Default::default()
        });
    }
    r.results.push(CheckResult {
        id: "fixtures/phi/checkout/missing.json".into(),
        kind: Kind::Input,
        title: "fixtures/phi/checkout/missing.json".into(),
        input: Some("fixtures/phi/checkout/missing.json".into()),
        verdict: Verdict::Error(InputError {
            message: "cannot read the dump: No such file or directory (os error 2)".into(),
            position: Some("fixtures/phi/checkout/missing.json".into()),
        }),
        ..Default::default()
    });
    r
}

/// `cspot bsp --variant onend-shutdown-race`: a span accepted after Shutdown is lost, with
/// the processor's state (queue, worker, counters) after every step.
pub fn bsp_report() -> Report {
    let state = |queue: &str, worker: &str, shutdown: &str, exporter: &str, accepted: &str| {
        pairs(&[
            ("queue", queue),
            ("worker", worker),
            ("ForceFlush", "not called"),
            ("Shutdown", shutdown),
            ("exporter", exporter),
            ("accepted", accepted),
            ("exported", "0"),
            ("dropped", "0"),
        ])
    };
    let step = |actor: &str, action: &str, details: &[&str], st| Step {
        actor: actor.into(),
        action: action.into(),
        details: details.iter().map(|d| d.to_string()).collect(),
        source: None,
        internal: false,
        state: st,
        ..Default::default()
    };
    let mut r = Report::new("bsp");
    r.results.push(CheckResult {
        id: "onend-shutdown-race P3 spans accounted".into(),
        kind: Kind::Bsp,
        title: "every span is exported, failed in an export, dropped because the queue was full or dropped after Shutdown, exactly once (onend-shutdown-race)".into(),
        verdict: Verdict::Violated(Counterexample {
            summary: "P3: span 1 of producer 1 was accepted at step 4 and is neither exported nor counted as dropped when Shutdown returned at step 5".into(),
            initial: state("[]", "idle", "not called", "ready", "0"),
            steps: vec![
                step("producer 1", "OnEnd(p1s1): reads stopped = false (enqueue comes next)", &[], state("[]", "idle", "not called", "ready", "0")),
                step("Shutdown caller", "calls Shutdown: stopped = true", &["Shutdown: not called → waiting"], state("[]", "idle", "waiting", "ready", "0")),
                step("worker", "wakes for Shutdown; nothing to export", &["worker: idle → exited"], state("[]", "exited", "waiting", "ready", "0")),
                step("producer 1", "OnEnd(p1s1): enqueued", &["queue: [] → [p1s1]"], state("[p1s1]", "exited", "waiting", "ready", "1")),
                step("Shutdown caller", "the worker has exited: Shutdown returns", &["Shutdown: waiting → returned", "exporter: shut down"], state("[p1s1]", "exited", "returned", "shut down", "1")),
            ],
            loop_start: None,
            facts: pairs(&[
                ("property", "every span is exported, failed in an export, dropped because the queue was full or dropped after Shutdown, exactly once"),
                ("configuration", "2 producers × 2 spans, queue 3, batch 2, exporter fails and retries, ForceFlush any, Shutdown any"),
            ]),
            ..Default::default()
        }),
        stats: Stats { states: 692, transitions: 1191, seconds: 0.0004 },
        ..Default::default()
    });
    r.results.push(CheckResult {
        id: "spec P1 no span exported twice".into(),
        kind: Kind::Bsp,
        title: "no span is exported twice (spec)".into(),
        stats: Stats {
            states: 5120,
            transitions: 9871,
            seconds: 0.01,
        },
        ..Default::default()
    });
    r
}

/// A violated trace of `spans` spans over four services, each span with an event, the last
/// span marked.
fn synthetic_violation(mix: &mut Mix, n: usize, spans: usize) -> CheckResult {
    const SERVICES: [&str; 4] = ["frontend", "cart", "payment", "shipping"];
    let mut views = Vec::with_capacity(spans);
    let mut ids: Vec<String> = Vec::with_capacity(spans);
    let mut t = 0u64;
    for k in 0..spans {
        let id = mix.hex(8);
        let depth = if k == 0 { 0 } else { 1 + (k as u32 % 4) };
        let parent = if k == 0 {
            None
        } else {
            Some(ids[(k - 1) / 2].clone())
        };
        let start = t;
        t += 200_000 + mix.next() % 800_000;
        let end = start + 1_000_000 + mix.next() % 5_000_000;
        views.push(SpanView {
            id: id.clone(),
            parent,
            name: format!("GET /items/{}", k % 13),
            service: SERVICES[k % 4].into(),
            start: 1_718_000_000_000_000_000 + start,
            end: 1_718_000_000_000_000_000 + end,
            depth,
            events: vec![EventView {
                name: "cache.miss".into(),
                time: 1_718_000_000_000_000_000 + start + 100_000,
            }],
            source: Some(Location::line(
                format!("dumps/batch-{}.json", n / 100),
                (10 + k * 20) as u64,
            )),
        });
        ids.push(id);
    }
    let marked = ids.last().cloned();
    CheckResult {
        id: mix.hex(16),
        kind: Kind::TraceConformance,
        title: format!("{spans} spans, 4 services, root 'GET /items/0'"),
        source: Some(Location::file(format!("dumps/batch-{}.json", n / 100))),
        input: Some(format!("dumps/batch-{}.json", n / 100)),
        verdict: Verdict::Violated(Counterexample {
            summary: "the trace calls the cart after the payment, which the model does not allow"
                .into(),
            steps: (0..10)
                .map(|k| Step {
                    actor: format!("GET /items/{k} {}", ids.get(k).map_or("", String::as_str)),
                    action: format!("start ITEM({k})"),
                    ..Default::default()
                })
                .collect(),
            facts: pairs(&[
                ("observed next", "cache.miss"),
                ("model allowed", "terminate"),
            ]),
            ..Default::default()
        }),
        findings: vec![Finding {
            rule: "phi.conformance".into(),
            span_id: marked.clone(),
            message: "'GET /items' (shipping) is not allowed here".into(),
            related: vec![],
            source: Some(Location::line(
                format!("dumps/batch-{}.json", n / 100),
                (10 + (spans - 1) * 20) as u64,
            )),
        }],
        trace: Some(Box::new(TraceView {
            spans: views,
            marked_span: marked,
            marked_event: Some("cache.miss".into()),
            allowed: vec!["terminate".into(), "payment.refunded".into()],
            omitted: 0,
        })),
        ..Default::default()
    }
}

/// A run over `total` traces of which `violated` (spread evenly) are violated, each with a
/// span tree of `spans` spans; the rest hold.
pub fn many_traces(total: usize, violated: usize, spans: usize) -> Report {
    let mut mix = Mix(42);
    let mut r = Report::new("traces verify");
    r.inputs = (0..total.div_ceil(100))
        .map(|b| format!("dumps/batch-{b}.json"))
        .collect();
    let every = total.checked_div(violated).unwrap_or(usize::MAX).max(1);
    for n in 0..total {
        if violated > 0 && n % every == every - 1 && n / every < violated {
            r.results.push(synthetic_violation(&mut mix, n, spans));
        } else {
            r.results.push(CheckResult {
                id: mix.hex(16),
                kind: Kind::TraceConformance,
                title: format!("{} spans, 4 services, root 'GET /items/0'", 4 + n % 40),
                source: Some(Location::file(format!("dumps/batch-{}.json", n / 100))),
                input: Some(format!("dumps/batch-{}.json", n / 100)),
                ..Default::default()
            });
        }
    }
    r
}

/// Names an attacker chose: markup, quotes, control and bidi characters everywhere text
/// reaches the page.
pub const HOSTILE: &str = "</title><script>alert('x')</script>\"><img src=x onerror=alert(1)> &amp; \u{0}\u{1b}[31m\u{7f}\u{85}\u{202e}";

pub fn hostile_report() -> Report {
    let h = HOSTILE;
    let mut cx = philosophers_deadlock();
    cx.id = h.into();
    cx.title = h.into();
    cx.source = Some(h.into());
    if let Verdict::Violated(c) = &mut cx.verdict {
        c.summary = h.into();
        c.facts.push((h.into(), h.into()));
        c.initial.push((h.into(), h.into()));
        for s in &mut c.steps {
            s.actor = h.into();
            s.action = h.into();
            s.details.push(h.into());
            s.source = Some(h.into());
            s.state.push((h.into(), h.into()));
        }
    }
    let mut trace = checkout_conformance();
    trace.id = h.into();
    if let Some(t) = trace.trace.as_deref_mut() {
        for s in &mut t.spans {
            s.name = h.into();
            s.service = h.into();
            s.source = Some(h.into());
            for e in &mut s.events {
                e.name = h.into();
            }
        }
        t.marked_event = Some(h.into());
        t.allowed.push(h.into());
    }
    for f in &mut trace.findings {
        f.rule = h.into();
        f.message = h.into();
        f.related.push(h.into());
    }
    let mut r = Report::new(h);
    r.inputs = vec![h.into()];
    r.results.push(cx);
    r.results.push(trace);
    r.results.push(CheckResult {
        id: h.into(),
        kind: Kind::Input,
        verdict: Verdict::Error(InputError {
            message: h.into(),
            position: Some(h.into()),
        }),
        ..Default::default()
    });
    r.results.push(CheckResult {
        id: h.into(),
        kind: Kind::Bsp,
        verdict: Verdict::Inconclusive(h.into()),
        ..Default::default()
    });
    r
}
