//! `cspot traces verify`: captured traces against a Φ model file, one result per trace
//! (kind `trace.conformance`), and the corpus checks (round trip, injectivity, coverage).
//!
//! The model file and its CSPM script are read here; each worker thread loads its own script
//! and keeps its own memo tables, and takes traces from a shared counter, so results come back
//! in trace order whatever `--jobs` is.

use super::Outcome;
use super::common::CheckOpts;
use super::parse::FsLoader;
use super::traces::{InputArgs, draw, read_all};
use anyhow::Context as _;
use clap::Args;
use cspot::otlp::Forest;
use cspot::phi::corpus::{self, Coverage};
use cspot::phi::{Limits, LoadError, Model, ModelFile, Outcome as PhiOutcome, Verifier, result};
use cspot::report::{self, Finding, Report, Stats, Verdict};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Everything a worker needs to build its own verifier.
pub struct ModelSource {
    pub model_path: String,
    pub model_text: String,
    pub file: ModelFile,
    pub spec_path: String,
}

impl ModelSource {
    /// Reads and parses the model file; errors name the file and position.
    pub fn read(path: &str) -> anyhow::Result<ModelSource> {
        let text = super::read::read_text_capped(Path::new(path), super::read::CONFIG)
            .context("cannot read the model file")?;
        let file = ModelFile::parse(&text).map_err(|e| anyhow::anyhow!("{path}:{e}"))?;
        let dir = Path::new(path).parent().unwrap_or(Path::new("."));
        let spec: PathBuf = dir.join(&file.spec);
        Ok(ModelSource {
            model_path: path.to_string(),
            model_text: text,
            file,
            spec_path: spec.to_string_lossy().into_owned(),
        })
    }

    /// Loads the script and resolves the mapping (each thread calls this once).
    pub fn load(&self) -> anyhow::Result<Model> {
        let mut loader = FsLoader::default();
        let m = Model::from_file(
            self.file.clone(),
            &self.model_text,
            &self.spec_path,
            &mut loader,
        )
        .map_err(|e| match e {
            LoadError::Script(text) => {
                diag!("{text}");
                anyhow::anyhow!(
                    "{}: the specification {} could not be loaded",
                    self.model_path,
                    self.spec_path
                )
            }
            e => anyhow::anyhow!("{}:{e}", self.model_path),
        })?;
        loader.print_notes();
        Ok(m)
    }
}

/// A verified trace: its report entry, and what the corpus checks need.
struct Verified {
    result: report::CheckResult,
    canon: Option<corpus::TreeSummary>,
}

