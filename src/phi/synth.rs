//! Φ forward: random runs of the system process turned into span trees (and OTLP spans).
//!
//! A run is a random walk over the activation-aware semantics: a call of a span process starts
//! a span under the activation that made the call, an event performed in an activation becomes
//! a span event of its span, an activation's end ends its span. The clock advances by a random
//! step at every move, so siblings on parallel branches overlap and sequential ones do not,
//! exactly as Φ⁻¹ reads them back. Runs that do not terminate within the step bound are drawn
//! again, so every tree is a complete run.

use super::Verifier;
use crate::cspm::proc::{EventId, TAU, TICK};
use crate::cspm::source::Diagnostic;
use crate::lts::labels::{END, ROOT};
use crate::lts::term::OMEGA;
use crate::otlp::write::SpanOut;
use crate::otlp::{SpanId, TraceId};

/// A small, seedable generator (splitmix64): synthesis must be reproducible from a seed
/// without pulling a random-number crate into the library.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Options of synthesis.
#[derive(Clone, Copy, Debug)]
pub struct SynthOptions {
    /// Moves per run before it is drawn again.
    pub max_steps: usize,
    /// Draws per tree before giving up (the model rarely terminates).
    pub max_draws: usize,
    /// Hosts per service: spans of a service run on one of them.
    pub hosts_per_service: u32,
    /// Start time of the first trace (ns since the epoch).
    pub epoch: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            max_steps: 10_000,
            max_draws: 100,
            hosts_per_service: 2,
            // 2026-01-01T00:00:00Z
            epoch: 1_767_225_600_000_000_000,
        }
    }
}

/// A synthesised span: its span process, parent, times, host and events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthSpan {
    pub proc: u16,
    pub parent: Option<u32>,
    pub start: u64,
    pub end: u64,
    pub host: u32,
    pub events: Vec<(u64, EventId)>,
}

/// One synthesised tree: spans in start order, and the run's events.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SynthTree {
    pub spans: Vec<SynthSpan>,
}

/// A random complete run of the system, as a span tree starting at time `t0`.
pub fn run(
    v: &mut Verifier,
    rng: &mut Rng,
    opts: &SynthOptions,
    t0: u64,
) -> Result<Option<SynthTree>, Diagnostic> {
    'draw: for _ in 0..opts.max_draws {
        let mut term = v.root;
        let mut now = t0;
        let mut tree = SynthTree::default();
        // Per span: its start event not yet swallowed.
        let mut pending_start: Vec<bool> = Vec::new();
        for _ in 0..opts.max_steps {
            now += 20_000 + rng.below(1_500_000);
            let trans = v.sem.transitions(term)?.to_vec();
            if trans.is_empty() {
                if term == OMEGA {
                    break;
                }
                continue 'draw;
            }
            let (l, t2) = trans[rng.below(trans.len() as u64) as usize];
            let base = v.sem.labels.base(l);
            let ctx: Vec<u32> = v.sem.labels.ctx(l).to_vec();
            let owner = ctx.iter().copied().find(|&a| a != ROOT);
            if base == TICK {
                return Ok(Some(tree));
            }
            if base == TAU {
                term = t2;
                continue;
            }
            if base == END {
                if let Some(s) = owner
                    && let Some(sp) = tree.spans.get_mut(s as usize)
                    && v.map.procs[sp.proc as usize].end.is_none()
                {
                    sp.end = now;
                }
                term = t2;
                continue;
            }
            if let Some(call) = v.sem.labels.start_call(base) {
                let def = crate::lts::sem::definition_name(v.sem.call_name(call)).to_string();
                let Some(p) = v.map.proc_of_def(&def) else {
                    term = t2;
                    continue;
                };
                let k = tree.spans.len() as u32;
                let parent = owner;
                let service = &v.map.procs[p as usize].service;
                let host = match parent.and_then(|q| tree.spans.get(q as usize)) {
                    Some(ps) if &v.map.procs[ps.proc as usize].service == service => ps.host,
                    _ => rng.below(opts.hosts_per_service as u64) as u32,
                };
                tree.spans.push(SynthSpan {
                    proc: p,
                    parent,
                    start: now,
                    end: 0,
                    host,
                    events: Vec::new(),
                });
                pending_start.push(v.map.procs[p as usize].start.is_some());
                term = v.sem.bind(t2, k);
                continue;
            }
            // An event: the activation whose start or end it stands for, else the first one
            // performing it; outside every activation it is not seen.
            let owner = ctx
                .iter()
                .copied()
                .find(|&a| {
                    tree.spans.get(a as usize).is_some_and(|sp| {
                        let info = &v.map.procs[sp.proc as usize];
                        info.end == Some(base)
                            || (pending_start[a as usize] && info.start == Some(base))
                    })
                })
                .or(owner);
            if let Some(s) = owner
                && let Some(sp) = tree.spans.get_mut(s as usize)
            {
                let info = &v.map.procs[sp.proc as usize];
                if pending_start[s as usize] && info.start == Some(base) {
                    pending_start[s as usize] = false;
                } else if info.end == Some(base) {
                    sp.end = now;
                } else {
                    sp.events.push((now, base));
                }
            }
            term = t2;
        }
    }
    Ok(None)
}

