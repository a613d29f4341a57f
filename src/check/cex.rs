//! Counterexamples from machine paths: one step per transition, naming the leaves that took
//! part, where they are defined, and what state each moved to.

use crate::cspm::proc::{EventId, TAU, TICK};
use crate::cspm::source::Span;
use crate::lts::{Compiler, Machine};
use crate::report::{Counterexample, Step};

pub fn event_text(c: &Compiler<'_>, e: EventId) -> String {
    match e {
        TAU => "τ".into(),
        TICK => "✓".into(),
        _ => c.event_name(e).to_string(),
    }
}

/// A leaf's name for a report: call names with big arguments (a regulator over an alphabet of
/// fifty events) are cut after `SHORT_NAME` characters, so that a step stays one line.
const SHORT_NAME: usize = 60;

fn short(name: &str) -> std::borrow::Cow<'_, str> {
    match name.char_indices().nth(SHORT_NAME) {
        Some((cut, _)) => format!("{}…", &name[..cut]).into(),
        None => name.into(),
    }
}

/// Steps of a path of `(machine label, state after)`; machine states start at word `offset`.
/// τ steps are dropped unless `show_tau`; `loop_at` (an index into `steps`) marks a lasso.
pub fn build(
    c: &Compiler<'_>,
    m: &Machine,
    steps: &[(u32, Vec<u32>)],
    offset: usize,
    loop_at: usize,
    show_tau: bool,
    position: &dyn Fn(Span) -> String,
) -> Counterexample {
    let mut cx = Counterexample {
        initial: leaf_states(c, m, &m.initial),
        ..Counterexample::default()
    };
    for (k, (label, state)) in steps.iter().enumerate() {
        let e = m.label_event(*label);
        let internal = e == TAU;
        if k == loop_at {
            cx.loop_start = Some(cx.steps.len());
        }
        if internal && !show_tau && k < loop_at {
            continue;
        }
        let parts = m.label_parts(*label);
        let names: Vec<std::borrow::Cow<'_, str>> = parts
            .iter()
            .filter_map(|&(i, _)| m.leaves.get(i as usize).map(|l| short(&l.name)))
            .collect();
        let mut details = Vec::new();
        for (k, &(i, le)) in parts.iter().enumerate() {
            let Some(leaf) = m.leaves.get(i as usize) else {
                continue;
            };
            let local = m.local(&state[offset..], i as usize);
            let mut d = short(&leaf.name).into_owned();
            if le != e {
                d.push_str(&format!(" does {}", event_text(c, le)));
            }
            d.push_str(&format!(" now {}", c.leaf_state(m, i as usize, local)));
            // The first participant's definition is the step's own source.
            if let Some(sp) = leaf.span.filter(|_| k > 0) {
                d.push_str(&format!("  ({})", position(sp)));
            }
            details.push(d);
        }
        let source = parts
            .first()
            .and_then(|&(i, _)| m.leaves.get(i as usize))
            .and_then(|l| l.span)
            .map(position);
        cx.steps.push(Step {
            actor: names.join(", "),
            action: event_text(c, e),
            details,
            source,
            internal,
            state: leaf_states(c, m, &state[offset..]),
        });
    }
    cx
}

/// Every leaf's name and local state in the machine state `st`: the state of a step, for
/// renderers that draw the path through the states.
fn leaf_states(c: &Compiler<'_>, m: &Machine, st: &[u32]) -> Vec<(String, String)> {
    m.leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            (
                short(&leaf.name).into_owned(),
                c.leaf_state(m, i, m.local(st, i)),
            )
        })
        .collect()
}

/// One fact per leaf: its state and what it offers, for the final state of a counterexample.
pub fn leaf_facts(
    c: &Compiler<'_>,
    m: &Machine,
    state: &[u32],
    offset: usize,
    facts: &mut Vec<(String, String)>,
) {
    let st = &state[offset..];
    for (i, leaf) in m.leaves.iter().enumerate() {
        let local = m.local(st, i);
        let offers: Vec<String> = leaf
            .groups_of(local)
            .iter()
            .map(|g| event_text(c, g.event))
            .collect();
        facts.push((
            short(&leaf.name).into_owned(),
            format!(
                "at {} offering {{{}}}",
                c.leaf_state(m, i, local),
                offers.join(", ")
            ),
        ));
    }
}
