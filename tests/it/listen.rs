//! `cspot traces listen`: the live OTLP receiver, driven over loopback by raw HTTP/1.1
//! requests, tonic gRPC clients and (see `listen_exporters`) the real OpenTelemetry
//! exporters. Every listener binds port 0 and is stopped by a signal, an idle bound or a
//! count; each run is bounded in time (a hung receiver fails the test, it does not hang it).

use super::support::cspot;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub fn root(p: &str) -> String {
    format!("{ROOT}/{p}")
}

/// A running `cspot traces listen` on free ports.
pub struct Listen {
    child: Child,
    pub grpc: u16,
    pub http: u16,
    stdout: std::thread::JoinHandle<String>,
    stderr: Arc<Mutex<String>>,
}

/// What a run gave.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// A scratch directory removed at the end of the test.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("cspot-listen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    pub fn path(&self, f: &str) -> String {
        self.0.join(f).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Listen {
    /// Starts the receiver with `args` (both transports on port 0 unless `args` sets them)
    /// and waits until it says where it listens.
    pub fn start(args: &[&str]) -> Listen {
        Self::start_env(args, &[])
    }

    pub fn start_env(args: &[&str], env: &[(&str, &str)]) -> Listen {
        let mut full: Vec<&str> = vec!["traces", "listen"];
        if !args.contains(&"--grpc") {
            full.extend(["--grpc", "127.0.0.1:0"]);
        }
        if !args.contains(&"--http") {
            full.extend(["--http", "127.0.0.1:0"]);
        }
        full.extend(args);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cspot"));
        cmd.args(&full)
            .current_dir(ROOT)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cspot runs");
        let mut out = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let err = child.stderr.take().unwrap();
        let sink = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if line.starts_with("listening: ") {
                    let _ = tx.send(line.clone());
                }
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no `listening:` line; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        let port = |what: &str| -> u16 {
            line.split(", ")
                .find_map(|p| {
                    p.strip_prefix("listening: ")
                        .unwrap_or(p)
                        .strip_prefix(what)
                })
                .and_then(|a| a.rsplit(':').next())
                .map_or(0, |p| p.parse().unwrap())
        };
        Listen {
            grpc: port("OTLP/gRPC on "),
            http: port("OTLP/HTTP on "),
            child,
            stdout,
            stderr,
        }
    }

    /// Sends SIGTERM and waits for the end.
    pub fn stop(self) -> Ran {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        self.wait()
    }

    /// Waits (at most 60 s) for the receiver to end by itself.
    pub fn wait(mut self) -> Ran {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "the receiver did not end; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = self.stdout.join().unwrap();
        // The stderr thread ends with the pipe.
        std::thread::sleep(Duration::from_millis(50));
        let stderr = self.stderr.lock().unwrap().clone();
        Ran {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        }
    }
}

/// One HTTP/1.1 request on its own connection: (status, headers, body).
pub fn post(
    port: u16,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    request(port, "POST", path, headers, body)
}

pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // A server may answer (413) and close before the whole body is sent.
    let _ = s.write_all(body);
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let split = got
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response");
    let head = String::from_utf8_lossy(&got[..split]).to_string();
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = got[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = unchunk(&body);
    }
    (status, head, body)
}

fn unchunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

const JSON: (&str, &str) = ("Content-Type", "application/json");
const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");

/// The OTLP/JSON file `path` as an export request.
pub fn request_of(path: &str) -> ExportTraceServiceRequest {
    cspot::receive::json_request(&std::fs::read(root(path)).unwrap()).unwrap()
}

fn protobuf(path: &str) -> Vec<u8> {
    prost::Message::encode_to_vec(&request_of(path))
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).unwrap();
    e.finish().unwrap()
}

/// The results of a JSON report, without what differs between two commands reading the
/// same traces (the command, inputs and version), and without Φ's transition counts: they
/// depend on which traces the same verifier checked before (its memo of model terms), so
/// they differ between `traces verify --jobs 1` and `--jobs 2` already.
pub fn results(report: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(report).unwrap_or_else(|e| panic!("{e}: {report}"));
    let mut r = v["results"].as_array().unwrap().clone();
    for x in &mut r {
        if let Some(s) = x.get_mut("stats").and_then(|s| s.as_object_mut()) {
            s.remove("transitions");
        }
    }
    r
}

