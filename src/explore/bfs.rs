//! Breadth-first search over packed states, on one thread or many, with identical results.
//!
//! The queue is implicit: states get consecutive ids in the order they are first reached, so
//! the states still to expand are the id range `next..len`. The search takes that range in
//! slices of at most [`SLICE`] states that never cross a BFS level, and each slice in chunks of
//! [`CHUNK`] states. A chunk is *expanded* into candidates (successor words, hash, parent), then
//! *committed*: candidates are looked up and inserted in order, with the buckets of the next
//! few prefetched, so that a new state gets the id of its first discovery in BFS order.
//!
//! With several jobs, a slice is committed in four phases on a rayon pool:
//!
//! 1. its chunks are expanded in parallel, each dropping the candidates the store already holds
//!    (the store is only read in this phase);
//! 2. the remaining candidates, in slice order, are split by hash bits and each part keeps the
//!    first occurrence of every state (parts in parallel);
//! 3. first occurrences get ids in slice order and are appended to the arena (sequential: a flag
//!    test and a copy per candidate);
//! 4. the new ids are indexed, each thread filling its own range of buckets.
//!
//! Either way the same states get the same ids,
//! the search stops at the same violation or bound and counts the same transitions, so reports
//! never depend on `--jobs`.

use super::store::{NO_PARENT, PARTS, PROVISIONAL, Probe, Store, hash_state, part_of, same};
use super::{Bound, Exploration, Model, Options, Outcome, Progress, Successors};
use rayon::prelude::*;
use std::time::{Duration, Instant};

/// Most states expanded between two checks of the bounds and two progress reports.
const SLICE: usize = 1 << 15;
/// States per expansion task.
const CHUNK: usize = 256;
/// How many candidates ahead of the one being probed have their bucket prefetched.
const AHEAD: usize = 16;
/// How many candidates ahead have their (by then fetched) bucket read and the arena words of
/// their likely match prefetched.
const AHEAD_MATCH: usize = 6;
/// Least time between two progress callbacks.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// How a slice ended early.
enum End<V> {
    Violation(u32, V),
    Bounded(Bound),
}

/// The successors of a chunk of states, ready to commit.
struct Chunk {
    words: Vec<u32>,
    hashes: Vec<u64>,
    parents: Vec<u32>,
    /// Per expanded state: its number of successors and the end of its candidates.
    per_state: Vec<(u32, u32)>,
    /// Parallel commit only: per part of the index, (hash, candidate) in candidate order.
    parts: Vec<Vec<(u64, u32)>>,
    /// Parallel commit only: per candidate, the id it got (`NONE` until then, `0` once it is
    /// known to be a first occurrence).
    ids: Vec<u32>,
}

/// No id (yet).
const NONE: u32 = u32::MAX;

impl Chunk {
    fn new() -> Self {
        Chunk {
            words: Vec::new(),
            hashes: Vec::new(),
            parents: Vec::new(),
            per_state: Vec::new(),
            parts: Vec::new(),
            ids: Vec::new(),
        }
    }
    fn clear(&mut self) {
        self.words.clear();
        self.hashes.clear();
        self.parents.clear();
        self.per_state.clear();
        for p in &mut self.parts {
            p.clear();
        }
        self.ids.clear();
    }
    /// After filtering: sorts the candidates into the index's parts and resets their ids.
    fn split_by_part(&mut self) {
        self.parts.resize_with(PARTS, Vec::new);
        for (k, &h) in self.hashes.iter().enumerate() {
            self.parts[part_of(h)].push((h, k as u32));
        }
        self.ids.resize(self.hashes.len(), NONE);
    }
    fn transitions(&self) -> u64 {
        self.per_state.iter().map(|&(k, _)| k as u64).sum()
    }
    /// The transitions of the states expanded up to the one that produced candidate `g`.
    fn transitions_through(&self, g: usize) -> u64 {
        let owner = self
            .per_state
            .partition_point(|&(_, end)| end as usize <= g);
        self.per_state[..=owner.min(self.per_state.len().saturating_sub(1))]
            .iter()
            .map(|&(k, _)| k as u64)
            .sum()
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
    let mut store = Store::new(words);
    let jobs = match opts.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let pool = if jobs > 1 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .ok()
    } else {
        None
    };
    let max_states = opts.max_states.unwrap_or(u64::MAX);

