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

use super::store::{NO_PARENT, PROVISIONAL, Probe, Store, hash_state, part_of, same};
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
/// Fewest candidates the parallel commit takes in one batch (the index grows to make room).
const MIN_BATCH: usize = 4096;
/// Least time between two progress callbacks.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// How a slice ended early.
enum End<V> {
    Violation(u32, V),
    Bounded(Bound),
}

/// The successors of a chunk of states, ready to commit.
struct Chunk<V> {
    words: Vec<u32>,
    hashes: Vec<u64>,
    parents: Vec<u32>,
    /// Per expanded state: its number of successors and the end of its candidates.
    per_state: Vec<(u32, u32)>,
    /// The first state of the chunk that violates the property; the chunk stops before it.
    violation: Option<(u32, V)>,
}

impl<V> Chunk<V> {
    fn new() -> Self {
        Chunk {
            words: Vec::new(),
            hashes: Vec::new(),
            parents: Vec::new(),
            per_state: Vec::new(),
            violation: None,
        }
    }
    fn clear(&mut self) {
        self.words.clear();
        self.hashes.clear();
        self.parents.clear();
        self.per_state.clear();
        self.violation = None;
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
    let mut chunks: Vec<Chunk<M::Violation>> = Vec::new();
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
        if let Some(t) = opts.timeout {
            if start.elapsed() >= t {
                break Outcome::Bounded(Bound::Time(t));
            }
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
                {
                    let store = &store;
                    let lo0 = next;
                    pool.install(|| {
                        chunks[..count].par_iter_mut().enumerate().for_each_init(
                            || (Successors::new(words), vec![0u32; words]),
                            |(out, buf), (k, c)| {
                                let lo = lo0 + k * CHUNK;
                                c.clear();
                                expand(model, store, lo, (lo + CHUNK).min(hi), out, buf, c);
                                filter(store, c);
                            },
                        )
                    });
                }
                let (t, e) = merge.commit(pool, &mut store, &mut chunks[..count], max_states);
                transitions += t;
                end = e;
            }
            _ => {
                for lo in (next..hi).step_by(CHUNK) {
                    chunk.clear();
                    expand(
                        model,
                        &store,
                        lo,
                        (lo + CHUNK).min(hi),
                        &mut out,
                        &mut buf,
                        &mut chunk,
                    );
                    let (t, e) = commit(&mut store, &mut chunk, max_states);
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
    c: &mut Chunk<M::Violation>,
) {
    for id in lo..hi {
        let id = id as u32;
        buf.copy_from_slice(store.state(id));
        out.clear();
        if let Some(v) = model.expand(buf, out) {
            c.violation = Some((id, v));
            return;
        }
        for (_, s) in out.iter() {
            super::push_words(&mut c.words, s);
            c.hashes.push(hash_state(s));
            c.parents.push(id);
        }
        c.per_state.push((out.len() as u32, c.hashes.len() as u32));
    }
}

/// Drops the candidates of `c` that the store already holds, keeping order and the per-state
/// candidate ends. Read-only on the store, so chunks do this in parallel while they expand;
/// what is left for the commit are states new to the store (and their duplicates).
fn filter<V>(store: &Store, c: &mut Chunk<V>) {
    let w = store.words;
    let n = c.hashes.len();
    for g in 0..n.min(AHEAD) {
        store.prefetch(c.hashes[g]);
    }
    for g in 0..n.min(AHEAD_MATCH) {
        store.prefetch_match(c.hashes[g]);
    }
    let mut kept = 0usize;
    let mut g = 0usize;
    for st in c.per_state.iter_mut() {
        let end = st.1 as usize;
        while g < end {
            if g + AHEAD < n {
                store.prefetch(c.hashes[g + AHEAD]);
            }
            if g + AHEAD_MATCH < n {
                store.prefetch_match(c.hashes[g + AHEAD_MATCH]);
            }
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
fn commit<V>(store: &mut Store, c: &mut Chunk<V>, max_states: u64) -> (u64, Option<End<V>>) {
    let w = store.words;
    let n = c.hashes.len();
    for g in 0..n.min(AHEAD) {
        store.prefetch(c.hashes[g]);
    }
    for g in 0..n.min(AHEAD_MATCH) {
        store.prefetch_match(c.hashes[g]);
    }
    for g in 0..n {
        if g + AHEAD < n {
            store.prefetch(c.hashes[g + AHEAD]);
        }
        if g + AHEAD_MATCH < n {
            store.prefetch_match(c.hashes[g + AHEAD_MATCH]);
        }
        let h = c.hashes[g];
        let s = &c.words[g * w..g * w + w];
        if store.find(h, s).is_some() {
            continue;
        }
        if store.len() as u64 >= max_states {
            // Count the transitions of the states expanded up to the one that produced `g`.
            let owner = c.per_state.partition_point(|&(_, end)| end as usize <= g);
            let t = c.per_state[..=owner.min(c.per_state.len().saturating_sub(1))]
                .iter()
                .map(|&(k, _)| k as u64)
                .sum();
            return (t, Some(End::Bounded(Bound::States(max_states))));
        }
        if store.insert_absent(h, s, c.parents[g]).is_err() {
            let t = c.per_state.iter().map(|&(k, _)| k as u64).sum();
            return (t, Some(End::Bounded(Bound::Memory(store.memory_bytes()))));
        }
    }
    let t = c.per_state.iter().map(|&(k, _)| k as u64).sum();
    (t, c.violation.take().map(|(id, v)| End::Violation(id, v)))
}

/// Buffers of the parallel commit, reused from slice to slice.
#[derive(Default)]
struct Merge {
    words: Vec<u32>,
    hashes: Vec<u64>,
    parents: Vec<u32>,
    /// Per expanded state: its number of successors and the end of its candidates.
    per_state: Vec<(u32, u32)>,
    /// (hash, candidate index) per bucket range of the index.
    by_part: Vec<Vec<(u64, u32)>>,
    /// Per bucket range: the candidates inserted there, with their (bucket, slot).
    placed: Vec<Vec<(u32, u32, u8)>>,
    /// The id each candidate got (`u32::MAX`: none).
    ids: Vec<u32>,
}

impl Merge {
    /// Commits the chunks of one slice, expanded in parallel, in four phases:
    ///
    /// 2. each bucket range of the index, in parallel, finds or inserts its candidates in slice
    ///    order, as provisional entries (candidate indices), so the first occurrence of every
    ///    new state is the one inserted; candidates whose probe leaves their range are done
    ///    afterwards, in order, over the whole table;
    /// 3. first occurrences get ids in slice order and are appended to the arena;
    /// 4. each range, in parallel, turns its provisional entries into those ids.
    ///
    /// Every candidate is probed once, as on one thread; only phase 3 is sequential, a flag
    /// test and a copy per candidate.
    fn commit<V: Send>(
        &mut self,
        pool: &rayon::ThreadPool,
        store: &mut Store,
        chunks: &mut [Chunk<V>],
        max_states: u64,
    ) -> (u64, Option<End<V>>) {
        self.words.clear();
        self.hashes.clear();
        self.parents.clear();
        self.per_state.clear();
        let mut violation = None;
        for c in chunks.iter_mut() {
            let base = self.hashes.len() as u32;
            self.per_state
                .extend(c.per_state.iter().map(|&(k, e)| (k, e + base)));
            self.words.extend_from_slice(&c.words);
            self.hashes.extend_from_slice(&c.hashes);
            self.parents.extend_from_slice(&c.parents);
            if let Some(v) = c.violation.take() {
                violation = Some(v);
                break;
            }
        }
        let n = self.hashes.len();
        let all: u64 = self.per_state.iter().map(|&(k, _)| k as u64).sum();
        if store.len() + n >= PROVISIONAL as usize {
            return (all, Some(End::Bounded(Bound::Memory(store.memory_bytes()))));
        }
        self.ids.clear();
        self.ids.resize(n, u32::MAX);
        // Candidates go in batches that fit the index's free room, so that the index grows by
        // the same rule as on one thread (not ahead of time for every candidate of the slice,
        // most of which are duplicates); a batch is settled before the next one is probed.
        let mut a = 0;
        while a < n {
            let want = (n - a).min(MIN_BATCH);
            if store.index.room() < want && store.reserve_index(want, Some(pool)).is_err() {
                return (all, Some(End::Bounded(Bound::Memory(store.memory_bytes()))));
            }
            let b = a + (n - a).min(store.index.room());
            if let Some(t) = self.commit_batch(pool, store, a, b, max_states) {
                return (t, Some(End::Bounded(Bound::States(max_states))));
            }
            a = b;
        }
        (all, violation.map(|(id, v)| End::Violation(id, v)))
    }

    /// Phase 3 when no bound interferes: the `firsts` marked candidates of `a..b` get ids in
    /// order and their words and parents go to the arena. Blocks count their firsts, a prefix
    /// sum gives each block its place, and blocks copy in parallel into disjoint slices.
    fn assign_ids(
        &mut self,
        pool: &rayon::ThreadPool,
        store: &mut Store,
        a: usize,
        b: usize,
        firsts: usize,
    ) {
        let w = store.words;
        let base = store.len();
        let blocks = (pool.current_num_threads() * 4).max(1);
        let per = (b - a).div_ceil(blocks).max(1);
        let ids = &mut self.ids[a..b];
        let counts: Vec<usize> = pool.install(|| {
            ids.par_chunks(per)
                .map(|c| c.iter().filter(|&&x| x != u32::MAX).count())
                .collect()
        });
        store.arena.resize((base + firsts) * w, 0);
        store.parent.resize(base + firsts, 0);
        let mut arena = &mut store.arena[base * w..];
        let mut parent = &mut store.parent[base..];
        let mut jobs = Vec::with_capacity(counts.len());
        let mut next_id = base as u32;
        for (block, &k) in ids.chunks_mut(per).zip(&counts) {
            let (ar, rest_a) = std::mem::take(&mut arena).split_at_mut(k * w);
            let (pa, rest_p) = std::mem::take(&mut parent).split_at_mut(k);
            arena = rest_a;
            parent = rest_p;
            jobs.push((block, ar, pa, next_id));
            next_id += k as u32;
        }
        let words = &self.words;
        let parents = &self.parents;
        pool.install(|| {
            jobs.into_par_iter()
                .enumerate()
                .for_each(|(j, (block, ar, pa, first_id))| {
                    let g0 = a + j * per;
                    let mut k = 0usize;
                    for (i, id) in block.iter_mut().enumerate() {
                        if *id == u32::MAX {
                            continue;
                        }
                        let g = g0 + i;
                        ar[k * w..(k + 1) * w].copy_from_slice(&words[g * w..(g + 1) * w]);
                        pa[k] = parents[g];
                        *id = first_id + k as u32;
                        k += 1;
                    }
                })
        });
    }

    /// Phases 2 to 4 for candidates `a..b`, which fit the index without growing it. Returns the
    /// transitions counted so far when the state bound stops the search.
    fn commit_batch(
        &mut self,
        pool: &rayon::ThreadPool,
        store: &mut Store,
        a: usize,
        b: usize,
        max_states: u64,
    ) -> Option<u64> {
        let w = store.words;
        // Phase 2: find or insert, bucket ranges in parallel.
        let parts = store.index.part_count();
        self.by_part.resize_with(parts, Vec::new);
        self.placed.resize_with(parts, Vec::new);
        for l in &mut self.by_part {
            l.clear();
        }
        for g in a..b {
            let h = self.hashes[g];
            self.by_part[part_of(h)].push((h, g as u32));
        }
        let spilled: Vec<u32> = {
            let words = &self.words;
            let arena = &store.arena;
            let eq_for = |g: u32| {
                let s = &words[g as usize * w..(g as usize + 1) * w];
                move |e: u32| {
                    let other = if e >= PROVISIONAL {
                        let x = (e - PROVISIONAL) as usize;
                        &words[x * w..(x + 1) * w]
                    } else {
                        &arena[e as usize * w..(e as usize + 1) * w]
                    };
                    same(other, s)
                }
            };
            let ranges = store.index.parts();
            let by_part = &self.by_part;
            let placed = &mut self.placed;
            let mut spilled: Vec<u32> = pool.install(|| {
                ranges
                    .into_par_iter()
                    .zip(by_part.par_iter())
                    .zip(placed.par_iter_mut())
                    .map(|((mut range, list), placed)| {
                        placed.clear();
                        let mut spill = Vec::new();
                        for (k, &(h, g)) in list.iter().enumerate() {
                            if let Some(&(next, _)) = list.get(k + AHEAD) {
                                range.prefetch(next);
                            }
                            match range.find_or_insert(h, g, eq_for(g)) {
                                Probe::Found => {}
                                Probe::Inserted(b, i) => placed.push((g, b, i)),
                                Probe::Spill => spill.push(g),
                            }
                        }
                        spill
                    })
                    .flatten()
                    .collect()
            });
            spilled.sort_unstable();
            spilled
        };
        let mut late = Vec::new();
        for g in spilled {
            let eq = {
                let words = &self.words;
                let arena = &store.arena;
                let s = &words[g as usize * w..(g as usize + 1) * w];
                move |e: u32| {
                    let other = if e >= PROVISIONAL {
                        let x = (e - PROVISIONAL) as usize;
                        &words[x * w..(x + 1) * w]
                    } else {
                        &arena[e as usize * w..(e as usize + 1) * w]
                    };
                    same(other, s)
                }
            };
            if let Probe::Inserted(b, i) =
                store.index.find_or_insert(self.hashes[g as usize], g, eq)
            {
                late.push((g, b, i));
            }
        }

        // Phase 3: ids in slice order.
        for &(g, _, _) in self.placed.iter().flatten().chain(&late) {
            self.ids[g as usize] = 0;
        }
        let firsts = self.placed.iter().map(Vec::len).sum::<usize>() + late.len();
        let mut bounded = None;
        let added = if (store.len() + firsts) as u64 <= max_states {
            self.assign_ids(pool, store, a, b, firsts);
            firsts
        } else {
            // The state bound falls inside this batch: one thread, stopping at the bound.
            let mut added = 0usize;
            for g in a..b {
                if self.ids[g] == u32::MAX {
                    continue;
                }
                if bounded.is_some() || store.len() as u64 >= max_states {
                    if bounded.is_none() {
                        // The transitions of the states expanded up to the one that produced `g`.
                        let owner = self.per_state.partition_point(|&(_, e)| e as usize <= g);
                        bounded = Some(
                            self.per_state[..=owner.min(self.per_state.len().saturating_sub(1))]
                                .iter()
                                .map(|&(k, _)| k as u64)
                                .sum(),
                        );
                    }
                    self.ids[g] = u32::MAX;
                    continue;
                }
                self.ids[g] =
                    store.push_unindexed(&self.words[g * w..(g + 1) * w], self.parents[g]);
                added += 1;
            }
            added
        };

        // Phase 4: provisional entries become ids (or dead slots past a bound).
        {
            let ids = &self.ids;
            let settle = |g: u32| Some(ids[g as usize]).filter(|&id| id != u32::MAX);
            let ranges = store.index.parts();
            let placed = &self.placed;
            pool.install(|| {
                ranges
                    .into_par_iter()
                    .zip(placed.par_iter())
                    .for_each(|(mut range, list)| {
                        for &(g, b, i) in list {
                            range.settle(b, i, settle(g));
                        }
                    })
            });
            for &(g, b, i) in &late {
                store.index.settle(b, i, settle(g));
            }
        }
        store.index.add_len(added);
        bounded
    }
}
