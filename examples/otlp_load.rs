//! A load generator for `cspot traces listen`: sends the traces of an OTLP/JSON Lines dump
//! (such as `cspot traces synth --jsonl` writes) as fast as the receiver answers, over
//! OTLP/gRPC or OTLP/HTTP protobuf, in requests of about `--batch` spans (an SDK's batch
//! processor sends 512), on `--connections` connections at once. Requests are encoded before
//! the clock starts. An answer "retry later" (HTTP 429 or 503, gRPC UNAVAILABLE) is retried
//! after a second, as an OTLP exporter does. Prints spans, requests, retries, seconds and
//! spans/s; exits 1 when a request was not answered with success. Used by `scripts/listen-bench.sh`; loopback only.
//!
//!   otlp_load DUMP.jsonl (--grpc URL | --http HOST:PORT) [--batch 512] [--connections 2]

use cspot::receive::json_request;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn usage() -> ! {
    eprintln!(
        "usage: otlp_load DUMP.jsonl (--grpc URL | --http HOST:PORT) [--batch N] [--connections N]"
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dump) = args.first() else { usage() };
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let batch: usize = opt("--batch").map_or(512, |v| v.parse().unwrap_or_else(|_| usage()));
    let connections: usize =
        opt("--connections").map_or(2, |v| v.parse().unwrap_or_else(|_| usage()));
    let requests = batches(dump, batch);
    let spans: usize = requests.iter().map(|r| r.1).sum();
    let bodies: Vec<Vec<u8>> = requests
        .iter()
        .map(|r| prost::Message::encode_to_vec(&r.0))
        .collect();
    let n_requests = bodies.len();
    let failed = Arc::new(AtomicUsize::new(0));
    let retried = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    if let Some(url) = opt("--grpc") {
        send_grpc(&url, requests, connections, &failed, &retried);
    } else if let Some(addr) = opt("--http") {
        send_http(&addr, Arc::new(bodies), connections, &failed, &retried);
    } else {
        usage()
    }
    let s = started.elapsed().as_secs_f64();
    let failed = failed.load(Ordering::Relaxed);
    println!(
        "sent {spans} spans in {} requests in {s:.3}s ({:.0} spans/s), {} retried, {failed} failed",
        n_requests,
        spans as f64 / s,
        retried.load(Ordering::Relaxed)
    );
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The dump's exports merged into requests of at least `batch` spans (whole lines each).
fn batches(dump: &str, batch: usize) -> Vec<(ExportTraceServiceRequest, usize)> {
    let f = std::fs::File::open(dump).unwrap_or_else(|e| {
        eprintln!("{dump}: {e}");
        std::process::exit(2)
    });
    let mut out = Vec::new();
    let mut cur = ExportTraceServiceRequest::default();
    let mut n = 0;
    for line in BufReader::new(f).lines() {
        let line = line.unwrap();
        if line.trim().is_empty() {
            continue;
        }
        let req = json_request(line.as_bytes()).unwrap_or_else(|e| {
            eprintln!("{dump}: {e}");
            std::process::exit(2)
        });
        n += req
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum::<usize>();
        cur.resource_spans.extend(req.resource_spans);
        if n >= batch {
            out.push((std::mem::take(&mut cur), n));
            n = 0;
        }
    }
    if n > 0 {
        out.push((cur, n));
    }
    out
}

fn send_grpc(
    url: &str,
    requests: Vec<(ExportTraceServiceRequest, usize)>,
    connections: usize,
    failed: &Arc<AtomicUsize>,
    retried: &Arc<AtomicUsize>,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = TraceServiceClient::connect(url.to_string())
            .await
            .unwrap_or_else(|e| {
                eprintln!("{url}: {e}");
                std::process::exit(2)
            })
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20);
        let queue = Arc::new(std::sync::Mutex::new(requests.into_iter()));
        let mut tasks = Vec::new();
        for _ in 0..connections.max(1) {
            let mut c = client.clone();
            let queue = queue.clone();
            let failed = failed.clone();
            let retried = retried.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let next = queue.lock().unwrap().next();
                    let Some((req, _)) = next else { break };
                    loop {
                        match c.export(req.clone()).await {
                            Ok(_) => break,
                            Err(s) if s.code() == tonic::Code::Unavailable => {
                                retried.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                            }
                            Err(_) => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

fn send_http(
    addr: &str,
    bodies: Arc<Vec<Vec<u8>>>,
    connections: usize,
    failed: &Arc<AtomicUsize>,
    retried: &Arc<AtomicUsize>,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..connections.max(1))
        .map(|_| {
            let (addr, bodies, next, failed, retried) = (
                addr.to_string(),
                bodies.clone(),
                next.clone(),
                failed.clone(),
                retried.clone(),
            );
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(&addr).unwrap_or_else(|e| {
                    eprintln!("{addr}: {e}");
                    std::process::exit(2)
                });
                s.set_nodelay(true).unwrap();
                let mut r = BufReader::new(s.try_clone().unwrap());
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(k) else { break };
                    let head = format!(
                        "POST /v1/traces HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-protobuf\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    loop {
                        s.write_all(head.as_bytes()).unwrap();
                        s.write_all(body).unwrap();
                        match read_response(&mut r) {
                            200 => break,
                            429 | 503 => {
                                retried.fetch_add(1, Ordering::Relaxed);
                                std::thread::sleep(std::time::Duration::from_secs(1));
                            }
                            _ => {
                                failed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Reads one response (status line, headers, a Content-Length body); gives the status.
fn read_response(r: &mut BufReader<TcpStream>) -> u16 {
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    status
}