/// The report of a run whose model file could not be used: one result with verdict `error`
/// about it, so that every report format says why no trace was verified.
fn model_error(a: &VerifyArgs, e: &anyhow::Error) -> Outcome {
    if e.downcast_ref::<super::Reported>().is_none() {
        diagln!("error: {e:#}");
    }
    let mut report = Report::new("traces verify");
    report.inputs.push(a.model.clone());
    report.inputs.extend(a.dumps.iter().cloned());
    let text = format!("{e:#}");
    // `model.toml:3:7: message` keeps its position; otherwise the file is the position.
    let located = text
        .strip_prefix(a.model.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| {
            let mut parts = rest.splitn(3, ':');
            let line: u32 = parts.next()?.trim().parse().ok()?;
            let col: u32 = parts.next()?.trim().parse().ok()?;
            let message = parts.next()?.trim().to_string();
            Some((format!("{}:{line}:{col}", a.model), message))
        });
    let (position, message) = located.unwrap_or_else(|| (a.model.clone(), text.clone()));
    let mut r = super::traces::error_result(&a.model, "model".into(), &message, position);
    r.title = format!("the model file {} could not be used", a.model);
    report.results.push(r);
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
    // Load once on this thread first, so that model errors are reported once.
    let model = match src.load() {
        Ok(m) => m,
        Err(e) => return Ok(model_error(&a, &e)),
    };
    let input = InputArgs {
        dumps: a.dumps.clone(),
        rules: None,
        clock_skew: std::time::Duration::ZERO,
        allow_empty: a.allow_empty,
        accept_base64: a.accept_base64,
        max_message: cspot::otlp::DEFAULT_MAX_MESSAGE,
    };
    let deadline = a
        .opts
        .timeout
        .and_then(|t| std::time::Instant::now().checked_add(t));
    let (dump, read_errors) =
        super::traces::read_within(deadline, || read_all(&input, a.opts.explore().max_memory))?;
    let forest = &dump.forest;
    let jobs = match a.opts.jobs() {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(forest.traces.len().max(1));
    // Each worker holds its own states and memo tables: the memory bound is shared out.
    let max_bytes = a.opts.explore().max_memory.map(|m| m / jobs.max(1) as u64);
    let limits = Limits {
        max_states: a.opts.max_states.unwrap_or(Limits::default().max_states),
        deadline: None,
        reduce: !a.no_reduction,
        max_bytes,
    };
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<Verified>> = (0..forest.traces.len()).map(|_| None).collect();
    let slots_ptr = std::sync::Mutex::new(&mut slots);
    let timeout = a.opts.timeout;
    let first = std::sync::Mutex::new(Some(model));
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut handles = Vec::new();
        for _ in 0..jobs {
            handles.push(scope.spawn(|| -> anyhow::Result<()> {
                let taken = first
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .take();
                let mut model = match taken {
                    Some(x) => x,
                    None => src.load()?,
                };
                let mut v = model.verifier();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(t) = forest.traces.get(k) else { break };
                    let lim = Limits {
                        deadline: timeout.and_then(|d| Instant::now().checked_add(d)),
                        ..limits
                    };
                    let out = verify_one(&mut v, forest, t, lim, a.coverage_depth.is_some());
                    if let Ok(mut s) = slots_ptr.lock() {
                        s[k] = Some(out);
                    }
                }
                Ok(())
            }));
        }
        for h in handles {
            h.join()
                .map_err(|_| anyhow::anyhow!("a verifier thread panicked"))??;
        }
        Ok(())
    })?;
    let verified: Vec<Verified> = slots.into_iter().flatten().collect();
    let mut report = Report::new("traces verify");
    report.results = read_errors;
    let mut summaries: Vec<corpus::TreeSummary> = Vec::new();
    for (v, t) in verified.into_iter().zip(&forest.traces) {
        let mut result = v.result;
        result.input = super::traces::trace_file(forest, t);
        report.results.push(result);
        summaries.extend(v.canon);
    }
    let conforming: Vec<&corpus::TreeSummary> = summaries.iter().collect();
    let round_trip_failures: Vec<&corpus::TreeSummary> = conforming
        .iter()
        .filter(|s| !s.round_trip)
        .copied()
        .collect();
    let collisions = corpus::injectivity(&conforming);
    // Corpus-level results.
    let mut corpus_results = Vec::new();
    corpus_results.push(corpus::round_trip_result(
        conforming.len(),
        &round_trip_failures,
    ));
    corpus_results.push(corpus::injectivity_result(conforming.len(), &collisions));
    if let Some(depth) = a.coverage_depth {
        let mut model = src.load()?;
        let mut v = model.verifier();
        let cov: Coverage = corpus::coverage(&mut v, &conforming, depth, limits.max_states);
        corpus_results.push(corpus::coverage_result(&v, &cov, depth));
    }
    report.results.extend(corpus_results);
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

