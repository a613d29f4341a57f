//! `cspot traces listen`: an OTLP endpoint that checks traces as they complete, for the
//! length of a test run, and ends with one report.

use super::Outcome;
use super::common::CheckOpts;
use crate::receive::assemble::Caps;
use crate::receive::check::Checking;
use crate::receive::{self, Ended, Options};
use crate::report::{self, exit};
use crate::run::verify::ModelSource;
use clap::Args;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Args, Debug)]
#[command(after_long_help = "\
Examples:
  cspot traces listen --model models/phi/checkout.toml -- cargo test
  cspot traces listen --until-idle 30s --save run.jsonl --junit junit.xml
  cspot traces listen --grpc off --http 0.0.0.0:4318 --count 100

The wrapped command gets OTEL_EXPORTER_OTLP_ENDPOINT (and the _TRACES_ variant) pointing at
this receiver, and OTEL_EXPORTER_OTLP_PROTOCOL: grpc when cspot's own environment asks for
grpc, http/protobuf otherwise. Exit code: the worse of the verification's (0 holds, 4 nothing
received, 3 inconclusive, 1 violated, 2 error) and the command's (a failing command counts as
worse than a violation, better than an error of cspot's).")]
pub struct ListenArgs {
    /// Check each trace against this Φ model file (conformance and call structure, as
    /// `traces verify` does). Without it, each trace gets `traces check`'s rules.
    #[arg(long, short = 'm', value_name = "M.toml")]
    pub model: Option<String>,
    /// Address of the OTLP/gRPC server (TraceService/Export), or `off`. Port 0 picks a free
    /// port; the address taken is printed on stderr.
    #[arg(long, value_name = "ADDR", default_value = receive::DEFAULT_GRPC, value_parser = parse_addr)]
    pub grpc: Addr,
    /// Address of the OTLP/HTTP server (POST /v1/traces, protobuf or JSON, plain or gzip),
    /// or `off`.
    #[arg(long, value_name = "ADDR", default_value = receive::DEFAULT_HTTP, value_parser = parse_addr)]
    pub http: Addr,
    /// Write every trace received to FILE as OTLP/JSON Lines (one line per trace, in the
    /// order they were checked), which `traces check` and `traces verify` read again; the
    /// report's positions are lines of it.
    #[arg(long, value_name = "FILE")]
    pub save: Option<String>,
    /// A trace is complete when its root span has arrived and no span of it for this long.
    #[arg(long, value_name = "DURATION", default_value = "5", value_parser = super::units::parse_duration)]
    pub trace_idle: Duration,
    /// End when no request has come for this long.
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_positive_duration)]
    pub until_idle: Option<Duration>,
    /// End once this many traces have been checked (traces still buffered are checked too).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// The most spans buffered in incomplete traces; past it the oldest incomplete trace is
    /// checked as it stands and marked incomplete (never dropped). The same number of spans
    /// waiting for the checker makes the receiver answer "retry later" (HTTP 429 with
    /// Retry-After, gRPC UNAVAILABLE with RetryInfo).
    #[arg(long, value_name = "N", default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_spans: u64,
    /// The most incomplete traces buffered; past it the oldest is checked as it stands.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_traces: u64,
    /// The largest request taken, once decompressed (bytes, or with K, M, G: 20M); a larger
    /// one is answered 413 (HTTP) or INVALID_ARGUMENT (gRPC) and reported.
    #[arg(long, value_name = "SIZE", default_value = "20M", value_parser = super::units::parse_size)]
    pub max_request: u64,
    /// Rules to run without --model (as `traces check --rules`); default all.
    #[arg(long, value_name = "RULES", allow_hyphen_values = true)]
    pub rules: Option<String>,
    /// Tolerance of the timing rules (as `traces check --clock-skew`).
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_duration, default_value = "0")]
    pub clock_skew: Duration,
    /// With --model: search every interleaving of concurrent spans (for comparison).
    #[arg(long)]
    pub no_reduction: bool,
    /// Receiving no span at all is not an error (without it, it is: exit 2).
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub opts: CheckOpts,
    /// A command to run (after `--`) with its OTLP exporter pointed here; the run ends when
    /// it exits. Its standard output goes to standard error (stdout is the report's).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

/// A listening address, or none.
#[derive(Clone, Copy, Debug)]
pub struct Addr(Option<SocketAddr>);

