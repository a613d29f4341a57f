//! Trace assembly: spans from many requests, in any order, grouped into traces that are
//! handed on once complete, evicted when the buffer is full, or drained at the end.
//!
//! A buffered trace is kept as protobuf bytes (concatenated `ResourceSpans` entries, which
//! decode as one `TracesData`): the wire form is about a third of the decoded messages and
//! appending costs one encode. Nothing here reads the clock; the caller passes `now`, so
//! the whole policy is tested without sleeping.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A trace id as received (16 bytes).
pub type TraceKey = [u8; 16];

/// Why a trace was checked before it was known to be complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Incomplete {
    /// The buffer held `--max-spans` spans or `--max-traces` traces and this was the oldest.
    Evicted,
    /// The run ended before a root span (one with no parent) arrived.
    NoRoot,
    /// Its spans arrived after the trace had been checked (raise `--trace-idle`).
    Late,
}

/// A trace handed on for checking.
#[derive(Debug)]
pub struct Done {
    pub trace: TraceKey,
    /// `TracesData` bytes: every span received for it, in arrival order.
    pub pb: Vec<u8>,
    pub spans: usize,
    pub incomplete: Option<Incomplete>,
}

/// The bounds of the buffer.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub max_spans: usize,
    pub max_traces: usize,
    /// A trace is complete when its root has arrived and no span for this long.
    pub trace_idle: Duration,
}

/// What one request brought.
#[derive(Debug, Default)]
pub struct Ingested {
    pub accepted: usize,
    pub rejected: usize,
    /// Why spans were rejected (the first few reasons).
    pub reasons: Vec<String>,
    /// Traces evicted to make room, to be checked as they stand.
    pub evicted: Vec<Done>,
}

struct Pending {
    pb: Vec<u8>,
    spans: usize,
    root: bool,
    last: Instant,
    late: bool,
    /// Arrival number of this buffer, to tell a stale entry of `order` from a live one.
    seq: u64,
}

/// Trace ids remembered as checked, to tell a late span from a new trace.
const REMEMBERED: usize = 1_000_000;
/// Rejection reasons kept per request.
const REASONS: usize = 5;

/// The buffer of incomplete traces.
pub struct Assembler {
    caps: Caps,
    pending: FxHashMap<TraceKey, Pending>,
    /// Traces in order of first arrival (with their `seq`; stale entries are skipped).
    order: VecDeque<(TraceKey, u64)>,
    spans: usize,
    seq: u64,
    checked: FxHashSet<TraceKey>,
    checked_order: VecDeque<TraceKey>,
}

impl Assembler {
    pub fn new(caps: Caps) -> Assembler {
        Assembler {
            caps,
            pending: FxHashMap::default(),
            order: VecDeque::new(),
            spans: 0,
            seq: 0,
            checked: FxHashSet::default(),
            checked_order: VecDeque::new(),
        }
    }

    /// Spans buffered now.
    pub fn spans(&self) -> usize {
        self.spans
    }

    /// Traces buffered now.
    pub fn traces(&self) -> usize {
        self.pending.len()
    }

    /// Adds the spans of one request; spans with invalid ids are rejected (counted, with a
    /// reason), as the OTLP specification's partial success describes.
    pub fn ingest(&mut self, req: ExportTraceServiceRequest, now: Instant) -> Ingested {
        let mut out = Ingested::default();
        for (r, rs) in req.resource_spans.into_iter().enumerate() {
            let ResourceSpans {
                resource,
                scope_spans,
                schema_url,
            } = rs;
            for (s, ss) in scope_spans.into_iter().enumerate() {
                let ScopeSpans {
                    scope,
                    spans,
                    schema_url: scope_schema,
                } = ss;
                // Most requests carry a few traces: group this scope's spans by trace.
                let mut groups: Vec<(TraceKey, Vec<Span>, bool)> = Vec::new();
                for (k, span) in spans.into_iter().enumerate() {
                    let Some(key) = valid(&span, &mut out, || format!("resourceSpans[{r}].scopeSpans[{s}].spans[{k}]")) else {
                        continue;
                    };
                    let root = span.parent_span_id.is_empty();
                    match groups.iter_mut().find(|g| g.0 == key) {
                        Some(g) => {
                            g.1.push(span);
                            g.2 |= root;
                        }
                        None => groups.push((key, vec![span], root)),
                    }
                }
                for (key, spans, root) in groups {
                    let n = spans.len();
                    out.accepted += n;
                    let part = ResourceSpans {
                        resource: resource.clone(),
                        scope_spans: vec![ScopeSpans {
                            scope: scope.clone(),
                            spans,
                            schema_url: scope_schema.clone(),
                        }],
                        schema_url: schema_url.clone(),
                    };
                    self.append(key, &part, n, root, now);
                }
            }
        }
        self.evict_past_caps(&mut out.evicted);
        out
    }

