//! The visited set: every reached state stored once, exactly, with its BFS parent.
//!
//! States live in one flat arena of `u32` words (`words` per state, id `i` at `i * words`). The
//! index is an open-addressing table of state ids in cache-line buckets: 12 one-byte tags (high
//! hash bits, 0 = empty) and 12 `u32` ids in 64 bytes, probed bucket after bucket. A lookup reads
//! one cache line in the common case and compares words in the arena only when a tag matches;
//! callers that probe many states prefetch the buckets ahead ([`Index::prefetch`]), which is what
//! makes the search bound by arithmetic rather than by memory latency. The table never deletes, so
//! the first empty tag ends a probe. It grows at 90 % load by rehashing the arena in id order (a
//! sequential scan, not a random walk over the old table).
//!
//! Bytes per state beyond the packed vector: 4 for the parent link and 64 / 12 / load for the
//! index, i.e. 9.9 at full load and 15.9 just after the table doubles. Labels are not stored: a
//! path is rebuilt by re-expanding parents ([`Store::path`]).

use super::{Model, Successors};

/// The index is split into `PARTS` bucket ranges by the top `PART_BITS` bits of a hash, so
/// that threads can insert into different ranges at once.
pub const PART_BITS: u32 = 6;
pub const PARTS: usize = 1 << PART_BITS;

/// The part (bucket range) of a hash, whatever the size of the index.
#[inline(always)]
pub fn part_of(hash: u64) -> usize {
    (hash >> (64 - PART_BITS)) as usize
}

/// Parent of an initial state.
pub const NO_PARENT: u32 = u32::MAX;
/// Slots per bucket: 12 tags + 4 pad bytes + 12 ids = one 64-byte cache line.
const SLOTS: usize = 12;
/// Grow when more than `LOAD_NUM / LOAD_DEN` of the slots are taken.
const LOAD_NUM: usize = 9;
const LOAD_DEN: usize = 10;

/// Hash of a packed state: a multiply-xorshift over the words with a final avalanche, so that
/// both the bucket bits (low) and the tag bits (high) are well mixed.
#[inline]
pub fn hash_state(words: &[u32]) -> u64 {
    const K: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = (words.len() as u64).wrapping_mul(K);
    let mut chunks = words.chunks_exact(2);
    for c in &mut chunks {
        let w = (c[0] as u64) | ((c[1] as u64) << 32);
        h = (h ^ w).wrapping_mul(K);
        h ^= h >> 29;
    }
    if let [w] = chunks.remainder() {
        h = (h ^ *w as u64).wrapping_mul(K);
        h ^= h >> 29;
    }
    // fmix64 from MurmurHash3.
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^= h >> 33;
    h
}

/// Equality of two packed states. A hand loop: `==` on slices calls `memcmp`, whose call costs
/// more than comparing the two or three words most states have.
#[inline(always)]
pub fn same(a: &[u32], b: &[u32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The tag of a hash: 1..=254 from its low byte (the top bits choose the bucket). 0 marks an empty slot, [`DEAD`] a slot whose
/// provisional entry was abandoned (it matches nothing and does not end a probe).
#[inline(always)]
fn tag_of(hash: u64) -> u8 {
    ((((hash as u8) as u32) * 254) >> 8) as u8 + 1
}

const DEAD: u8 = 255;

/// Entries at or above this are provisional: candidate indices of the slice being committed,
/// not yet state ids. State ids therefore stay below it.
pub const PROVISIONAL: u32 = 1 << 31;

/// What a find-or-insert did.
pub enum Probe {
    /// An equal state (or candidate) is there.
    Found,
    /// Inserted at (bucket, slot).
    Inserted(u32, u8),
    /// The probe would leave the bucket range it may write to.
    Spill,
}

#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Bucket {
    tags: [u8; SLOTS],
    _pad: [u8; 4],
    ids: [u32; SLOTS],
}

impl Bucket {
    /// The slots whose tag is `tag` (a bit mask) and the first empty slot (`SLOTS` when the
    /// bucket is full). Slots fill in order and are never emptied, so no match lies past the
    /// first empty slot.
    #[inline(always)]
    fn scan(&self, tag: u8) -> (u32, usize) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{
                __m128i, _mm_cmpeq_epi8, _mm_load_si128, _mm_movemask_epi8, _mm_set1_epi8,
                _mm_setzero_si128,
            };
            // SAFETY: SSE2 is part of x86_64; the bucket is 64-byte aligned and its first 16
            // bytes are the tags and the zero padding.
            unsafe {
                let v = _mm_load_si128(self as *const Bucket as *const __m128i);
                let hits = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(tag as i8))) as u32;
                let zeros = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) as u32;
                (hits & 0x0fff, zeros.trailing_zeros() as usize)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let mut hits = 0u32;
            let mut first_empty = SLOTS;
            for (i, &t) in self.tags.iter().enumerate() {
                if t == 0 {
                    first_empty = i;
                    break;
                }
                if t == tag {
                    hits |= 1 << i;
                }
            }
            (hits, first_empty)
        }
    }
}