/// The results `traces verify` (with `model`) or `traces check` gives on `saved`.
pub fn offline(saved: &str, model: Option<&str>) -> Vec<Value> {
    let mut args = vec![];
    match model {
        Some(m) => args.extend(["traces", "verify", saved, "--model", m]),
        None => args.extend(["traces", "check", saved]),
    }
    args.extend(["--format", "json", "--no-timings"]);
    let (_, out, err) = cspot(&args);
    assert!(!out.is_empty(), "{err}");
    results(&out)
}

fn verdicts(results: &[Value]) -> Vec<(String, String)> {
    results
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The arguments of a run that verifies against `model`, saves to `saved`, completes traces
/// after 100 ms and writes a JSON report; then `extra`.
fn verify_args<'a>(model: &'a str, saved: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "--model",
        model,
        "--save",
        saved,
        "--trace-idle",
        "100ms",
        "--format",
        "json",
        "--no-timings",
    ];
    args.extend(extra);
    args
}

#[test]
fn http_json_protobuf_and_gzip_give_the_report_verify_gives_on_the_saved_dump() {
    let dir = Scratch::new("http");
    let saved = dir.path("saved.jsonl");
    let model = root("models/phi/checkout.toml");
    let l = Listen::start(&verify_args(&model, &saved, &["--grpc", "off"]));
    assert_eq!(l.grpc, 0);
    let ok = "fixtures/phi/checkout/captured-ok-mixed.json";
    let bad = "fixtures/phi/checkout/captured-bad-no-validate.json";
    let retried = "fixtures/phi/checkout/captured-ok-retried.json";
    let json = std::fs::read(root(ok)).unwrap();
    let (code, _, body) = post(l.http, "/v1/traces", &[JSON], &json);
    assert_eq!((code, body.as_slice()), (200, b"{}".as_slice()));
    let (code, head, _) = post(l.http, "/v1/traces", &[PROTOBUF], &protobuf(bad));
    assert_eq!(code, 200);
    assert!(head.contains("application/x-protobuf"), "{head}");
    let gz = gzip(&protobuf(retried));
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[PROTOBUF, ("Content-Encoding", "gzip")],
        &gz,
    );
    assert_eq!(code, 200);
    let ran = l.stop();
    assert_eq!(
        ran.code, 1,
        "one trace is violated; stderr:\n{}",
        ran.stderr
    );
    let live = results(&ran.stdout);
    let again = offline(&saved, Some(&model));
    assert_eq!(
        live, again,
        "the live report equals traces verify on the saved dump"
    );
    let v = verdicts(&live);
    assert_eq!(v.iter().filter(|x| x.1 == "violated").count(), 1);
    assert!(
        v.iter()
            .any(|x| x.0 == "f971f07da486ca6e40dfbd14a541f61b" && x.1 == "violated")
    );
    // 20 traces of the mixed capture, 1 bad, 1 retried, then round trip and injectivity.
    let traces = v.iter().filter(|x| x.0.len() == 32).count();
    let expected = offline(ok, Some(&model)).len() - 2 + 1 + 1;
    assert_eq!(traces, expected);
    assert!(ran.stderr.contains("ended: SIGTERM"), "{}", ran.stderr);
}

#[test]
fn without_a_model_each_trace_gets_the_rules_as_traces_check_gives_them() {
    let dir = Scratch::new("rules");
    let saved = dir.path("saved.jsonl");
    let l = Listen::start(&[
        "--save",
        &saved,
        "--trace-idle",
        "50ms",
        "--until-idle",
        "1500ms",
        "--format",
        "json",
        "--no-timings",
    ]);
    for f in [
        "fixtures/otlp/good-otlp.json",
        "fixtures/otlp/child-ends-after-parent.json",
        "fixtures/otlp/cycle.json",
    ] {
        let (code, _, _) = post(
            l.http,
            "/v1/traces",
            &[JSON],
            &std::fs::read(root(f)).unwrap(),
        );
        assert_eq!(code, 200, "{f}");
    }
    let ran = l.wait();
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let live = results(&ran.stdout);
    assert_eq!(live, offline(&saved, None));
    assert!(live.iter().any(|r| r["verdict"] == "violated"));
    assert!(live.iter().any(|r| r["verdict"] == "holds"));
    assert!(
        ran.stderr.contains("ended: no request for --until-idle"),
        "{}",
        ran.stderr
    );
}

