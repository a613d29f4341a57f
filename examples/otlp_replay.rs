//! Replays an OTLP/JSON dump through the real `opentelemetry-otlp` exporter, so that tests of
//! `cspot traces listen` can send the shipped Φ executions (`fixtures/phi/*/*.json`) over
//! gRPC and HTTP/protobuf exactly as an instrumented program would, and compare the verdicts
//! with those of `cspot traces verify` on the file.
//!
//! ```text
//! otlp_replay DUMP.json[l]... [--protocol grpc|http/protobuf] [--endpoint URL] [--batch N]
//! ```
//!
//! The dump is read with `opentelemetry-proto`'s serde support: one
//! `ExportTraceServiceRequest` (or `TracesData`, the same shape) per document, one document
//! or JSON Lines. Every span is turned into the SDK's `SpanData` keeping its trace id, span
//! id, parent span id, trace flags and state, name, kind, start and end times, attributes,
//! events (times and attributes), links, status and scope, and is exported with
//! `SpanExporter::export`: one exporter per distinct resource, given that resource with
//! `set_resource` as an `SdkTracerProvider` would (so the resource attributes go out as they
//! were, the dump's `telemetry.sdk.*` included). Spans go out in the dump's order, in
//! batches of at most `--batch` (default 512) spans of one resource.
//!
//! `--protocol` defaults to `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. `--endpoint`
//! is a base URL like `OTEL_EXPORTER_OTLP_ENDPOINT` (`http://127.0.0.1:4318`; for HTTP,
//! `/v1/traces` is appended unless the URL already ends with it); without it the exporter
//! reads the `OTEL_EXPORTER_OTLP_*` variables itself.
//!
//! What the SDK's data model cannot carry is replaced and counted in a warning: attribute
//! values that are maps, bytes, mixed or nested arrays (sent as their JSON text), empty
//! values (sent as ""), kind `UNSPECIFIED` (sent as `INTERNAL`); resource and scope
//! dropped-attribute counts are not sent. Exit 0 when every span was exported, 1 when an
//! export failed, 2 when a dump could not be read or the arguments are wrong.

use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue as ProtoKeyValue, any_value};
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::tonic::trace::v1::{Span as ProtoSpan, span, status};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanExporter, SpanLinks};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Grpc,
    HttpProtobuf,
}

impl Protocol {
    fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "grpc" => Some(Protocol::Grpc),
            "http/protobuf" | "http" => Some(Protocol::HttpProtobuf),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        }
    }
}

/// Replays OTLP/JSON dumps through the OpenTelemetry SDK's OTLP exporter, ids kept.
#[derive(clap::Parser)]
#[command(name = "otlp_replay")]
struct Args {
    /// OTLP/JSON dumps (one document or JSON Lines).
    #[arg(required = true, value_name = "DUMP")]
    dumps: Vec<String>,
    /// grpc or http/protobuf (default: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf).
    #[arg(long, value_parser = |s: &str| Protocol::parse(s).ok_or("grpc or http/protobuf"))]
    protocol: Option<Protocol>,
    /// Base URL of the receiver, e.g. http://127.0.0.1:4317 (gRPC) or http://127.0.0.1:4318
    /// (HTTP; /v1/traces is appended); default: what the exporter reads from
    /// OTEL_EXPORTER_OTLP_ENDPOINT.
    #[arg(long)]
    endpoint: Option<String>,
    /// Spans per export request at most.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..))]
    batch: u64,
}

/// `--protocol`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else http/protobuf.
fn protocol_of(args: &Args) -> Result<Protocol, String> {
    if let Some(p) = args.protocol {
        return Ok(p);
    }
    match std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL") {
        Ok(v) if !v.trim().is_empty() => Protocol::parse(&v)
            .ok_or_else(|| format!("OTEL_EXPORTER_OTLP_PROTOCOL={v}: grpc or http/protobuf")),
        _ => Ok(Protocol::HttpProtobuf),
    }
}