const EMPTY: Bucket = Bucket {
    tags: [0; SLOTS],
    _pad: [0; 4],
    ids: [0; SLOTS],
};

/// A reservation failed: the allocator refused the memory.
#[derive(Debug)]
pub struct OutOfMemory;

/// The id index: buckets of tags and ids; the words live in the caller's arena.
pub struct Index {
    buckets: Vec<Bucket>,
    mask: usize,
    /// `64 - log2(buckets)`: [`Index::home`] shifts hashes right by it.
    shift: u32,
    len: usize,
}

impl Index {
    /// The bucket a hash starts probing in: its top bits, so that the top [`PART_BITS`] of a
    /// hash name its part (bucket range) whatever the table's size.
    #[inline(always)]
    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    fn with_buckets(n: usize) -> Result<Index, OutOfMemory> {
        debug_assert!(n.is_power_of_two());
        let mut buckets = Vec::new();
        buckets.try_reserve_exact(n).map_err(|_| OutOfMemory)?;
        buckets.resize(n, EMPTY);
        Ok(Index {
            buckets,
            mask: n - 1,
            shift: 64 - n.trailing_zeros(),
            len: 0,
        })
    }

    /// Hints the CPU to fetch the bucket `hash` starts at.
    #[inline(always)]
    pub fn prefetch(&self, hash: u64) {
        let b = &self.buckets[self.home(hash)];
        prefetch(b as *const Bucket as *const u8);
    }

    /// The id of the state equal to `state` (words in `arena`, `w` per state).
    #[inline]
    pub fn find(&self, hash: u64, state: &[u32], arena: &[u32], w: usize) -> Option<u32> {
        let tag = tag_of(hash);
        let mut b = self.home(hash);
        loop {
            let bucket = &self.buckets[b];
            let (mut hits, empty) = bucket.scan(tag);
            while hits != 0 {
                let id = bucket.ids[hits.trailing_zeros() as usize] as usize;
                hits &= hits - 1;
                if let Some(other) = arena.get(id * w..id * w + w)
                    && same(other, state)
                {
                    return Some(id as u32);
                }
            }
            if empty < SLOTS {
                return None;
            }
            b = (b + 1) & self.mask;
        }
    }

    /// Records `id` under `hash`; the caller knows it is not there yet and that there is room.
    #[inline]
    fn insert_new(&mut self, hash: u64, id: u32) {
        let tag = tag_of(hash);
        let mut b = self.home(hash);
        loop {
            let bucket = &mut self.buckets[b];
            let (_, empty) = bucket.scan(tag);
            if empty < SLOTS {
                bucket.tags[empty] = tag;
                bucket.ids[empty] = id;
                self.len += 1;
                return;
            }
            b = (b + 1) & self.mask;
        }
    }

    fn full(&self) -> bool {
        self.needs_room(1)
    }

    /// How many more entries fit before the index must grow.
    pub fn room(&self) -> usize {
        (self.buckets.len() * SLOTS * LOAD_NUM / LOAD_DEN).saturating_sub(self.len)
    }

    fn needs_room(&self, more: usize) -> bool {
        (self.len + more) * LOAD_DEN > self.buckets.len() * SLOTS * LOAD_NUM
    }

