//! `cspot traces verify`: captured traces against a Φ model file, one result per trace
//! (kind `trace.conformance`), and the corpus checks (round trip, injectivity, coverage).
//!
//! The model file and its CSPM script are read here; each worker thread loads its own script
//! and keeps its own memo tables, and takes traces from a shared counter, so results come back
//! in trace order whatever `--jobs` is.

use super::Outcome;
use super::common::CheckOpts;
use super::traces::{InputArgs, read_all};
use crate::phi::{Limits, Outcome as PhiOutcome, Verifier, result};
use crate::report::{self, Stats, Verdict};
use crate::run::verify::{ModelSource, Verified, verify_one};
use anyhow::Context as _;
use clap::Args;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Dump files (every format `traces check` reads); `-` reads standard input.
    #[arg(required = true, value_name = "DUMP")]
    pub dumps: Vec<String>,
    /// The Φ model file (TOML): the CSPM file, the system process, the span processes and
    /// the event mapping. See models/phi/ for examples.
    #[arg(long, short = 'm', value_name = "M.toml")]
    pub model: String,
    /// Also report how many of the model's traces up to N events the conforming trees
    /// witness, and the shortest ones none does.
    #[arg(long, value_name = "N")]
    pub coverage_depth: Option<usize>,
    /// Accept a dump that holds no span (an error otherwise).
    #[arg(long)]
    pub allow_empty: bool,
    /// Read ids written in base64 instead of reporting them.
    #[arg(long)]
    pub accept_base64: bool,
    /// Search every interleaving of concurrent spans instead of following one component at a
    /// time where that loses nothing (for comparison; much slower on wide trees).
    #[arg(long)]
    pub no_reduction: bool,
    /// Verify traces as they are read, in memory bounded by the largest trace: the dumps must
    /// be OTLP/JSON Lines (one export per line, as the Collector's file exporter and
    /// `traces synth --jsonl` write) with each trace's lines together. Consecutive lines that
    /// share a trace are read as one group; a trace seen again after its group is an error.
    /// Results are written as they come (human or json); no corpus checks.
    #[arg(long)]
    pub stream: bool,
    #[command(flatten)]
    pub opts: CheckOpts,
}

/// The report of a run whose model file could not be used (see
/// [`model_error_report`](crate::run::verify::model_error_report)); the message on stderr.
fn model_error(a: &VerifyArgs, e: &str) -> Outcome {
    diagln!("error: {e}");
    let report = crate::run::verify::model_error_report(&a.model, &a.dumps, e);
    a.opts.outcome(report, String::new())
}

pub fn run(a: VerifyArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let src = match ModelSource::read(&a.model) {
        Ok(s) => s,
        Err(e) => return Ok(model_error(&a, &e)),
    };
    if a.stream {
        let o = &a.opts.outputs;
        if o.json.is_some() || o.junit.is_some() || o.sarif.is_some() || o.html.is_some() {
            anyhow::bail!(
                "--stream writes each result as it comes and keeps no report, so it cannot \
                 also write --json, --junit, --sarif or --report files: leave out --stream \
                 (or render the streamed JSON later)"
            );
        }
        return run_stream(a, src);
    }
    let mut observer = super::common::Shown::new(&a.opts);
    // Load once on this thread first, so that model errors are reported once.
    let model = match src.load(&mut observer) {
        Ok(m) => m,
        Err(e) => return Ok(model_error(&a, &e)),
    };
    let input = InputArgs {
        dumps: a.dumps.clone(),
        rules: None,
        clock_skew: std::time::Duration::ZERO,
        allow_empty: a.allow_empty,
        accept_base64: a.accept_base64,
        max_message: crate::otlp::DEFAULT_MAX_MESSAGE,
    };
    let deadline = a
        .opts
        .timeout
        .and_then(|t| std::time::Instant::now().checked_add(t));
    let (dump, read_errors) = crate::run::traces::read_within(deadline, || {
        read_all(&input, a.opts.explore().max_memory)
    })?;
    let options = crate::run::verify::Options {
        coverage_depth: a.coverage_depth,
        allow_empty: a.allow_empty,
        accept_base64: a.accept_base64,
        reduction: !a.no_reduction,
        limits: a.opts.limits(),
    };
    let mut report = match crate::run::verify::verify_dump(
        &src,
        model,
        &dump,
        read_errors,
        &options,
        &mut observer,
    ) {
        Ok(r) => r,
        Err(e) => return Ok(model_error(&a, &e)),
    };
    let forest = &dump.forest;
    super::common::record_inputs(&mut report, a.dumps.iter().map(String::as_str));
    let format = a.opts.format();
    let render = a.opts.render();
    let trailer = if format == report::Format::Human {
        format!(
            "{} spans in {} traces, model {} ({} span processes){}\n",
            forest.spans.len(),
            forest.traces.len(),
            a.model,
            src.file.spans.len(),
            if render.timings {
                format!(" in {:.3}s", started.elapsed().as_secs_f64())
            } else {
                String::new()
            }
        )
    } else {
        String::new()
    };
    Ok(Outcome::Report {
        report,
        format,
        render,
        files: a.opts.outputs.clone(),
        trailer,
    })
}