    let mut out = Successors::new(words);
    let mut outcome = None;
    model.initial(&mut out);
    for (_, s) in out.iter() {
        let h = hash_state(s);
        if store.find(h, s).is_some() {
            continue;
        }
        if store.len() as u64 >= max_states {
            outcome = Some(Outcome::Bounded(Bound::States(max_states)));
            break;
        }
        if store.insert_absent(h, s, NO_PARENT).is_err() {
            outcome = Some(Outcome::Bounded(Bound::Memory(store.memory_bytes())));
            break;
        }
    }

    let mut chunk = Chunk::new();
    let mut merge = Merge::default();
    // Chunk buffers of the parallel path, reused from slice to slice.
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut buf = vec![0u32; words];
    let mut transitions = 0u64;
    let mut level = 0u32;
    let mut level_end = store.len();
    let mut next = 0usize;
    let mut last_progress = Instant::now();
    let mut growth = 1.0f64;
    let outcome = loop {
        if let Some(o) = outcome.take() {
            break o;
        }
        if next == level_end {
            if next == store.len() {
                break Outcome::Complete;
            }
            level += 1;
            level_end = store.len();
        }
        if let Some(t) = opts.timeout
            && start.elapsed() >= t
        {
            break Outcome::Bounded(Bound::Time(t));
        }
        let hi = (next + SLICE).min(level_end);
        if let Some(max) = opts.max_memory {
            let per_state = (words * 4 + 10) as f64;
            let expected = store.memory_bytes() as f64 + (hi - next) as f64 * growth * per_state;
            if expected > max as f64 {
                break Outcome::Bounded(Bound::Memory(max));
            }
        }
        let before = store.len();
        if store.try_reserve(hi - next).is_err() {
            break Outcome::Bounded(Bound::Memory(store.memory_bytes()));
        }
        let mut end = None;
        match pool.as_ref() {
            Some(pool) if hi - next > CHUNK => {
                let count = (hi - next).div_ceil(CHUNK);
                chunks.resize_with(count.max(chunks.len()), Chunk::new);
                let violations: Vec<Option<(u32, M::Violation)>> = {
                    let store = &store;
                    let lo0 = next;
                    pool.install(|| {
                        chunks[..count]
                            .par_iter_mut()
                            .enumerate()
                            .map_init(
                                || (Successors::new(words), vec![0u32; words]),
                                |(out, buf), (k, c)| {
                                    let lo = lo0 + k * CHUNK;
                                    c.clear();
                                    let v =
                                        expand(model, store, lo, (lo + CHUNK).min(hi), out, buf, c);
                                    filter(store, c);
                                    c.split_by_part();
                                    v
                                },
                            )
                            .collect()
                    })
                };
                let (t, e) = merge.commit(
                    pool,
                    &mut store,
                    &mut chunks[..count],
                    violations,
                    max_states,
                );
                transitions += t;
                end = e;
            }
            _ => {
                for lo in (next..hi).step_by(CHUNK) {
                    chunk.clear();
                    let violation = expand(
                        model,
                        &store,
                        lo,
                        (lo + CHUNK).min(hi),
                        &mut out,
                        &mut buf,
                        &mut chunk,
                    );
                    let (t, e) = commit(&mut store, &chunk, violation, max_states);
                    transitions += t;
                    if e.is_some() {
                        end = e;
                        break;
                    }
                }
            }
        }
        growth = ((store.len() - before) as f64 / (hi - next) as f64).max(0.5);
        next = hi;
        match end {
            Some(End::Violation(state, violation)) => {
                break Outcome::Violation { state, violation };
            }
            Some(End::Bounded(b)) => break Outcome::Bounded(b),
            None => {}
        }
        if last_progress.elapsed() >= PROGRESS_EVERY {
            last_progress = Instant::now();
            progress(&Progress {
                states: store.len() as u64,
                transitions,
                depth: level,
                seconds: start.elapsed().as_secs_f64(),
                memory_bytes: store.memory_bytes(),
            });
        }
    };
    // The deepest level that holds a state.
    let depth = if store.len() > level_end {
        level + 1
    } else {
        level
    };
    Exploration {
        outcome,
        states: store.len() as u64,
        transitions,
        depth,
        seconds: start.elapsed().as_secs_f64(),
        memory_bytes: store.memory_bytes(),
        overhead_bytes: store.overhead_bytes(),
        store,
        _label: std::marker::PhantomData,
    }
}