    /// Disjoint mutable bucket ranges, so that threads can insert at once, each into the
    /// range its hashes start in ([`Part::find_or_insert`]). The caller adds what it settled
    /// with [`Index::add_len`].
    pub fn parts(&mut self) -> Vec<Part<'_>> {
        let per = self.buckets.len() / PARTS;
        let shift = self.shift;
        self.buckets
            .chunks_mut(per)
            .enumerate()
            .map(|(i, buckets)| Part {
                base: i * per,
                shift,
                buckets,
            })
            .collect()
    }

    pub fn add_len(&mut self, n: usize) {
        self.len += n;
    }

    /// [`Part::find_or_insert`] over the whole table (for the candidates that spilled).
    pub fn find_or_insert(&mut self, hash: u64, g: u32, eq: impl FnMut(u32) -> bool) -> Probe {
        let start = self.home(hash);
        // The table is never full, so the probe ends before it wraps back to `start`.
        find_or_insert_in(&mut self.buckets, 0, start, true, tag_of(hash), g, eq)
    }

    /// Turns the provisional entry at (bucket, slot) into state `id`, or into a dead slot.
    #[inline]
    pub fn settle(&mut self, bucket: u32, slot: u8, id: Option<u32>) {
        let b = &mut self.buckets[bucket as usize];
        match id {
            Some(id) => b.ids[slot as usize] = id,
            None => b.tags[slot as usize] = DEAD,
        }
    }

    fn bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
    }
}

/// Probes `buckets` from `start` for an entry `eq` accepts, or inserts candidate `g` as a
/// provisional entry at the first empty slot. `base` is the absolute index of `buckets[0]`;
/// with `wrap` the probe wraps around the end (the whole table), without it the probe stops
/// at the end with [`Probe::Spill`] (one part of it).
#[inline]
fn find_or_insert_in(
    buckets: &mut [Bucket],
    base: usize,
    start: usize,
    wrap: bool,
    tag: u8,
    g: u32,
    mut eq: impl FnMut(u32) -> bool,
) -> Probe {
    let mut b = start;
    loop {
        if b == buckets.len() {
            if !wrap {
                return Probe::Spill;
            }
            b = 0;
        }
        let bucket = &mut buckets[b];
        let (mut hits, empty) = bucket.scan(tag);
        while hits != 0 {
            let i = hits.trailing_zeros() as usize;
            hits &= hits - 1;
            if eq(bucket.ids[i]) {
                return Probe::Found;
            }
        }
        if empty < SLOTS {
            bucket.tags[empty] = tag;
            bucket.ids[empty] = PROVISIONAL | g;
            return Probe::Inserted((base + b) as u32, empty as u8);
        }
        b += 1;
    }
}

/// A contiguous range of buckets, for inserting in parallel with other ranges.
pub struct Part<'a> {
    base: usize,
    shift: u32,
    buckets: &'a mut [Bucket],
}

impl Part<'_> {
    #[inline(always)]
    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// Hints the CPU to fetch the bucket `hash` starts at (within this range).
    #[inline(always)]
    pub fn prefetch(&self, hash: u64) {
        if let Some(b) = self.buckets.get(self.home(hash) - self.base) {
            prefetch(b as *const Bucket as *const u8);
        }
    }

    /// Finds a state equal to candidate `g` (`eq` compares an entry with it), or inserts `g` as
    /// a provisional entry, within this range.
    #[inline]
    pub fn find_or_insert(&mut self, hash: u64, g: u32, eq: impl FnMut(u32) -> bool) -> Probe {
        let start = self.home(hash) - self.base;
        find_or_insert_in(self.buckets, self.base, start, false, tag_of(hash), g, eq)
    }

    /// Inserts state `id` when its probe stays inside this range; `false` when it would leave
    /// it (the caller inserts it afterwards over the whole table).
    #[inline]
    pub fn insert_within(&mut self, hash: u64, id: u32) -> bool {
        let tag = tag_of(hash);
        let mut b = self.home(hash) - self.base;
        while let Some(bucket) = self.buckets.get_mut(b) {
            let (_, empty) = bucket.scan(tag);
            if empty < SLOTS {
                bucket.tags[empty] = tag;
                bucket.ids[empty] = id;
                return true;
            }
            b += 1;
        }
        false
    }

    /// [`Index::settle`] for an entry of this range.
    #[inline]
    pub fn settle(&mut self, bucket: u32, slot: u8, id: Option<u32>) {
        let b = &mut self.buckets[bucket as usize - self.base];
        match id {
            Some(id) => b.ids[slot as usize] = id,
            None => b.tags[slot as usize] = DEAD,
        }
    }
}

