//! The servers and the end of a run: binds both transports, hands complete traces to the
//! checker on every tick, and stops on idle, count, signal or the wrapped command's exit,
//! letting requests in flight finish first.

use super::{Ended, ReceiveError, Shared};
use crate::run::Observer;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub struct Plan {
    pub grpc: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
    pub until_idle: Option<Duration>,
    pub count: Option<usize>,
    pub command: Vec<OsString>,
    pub tick: Duration,
    pub status_every: Option<Duration>,
}

pub struct Served {
    pub ended: Ended,
    pub grpc: Option<SocketAddr>,
    pub http: Option<SocketAddr>,
}

/// How long requests in flight get to finish once the run ends.
const GRACE: Duration = Duration::from_secs(5);
/// How long a wrapped command gets to exit after SIGTERM before it is killed.
const COMMAND_GRACE: Duration = Duration::from_secs(10);

async fn bind(addr: Option<SocketAddr>, what: &'static str) -> Result<Option<TcpListener>, ReceiveError> {
    match addr {
        None => Ok(None),
        Some(addr) => TcpListener::bind(addr)
            .await
            .map(Some)
            .map_err(|source| ReceiveError::Bind { addr, what, source }),
    }
}

pub async fn serve(
    shared: Arc<Shared>,
    plan: Plan,
    observer: &mut dyn Observer,
) -> Result<Served, ReceiveError> {
    // The handlers are in place before anyone is told where to send: a SIGTERM right after
    // the `listening:` line must end the run, not kill the process.
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigterm = signal(SignalKind::terminate()).map_err(ReceiveError::Runtime)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(ReceiveError::Runtime)?;
    let grpc = bind(plan.grpc, "OTLP/gRPC").await?;
    let http = bind(plan.http, "OTLP/HTTP").await?;
    let grpc_addr = grpc.as_ref().and_then(|l| l.local_addr().ok());
    let http_addr = http.as_ref().and_then(|l| l.local_addr().ok());
    let mut on = Vec::new();
    if let Some(a) = grpc_addr {
        on.push(format!("OTLP/gRPC on {a}"));
    }
    if let Some(a) = http_addr {
        on.push(format!("OTLP/HTTP on {a}"));
    }
    observer.diagnostic(&format!("listening: {}\n", on.join(", ")));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    if let Some(listener) = grpc {
        let svc = super::grpc::TraceGrpc {
            shared: shared.clone(),
        };
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let incoming = tonic::transport::server::TcpIncoming::from(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(svc)
                .serve_with_incoming_shutdown(incoming, async move {
                    let _ = stop.changed().await;
                })
                .await;
        }));
    }
    if let Some(listener) = http {
        tasks.push(tokio::spawn(http_loop(listener, shared.clone(), stop_rx.clone())));
    }
    let mut child = match plan.command.split_first() {
        None => None,
        Some((program, args)) => {
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(args);
            // The command's output goes to stderr, so that stdout holds the report alone
            // (`--format json | jq` works around `-- cargo test`).
            use std::os::fd::AsFd;
            if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
                cmd.stdout(std::process::Stdio::from(fd));
            }
            for (k, v) in child_env(grpc_addr, http_addr) {
                cmd.env(k, v);
            }
            Some(cmd.spawn().map_err(|source| ReceiveError::Command {
                command: plan
                    .command
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                source,
            })?)
        }
    };
    let mut ticker = tokio::time::interval(plan.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_status = Instant::now();
    let ended = loop {
        tokio::select! {
            _ = ticker.tick() => {
                let done = shared.asm.lock().unwrap_or_else(|e| e.into_inner()).poll(Instant::now());
                shared.send(done);
                say_notes(&shared, observer);
                if let Some(n) = plan.count
                    && shared.progress.traces.load(Ordering::Relaxed) >= n
                {
                    break Ended::Count;
                }
                if let Some(idle) = plan.until_idle {
                    let last = *shared.last_request.lock().unwrap_or_else(|e| e.into_inner());
                    if last.elapsed() >= idle {
                        break Ended::Idle;
                    }
                }
                if let Some(every) = plan.status_every
                    && last_status.elapsed() >= every
                {
                    last_status = Instant::now();
                    observer.diagnostic(&format!("{}\n", status_line(&shared)));
                }
            }
            _ = sigint.recv() => break Ended::Signal("SIGINT"),
            _ = sigterm.recv() => break Ended::Signal("SIGTERM"),
            status = async { child.as_mut().expect("a child").wait().await }, if child.is_some() => {
                child = None;
                break Ended::Command(status.ok().map(exit_code));
            }
        }
    };
    let ended = match (child.take(), ended) {
        // The run ended another way while the command still ran: it is asked to stop, and
        // its exit code still counts.
        (Some(mut c), why) => {
            if let Some(pid) = c.id() {
                // SAFETY: kill(2) on our own child's pid has no memory effects.
                unsafe { libc::kill(pid as i32, libc::SIGTERM) };
            }
            let code = match tokio::time::timeout(COMMAND_GRACE, c.wait()).await {
                Ok(s) => s.ok().map(exit_code),
                Err(_) => {
                    let _ = c.kill().await;
                    None
                }
            };
            // (The child is still there only when the loop ended another way than by it.)
            observer.diagnostic(&format!(
                "note: the command was stopped ({}) because the run ended: {why:?}\n",
                code.map_or("killed".to_string(), |c| format!("exit {c}"))
            ));
            Ended::Command(code)
        }
        (None, why) => why,
    };
    let _ = stop_tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(GRACE + Duration::from_secs(1), t).await;
    }
    // Traces whose last request came in the grace period are complete now.
    let done = shared.asm.lock().unwrap_or_else(|e| e.into_inner()).poll(Instant::now());
    shared.send(done);
    say_notes(&shared, observer);
    Ok(Served {
        ended,
        grpc: grpc_addr,
        http: http_addr,
    })
}