fn parse_addr(s: &str) -> Result<Addr, String> {
    if s == "off" {
        return Ok(Addr(None));
    }
    // `:4317` and a bare port listen on the loopback.
    let spelled = if let Some(port) = s.strip_prefix(':') {
        format!("127.0.0.1:{port}")
    } else if s.parse::<u16>().is_ok() {
        format!("127.0.0.1:{s}")
    } else {
        s.to_string()
    };
    use std::net::ToSocketAddrs;
    spelled
        .to_socket_addrs()
        .map_err(|e| format!("`{s}` is not an address (HOST:PORT, :PORT or off): {e}"))?
        .next()
        .map(|a| Addr(Some(a)))
        .ok_or_else(|| format!("`{s}` names no address"))
}

pub fn run(a: ListenArgs) -> anyhow::Result<Outcome> {
    let limits = a.opts.limits();
    let checking = match &a.model {
        Some(m) => {
            if a.rules.is_some() {
                anyhow::bail!(
                    "--rules chooses `traces check`'s rules, which run without --model; with a \
                     model each trace is checked by Φ (leave out one of them)"
                );
            }
            let src = ModelSource::read(m).map_err(anyhow::Error::msg)?;
            Checking::Model {
                src: Box::new(src),
                options: crate::run::verify::Options {
                    reduction: !a.no_reduction,
                    limits,
                    ..Default::default()
                },
            }
        }
        None => {
            let rules = super::traces::rules_of(a.rules.as_deref(), a.clock_skew)?
                .ok_or_else(|| anyhow::anyhow!("--rules list: see `cspot traces rules`"))?;
            Checking::Rules(crate::run::traces::Options {
                rules,
                timeout: a.opts.timeout,
                ..Default::default()
            })
        }
    };
    let options = Options {
        grpc: a.grpc.0,
        http: a.http.0,
        checking,
        save: a.save.as_ref().map(Into::into),
        caps: Caps {
            max_spans: usize::try_from(a.max_spans).unwrap_or(usize::MAX),
            max_traces: usize::try_from(a.max_traces).unwrap_or(usize::MAX),
            trace_idle: a.trace_idle,
        },
        max_request: usize::try_from(a.max_request).unwrap_or(usize::MAX),
        until_idle: a.until_idle,
        count: a.count.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        command: a.command.clone(),
        allow_empty: a.allow_empty,
        jobs: a.opts.limits().jobs,
        status_every: (!a.opts.quiet)
            .then_some(a.opts.progress_interval.max(Duration::from_secs(1))),
    };
    let mut observer = super::common::Shown::new(&a.opts);
    let got = receive::run(options, &mut observer).map_err(anyhow::Error::new)?;
    let s = &got.stats;
    let format = a.opts.format();
    let render = a.opts.render();
    let ended = match &got.ended {
        Ended::Idle => "no request for --until-idle".to_string(),
        Ended::Count => "--count traces checked".to_string(),
        Ended::Signal(sig) => sig.to_string(),
        Ended::Command(Some(c)) => format!("the command exited with {c}"),
        Ended::Command(None) => "the command ended; its exit status is unknown".to_string(),
    };
    let summary = format!(
        "received {} spans in {} requests ({} spans rejected, {} requests malformed, {} answered \
         retry-later, {} cut off); {} traces checked ({} incomplete){}; ended: {ended}\n",
        s.spans,
        s.requests,
        s.rejected_spans,
        s.malformed,
        s.busy,
        s.aborted,
        s.traces,
        s.incomplete,
        if render.timings {
            format!(" in {:.3}s", s.seconds)
        } else {
            String::new()
        },
    );
    let trailer = if format == report::Format::Human {
        summary
    } else {
        diag!("{summary}");
        String::new()
    };
    let outcome = Outcome::Report {
        report: got.report,
        format,
        render,
        files: a.opts.outputs.clone(),
        trailer,
    };
    Ok(match got.ended {
        Ended::Command(code) => Outcome::WithCommand {
            outcome: Box::new(outcome),
            command: code.unwrap_or(exit::ERROR),
        },
        _ => outcome,
    })
}

/// The worse of the verification's exit code and the wrapped command's: holds (0) < nothing
/// checked (4) < inconclusive (3) < violated (1) < the command failed < error (2).
pub fn worse(ours: i32, command: i32) -> i32 {
    let rank = |c: i32| match c {
        exit::HOLDS => 0,
        exit::NOTHING_CHECKED => 1,
        exit::INCONCLUSIVE => 2,
        exit::VIOLATED => 3,
        exit::ERROR => 5,
        _ => 4,
    };
    if command != 0 && rank(command) >= rank(ours) && ours != exit::ERROR {
        command
    } else {
        ours
    }
}