/// Stored states and their parents.
pub struct Store {
    pub(super) words: usize,
    pub(super) arena: Vec<u32>,
    pub(super) parent: Vec<u32>,
    pub(super) index: Index,
}

impl Store {
    pub fn new(words: usize) -> Self {
        Store {
            words,
            arena: Vec::new(),
            parent: Vec::new(),
            index: Index {
                buckets: vec![EMPTY; PARTS],
                mask: PARTS - 1,
                shift: 64 - PARTS.trailing_zeros(),
                len: 0,
            },
        }
    }

    /// Number of stored states.
    #[inline]
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    #[inline]
    pub fn state(&self, id: u32) -> &[u32] {
        let i = id as usize * self.words;
        &self.arena[i..i + self.words]
    }

    #[inline]
    pub fn parent(&self, id: u32) -> Option<u32> {
        match self.parent[id as usize] {
            NO_PARENT => None,
            p => Some(p),
        }
    }

    #[inline(always)]
    pub fn prefetch(&self, hash: u64) {
        self.index.prefetch(hash);
    }

    /// Second stage of a pipelined probe: reads the (prefetched) home bucket of `hash` and
    /// prefetches the arena words of the first state whose tag matches, so that the compare a
    /// few candidates later does not wait for memory either.
    #[inline(always)]
    pub fn prefetch_match(&self, hash: u64) {
        let bucket = &self.index.buckets[self.index.home(hash)];
        let (hits, _) = bucket.scan(tag_of(hash));
        if hits != 0 {
            let id = bucket.ids[hits.trailing_zeros() as usize] as usize;
            if let Some(word) = self.arena.get(id * self.words) {
                prefetch(word as *const u32 as *const u8);
            }
        }
    }

    /// The id of `state`, given its hash.
    #[inline]
    pub fn find(&self, hash: u64, state: &[u32]) -> Option<u32> {
        self.index.find(hash, state, &self.arena, self.words)
    }

    pub fn lookup(&self, state: &[u32]) -> Option<u32> {
        if state.len() != self.words {
            return None;
        }
        self.find(hash_state(state), state)
    }

    /// Stores `state`, which the caller just failed to [`find`](Self::find), as a new state
    /// with the next id; `Err` when the index could not grow.
    #[inline]
    pub fn insert_absent(
        &mut self,
        hash: u64,
        state: &[u32],
        parent: u32,
    ) -> Result<u32, OutOfMemory> {
        if self.index.full() {
            self.grow()?;
        }
        let id = self.parent.len() as u32;
        self.arena.extend_from_slice(state);
        self.parent.push(parent);
        self.index.insert_new(hash, id);
        Ok(id)
    }

    /// Grows the index, when needed, so that `more` states fit without another growth. Every
    /// thread of `pool` rehashes: each scans the whole arena (hashing is cheap) and inserts
    /// only the states whose probe starts in its own bucket ranges, so no two threads write
    /// the same bucket. (One thread grows the index through `insert_absent`.)
    pub fn reserve_index(
        &mut self,
        more: usize,
        pool: &rayon::ThreadPool,
    ) -> Result<(), OutOfMemory> {
        if !self.index.needs_room(more) {
            return Ok(());
        }
        let count = self.index.len;
        let mut n = self.index.buckets.len() * 2;
        while (count + more) * LOAD_DEN > n * SLOTS * LOAD_NUM {
            n *= 2;
        }
        self.release_index();
        self.index = Index::with_buckets(n)?;
        let threads = pool.current_num_threads();
        let per_thread = PARTS.div_ceil(threads);
        let w = self.words;
        let arena = &self.arena;
        let mut groups: Vec<Vec<Part<'_>>> = Vec::new();
        for (i, p) in self.index.parts().into_iter().enumerate() {
            if i % per_thread == 0 {
                groups.push(Vec::new());
            }
            if let Some(g) = groups.last_mut() {
                g.push(p);
            }
        }
        let spilled: Vec<Vec<(u64, u32)>> = pool.install(|| {
            use rayon::prelude::*;
            groups
                .into_par_iter()
                .enumerate()
                .map(|(t, mut group)| {
                    let first = t * per_thread;
                    let mut spill = Vec::new();
                    let mut mine: Vec<(u64, u32, usize)> = Vec::with_capacity(64);
                    for lo in (0..count).step_by(64) {
                        mine.clear();
                        for id in lo..(lo + 64).min(count) {
                            let h = hash_state(&arena[id * w..id * w + w]);
                            let part = part_of(h);
                            if part >= first && part < first + group.len() {
                                group[part - first].prefetch(h);
                                mine.push((h, id as u32, part - first));
                            }
                        }
                        for &(h, id, p) in &mine {
                            if !group[p].insert_within(h, id) {
                                spill.push((h, id));
                            }
                        }
                    }
                    spill
                })
                .collect()
        });
        let spill: usize = spilled.iter().map(Vec::len).sum();
        self.index.add_len(count - spill);
        for (h, id) in spilled.into_iter().flatten() {
            self.index.insert_new(h, id);
        }
        Ok(())
    }