/// A command's exit code as a shell gives it: 128 plus the signal that killed it.
fn exit_code(s: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
}

fn say_notes(shared: &Shared, observer: &mut dyn Observer) {
    let notes = std::mem::take(&mut *shared.notes.lock().unwrap_or_else(|e| e.into_inner()));
    for n in notes {
        observer.diagnostic(&format!("{n}\n"));
    }
}

fn status_line(shared: &Shared) -> String {
    let c = shared.counters.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let (spans, traces) = {
        let a = shared.asm.lock().unwrap_or_else(|e| e.into_inner());
        (a.spans(), a.traces())
    };
    format!(
        "listen: {} requests, {} spans; {} traces checked ({} violated); {} spans in {} traces buffered",
        c.requests,
        c.spans,
        shared.progress.traces.load(Ordering::Relaxed),
        shared.progress.violated.load(Ordering::Relaxed),
        spans,
        traces
    )
}

/// What the wrapped command is told: the endpoint of the transport its exporter speaks
/// (`OTEL_EXPORTER_OTLP_PROTOCOL` as set in our environment, HTTP/protobuf by default, as
/// the specification's default), for every exporter and for the traces one.
pub fn child_env(grpc: Option<SocketAddr>, http: Option<SocketAddr>) -> Vec<(String, String)> {
    let asked = std::env::var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|_| std::env::var("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .unwrap_or_default();
    let wants_grpc = asked.trim() == "grpc";
    let (protocol, addr) = match (wants_grpc, grpc, http) {
        (true, Some(g), _) | (false, Some(g), None) => ("grpc", g),
        (_, _, Some(h)) => ("http/protobuf", h),
        (_, None, None) => return Vec::new(),
    };
    // A wildcard address is reached on the loopback.
    let addr = if addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let base = format!("http://{addr}");
    let traces = if protocol == "grpc" {
        base.clone()
    } else {
        format!("{base}/v1/traces")
    };
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT".into(), base),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT".into(), traces),
        ("OTEL_EXPORTER_OTLP_PROTOCOL".into(), protocol.into()),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL".into(), protocol.into()),
    ]
}

async fn http_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(x) => x,
                    Err(_) => {
                        // Out of descriptors or a connection reset before accept: try again.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                let svc = hyper::service::service_fn(move |req| {
                    super::http::handle(shared.clone(), peer, req)
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = stop.changed() => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE, graceful.shutdown()).await;
}