#[derive(Args, Debug)]
pub struct SynthArgs {
    /// The Φ model file whose system is run.
    #[arg(long, short = 'm', value_name = "M.toml")]
    pub model: String,
    /// Number of traces (one random complete run each).
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Seed of the random runs and ids: the same seed gives the same file.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output file (OTLP/JSON); `-` writes to standard output.
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: String,
    /// Hosts per service: spans of one service are spread over this many `host.name`s.
    #[arg(long, default_value_t = 2)]
    pub hosts: u32,
    /// Moves per run before it is drawn again (models that rarely terminate need more).
    #[arg(long, default_value_t = 10_000)]
    pub max_steps: usize,
    /// Write JSON Lines, one document per trace (what `traces verify --stream` reads), instead
    /// of one document holding every trace.
    #[arg(long)]
    pub jsonl: bool,
}

pub fn run_synth(a: SynthArgs) -> anyhow::Result<Outcome> {
    let src = ModelSource::read(&a.model).map_err(anyhow::Error::msg)?;
    let mut model = src
        .load(&mut super::common::Stderr)
        .map_err(anyhow::Error::msg)?;
    let mut v = model.verifier();
    let opts = crate::phi::synth::SynthOptions {
        max_steps: a.max_steps,
        hosts_per_service: a.hosts.max(1),
        ..Default::default()
    };
    let spans = crate::phi::synth::synthesise(&mut v, a.seed, a.count, &opts)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.model))?;
    let text = if a.jsonl {
        // One line per trace, traces in the order they were drawn.
        let mut first: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
        for (k, sp) in spans.iter().enumerate() {
            first.entry(sp.trace).or_insert(k);
        }
        let mut ordered: Vec<&crate::otlp::write::SpanOut> = spans.iter().collect();
        ordered.sort_by_key(|sp| first[&sp.trace]);
        let ordered: Vec<crate::otlp::write::SpanOut> = ordered.into_iter().cloned().collect();
        let mut text = String::new();
        for chunk in ordered.chunk_by(|x, y| x.trace == y.trace) {
            let doc = crate::otlp::write::otlp_json(chunk, "cspot.synth");
            text.push_str(&serde_json::to_string(&doc)?);
            text.push('\n');
        }
        text
    } else {
        let doc = crate::otlp::write::otlp_json(&spans, "cspot.synth");
        serde_json::to_string(&doc)? + "\n"
    };
    if a.output == "-" {
        out!("{text}");
    } else {
        std::fs::write(&a.output, text).with_context(|| format!("cannot write {}", a.output))?;
        diagln!("{}: {} traces, {} spans", a.output, a.count, spans.len());
    }
    Ok(Outcome::Code(report::exit::HOLDS))
}

