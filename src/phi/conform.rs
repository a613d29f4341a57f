//! Conformance: is some linearisation of a trace's order a run of the system process, with
//! every span bound to an activation whose parent is the span's parent?
//!
//! A depth-first search over (nodes done per chain, model term), each pair stored once, so no
//! linearisation is ever enumerated: the memo is on the set of events done and the model's
//! state. Where several observed nodes are enabled at once, the search follows one isolated
//! component of the model only (`ample`), when its moves commute with everything else that
//! can happen (see `por`). A failure reports the longest conforming prefix and, at that depth,
//! what was observed next and what the model allowed.

use super::observe::{NodeKind, Observation};
use super::por::Por;
use crate::cspm::proc::{CallId, EventId, TAU, TICK};
use crate::cspm::source::Diagnostic;
use crate::lts::labels::{END, Labels, ROOT};
use crate::lts::sem::Semantics;
use crate::lts::term::{OMEGA, TermId};
use hashbrown::HashTable;
use std::hash::BuildHasher;
use std::time::Instant;

/// Bounds of one trace's search.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_states: u64,
    pub deadline: Option<Instant>,
    /// Follow one isolated component where that loses nothing (on by default).
    pub reduce: bool,
    /// Bytes the stored states and the model's memo tables may hold.
    pub max_bytes: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_states: 1_000_000,
            deadline: None,
            reduce: true,
            max_bytes: None,
        }
    }
}

/// One observed node in a linearisation: span, node index in its chain, and for a start the
/// call that the model made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub span: u32,
    pub node: u32,
    pub call: Option<CallId>,
}

/// What the model could do at the failing point.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Allowed {
    /// Call a span process, in the activation of `parent` (`None`: outside every activation).
    Start { call: CallId, parent: Option<u32> },
    /// Perform an event, in these activations (empty: outside every activation).
    Event { event: EventId, spans: Vec<u32> },
    /// End an activation.
    End { span: u32 },
    /// Terminate.
    Terminate,
}

/// Why no linearisation is a run.
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// The longest conforming prefix found.
    pub prefix: Vec<Step>,
    /// Nodes that were next in the order after that prefix (span, node index).
    pub observed: Vec<(u32, u32)>,
    /// What the model allowed there, over every state that reached that depth.
    pub allowed: Vec<Allowed>,
    /// Spans whose start the model allows only under another parent: (span, model's parent).
    pub parent_mismatch: Vec<(u32, Option<u32>)>,
    /// Every node was matched, but the model cannot terminate afterwards.
    pub cannot_terminate: bool,
}

/// The answer for one trace.
#[derive(Clone, Debug)]
pub enum Outcome {
    /// A conforming linearisation.
    Conforms(Vec<Step>),
    Violated(Failure),
    /// A bound stopped the search; the reason says which.
    Inconclusive(String),
}

/// What the search cost.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cost {
    pub states: u64,
    pub transitions: u64,
}

const SILENT: u32 = u32::MAX;

/// A successor: the model term, and the observed node it consumed (if any).
#[derive(Clone, Copy, Debug)]
struct Succ {
    term: TermId,
    span: u32,
    call: Option<CallId>,
    /// A start: `term` still holds the activation unbound; it is bound to `span` only if the
    /// move survives the reduction (a wide tree offers thousands of candidate spans).
    unbound: bool,
}

/// The stored states of one search: words `[term, done_0, .., done_n]` per state.
#[derive(Default)]
pub struct Store {
    width: usize,
    words: Vec<u32>,
    parent: Vec<u32>,
    via: Vec<(u32, Option<CallId>)>,
    index: HashTable<u32>,
    hasher: rustc_hash::FxBuildHasher,
}

impl Store {
    /// Bytes held by the store (for the memory bound).
    pub fn bytes(&self) -> u64 {
        (self.words.capacity() * 4 + self.parent.capacity() * 4 + self.via.capacity() * 12) as u64
            + self.index.capacity() as u64 * 5
    }

