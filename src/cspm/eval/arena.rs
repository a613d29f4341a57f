//! The process arena: hash-consed [`ProcNode`]s, interned events, event sets and relations,
//! and the table of calls (named processes applied to argument values) with their cached
//! bodies.

use super::env::GroupInst;
use super::program::GlobalId;
use super::value::{Func, Value};
use crate::cspm::proc::{
    CallId, CallInfo, EventId, EventSetId, ProcId, ProcNode, RelationId, TAU, TICK,
};
use rustc_hash::FxHashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// What a call evaluates when it is unfolded.
#[derive(Clone, Debug)]
pub enum CallTarget {
    /// A top-level process constant.
    Global(GlobalId),
    /// A process-valued function applied to every argument group.
    Func(Arc<Func>),
    /// A process constant of a `let` group instance.
    Member(Arc<GroupInst>, u16),
    /// `loop(P)` = `P ; loop(P)`.
    Loop(ProcId),
    /// `BUFFER(n, pairs)` holding `contents` (indices into `pairs`).
    Buffer {
        capacity: usize,
        pairs: Arc<[(EventId, EventId)]>,
        contents: Vec<u32>,
    },
}

/// The identity of a call: equal keys are the same process.
#[derive(Clone, Debug)]
struct CallKey(CallTarget);

/// The comparable parts of a call key.
type KeyParts<'a> = (
    u8,
    u64,
    &'a [Value],
    Option<&'a Value>,
    &'a [u32],
    &'a [(EventId, EventId)],
);

impl CallKey {
    fn parts(&self) -> KeyParts<'_> {
        match &self.0 {
            CallTarget::Global(g) => (0, *g as u64, &[], None, &[], &[]),
            CallTarget::Func(_) => (1, 0, &[], None, &[], &[]),
            CallTarget::Member(inst, m) => (
                2,
                ((inst.group as u64) << 16) | *m as u64,
                &inst.caps,
                None,
                &[],
                &[],
            ),
            CallTarget::Loop(p) => (3, p.0 as u64, &[], None, &[], &[]),
            CallTarget::Buffer {
                capacity,
                pairs,
                contents,
            } => (4, *capacity as u64, &[], None, contents, pairs),
        }
    }
}

impl PartialEq for CallKey {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (CallTarget::Func(a), CallTarget::Func(b)) => {
                Value::Func(a.clone()) == Value::Func(b.clone())
            }
            _ => self.parts() == other.parts(),
        }
    }
}
impl Eq for CallKey {}
impl Hash for CallKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match &self.0 {
            CallTarget::Func(f) => {
                1u8.hash(h);
                Value::Func(f.clone()).hash(h)
            }
            _ => self.parts().hash(h),
        }
    }
}

#[derive(Debug)]
pub struct CallEntry {
    pub info: CallInfo,
    pub target: CallTarget,
    pub body: Option<ProcId>,
}

/// Every process node, event, event set, relation and call of a script.
#[derive(Debug)]
pub struct Arena {
    nodes: Vec<ProcNode>,
    node_ids: FxHashMap<ProcNode, ProcId>,
    sets: Vec<Vec<EventId>>,
    set_ids: FxHashMap<Vec<EventId>, EventSetId>,
    rels: Vec<Vec<(EventId, EventId)>>,
    rel_ids: FxHashMap<Vec<(EventId, EventId)>, RelationId>,
    events: Vec<Option<Value>>,
    event_names: Vec<String>,
    event_ids: FxHashMap<Value, EventId>,
    calls: Vec<CallEntry>,
    call_ids: FxHashMap<CallKey, CallId>,
    pub all_events: Vec<EventId>,
}

impl Default for Arena {
    fn default() -> Self {
        Arena {
            nodes: Vec::new(),
            node_ids: FxHashMap::default(),
            sets: Vec::new(),
            set_ids: FxHashMap::default(),
            rels: Vec::new(),
            rel_ids: FxHashMap::default(),
            events: vec![None, None],
            event_names: vec!["τ".into(), "✓".into()],
            event_ids: FxHashMap::default(),
            calls: Vec::new(),
            call_ids: FxHashMap::default(),
            all_events: Vec::new(),
        }
    }
}