    /// Appends a state known to be new without indexing it; the caller indexes it (in bulk,
    /// see [`Index::parts`]) before the next lookup.
    #[inline]
    pub fn push_unindexed(&mut self, state: &[u32], parent: u32) -> u32 {
        let id = self.parent.len() as u32;
        self.arena.extend_from_slice(state);
        self.parent.push(parent);
        id
    }

    /// Frees the index before a bigger one is built: the rehash reads the arena, not the old
    /// table, so both need not be held at once.
    fn release_index(&mut self) {
        self.index = Index {
            buckets: Vec::new(),
            mask: 0,
            shift: 0,
            len: 0,
        };
    }

    /// Doubles the index and rehashes every indexed state, scanning the arena in id order.
    fn grow(&mut self) -> Result<(), OutOfMemory> {
        let count = self.index.len;
        let n = self.index.buckets.len() * 2;
        self.release_index();
        self.index = Index::with_buckets(n)?;
        let w = self.words;
        const AHEAD: usize = 8;
        let mut ring = [0u64; AHEAD];
        for id in 0..count.min(AHEAD) {
            let h = hash_state(&self.arena[id * w..id * w + w]);
            ring[id % AHEAD] = h;
            self.index.prefetch(h);
        }
        for id in 0..count {
            let h = ring[id % AHEAD];
            let ahead = id + AHEAD;
            if ahead < count {
                let h2 = hash_state(&self.arena[ahead * w..ahead * w + w]);
                ring[ahead % AHEAD] = h2;
                self.index.prefetch(h2);
            }
            self.index.insert_new(h, id as u32);
        }
        Ok(())
    }

    /// Makes room for `more` states in the arena and parent links without aborting on failure.
    pub fn try_reserve(&mut self, more: usize) -> Result<(), OutOfMemory> {
        self.arena
            .try_reserve(more.saturating_mul(self.words))
            .map_err(|_| OutOfMemory)?;
        self.parent.try_reserve(more).map_err(|_| OutOfMemory)
    }

    /// Bytes held by the arena, the parent links and the index.
    pub fn memory_bytes(&self) -> u64 {
        (self.arena.len() * 4) as u64 + self.overhead_bytes()
    }

    /// Bytes spent beyond the packed vectors: parent links and index.
    pub fn overhead_bytes(&self) -> u64 {
        (self.parent.len() * 4 + self.index.bytes()) as u64
    }

    /// The shortest path to `id`: the initial state, then (label, state) for each step. Each
    /// label is the first successor label of the parent that leads to the child, found by
    /// expanding the parent again.
    pub fn path<M: Model>(&self, model: &M, id: u32) -> super::Path<M::Label> {
        let mut chain = vec![id];
        let mut cur = id;
        while let Some(p) = self.parent(cur) {
            chain.push(p);
            cur = p;
        }
        chain.reverse();
        let mut out = Successors::new(self.words);
        let mut steps = Vec::with_capacity(chain.len().saturating_sub(1));
        for w in chain.windows(2) {
            out.clear();
            let _ = model.expand(self.state(w[0]), &mut out);
            let child = self.state(w[1]);
            if let Some((l, _)) = out.iter().find(|(_, s)| same(s, child)) {
                steps.push((l, child.to_vec()));
            }
        }
        (self.state(chain[0]).to_vec(), steps)
    }
}

/// A cache hint; a no-op where the architecture has no prefetch instruction we use.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetch is a hint that never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}
