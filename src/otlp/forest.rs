//! Assembly: spans sorted into traces, parents resolved, children listed in a fixed order.
//!
//! All spans live in one arena sorted by (trace id, start time, span id), so each trace is a
//! contiguous range and a span's `u32` index names it. Parent links are indexes (or [`NONE`]);
//! children are kept in one flat list (CSR layout) in start-time order, then span id. What
//! assembly learns about broken structure (duplicate ids, parents in other traces) is kept for
//! the rules; the forest itself judges nothing.

use super::build::Issue;
use super::model::*;
use rustc_hash::FxHashMap;

/// No parent (a root, an orphan or a span whose parent id could not be read).
pub const NONE: u32 = u32::MAX;

/// One trace: its id and its spans, a range of [`Forest::spans`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trace {
    pub id: TraceId,
    pub spans: Range32,
}

/// Every span read, in traces, with their trees.
#[derive(Debug)]
pub struct Forest {
    pub strings: Strings,
    /// Sorted by (trace, start, span id).
    pub spans: Vec<Span>,
    pub attrs: Vec<Attr>,
    /// Key-value pairs inside `KvList` values.
    pub nested: Vec<Attr>,
    /// Elements of `Array` values (their keys are empty).
    pub values: Vec<Attr>,
    pub blobs: Vec<u8>,
    pub events: Vec<Event>,
    pub links: Vec<Link>,
    pub resources: Vec<Resource>,
    pub scopes: Vec<Scope>,
    /// Names of the files read, indexed by [`Span::file`].
    pub files: Vec<String>,
    /// Sorted by id.
    pub traces: Vec<Trace>,
    /// Findings the readers made, sorted by trace.
    pub issues: Vec<Issue>,
    /// `(span, earlier span of the same trace with the same id)`.
    pub duplicates: Vec<(u32, u32)>,
    /// `(span, span of another trace whose id is this span's parent id)`.
    pub foreign_parents: Vec<(u32, u32)>,
    parents: Vec<u32>,
    child_starts: Vec<u32>,
    child_list: Vec<u32>,
}

pub(crate) struct Parts {
    pub strings: Strings,
    pub spans: Vec<Span>,
    pub attrs: Vec<Attr>,
    pub nested: Vec<Attr>,
    pub values: Vec<Attr>,
    pub blobs: Vec<u8>,
    pub events: Vec<Event>,
    pub links: Vec<Link>,
    pub resources: Vec<Resource>,
    pub scopes: Vec<Scope>,
    pub files: Vec<String>,
    pub issues: Vec<Issue>,
}

fn is_shared_pair(a: &Span, b: &Span) -> bool {
    a.marks & b.marks & marks::ZIPKIN != 0
        && matches!(
            (a.kind, b.kind),
            (SpanKind::Client, SpanKind::Server) | (SpanKind::Server, SpanKind::Client)
        )
}

/// Sorts spans by (trace, start, span id, end, kind). Spans are large, so they are moved once:
/// small (trace, index) keys are sorted, the permutation is applied in place by following its
/// cycles, and then each trace's run is sorted on its own.
fn sort_spans(spans: &mut [Span]) {
    let mut keys: Vec<([u64; 2], u32)> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let t = s.trace.as_u128();
            ([(t >> 64) as u64, t as u64], i as u32)
        })
        .collect();
    keys.sort_unstable();
    let mut perm: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
    const DONE: u32 = u32::MAX;
    for k in 0..perm.len() {
        if perm[k] == DONE || perm[k] as usize == k {
            perm[k] = DONE;
            continue;
        }
        let tmp = spans[k];
        let mut j = k;
        loop {
            let next = perm[j] as usize;
            perm[j] = DONE;
            if next == k {
                spans[j] = tmp;
                break;
            }
            spans[j] = spans[next];
            j = next;
        }
    }
    drop(perm);
    for run in spans.chunk_by_mut(|a, b| a.trace == b.trace) {
        run.sort_unstable_by_key(|s| (s.start, s.id.as_u64(), s.end, s.kind));
    }
}

