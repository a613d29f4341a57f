//! Explicit LTSs: every reachable state of a machine with its transitions, and their
//! renderings as Graphviz dot, Aldebaran aut, and JSON (into strings; the CLI prints them).

use super::machine::Machine;
use crate::cspm::proc::{EventId, TAU, TICK};
use rustc_hash::FxHashMap;
use std::fmt::Write;

/// Every reachable state of a machine, numbered breadth first from the initial state (0).
#[derive(Clone, Debug, Default)]
pub struct ExplicitLts {
    /// Packed states, `words` words each.
    pub words: usize,
    pub states: Vec<u32>,
    /// `(source, event, target)`, sorted by source then in successor order.
    pub transitions: Vec<(u32, EventId, u32)>,
    /// Per state, where its transitions start in `transitions` (`len = states + 1`).
    pub out_start: Vec<u32>,
    /// The machine label of each transition (for counterexamples).
    pub labels: Vec<u32>,
}

/// The exploration stopped at the state bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooBig(pub usize);

impl ExplicitLts {
    pub fn len(&self) -> usize {
        self.out_start.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn state(&self, s: u32) -> &[u32] {
        let i = s as usize * self.words;
        &self.states[i..i + self.words]
    }
    pub fn out(&self, s: u32) -> &[(u32, EventId, u32)] {
        let lo = self.out_start[s as usize] as usize;
        let hi = self.out_start[s as usize + 1] as usize;
        &self.transitions[lo..hi]
    }
    pub fn out_labels(&self, s: u32) -> &[u32] {
        let lo = self.out_start[s as usize] as usize;
        let hi = self.out_start[s as usize + 1] as usize;
        &self.labels[lo..hi]
    }
}

/// What stopped an exploration or a normalisation before it finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// More states (or normal-form nodes) than this.
    States(usize),
    /// Its tables would pass this many bytes.
    Memory(u64),
    /// The deadline passed.
    Time,
}

/// Bounds of an explicit exploration (and of a normalisation, which reuses them).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_states: usize,
    /// An estimate of the bytes of the tables built, checked as they grow.
    pub max_bytes: Option<u64>,
    pub deadline: Option<std::time::Instant>,
}

impl Limits {
    /// Only a state bound.
    pub fn states(max_states: usize) -> Self {
        Limits {
            max_states,
            max_bytes: None,
            deadline: None,
        }
    }

    /// Checks the memory estimate, and every 1024 `ticks` the clock.
    #[inline]
    pub fn check(&self, bytes: u64, ticks: usize) -> Result<(), Stop> {
        if let Some(max) = self.max_bytes.filter(|&m| bytes > m) {
            return Err(Stop::Memory(max));
        }
        if ticks.is_multiple_of(1024)
            && let Some(d) = self.deadline
            && std::time::Instant::now() >= d
        {
            return Err(Stop::Time);
        }
        Ok(())
    }
}

impl ExplicitLts {
    /// An estimate of the bytes held.
    pub fn memory_bytes(&self) -> u64 {
        (self.states.capacity() * 4
            + self.transitions.capacity() * 12
            + self.out_start.capacity() * 4
            + self.labels.capacity() * 4) as u64
    }
}

/// Explores every reachable state of `m` (at most `max_states`).
pub fn explicit(m: &Machine, max_states: usize) -> Result<ExplicitLts, TooBig> {
    explicit_within(m, &Limits::states(max_states)).map_err(|_| TooBig(max_states))
}

