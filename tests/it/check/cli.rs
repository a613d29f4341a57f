//! The `check` and `lts` commands: counterexample reports (snapshots), `--jobs`
//! independence, `--show-tau`, bounds and exit codes, LTS export formats.

use crate::support::cspot;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/check")
        .join(name)
}

fn report(file: &str, extra: &[&str]) -> String {
    let path = format!("tests/data/check/reports/{file}");
    let mut args = vec!["check", path.as_str(), "--no-timings", "-q"];
    args.extend_from_slice(extra);
    let (code, out, err) = cspot(&args);
    assert_eq!(code, 1, "{file}: exit {code}\n{err}");
    out
}

#[test]
fn deadlock_report() {
    insta::assert_snapshot!(report("deadlock.csp", &[]));
}

#[test]
fn refinement_reports() {
    insta::assert_snapshot!(report("refinement.csp", &[]));
}

#[test]
fn divergence_report() {
    insta::assert_snapshot!(report("divergence.csp", &[]));
}

#[test]
fn determinism_report() {
    insta::assert_snapshot!(report("determinism.csp", &[]));
}

#[test]
fn show_tau_keeps_internal_steps() {
    let plain = report("refinement.csp", &["--assert", "2"]);
    let tau = report("refinement.csp", &["--assert", "2", "--show-tau"]);
    assert!(!plain.contains(" τ"), "{plain}");
    assert!(tau.contains(" τ"), "{tau}");
}