fn verify_one(
    v: &mut Verifier,
    forest: &Forest,
    t: &cspot::otlp::Trace,
    lim: Limits,
    keep_order: bool,
) -> Verified {
    let clock = Instant::now();
    match v.verify(forest, t, lim) {
        Ok(tv) => {
            let stats = Stats {
                states: tv.cost.states,
                transitions: tv.cost.transitions,
                seconds: clock.elapsed().as_secs_f64(),
            };
            let mut result = result::check_result(v, forest, t, &tv.obs, &tv.outcome, stats);
            let canon = match &tv.outcome {
                PhiOutcome::Conforms(run) => {
                    Some(corpus::summarise(v, forest, t, &tv.obs, run, keep_order))
                }
                _ => None,
            };
            if let Verdict::Violated(cx) = &mut result.verdict {
                let mut tree = String::new();
                // (Writing into a String cannot fail.)
                let _ = draw(&mut tree, forest, t, &result.findings, 30, false);
                // The findings follow in the report; the tree keeps its marks only.
                let tree: Vec<&str> = tree.lines().filter(|l| !l.starts_with("  ✗")).collect();
                cx.facts
                    .push(("tree".into(), tree.join("\n").trim_end().to_string()));
            }
            Verified { result, canon }
        }
        Err(d) => {
            let mut result = result::check_result(
                v,
                forest,
                t,
                &Default::default(),
                &PhiOutcome::Inconclusive(String::new()),
                Stats::default(),
            );
            result.verdict = Verdict::Error(report::InputError {
                message: d.message.clone(),
                position: result.source.clone(),
            });
            result.findings.push(Finding {
                rule: "phi.error".into(),
                message: d.message.clone(),
                ..Default::default()
            });
            Verified {
                result,
                canon: None,
            }
        }
    }
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
    let src = ModelSource::read(&a.model)?;
    let mut model = src.load()?;
    let mut v = model.verifier();
    let opts = cspot::phi::synth::SynthOptions {
        max_steps: a.max_steps,
        hosts_per_service: a.hosts.max(1),
        ..Default::default()
    };
    let spans = cspot::phi::synth::synthesise(&mut v, a.seed, a.count, &opts)
        .map_err(|e| anyhow::anyhow!("{}: {e}", a.model))?;
    let text = if a.jsonl {
        // One line per trace, traces in the order they were drawn.
        let mut first: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
        for (k, sp) in spans.iter().enumerate() {
            first.entry(sp.trace).or_insert(k);
        }
        let mut ordered: Vec<&cspot::otlp::write::SpanOut> = spans.iter().collect();
        ordered.sort_by_key(|sp| first[&sp.trace]);
        let ordered: Vec<cspot::otlp::write::SpanOut> = ordered.into_iter().cloned().collect();
        let mut text = String::new();
        for chunk in ordered.chunk_by(|x, y| x.trace == y.trace) {
            let doc = cspot::otlp::write::otlp_json(chunk, "cspot.synth");
            text.push_str(&serde_json::to_string(&doc)?);
            text.push('\n');
        }
        text
    } else {
        let doc = cspot::otlp::write::otlp_json(&spans, "cspot.synth");
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
    let mut model = src.load()?;
    let mut v = model.verifier();
    let render = a.opts.render();
    let limits = Limits {
        max_states: a.opts.max_states.unwrap_or(Limits::default().max_states),
        deadline: None,
        reduce: !a.no_reduction,
        max_bytes: a.opts.explore().max_memory,
    };
    let opts = cspot::otlp::ReadOptions {
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
        let mut group_ids: std::collections::HashSet<cspot::otlp::TraceId> = Default::default();
        let mut lineno = 0usize;
        let mut file_spans = 0usize;
        let mut single: Option<cspot::otlp::Dump> = None;
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
            let one = cspot::otlp::read(label, &line[..], opts);
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
                        cspot::report::clean(&e.message)
                    );
                }
                errors += 1;
            }
            let ids: Vec<cspot::otlp::TraceId> = one.forest.traces.iter().map(|t| t.id).collect();
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
    opts: cspot::otlp::ReadOptions,
    limits: Limits,
    timeout: Option<std::time::Duration>,
    /// Ids of the traces verified so far: one that comes back is an error.
    seen: std::collections::HashSet<cspot::otlp::TraceId>,
    out: StreamOut,
}

impl Streamer<'_, '_> {
    /// Verifies the traces of one group of lines (`read`: the group already read, when it is
    /// one line); gives the number of errors.
    fn flush(
        &mut self,
        label: &str,
        group: &[u8],
        read: Option<cspot::otlp::Dump>,
    ) -> anyhow::Result<usize> {
        let (v, opts, limits, timeout) = (&mut *self.v, self.opts, self.limits, self.timeout);
        let (seen, out) = (&mut self.seen, &mut self.out);
        let dump = read.unwrap_or_else(|| cspot::otlp::read(label, group, opts));
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
                "{{\n  \"schema_version\": {},\n  \"command\": \"traces verify\",\n  \"inputs\": {},\n  \"results\": [\n",
                report::SCHEMA_VERSION,
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