/// The URL the exporter is given: `--endpoint` is a base URL, like
/// `OTEL_EXPORTER_OTLP_ENDPOINT`, but an endpoint set in code is used verbatim by the HTTP
/// exporter, so the signal path is added here.
fn exporter_endpoint(protocol: Protocol, endpoint: &str) -> String {
    match protocol {
        Protocol::Grpc => endpoint.to_owned(),
        Protocol::HttpProtobuf if endpoint.trim_end_matches('/').ends_with("/v1/traces") => {
            endpoint.to_owned()
        }
        Protocol::HttpProtobuf => format!("{}/v1/traces", endpoint.trim_end_matches('/')),
    }
}

fn build_exporter(
    protocol: Protocol,
    endpoint: Option<&str>,
) -> Result<opentelemetry_otlp::SpanExporter, String> {
    use opentelemetry_otlp::WithExportConfig;
    let builder = opentelemetry_otlp::SpanExporter::builder();
    let built = match (protocol, endpoint) {
        (Protocol::Grpc, None) => builder.with_tonic().build(),
        (Protocol::Grpc, Some(url)) => builder.with_tonic().with_endpoint(url).build(),
        (Protocol::HttpProtobuf, None) => builder.with_http().build(),
        (Protocol::HttpProtobuf, Some(url)) => builder.with_http().with_endpoint(url).build(),
    };
    built.map_err(|e| format!("cannot build the OTLP exporter: {e}"))
}

/// Drives one future to completion on this thread, as the SDK's batch processor does with
/// its exports (the gRPC exporter's connection tasks run on the Tokio runtime meanwhile).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => std::thread::park(),
        }
    }
}

// ------------------------------------------------------------------ OTLP/JSON -> SpanData