/// Verdicts and counterexamples do not depend on the number of worker threads: same JSON,
/// byte for byte, on every data file and report.
#[test]
fn one_and_two_jobs_give_the_same_reports() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("reports"))
        .expect("reports")
        .chain(std::fs::read_dir(data("")).expect("data"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .collect();
    files.sort();
    let mut specs: Vec<PathBuf> = std::fs::read_dir("specs")
        .expect("specs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .collect();
    specs.sort();
    files.extend(specs);
    let mut compared = 0;
    for f in &files {
        let f = f.to_string_lossy();
        let run = |jobs: &str| {
            cspot(&[
                "check",
                &f,
                "--format",
                "json",
                "--no-timings",
                "-q",
                "--jobs",
                jobs,
                "--max-leaf-states",
                "20000",
            ])
        };
        let (c1, o1, _) = run("1");
        for jobs in ["2", "4"] {
            let (c2, o2, _) = run(jobs);
            assert_eq!(c1, c2, "{f}: exit codes differ at --jobs {jobs}");
            assert_eq!(
                o1, o2,
                "{f}: reports differ between --jobs 1 and --jobs {jobs}"
            );
        }
        if o1.contains("\"steps\"") {
            compared += 1;
        }
    }
    assert!(
        compared >= 10,
        "only {compared} files with counterexamples compared"
    );
}

#[test]
fn a_state_bound_is_inconclusive() {
    let (code, out, _) = cspot(&[
        "check",
        "specs/phils.csp",
        "--assert",
        "2",
        "--max-states",
        "100",
        "--no-timings",
        "-q",
    ]);
    assert_eq!(code, 3, "{out}");
    assert!(
        out.contains("INCONCLUSIVE") && out.contains("--max-states"),
        "{out}"
    );
}

#[test]
fn assert_out_of_range_is_a_usage_error() {
    let (code, _, err) = cspot(&["check", "specs/phils.csp", "--assert", "99"]);
    assert_eq!(code, 2);
    assert!(err.contains("out of range"), "{err}");
}

#[test]
fn an_unbounded_leaf_is_reported_with_its_position() {
    let (code, _, err) = cspot(&[
        "check",
        "tests/data/check/unbounded_counter.csp",
        "--max-leaf-states",
        "1000",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unbounded_counter.csp:4:1"), "{err}");
    assert!(err.contains("COUNT(0)") && err.contains("finite"), "{err}");
}

#[test]
fn lts_export_formats() {
    let file = "tests/data/check/reports/determinism.csp";
    let (code, aut, err) = cspot(&["lts", file, "GREEDY", "--format", "aut"]);
    assert_eq!(code, 0, "{err}");
    // coin, then τ to either branch, then tea or coffee back to the start: 4 states, 5 edges.
    assert_eq!(aut.lines().next(), Some("des (0, 5, 4)"), "{aut}");
    assert!(aut.contains("\"i\"") && aut.contains("\"coin\""), "{aut}");
    let (_, dot, _) = cspot(&["lts", file, "GREEDY", "--format", "dot"]);
    assert!(
        dot.starts_with("digraph") && dot.contains("style=dashed"),
        "{dot}"
    );
    let (_, json, _) = cspot(&["lts", file, "GREEDY", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(v["state_count"], 4);
    assert_eq!(v["transitions"].as_array().map(|a| a.len()), Some(5));
}

/// Recursion ten thousand levels deep through a parallel operator and through a choice used
/// to overflow the stack; both are checked, with a counterexample at the innermost choice.
#[test]
fn deep_recursion_is_checked_without_overflowing_the_stack() {
    let (code, out, err) = cspot(&[
        "check",
        "tests/data/check/deep/recursion.csp",
        "--format",
        "json",
        "--no-timings",
        "-q",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let verdicts: Vec<&str> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["verdict"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(verdicts, ["holds", "violated"], "{out}");
    let steps = &v["results"][1]["counterexample"]["steps"];
    assert_eq!(steps.as_array().map(|s| s.len()), Some(1), "{out}");
    assert!(steps.to_string().contains("a.1"), "{out}");
}

/// Normalisation (of a refinement's specification, of a process checked for determinism) is
/// bounded by `--timeout`, `--max-memory` and `--max-states` like the search itself.
#[test]
fn bounds_stop_an_exploding_normalisation() {
    let file = "tests/data/check/deep/normal_form_explodes.csp";
    for (flag, value, reason) in [
        ("--timeout", "0.5", "time bound"),
        ("--max-memory", "16M", "memory bound"),
        ("--max-states", "1000", "more than 1000 nodes"),
    ] {
        let (code, out, err) = cspot(&["check", file, flag, value, "--no-timings", "-q"]);
        assert_eq!(code, 3, "{flag}: {out}{err}");
        let reasons: Vec<&str> = out.lines().filter(|l| l.contains("reason:")).collect();
        assert_eq!(reasons.len(), 2, "{flag}: {out}");
        for r in reasons {
            assert!(
                r.contains(reason) && r.contains("normal form"),
                "{flag}: {r}"
            );
        }
    }
}

/// `assert not ...` shows its `not` in the title (text and JSON), and its verdict is the
/// property's inverted.
#[test]
fn a_negated_assertion_is_titled_with_its_not() {
    let file = "tests/data/check/assert_not.csp";
    let (code, text, err) = cspot(&["check", file, "--no-timings", "-q"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        text.contains("HOLDS        assert 1: not STOP :[deadlock free [F]]"),
        "{text}"
    );
    assert!(
        text.contains("VIOLATED     assert 2: not SKIP :[deadlock free [F]]"),
        "{text}"
    );
    let (_, json, _) = cspot(&["check", file, "--format", "json", "--no-timings", "-q"]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let titles: Vec<(&str, &str)> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap_or("?"),
                r["verdict"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        titles,
        [
            ("not STOP :[deadlock free [F]]", "holds"),
            ("not SKIP :[deadlock free [F]]", "violated"),
            ("not a -> STOP [T= STOP [] b -> STOP", "holds"),
        ]
    );
}

/// Computing a process's transitions is bounded too: `R(10000)` memoises about 5·10⁷
/// transitions (its leaf's tables grow quadratically), which `--max-memory` and `--timeout`
/// stop as inconclusive.
#[test]
fn bounds_stop_the_computation_of_transitions() {
    let file = "tests/data/check/deep/recursion.csp";
    for (flag, value, reason) in [
        ("--max-memory", "64M", "memory bound"),
        ("--timeout", "0.2", "time bound"),
    ] {
        let args = [
            "check",
            file,
            "--assert",
            "2",
            flag,
            value,
            "--no-timings",
            "-q",
        ];
        let (code, out, err) = cspot(&args);
        assert_eq!(code, 3, "{flag}: {out}{err}");
        // On a loaded machine the 0.2 s can pass while the assertion is still evaluated.
        let phase = out.contains("transitions") || out.contains("while evaluating");
        assert!(out.contains(reason) && phase, "{flag}: {out}");
    }
}

#[test]
fn a_boolean_assertion_has_its_own_kind() {
    let file = "tests/data/check/boolean_assert.csp";
    let (_, json, err) = cspot(&["check", file, "--format", "json", "--no-timings", "-q"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {err}"));
    let kinds: Vec<&str> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or("?"))
        .collect();
    assert!(!kinds.is_empty(), "{json}");
    assert!(kinds.iter().all(|&k| k == "boolean"), "{kinds:?}");
}

/// `specs/context_propagation.csp`: the context-propagation theorem holds for the program
/// whose goroutines get the handler's context and is violated, at the goroutine's span start
/// with parent `Background`, for the one that starts a goroutine with the background context.
#[test]
fn context_propagation_spec_holds_and_a_lost_context_violates_it() {
    let (code, out, err) = cspot(&[
        "check",
        "specs/context_propagation.csp",
        "--format",
        "json",
        "--no-timings",
        "-q",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let results = v["results"].as_array().expect("results");
    let verdicts: Vec<(&str, &str)> = results
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap_or("?"),
                r["verdict"].as_str().unwrap_or("?"),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("CORRECT_SYSTEM :[deadlock free [F]]", "holds"),
            ("CORRECT_SYSTEM :[divergence free]", "holds"),
            ("LOST_SYSTEM :[deadlock free [F]]", "holds"),
            ("PROPAGATED({}, {}) [T= CORRECT_SYSTEM \\ {|work|}", "holds"),
            ("PROPAGATED({}, {}) [T= LOST_SYSTEM \\ {|work|}", "violated"),
        ],
        "{out}"
    );
    let actions: Vec<&str> = results[4]["counterexample"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["action"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(
        actions,
        ["start.handler.1.Background", "start.fetchCart.2.Background"],
        "{out}"
    );
}
