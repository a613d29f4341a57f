//! A small, genuinely instrumented checkout (the Rust twin of
//! `fixtures/phi/capture/checkout.py`) that exports its traces with the real OpenTelemetry
//! SDK and OTLP exporter: the client program that `cspot traces listen` is tested against.
//!
//! Three services, each its own `SdkTracerProvider` with its own `Resource` (`service.name`,
//! `host.name`, `service.instance.id`, ...) and its own "HTTP server" (a pool of request
//! threads). A request crosses to another service only as method, path, headers and a JSON
//! body, so the only way a trace crosses a service is the W3C `traceparent` header the caller
//! injects and the callee extracts (`TraceContextPropagator`).
//!
//! ```text
//!   gateway   SERVER "POST /checkout"
//!               CLIENT "POST /orders"            -> orders
//!   orders    SERVER "create order"              events order.validated, then per attempt:
//!               CLIENT "POST /charges"           -> payments
//!             then order.confirmed | order.rejected | order.abandoned
//!   payments  SERVER "charge card"               one event: payment.authorized|declined|failed
//! ```
//!
//! The spans and span events are those `models/phi/checkout.toml` maps (the CLIENT spans are
//! not in the model: hidden), so every trace conforms to `specs/checkout.csp`, except with
//! `--bad`: then the first order is created without `order.validated` (the `validate=False`
//! variant of the Python program), a trace the model forbids.
//!
//! The payment processor's answers are scripted per order (a plan), so every run is
//! reproducible; threads, clocks and ids are real. Without `--plan`, the first four orders
//! are the four endings (confirmed at once, declined, confirmed on the third charge,
//! abandoned after three failures) and the rest are drawn from `--seed`.
//!
//! Export: one `opentelemetry-otlp` `SpanExporter` in a `BatchSpanProcessor` per service,
//! configured the standard way: `OTEL_EXPORTER_OTLP_PROTOCOL` (`grpc` or `http/protobuf`, the
//! default) and `OTEL_EXPORTER_OTLP_ENDPOINT` (a base URL; the HTTP exporter appends
//! `/v1/traces` itself), read by the exporter. Every provider is flushed and shut down before
//! exit; exit 0 when every span was exported, 1 with a message when an export failed, 2 on a
//! usage error.
//!
//! ```text
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 cargo run --example checkout_shop -- --orders 5
//! OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 \
//!     cargo run --example checkout_shop -- --bad
//! cspot traces listen --model models/phi/checkout.toml -- cargo run --example checkout_shop
//! ```

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, SdkTracer, SdkTracerProvider, SpanData, SpanExporter,
};
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::Duration;

/// Charges per order at most (`MaxAttempts` of `specs/checkout.csp`).
const MAX_ATTEMPTS: usize = 3;

// ------------------------------------------------------------------ plan

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Authorized,
    Declined,
    Failed,
}

impl Outcome {
    fn name(self) -> &'static str {
        match self {
            Outcome::Authorized => "authorized",
            Outcome::Declined => "declined",
            Outcome::Failed => "failed",
        }
    }

    fn status(self) -> u16 {
        match self {
            Outcome::Authorized => 201,
            Outcome::Declined => 402,
            Outcome::Failed => 503,
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        [Outcome::Authorized, Outcome::Declined, Outcome::Failed]
            .into_iter()
            .find(|o| o.name() == s)
    }
}

/// One checkout of the plan: the order id and the payment processor's scripted answers.
#[derive(Clone, Debug)]
struct Order {
    id: String,
    charges: Vec<Outcome>,
    /// The buggy variant: this order is created without `order.validated`.
    skip_validation: bool,
}

impl Order {
    /// Spans the order's trace has: gateway SERVER and CLIENT, orders SERVER, and per charge
    /// an orders CLIENT and a payments SERVER span.
    fn spans(&self) -> usize {
        3 + 2 * self.charges.len()
    }

    fn ending(&self) -> &'static str {
        match self.charges.last() {
            Some(Outcome::Authorized) => "confirmed",
            Some(Outcome::Declined) => "rejected",
            _ => "abandoned",
        }
    }
}