/// Expands states `lo..hi` into `c`, stopping at the first that violates the property.
fn expand<M: Model>(
    model: &M,
    store: &Store,
    lo: usize,
    hi: usize,
    out: &mut Successors<M::Label>,
    buf: &mut [u32],
    c: &mut Chunk,
) -> Option<(u32, M::Violation)> {
    for id in lo..hi {
        let id = id as u32;
        buf.copy_from_slice(store.state(id));
        out.clear();
        if let Some(v) = model.expand(buf, out) {
            return Some((id, v));
        }
        for (_, s) in out.iter() {
            super::push_words(&mut c.words, s);
            c.hashes.push(hash_state(s));
            c.parents.push(id);
        }
        c.per_state.push((out.len() as u32, c.hashes.len() as u32));
    }
    None
}

/// Starts the two-stage prefetch pipeline over `hashes`: the buckets of the first [`AHEAD`]
/// candidates, and the arena words of the likely match of the first [`AHEAD_MATCH`].
fn prefetch_start(store: &Store, hashes: &[u64]) {
    for &h in &hashes[..hashes.len().min(AHEAD)] {
        store.prefetch(h);
    }
    for &h in &hashes[..hashes.len().min(AHEAD_MATCH)] {
        store.prefetch_match(h);
    }
}

/// Keeps the pipeline full while candidate `g` is probed.
#[inline(always)]
fn prefetch_ahead(store: &Store, hashes: &[u64], g: usize) {
    if let Some(&h) = hashes.get(g + AHEAD) {
        store.prefetch(h);
    }
    if let Some(&h) = hashes.get(g + AHEAD_MATCH) {
        store.prefetch_match(h);
    }
}

/// Drops the candidates of `c` that the store already holds, keeping order and the per-state
/// candidate ends. Read-only on the store, so chunks do this in parallel while they expand;
/// what is left for the commit are states new to the store (and their duplicates).
fn filter(store: &Store, c: &mut Chunk) {
    let w = store.words;
    prefetch_start(store, &c.hashes);
    let mut kept = 0usize;
    let mut g = 0usize;
    for st in c.per_state.iter_mut() {
        let end = st.1 as usize;
        while g < end {
            prefetch_ahead(store, &c.hashes, g);
            let h = c.hashes[g];
            if store.find(h, &c.words[g * w..g * w + w]).is_none() {
                if kept != g {
                    c.words.copy_within(g * w..g * w + w, kept * w);
                    c.hashes[kept] = h;
                    c.parents[kept] = c.parents[g];
                }
                kept += 1;
            }
            g += 1;
        }
        st.1 = kept as u32;
    }
    c.words.truncate(kept * w);
    c.hashes.truncate(kept);
    c.parents.truncate(kept);
}

