//! Receiving traces live: cspot as the OTLP endpoint of a test run (`traces listen`).
//!
//! `receive` owns the OTLP/gRPC and OTLP/HTTP servers, the assembly of traces from spans
//! that arrive in any order over many requests, the bounds on what is buffered, the end of a
//! run (idle, a count, a signal, a wrapped command) and the report of everything received. It
//! decodes requests into the `opentelemetry-proto` messages and splits them by trace, and
//! nothing more: each complete trace is read back by `otlp`'s reader and checked by `run`'s
//! trace checks or Φ, so a trace received live is judged exactly as a dump of it would be.
//! It must not print (messages go to the [`Observer`](crate::run::Observer)) and must not
//! hold a request's spans anywhere but the assembler.

pub mod assemble;
pub mod check;
mod grpc;
mod http;

use crate::report::{self, CheckResult, Report};
use crate::run::Observer;
use assemble::{Assembler, Caps, Done};
use check::{Checked, Checking, Progress, Save};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The standard OTLP/gRPC address.
pub const DEFAULT_GRPC: &str = "127.0.0.1:4317";
/// The standard OTLP/HTTP address.
pub const DEFAULT_HTTP: &str = "127.0.0.1:4318";

/// How to receive and check.
pub struct Options {
    /// Where OTLP/gRPC listens (`None`: not at all). Port 0 picks a free port.
    pub grpc: Option<SocketAddr>,
    /// Where OTLP/HTTP listens (`None`: not at all).
    pub http: Option<SocketAddr>,
    pub checking: Checking,
    /// Write what was received, one OTLP/JSON line per trace.
    pub save: Option<std::path::PathBuf>,
    pub caps: Caps,
    /// The largest request body taken, once decompressed.
    pub max_request: usize,
    /// End when no request came for this long.
    pub until_idle: Option<Duration>,
    /// End once this many traces are checked.
    pub count: Option<usize>,
    /// Run this command with `OTEL_EXPORTER_OTLP_ENDPOINT` pointing here; end when it exits.
    pub command: Vec<std::ffi::OsString>,
    /// How often to say how far the run has got (`None`: never).
    pub status_every: Option<Duration>,
    /// Receiving no span is not an error.
    pub allow_empty: bool,
    /// Threads that check complete traces (0: one per core). Reports do not depend on it.
    pub jobs: usize,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        addr: SocketAddr,
        what: &'static str,
        source: std::io::Error,
    },
    #[error("cannot create {path}: {source}")]
    Save {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start `{command}`: {source}")]
    Command {
        command: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Model(String),
    #[error("cannot start the receiver: {0}")]
    Runtime(std::io::Error),
    #[error("neither OTLP/gRPC nor OTLP/HTTP is on: give --grpc or --http an address")]
    NoTransport,
}

/// Counts of one run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub requests: usize,
    pub spans: usize,
    pub rejected_spans: usize,
    pub malformed: usize,
    pub busy: usize,
    pub aborted: usize,
    pub traces: usize,
    pub incomplete: usize,
    pub seconds: f64,
}

/// Why the run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    Idle,
    Count,
    Signal(&'static str),
    /// The wrapped command exited with this code (`None`: killed by a signal).
    Command(Option<i32>),
}

/// What a run gives.
pub struct Received {
    pub report: Report,
    pub stats: Stats,
    pub ended: Ended,
    /// The addresses actually bound (a port 0 resolved).
    pub grpc: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
}