#[test]
fn malformed_requests_are_answered_and_reported_and_the_good_ones_around_them_kept() {
    let model = root("models/phi/checkout.toml");
    let l = Listen::start(&[
        "--model",
        &model,
        "--trace-idle",
        "50ms",
        "--max-request",
        "64K",
        "--format",
        "json",
        "--no-timings",
    ]);
    let good = |f: &str| {
        let (code, _, _) = post(l.http, "/v1/traces", &[PROTOBUF], &protobuf(f));
        assert_eq!(code, 200, "{f}");
    };
    good("fixtures/phi/checkout/captured-ok-first-try.json");
    // Wrong content type: 415, reported.
    let (code, _, body) = post(
        l.http,
        "/v1/traces",
        &[("Content-Type", "text/plain")],
        b"hello",
    );
    assert_eq!(code, 415);
    assert!(String::from_utf8_lossy(&body).contains("content type text/plain"));
    // Not protobuf: 400 with a google.rpc.Status.
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[PROTOBUF],
        b"\x0a\xff\xff\xff\xff\x0f garbage",
    );
    assert_eq!(code, 400);
    good("fixtures/phi/checkout/captured-ok-declined.json");
    // Not OTLP/JSON: 400, JSON status.
    let (code, _, body) = post(l.http, "/v1/traces", &[JSON], b"{\"resourceSpans\": [1, 2");
    assert_eq!(code, 400);
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status["code"], 3);
    // Over --max-request: 413, plain and once decompressed.
    let big = vec![b' '; 100 * 1024];
    let (code, _, _) = post(l.http, "/v1/traces", &[JSON], &big);
    assert_eq!(code, 413);
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[JSON, ("Content-Encoding", "gzip")],
        &gzip(&big),
    );
    assert_eq!(code, 413);
    // A body that says gzip and is not.
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[JSON, ("Content-Encoding", "gzip")],
        b"{}",
    );
    assert_eq!(code, 400);
    // An encoding it does not take.
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[JSON, ("Content-Encoding", "br")],
        b"{}",
    );
    assert_eq!(code, 415);
    // Other signals and methods.
    let (code, _, _) = post(l.http, "/v1/metrics", &[PROTOBUF], b"");
    assert_eq!(code, 404);
    let (code, head, _) = request(l.http, "GET", "/v1/traces", &[], b"");
    assert_eq!(code, 405);
    assert!(
        head.contains("allow: POST") || head.contains("Allow: POST"),
        "{head}"
    );
    // A client that goes away mid-body.
    {
        let mut s = TcpStream::connect(("127.0.0.1", l.http)).unwrap();
        s.write_all(
            b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"resourceSpans\":",
        )
        .unwrap();
    }
    // Over gRPC: a message that is not an ExportTraceServiceRequest, and one past the bound.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let codes = rt.block_on(async {
        let garbage = grpc_raw(l.grpc, b"\x0a\xff\xff\xff\xff\x0f garbage".to_vec()).await;
        let big = grpc_raw(l.grpc, vec![0x12; 100 * 1024]).await;
        (garbage, big)
    });
    assert_eq!(
        codes,
        (tonic::Code::InvalidArgument, tonic::Code::InvalidArgument)
    );
    good("fixtures/phi/checkout/captured-ok-retried.json");
    let expected: usize = ["first-try", "declined", "retried"]
        .iter()
        .map(|f| {
            offline(
                &root(&format!("fixtures/phi/checkout/captured-ok-{f}.json")),
                Some(&model),
            )
            .len()
                - 2
        })
        .sum();
    let ran = l.stop();
    assert_eq!(
        ran.code, 2,
        "malformed requests are errors; stderr:\n{}",
        ran.stderr
    );
    let live = results(&ran.stdout);
    let errors: Vec<&Value> = live.iter().filter(|r| r["verdict"] == "error").collect();
    // 415, 400 protobuf, 400 JSON, 413 twice, 400 gzip, 415 encoding, gRPC twice.
    assert_eq!(errors.len(), 9, "{errors:#?}");
    let traces: Vec<&Value> = live
        .iter()
        .filter(|r| r["kind"] == "trace.conformance" && r["id"].as_str().unwrap().len() == 32)
        .collect();
    assert_eq!(
        traces.len(),
        expected,
        "every well-formed request's trace is checked"
    );
    assert!(traces.iter().all(|r| r["verdict"] == "holds"));
    assert!(ran.stderr.contains("1 cut off"), "{}", ran.stderr);
}