/// splitmix64: a small seedable generator, so that the example needs no `rand`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}

fn parse_plan(s: &str) -> Result<Vec<Vec<Outcome>>, String> {
    let mut plan = Vec::new();
    for (k, item) in s.split(',').map(str::trim).enumerate() {
        let mut charges = Vec::new();
        for c in item.chars() {
            charges.push(match c.to_ascii_uppercase() {
                'A' => Outcome::Authorized,
                'D' => Outcome::Declined,
                'F' => Outcome::Failed,
                _ => return Err(format!("--plan: order {}: '{c}' is not A, D or F", k + 1)),
            });
        }
        // The orders service stops at the first authorized or declined charge and after
        // MAX_ATTEMPTS failures: a plan must be a run it can make.
        let done = charges.iter().position(|&o| o != Outcome::Failed);
        let valid = match done {
            Some(i) => i + 1 == charges.len() && charges.len() <= MAX_ATTEMPTS,
            None => charges.len() == MAX_ATTEMPTS,
        };
        if !valid {
            return Err(format!(
                "--plan: order {}: '{item}' is not a run of the orders service (F up to \
                 {MAX_ATTEMPTS} times, ending with A or D, or exactly {MAX_ATTEMPTS} F)",
                k + 1
            ));
        }
        plan.push(charges);
    }
    Ok(plan)
}

/// The default plan: the four endings first, then outcomes drawn like the Python program's
/// mixed run (authorized : declined : failed = 6 : 2 : 3, a failed charge retried).
fn drawn_plan(orders: usize, seed: u64) -> Vec<Vec<Outcome>> {
    use Outcome::{Authorized as A, Declined as D, Failed as F};
    let fixed = [vec![A], vec![D], vec![F, F, A], vec![F, F, F]];
    let mut rng = Rng(seed);
    (0..orders)
        .map(|k| {
            if let Some(charges) = fixed.get(k) {
                return charges.clone();
            }
            let mut charges = Vec::new();
            loop {
                let o = match rng.range(0, 11) {
                    0..=5 => A,
                    6..=7 => D,
                    _ => F,
                };
                charges.push(o);
                if o != F || charges.len() == MAX_ATTEMPTS {
                    break charges;
                }
            }
        })
        .collect()
}

// ------------------------------------------------------------------ "HTTP"

type Headers = HashMap<String, String>;

/// What travels between services: nothing but this.
struct Request {
    method: String,
    path: String,
    headers: Headers,
    body: Vec<u8>,
}

struct Response {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, body: Value) -> Self {
        Response {
            status,
            headers: Headers::new(),
            body: body.to_string().into_bytes(),
        }
    }
}

type Handler = Arc<dyn Fn(Request) -> Response + Send + Sync>;
type Job = Box<dyn FnOnce() + Send>;

/// A service's request-handling threads; `call` is a blocking HTTP round trip.
struct HttpServer {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
    handler: Handler,
}

impl HttpServer {
    fn start(name: &str, threads: usize, handler: Handler) -> Arc<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        let workers = (0..threads)
            .map(|i| {
                let rx = Arc::clone(&rx);
                thread::Builder::new()
                    .name(format!("{name}-{i}"))
                    .spawn(move || {
                        loop {
                            let job = rx.lock().unwrap().recv();
                            match job {
                                Ok(job) => job(),
                                Err(_) => break,
                            }
                        }
                    })
                    .expect("spawn a request thread")
            })
            .collect();
        Arc::new(HttpServer {
            jobs: Mutex::new(Some(tx)),
            workers: Mutex::new(workers),
            handler,
        })
    }

    fn call(&self, method: &str, path: &str, headers: Headers, body: Value) -> Response {
        let request = Request {
            method: method.to_owned(),
            path: path.to_owned(),
            headers,
            body: body.to_string().into_bytes(),
        };
        let handler = Arc::clone(&self.handler);
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let _ = reply.send(handler(request));
        });
        let sent = match self.jobs.lock().unwrap().as_ref() {
            Some(jobs) => jobs.send(job).is_ok(),
            None => false,
        };
        if !sent {
            return Response::json(503, json!({"error": "server stopped"}));
        }
        answer
            .recv()
            .unwrap_or_else(|_| Response::json(500, json!({"error": "handler panicked"})))
    }

    fn stop(&self) {
        self.jobs.lock().unwrap().take();
        for w in self.workers.lock().unwrap().drain(..) {
            let _ = w.join();
        }
    }
}