/// Explores every reachable state of `m` within `limits`.
pub fn explicit_within(m: &Machine, limits: &Limits) -> Result<ExplicitLts, Stop> {
    let words = m.words;
    let max_states = limits.max_states;
    // Per stored state: the packed state, its index key (boxed) and entry, its `out_start`.
    let per_state = (words * 8 + 48) as u64;
    let mut index: FxHashMap<Box<[u32]>, u32> = FxHashMap::default();
    let mut lts = ExplicitLts {
        words,
        ..Default::default()
    };
    index.insert(m.initial.clone().into_boxed_slice(), 0);
    lts.states.extend_from_slice(&m.initial);
    let mut next = 0u32;
    let mut cur = vec![0u32; words];
    let mut found: Vec<(u32, Vec<u32>)> = Vec::new();
    while (next as usize) < lts.states.len() / words.max(1) {
        let stored = (lts.states.len() / words.max(1)) as u64;
        limits.check(
            stored * per_state + lts.transitions.len() as u64 * 16,
            next as usize,
        )?;
        cur.copy_from_slice(lts.state(next));
        lts.out_start.push(lts.transitions.len() as u32);
        found.clear();
        m.successors(&cur, |l, s| found.push((l, s.to_vec())));
        for (l, s) in found.drain(..) {
            let id = match index.get(s.as_slice()) {
                Some(&id) => id,
                None => {
                    let id = (lts.states.len() / words.max(1)) as u32;
                    if id as usize >= max_states {
                        return Err(Stop::States(max_states));
                    }
                    lts.states.extend_from_slice(&s);
                    index.insert(s.into_boxed_slice(), id);
                    id
                }
            };
            lts.transitions.push((next, m.label_event(l), id));
            lts.labels.push(l);
        }
        next += 1;
    }
    lts.out_start.push(lts.transitions.len() as u32);
    Ok(lts)
}

fn event_text(e: EventId, name: &dyn Fn(EventId) -> String) -> String {
    match e {
        TAU => "τ".into(),
        TICK => "✓".into(),
        _ => name(e),
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz dot; `describe(s)` labels each state.
pub fn to_dot(
    lts: &ExplicitLts,
    name: &dyn Fn(EventId) -> String,
    describe: &dyn Fn(u32) -> String,
) -> String {
    let mut out = String::from("digraph lts {\n  rankdir=LR;\n  node [shape=circle];\n");
    out.push_str("  start [shape=point];\n  start -> s0;\n");
    for s in 0..lts.len() as u32 {
        let _ = writeln!(
            out,
            "  s{s} [label=\"{s}\", tooltip=\"{}\"];",
            escape(&describe(s))
        );
    }
    for &(a, e, b) in &lts.transitions {
        let style = if e == TAU { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  s{a} -> s{b} [label=\"{}\"{style}];",
            escape(&event_text(e, name))
        );
    }
    out.push_str("}\n");
    out
}

/// Aldebaran `.aut`: `des (initial, transitions, states)`, τ as `i`, ✓ as `tick`.
pub fn to_aut(lts: &ExplicitLts, name: &dyn Fn(EventId) -> String) -> String {
    let mut out = format!("des (0, {}, {})\n", lts.transitions.len(), lts.len());
    for &(a, e, b) in &lts.transitions {
        let label = match e {
            TAU => "i".to_string(),
            TICK => "tick".to_string(),
            _ => name(e),
        };
        let _ = writeln!(out, "({a}, \"{}\", {b})", escape(&label));
    }
    out
}

/// JSON: `{"initial": 0, "states": [{"id", "description"}], "transitions": [{"from", "event", "to"}]}`.
pub fn to_json(
    lts: &ExplicitLts,
    name: &dyn Fn(EventId) -> String,
    describe: &dyn Fn(u32) -> String,
) -> String {
    let states: Vec<serde_json::Value> = (0..lts.len() as u32)
        .map(|s| serde_json::json!({ "id": s, "description": describe(s) }))
        .collect();
    let trans: Vec<serde_json::Value> = lts
        .transitions
        .iter()
        .map(|&(a, e, b)| {
            serde_json::json!({ "from": a, "event": event_text(e, name), "internal": e == TAU, "to": b })
        })
        .collect();
    let v = serde_json::json!({
        "initial": 0,
        "state_count": lts.len(),
        "transition_count": lts.transitions.len(),
        "states": states,
        "transitions": trans,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}