/// What could not be carried over exactly, by kind, for the closing warning.
#[derive(Default)]
struct Lossy(HashMap<&'static str, usize>);

impl Lossy {
    fn note(&mut self, what: &'static str) {
        *self.0.entry(what).or_default() += 1;
    }
}

fn json_text(v: &AnyValue) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn value(v: &AnyValue, lossy: &mut Lossy) -> Value {
    use any_value::Value as V;
    match &v.value {
        Some(V::StringValue(s)) => Value::String(StringValue::from(s.clone())),
        Some(V::BoolValue(b)) => Value::Bool(*b),
        Some(V::IntValue(i)) => Value::I64(*i),
        Some(V::DoubleValue(d)) => Value::F64(*d),
        Some(V::ArrayValue(a)) => {
            let items: Vec<&V> = a.values.iter().filter_map(|x| x.value.as_ref()).collect();
            let same =
                |f: fn(&V) -> bool| items.len() == a.values.len() && items.iter().all(|x| f(x));
            if same(|x| matches!(x, V::StringValue(_))) {
                Value::Array(Array::String(
                    items
                        .iter()
                        .map(|x| match x {
                            V::StringValue(s) => StringValue::from(s.clone()),
                            _ => unreachable!(),
                        })
                        .collect(),
                ))
            } else if same(|x| matches!(x, V::BoolValue(_))) {
                Value::Array(Array::Bool(
                    items
                        .iter()
                        .map(|x| matches!(x, V::BoolValue(true)))
                        .collect(),
                ))
            } else if same(|x| matches!(x, V::IntValue(_))) {
                Value::Array(Array::I64(
                    items
                        .iter()
                        .map(|x| match x {
                            V::IntValue(i) => *i,
                            _ => unreachable!(),
                        })
                        .collect(),
                ))
            } else if same(|x| matches!(x, V::DoubleValue(_))) {
                Value::Array(Array::F64(
                    items
                        .iter()
                        .map(|x| match x {
                            V::DoubleValue(d) => *d,
                            _ => unreachable!(),
                        })
                        .collect(),
                ))
            } else {
                lossy.note("mixed or nested array value sent as its JSON text");
                Value::String(json_text(v).into())
            }
        }
        Some(V::KvlistValue(_)) => {
            lossy.note("map value sent as its JSON text");
            Value::String(json_text(v).into())
        }
        Some(V::BytesValue(_)) => {
            lossy.note("bytes value sent as its JSON text");
            Value::String(json_text(v).into())
        }
        #[allow(unreachable_patterns)]
        Some(_) => {
            lossy.note("value of another type sent as its JSON text");
            Value::String(json_text(v).into())
        }
        None => {
            lossy.note("empty value sent as \"\"");
            Value::String("".into())
        }
    }
}

fn attributes(kvs: &[ProtoKeyValue], lossy: &mut Lossy) -> Vec<KeyValue> {
    kvs.iter()
        .map(|kv| {
            let v = match &kv.value {
                Some(v) => value(v, lossy),
                None => {
                    lossy.note("empty value sent as \"\"");
                    Value::String("".into())
                }
            };
            KeyValue::new(kv.key.clone(), v)
        })
        .collect()
}

fn time(nanos: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(nanos)
}

fn trace_id(bytes: &[u8], what: &str) -> Result<TraceId, String> {
    let b: [u8; 16] = bytes
        .try_into()
        .map_err(|_| format!("{what}: a trace id of {} bytes, not 16", bytes.len()))?;
    Ok(TraceId::from_bytes(b))
}

fn span_id(bytes: &[u8], what: &str) -> Result<SpanId, String> {
    if bytes.is_empty() {
        return Ok(SpanId::INVALID);
    }
    let b: [u8; 8] = bytes
        .try_into()
        .map_err(|_| format!("{what}: a span id of {} bytes, not 8", bytes.len()))?;
    Ok(SpanId::from_bytes(b))
}

fn trace_state(s: &str, lossy: &mut Lossy) -> TraceState {
    if s.is_empty() {
        return TraceState::default();
    }
    TraceState::from_str(s).unwrap_or_else(|_| {
        lossy.note("unparsable trace state left out");
        TraceState::default()
    })
}

/// `SpanFlags`: the low byte is the W3C trace flags; bit 8 says whether bit 9 says the
/// parent (or link) is remote.
const FLAGS_HAS_IS_REMOTE: u32 = 0x100;
const FLAGS_IS_REMOTE: u32 = 0x200;

fn kind(k: i32, lossy: &mut Lossy) -> SpanKind {
    match span::SpanKind::try_from(k) {
        Ok(span::SpanKind::Server) => SpanKind::Server,
        Ok(span::SpanKind::Client) => SpanKind::Client,
        Ok(span::SpanKind::Producer) => SpanKind::Producer,
        Ok(span::SpanKind::Consumer) => SpanKind::Consumer,
        Ok(span::SpanKind::Internal) => SpanKind::Internal,
        _ => {
            lossy.note("span kind UNSPECIFIED (or unknown) sent as INTERNAL");
            SpanKind::Internal
        }
    }
}

fn span_data(
    s: &ProtoSpan,
    scope: &InstrumentationScope,
    lossy: &mut Lossy,
) -> Result<SpanData, String> {
    let what = format!("span '{}'", s.name);
    let span_context = SpanContext::new(
        trace_id(&s.trace_id, &what)?,
        span_id(&s.span_id, &what)?,
        TraceFlags::new((s.flags & 0xff) as u8),
        false,
        trace_state(&s.trace_state, lossy),
    );
    if span_context.span_id() == SpanId::INVALID {
        return Err(format!("{what}: no span id"));
    }
    let mut events = SpanEvents::default();
    events.dropped_count = s.dropped_events_count;
    events.events = s
        .events
        .iter()
        .map(|e| {
            Event::new(
                e.name.clone(),
                time(e.time_unix_nano),
                attributes(&e.attributes, lossy),
                e.dropped_attributes_count,
            )
        })
        .collect();
    let mut links = SpanLinks::default();
    links.dropped_count = s.dropped_links_count;
    links.links = s
        .links
        .iter()
        .map(|l| {
            let cx = SpanContext::new(
                trace_id(&l.trace_id, &format!("{what}: link"))?,
                span_id(&l.span_id, &format!("{what}: link"))?,
                TraceFlags::new((l.flags & 0xff) as u8),
                l.flags & FLAGS_IS_REMOTE != 0,
                trace_state(&l.trace_state, lossy),
            );
            Ok(Link::new(
                cx,
                attributes(&l.attributes, lossy),
                l.dropped_attributes_count,
            ))
        })
        .collect::<Result<_, String>>()?;
    let status = match &s.status {
        None => Status::Unset,
        Some(st) => match status::StatusCode::try_from(st.code) {
            Ok(status::StatusCode::Ok) => Status::Ok,
            Ok(status::StatusCode::Error) => Status::error(st.message.clone()),
            _ => Status::Unset,
        },
    };
    Ok(SpanData {
        span_context,
        parent_span_id: span_id(&s.parent_span_id, &format!("{what}: parent"))?,
        parent_span_is_remote: s.flags & FLAGS_HAS_IS_REMOTE != 0 && s.flags & FLAGS_IS_REMOTE != 0,
        span_kind: kind(s.kind, lossy),
        name: s.name.clone().into(),
        start_time: time(s.start_time_unix_nano),
        end_time: time(s.end_time_unix_nano),
        attributes: attributes(&s.attributes, lossy),
        dropped_attributes_count: s.dropped_attributes_count,
        events,
        links,
        status,
        instrumentation_scope: scope.clone(),
    })
}

fn resource(r: Option<&ProtoResource>, schema_url: &str, lossy: &mut Lossy) -> Resource {
    let attrs = r
        .map(|r| attributes(&r.attributes, lossy))
        .unwrap_or_default();
    if r.is_some_and(|r| r.dropped_attributes_count > 0) {
        lossy.note("resource dropped-attributes count not sent");
    }
    let builder = Resource::builder_empty();
    if schema_url.is_empty() {
        builder.with_attributes(attrs).build()
    } else {
        builder
            .with_schema_url(attrs, schema_url.to_owned())
            .build()
    }
}

/// One exporter per distinct resource (what one `SdkTracerProvider` would have).
struct Exporters {
    protocol: Protocol,
    endpoint: Option<String>,
    by_resource: HashMap<String, usize>,
    exporters: Vec<opentelemetry_otlp::SpanExporter>,
}

impl Exporters {
    fn for_resource(
        &mut self,
        key: String,
        make: impl FnOnce() -> Resource,
    ) -> Result<&opentelemetry_otlp::SpanExporter, String> {
        let i = match self.by_resource.get(&key) {
            Some(&i) => i,
            None => {
                let mut exporter = build_exporter(self.protocol, self.endpoint.as_deref())?;
                exporter.set_resource(&make());
                self.exporters.push(exporter);
                self.by_resource.insert(key, self.exporters.len() - 1);
                self.exporters.len() - 1
            }
        };
        Ok(&self.exporters[i])
    }
}

#[derive(Default)]
struct Totals {
    requests: usize,
    spans: usize,
    exported: usize,
    failed: usize,
    traces: HashSet<TraceId>,
    first_error: Option<String>,
}

fn replay(
    path: &str,
    exporters: &mut Exporters,
    batch: usize,
    totals: &mut Totals,
    lossy: &mut Lossy,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    // One document, or JSON Lines: a stream of documents either way.
    let docs = serde_json::Deserializer::from_str(&text).into_iter::<ExportTraceServiceRequest>();
    let mut any = false;
    for doc in docs {
        let request = doc.map_err(|e| format!("{path}: not OTLP/JSON: {e}"))?;
        any = true;
        totals.requests += 1;
        for rs in &request.resource_spans {
            let key = serde_json::to_string(&(&rs.resource, &rs.schema_url)).unwrap_or_default();
            let mut spans = Vec::new();
            for ss in &rs.scope_spans {
                let scope = match &ss.scope {
                    Some(sc) => {
                        let mut b = InstrumentationScope::builder(sc.name.clone())
                            .with_attributes(attributes(&sc.attributes, lossy));
                        if !sc.version.is_empty() {
                            b = b.with_version(sc.version.clone());
                        }
                        if !ss.schema_url.is_empty() {
                            b = b.with_schema_url(ss.schema_url.clone());
                        }
                        b.build()
                    }
                    None => InstrumentationScope::builder("").build(),
                };
                for s in &ss.spans {
                    let data = span_data(s, &scope, lossy).map_err(|e| format!("{path}: {e}"))?;
                    totals.traces.insert(data.span_context.trace_id());
                    spans.push(data);
                }
            }
            if spans.is_empty() {
                continue;
            }
            let exporter = exporters.for_resource(key, || {
                resource(rs.resource.as_ref(), &rs.schema_url, lossy)
            })?;
            while !spans.is_empty() {
                let rest = spans.split_off(spans.len().min(batch));
                let n = spans.len();
                totals.spans += n;
                match block_on(exporter.export(std::mem::replace(&mut spans, rest))) {
                    Ok(()) => totals.exported += n,
                    Err(e) => {
                        totals.failed += n;
                        totals.first_error.get_or_insert_with(|| e.to_string());
                    }
                }
            }
        }
    }
    if !any {
        return Err(format!("{path}: no OTLP/JSON document"));
    }
    Ok(())
}

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let protocol = match protocol_of(&args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("otlp_replay: {e}");
            return ExitCode::from(2);
        }
    };
    let endpoint = args
        .endpoint
        .as_deref()
        .map(|e| exporter_endpoint(protocol, e));
    // The tonic exporter's channel runs its tasks on a Tokio runtime, which must be current
    // when the exporter is built; the HTTP exporter's blocking client needs none.
    let runtime = match protocol {
        Protocol::Grpc => match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-grpc")
            .enable_all()
            .build()
        {
            Ok(rt) => Some(rt),
            Err(e) => {
                eprintln!("otlp_replay: cannot start the Tokio runtime: {e}");
                return ExitCode::FAILURE;
            }
        },
        Protocol::HttpProtobuf => None,
    };
    let _entered = runtime.as_ref().map(|rt| rt.enter());
    let mut exporters = Exporters {
        protocol,
        endpoint: endpoint.clone(),
        by_resource: HashMap::new(),
        exporters: Vec::new(),
    };
    let mut totals = Totals::default();
    let mut lossy = Lossy::default();
    let mut unreadable = false;
    for path in &args.dumps {
        if let Err(e) = replay(
            path,
            &mut exporters,
            args.batch as usize,
            &mut totals,
            &mut lossy,
        ) {
            eprintln!("otlp_replay: {e}");
            unreadable = true;
            if e.starts_with("cannot build") {
                return ExitCode::FAILURE;
            }
        }
    }
    for exporter in &exporters.exporters {
        if let Err(e) = exporter.shutdown() {
            eprintln!("otlp_replay: exporter shutdown failed: {e}");
        }
    }
    let mut lossy: Vec<_> = lossy.0.into_iter().collect();
    lossy.sort();
    for (what, n) in lossy {
        eprintln!("otlp_replay: warning: {n} x {what}");
    }
    let target = endpoint.clone().unwrap_or_else(|| {
        [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ]
        .iter()
        .find_map(|var| {
            let v = std::env::var(var).ok().filter(|v| !v.trim().is_empty())?;
            Some(format!("{v} ({var})"))
        })
        .unwrap_or_else(|| "the default endpoint".into())
    });
    eprintln!(
        "otlp_replay: {} of {} spans ({} traces, {} resources, {} documents) exported over {} to {target}",
        totals.exported,
        totals.spans,
        totals.traces.len(),
        exporters.exporters.len(),
        totals.requests,
        protocol.name(),
    );
    if totals.failed > 0 {
        eprintln!(
            "otlp_replay: {} span(s) not exported: {}",
            totals.failed,
            totals.first_error.unwrap_or_default()
        );
        return ExitCode::FAILURE;
    }
    if unreadable {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
