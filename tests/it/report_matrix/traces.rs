//! The matrix's captured-trace cases: one tiny OTLP/JSON dump per rule of `traces check`
//! (and a test that no rule lacks one), and `traces verify` violations of each kind Φ
//! reports: conformance, parent (call structure), termination, unmapped events, traces with
//! no activation.

use super::harness::{Expect, case};
use crate::support::cspot;
use std::path::Path;

const DUMPS: &str = "tests/data/reports/otlp";

fn rule_case(rule: &'static str) {
    let file = format!("{DUMPS}/{rule}.json");
    let expect = Expect::violated("trace.structure").rule(rule);
    case(
        &format!("traces_{rule}"),
        &["traces", "check", &file],
        &expect,
    );
}

/// The rules `traces check` lists, one id per line.
fn listed_rules() -> Vec<String> {
    // `--list-rules` is the planned spelling; `--rules list` is today's.
    let (code, out, _) = cspot(&["traces", "check", "--list-rules"]);
    let out = if code == 0 {
        out
    } else {
        cspot(&["traces", "check", "--rules", "list", "-"]).1
    };
    out.lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// A rule added to `traces check` must get its dump (and case) here.
#[test]
fn every_listed_rule_has_a_dump() {
    let rules = listed_rules();
    assert!(rules.len() >= 13, "{rules:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for rule in &rules {
        let dump = root.join(DUMPS).join(format!("{rule}.json"));
        assert!(
            dump.is_file(),
            "no dump for rule {rule} ({})",
            dump.display()
        );
    }
}

#[test]
fn span_invalid_id() {
    rule_case("span.invalid-id");
}

#[test]
fn span_end_before_start() {
    rule_case("span.end-before-start");
}

#[test]
fn trace_duplicate_span_id() {
    rule_case("trace.duplicate-span-id");
}

#[test]
fn trace_orphan() {
    rule_case("trace.orphan");
}

#[test]
fn trace_no_root() {
    rule_case("trace.no-root");
}

#[test]
fn trace_multiple_roots() {
    rule_case("trace.multiple-roots");
}

#[test]
fn trace_cycle() {
    rule_case("trace.cycle");
}

#[test]
fn trace_parent_in_other_trace() {
    rule_case("trace.parent-in-other-trace");
}

#[test]
fn timing_child_starts_before_parent() {
    rule_case("timing.child-starts-before-parent");
}

#[test]
fn timing_child_ends_after_parent() {
    rule_case("timing.child-ends-after-parent");
}

#[test]
fn propagation_remote_flag() {
    rule_case("propagation.remote-flag");
}

#[test]
fn propagation_server_parent() {
    rule_case("propagation.server-parent");
}

#[test]
fn link_invalid() {
    rule_case("link.invalid");
}

const QUEUE: &str = "models/phi/queue.toml";

fn verify(name: &str, dump: &str, model: &str, rule: &'static str) {
    let expect = Expect::violated("trace.conformance").rule(rule);
    let doc = case(
        &format!("phi_{name}"),
        &["traces", "verify", dump, "--model", model],
        &expect,
    );
    // The violation names the span it is about.
    let r = doc["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["verdict"] == "violated"))
        .cloned()
        .unwrap_or_default();
    let finding = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["rule"] == rule))
        .cloned()
        .unwrap_or_default();
    assert!(finding["span_id"].is_string(), "{name}: {r}");
}

/// An event the model does not allow next (a message processed twice).
#[test]
fn phi_conformance() {
    let dump = "fixtures/phi/queue/captured-bad-processed-twice.json";
    verify("conformance", dump, QUEUE, "phi.conformance");
}

/// The right call under the wrong parent span: the call structure is broken.
#[test]
fn phi_parent() {
    let dump = "fixtures/phi/queue/synth-bad-consumer-under-api.json";
    verify("parent", dump, QUEUE, "phi.parent");
}

/// Every span ended, but the model cannot terminate: the consumer started a fresh trace.
#[test]
fn phi_termination() {
    let dump = "fixtures/phi/queue/captured-bad-fresh-trace.json";
    verify("termination", dump, QUEUE, "phi.termination");
}

/// A span event the model does not name, under `unmapped = "error"`.
#[test]
fn phi_unmapped() {
    let dump = "tests/data/reports/phi/unmapped-event.json";
    let model = "tests/data/reports/phi/queue-strict.toml";
    verify("unmapped", dump, model, "phi.unmapped");
}

/// A trace none of whose spans is an activation of the model.
#[test]
fn phi_no_activation() {
    let dump = "tests/data/reports/phi/no-activation.json";
    verify("no_activation", dump, QUEUE, "phi.no-activation");
}