/// A request body in one of the OTLP encodings.
pub(crate) enum Body<'a> {
    Protobuf(&'a [u8]),
    Json(&'a [u8]),
}

/// The answer to one export.
pub(crate) enum Answer {
    Accepted(ExportTraceServiceResponse),
    Malformed(String),
    /// Back-pressure: retry after this long.
    Busy(Duration),
}

/// More findings about requests than this are counted in one.
const MAX_REQUEST_FINDINGS: usize = 100;

/// What the servers, the ticker and the checker share.
pub struct Shared {
    asm: Mutex<Assembler>,
    tx: Mutex<Option<Sender<Done>>>,
    progress: Arc<Progress>,
    max_request: usize,
    /// Spans waiting for the checker past which requests are answered "retry later".
    max_queued: usize,
    last_request: Mutex<Instant>,
    counters: Mutex<Stats>,
    findings: Mutex<Vec<CheckResult>>,
    notes: Mutex<Vec<String>>,
    other_signals: Mutex<Vec<String>>,
}

impl Shared {
    fn send(&self, done: Vec<Done>) {
        if done.is_empty() {
            return;
        }
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = tx.as_ref() {
            for d in done {
                self.progress.queued_spans.fetch_add(d.spans, Ordering::Relaxed);
                // The checker only stops after the sender is gone.
                let _ = tx.send(d);
            }
        }
    }

    /// Decodes and takes in one request.
    pub(crate) fn export_bytes(
        &self,
        transport: &'static str,
        peer: Option<SocketAddr>,
        body: Body<'_>,
    ) -> Answer {
        *self.last_request.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.counters.lock().unwrap_or_else(|e| e.into_inner()).requests += 1;
        if self.progress.queued_spans.load(Ordering::Relaxed) > self.max_queued {
            self.counters.lock().unwrap_or_else(|e| e.into_inner()).busy += 1;
            return Answer::Busy(Duration::from_secs(1));
        }
        let req: Result<ExportTraceServiceRequest, String> = match body {
            Body::Protobuf(b) => prost::Message::decode(b)
                .map_err(|e| format!("the protobuf body is not an ExportTraceServiceRequest: {e}")),
            Body::Json(b) => json_request(b),
        };
        let req = match req {
            Ok(r) => r,
            Err(message) => {
                self.malformed(transport, peer, &message);
                return Answer::Malformed(message);
            }
        };
        let got = self
            .asm
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ingest(req, Instant::now());
        {
            let mut c = self.counters.lock().unwrap_or_else(|e| e.into_inner());
            c.spans += got.accepted;
            c.rejected_spans += got.rejected;
        }
        self.send(got.evicted);
        let partial_success = (got.rejected > 0).then(|| {
            let message = format!(
                "{} span{} rejected: {}",
                got.rejected,
                if got.rejected == 1 { "" } else { "s" },
                got.reasons.join("; ")
            );
            self.finding(transport, peer, &message);
            ExportTracePartialSuccess {
                rejected_spans: got.rejected as i64,
                error_message: message,
            }
        });
        Answer::Accepted(ExportTraceServiceResponse { partial_success })
    }

    /// A request that could not be read: counted, and a result with verdict `error`.
    pub(crate) fn malformed(&self, transport: &str, peer: Option<SocketAddr>, message: &str) {
        self.counters.lock().unwrap_or_else(|e| e.into_inner()).malformed += 1;
        self.finding(transport, peer, message);
    }

    fn finding(&self, transport: &str, peer: Option<SocketAddr>, message: &str) {
        let from = peer.map(|p| format!(" from {p}")).unwrap_or_default();
        self.note(format!("warning: {transport} request{from}: {message}"));
        let mut f = self.findings.lock().unwrap_or_else(|e| e.into_inner());
        let n = f.len() + 1;
        if n <= MAX_REQUEST_FINDINGS {
            f.push(CheckResult::input_error(
                format!("request {n}"),
                format!("an {transport} request{from} could not be taken whole"),
                None,
                message,
                None,
            ));
        } else if n == MAX_REQUEST_FINDINGS + 1 {
            f.push(CheckResult::input_error(
                "more requests",
                "more requests could not be taken whole",
                None,
                format!("more than {MAX_REQUEST_FINDINGS} requests could not be taken whole (see the counts)"),
                None,
            ));
        }
    }

    /// A client that went away before its request was whole (it was not told it succeeded).
    pub(crate) fn aborted(&self, transport: &str, peer: Option<SocketAddr>, why: &str) {
        self.counters.lock().unwrap_or_else(|e| e.into_inner()).aborted += 1;
        let from = peer.map(|p| format!(" from {p}")).unwrap_or_default();
        self.note(format!(
            "note: a {transport} request{from} ended before its body did ({why}); the client \
             was not told it arrived"
        ));
    }

    /// A request for metrics or logs: said once per path.
    pub(crate) fn note_other_signal(&self, path: &str) {
        let mut seen = self.other_signals.lock().unwrap_or_else(|e| e.into_inner());
        if seen.len() < 16 && !seen.iter().any(|p| p == path) {
            seen.push(path.to_string());
            self.note(format!(
                "note: requests to {path} are answered 404: this receiver takes traces only"
            ));
        }
    }

    fn note(&self, line: String) {
        let mut n = self.notes.lock().unwrap_or_else(|e| e.into_inner());
        if n.len() < 1000 {
            n.push(line);
        }
    }
}

/// An OTLP/JSON request. Enum fields may be written as names (`"SPAN_KIND_SERVER"`), as
/// the protobuf JSON mapping allows and several SDKs and the Collector write; they are
/// turned into the numbers `opentelemetry-proto`'s serde support reads.
pub fn json_request(b: &[u8]) -> Result<ExportTraceServiceRequest, String> {
    let bad = |e: serde_json::Error| {
        format!("the JSON body is not an OTLP/JSON ExportTraceServiceRequest: {e}")
    };
    let mut v: serde_json::Value = serde_json::from_slice(b).map_err(bad)?;
    let spans = v
        .get_mut("resourceSpans")
        .and_then(|r| r.as_array_mut())
        .into_iter()
        .flatten()
        .filter_map(|r| r.get_mut("scopeSpans").and_then(|s| s.as_array_mut()))
        .flatten()
        .filter_map(|s| s.get_mut("spans").and_then(|s| s.as_array_mut()))
        .flatten();
    for span in spans {
        number_enum(span.get_mut("kind"), "SPAN_KIND_", &["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"]);
        number_enum(
            span.get_mut("status").and_then(|s| s.get_mut("code")),
            "STATUS_CODE_",
            &["UNSET", "OK", "ERROR"],
        );
    }
    serde_json::from_value(v).map_err(bad)
}

fn number_enum(field: Option<&mut serde_json::Value>, prefix: &str, names: &[&str]) {
    if let Some(f) = field
        && let Some(name) = f.as_str()
        && let Some(n) = name
            .strip_prefix(prefix)
            .and_then(|rest| names.iter().position(|x| *x == rest))
    {
        *f = serde_json::Value::from(n);
    }
}

/// Receives until the run ends, then checks what is left and builds the report.
pub fn run(options: Options, observer: &mut dyn Observer) -> Result<Received, ReceiveError> {
    if options.grpc.is_none() && options.http.is_none() {
        return Err(ReceiveError::NoTransport);
    }
    // Loaded here, so that a model that cannot be used stops the run before it starts; the
    // first checking worker takes this copy, the others load their own.
    let first_model = match &options.checking {
        Checking::Model { src, .. } => Some(src.load(observer).map_err(ReceiveError::Model)?),
        Checking::Rules(_) => None,
    };
    let (save_name, save_file) = match &options.save {
        Some(p) => {
            let f = std::fs::File::create(p).map_err(|source| ReceiveError::Save {
                path: p.display().to_string(),
                source,
            })?;
            (p.display().to_string(), Some(std::io::BufWriter::new(f)))
        }
        None => ("received".to_string(), None),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(ReceiveError::Runtime)?;
    let progress = Arc::new(Progress::default());
    let (tx, rx) = std::sync::mpsc::channel::<Done>();
    let shared = Arc::new(Shared {
        asm: Mutex::new(Assembler::new(options.caps)),
        tx: Mutex::new(Some(tx)),
        progress: progress.clone(),
        max_request: options.max_request,
        max_queued: options.caps.max_spans,
        last_request: Mutex::new(Instant::now()),
        counters: Mutex::new(Stats::default()),
        findings: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        other_signals: Mutex::new(Vec::new()),
    });
    let started = Instant::now();
    let with_model = matches!(options.checking, Checking::Model { .. });
    let checking = options.checking;
    let jobs = match options.jobs {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    let save = Save {
        name: save_name.clone(),
        file: save_file,
    };
    let checker_progress = progress.clone();
    let checker = std::thread::Builder::new()
        .name("cspot-check".into())
        .spawn(move || check::run(rx, &checking, first_model, save, &checker_progress, jobs))
        .map_err(ReceiveError::Runtime)?;
    let served = runtime.block_on(serve::serve(
        shared.clone(),
        serve::Plan {
            grpc: options.grpc,
            http: options.http,
            until_idle: options.until_idle,
            count: options.count,
            command: options.command,
            tick: (options.caps.trace_idle / 4).clamp(Duration::from_millis(5), Duration::from_millis(100)),
            status_every: options.status_every,
        },
        observer,
    ));
    // Whatever ended the run, every trace still buffered is checked.
    let rest = shared.asm.lock().unwrap_or_else(|e| e.into_inner()).drain();
    shared.send(rest);
    shared.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
    let checked = checker
        .join()
        .map_err(|_| ReceiveError::Model("the checking thread panicked".into()))?
        .map_err(ReceiveError::Model);
    // Let go of the servers' tasks before the report.
    drop(runtime);
    for n in shared.notes.lock().unwrap_or_else(|e| e.into_inner()).drain(..) {
        observer.diagnostic(&format!("{n}\n"));
    }
    let served = served?;
    let checked = checked?;
    let mut stats = shared.counters.lock().unwrap_or_else(|e| e.into_inner()).clone();
    stats.traces = checked.results.len();
    stats.incomplete = checked.incomplete;
    stats.seconds = started.elapsed().as_secs_f64();
    let mut findings =
        std::mem::take(&mut *shared.findings.lock().unwrap_or_else(|e| e.into_inner()));
    if stats.spans == 0 && findings.is_empty() && !options.allow_empty {
        findings.push(CheckResult::input_error(
            "nothing received",
            "no span was received",
            None,
            "no span was received: an empty capture usually means the exporter is not pointed \
             at this receiver or was not flushed before exit (--allow-empty accepts it)",
            None,
        ));
    }
    let report = build_report(
        findings,
        checked,
        &save_name,
        options.save.is_some(),
        with_model,
        &served,
    );
    Ok(Received {
        report,
        stats,
        ended: served.ended,
        grpc: served.grpc,
        http: served.http,
    })
}

/// The one report: findings about requests, then one result per trace in trace id order
/// (as `traces check` and `traces verify` order a dump's traces), then, with a model, the
/// corpus checks over the conforming traces.
fn build_report(
    findings: Vec<CheckResult>,
    mut checked: Checked,
    save_name: &str,
    saved: bool,
    with_model: bool,
    served: &serve::Served,
) -> Report {
    let mut report = Report::new("traces listen");
    if saved {
        report.inputs.push(save_name.to_string());
    }
    for (what, addr) in [("otlp+grpc", served.grpc), ("otlp+http", served.http)] {
        if let Some(a) = addr {
            report.inputs.push(format!("{what}://{a}"));
        }
    }
    report.results = findings;
    if let Some(e) = checked.save_error.take() {
        report.results.push(CheckResult::input_error(
            "save",
            format!("the received traces could not all be saved to {save_name}"),
            Some(save_name),
            e,
            Some(report::Location::file(save_name.to_string())),
        ));
    }
    checked.results.sort_by_key(|a| (a.0, a.1));
    report
        .results
        .extend(checked.results.into_iter().flat_map(|r| r.2));
    if with_model {
        checked.summaries.sort_by_key(|a| (a.0, a.1));
        let summaries: Vec<_> = checked.summaries.into_iter().map(|s| s.2).collect();
        report
            .results
            .extend(crate::run::verify::corpus_results(&summaries));
    }
    report
}

mod serve;

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(max_queued: usize) -> (Shared, std::sync::mpsc::Receiver<Done>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let s = Shared {
            asm: Mutex::new(Assembler::new(Caps {
                max_spans: 1000,
                max_traces: 1000,
                trace_idle: Duration::from_secs(1),
            })),
            tx: Mutex::new(Some(tx)),
            progress: Arc::new(Progress::default()),
            max_request: 1 << 20,
            max_queued,
            last_request: Mutex::new(Instant::now()),
            counters: Mutex::new(Stats::default()),
            findings: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            other_signals: Mutex::new(Vec::new()),
        };
        (s, rx)
    }

    const ONE_SPAN: &str = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"a","kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_OK"}}]}]}]}"#;

    #[test]
    fn a_checker_behind_by_more_than_the_cap_gets_retry_later_and_nothing_is_taken() {
        let (s, _rx) = shared(10);
        s.progress.queued_spans.store(11, Ordering::Relaxed);
        let a = s.export_bytes("t", None, Body::Json(ONE_SPAN.as_bytes()));
        assert!(matches!(a, Answer::Busy(d) if d == Duration::from_secs(1)));
        assert_eq!(s.asm.lock().unwrap().spans(), 0);
        assert_eq!(s.counters.lock().unwrap().busy, 1);
        // Once the checker caught up, the same request is taken.
        s.progress.queued_spans.store(10, Ordering::Relaxed);
        let a = s.export_bytes("t", None, Body::Json(ONE_SPAN.as_bytes()));
        assert!(matches!(a, Answer::Accepted(r) if r.partial_success.is_none()));
        assert_eq!(s.asm.lock().unwrap().spans(), 1);
    }

    #[test]
    fn enum_names_in_otlp_json_are_read_as_their_numbers() {
        let r = json_request(ONE_SPAN.as_bytes()).unwrap();
        let span = &r.resource_spans[0].scope_spans[0].spans[0];
        assert_eq!(span.kind, 2);
        assert_eq!(span.status.as_ref().unwrap().code, 1);
        assert!(json_request(br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_NOPE"}]}]}]}"#).is_err());
    }

    #[test]
    fn a_malformed_request_is_a_finding_and_the_findings_are_capped() {
        let (s, _rx) = shared(10);
        for _ in 0..MAX_REQUEST_FINDINGS + 5 {
            let a = s.export_bytes("OTLP/HTTP", None, Body::Protobuf(b"\xff\xff"));
            assert!(matches!(a, Answer::Malformed(_)));
        }
        let f = s.findings.lock().unwrap();
        assert_eq!(f.len(), MAX_REQUEST_FINDINGS + 1);
        assert!(matches!(f[0].verdict, report::Verdict::Error(_)));
        assert_eq!(s.counters.lock().unwrap().malformed, MAX_REQUEST_FINDINGS + 5);
    }
}
