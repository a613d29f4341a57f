//! The evaluator: data-driven cases in `tests/data/eval` (every `test…` binding must be
//! `true`, or the header line names the expected error, whose rendering is snapshotted), the
//! `Script` seam on the dining philosophers, the `cspot eval` command, and set-algebra laws.

use crate::support::{cases, cspot};
use cspot::cspm::proc::{ProcNode, ProcSource, Property, SemanticModel};
use cspot::cspm::source::Loader;
use cspot::cspm::{Script, ScriptErrors};
use proptest::prelude::*;
use std::path::Path;

/// Reads files relative to the package root (the test's working directory).
struct Files;

impl Loader for Files {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let p = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) => dir.join(path),
            None => Path::new(path).to_path_buf(),
        };
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        Ok((p.display().to_string().replace('\\', "/"), text))
    }
}

enum Expect {
    AllTrue,
    Error(String),
    False(String),
}

fn expectation(text: &str) -> Expect {
    let first = text.lines().next().unwrap_or("");
    if let Some(e) = first.strip_prefix("-- expect-error: ") {
        Expect::Error(e.trim().to_string())
    } else if let Some(n) = first.strip_prefix("-- expect-false: ") {
        Expect::False(n.trim().to_string())
    } else {
        Expect::AllTrue
    }
}

/// Runs one case; returns a failure description, or `None` when it behaves as its header says.
fn run_case(path: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).expect("readable case");
    let expect = expectation(&text);
    let (rendered, outcomes) = match Script::load(path, &mut Files) {
        Err(ScriptErrors {
            diagnostics,
            source_map,
        }) => (
            Some((
                diagnostics[0].message.clone(),
                diagnostics[0].render(&source_map),
            )),
            Vec::new(),
        ),
        Ok(mut s) => {
            let outcomes = s.tests();
            let first_err = outcomes.iter().find_map(|t| t.result.as_ref().err());
            (
                first_err.map(|d| (d.message.clone(), d.render(s.source_map()))),
                outcomes
                    .iter()
                    .map(|t| (t.name.clone(), t.passed))
                    .collect::<Vec<_>>(),
            )
        }
    };
    let stem = Path::new(path).file_stem()?.to_string_lossy().to_string();
    match expect {
        Expect::AllTrue => {
            if let Some((msg, r)) = rendered {
                return Some(format!("{path}: unexpected error {msg}\n{r}"));
            }
            let bad: Vec<&String> = outcomes
                .iter()
                .filter(|(_, p)| *p == Some(false))
                .map(|(n, _)| n)
                .collect();
            if !bad.is_empty() {
                return Some(format!("{path}: not true: {bad:?}"));
            }
            if !outcomes.iter().any(|(_, p)| p.is_some()) {
                return Some(format!("{path}: no test bindings"));
            }
            None
        }
        Expect::Error(want) => match rendered {
            Some((msg, r)) if msg.contains(&want) => {
                insta::assert_snapshot!(format!("eval_{stem}"), r);
                None
            }
            Some((msg, _)) => Some(format!("{path}: expected error `{want}`, got `{msg}`")),
            None => Some(format!("{path}: expected error `{want}`, got none")),
        },
        Expect::False(name) => {
            let ok = outcomes.iter().all(|(n, p)| {
                if *n == name {
                    *p == Some(false)
                } else {
                    *p != Some(false)
                }
            });
            (!ok || rendered.is_some()).then(|| format!("{path}: expected only {name} false"))
        }
    }
}