/// Sends `body` as the message of `TraceService/Export`, as a gRPC client would, and gives
/// the status code of the answer.
async fn grpc_raw(port: u16, body: Vec<u8>) -> tonic::Code {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    let got: Result<tonic::Response<bytes::Bytes>, tonic::Status> = grpc
        .unary(
            tonic::Request::new(bytes::Bytes::from(body)),
            path,
            RawCodec,
        )
        .await;
    match got {
        Ok(_) => tonic::Code::Ok,
        Err(s) => s.code(),
    }
}

/// A codec that sends and receives bytes as they are.
#[derive(Clone, Copy)]
struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = bytes::Bytes;
    type Decode = bytes::Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }
    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = bytes::Bytes;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: bytes::Bytes,
        buf: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        bytes::BufMut::put_slice(buf, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = bytes::Bytes;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        buf: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<bytes::Bytes>, tonic::Status> {
        let n = bytes::Buf::remaining(buf);
        Ok(Some(bytes::Buf::copy_to_bytes(buf, n)))
    }
}

#[test]
fn grpc_export_from_a_tonic_client_ends_on_count() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    let dir = Scratch::new("grpc");
    let saved = dir.path("saved.jsonl");
    let model = root("models/phi/pipeline.toml");
    let fixture = "fixtures/phi/pipeline/captured-ok-batches.json";
    let expected = offline(fixture, Some(&model)).len() - 2;
    let count = expected.to_string();
    let l = Listen::start(&[
        "--model",
        &model,
        "--save",
        &saved,
        "--trace-idle",
        "50ms",
        "--count",
        &count,
        "--format",
        "json",
        "--no-timings",
        "--http",
        "off",
    ]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let partial = rt.block_on(async {
        let mut c = TraceServiceClient::connect(format!("http://127.0.0.1:{}", l.grpc))
            .await
            .unwrap();
        // One request per resource: spans of a trace arrive over several requests.
        let req = request_of(fixture);
        let mut partial = Vec::new();
        for rs in req.resource_spans {
            let got = c
                .export(ExportTraceServiceRequest {
                    resource_spans: vec![rs],
                })
                .await
                .unwrap();
            partial.push(got.into_inner().partial_success);
        }
        partial
    });
    assert!(partial.iter().all(Option::is_none));
    let ran = l.wait();
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("ended: --count traces checked"),
        "{}",
        ran.stderr
    );
    let live = results(&ran.stdout);
    assert_eq!(live, offline(&saved, Some(&model)));
    assert_eq!(live.len(), expected + 2);
}

#[test]
fn spans_with_invalid_ids_are_a_partial_success_and_an_error() {
    let l = Listen::start(&["--trace-idle", "50ms", "--format", "json", "--no-timings"]);
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(root("fixtures/otlp/good-otlp.json")).unwrap())
            .unwrap();
    let spans = &mut doc["resourceSpans"][0]["scopeSpans"][0]["spans"];
    let n = spans.as_array().unwrap().len();
    spans[0]["traceId"] = Value::String("abcd".into());
    let (code, _, body) = post(l.http, "/v1/traces", &[JSON], doc.to_string().as_bytes());
    assert_eq!(code, 200);
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["partialSuccess"]["rejectedSpans"], "1");
    assert!(
        answer["partialSuccess"]["errorMessage"]
            .as_str()
            .unwrap()
            .contains("trace id has 2 bytes")
    );
    let ran = l.stop();
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains(&format!("received {} spans", n - 1)),
        "{}",
        ran.stderr
    );
    assert!(ran.stderr.contains("1 spans rejected"), "{}", ran.stderr);
}

