//! Breadth-first search over packed states: a placeholder sequential implementation of the
//! engine contract (to be replaced by the parallel one).

use super::{Bound, Exploration, Model, Options, Outcome, Progress, Successors};
use rustc_hash::FxHashMap;
use std::time::Instant;

/// Stored states: a flat arena of words, the parent of each state and the label that reached it.
pub struct Store<L> {
    words: usize,
    arena: Vec<u32>,
    parent: Vec<u32>,
    label: Vec<Option<L>>,
}

impl<L: Copy> Store<L> {
    pub fn state(&self, id: u32) -> &[u32] {
        let i = id as usize * self.words;
        &self.arena[i..i + self.words]
    }
    pub fn path(&self, id: u32) -> (Vec<u32>, Vec<(L, Vec<u32>)>) {
        let mut steps = Vec::new();
        let mut cur = id;
        while let Some(l) = self.label[cur as usize] {
            steps.push((l, self.state(cur).to_vec()));
            cur = self.parent[cur as usize];
        }
        steps.reverse();
        (self.state(cur).to_vec(), steps)
    }
}

/// Explores `model` breadth first until a violation, a bound or the end of the state space.
pub fn explore<M: Model>(
    model: &M,
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Exploration<M::Label, M::Violation> {
    let start = Instant::now();
    let words = model.state_words();
    let mut store = Store {
        words,
        arena: Vec::new(),
        parent: Vec::new(),
        label: Vec::new(),
    };
    let mut index: FxHashMap<Vec<u32>, u32> = FxHashMap::default();
    let mut out = Successors::new(words);
    model.initial(&mut out);
    let mut frontier = Vec::new();
    for (_, s) in out.iter() {
        if !index.contains_key(s) {
            let id = store.parent.len() as u32;
            index.insert(s.to_vec(), id);
            store.arena.extend_from_slice(s);
            store.parent.push(u32::MAX);
            store.label.push(None);
            frontier.push(id);
        }
    }
    let mut transitions = 0u64;
    let mut depth = 0u32;
    let mut outcome = Outcome::Complete;
    let mut state_buf = vec![0u32; words];
    'search: while !frontier.is_empty() {
        let mut next = Vec::new();
        for &id in &frontier {
            state_buf.copy_from_slice(store.state(id));
            out.clear();
            if let Some(v) = model.expand(&state_buf, &mut out) {
                outcome = Outcome::Violation {
                    state: id,
                    violation: v,
                };
                break 'search;
            }
            transitions += out.len() as u64;
            for (l, s) in out.iter() {
                if index.contains_key(s) {
                    continue;
                }
                let nid = store.parent.len() as u32;
                index.insert(s.to_vec(), nid);
                store.arena.extend_from_slice(s);
                store.parent.push(id);
                store.label.push(Some(l));
                next.push(nid);
                if let Some(max) = opts.max_states {
                    if store.parent.len() as u64 >= max {
                        outcome = Outcome::Bounded(Bound::States(max));
                        break 'search;
                    }
                }
            }
            if let Some(t) = opts.timeout {
                if start.elapsed() > t {
                    outcome = Outcome::Bounded(Bound::Time(t));
                    break 'search;
                }
            }
        }
        depth += 1;
        frontier = next;
        progress(&Progress {
            states: store.parent.len() as u64,
            transitions,
            depth,
            seconds: start.elapsed().as_secs_f64(),
            memory_bytes: 0,
        });
    }
    let states = store.parent.len() as u64;
    let memory_bytes = (store.arena.len() * 4 + store.parent.len() * 4) as u64;
    Exploration {
        outcome,
        states,
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        memory_bytes,
        store,
    }
}