    /// Empties the store for a search with states of `width` words, keeping its allocations
    /// (one verifier searches many traces).
    fn reset(&mut self, width: usize) {
        self.width = width;
        self.words.clear();
        self.parent.clear();
        self.via.clear();
        self.index.clear();
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    fn get(&self, id: u32) -> &[u32] {
        let a = id as usize * self.width;
        &self.words[a..a + self.width]
    }

    fn hash(&self, w: &[u32]) -> u64 {
        self.hasher.hash_one(w)
    }

    /// The id of `w`, and whether it is new.
    fn insert(&mut self, w: &[u32], parent: u32, via: (u32, Option<CallId>)) -> (u32, bool) {
        let h = self.hash(w);
        let width = self.width;
        let words = &self.words;
        if let Some(&id) = self.index.find(h, |&id| {
            let a = id as usize * width;
            &words[a..a + width] == w
        }) {
            return (id, false);
        }
        let id = self.parent.len() as u32;
        self.words.extend_from_slice(w);
        self.parent.push(parent);
        self.via.push(via);
        let (words, hasher) = (&self.words, &self.hasher);
        self.index.insert_unique(h, id, |&i| {
            let a = i as usize * width;
            hasher.hash_one(&words[a..a + width])
        });
        (id, true)
    }

    /// The observed nodes on the way from the initial state to `id`.
    fn path(&self, mut id: u32, out: &mut Vec<Step>) {
        let mut rev = Vec::new();
        while id != 0 {
            let (span, call) = self.via[id as usize];
            if span != SILENT {
                let node = self.get(id)[1 + span as usize] - 1;
                rev.push(Step { span, node, call });
            }
            id = self.parent[id as usize];
        }
        rev.reverse();
        out.extend(rev);
    }
}

/// The conformance search of one trace against a model term.
pub struct Search<'a, 's> {
    pub sem: &'a mut Semantics<'s>,
    pub map: &'a super::Mapping,
    /// Per call instance: the span process (mapping index) it is a call of.
    pub call_proc: &'a mut rustc_hash::FxHashMap<CallId, Option<u16>>,
    pub obs: &'a Observation,
    /// The model must be able to terminate after a complete trace.
    pub require_termination: bool,
    pub limits: Limits,
    pub por: &'a mut Por,
    pub store: &'a mut Store,
}

impl<'a, 's> Search<'a, 's> {
    /// Runs the search from `root`.
    pub fn run(&mut self, root: TermId) -> Result<(Outcome, Cost), Diagnostic> {
        let mut store = std::mem::take(self.store);
        let r = self.run_in(root, &mut store);
        *self.store = store;
        r
    }