/// Inserts the candidates of `c` in order; returns the transitions of the states whose
/// successors were committed and how the chunk ended, if early.
fn commit<V>(
    store: &mut Store,
    c: &Chunk,
    violation: Option<(u32, V)>,
    max_states: u64,
) -> (u64, Option<End<V>>) {
    let w = store.words;
    let n = c.hashes.len();
    prefetch_start(store, &c.hashes);
    for g in 0..n {
        prefetch_ahead(store, &c.hashes, g);
        let h = c.hashes[g];
        let s = &c.words[g * w..g * w + w];
        if store.find(h, s).is_some() {
            continue;
        }
        if store.len() as u64 >= max_states {
            return (
                c.transitions_through(g),
                Some(End::Bounded(Bound::States(max_states))),
            );
        }
        if store.insert_absent(h, s, c.parents[g]).is_err() {
            return (
                c.transitions(),
                Some(End::Bounded(Bound::Memory(store.memory_bytes()))),
            );
        }
    }
    (
        c.transitions(),
        violation.map(|(id, v)| End::Violation(id, v)),
    )
}

/// The words an index entry names during a parallel batch: a stored state, or (at or past
/// [`PROVISIONAL`]) a candidate of a chunk, located by `words_of`.
fn entry_words<'a>(
    e: u32,
    w: usize,
    arena: &'a [u32],
    chunks: &'a [Chunk],
    words_of: impl Fn(u32) -> (usize, usize),
) -> &'a [u32] {
    if e >= PROVISIONAL {
        let (c, l) = words_of(e - PROVISIONAL);
        &chunks[c].words[l * w..(l + 1) * w]
    } else {
        &arena[e as usize * w..(e as usize + 1) * w]
    }
}

/// Buffers of the parallel commit, reused from slice to slice.
#[derive(Default)]
struct Merge {
    /// Global index of each chunk's first candidate (provisional entries are global indices).
    bases: Vec<u32>,
    /// Per part: (chunk, candidate, bucket, slot) of each provisional entry placed there.
    placed: Vec<Vec<(u32, u32, u32, u8)>>,
}

impl Merge {
    /// Commits the chunks of one slice, expanded and filtered in parallel, in three more
    /// phases, each chunk's candidates staying where phase 1 left them:
    ///
    /// 2. each part (bucket range) of the index, in parallel, finds or inserts its candidates,
    ///    chunk after chunk, as provisional entries (global candidate indices), so the first
    ///    occurrence of every new state is the one inserted; candidates whose probe leaves
    ///    their range are done afterwards, in order, over the whole table;
    /// 3. first occurrences get ids in slice order: chunks count theirs, a prefix sum places
    ///    them, and chunks copy their words and parents into the arena in parallel;
    /// 4. each part, in parallel, turns its provisional entries into those ids.
    ///
    /// Candidates go in batches of whole chunks that fit the index's free room, so that the
    /// index grows by the same rule as on one thread.
    fn commit<V: Send>(
        &mut self,
        pool: &rayon::ThreadPool,
        store: &mut Store,
        chunks: &mut [Chunk],
        violations: Vec<Option<(u32, V)>>,
        max_states: u64,
    ) -> (u64, Option<End<V>>) {
        // Chunks after the first that met a violation do not count.
        let cut = violations
            .iter()
            .position(Option::is_some)
            .map_or(chunks.len(), |i| i + 1);
        let violation = violations.into_iter().flatten().next();
        let chunks = &mut chunks[..cut];
        self.bases.clear();
        let mut n = 0usize;
        for c in chunks.iter() {
            self.bases.push(n as u32);
            n += c.hashes.len();
        }
        let all: u64 = chunks.iter().map(Chunk::transitions).sum();
        if store.len() + n >= PROVISIONAL as usize {
            return (all, Some(End::Bounded(Bound::Memory(store.memory_bytes()))));
        }
        let mut c0 = 0;
        while c0 < chunks.len() {
            let mut c1 = c0;
            let mut take = 0;
            while c1 < chunks.len() {
                let k = chunks[c1].hashes.len();
                if c1 > c0 && take + k > store.index.room() {
                    break;
                }
                take += k;
                c1 += 1;
            }
            if store.index.room() < take && store.reserve_index(take, pool).is_err() {
                return (all, Some(End::Bounded(Bound::Memory(store.memory_bytes()))));
            }
            if let Some((c, g)) = self.batch(pool, store, chunks, c0, c1, max_states) {
                // The transitions of the states expanded up to the one that produced
                // candidate `g` of chunk `c`.
                let before: u64 = chunks[..c].iter().map(Chunk::transitions).sum();
                let t = before + chunks[c].transitions_through(g);
                return (t, Some(End::Bounded(Bound::States(max_states))));
            }
            c0 = c1;
        }
        (all, violation.map(|(id, v)| End::Violation(id, v)))
    }