/// OTLP spans of synthesised trees: random ids from `rng`, services and kinds from the model
/// file, hosts `service-1`, `service-2`, …. Where a server (consumer) span is called from
/// another service by a span that is not a client (producer), a client (producer) span of the
/// caller's service is put between them, as instrumented HTTP and messaging clients do; the
/// model does not name it, so with `unmapped = "hide"` Φ⁻¹ skips it (with `"error"` none is
/// added).
pub fn to_spans(v: &Verifier, trees: &[SynthTree], rng: &mut Rng) -> Vec<SpanOut> {
    let mut out = plain_spans(v, trees, rng);
    if v.map.file.unmapped == super::Unmapped::Hide {
        add_client_spans(&mut out, rng);
    }
    out
}

fn add_client_spans(spans: &mut Vec<SpanOut>, rng: &mut Rng) {
    use crate::otlp::SpanKind::{Client, Consumer, Producer, Server};
    let n = spans.len();
    let index: std::collections::HashMap<(TraceId, SpanId), usize> = spans
        .iter()
        .enumerate()
        .map(|(k, s)| ((s.trace, s.id), k))
        .collect();
    for k in 0..n {
        let Some(pid) = spans[k].parent else { continue };
        let Some(&p) = index.get(&(spans[k].trace, pid)) else {
            continue;
        };
        let (child, parent) = (&spans[k], &spans[p]);
        let kind = match child.kind {
            Server => Client,
            Consumer => Producer,
            _ => continue,
        };
        if child.service == parent.service || matches!(parent.kind, Client | Producer) {
            continue;
        }
        let id = SpanId((rng.next_u64() | 1).to_be_bytes());
        let call = SpanOut {
            trace: child.trace,
            id,
            parent: Some(parent.id),
            name: format!("call {}", child.name),
            kind,
            start: child.start.saturating_sub(1).max(parent.start),
            end: child.end + 1,
            service: parent.service.clone(),
            host: parent.host.clone(),
            attrs: vec![("peer.service".into(), child.service.clone())],
            events: Vec::new(),
        };
        spans[k].parent = Some(id);
        spans.push(call);
    }
}

fn plain_spans(v: &Verifier, trees: &[SynthTree], rng: &mut Rng) -> Vec<SpanOut> {
    let mut out = Vec::new();
    for tree in trees {
        let mut t = [0u8; 16];
        t[..8].copy_from_slice(&rng.next_u64().to_be_bytes());
        t[8..].copy_from_slice(&rng.next_u64().to_be_bytes());
        let trace = TraceId(t);
        let ids: Vec<SpanId> = tree
            .spans
            .iter()
            .map(|_| SpanId((rng.next_u64() | 1).to_be_bytes()))
            .collect();
        for (k, s) in tree.spans.iter().enumerate() {
            let info = &v.map.procs[s.proc as usize];
            out.push(SpanOut {
                trace,
                id: ids[k],
                parent: s.parent.map(|p| ids[p as usize]),
                name: info.name.clone(),
                kind: if s.parent.is_none() && info.kind == crate::otlp::SpanKind::Internal {
                    crate::otlp::SpanKind::Server
                } else {
                    info.kind
                },
                start: s.start,
                end: s.end.max(s.start),
                service: info.service.clone(),
                host: format!("{}-{}", info.service, s.host + 1),
                attrs: Vec::new(),
                events: s
                    .events
                    .iter()
                    .map(|&(t, e)| (t, v.map.event_name(e, &*v.sem.src).to_string()))
                    .collect(),
            });
        }
    }
    out
}

/// `count` complete runs from `seed`, one trace each, a millisecond apart at least.
pub fn synthesise(
    v: &mut Verifier,
    seed: u64,
    count: usize,
    opts: &SynthOptions,
) -> Result<Vec<SpanOut>, SynthError> {
    let mut rng = Rng::new(seed);
    let mut trees = Vec::with_capacity(count);
    let mut t0 = opts.epoch;
    for _ in 0..count {
        match run(v, &mut rng, opts, t0).map_err(SynthError::Model)? {
            Some(tree) => {
                t0 = tree
                    .spans
                    .iter()
                    .map(|s| s.end.max(s.start))
                    .max()
                    .unwrap_or(t0)
                    + 1_000_000;
                trees.push(tree);
            }
            None => return Err(SynthError::NoRun(opts.max_draws, opts.max_steps)),
        }
    }
    Ok(to_spans(v, &trees, &mut rng))
}

/// Why synthesis failed.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("{}", .0.message)]
    Model(Diagnostic),
    #[error("no run of the model terminated in {0} draws of at most {1} steps each")]
    NoRun(usize, usize),
}
