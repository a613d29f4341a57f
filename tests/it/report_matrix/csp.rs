//! The matrix's CSP cases (`cspot check`): one file per kind of assertion, each violated;
//! the input errors (an unsupported model, an evaluation error, a file that does not parse);
//! a check stopped by a bound; and the exit-code precedence between verdicts.

use super::harness::{Expect, case};

const DIR: &str = "tests/data/reports/csp";

fn check(name: &str, expect: Expect) -> serde_json::Value {
    let file = format!("{DIR}/{name}.csp");
    case(&format!("csp_{name}"), &["check", &file], &expect)
}

#[test]
fn refinement_traces() {
    check("refinement_traces", Expect::violated("refinement.traces"));
}

#[test]
fn refinement_failures() {
    check(
        "refinement_failures",
        Expect::violated("refinement.failures"),
    );
}

#[test]
fn refinement_fd() {
    let doc = check("refinement_fd", Expect::violated("refinement.fd"));
    // Violated by a divergence alone, so the counterexample is a lasso.
    let cx = &doc["results"][0]["counterexample"];
    assert!(cx["loop_start"].is_u64(), "{cx}");
}

#[test]
fn divergence() {
    let doc = check("divergence", Expect::violated("divergence"));
    let cx = &doc["results"][0]["counterexample"];
    assert!(cx["loop_start"].is_u64(), "{cx}");
}

#[test]
fn deadlock() {
    check("deadlock", Expect::violated("deadlock"));
}

#[test]
fn determinism() {
    check("determinism", Expect::violated("determinism"));
}

#[test]
fn has_trace() {
    check("has_trace", Expect::violated("has-trace"));
}

#[test]
fn boolean() {
    check("boolean", Expect::violated("boolean"));
}

/// An assertion that cannot be checked keeps the kind of its property, with verdict error
/// and the assertion's position.
#[test]
fn unsupported_model() {
    let doc = check("unsupported_model", Expect::error("refinement.failures"));
    let r = &doc["results"][0];
    assert!(
        r["reason"]
            .as_str()
            .is_some_and(|s| s.starts_with("unsupported:")),
        "{r}"
    );
    assert_eq!(r["position"], format!("{DIR}/unsupported_model.csp:3:1"));
}

#[test]
fn type_error() {
    let doc = check("type_error", Expect::error("boolean"));
    assert_eq!(
        doc["results"][0]["position"],
        format!("{DIR}/type_error.csp:2:8")
    );
}

/// A bound that stops the check gives `inconclusive` with the bound as the reason.
#[test]
fn inconclusive_at_the_state_bound() {
    let file = format!("{DIR}/refinement_traces.csp");
    let expect = Expect::inconclusive("refinement.traces");
    let doc = case(
        "csp_inconclusive",
        &["check", &file, "--max-states", "1"],
        &expect,
    );
    let reason = doc["results"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("--max-states"), "{reason}");
}

/// Exit-code precedence through the binary: an error outranks a violation, which outranks
/// an inconclusive result.
#[test]
fn error_outranks_violated_outranks_inconclusive() {
    let deadlock = format!("{DIR}/deadlock.csp");
    let unsupported = format!("{DIR}/unsupported_model.csp");
    let bounded = format!("{DIR}/refinement_traces.csp");
    let expect = Expect::violated("deadlock").exit(2);
    let doc = case(
        "csp_precedence_error",
        &["check", &deadlock, &unsupported],
        &expect,
    );
    assert_eq!(doc["summary"]["errors"], 1);
    // The deadlock is found within one state; the refinement is not.
    let args = ["check", &deadlock, &bounded, "--max-states", "1"];
    let doc = case(
        "csp_precedence_violated",
        &args,
        &Expect::violated("deadlock"),
    );
    assert_eq!(doc["summary"]["inconclusive"], 1);
}

/// A file that does not parse must never count as passing: one result of kind `input` with
/// verdict `error` at the position of the parse error, and exit 2.
#[test]
fn parse_error() {
    let file = format!("{DIR}/parse_error.csp");
    let doc = case(
        "csp_parse_error",
        &["check", &file],
        &Expect::error("input"),
    );
    let results = doc["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(
        results[0]["position"]
            .as_str()
            .is_some_and(|p| p.starts_with(&format!("{file}:3:"))),
        "{results:?}"
    );
    assert_eq!(doc["summary"]["errors"], 1);
}
