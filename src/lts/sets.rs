//! Event sets as bitsets and relations (renamings, links) as sorted pair lists, imported once
//! from the process source so that membership and images are look-ups.

use crate::cspm::proc::{EventId, EventSetId, ProcSource, RelationId};
use rustc_hash::FxHashMap;

/// Index of an imported event set.
pub type SetIx = u32;
/// Index of an imported relation.
pub type RelIx = u32;

/// Imported event sets (bitsets over all events) and relations.
///
/// Each set has its own bitset, as long as its largest member needs: the evaluator may intern
/// new events (of channels over infinite types) after the first sets were imported.
#[derive(Debug, Default)]
pub struct EventSets {
    bits: Vec<Box<[u64]>>,
    members: Vec<Vec<EventId>>,
    by_src: FxHashMap<EventSetId, SetIx>,
    by_members: FxHashMap<Vec<EventId>, SetIx>,
    rels: Vec<Vec<(EventId, EventId)>>,
    rels_by_src: FxHashMap<RelationId, RelIx>,
}

impl EventSets {
    pub fn new() -> Self {
        EventSets::default()
    }

    /// Imports a set of the source (memoised).
    pub fn import(&mut self, src: &dyn ProcSource, s: EventSetId) -> SetIx {
        if let Some(&i) = self.by_src.get(&s) {
            return i;
        }
        let i = self.intern(src.event_set(s));
        self.by_src.insert(s, i);
        i
    }

    /// Interns a set given by its members.
    pub fn intern(&mut self, events: &[EventId]) -> SetIx {
        let mut v = events.to_vec();
        v.sort_unstable();
        v.dedup();
        if let Some(&i) = self.by_members.get(&v) {
            return i;
        }
        let i = self.members.len() as SetIx;
        let words = v.last().map(|&e| e as usize / 64 + 1).unwrap_or(0);
        let mut bits = vec![0u64; words];
        for &e in &v {
            bits[e as usize / 64] |= 1u64 << (e % 64);
        }
        self.bits.push(bits.into_boxed_slice());
        self.members.push(v.clone());
        self.by_members.insert(v, i);
        i
    }

    #[inline]
    pub fn contains(&self, s: SetIx, e: EventId) -> bool {
        self.bits
            .get(s as usize)
            .and_then(|b| b.get(e as usize / 64))
            .is_some_and(|b| b >> (e % 64) & 1 == 1)
    }

    pub fn members(&self, s: SetIx) -> &[EventId] {
        self.members
            .get(s as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Imports a relation of the source, sorted by `from` (memoised).
    pub fn import_rel(&mut self, src: &dyn ProcSource, r: RelationId) -> RelIx {
        if let Some(&i) = self.rels_by_src.get(&r) {
            return i;
        }
        let mut v = src.relation(r).to_vec();
        v.sort_unstable();
        v.dedup();
        let i = self.rels.len() as RelIx;
        self.rels.push(v);
        self.rels_by_src.insert(r, i);
        i
    }

    pub fn pairs(&self, r: RelIx) -> &[(EventId, EventId)] {
        self.rels
            .get(r as usize)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// The images of `e` under a relation (empty when `e` is not in its domain).
    pub fn images(&self, r: RelIx, e: EventId) -> &[(EventId, EventId)] {
        let p = self.pairs(r);
        let lo = p.partition_point(|&(a, _)| a < e);
        let hi = p.partition_point(|&(a, _)| a <= e);
        &p[lo..hi]
    }

    pub fn in_domain(&self, r: RelIx, e: EventId) -> bool {
        !self.images(r, e).is_empty()
    }

    pub fn in_range(&self, r: RelIx, e: EventId) -> bool {
        self.pairs(r).iter().any(|&(_, b)| b == e)
    }
}