    /// Phases 2 to 4 for chunks `c0..c1`, whose candidates fit the index without growing it.
    /// Returns (chunk, candidate) of the first new state past the state bound, if any.
    fn batch(
        &mut self,
        pool: &rayon::ThreadPool,
        store: &mut Store,
        chunks: &mut [Chunk],
        c0: usize,
        c1: usize,
        max_states: u64,
    ) -> Option<(usize, usize)> {
        let w = store.words;
        let bases = &self.bases;
        // The words of global candidate `g`.
        // A provisional entry names its candidate: (chunk << 16 | candidate) when every chunk
        // has fewer than 2^16 candidates, else the global index (found by binary search).
        let direct = chunks[c0..c1].iter().all(|c| c.hashes.len() < 1 << 16);
        let tag = |c: usize, l: usize| -> u32 {
            if direct {
                ((c as u32) << 16) | l as u32
            } else {
                bases[c] + l as u32
            }
        };
        let words_of = |g: u32| -> (usize, usize) {
            if direct {
                ((g >> 16) as usize, (g & 0xffff) as usize)
            } else {
                let c = bases.partition_point(|&b| b <= g) - 1;
                (c, (g - bases[c]) as usize)
            }
        };

        // Phase 2: find or insert, parts in parallel.
        self.placed.resize_with(PARTS, Vec::new);
        let mut spilled: Vec<(u32, u32)> = {
            let shared: &[Chunk] = chunks;
            let arena = &store.arena;
            let ranges = store.index.parts();
            let placed = &mut self.placed;
            pool.install(|| {
                ranges
                    .into_par_iter()
                    .zip(placed.par_iter_mut())
                    .enumerate()
                    .map(|(p, (mut range, placed))| {
                        placed.clear();
                        let mut spill = Vec::new();
                        for (c, chunk) in shared.iter().enumerate().take(c1).skip(c0) {
                            let list = &chunk.parts[p];
                            for (k, &(h, l)) in list.iter().enumerate() {
                                if let Some(&(next, _)) = list.get(k + AHEAD) {
                                    range.prefetch(next);
                                }
                                let l = l as usize;
                                let s = &chunk.words[l * w..(l + 1) * w];
                                let g = tag(c, l);
                                let eq =
                                    |e: u32| same(entry_words(e, w, arena, shared, words_of), s);
                                match range.find_or_insert(h, g, eq) {
                                    Probe::Found => {}
                                    Probe::Inserted(b, i) => {
                                        placed.push((c as u32, l as u32, b, i))
                                    }
                                    Probe::Spill => spill.push((c as u32, l as u32)),
                                }
                            }
                        }
                        spill
                    })
                    .flatten()
                    .collect()
            })
        };
        spilled.sort_unstable();
        let mut late = Vec::new();
        for (c, l) in spilled {
            let (cu, lu) = (c as usize, l as usize);
            let shared: &[Chunk] = chunks;
            let arena = &store.arena;
            let s = &shared[cu].words[lu * w..(lu + 1) * w];
            let eq = |e: u32| same(entry_words(e, w, arena, shared, words_of), s);
            let h = shared[cu].hashes[lu];
            if let Probe::Inserted(b, i) = store.index.find_or_insert(h, tag(cu, lu), eq) {
                late.push((c, l, b, i));
            }
        }

        // Phase 3: ids in slice order.
        for &(c, l, _, _) in self.placed.iter().flatten().chain(&late) {
            chunks[c as usize].ids[l as usize] = 0;
        }
        let firsts = self.placed.iter().map(Vec::len).sum::<usize>() + late.len();
        let mut bounded = None;
        let added = if (store.len() + firsts) as u64 <= max_states {
            assign_ids(pool, store, &mut chunks[c0..c1], firsts);
            firsts
        } else {
            // The state bound falls inside this batch: one thread, stopping at the bound.
            let mut added = 0;
            for (c, chunk) in chunks.iter_mut().enumerate().take(c1).skip(c0) {
                for l in 0..chunk.ids.len() {
                    if chunk.ids[l] == NONE {
                        continue;
                    }
                    if bounded.is_some() || store.len() as u64 >= max_states {
                        bounded.get_or_insert((c, l));
                        chunk.ids[l] = NONE;
                        continue;
                    }
                    chunk.ids[l] =
                        store.push_unindexed(&chunk.words[l * w..(l + 1) * w], chunk.parents[l]);
                    added += 1;
                }
            }
            added
        };

        // Phase 4: provisional entries become ids (or dead slots past a bound).
        {
            let shared: &[Chunk] = chunks;
            let settle =
                |c: u32, l: u32| Some(shared[c as usize].ids[l as usize]).filter(|&id| id != NONE);
            let ranges = store.index.parts();
            let placed = &self.placed;
            pool.install(|| {
                ranges
                    .into_par_iter()
                    .zip(placed.par_iter())
                    .for_each(|(mut range, list)| {
                        for &(c, l, b, i) in list {
                            range.settle(b, i, settle(c, l));
                        }
                    })
            });
            for &(c, l, b, i) in &late {
                store.index.settle(b, i, settle(c, l));
            }
        }
        store.index.add_len(added);
        bounded
    }
}

