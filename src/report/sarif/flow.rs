//! A counterexample as a SARIF code flow (one thread flow, one location per step), and the
//! partial fingerprints that let code scanning follow a result from run to run. Neither may
//! depend on line numbers or timings: both must be the same for the same finding tomorrow.

use super::location::physical;
use crate::report::{Counterexample, Step};
use serde_json::{Value, json};

/// `codeFlows` for `cx`, or `None` when it has no steps (a thread flow needs a location).
/// A step without a source points at `fallback`, the result's own location.
pub fn code_flows(cx: &Counterexample, fallback: &Value) -> Option<Value> {
    if cx.steps.is_empty() {
        return None;
    }
    let locations: Vec<Value> = cx
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let place = s.source.as_ref().map_or_else(|| fallback.clone(), physical);
            let mut text = step_text(s);
            if cx.loop_start == Some(i) {
                text = format!("loop starts here: {text}");
            }
            let mut loc = json!({
                "location": { "physicalLocation": place, "message": { "text": text } },
                "executionOrder": i + 1,
                "nestingLevel": 0,
            });
            if s.internal {
                // Hidden steps stay in the flow, marked so viewers may fold them.
                loc["importance"] = json!("unimportant");
            }
            loc
        })
        .collect();
    let mut flow = json!({ "locations": locations });
    if let Some(k) = cx.loop_start {
        flow["message"] = json!({
            "text": format!("the run loops back to step {} forever", k + 1)
        });
    }
    Some(json!([{
        "message": { "text": summary_or(cx, "counterexample") },
        "threadFlows": [flow],
    }]))
}

/// `[actor] action`, then the step's details after `; `.
fn step_text(s: &Step) -> String {
    let mut text = if s.actor.is_empty() {
        s.action.clone()
    } else {
        format!("[{}] {}", s.actor, s.action)
    };
    for d in &s.details {
        text.push_str("; ");
        text.push_str(d);
    }
    if text.trim().is_empty() {
        text = "(step)".into();
    }
    text
}

/// The summary, or `default` when it is blank (SARIF messages must have text).
fn summary_or<'a>(cx: &'a Counterexample, default: &'a str) -> &'a str {
    if cx.summary.trim().is_empty() {
        default
    } else {
        &cx.summary
    }
}

/// FNV-1a, 64 bits, over the parts separated by a NUL byte (so `("ab","c")` and `("a","bc")`
/// differ). Written out because std's hasher is seeded per process.
pub fn fingerprint(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            // The separator, a NUL byte: xoring 0 leaves `h` as it is, the multiply remains.
            h = h.wrapping_mul(PRIME);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_its_reference_values() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(fingerprint(&[""]), "cbf29ce484222325");
        assert_eq!(fingerprint(&["a"]), "af63dc4c8601ec8c");
        assert_eq!(fingerprint(&["foobar"]), "85944171f73967e8");
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
    }
}