    fn run_in(&mut self, root: TermId, store: &mut Store) -> Result<(Outcome, Cost), Diagnostic> {
        let n = self.obs.spans.len();
        store.reset(1 + n);
        let mut w = vec![0u32; 1 + n];
        w[0] = root.0;
        store.insert(&w, 0, (SILENT, None));
        let mut stack: Vec<u32> = vec![0];
        let mut cost = Cost::default();
        let total: u32 = self.obs.nodes.len() as u32;
        let mut best: (u32, Vec<u32>) = (0, vec![0]);
        let mut succ: Vec<Succ> = Vec::new();
        let mut w2 = vec![0u32; 1 + n];
        let mut trans: Vec<(EventId, TermId)> = Vec::new();
        let mut mismatch: Vec<(u32, Option<u32>)> = Vec::new();
        let mut all_done_seen = false;
        while let Some(id) = stack.pop() {
            cost.states += 1;
            if cost.states.is_multiple_of(1024)
                && let Some(d) = self.limits.deadline
                && Instant::now() >= d
            {
                return Ok((
                    Outcome::Inconclusive("the time bound passed during the search".into()),
                    cost,
                ));
            }
            w.copy_from_slice(store.get(id));
            let done: u32 = w[1..].iter().sum();
            if done > best.0 {
                best = (done, vec![id]);
            } else if done == best.0 && best.1.len() < 64 {
                best.1.push(id);
            }
            let term = TermId(w[0]);
            trans.clear();
            trans.extend_from_slice(self.sem.transitions(term)?);
            cost.transitions += trans.len() as u64;
            if done == total {
                all_done_seen = true;
                let can_end = term == OMEGA || trans.iter().any(|&(l, _)| l == TICK);
                if !self.require_termination || can_end {
                    let mut steps = Vec::new();
                    store.path(id, &mut steps);
                    return Ok((Outcome::Conforms(steps), cost));
                }
            }
            succ.clear();
            self.successors(&w, &trans, &mut succ, &mut mismatch);
            // The reductions only pay where moves consume nodes of two spans or more (spans
            // running at once); elsewhere the branching is the model's own choice.
            let concurrent = self.limits.reduce && {
                let mut spans = succ.iter().map(|s| s.span).filter(|&s| s != SILENT);
                spans.next().is_some_and(|first| spans.any(|s| s != first))
            };
            if concurrent && self.por.stuck(self.sem, self.obs, &w, term)? {
                succ.clear();
            }
            if concurrent && succ.len() > 1 {
                let terms = succ_terms(&succ);
                let keep = match self.por.ample(self.sem, self.obs, &w, term, &terms)? {
                    Some(k) => Some(k),
                    None => self.por.start_ample(self.sem, self.obs, &w, term, &terms)?,
                };
                if let Some(keep) = keep {
                    // Follow one component, unless all it can do is silent moves back to known
                    // states: only silent moves can close a cycle (a consumed node never comes
                    // back), and a cycle of one component must not hide the others forever.
                    let progress = succ
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| keep[*k])
                        .any(|(_, s)| s.span != SILENT || !self.known(store, &w, s, &mut w2));
                    if progress {
                        let mut k = 0;
                        succ.retain(|_| {
                            k += 1;
                            keep[k - 1]
                        });
                    }
                }
            }
            // Pushed in reverse so that the first successor is expanded first.
            for s in succ.iter().rev() {
                w2.copy_from_slice(&w);
                w2[0] = if s.unbound {
                    self.sem.bind(s.term, s.span).0
                } else {
                    s.term.0
                };
                if s.span != SILENT {
                    w2[1 + s.span as usize] += 1;
                }
                let (nid, new) = store.insert(&w2, id, (s.span, s.call));
                if new
                    && let Some(max) = self.limits.max_bytes
                    && store.bytes() + self.sem.memory_bytes() > max
                {
                    return Ok((
                        Outcome::Inconclusive(format!(
                            "the memory bound ({} MiB) was reached after {} states",
                            max >> 20,
                            store.len()
                        )),
                        cost,
                    ));
                }
                if new {
                    if store.len() as u64 > self.limits.max_states {
                        return Ok((
                            Outcome::Inconclusive(format!(
                                "the state bound ({}) was reached: the tree has too many \
                                 interleavings for the model",
                                self.limits.max_states
                            )),
                            cost,
                        ));
                    }
                    stack.push(nid);
                }
            }
        }
        // No run: report the deepest states.
        let mut f = Failure {
            cannot_terminate: all_done_seen,
            ..Failure::default()
        };
        store.path(best.1[0], &mut f.prefix);
        for &id in &best.1 {
            w.copy_from_slice(store.get(id));
            self.enabled_nodes(&w, &mut f.observed);
            let term = TermId(w[0]);
            let ts = self.sem.transitions(term)?.to_vec();
            self.allowed(&ts, &mut f.allowed);
        }
        f.observed.sort_unstable();
        f.observed.dedup();
        f.allowed.sort();
        f.allowed.dedup();
        mismatch.sort_unstable();
        mismatch.dedup();
        // A parent mismatch matters where the search got stuck on that span's start.
        f.parent_mismatch = mismatch
            .into_iter()
            .filter(|&(s, _)| f.observed.iter().any(|&(o, k)| o == s && k == 0))
            .collect();
        Ok((Outcome::Violated(f), cost))
    }

    fn proc_of(&mut self, call: CallId) -> Option<u16> {
        if let Some(&p) = self.call_proc.get(&call) {
            return p;
        }
        let def = crate::lts::sem::definition_name(self.sem.call_name(call)).to_string();
        let p = self.map.proc_of_def(&def);
        self.call_proc.insert(call, p);
        p
    }

    /// Whether the body of `call` can begin with the node after span `s`'s start (or begins
    /// with something silent, which decides nothing).
    fn first_fits(&mut self, call: CallId, s: u32) -> bool {
        let Some(NodeKind::Event(e)) = self.obs.chain(s).get(1).map(|n| n.kind) else {
            return true;
        };
        let Ok(body) = self.sem.body(call) else {
            return true;
        };
        let Ok(ts) = self.sem.transitions(body).map(|t| t.to_vec()) else {
            return true;
        };
        let labels = &self.sem.labels;
        ts.iter().any(|&(l, _)| {
            let b = labels.base(l);
            b == e || b == TAU || Labels::is_pseudo(b) || labels.ctx(l) != [ROOT]
        })
    }

    /// Whether the successor `s` of state `w` is stored already (`w2`: scratch of `w`'s size).
    fn known(&self, store: &Store, w: &[u32], s: &Succ, w2: &mut [u32]) -> bool {
        w2.copy_from_slice(w);
        w2[0] = s.term.0;
        if s.span != SILENT {
            w2[1 + s.span as usize] += 1;
        }
        let h = store.hash(w2);
        store.index.find(h, |&id| store.get(id) == &*w2).is_some()
    }

