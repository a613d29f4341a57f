//! Labels of the activation-aware semantics that Φ runs: events tagged with the activations
//! that perform them, and the pseudo-events of a span process's call and end.
//!
//! Plain checking never sees any of this: without [`super::sem::Semantics::enable_activations`]
//! every label is a plain [`EventId`] below [`PSEUDO`], and the firing rules behave as before.
//! With activations on, a call of a span process is a visible step `start(c)` into
//! `Act(UNBOUND, c, body)`; the search binds the activation to an observed span (a `u32`), and
//! every label leaving `Act(s, ..)` names `s` in its context (its set of performing
//! activations, [`ROOT`] standing for "outside every activation"). Synchronisation is decided
//! on the base event, so tags never change which events synchronise.

use crate::cspm::proc::{CallId, EventId, TAU};
use rustc_hash::FxHashMap;

/// First pseudo-event id: ids from here on are starts of span calls and [`END`].
pub const PSEUDO: EventId = 0x4000_0000;
/// The end of an activation (its body terminated); always tagged with the activation.
pub const END: EventId = PSEUDO;
/// Labels with this bit are tagged: an index into [`Labels`]' table.
pub const TAGGED: EventId = 0x8000_0000;
/// The context of a label performed outside every activation.
pub const ROOT: u32 = u32::MAX;
/// An activation not yet bound to an observed span (the target of a `start`).
pub const UNBOUND: u32 = u32::MAX - 1;

/// Tagged labels and contexts, interned.
#[derive(Debug, Default)]
pub struct Labels {
    tagged: Vec<(EventId, u32)>,
    tag_index: FxHashMap<(EventId, u32), EventId>,
    ctxs: Vec<Box<[u32]>>,
    ctx_index: FxHashMap<Box<[u32]>, u32>,
    starts: Vec<CallId>,
    start_index: FxHashMap<CallId, EventId>,
}

const ROOT_CTX: &[u32] = &[ROOT];

impl Labels {
    /// The event a label stands for, tags removed.
    #[inline]
    pub fn base(&self, l: EventId) -> EventId {
        if l & TAGGED == 0 {
            l
        } else {
            self.tagged
                .get((l & !TAGGED) as usize)
                .map_or(TAU, |&(b, _)| b)
        }
    }

    #[inline]
    pub fn is_tau(&self, l: EventId) -> bool {
        self.base(l) == TAU
    }

    /// Whether a base event is a pseudo-event (a start or an end).
    #[inline]
    pub fn is_pseudo(base: EventId) -> bool {
        (PSEUDO..TAGGED).contains(&base)
    }

    /// The activations performing a label, sorted; `[ROOT]` for an untagged one.
    pub fn ctx(&self, l: EventId) -> &[u32] {
        if l & TAGGED == 0 {
            return ROOT_CTX;
        }
        match self.tagged.get((l & !TAGGED) as usize) {
            Some(&(_, c)) => &self.ctxs[c as usize],
            None => ROOT_CTX,
        }
    }

    fn ctx_id(&mut self, ctx: &[u32]) -> u32 {
        if let Some(&c) = self.ctx_index.get(ctx) {
            return c;
        }
        let c = self.ctxs.len() as u32;
        self.ctxs.push(ctx.into());
        self.ctx_index.insert(ctx.into(), c);
        c
    }

    /// `base` performed by the activations `ctx` (sorted, deduplicated).
    pub fn tag(&mut self, base: EventId, ctx: &[u32]) -> EventId {
        if ctx == ROOT_CTX || ctx.is_empty() {
            return base;
        }
        let c = self.ctx_id(ctx);
        if let Some(&l) = self.tag_index.get(&(base, c)) {
            return l;
        }
        let l = TAGGED | self.tagged.len() as EventId;
        self.tagged.push((base, c));
        self.tag_index.insert((base, c), l);
        l
    }

    /// The label as seen from outside activation `s`: "outside every activation" becomes `s`.
    pub fn enter(&mut self, l: EventId, s: u32) -> EventId {
        let ctx = self.ctx(l);
        if !ctx.contains(&ROOT) {
            return l;
        }
        let base = self.base(l);
        let mut v: Vec<u32> = ctx.iter().map(|&a| if a == ROOT { s } else { a }).collect();
        v.sort_unstable();
        v.dedup();
        self.tag(base, &v)
    }

    /// The label of a synchronisation of `labels` on `base`: the union of their contexts.
    pub fn combine(&mut self, base: EventId, labels: &[EventId]) -> EventId {
        if labels.iter().all(|&l| l & TAGGED == 0) {
            return base;
        }
        let mut v: Vec<u32> = labels.iter().flat_map(|&l| self.ctx(l)).copied().collect();
        v.sort_unstable();
        v.dedup();
        self.tag(base, &v)
    }

    /// The same label with another base event (renaming keeps who performs it).
    pub fn rebase(&mut self, l: EventId, base: EventId) -> EventId {
        if l & TAGGED == 0 {
            return base;
        }
        let ctx: Vec<u32> = self.ctx(l).to_vec();
        self.tag(base, &ctx)
    }

    /// The pseudo-event of a call of span process instance `c`.
    pub fn start(&mut self, c: CallId) -> EventId {
        if let Some(&e) = self.start_index.get(&c) {
            return e;
        }
        let e = PSEUDO + 1 + self.starts.len() as EventId;
        self.starts.push(c);
        self.start_index.insert(c, e);
        e
    }

    /// The call a start pseudo-event stands for.
    pub fn start_call(&self, base: EventId) -> Option<CallId> {
        if base > END && base < TAGGED {
            self.starts.get((base - END - 1) as usize).copied()
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_their_base_and_join_contexts() {
        let mut l = Labels::default();
        let a = l.tag(7, &[3]);
        assert_ne!(a, 7);
        assert_eq!(l.base(a), 7);
        assert_eq!(l.ctx(a), &[3]);
        assert_eq!(l.ctx(7), &[ROOT]);
        let b = l.combine(7, &[a, 7]);
        assert_eq!(l.ctx(b), &[3, ROOT]);
        let c = l.enter(b, 5);
        assert_eq!(l.ctx(c), &[3, 5]);
        assert_eq!(l.enter(7, 5), l.tag(7, &[5]));
        assert_eq!(l.combine(7, &[7, 7]), 7);
        let s = l.start(CallId(9));
        assert!(Labels::is_pseudo(s));
        assert_eq!(l.start_call(s), Some(CallId(9)));
        assert_eq!(l.start_call(END), None);
        let t = l.tag(TAU, &[1]);
        assert!(l.is_tau(t));
    }
}
