//! Breadth-first search over packed states: a placeholder sequential implementation of the
//! engine contract (to be replaced by the parallel one).

use super::{Bound, Exploration, Model, Options, Outcome, Progress, Successors};
use rustc_hash::FxHashMap;
use std::time::Instant;

/// Stored states: a flat arena of words and the BFS parent of each state.
pub struct Store<L> {
    words: usize,
    arena: Vec<u32>,
    parent: Vec<u32>,
    index: FxHashMap<Vec<u32>, u32>,
    _label: std::marker::PhantomData<L>,
}

impl<L: Copy> Store<L> {
    pub fn state(&self, id: u32) -> &[u32] {
        let i = id as usize * self.words;
        &self.arena[i..i + self.words]
    }
    pub fn lookup(&self, state: &[u32]) -> Option<u32> {
        self.index.get(state).copied()
    }
    pub fn path<M: Model<Label = L>>(&self, model: &M, id: u32) -> (Vec<u32>, Vec<(L, Vec<u32>)>) {
        let mut chain = vec![id];
        let mut cur = id;
        while self.parent[cur as usize] != u32::MAX {
            cur = self.parent[cur as usize];
            chain.push(cur);
        }
        chain.reverse();
        let mut out = Successors::new(self.words);
        let mut steps = Vec::new();
        for w in chain.windows(2) {
            out.clear();
            let _ = model.expand(self.state(w[0]), &mut out);
            let child = self.state(w[1]);
            if let Some((l, _)) = out.iter().find(|(_, s)| *s == child) {
                steps.push((l, child.to_vec()));
            }
        }
        (self.state(chain[0]).to_vec(), steps)
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
        index: FxHashMap::default(),
        _label: std::marker::PhantomData,
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
            for (_, s) in out.iter() {
                if index.contains_key(s) {
                    continue;
                }
                let nid = store.parent.len() as u32;
                index.insert(s.to_vec(), nid);
                store.arena.extend_from_slice(s);
                store.parent.push(id);
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
    store.index = index;
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