/// Phase 3 when no bound interferes: the `firsts` marked candidates of `chunks` get the next
/// ids in order and their words and parents go to the arena, chunks in parallel, each into its
/// own slice (a prefix sum of the chunks' counts places them).
fn assign_ids(pool: &rayon::ThreadPool, store: &mut Store, chunks: &mut [Chunk], firsts: usize) {
    let w = store.words;
    let base = store.len();
    let counts: Vec<usize> = pool.install(|| {
        chunks
            .par_iter()
            .map(|c| c.ids.iter().filter(|&&x| x != NONE).count())
            .collect()
    });
    store.arena.resize((base + firsts) * w, 0);
    store.parent.resize(base + firsts, 0);
    let mut arena = &mut store.arena[base * w..];
    let mut parent = &mut store.parent[base..];
    let mut jobs = Vec::with_capacity(chunks.len());
    let mut next_id = base as u32;
    for (chunk, &k) in chunks.iter_mut().zip(&counts) {
        let (ar, rest_a) = std::mem::take(&mut arena).split_at_mut(k * w);
        let (pa, rest_p) = std::mem::take(&mut parent).split_at_mut(k);
        arena = rest_a;
        parent = rest_p;
        jobs.push((chunk, ar, pa, next_id));
        next_id += k as u32;
    }
    pool.install(|| {
        jobs.into_par_iter().for_each(|(chunk, ar, pa, first_id)| {
            let mut k = 0usize;
            for l in 0..chunk.ids.len() {
                if chunk.ids[l] == NONE {
                    continue;
                }
                ar[k * w..(k + 1) * w].copy_from_slice(&chunk.words[l * w..(l + 1) * w]);
                pa[k] = chunk.parents[l];
                chunk.ids[l] = first_id + k as u32;
                k += 1;
            }
        })
    });
}