/// `--stream`: groups of consecutive JSON lines that share traces, verified as they are read.
fn run_stream(a: VerifyArgs, src: ModelSource) -> anyhow::Result<Outcome> {
    use std::io::BufRead as _;
    if a.coverage_depth.is_some() {
        anyhow::bail!("--coverage-depth needs every trace at once; leave out --stream for it");
    }
    let format = a.opts.format();
    if !matches!(format, report::Format::Human | report::Format::Json) {
        anyhow::bail!(
            "--stream writes its results as they come, in human or json format; junit and \
             sarif need the whole report (leave out --stream)"
        );
    }
    let mut model = src
        .load(&mut super::common::Stderr)
        .map_err(anyhow::Error::msg)?;
    let mut v = model.verifier();
    let render = a.opts.render();
    let limits = Limits {
        max_states: a.opts.max_states.unwrap_or(Limits::default().max_states),
        deadline: None,
        reduce: !a.no_reduction,
        max_bytes: a.opts.explore().max_memory,
    };
    let opts = crate::otlp::ReadOptions {
        accept_base64: a.accept_base64,
        ..Default::default()
    };
    let mut stream = Streamer {
        v: &mut v,
        opts,
        limits,
        timeout: a.opts.timeout,
        seen: Default::default(),
        out: StreamOut::new(format, render),
    };
    stream.out.begin(&a.dumps)?;
    let mut errors = 0usize;
    let mut spans = 0usize;
    for name in &a.dumps {
        let label = if name == "-" {
            "<stdin>"
        } else {
            name.as_str()
        };
        let input: Box<dyn std::io::Read> = if name == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(name).with_context(|| format!("cannot open {name}"))?)
        };
        let mut r = std::io::BufReader::with_capacity(1 << 20, input);
        let mut line = Vec::new();
        let mut group: Vec<u8> = Vec::new();
        let mut group_ids: std::collections::HashSet<crate::otlp::TraceId> = Default::default();
        let mut lineno = 0usize;
        let mut file_spans = 0usize;
        let mut single: Option<crate::otlp::Dump> = None;
        loop {
            line.clear();
            let n = r
                .read_until(b'\n', &mut line)
                .with_context(|| format!("cannot read {label}"))?;
            if n == 0 {
                break;
            }
            lineno += 1;
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            if lineno == 1 && line.first() != Some(&b'{') {
                anyhow::bail!(
                    "{label}: --stream reads OTLP/JSON Lines (one export per line); this dump \
                     is another format (leave out --stream)"
                );
            }
            let one = crate::otlp::read(label, &line[..], opts);
            if lineno == 1 && !one.errors.is_empty() && one.forest.spans.is_empty() {
                anyhow::bail!(
                    "{label}: the first line is not a whole OTLP/JSON document: --stream reads \
                     JSON Lines, one export per line (leave out --stream for other layouts)"
                );
            }
            for e in &one.errors {
                if errors < 50 {
                    diagln!(
                        "error: {label}:{lineno}: {}",
                        crate::report::clean(&e.message)
                    );
                }
                errors += 1;
            }
            let ids: Vec<crate::otlp::TraceId> = one.forest.traces.iter().map(|t| t.id).collect();
            file_spans += one.forest.spans.len();
            if !group.is_empty() && !ids.iter().any(|id| group_ids.contains(id)) {
                errors += stream.flush(label, &group, single.take())?;
                group.clear();
                group_ids.clear();
            }
            // A group of one line (the usual case) is not read a second time.
            single = if group.is_empty() { Some(one) } else { None };
            group.extend_from_slice(&line);
            if !line.ends_with(b"\n") {
                group.push(b'\n');
            }
            group_ids.extend(ids);
        }
        if !group.is_empty() {
            errors += stream.flush(label, &group, single.take())?;
        }
        if file_spans == 0 && !a.allow_empty {
            diagln!(
                "error: no span in {label}: an empty capture usually means the test or its \
                 exporter is broken (--allow-empty accepts it)"
            );
            errors += 1;
        }
        spans += file_spans;
    }
    let (out, traces) = (&mut stream.out, stream.seen.len());
    out.end(spans, traces)?;
    let code = if errors > 0 {
        report::exit::ERROR
    } else if out.violated > 0 {
        report::exit::VIOLATED
    } else if out.inconclusive > 0 {
        report::exit::INCONCLUSIVE
    } else {
        report::exit::HOLDS
    };
    Ok(Outcome::Code(code))
}

/// What `--stream` keeps from one group of lines to the next.
struct Streamer<'a, 's> {
    v: &'a mut Verifier<'s>,
    opts: crate::otlp::ReadOptions,
    limits: Limits,
    timeout: Option<std::time::Duration>,
    /// Ids of the traces verified so far: one that comes back is an error.
    seen: std::collections::HashSet<crate::otlp::TraceId>,
    out: StreamOut,
}

