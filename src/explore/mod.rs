//! The one state-space engine: the [`Model`] trait and breadth-first exploration.
//!
//! `explore` owns the search: initial states, expansion, the visited set with parent links,
//! bounds (states, memory, time), progress callbacks and shortest counterexample paths. It knows
//! nothing of CSP, OTLP or the BatchSpanProcessor: a model hands it packed states (a fixed number
//! of `u32` words) and labelled successors, and says when a state violates the property. It must
//! not do IO or print; progress goes to a callback the caller supplies.
//!
//! Determinism: state ids, the reported violation and its path depend only on the model, never on
//! the number of jobs.

mod bfs;
pub mod scc;
mod store;

pub use bfs::explore;
pub use store::hash_state;

use std::time::Duration;

/// A transition system whose states are packed into `state_words()` `u32` words.
pub trait Model: Sync {
    /// What labels a transition: an interned event, an actor's action. Stored once per state
    /// (the edge from its BFS parent), so keep it small.
    type Label: Copy + Send + Sync + 'static;
    /// What a violated property carries back to the caller.
    type Violation: Send;

    /// Words in every packed state of this model (fixed for one exploration).
    fn state_words(&self) -> usize;

    /// Pushes the initial states. Their labels are ignored.
    fn initial(&self, out: &mut Successors<Self::Label>);

    /// Pushes the successors of `state` into `out` (cleared by the engine beforehand) and
    /// returns a violation when `state` itself, or one of its edges, breaks the property.
    /// Must not allocate in the common case: `out` is reused between calls.
    fn expand(&self, state: &[u32], out: &mut Successors<Self::Label>) -> Option<Self::Violation>;
}

/// A reusable buffer of labelled successor states.
pub struct Successors<L> {
    words: usize,
    states: Vec<u32>,
    labels: Vec<L>,
}

impl<L: Copy> Successors<L> {
    pub fn new(words: usize) -> Self {
        Successors {
            words,
            states: Vec::new(),
            labels: Vec::new(),
        }
    }
    #[inline]
    pub fn push(&mut self, label: L, state: &[u32]) {
        debug_assert_eq!(state.len(), self.words);
        push_words(&mut self.states, state);
        self.labels.push(label);
    }
    pub fn clear(&mut self) {
        self.states.clear();
        self.labels.clear();
    }
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    pub fn get(&self, i: usize) -> (L, &[u32]) {
        (
            self.labels[i],
            &self.states[i * self.words..(i + 1) * self.words],
        )
    }
    pub fn iter(&self) -> impl Iterator<Item = (L, &[u32])> {
        self.labels
            .iter()
            .copied()
            .zip(self.states.chunks_exact(self.words.max(1)))
    }
}

/// Appends a packed state. Most states are a few words, for which `extend_from_slice`'s call
/// to `memcpy` costs more than the copy itself.
#[inline(always)]
pub fn push_words(v: &mut Vec<u32>, s: &[u32]) {
    if s.len() <= 4 {
        v.reserve(s.len());
        for &w in s {
            v.push(w);
        }
    } else {
        v.extend_from_slice(s);
    }
}

/// A path from an initial state: the initial state's words, then (label, words) per step.
pub type Path<L> = (Vec<u32>, Vec<(L, Vec<u32>)>);

/// Limits and knobs of one exploration.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Worker threads; 0 means all cores.
    pub jobs: usize,
    /// Stop with [`Outcome::Bounded`] after storing this many states.
    pub max_states: Option<u64>,
    /// Stop when the visited set and frontier would exceed this many bytes.
    pub max_memory: Option<u64>,
    /// Stop after this long.
    pub timeout: Option<Duration>,
}

/// Which bound stopped a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    States(u64),
    Memory(u64),
    Time(Duration),
}

/// A snapshot handed to the progress callback, about once per BFS level or second.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// States stored so far.
    pub states: u64,
    /// Transitions followed so far.
    pub transitions: u64,
    /// The breadth-first level being expanded.
    pub depth: u32,
    /// Seconds since the search started.
    pub seconds: f64,
    /// Bytes the state store and frontier hold.
    pub memory_bytes: u64,
}

/// How a search ended.
#[derive(Debug)]
pub enum Outcome<V> {
    /// Every reachable state was expanded and none violated the property.
    Complete,
    /// `state` (a state id) violates the property; it is the first such state in BFS order.
    Violation { state: u32, violation: V },
    /// A bound stopped the search first.
    Bounded(Bound),
}

/// The result of [`explore`]: the outcome, the statistics and the stored states, from which
/// the path to any state is rebuilt on demand.
pub struct Exploration<L, V> {
    pub outcome: Outcome<V>,
    /// States stored (ids are `0..states`, in breadth-first order).
    pub states: u64,
    /// Transitions of every expanded state (duplicates included).
    pub transitions: u64,
    /// The deepest BFS level that holds a state.
    pub depth: u32,
    pub seconds: f64,
    /// Bytes of the arena, parent links and index, for the bytes-per-state figure.
    pub memory_bytes: u64,
    /// Of those, the bytes that are not the packed states themselves (parent links and index).
    pub overhead_bytes: u64,
    store: store::Store,
    _label: std::marker::PhantomData<L>,
}

impl<L: Copy, V> Exploration<L, V> {
    /// The packed words of state `id`.
    pub fn state(&self, id: u32) -> &[u32] {
        self.store.state(id)
    }
    /// The BFS parent of state `id`; `None` for initial states.
    pub fn parent(&self, id: u32) -> Option<u32> {
        self.store.parent(id)
    }
    /// The id of a stored state, when it was reached.
    pub fn lookup(&self, state: &[u32]) -> Option<u32> {
        self.store.lookup(state)
    }
    /// The shortest path from an initial state to `id`: the initial state, then each
    /// (label, state) step. Labels are not stored per state (that would cost bytes per state);
    /// each step's label is recovered by expanding the parent again and taking the first
    /// successor equal to the child, so `model` must be the model that was explored.
    pub fn path<M: Model<Label = L>>(&self, model: &M, id: u32) -> Path<L> {
        self.store.path(model, id)
    }
}