pub(crate) fn assemble(p: Parts) -> Forest {
    let Parts {
        strings,
        mut spans,
        attrs,
        nested,
        values,
        blobs,
        events,
        links,
        resources,
        scopes,
        files,
        mut issues,
    } = p;
    sort_spans(&mut spans);
    issues.sort_by_key(|i| i.trace);

    let mut traces = Vec::new();
    let mut start = 0;
    for run in spans.chunk_by(|a, b| a.trace == b.trace) {
        traces.push(Trace {
            id: run[0].trace,
            spans: Range32::new(start, start + run.len()),
        });
        start += run.len();
    }

    let n = spans.len();
    let mut parents = vec![NONE; n];
    let mut duplicates = Vec::new();
    let mut orphans: Vec<u32> = Vec::new();
    let mut by_id: FxHashMap<u64, u32> = FxHashMap::default();
    let mut shared_server_parent: Vec<(u32, u32)> = Vec::new();
    for t in &traces {
        by_id.clear();
        shared_server_parent.clear();
        for i in t.spans.range() {
            let s = &spans[i];
            if s.marks & marks::INVALID_ID != 0 {
                continue;
            }
            match by_id.entry(s.id.as_u64()) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i as u32);
                }
                std::collections::hash_map::Entry::Occupied(mut o) => {
                    let first = *o.get();
                    let f = &spans[first as usize];
                    let pair_taken = shared_server_parent
                        .iter()
                        .any(|&(a, b)| a == first || b == first);
                    if is_shared_pair(f, s) && !pair_taken {
                        // Zipkin's shared span: the server half hangs under the client half and
                        // children of the shared id hang under the server half.
                        let (server, client) = if s.kind == SpanKind::Server {
                            (i as u32, first)
                        } else {
                            (first, i as u32)
                        };
                        shared_server_parent.push((server, client));
                        o.insert(server);
                    } else {
                        duplicates.push((i as u32, first));
                    }
                }
            }
        }
        for i in t.spans.range() {
            let s = &spans[i];
            if let Some(&(_, client)) = shared_server_parent.iter().find(|p| p.0 == i as u32) {
                parents[i] = client;
                continue;
            }
            if !s.parent.is_valid() {
                continue;
            }
            match by_id.get(&s.parent.as_u64()) {
                Some(&p) => parents[i] = p,
                None => orphans.push(i as u32),
            }
        }
    }

    let mut foreign_parents = Vec::new();
    if !orphans.is_empty() {
        let mut wanted: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
        for &o in &orphans {
            wanted
                .entry(spans[o as usize].parent.as_u64())
                .or_default()
                .push(o);
        }
        for (i, s) in spans.iter().enumerate() {
            if s.marks & marks::INVALID_ID != 0 {
                continue;
            }
            if let Some(children) = wanted.get(&s.id.as_u64()) {
                for &c in children {
                    if spans[c as usize].trace != s.trace
                        && !foreign_parents.iter().any(|&(x, _)| x == c)
                    {
                        foreign_parents.push((c, i as u32));
                    }
                }
            }
        }
        foreign_parents.sort_unstable();
    }

    let mut child_starts = vec![0u32; n + 1];
    for &p in &parents {
        if p != NONE {
            child_starts[p as usize + 1] += 1;
        }
    }
    for i in 0..n {
        child_starts[i + 1] += child_starts[i];
    }
    let mut fill = child_starts.clone();
    let mut child_list = vec![0u32; child_starts[n] as usize];
    for (i, &p) in parents.iter().enumerate() {
        if p != NONE {
            child_list[fill[p as usize] as usize] = i as u32;
            fill[p as usize] += 1;
        }
    }

    Forest {
        strings,
        spans,
        attrs,
        nested,
        values,
        blobs,
        events,
        links,
        resources,
        scopes,
        files,
        traces,
        issues,
        duplicates,
        foreign_parents,
        parents,
        child_starts,
        child_list,
    }
}