    fn enabled(&self, w: &[u32], s: u32) -> Option<NodeKind> {
        let chain = self.obs.chain(s);
        let k = w[1 + s as usize] as usize;
        let node = chain.get(k)?;
        self.obs
            .prereqs_of(node)
            .iter()
            .all(|&(t, m)| w[1 + t as usize] >= m)
            .then_some(node.kind)
    }

    fn enabled_nodes(&self, w: &[u32], out: &mut Vec<(u32, u32)>) {
        for s in 0..self.obs.spans.len() as u32 {
            if self.enabled(w, s).is_some() {
                out.push((s, w[1 + s as usize]));
            }
        }
    }

    /// The successors of state `w`: model moves matched with enabled observed nodes, and silent
    /// moves. `mismatch` collects starts refused only for their parent.
    fn successors(
        &mut self,
        w: &[u32],
        trans: &[(EventId, TermId)],
        out: &mut Vec<Succ>,
        mismatch: &mut Vec<(u32, Option<u32>)>,
    ) {
        for &(l, t2) in trans {
            let base = self.sem.labels.base(l);
            if base == TICK {
                continue;
            }
            if base == TAU {
                out.push(Succ {
                    term: t2,
                    span: SILENT,
                    call: None,
                    unbound: false,
                });
                continue;
            }
            if base == END {
                let s = self.sem.labels.ctx(l).first().copied().unwrap_or(ROOT);
                let Some(sp) = self.obs.spans.get(s as usize) else {
                    continue;
                };
                if sp.end_is_event {
                    out.push(Succ {
                        term: t2,
                        span: SILENT,
                        call: None,
                        unbound: false,
                    });
                } else if self.enabled(w, s) == Some(NodeKind::End) {
                    out.push(Succ {
                        term: t2,
                        span: s,
                        call: None,
                        unbound: false,
                    });
                }
                continue;
            }
            if let Some(call) = self.sem.labels.start_call(base) {
                let Some(p) = self.proc_of(call) else {
                    continue;
                };
                let ctx = self.sem.labels.ctx(l);
                let model_parent = if ctx == [ROOT] {
                    None
                } else {
                    ctx.first().copied()
                };
                for s in 0..self.obs.spans.len() as u32 {
                    let sp = &self.obs.spans[s as usize];
                    if !sp.procs.contains(&p) || self.enabled(w, s) != Some(NodeKind::Start) {
                        continue;
                    }
                    if sp.parent == model_parent {
                        // A wrong instance (WORKER(3) for the span of item 5) is refused before
                        // the activation is bound: its body cannot start with the span's next node.
                        if !self.first_fits(call, s) {
                            continue;
                        }
                        out.push(Succ {
                            term: t2,
                            span: s,
                            call: Some(call),
                            unbound: true,
                        });
                    } else {
                        mismatch.push((s, model_parent));
                    }
                }
                continue;
            }
            // A visible event: silent outside every activation, else a node of one of the
            // activations performing it.
            let ctx = self.sem.labels.ctx(l);
            if ctx == [ROOT] {
                out.push(Succ {
                    term: t2,
                    span: SILENT,
                    call: None,
                    unbound: false,
                });
                continue;
            }
            for &s in ctx.iter().filter(|&&a| a != ROOT) {
                if self.enabled(w, s) == Some(NodeKind::Event(base)) {
                    out.push(Succ {
                        term: t2,
                        span: s,
                        call: None,
                        unbound: false,
                    });
                }
            }
        }
    }

    /// What the model offers at `w`, for a failure report.
    fn allowed(&mut self, trans: &[(EventId, TermId)], out: &mut Vec<Allowed>) {
        for &(l, _) in trans {
            let base = self.sem.labels.base(l);
            let ctx: Vec<u32> = self
                .sem
                .labels
                .ctx(l)
                .iter()
                .copied()
                .filter(|&a| a != ROOT)
                .collect();
            let a = if base == TICK {
                Allowed::Terminate
            } else if base == TAU {
                continue;
            } else if base == END {
                match ctx.first() {
                    Some(&s)
                        if !self
                            .obs
                            .spans
                            .get(s as usize)
                            .is_some_and(|x| x.end_is_event) =>
                    {
                        Allowed::End { span: s }
                    }
                    _ => continue,
                }
            } else if let Some(call) = self.sem.labels.start_call(base) {
                Allowed::Start {
                    call,
                    parent: ctx.first().copied(),
                }
            } else if ctx.is_empty() {
                continue;
            } else {
                Allowed::Event {
                    event: base,
                    spans: ctx,
                }
            };
            out.push(a);
        }
    }
}

fn succ_terms(succ: &[Succ]) -> Vec<(TermId, u32)> {
    succ.iter().map(|s| (s.term, s.span)).collect()
}