impl Arena {
    pub fn node(&mut self, n: ProcNode) -> ProcId {
        if let Some(&id) = self.node_ids.get(&n) {
            return id;
        }
        let id = ProcId(self.nodes.len() as u32);
        self.nodes.push(n.clone());
        self.node_ids.insert(n, id);
        id
    }

    pub fn get(&self, p: ProcId) -> &ProcNode {
        &self.nodes[p.0 as usize]
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Interns a sorted, deduplicated list of events.
    pub fn event_set(&mut self, mut evs: Vec<EventId>) -> EventSetId {
        evs.sort_unstable();
        evs.dedup();
        if let Some(&id) = self.set_ids.get(&evs) {
            return id;
        }
        let id = EventSetId(self.sets.len() as u32);
        self.sets.push(evs.clone());
        self.set_ids.insert(evs, id);
        id
    }

    pub fn get_set(&self, s: EventSetId) -> &[EventId] {
        &self.sets[s.0 as usize]
    }

    pub fn relation(&mut self, mut r: Vec<(EventId, EventId)>) -> RelationId {
        r.sort_unstable();
        r.dedup();
        if let Some(&id) = self.rel_ids.get(&r) {
            return id;
        }
        let id = RelationId(self.rels.len() as u32);
        self.rels.push(r.clone());
        self.rel_ids.insert(r, id);
        id
    }

    pub fn get_relation(&self, r: RelationId) -> &[(EventId, EventId)] {
        &self.rels[r.0 as usize]
    }

    /// Interns a complete event value; `name` gives its display form the first time.
    pub fn event(&mut self, v: &Value, name: impl FnOnce() -> String) -> EventId {
        if let Some(&e) = self.event_ids.get(v) {
            return e;
        }
        let e = self.events.len() as EventId;
        self.events.push(Some(v.clone()));
        self.event_names.push(name());
        self.event_ids.insert(v.clone(), e);
        e
    }

    /// The id of an already interned event.
    pub fn event_id(&self, v: &Value) -> Option<EventId> {
        self.event_ids.get(v).copied()
    }

    pub fn event_value(&self, e: EventId) -> Option<&Value> {
        self.events.get(e as usize).and_then(|v| v.as_ref())
    }

    pub fn event_name(&self, e: EventId) -> &str {
        match e {
            TAU => "τ",
            TICK => "✓",
            _ => self
                .event_names
                .get(e as usize)
                .map(|s| s.as_str())
                .unwrap_or("?"),
        }
    }

    pub fn event_count(&self) -> u32 {
        self.events.len() as u32
    }

    /// The call node for `target` when the call exists already.
    pub fn find_call(&mut self, target: &CallTarget) -> Option<ProcId> {
        let key = CallKey(target.clone());
        let c = *self.call_ids.get(&key)?;
        Some(self.node(ProcNode::Call(c)))
    }

    /// The call node for `target`, creating the call the first time.
    pub fn call(&mut self, target: CallTarget, info: impl FnOnce() -> CallInfo) -> ProcId {
        let key = CallKey(target);
        let id = match self.call_ids.get(&key) {
            Some(&c) => c,
            None => {
                let c = CallId(self.calls.len() as u32);
                self.calls.push(CallEntry {
                    info: info(),
                    target: key.0.clone(),
                    body: None,
                });
                self.call_ids.insert(key, c);
                c
            }
        };
        self.node(ProcNode::Call(id))
    }

    pub fn call_entry(&self, c: CallId) -> Option<&CallEntry> {
        self.calls.get(c.0 as usize)
    }

    pub fn set_body(&mut self, c: CallId, p: ProcId) {
        if let Some(e) = self.calls.get_mut(c.0 as usize) {
            e.body = Some(p);
        }
    }

    pub fn call_count(&self) -> usize {
        self.calls.len()
    }
}