#[test]
fn past_the_buffer_caps_the_oldest_trace_is_checked_as_it_stands_and_marked_incomplete() {
    let mut whole = request_of("fixtures/otlp/good-otlp.json");
    // The same spans under two trace ids: the first arrives without its root.
    let mut first = whole.clone();
    let retag = |r: &mut ExportTraceServiceRequest, id: u8, keep_root: bool| -> usize {
        let mut n = 0;
        for rs in &mut r.resource_spans {
            for ss in &mut rs.scope_spans {
                ss.spans
                    .retain(|s| keep_root || !s.parent_span_id.is_empty());
                for s in &mut ss.spans {
                    s.trace_id = vec![id; 16];
                    n += 1;
                }
            }
        }
        n
    };
    let n_first = retag(&mut first, 0xaa, false);
    let n_whole = retag(&mut whole, 0xbb, true);
    assert!(n_first >= 1);
    // Room for the second trace, not for both: the first goes when the second comes.
    let cap = n_whole.to_string();
    let l = Listen::start(&[
        "--max-spans",
        &cap,
        "--trace-idle",
        "10s",
        "--format",
        "json",
        "--no-timings",
    ]);
    for r in [&first, &whole] {
        let body = prost::Message::encode_to_vec(r);
        let (code, _, _) = post(l.http, "/v1/traces", &[PROTOBUF], &body);
        assert_eq!(code, 200);
    }
    let ran = l.stop();
    let live = results(&ran.stdout);
    let of = |id: &str| {
        live.iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id}: {live:#?}"))
    };
    let evicted = of(&"aa".repeat(16));
    let findings = evicted["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["rule"] == "receive.incomplete"
            && f["message"].as_str().unwrap().contains("buffer was full")),
        "{evicted:#}"
    );
    assert_ne!(
        evicted["verdict"], "holds",
        "an incomplete trace is never green"
    );
    // The second trace stayed, and was checked whole at the end.
    let kept = of(&"bb".repeat(16));
    assert_eq!(kept["verdict"], "holds", "{kept:#}");
    assert!(
        ran.stderr.contains("2 traces checked (1 incomplete)"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_trace_whose_root_never_came_is_inconclusive_at_the_end() {
    let l = Listen::start(&["--format", "json", "--no-timings"]);
    let mut req = request_of("fixtures/otlp/good-otlp.json");
    for rs in &mut req.resource_spans {
        for ss in &mut rs.scope_spans {
            ss.spans.retain(|s| !s.parent_span_id.is_empty());
        }
    }
    let (code, _, _) = post(
        l.http,
        "/v1/traces",
        &[PROTOBUF],
        &prost::Message::encode_to_vec(&req),
    );
    assert_eq!(code, 200);
    let ran = l.stop();
    let live = results(&ran.stdout);
    let t = live
        .iter()
        .find(|r| r["kind"] == "trace.structure")
        .unwrap();
    assert!(
        t["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "receive.incomplete"
                && f["message"].as_str().unwrap().contains("root span"))
    );
    assert_ne!(t["verdict"], "holds");
}

#[test]
fn nothing_received_is_an_error_unless_allowed() {
    let ran = Listen::start(&["--until-idle", "200ms"]).wait();
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("no span was received"),
        "{}",
        ran.stdout
    );
    let ran = Listen::start(&["--until-idle", "200ms", "--allow-empty"]).wait();
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
}

#[test]
fn the_wrapped_command_gets_the_endpoint_and_its_exit_code_counts() {
    let ran = Listen::start(&[
        "--allow-empty", "--", "sh", "-c", "echo \"endpoint=$OTEL_EXPORTER_OTLP_ENDPOINT protocol=$OTEL_EXPORTER_OTLP_PROTOCOL\"; exit 7",
    ])
    .wait();
    assert_eq!(
        ran.code, 7,
        "the command's failure is worse than holding: {}",
        ran.stderr
    );
    // The command's output goes to stderr: stdout is the report alone.
    assert!(!ran.stdout.contains("endpoint="), "{}", ran.stdout);
    assert!(
        ran.stderr.contains("endpoint=http://127.0.0.1:"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("protocol=http/protobuf"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stdout.contains("ended: the command exited with 7"),
        "{}",
        ran.stdout
    );
    // gRPC when our own environment asks for it.
    let ran = Listen::start_env(
        &[
            "--allow-empty",
            "--",
            "sh",
            "-c",
            "echo \"endpoint=$OTEL_EXPORTER_OTLP_ENDPOINT protocol=$OTEL_EXPORTER_OTLP_PROTOCOL\"",
        ],
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")],
    )
    .wait();
    assert_eq!(ran.code, 0);
    assert!(ran.stderr.contains("protocol=grpc"), "{}", ran.stderr);
    // An error of cspot's (nothing received) is worse than the command's failure.
    let ran = Listen::start(&["--", "sh", "-c", "exit 7"]).wait();
    assert_eq!(ran.code, 2);
    // A command that cannot start is an error naming it.
    let ran = Listen::start_env(&["--", "/nonexistent/command"], &[]);
    let ran = ran.wait();
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("cannot start `/nonexistent/command`"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_busy_address_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (code, _, err) = cspot(&[
        "traces",
        "listen",
        "--grpc",
        &addr,
        "--http",
        "off",
        "--until-idle",
        "1s",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains(&format!("cannot listen on {addr} (OTLP/gRPC)")),
        "{err}"
    );
    let (code, _, err) = cspot(&["traces", "listen", "--grpc", "off", "--http", "off"]);
    assert_eq!(code, 2);
    assert!(err.contains("neither OTLP/gRPC nor OTLP/HTTP"), "{err}");
}

/// An example program `cargo test` built beside the binary.
fn example(name: &str) -> String {
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_cspot"));
    let p = bin.parent().unwrap().join("examples").join(name);
    assert!(
        p.exists(),
        "{} is missing: `cargo test` builds the examples",
        p.display()
    );
    p.display().to_string()
}

/// Verdicts by trace id (conformance results only).
fn trace_verdicts(results: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = verdicts(results)
        .into_iter()
        .filter(|(id, _)| id.len() == 32)
        .collect();
    v.sort();
    v
}

#[test]
fn the_real_otlp_exporter_over_grpc_and_http_sends_each_phi_system_and_the_report_equals_verify() {
    let replay = example("otlp_replay");
    let systems = [
        (
            "checkout",
            ["captured-ok-mixed.json", "captured-bad-no-validate.json"],
        ),
        (
            "pipeline",
            ["captured-ok-30.json", "captured-bad-lost-context.json"],
        ),
        (
            "queue",
            [
                "captured-ok-orders.json",
                "captured-bad-processed-twice.json",
            ],
        ),
    ];
    for (system, files) in systems {
        let model = root(&format!("models/phi/{system}.toml"));
        let fixtures: Vec<String> = files
            .iter()
            .map(|f| root(&format!("fixtures/phi/{system}/{f}")))
            .collect();
        // What the captures give offline, read from the original files.
        let mut args = vec!["traces", "verify"];
        args.extend(fixtures.iter().map(String::as_str));
        args.extend(["--model", &model, "--format", "json", "--no-timings"]);
        let original = trace_verdicts(&results(&cspot(&args).1));
        assert!(original.iter().any(|v| v.1 == "violated"), "{system}");
        for protocol in ["grpc", "http/protobuf"] {
            let dir = Scratch::new(&format!("exporter-{system}-{}", protocol.replace('/', "-")));
            let saved = dir.path("saved.jsonl");
            let l = Listen::start(&verify_args(&model, &saved, &[]));
            let endpoint = match protocol {
                "grpc" => format!("http://127.0.0.1:{}", l.grpc),
                _ => format!("http://127.0.0.1:{}", l.http),
            };
            for f in &fixtures {
                let out = Command::new(&replay)
                    .args([f.as_str(), "--protocol", protocol, "--endpoint", &endpoint])
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{system} {protocol} {f}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let ran = l.stop();
            assert_eq!(ran.code, 1, "{system} {protocol}: {}", ran.stderr);
            let live = results(&ran.stdout);
            assert_eq!(
                live,
                offline(&saved, Some(&model)),
                "{system} over {protocol}: the live report equals traces verify on the saved dump"
            );
            assert_eq!(
                trace_verdicts(&live),
                original,
                "{system} over {protocol}: the verdicts of the original captures"
            );
        }
    }
}

#[test]
fn a_wrapped_instrumented_program_is_verified_end_to_end() {
    let shop = example("checkout_shop");
    let model = root("models/phi/checkout.toml");
    let ran = Listen::start(&[
        "--model",
        &model,
        "--format",
        "json",
        "--no-timings",
        "--",
        &shop,
        "--orders",
        "6",
    ])
    .wait();
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let live = results(&ran.stdout);
    let v = trace_verdicts(&live);
    assert_eq!(v.len(), 6, "{v:?}");
    assert!(v.iter().all(|x| x.1 == "holds"), "{v:?}");
    assert!(
        ran.stderr.contains("ended: the command exited with 0"),
        "{}",
        ran.stderr
    );
    // Over gRPC, with one order that skips validation: the command succeeds, the
    // verification does not, and the run exits with the worse.
    let ran = Listen::start_env(
        &[
            "--model",
            &model,
            "--format",
            "json",
            "--no-timings",
            "--",
            &shop,
            "--orders",
            "4",
            "--bad",
        ],
        &[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")],
    )
    .wait();
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let live = results(&ran.stdout);
    let v = trace_verdicts(&live);
    assert_eq!(v.len(), 4);
    assert_eq!(v.iter().filter(|x| x.1 == "violated").count(), 1, "{v:?}");
}

#[test]
fn reports_do_not_depend_on_jobs_and_saving_changes_only_positions() {
    let model = root("models/phi/checkout.toml");
    let dir = Scratch::new("jobs");
    let saved = dir.path("saved.jsonl");
    let fixtures = [
        "fixtures/phi/checkout/captured-ok-mixed.json",
        "fixtures/phi/checkout/captured-bad-charge-after-confirm.json",
        "fixtures/phi/checkout/captured-bad-retry-4.json",
    ];
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--model",
            model.as_str(),
            "--trace-idle",
            "50ms",
            "--format",
            "json",
            "--no-timings",
        ];
        args.extend(extra);
        let l = Listen::start(&args);
        for f in fixtures {
            let (code, _, _) = post(l.http, "/v1/traces", &[PROTOBUF], &protobuf(f));
            assert_eq!(code, 200);
        }
        let ran = l.stop();
        assert_eq!(ran.code, 1, "{}", ran.stderr);
        results(&ran.stdout)
    };
    let one = run(&["--jobs", "1", "--save", &saved]);
    let three = run(&["--jobs", "3", "--save", &saved]);
    assert_eq!(one, three);
    // Without --save the protobuf bytes are checked as received: the same results, with no
    // line to point at.
    let unsaved = run(&["--jobs", "2"]);
    let strip = |r: &[Value]| -> Vec<(String, String, Vec<String>)> {
        r.iter()
            .map(|x| {
                let rules = x["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| format!("{} {}", f["rule"], f["message"]))
                    .collect();
                (x["id"].to_string(), x["verdict"].to_string(), rules)
            })
            .collect()
    };
    assert_eq!(strip(&one), strip(&unsaved));
    assert!(unsaved.iter().all(|r| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["location"].is_null() || f["location"]["line"].is_null())
    }));
}

#[test]
fn a_grpc_client_that_disconnects_mid_stream_loses_nothing_else() {
    use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
    let model = root("models/phi/checkout.toml");
    let l = Listen::start(&[
        "--model",
        &model,
        "--trace-idle",
        "50ms",
        "--format",
        "json",
        "--no-timings",
        "--http",
        "off",
    ]);
    // An HTTP/2 connection that sends the preface, a SETTINGS frame and half a HEADERS frame,
    // then goes away.
    {
        let mut s = TcpStream::connect(("127.0.0.1", l.grpc)).unwrap();
        s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
        s.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).unwrap();
        s.write_all(&[0, 0, 40, 1, 4, 0, 0, 0, 1, 0x82, 0x86])
            .unwrap();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = TraceServiceClient::connect(format!("http://127.0.0.1:{}", l.grpc))
            .await
            .unwrap();
        c.export(request_of(
            "fixtures/phi/checkout/captured-ok-declined.json",
        ))
        .await
        .unwrap();
    });
    // The client's connection goes with its runtime (an idle connection would hold the
    // graceful shutdown for its grace period).
    drop(rt);
    let ran = l.stop();
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let expected = offline(
        &root("fixtures/phi/checkout/captured-ok-declined.json"),
        Some(&model),
    );
    assert_eq!(
        trace_verdicts(&results(&ran.stdout)),
        trace_verdicts(&expected)
    );
}