    fn append(&mut self, key: TraceKey, part: &ResourceSpans, n: usize, root: bool, now: Instant) {
        let late = self.checked.contains(&key);
        let seq = &mut self.seq;
        let order = &mut self.order;
        let p = self.pending.entry(key).or_insert_with(|| {
            *seq += 1;
            order.push_back((key, *seq));
            Pending {
                pb: Vec::new(),
                spans: 0,
                root: false,
                last: now,
                late,
                seq: *seq,
            }
        });
        // Field 1 of `TracesData`: appending entries is merging messages.
        prost::encoding::message::encode(1, part, &mut p.pb);
        p.spans += n;
        p.root |= root;
        p.last = now;
        self.spans += n;
    }

    fn evict_past_caps(&mut self, out: &mut Vec<Done>) {
        while self.spans > self.caps.max_spans || self.pending.len() > self.caps.max_traces {
            let Some((key, seq)) = self.order.pop_front() else {
                break;
            };
            if self.pending.get(&key).is_some_and(|p| p.seq == seq) {
                let p = self.take(key);
                out.push(done(key, p, Some(Incomplete::Evicted)));
            }
        }
    }

    fn take(&mut self, key: TraceKey) -> Pending {
        let p = self.pending.remove(&key).expect("a pending trace");
        self.spans -= p.spans;
        if self.checked.insert(key) {
            self.checked_order.push_back(key);
            if self.checked_order.len() > REMEMBERED
                && let Some(old) = self.checked_order.pop_front()
            {
                self.checked.remove(&old);
            }
        }
        p
    }

    /// The traces complete at `now`: root arrived and no span for `trace_idle`, in order of
    /// first arrival.
    pub fn poll(&mut self, now: Instant) -> Vec<Done> {
        let idle = self.caps.trace_idle;
        let mut ready: Vec<(u64, TraceKey)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.root && now.saturating_duration_since(p.last) >= idle)
            .map(|(k, p)| (p.seq, *k))
            .collect();
        ready.sort_unstable();
        let out = ready
            .into_iter()
            .map(|(_, key)| {
                let p = self.take(key);
                let why = p.late.then_some(Incomplete::Late);
                done(key, p, why)
            })
            .collect();
        self.trim_order();
        out
    }

    /// Drops entries of `order` whose trace has gone: from the front (traces mostly complete
    /// in arrival order), and all of them when stale ones behind a long-lived trace pile up.
    fn trim_order(&mut self) {
        let live = |pending: &FxHashMap<TraceKey, Pending>, (k, seq): &(TraceKey, u64)| {
            pending.get(k).is_some_and(|p| p.seq == *seq)
        };
        while let Some(front) = self.order.front() {
            if live(&self.pending, front) {
                break;
            }
            self.order.pop_front();
        }
        if self.order.len() > 2 * self.pending.len() + 1024 {
            let pending = &self.pending;
            self.order.retain(|e| live(pending, e));
        }
    }

    /// Every trace still buffered, in order of first arrival: the end of the run. A trace
    /// whose root never came is incomplete.
    pub fn drain(&mut self) -> Vec<Done> {
        let mut all: Vec<(u64, TraceKey)> = self.pending.iter().map(|(k, p)| (p.seq, *k)).collect();
        all.sort_unstable();
        self.order.clear();
        all.into_iter()
            .map(|(_, key)| {
                let p = self.take(key);
                let why = if p.late {
                    Some(Incomplete::Late)
                } else if !p.root {
                    Some(Incomplete::NoRoot)
                } else {
                    None
                };
                done(key, p, why)
            })
            .collect()
    }
}

fn done(trace: TraceKey, p: Pending, incomplete: Option<Incomplete>) -> Done {
    Done {
        trace,
        pb: p.pb,
        spans: p.spans,
        incomplete,
    }
}