impl Streamer<'_, '_> {
    /// Verifies the traces of one group of lines (`read`: the group already read, when it is
    /// one line); gives the number of errors.
    fn flush(
        &mut self,
        label: &str,
        group: &[u8],
        read: Option<crate::otlp::Dump>,
    ) -> anyhow::Result<usize> {
        let (v, opts, limits, timeout) = (&mut *self.v, self.opts, self.limits, self.timeout);
        let (seen, out) = (&mut self.seen, &mut self.out);
        let dump = read.unwrap_or_else(|| crate::otlp::read(label, group, opts));
        let forest = &dump.forest;
        let mut errors = 0;
        for t in &forest.traces {
            let mut verified = if seen.insert(t.id) {
                let lim = Limits {
                    deadline: timeout.and_then(|d| Instant::now().checked_add(d)),
                    ..limits
                };
                verify_one(v, forest, t, lim, false)
            } else {
                let mut r = result::check_result(
                    v,
                    forest,
                    t,
                    &Default::default(),
                    &PhiOutcome::Inconclusive(String::new()),
                    Stats::default(),
                );
                r.verdict = Verdict::Error(report::InputError {
                    message: "this trace appears again after its lines were verified: --stream \
                              needs each trace's lines together (leave out --stream)"
                        .into(),
                    position: r.source.clone(),
                });
                Verified {
                    result: r,
                    canon: None,
                }
            };
            if matches!(verified.result.verdict, Verdict::Error(_)) {
                errors += 1;
            }
            out.result(&mut verified.result)?;
        }
        Ok(errors)
    }
}

/// Results written as they come, and the counts for the summary.
struct StreamOut {
    format: report::Format,
    render: report::RenderOptions,
    count: usize,
    holds: usize,
    violated: usize,
    inconclusive: usize,
    errors: usize,
}

impl StreamOut {
    fn new(format: report::Format, render: report::RenderOptions) -> StreamOut {
        StreamOut {
            format,
            render,
            count: 0,
            holds: 0,
            violated: 0,
            inconclusive: 0,
            errors: 0,
        }
    }

    /// The JSON report's head, with the same fields as a whole report (`cspot report` and the
    /// schema read a streamed report as any other).
    fn begin(&mut self, inputs: &[String]) -> anyhow::Result<()> {
        if self.format == report::Format::Json {
            let inputs: Vec<&str> = inputs
                .iter()
                .map(|f| if f == "-" { "<stdin>" } else { f.as_str() })
                .collect();
            out!(
                "{{\n  \"schema_version\": {},\n  \"cspot_version\": {},\n  \"command\": \"traces verify\",\n  \"inputs\": {},\n  \"results\": [\n",
                report::SCHEMA_VERSION,
                serde_json::to_string(report::VERSION)?,
                serde_json::to_string(&inputs)?
            );
        }
        Ok(())
    }

    fn result(&mut self, r: &mut report::CheckResult) -> anyhow::Result<()> {
        match r.verdict {
            Verdict::Holds => self.holds += 1,
            Verdict::Violated(_) => self.violated += 1,
            Verdict::Inconclusive(_) => self.inconclusive += 1,
            Verdict::Error(_) => self.errors += 1,
        }
        let text = report::render_result(r, self.format, self.render);
        if self.format == report::Format::Json {
            let sep = if self.count > 0 { ",\n" } else { "" };
            out!("{sep}{text}");
        } else {
            out!("{text}");
        }
        self.count += 1;
        Ok(())
    }

    fn end(&mut self, spans: usize, traces: usize) -> anyhow::Result<()> {
        if self.format == report::Format::Json {
            out!(
                "\n  ],\n  \"summary\": {{ \"holds\": {}, \"violated\": {}, \"inconclusive\": {}, \"errors\": {} }}\n}}\n",
                self.holds,
                self.violated,
                self.inconclusive,
                self.errors
            );
        } else {
            outln!(
                "{} result{}: {} holds, {} violated, {} inconclusive{}",
                self.count,
                if self.count == 1 { "" } else { "s" },
                self.holds,
                self.violated,
                self.inconclusive,
                match self.errors {
                    0 => String::new(),
                    1 => ", 1 error".to_string(),
                    n => format!(", {n} errors"),
                }
            );
            outln!("{spans} spans in {traces} traces, verified as they were read");
        }
        Ok(())
    }
}