fn body_of(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

fn inject(cx: &Context, headers: &mut Headers) {
    TraceContextPropagator::new().inject_context(cx, headers);
}

fn extract(headers: &Headers) -> Context {
    TraceContextPropagator::new().extract(headers)
}

/// Small random pauses, so that timestamps look like those of a real program.
struct Pauses(Mutex<Rng>);

impl Pauses {
    fn pause(&self, lo_ms: u64, hi_ms: u64) {
        let us = self.0.lock().unwrap().range(lo_ms * 1000, hi_ms * 1000);
        thread::sleep(Duration::from_micros(us));
    }
}

// ------------------------------------------------------------------ services

struct Payments {
    tracer: SdkTracer,
    plans: Mutex<HashMap<String, VecDeque<Outcome>>>,
    pauses: Arc<Pauses>,
}

impl Payments {
    fn charge(&self, request: Request) -> Response {
        let cx = extract(&request.headers);
        let body = body_of(&request);
        let order_id = body["order_id"].as_str().unwrap_or_default().to_owned();
        let attempt = body["attempt"].as_i64().unwrap_or_default();
        let span = self
            .tracer
            .span_builder("charge card")
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("http.request.method", request.method.clone()),
                KeyValue::new("http.route", "/charges"),
                KeyValue::new("url.path", request.path.clone()),
                KeyValue::new("url.scheme", "http"),
                KeyValue::new("server.address", "pay-1"),
                KeyValue::new("server.port", 8080),
                KeyValue::new("app.order.id", order_id.clone()),
                KeyValue::new("app.charge.attempt", attempt),
            ])
            .start_with_context(&self.tracer, &cx);
        let cx = cx.with_span(span);
        self.pauses.pause(1, 5);
        let outcome = self
            .plans
            .lock()
            .unwrap()
            .get_mut(&order_id)
            .and_then(VecDeque::pop_front);
        let Some(outcome) = outcome else {
            // Not scripted: the processor is down. (A plan always scripts every charge.)
            cx.span().end();
            return Response::json(500, json!({"error": "no scripted outcome"}));
        };
        cx.span()
            .add_event(format!("payment.{}", outcome.name()), vec![]);
        cx.span().set_attribute(KeyValue::new(
            "http.response.status_code",
            outcome.status() as i64,
        ));
        self.pauses.pause(1, 5);
        cx.span().end();
        Response::json(outcome.status(), json!({"outcome": outcome.name()}))
    }
}

struct Orders {
    tracer: SdkTracer,
    payments: Arc<HttpServer>,
    pauses: Arc<Pauses>,
    /// Orders created without `order.validated` (the buggy variant).
    unvalidated: Vec<String>,
}