/// The trace id of a span whose ids are valid; otherwise the span is counted as rejected.
fn valid(span: &Span, out: &mut Ingested, at: impl FnOnce() -> String) -> Option<TraceKey> {
    let problem = if span.trace_id.len() != 16 {
        Some(format!("trace id has {} bytes, 16 expected", span.trace_id.len()))
    } else if span.trace_id.iter().all(|&b| b == 0) {
        Some("trace id is all zeros".to_string())
    } else if span.span_id.len() != 8 {
        Some(format!("span id has {} bytes, 8 expected", span.span_id.len()))
    } else if span.span_id.iter().all(|&b| b == 0) {
        Some("span id is all zeros".to_string())
    } else if !span.parent_span_id.is_empty() && span.parent_span_id.len() != 8 {
        Some(format!(
            "parent span id has {} bytes, 8 or none expected",
            span.parent_span_id.len()
        ))
    } else {
        None
    };
    match problem {
        None => span.trace_id.as_slice().try_into().ok(),
        Some(p) => {
            out.rejected += 1;
            if out.reasons.len() < REASONS {
                out.reasons.push(format!("{}: {p}", at()));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::TracesData;
    use prost::Message;

    fn span(trace: u8, id: u8, parent: Option<u8>) -> Span {
        Span {
            trace_id: vec![trace; 16],
            span_id: vec![id; 8],
            parent_span_id: parent.map(|p| vec![p; 8]).unwrap_or_default(),
            name: format!("s{id}"),
            ..Default::default()
        }
    }

    fn req(spans: Vec<Span>) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    fn caps(max_spans: usize, max_traces: usize) -> Caps {
        Caps {
            max_spans,
            max_traces,
            trace_idle: Duration::from_secs(2),
        }
    }

    fn names(d: &Done) -> Vec<String> {
        let data = TracesData::decode(&d.pb[..]).unwrap();
        data.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.name.clone())
            .collect()
    }

    #[test]
    fn a_trace_completes_after_its_root_and_the_idle_time() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 100));
        a.ingest(req(vec![span(1, 2, Some(1)), span(2, 9, None)]), t0);
        a.ingest(req(vec![span(1, 1, None)]), t0 + Duration::from_secs(1));
        // Trace 2's root came at t0, trace 1's at t0+1s.
        let d = a.poll(t0 + Duration::from_secs(2));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].trace, [2; 16]);
        let d = a.poll(t0 + Duration::from_secs(3));
        assert_eq!(d.len(), 1);
        assert_eq!(names(&d[0]), ["s2", "s1"]);
        assert_eq!((d[0].spans, d[0].incomplete.clone()), (2, None));
        assert_eq!((a.spans(), a.traces()), (0, 0));
    }

    #[test]
    fn a_span_after_the_root_restarts_the_idle_time() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 100));
        a.ingest(req(vec![span(1, 1, None)]), t0);
        a.ingest(req(vec![span(1, 2, Some(1))]), t0 + Duration::from_millis(1500));
        assert!(a.poll(t0 + Duration::from_secs(2)).is_empty());
        assert_eq!(a.poll(t0 + Duration::from_millis(3500)).len(), 1);
    }

    #[test]
    fn past_the_span_cap_the_oldest_trace_is_evicted_incomplete() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(3, 100));
        assert!(a.ingest(req(vec![span(1, 1, Some(9)), span(1, 2, Some(9))]), t0).evicted.is_empty());
        let got = a.ingest(req(vec![span(2, 3, None), span(2, 4, Some(3))]), t0);
        assert_eq!(got.evicted.len(), 1);
        assert_eq!(got.evicted[0].trace, [1; 16]);
        assert_eq!(got.evicted[0].incomplete, Some(Incomplete::Evicted));
        assert_eq!((a.spans(), a.traces()), (2, 1));
    }

    #[test]
    fn past_the_trace_cap_the_oldest_trace_is_evicted() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 2));
        for t in 1..=3 {
            let got = a.ingest(req(vec![span(t, 1, None)]), t0);
            assert_eq!(got.evicted.len(), usize::from(t == 3));
        }
        // Trace 1 went; 2 and 3 complete normally.
        let d = a.poll(t0 + Duration::from_secs(5));
        assert_eq!(d.iter().map(|d| d.trace[0]).collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn spans_after_a_trace_was_checked_are_a_late_trace() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 100));
        a.ingest(req(vec![span(1, 1, None)]), t0);
        assert_eq!(a.poll(t0 + Duration::from_secs(2)).len(), 1);
        a.ingest(req(vec![span(1, 2, Some(1))]), t0 + Duration::from_secs(3));
        let d = a.drain();
        assert_eq!(d[0].incomplete, Some(Incomplete::Late));
    }

    #[test]
    fn the_drain_marks_traces_whose_root_never_came() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 100));
        a.ingest(req(vec![span(1, 2, Some(1)), span(2, 1, None)]), t0);
        let d = a.drain();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].incomplete, Some(Incomplete::NoRoot));
        assert_eq!(d[1].incomplete, None);
    }

    #[test]
    fn invalid_ids_are_rejected_with_a_reason_and_the_rest_kept() {
        let t0 = Instant::now();
        let mut a = Assembler::new(caps(100, 100));
        let mut short = span(1, 1, None);
        short.trace_id.truncate(5);
        let zero = span(0, 2, None);
        let got = a.ingest(req(vec![short, span(3, 3, None), zero]), t0);
        assert_eq!((got.accepted, got.rejected), (1, 2));
        assert_eq!(
            got.reasons,
            [
                "resourceSpans[0].scopeSpans[0].spans[0]: trace id has 5 bytes, 16 expected",
                "resourceSpans[0].scopeSpans[0].spans[2]: trace id is all zeros"
            ]
        );
        assert_eq!(a.spans(), 1);
    }
}