#[test]
fn data_cases_behave_as_their_headers_say() {
    let mut paths: Vec<String> = std::fs::read_dir("tests/data/eval")
        .expect("tests/data/eval")
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string().replace('\\', "/"))
        .filter(|p| p.ends_with(".csp"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "cases found: {}", paths.len());
    let failures: Vec<String> = paths.iter().filter_map(|p| run_case(p)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn phils() -> Script {
    Script::load("tests/data/eval_seam/phils.csp", &mut Files).expect("phils loads")
}

#[test]
fn assertions_evaluate_to_their_properties() {
    let mut s = phils();
    let asserts: Vec<_> = s
        .assertions()
        .into_iter()
        .map(|a| a.expect("assertion evaluates"))
        .collect();
    assert_eq!(asserts.len(), 6);
    assert!(matches!(
        asserts[0].property,
        Property::DeadlockFree {
            model: SemanticModel::Failures,
            ..
        }
    ));
    assert!(matches!(
        asserts[1].property,
        Property::DivergenceFree { .. }
    ));
    match &asserts[2].property {
        Property::Refinement { spec, model, imp } => {
            assert_eq!(*model, SemanticModel::Traces);
            assert_ne!(spec, imp);
        }
        p => panic!("expected a refinement, got {p:?}"),
    }
    assert!(asserts[3].negated);
    assert!(matches!(
        asserts[3].property,
        Property::Deterministic {
            model: SemanticModel::FailuresDivergences,
            ..
        }
    ));
    match &asserts[4].property {
        Property::HasTrace { trace, .. } => {
            let names: Vec<&str> = trace.iter().map(|e| s.event_name(*e)).collect();
            assert_eq!(names, ["thinks.0", "sits.0"]);
        }
        p => panic!("expected has trace, got {p:?}"),
    }
    assert_eq!(asserts[5].property, Property::Bool(true));
    assert_eq!(asserts[2].text, "PHILS [T= SYSTEM");
    assert_eq!(asserts[3].text, "SYSTEM :[deterministic [FD]]");
    // Every event is interned once, in canonical order (channels as declared).
    assert_eq!(s.all_events().len(), 4 * 3 + 2 * 9);
    assert_eq!(s.event_name(s.all_events()[0]), "thinks.0");
    assert_eq!(s.event_name(s.all_events()[29]), "putsdown.2.2");
}

#[test]
fn unfolding_a_philosopher_gives_its_prefix_chain() {
    let mut s = phils();
    let p = s.process("PHIL(0)").expect("PHIL(0) evaluates");
    let ProcNode::Call(c) = s.node(p).clone() else {
        panic!("a named process is a call")
    };
    assert_eq!(s.call_info(c).name, "PHIL(0)");
    let def = s.call_info(c).span.expect("definition site");
    assert_eq!(s.source_map().line_col(def.file, def.start).0, 7);
    let mut q = s.unfold(c).expect("unfolds");
    let mut events = Vec::new();
    while let ProcNode::Prefix(e, next) = s.node(q).clone() {
        events.push(s.event_name(e).to_string());
        q = next;
    }
    assert_eq!(
        events,
        [
            "thinks.0",
            "sits.0",
            "picks.0.0",
            "picks.0.1",
            "eats.0",
            "putsdown.0.1",
            "putsdown.0.0",
            "getsup.0"
        ]
    );
    // The recursion comes back to the same call: finite.
    assert_eq!(s.node(q), &ProcNode::Call(c));
    assert_eq!(s.unfold(c).expect("cached"), s.unfold(c).expect("cached"));
    // The system is a parallel composition of the two interleavings.
    let sys = s.process("SYSTEM").expect("SYSTEM");
    let ProcNode::Call(sc) = s.node(sys).clone() else {
        panic!("SYSTEM is a call")
    };
    let body = s.unfold(sc).expect("SYSTEM unfolds");
    match s.node(body).clone() {
        ProcNode::GenParallel(a, ps) => {
            assert_eq!(ps.len(), 2);
            assert_eq!(s.event_set(a).len(), 18);
        }
        n => panic!("expected a parallel, got {n:?}"),
    }
}

#[test]
fn inputs_become_external_choices_of_prefixes() {
    let mut s = phils();
    let p = s.process("thinks?i -> STOP").expect("input");
    match s.node(p).clone() {
        ProcNode::ExtChoice(ps) => {
            let names: Vec<String> = ps
                .iter()
                .map(|q| match s.node(*q) {
                    ProcNode::Prefix(e, _) => s.event_name(*e).to_string(),
                    n => format!("{n:?}"),
                })
                .collect();
            assert_eq!(names, ["thinks.0", "thinks.1", "thinks.2"]);
        }
        n => panic!("expected a choice, got {n:?}"),
    }
    let p = s
        .process("thinks$i -> STOP")
        .expect("nondeterministic input");
    assert!(matches!(s.node(p), ProcNode::IntChoice(ps) if ps.len() == 3));
    let p = s.process("false & STOP").expect("guard");
    assert_eq!(s.node(p), &ProcNode::Stop);
}

#[test]
fn eval_displays_values_as_fdr_does() {
    let mut s = phils();
    let cases = [
        ("{3, 1, 2}", "{1, 2, 3}"),
        ("<1, 2>", "<1, 2>"),
        ("(1, true)", "(1, true)"),
        ("picks.1", "picks.1"),
        ("{| thinks |}", "{thinks.0, thinks.1, thinks.2}"),
        ("\"abc\"", "\"abc\""),
        ("(| 1 => 2 |)", "(| 1 => 2 |)"),
        ("{0..}", "{0..}"),
        ("'x'", "'x'"),
        ("PHIL(1)", "PHIL(1)"),
    ];
    for (e, want) in cases {
        let v = s.eval(e).unwrap_or_else(|d| panic!("{e}: {}", d.message));
        assert_eq!(s.show(&v), want, "{e}");
    }
}

#[test]
fn cli_eval_prints_values_and_diagnostics() {
    let (code, out, _) = cspot(&["eval", "tests/data/eval_seam/phils.csp", "card(Events)"]);
    assert_eq!((code, out.as_str()), (0, "30\n"));
    let (code, out, err) = cspot(&["eval", "tests/data/eval_seam/phils.csp", "thinks.7"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("7 is not a valid value for field 1 of `thinks`"),
        "{err}"
    );
    assert!(
        err.contains("<expression 1>:1:1:") && err.contains(" 1 │ thinks.7\n"),
        "position and snippet: {err}"
    );
    let (code, out, _) = cspot(&["eval", "tests/data/eval/maps.csp", "--tests"]);
    assert_eq!(code, 0);
    assert!(out.lines().all(|l| l.ends_with("= true")), "{out}");
    let (code, out, _) = cspot(&["eval", "tests/data/eval/err_false_test.csp", "--tests"]);
    assert_eq!(code, 1);
    assert!(out.contains("test2 = false"), "{out}");
    let (code, _, _) = cspot(&["eval", "tests/data/eval/err_head_empty.csp", "--tests"]);
    assert_eq!(code, 2);
}

/// An error in an expression given on the command line points at its column in that text,
/// not in the `eval = …` declaration it is parsed as; the snippet shows the text as written.
/// Each case: (expression, column of the error, what the message says).
#[test]
fn command_line_expressions_report_their_own_columns() {
    let cases = [
        ("1 +", 3, "expected an expression"),
        ("1 ++ 2", 4, "expected an expression"),
        ("card(Events) + nosuch", 16, "unknown name `nosuch`"),
        ("  thinks.7", 3, "7 is not a valid value"),
        ("x = 3", 3, "expected end of line"),
    ];
    for (expr, col, says) in cases {
        let (code, _, err) = cspot(&["eval", "tests/data/eval_seam/phils.csp", expr]);
        assert_eq!(code, 2, "{expr}: {err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.starts_with(&format!("<expression 1>:1:{col}: error: ")) && first.contains(says),
            "{expr}: wanted column {col} ({says}), got\n{err}"
        );
        assert!(
            err.contains(&format!(" 1 │ {expr}\n")),
            "{expr}: snippet\n{err}"
        );
        assert!(!err.contains("eval ="), "{expr}: the wrapper shows\n{err}");
    }
    // The library gives the same span: offsets into the expression's own text.
    let mut script = phils();
    let d = script.eval("1 + nosuch").expect_err("unknown name");
    assert_eq!((d.span.start, d.span.end), (4, 10), "{d:?}");
    assert_eq!(script.source_map().position(d.span), "<expression 1>:1:5");
}

fn set_text(xs: &[i32]) -> String {
    let items: Vec<String> = xs.iter().map(|x| format!("({x})")).collect();
    format!("{{{}}}", items.join(", "))
}

proptest! {
    #![proptest_config(cases(48))]

    /// The evaluator's set operations agree with Rust's on small integer sets, and print
    /// in canonical (sorted) order.
    #[test]
    fn set_algebra_matches_a_model(a in proptest::collection::vec(-20i32..20, 0..8),
                                   b in proptest::collection::vec(-20i32..20, 0..8)) {
        use std::collections::BTreeSet;
        let mut s = phils();
        let (sa, sb): (BTreeSet<i32>, BTreeSet<i32>) =
            (a.iter().copied().collect(), b.iter().copied().collect());
        let show = |set: BTreeSet<i32>| {
            let items: Vec<String> = set.iter().map(|x| x.to_string()).collect();
            format!("{{{}}}", items.join(", "))
        };
        for (op, want) in [
            ("union", show(sa.union(&sb).copied().collect())),
            ("inter", show(sa.intersection(&sb).copied().collect())),
            ("diff", show(sa.difference(&sb).copied().collect())),
        ] {
            let v = s.eval(&format!("{op}({}, {})", set_text(&a), set_text(&b))).unwrap();
            prop_assert_eq!(s.show(&v), want);
        }
        let v = s.eval(&format!("card({}) == {}", set_text(&a), sa.len())).unwrap();
        prop_assert_eq!(s.show(&v), "true");
        let v = s.eval(&format!("{} <= union({}, {})", set_text(&a), set_text(&a), set_text(&b))).unwrap();
        prop_assert_eq!(s.show(&v), "true");
    }
}

fn procs() -> Script {
    Script::load("tests/data/eval_seam/procs.csp", &mut Files).expect("procs loads")
}

/// The body of a named process.
fn body(s: &mut Script, name: &str) -> ProcNode {
    let p = s.process(name).expect(name);
    let ProcNode::Call(c) = s.node(p).clone() else {
        panic!("{name} is a call")
    };
    let b = s.unfold(c).expect("unfolds");
    s.node(b).clone()
}

fn names(s: &Script, evs: &[cspot::cspm::proc::EventId]) -> Vec<String> {
    evs.iter().map(|e| s.event_name(*e).to_string()).collect()
}

#[test]
fn process_builtins_and_operators_build_their_nodes() {
    let mut s = procs();
    // loop(P) = P ; loop(P): the call comes back to itself.
    let lp = s.process("loop(P)").expect("loop");
    let ProcNode::Call(lc) = s.node(lp).clone() else {
        panic!("loop is a call")
    };
    let lb = s.unfold(lc).expect("loop unfolds");
    match s.node(lb).clone() {
        ProcNode::Seq(first, rest) => {
            assert_eq!(rest, lp);
            assert!(matches!(s.node(first), ProcNode::Call(_)));
        }
        n => panic!("loop body: {n:?}"),
    }
    // BUFFER: inputs first, then the oldest output.
    let buf = s.process("BUF").expect("BUF");
    let ProcNode::Call(c) = s.node(buf).clone() else {
        panic!()
    };
    let b = s.unfold(c).expect("BUF");
    let ProcNode::Call(c) = s.node(b).clone() else {
        panic!("BUF is BUFFER(...)")
    };
    let b = s.unfold(c).expect("BUFFER");
    let ProcNode::ExtChoice(alts) = s.node(b).clone() else {
        panic!("an empty buffer offers every input")
    };
    let first: Vec<String> = alts
        .iter()
        .map(|q| match s.node(*q) {
            ProcNode::Prefix(e, _) => s.event_name(*e).to_string(),
            n => format!("{n:?}"),
        })
        .collect();
    assert_eq!(first, ["c.0", "c.1"]);
    // Renaming a channel renames every event of it.
    match body(&mut s, "REN") {
        ProcNode::Rename(_, r) => {
            let pairs: Vec<(String, String)> = s
                .relation(r)
                .iter()
                .map(|(x, y)| (s.event_name(*x).into(), s.event_name(*y).into()))
                .collect();
            assert_eq!(
                pairs,
                [("c.0".into(), "d.0".into()), ("c.1".into(), "d.1".into())]
            );
        }
        n => panic!("REN: {n:?}"),
    }
    assert!(matches!(body(&mut s, "LINK"), ProcNode::Linked(..)));
    // `|\ A` hides everything but A.
    match body(&mut s, "PROJ") {
        ProcNode::Hide(_, h) => {
            let hidden = names(&s, s.event_set(h));
            assert_eq!(hidden, ["b", "c.0", "c.1", "d.0", "d.1"]);
        }
        n => panic!("PROJ: {n:?}"),
    }
    // Semantics-preserving compressions are the identity.
    let p = s.process("P").expect("P");
    assert_eq!(
        body(&mut s, "NORM"),
        ProcNode::Call(match s.node(p) {
            ProcNode::Call(c) => *c,
            _ => panic!(),
        })
    );
    // Replicated sequential composition over a sequence, in order.
    match body(&mut s, "REP") {
        ProcNode::Seq(first, _) => match s.node(first) {
            ProcNode::Prefix(e, _) => assert_eq!(s.event_name(*e), "c.0"),
            n => panic!("{n:?}"),
        },
        n => panic!("REP: {n:?}"),
    }
    let err = s.process("chase(P)").expect_err("chase is unsupported");
    assert!(
        err.message.starts_with("unsupported: `chase`"),
        "{}",
        err.message
    );
}