impl Orders {
    fn charge(&self, parent: &Context, order_id: &str, attempt: usize) -> Option<Outcome> {
        let span = self
            .tracer
            .span_builder("POST /charges")
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("http.request.method", "POST"),
                KeyValue::new("url.full", "http://pay-1:8080/charges"),
                KeyValue::new("server.address", "pay-1"),
                KeyValue::new("server.port", 8080),
                KeyValue::new("app.charge.attempt", attempt as i64),
            ])
            .start_with_context(&self.tracer, parent);
        let cx = parent.with_span(span);
        let mut headers = Headers::from([("content-type".into(), "application/json".into())]);
        inject(&cx, &mut headers);
        let answer = self.payments.call(
            "POST",
            "/charges",
            headers,
            json!({"order_id": order_id, "attempt": attempt}),
        );
        cx.span().set_attribute(KeyValue::new(
            "http.response.status_code",
            answer.status as i64,
        ));
        cx.span().end();
        let body: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
        body["outcome"].as_str().and_then(Outcome::from_name)
    }

    fn create(&self, request: Request) -> Response {
        let cx = extract(&request.headers);
        let body = body_of(&request);
        let order_id = body["order_id"].as_str().unwrap_or_default().to_owned();
        let span = self
            .tracer
            .span_builder("create order")
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("http.request.method", request.method.clone()),
                KeyValue::new("http.route", "/orders"),
                KeyValue::new("url.path", request.path.clone()),
                KeyValue::new("url.scheme", "http"),
                KeyValue::new("server.address", "orders-1"),
                KeyValue::new("server.port", 8080),
                KeyValue::new("app.order.id", order_id.clone()),
            ])
            .start_with_context(&self.tracer, &cx);
        let cx = cx.with_span(span);
        self.pauses.pause(1, 5);
        if !self.unvalidated.contains(&order_id) {
            cx.span().add_event("order.validated", vec![]);
        }
        self.pauses.pause(1, 5);
        let mut attempt = 0;
        let (result, status) = loop {
            attempt += 1;
            match self.charge(&cx, &order_id, attempt) {
                Some(Outcome::Authorized) => {
                    cx.span().add_event("order.confirmed", vec![]);
                    break ("confirmed", 201);
                }
                Some(Outcome::Declined) => {
                    cx.span().add_event("order.rejected", vec![]);
                    break ("rejected", 402);
                }
                Some(Outcome::Failed) | None if attempt >= MAX_ATTEMPTS => {
                    cx.span().add_event("order.abandoned", vec![]);
                    break ("abandoned", 503);
                }
                Some(Outcome::Failed) | None => self.pauses.pause(2, 5), // back off, retry
            }
        };
        cx.span()
            .set_attribute(KeyValue::new("http.response.status_code", status as i64));
        self.pauses.pause(1, 5);
        cx.span().end();
        Response::json(status, json!({"order": result}))
    }
}

struct Gateway {
    tracer: SdkTracer,
    orders: Arc<HttpServer>,
    pauses: Arc<Pauses>,
}

impl Gateway {
    fn checkout(&self, request: Request) -> Response {
        let cx = extract(&request.headers); // the shopper's browser sends no traceparent
        let body = body_of(&request);
        let span = self
            .tracer
            .span_builder("POST /checkout")
            .with_kind(SpanKind::Server)
            .with_attributes([
                KeyValue::new("http.request.method", request.method.clone()),
                KeyValue::new("http.route", "/checkout"),
                KeyValue::new("url.path", request.path.clone()),
                KeyValue::new("url.scheme", "https"),
                KeyValue::new("server.address", "shop.example"),
                KeyValue::new("client.address", "203.0.113.7"),
                KeyValue::new(
                    "app.order.id",
                    body["order_id"].as_str().unwrap_or_default().to_owned(),
                ),
            ])
            .start_with_context(&self.tracer, &cx);
        let cx = cx.with_span(span);
        self.pauses.pause(1, 5);
        let client = self
            .tracer
            .span_builder("POST /orders")
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("http.request.method", "POST"),
                KeyValue::new("url.full", "http://orders-1:8080/orders"),
                KeyValue::new("server.address", "orders-1"),
                KeyValue::new("server.port", 8080),
            ])
            .start_with_context(&self.tracer, &cx);
        let client_cx = cx.with_span(client);
        let mut headers = Headers::from([("content-type".into(), "application/json".into())]);
        inject(&client_cx, &mut headers);
        let answer = self.orders.call("POST", "/orders", headers, body);
        client_cx.span().set_attribute(KeyValue::new(
            "http.response.status_code",
            answer.status as i64,
        ));
        client_cx.span().end();
        self.pauses.pause(1, 5);
        cx.span().set_attribute(KeyValue::new(
            "http.response.status_code",
            answer.status as i64,
        ));
        // W3C Trace Context level 2: tell the caller which trace served it.
        let mut trace = Headers::new();
        inject(&cx, &mut trace);
        cx.span().end();
        let mut response = Response {
            status: answer.status,
            headers: Headers::new(),
            body: answer.body,
        };
        if let Some(tp) = trace.remove("traceparent") {
            response.headers.insert("traceresponse".into(), tp);
        }
        response
    }
}