impl Forest {
    /// The parent of a span, when it is in the same trace.
    pub fn parent(&self, span: u32) -> Option<u32> {
        self.parents
            .get(span as usize)
            .copied()
            .filter(|&p| p != NONE)
    }

    /// The children of a span, by start time, then span id.
    pub fn children(&self, span: u32) -> &[u32] {
        let i = span as usize;
        match (self.child_starts.get(i), self.child_starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.child_list[a as usize..b as usize],
            _ => &[],
        }
    }

    /// Spans of a trace without a parent in it (roots, orphans), by start time, then span id.
    pub fn tops(&self, t: &Trace) -> impl Iterator<Item = u32> + '_ {
        t.spans
            .range()
            .filter(|&i| self.parents[i] == NONE)
            .map(|i| i as u32)
    }

    pub fn span(&self, i: u32) -> &Span {
        &self.spans[i as usize]
    }

    pub fn name(&self, i: u32) -> &str {
        self.strings.get(self.spans[i as usize].name)
    }

    /// `service.name` of the span's resource (empty when none).
    pub fn service(&self, i: u32) -> Sym {
        self.resources
            .get(self.spans[i as usize].resource as usize)
            .map(|r| r.service)
            .unwrap_or(Sym::EMPTY)
    }

    /// The process the span ran in ([`Resource::process`]; empty when unknown): what the
    /// propagation rules compare to tell a remote parent from a local one.
    pub fn process(&self, i: u32) -> Sym {
        self.resources
            .get(self.spans[i as usize].resource as usize)
            .map(|r| r.process)
            .unwrap_or(Sym::EMPTY)
    }

    pub fn service_name(&self, i: u32) -> &str {
        self.strings.get(self.service(i))
    }

    pub fn attrs(&self, r: Range32) -> &[Attr] {
        self.attrs.get(r.range()).unwrap_or(&[])
    }

    pub fn events_of(&self, i: u32) -> &[Event] {
        self.events
            .get(self.spans[i as usize].events.range())
            .unwrap_or(&[])
    }

    pub fn links_of(&self, i: u32) -> &[Link] {
        self.links
            .get(self.spans[i as usize].links.range())
            .unwrap_or(&[])
    }

    /// The trace with this id.
    pub fn trace(&self, id: TraceId) -> Option<&Trace> {
        self.traces
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &self.traces[i])
    }

    /// Index of the span with this id in a trace (the first, when duplicated).
    pub fn find_span(&self, t: &Trace, id: SpanId) -> Option<u32> {
        t.spans
            .range()
            .find(|&i| self.spans[i].id == id && self.spans[i].marks & marks::INVALID_ID == 0)
            .map(|i| i as u32)
    }

    /// Findings the readers made for one trace.
    pub fn issues_of(&self, id: TraceId) -> &[Issue] {
        let a = self.issues.partition_point(|i| i.trace < id);
        let b = self.issues.partition_point(|i| i.trace <= id);
        &self.issues[a..b]
    }

    /// Heap bytes held (for memory accounting in benches).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.strings.heap_bytes()
            + self.spans.capacity() * size_of::<Span>()
            + (self.attrs.capacity() + self.nested.capacity() + self.values.capacity())
                * size_of::<Attr>()
            + self.blobs.capacity()
            + self.events.capacity() * size_of::<Event>()
            + self.links.capacity() * size_of::<Link>()
            + self.resources.capacity() * size_of::<Resource>()
            + self.scopes.capacity() * size_of::<Scope>()
            + self.traces.capacity() * size_of::<Trace>()
            + (self.parents.capacity() + self.child_starts.capacity() + self.child_list.capacity())
                * 4
    }
}
