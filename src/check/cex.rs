//! Counterexamples from machine paths: one step per transition, naming the leaves that took
//! part, where they are defined, and what state each moved to. Each is data (the leaves'
//! names, the event's channel and fields, the leaves' states and offers) with its prose
//! beside it, made from the same values.

use crate::cspm::proc::{EventId, TAU, TICK};
use crate::cspm::source::Span;
use crate::lts::{Compiler, Machine};
use crate::report::{Counterexample, Event, LeafState, Location, Step};

pub fn event_text(c: &Compiler<'_>, e: EventId) -> String {
    match e {
        TAU => "τ".into(),
        TICK => "✓".into(),
        _ => c.event_name(e).to_string(),
    }
}

/// An event as data: its channel and fields (τ and ✓ are channels of their own).
pub fn event(c: &Compiler<'_>, e: EventId) -> Event {
    match e {
        TAU => Event::tau(),
        TICK => Event::tick(),
        _ => {
            let (channel, fields) = c.event_parts(e);
            Event::new(channel, fields)
        }
    }
}

/// Events as data, in the order given.
pub fn events(c: &Compiler<'_>, es: &[EventId]) -> Vec<Event> {
    es.iter().map(|&e| event(c, e)).collect()
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
    position: &dyn Fn(Span) -> Location,
) -> Counterexample {
    let initial = leaves(c, m, &m.initial);
    let mut cx = Counterexample {
        initial: pairs(&initial),
        initial_leaves: initial,
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
        let names: Vec<String> = parts
            .iter()
            .filter_map(|&(i, _)| {
                m.leaves
                    .get(i as usize)
                    .map(|l| short(&l.name).into_owned())
            })
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
        let after = leaves(c, m, &state[offset..]);
        cx.steps.push(Step {
            actor: names.join(", "),
            actors: names,
            action: event_text(c, e),
            event: Some(event(c, e)),
            details,
            source,
            internal,
            state: pairs(&after),
            leaves: after,
            ..Step::default()
        });
    }
    cx
}

/// Every leaf's name, local state and offers in the machine state `st`: the state of a
/// step, for renderers that draw the path through the states.
fn leaves(c: &Compiler<'_>, m: &Machine, st: &[u32]) -> Vec<LeafState> {
    m.leaves
        .iter()
        .enumerate()
        .map(|(i, leaf)| {
            let local = m.local(st, i);
            LeafState {
                process: short(&leaf.name).into_owned(),
                state: c.leaf_state(m, i, local),
                offers: leaf
                    .groups_of(local)
                    .iter()
                    .map(|g| event(c, g.event))
                    .collect(),
            }
        })
        .collect()
}

/// The named parts of a state: each leaf and its state, as text.
fn pairs(leaves: &[LeafState]) -> Vec<(String, String)> {
    leaves
        .iter()
        .map(|l| (l.process.clone(), l.state.clone()))
        .collect()
}

/// The leaves at the final state of a counterexample, as data and as one fact per leaf
/// (its state and what it offers).
pub fn leaf_facts(
    c: &Compiler<'_>,
    m: &Machine,
    state: &[u32],
    offset: usize,
    cx: &mut Counterexample,
) {
    let at = leaves(c, m, &state[offset..]);
    for l in &at {
        let offers: Vec<String> = l.offers.iter().map(Event::to_string).collect();
        cx.facts.push((
            l.process.clone(),
            format!("at {} offering {{{}}}", l.state, offers.join(", ")),
        ));
    }
    cx.leaves = at;
}