// ------------------------------------------------------------------ export

/// The OTLP exporter, counting what it exported and keeping the first error: the batch
/// processor only logs a failed scheduled export, and the example must not exit 0 then.
#[derive(Debug)]
struct Counted {
    inner: opentelemetry_otlp::SpanExporter,
    stats: Arc<Stats>,
}

#[derive(Debug, Default)]
struct Stats {
    exported: AtomicUsize,
    failed: AtomicUsize,
    first_error: Mutex<Option<String>>,
}

impl SpanExporter for Counted {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len();
        let result = self.inner.export(batch).await;
        match &result {
            Ok(()) => self.stats.exported.fetch_add(n, Ordering::Relaxed),
            Err(e) => {
                self.stats
                    .first_error
                    .lock()
                    .unwrap()
                    .get_or_insert_with(|| e.to_string());
                self.stats.failed.fetch_add(n, Ordering::Relaxed)
            }
        };
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Grpc,
    HttpProtobuf,
}

impl Protocol {
    /// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else
    /// `http/protobuf` (the specification's default). Unlike the exporter, which warns and
    /// falls back, an unusable value is an error here: a test must not pass by accident.
    fn from_env() -> Result<Self, String> {
        for var in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            match std::env::var(var) {
                Ok(v) if v.trim().is_empty() => continue,
                Ok(v) => {
                    return match v.trim().to_ascii_lowercase().as_str() {
                        "grpc" => Ok(Protocol::Grpc),
                        "http/protobuf" => Ok(Protocol::HttpProtobuf),
                        _ => Err(format!(
                            "{var}={v}: this example exports with grpc or http/protobuf"
                        )),
                    };
                }
                Err(_) => continue,
            }
        }
        Ok(Protocol::HttpProtobuf)
    }

    fn name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
        }
    }
}

struct Service {
    name: &'static str,
    provider: SdkTracerProvider,
    stats: Arc<Stats>,
}

/// One service's provider: its own resource, its own exporter in a batch span processor.
/// The exporter reads the endpoint (and headers, timeout, compression) from the environment.
fn service(
    protocol: Protocol,
    name: &'static str,
    host: &str,
    instance: &str,
) -> Result<Service, String> {
    let builder = opentelemetry_otlp::SpanExporter::builder();
    let exporter = match protocol {
        Protocol::Grpc => builder.with_tonic().build(),
        Protocol::HttpProtobuf => builder.with_http().build(),
    }
    .map_err(|e| format!("{name}: cannot build the OTLP exporter: {e}"))?;
    let stats = Arc::new(Stats::default());
    let exporter = Counted {
        inner: exporter,
        stats: Arc::clone(&stats),
    };
    let resource = Resource::builder()
        .with_service_name(name)
        .with_attributes([
            KeyValue::new("service.version", "1.0.0"),
            KeyValue::new("service.instance.id", instance.to_owned()),
            KeyValue::new("host.name", host.to_owned()),
            KeyValue::new("deployment.environment.name", "example"),
        ])
        .build();
    let provider = SdkTracerProvider::builder()
        .with_resource(resource)
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .build();
    Ok(Service {
        name,
        provider,
        stats,
    })
}

fn tracer(s: &Service, scope: &'static str) -> SdkTracer {
    s.provider.tracer_with_scope(
        InstrumentationScope::builder(scope)
            .with_version("1.0.0")
            .build(),
    )
}

// ------------------------------------------------------------------ main

/// Runs checkouts through three instrumented services (gateway, orders, payments) and exports
/// their spans over OTLP.
///
/// Export is configured by OTEL_EXPORTER_OTLP_PROTOCOL (grpc | http/protobuf, the default)
/// and OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318, gRPC
/// http://localhost:4317).
#[derive(clap::Parser)]
#[command(name = "checkout_shop")]
struct Args {
    /// Checkouts to run.
    #[arg(long, default_value_t = 5)]
    orders: usize,
    /// Seed of the outcomes drawn after the first four orders.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The orders' charge outcomes, comma-separated, one letter per charge: A authorized,
    /// D declined, F failed; e.g. A,D,FFA,FFF (overrides --orders).
    #[arg(long, value_parser = |s: &str| parse_plan(s).map(Plan))]
    plan: Option<Plan>,
    /// Checkouts in flight at a time.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    shoppers: u64,
    /// The first order skips order.validated: a trace the model forbids.
    #[arg(long)]
    bad: bool,
}

/// The charge outcomes of each order.
#[derive(Clone)]
struct Plan(Vec<Vec<Outcome>>);

fn main() -> ExitCode {
    let args = <Args as clap::Parser>::parse();
    let protocol = match Protocol::from_env() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("checkout_shop: {e}");
            return ExitCode::from(2);
        }
    };
    let plan = args
        .plan
        .clone()
        .map(|p| p.0)
        .unwrap_or_else(|| drawn_plan(args.orders, args.seed));
    let orders: Vec<Order> = plan
        .into_iter()
        .enumerate()
        .map(|(k, charges)| Order {
            id: format!("ord-{:04}", k + 1),
            charges,
            skip_validation: args.bad && k == 0,
        })
        .collect();
    if args.bad && orders.is_empty() {
        eprintln!("checkout_shop: --bad needs at least one order");
        return ExitCode::from(2);
    }

    // The tonic exporter needs a Tokio runtime: its channel's background tasks run there,
    // while the batch processors' own threads drive the exports. The HTTP exporter's
    // blocking client needs none.
    let runtime = match protocol {
        Protocol::Grpc => match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("otlp-grpc")
            .enable_all()
            .build()
        {
            Ok(rt) => Some(rt),
            Err(e) => {
                eprintln!("checkout_shop: cannot start the Tokio runtime: {e}");
                return ExitCode::FAILURE;
            }
        },
        Protocol::HttpProtobuf => None,
    };
    let services = {
        let _entered = runtime.as_ref().map(|rt| rt.enter());
        [
            service(protocol, "gateway", "gw-1", "gw-1-7f9c"),
            service(protocol, "orders", "orders-1", "orders-1-2b41"),
            service(protocol, "payments", "pay-1", "pay-1-90d3"),
        ]
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
    };
    let services = match services {
        Ok(s) => s,
        Err(e) => {
            eprintln!("checkout_shop: {e}");
            return ExitCode::FAILURE;
        }
    };

    let pauses = Arc::new(Pauses(Mutex::new(Rng(args.seed ^ 0x5eed))));
    let payments = Arc::new(Payments {
        tracer: tracer(&services[2], "shop.payments"),
        plans: Mutex::new(
            orders
                .iter()
                .map(|o| (o.id.clone(), o.charges.iter().copied().collect()))
                .collect(),
        ),
        pauses: Arc::clone(&pauses),
    });
    let payments_server = HttpServer::start(
        "payments",
        4,
        Arc::new(
            move |r: Request| match (r.method.as_str(), r.path.as_str()) {
                ("POST", "/charges") => payments.charge(r),
                _ => Response::json(404, json!({"error": "not found"})),
            },
        ),
    );
    let orders_service = Arc::new(Orders {
        tracer: tracer(&services[1], "shop.orders"),
        payments: Arc::clone(&payments_server),
        pauses: Arc::clone(&pauses),
        unvalidated: orders
            .iter()
            .filter(|o| o.skip_validation)
            .map(|o| o.id.clone())
            .collect(),
    });
    let orders_server = HttpServer::start(
        "orders",
        4,
        Arc::new(
            move |r: Request| match (r.method.as_str(), r.path.as_str()) {
                ("POST", "/orders") => orders_service.create(r),
                _ => Response::json(404, json!({"error": "not found"})),
            },
        ),
    );
    let gateway = Arc::new(Gateway {
        tracer: tracer(&services[0], "shop.gateway.http"),
        orders: Arc::clone(&orders_server),
        pauses: Arc::clone(&pauses),
    });
    let gateway_server = HttpServer::start(
        "gateway",
        4,
        Arc::new(
            move |r: Request| match (r.method.as_str(), r.path.as_str()) {
                ("POST", "/checkout") => gateway.checkout(r),
                _ => Response::json(404, json!({"error": "not found"})),
            },
        ),
    );

    // The shoppers: each takes the next order of the plan and checks out.
    let queue = Mutex::new(orders.iter().collect::<VecDeque<_>>());
    let results = Mutex::new(Vec::new());
    thread::scope(|s| {
        for i in 0..(args.shoppers as usize).min(orders.len().max(1)) {
            let (queue, results, gateway_server) = (&queue, &results, &gateway_server);
            thread::Builder::new()
                .name(format!("shopper-{i}"))
                .spawn_scoped(s, move || {
                    loop {
                        let next = queue.lock().unwrap().pop_front();
                        let Some(order) = next else { break };
                        let headers =
                            Headers::from([("user-agent".into(), "checkout_shop".into())]);
                        let answer = gateway_server.call(
                            "POST",
                            "/checkout",
                            headers,
                            json!({"order_id": order.id}),
                        );
                        let body: Value =
                            serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
                        let trace = answer
                            .headers
                            .get("traceresponse")
                            .and_then(|tp| tp.split('-').nth(1))
                            .unwrap_or("?")
                            .to_owned();
                        results.lock().unwrap().push((
                            order,
                            answer.status,
                            body["order"].as_str().unwrap_or("?").to_owned(),
                            trace,
                        ));
                    }
                })
                .expect("spawn a shopper");
        }
    });
    for server in [&gateway_server, &orders_server, &payments_server] {
        server.stop();
    }

    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let mut failed = false;
    for (order, status, result, trace) in &results {
        let charges: String = order
            .charges
            .iter()
            .map(|o| o.name()[..1].to_ascii_uppercase())
            .collect();
        let note = if order.skip_validation {
            "  (--bad: not validated, violates the model)"
        } else {
            ""
        };
        println!(
            "{} {charges:<3} -> {status} {result:<9} trace {trace}{note}",
            order.id
        );
        if result != order.ending() {
            eprintln!(
                "checkout_shop: {}: expected {}, the shop answered {result}",
                order.id,
                order.ending()
            );
            failed = true;
        }
    }

    // Flush and shut down every provider, then see that every span went out.
    let expected: usize = orders.iter().map(Order::spans).sum();
    for s in &services {
        // A failed export is reported below with the spans it lost; a flush can also fail
        // otherwise (a timeout).
        if let Err(e) = s.provider.force_flush()
            && s.stats.failed.load(Ordering::Relaxed) == 0
        {
            eprintln!("checkout_shop: {}: flush failed: {e}", s.name);
            failed = true;
        }
        if let Err(e) = s.provider.shutdown() {
            eprintln!("checkout_shop: {}: shutdown failed: {e}", s.name);
            failed = true;
        }
    }
    drop(runtime);
    let exported: usize = services
        .iter()
        .map(|s| s.stats.exported.load(Ordering::Relaxed))
        .sum();
    for s in &services {
        let lost = s.stats.failed.load(Ordering::Relaxed);
        if lost > 0 {
            let error = s
                .stats
                .first_error
                .lock()
                .unwrap()
                .clone()
                .unwrap_or_default();
            eprintln!(
                "checkout_shop: {}: {lost} span(s) not exported: {error}",
                s.name
            );
            failed = true;
        }
    }
    let endpoint = std::env::var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT"))
        .unwrap_or_else(|_| "the default endpoint".into());
    eprintln!(
        "checkout_shop: {} orders, {exported} of {expected} spans exported over {} to {endpoint}",
        orders.len(),
        protocol.name()
    );
    if exported != expected {
        failed = true;
    }
    if failed {
        eprintln!("checkout_shop: export failed");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
