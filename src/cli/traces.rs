//! `cspot traces`: read captured traces, check their structure, draw their trees.
//!
//! `check` gives one result per trace (id = trace id in hex, kind `trace.structure`) with the
//! findings of the rules; `tree` draws traces in the terminal. Unreadable input is reported on
//! stderr with file, position and field path, and makes the exit code 2; what could be read is
//! still checked and reported.

use super::Outcome;
use super::common::CheckOpts;
use crate::otlp::rules::{self, RULES, RuleConfig};
use crate::otlp::{Dump, Forest, Position, ReadError, ReadOptions, Reader, Trace};
use crate::report::{self, CheckResult, Report, clean};
use crate::run::traces::{check_dump, empty_error, error_result, read_error_results, read_within};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, Read};

use std::time::Instant;

/// Subcommands of `cspot traces`.
#[derive(Args, Debug)]
pub struct TracesArgs {
    #[command(subcommand)]
    pub command: TracesCommand,
}

#[derive(Subcommand, Debug)]
pub enum TracesCommand {
    /// Check the structure and context propagation of every trace in the dumps.
    ///
    /// Formats are detected by content: OTLP/JSON (one document or JSON Lines), OTLP protobuf
    /// (one message or the Collector file exporter's length-prefixed stream), zstd-compressed
    /// forms of these, Jaeger JSON and Zipkin v2 JSON. Spans of one trace may be spread over
    /// several files. Exit code 1 when a rule is broken, 2 when some input could not be read.
    Check(CheckArgs),
    /// Draw span trees: service, kind, duration and a timeline bar per span, findings marked.
    Tree(TreeArgs),
    /// List the rules of `traces check`: the id `--rules` takes and what each finds, and the
    /// groups (`span`, `trace`, `timing`, `propagation`, `link`).
    Rules,
    /// Check every trace against a CSP model through a Φ model file (conformance and call
    /// structure), then the corpus: round trip, injectivity and, with --coverage-depth,
    /// coverage of the model's traces.
    ///
    /// One result per trace (kind trace.conformance). A violated trace gets the longest
    /// conforming prefix, the span at which every ordering of its events fails, what was
    /// observed and what the model allowed there, and the tree with that span marked. Exit 1
    /// when a trace does not conform, 2 on unreadable input or model, 3 when a bound stopped
    /// a trace (--max-states, --timeout apply to each trace; the others go on).
    Verify(super::verify::VerifyArgs),
    /// Write OTLP/JSON of random complete runs of a Φ model (Φ forward): spans for the
    /// activations of span processes, span events for their events, overlapping siblings
    /// where the model runs them in parallel, services and kinds from the model file.
    Synth(super::verify::SynthArgs),
    /// Receive traces live as an OTLP endpoint (gRPC on 4317, HTTP on 4318) and check each
    /// as it completes: `traces check`'s rules, or Φ with --model; one report at the end.
    ///
    /// A trace is complete when its root span has arrived and no span of it for
    /// --trace-idle. The run ends on --until-idle, --count, SIGINT or SIGTERM, or when the
    /// command after `--` exits (it runs with OTEL_EXPORTER_OTLP_ENDPOINT pointing here);
    /// every trace still buffered is then checked, one whose root never came marked
    /// incomplete (inconclusive unless it is already violated). Malformed requests are
    /// answered with the OTLP status and reported as errors.
    Listen(super::listen::ListenArgs),
}

/// What both subcommands read.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Dump files; `-` reads standard input; a directory reads every dump under it
    /// (`*.json`, `*.jsonl`, `*.ndjson`, `*.pb`, `*.binpb`, `*.bin`, `*.zst`, in name order,
    /// subdirectories included, hidden files skipped).
    #[arg(required = true, value_name = "DUMP")]
    pub dumps: Vec<String>,
    /// Rules to run, comma-separated: ids, groups (`span`, `trace`, `timing`, `propagation`,
    /// `link`), `all`; `-id` removes one (a list that starts with a removal starts from all).
    /// Default: all. `cspot traces rules` lists the rules. A selection that leaves no rule on
    /// (an empty list, `-all`) is an error, not a run that checks nothing.
    #[arg(long, value_name = "RULES", allow_hyphen_values = true)]
    pub rules: Option<String>,
    /// Tolerance of the timing rules, for clocks of different hosts: seconds, or a number
    /// with a unit ns, us (or µs), ms, s, m, h (e.g. 250us, 5ms, 2s; 2 is 2 seconds).
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_duration, default_value = "0")]
    pub clock_skew: std::time::Duration,
    /// Accept a dump that holds no span. Without it a dump with no span is an error (exit
    /// 2) naming the file: an empty capture almost always means a broken test or exporter.
    #[arg(long)]
    pub allow_empty: bool,
    /// Read ids written in base64 (some proto-to-JSON converters do) instead of reporting them.
    #[arg(long)]
    pub accept_base64: bool,
    /// The most one message of a dump may take once decompressed (bytes, or with K, M, G, T,
    /// powers of 1024: 64M, 2GiB): a message of
    /// the file exporter's stream, a top-level protobuf field, a JSON line, an element of a
    /// JSON document's `resourceSpans`, one JSON string. A larger one is an error (its bytes
    /// are skipped where the format allows), so a small zstd file cannot expand to gigabytes
    /// in memory.
    #[arg(long, value_name = "SIZE", value_parser = super::units::parse_size, default_value = "1G")]
    pub max_message: u64,
}

/// The structure rules walk each trace once and store no states, so the state bound of the
/// other checking commands does not apply: hidden here, and refused when given (see
/// [`refuse_state_bounds`]) rather than silently ignored. `--max-memory` bounds the spans read.
#[derive(Args, Debug)]
#[command(
    mut_arg("max_states", |a| a.hide(true)),
    mut_arg("max_memory", |a| a.help(
        "Stop reading with an error when the spans read take more than this: bytes, or with K, \
         M, G, T (powers of 1024: 512M, 4GiB). Default: 80% of the memory available when \
         reading starts"
    ))
)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub opts: CheckOpts,
}

#[derive(Args, Debug)]
pub struct TreeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Draw only this trace (its id in hex, or a unique prefix of it).
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,
    /// Width of the timeline bar in characters.
    #[arg(long, default_value_t = 30)]
    pub width: usize,
}

pub fn run(args: TracesArgs) -> anyhow::Result<Outcome> {
    match args.command {
        TracesCommand::Check(mut a) => {
            a.input.dumps = expand_dumps(&a.input.dumps)?;
            run_check(a)
        }
        TracesCommand::Tree(mut a) => {
            a.input.dumps = expand_dumps(&a.input.dumps)?;
            run_tree(a)
        }
        TracesCommand::Rules => list_rules(),
        TracesCommand::Verify(mut a) => {
            a.dumps = expand_dumps(&a.dumps)?;
            super::verify::run(a)
        }
        TracesCommand::Synth(a) => super::verify::run_synth(a),
        TracesCommand::Listen(a) => super::listen::run(a),
    }
}

pub(super) fn rule_config(input: &InputArgs) -> anyhow::Result<Option<RuleConfig>> {
    rules_of(input.rules.as_deref(), input.clock_skew)
}

/// The rules `--rules` selects (`None` for `--rules list`), with the `--clock-skew` tolerance.
pub(super) fn rules_of(
    rules: Option<&str>,
    clock_skew: std::time::Duration,
) -> anyhow::Result<Option<RuleConfig>> {
    let mut cfg = match rules {
        Some("list") => return Ok(None),
        Some(spec) => RuleConfig::parse(spec).map_err(anyhow::Error::msg)?,
        None => RuleConfig::all(),
    };
    // A selection of no rule would pass every trace without looking at it.
    if cfg.enabled().next().is_none() {
        anyhow::bail!(
            "--rules `{}` selects no rule, so nothing would be checked; leave --rules out for \
             every rule, or see `cspot traces rules`",
            rules.unwrap_or_default()
        );
    }
    // A skew past u64 nanoseconds (585 years) tolerates any clock, as u64::MAX does.
    cfg.clock_skew_ns = u64::try_from(clock_skew.as_nanos()).unwrap_or(u64::MAX);
    Ok(Some(cfg))
}

/// Extensions of the files a directory argument reads as dumps.
const DUMP_EXTENSIONS: [&str; 7] = ["json", "jsonl", "ndjson", "pb", "binpb", "bin", "zst"];

/// The dump arguments with each directory replaced by the dumps under it, in name order
/// (subdirectories included, hidden entries skipped): a CI job passes the folder its tests
/// captured into. A directory with no dump is an error naming it, not a run over nothing.
pub(super) fn expand_dumps(dumps: &[String]) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for d in dumps {
        let path = std::path::Path::new(d);
        if d == "-" || !path.is_dir() {
            out.push(d.clone());
            continue;
        }
        let before = out.len();
        collect_dumps(path, &mut out, &mut Default::default())?;
        if out.len() == before {
            anyhow::bail!(
                "no dump in the directory {d} (read: {})",
                DUMP_EXTENSIONS.map(|e| format!("*.{e}")).join(", ")
            );
        }
    }
    Ok(out)
}

/// The dumps under `dir`, depth first in name order. A directory reached twice (a symbolic
/// link back up the tree) is read once: `seen` holds the canonical paths read so far, so a
/// link loop ends instead of recursing forever.
fn collect_dumps(
    dir: &std::path::Path,
    out: &mut Vec<String>,
    seen: &mut std::collections::HashSet<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let canonical = dir
        .canonicalize()
        .with_context(|| format!("cannot read the directory {}", dir.display()))?;
    if !seen.insert(canonical) {
        return Ok(());
    }
    let mut entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_dumps(&p, out, seen)?;
        } else if p
            .extension()
            .is_some_and(|e| DUMP_EXTENSIONS.contains(&e.to_string_lossy().as_ref()))
        {
            out.push(p.display().to_string());
        }
    }
    Ok(())
}

fn list_rules() -> anyhow::Result<Outcome> {
    for (id, what) in RULES {
        outln!("{id:<36} {what}");
    }
    Ok(Outcome::Code(report::exit::HOLDS))
}

/// Reads every dump into one forest, then prints the read errors; gives the forest and one
/// result with verdict `error` per read error (a file that cannot be opened, a bad line of a
/// JSON Lines dump, a dump with no span unless `--allow-empty`), so that what could not be
/// read is counted in every report format and never passes for holding.
///
/// `max_memory` bounds the spans read (`None`: 80% of the available memory).
pub(super) fn read_all(
    input: &InputArgs,
    max_memory: Option<u64>,
) -> anyhow::Result<(Dump, Vec<CheckResult>)> {
    let mut reader = Reader::new(ReadOptions {
        accept_base64: input.accept_base64,
        max_message: input.max_message,
        max_memory: max_memory.or_else(crate::budget::default_max_bytes),
    });
    let mut empty = Vec::new();
    let mut unopened = Vec::new();
    for name in &input.dumps {
        let before = reader.span_count();
        let file = if name == "-" {
            "<stdin>"
        } else {
            name.as_str()
        };
        if name == "-" {
            reader.read(file, std::io::stdin().lock());
        } else {
            match open_dump(name) {
                Ok(f) => reader.read(file, f),
                Err(e) => {
                    let e = clean(&e);
                    diagln!("error: {e}");
                    unopened.push(error_result(
                        name,
                        format!("{name} unreadable"),
                        &e,
                        report::Location::file(name.clone()),
                    ));
                    continue;
                }
            }
        }
        if reader.span_count() == before {
            empty.push(file.to_string());
        }
    }
    let dump = reader.finish();
    print_errors(&dump.errors, input);
    let mut errors = unopened;
    errors.extend(read_error_results(&dump.errors));
    for file in empty {
        errors.extend(empty_error(
            &dump,
            &file,
            input.allow_empty,
            &mut super::common::Stderr,
        ));
    }
    Ok((dump, errors))
}

/// Opens a dump: a regular file or a pipe. A device (`/dev/zero`, `/dev/urandom`, a terminal)
/// never ends and is no dump, so it is refused before a byte is read; a pipe is read as a
/// stream, its memory bounded by `--max-message` and `--max-memory`.
fn open_dump(name: &str) -> Result<std::fs::File, String> {
    use std::os::unix::fs::FileTypeExt;
    let f = std::fs::File::open(name).map_err(|e| format!("cannot open {name}: {e}"))?;
    let kind = f
        .metadata()
        .map_err(|e| format!("cannot open {name}: {e}"))?
        .file_type();
    if kind.is_dir() {
        return Err(format!("cannot read {name}: it is a directory"));
    }
    if kind.is_char_device() || kind.is_block_device() || kind.is_socket() {
        return Err(format!(
            "cannot read {name}: not a regular file or a pipe (a device has no end); \
             write the dump to a file, or pipe it in with `-`"
        ));
    }
    Ok(f)
}

/// `traces check` stores no states; say so instead of ignoring the state bounds.
fn refuse_state_bounds(opts: &CheckOpts) -> anyhow::Result<()> {
    if opts.max_states.is_some() {
        anyhow::bail!(
            "--max-states does not apply to `traces check`: its rules walk each trace once and \
             store no states (--timeout, --max-memory and --jobs do apply)"
        );
    }
    Ok(())
}

const MAX_ERRORS_SHOWN: usize = 50;

fn print_errors(errors: &[ReadError], input: &InputArgs) {
    let _ = input;
    let color = super::color::stderr();
    for e in errors.iter().take(MAX_ERRORS_SHOWN) {
        diag!("{}", render_read_error(e, color));
    }
    if errors.len() > MAX_ERRORS_SHOWN {
        diagln!(
            "error: ... and {} more read errors",
            errors.len() - MAX_ERRORS_SHOWN
        );
    }
}

/// A read error as every diagnostic is shown ([`crate::report::snippet`]): at a line and
/// column (JSON), `file:line:col: error: path: message` and, when the file can be read again
/// (not standard input, not zstd), the lines around the position with a caret under it; at a
/// byte offset (protobuf) or about the whole file, one line `error: file: ...`.
fn render_read_error(e: &ReadError, color: bool) -> String {
    use crate::report::snippet::{self, Level, Location, Snippet, Source};
    // A message may quote a value of the dump, line breaks included: escaped whole, so that
    // it cannot fake a line of output (the renderer keeps a message's own line breaks).
    let Position::LineCol { line, col } = e.position else {
        let message = clean(&e.to_string()).into_owned();
        return snippet::render(
            &Snippet {
                level: Level::Error,
                message: &message,
                location: None,
                label: None,
                help: None,
            },
            color,
        );
    };
    let message = if e.path.is_empty() {
        clean(&e.message).into_owned()
    } else {
        clean(&format!("{}: {}", e.path, e.message)).into_owned()
    };
    let lines = source_lines(&e.file, line);
    let source = lines.as_ref().map(|(text, first_line, at)| {
        // The column counts characters; one past the end of the line is its end.
        let line_text = &text[*at..];
        let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
        let k = usize::try_from(col.saturating_sub(1)).unwrap_or(usize::MAX);
        let offset = at
            + line_text
                .char_indices()
                .nth(k)
                .map_or(line_text.len(), |(i, _)| i);
        Source {
            text,
            first_line: *first_line,
            span: offset..offset,
        }
    });
    snippet::render(
        &Snippet {
            level: Level::Error,
            message: &message,
            location: Some(Location {
                file: &e.file,
                line: usize::try_from(line).unwrap_or(usize::MAX),
                col: usize::try_from(col).unwrap_or(usize::MAX),
                source,
            }),
            label: None,
            help: None,
        },
        color,
    )
}

/// Lines `line - 1` to `line + 1` of a plain (uncompressed) file, for the snippet of an
/// error on line `line` (1-based): their text, the 0-based number of the first, and where
/// line `line` starts in the text. Only line feeds end lines, as the JSON readers count them
/// (a CR is shown as a space). `None` for a compressed file, one that cannot be opened again
/// (standard input) or an error line longer than [`SNIPPET_LINE_MAX`]; a longer context line
/// is left out.
fn source_lines(file: &str, line: u64) -> Option<(String, usize, usize)> {
    let f = std::fs::File::open(file).ok()?;
    let mut r = std::io::BufReader::new(f);
    let head = r.fill_buf().ok()?;
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return None;
    }
    let first = line.saturating_sub(1).max(1);
    for _ in 1..first {
        skip_line(&mut r)?;
    }
    let mut text = String::new();
    let mut first_line = None;
    let mut at = None;
    for n in first..=line.saturating_add(1) {
        // A dump may be one line of gigabytes: a line is only ever shown when it fits in a
        // bound (issue 14).
        let mut buf = Vec::new();
        (&mut r)
            .take(SNIPPET_LINE_MAX + 1)
            .read_until(b'\n', &mut buf)
            .ok()?;
        if buf.is_empty() {
            break;
        }
        if buf.len() as u64 > SNIPPET_LINE_MAX {
            if n >= line {
                break;
            }
            // A long line before the error's: the snippet starts at the error's line.
            skip_line(&mut r);
            continue;
        }
        let shown = String::from_utf8_lossy(&buf);
        let shown = shown
            .strip_suffix('\n')
            .unwrap_or(&shown)
            .replace('\r', " ");
        if n == line {
            at = Some(text.len());
        }
        first_line.get_or_insert(usize::try_from(n - 1).ok()?);
        text.push_str(&shown);
        text.push('\n');
    }
    Some((text, first_line?, at?))
}

/// The longest dump line [`source_lines`] reads for a snippet.
const SNIPPET_LINE_MAX: u64 = 1 << 20;

/// Skips one line without keeping it; `None` at the end of the file.
fn skip_line(r: &mut impl BufRead) -> Option<()> {
    loop {
        let buf = r.fill_buf().ok()?;
        if buf.is_empty() {
            return None;
        }
        match memchr::memchr(b'\n', buf) {
            Some(k) => {
                r.consume(k + 1);
                return Some(());
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

fn run_check(a: CheckArgs) -> anyhow::Result<Outcome> {
    refuse_state_bounds(&a.opts)?;
    let Some(cfg) = rule_config(&a.input)? else {
        return list_rules();
    };
    let started = Instant::now();
    let deadline = a.opts.timeout.and_then(|t| started.checked_add(t));
    let (dump, errors) = read_within(deadline, || read_all(&a.input, a.opts.max_memory))?;
    let options = crate::run::traces::Options {
        rules: cfg,
        timeout: a.opts.timeout,
        jobs: a.opts.jobs(),
        ..Default::default()
    };
    let mut report = check_dump(&dump, errors, &options, started);
    let forest = &dump.forest;
    super::common::record_inputs(&mut report, a.input.dumps.iter().map(String::as_str));
    let seconds = started.elapsed().as_secs_f64();
    let format = a.opts.format();
    let mut render = a.opts.render();
    // Per-trace figures carry nothing for traces; the totals go in the summary below.
    let timings = render.timings;
    render.timings = false;
    let trailer = if format == report::Format::Human {
        summary_table(&report, &cfg, forest, &a.input, seconds, timings)
    } else {
        String::new()
    };
    // The process ends right after: freeing a forest of millions of spans is wasted work.
    std::mem::forget(dump);
    Ok(Outcome::Report {
        report,
        format,
        render,
        files: a.opts.outputs.clone(),
        trailer,
    })
}

fn summary_table(
    report: &Report,
    cfg: &RuleConfig,
    forest: &Forest,
    input: &InputArgs,
    seconds: f64,
    timings: bool,
) -> String {
    let mut per_rule: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &report.results {
        let mut seen: Vec<&str> = Vec::new();
        for f in &r.findings {
            let e = per_rule.entry(f.rule.as_str()).or_default();
            e.1 += 1;
            if !seen.contains(&f.rule.as_str()) {
                seen.push(f.rule.as_str());
                e.0 += 1;
            }
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "\n{:<36} {:>8} {:>9}", "rule", "traces", "findings");
    for rule in cfg.enabled() {
        let (t, f) = per_rule.get(rule).copied().unwrap_or((0, 0));
        let _ = writeln!(out, "{rule:<36} {t:>8} {f:>9}");
    }
    let _ = write!(
        out,
        "{} spans in {} traces from {} file{}",
        forest.spans.len(),
        forest.traces.len(),
        input.dumps.len(),
        if input.dumps.len() == 1 { "" } else { "s" }
    );
    if timings && seconds > 0.0 {
        let _ = write!(
            out,
            " in {seconds:.3}s ({:.0} spans/s)",
            forest.spans.len() as f64 / seconds
        );
    }
    out.push('\n');
    out
}

fn run_tree(a: TreeArgs) -> anyhow::Result<Outcome> {
    let Some(cfg) = rule_config(&a.input)? else {
        return list_rules();
    };
    let (dump, errors) = read_all(&a.input, None)?;
    let forest = &dump.forest;
    let chosen: Vec<&Trace> = match &a.trace {
        Some(id) => {
            let want = id.to_ascii_lowercase();
            let m: Vec<&Trace> = forest
                .traces
                .iter()
                .filter(|t| t.id.to_string().starts_with(&want))
                .collect();
            if m.is_empty() {
                anyhow::bail!("no trace with id {id} in the dumps");
            }
            match m.iter().find(|t| t.id.to_string() == want) {
                Some(exact) => vec![*exact],
                None if m.len() == 1 => m,
                None => anyhow::bail!("{} traces start with {id}; give more digits", m.len()),
            }
        }
        None => forest.traces.iter().collect(),
    };
    let color = super::color::stdout();
    let mut out = Chunked {
        buf: String::new(),
        err: None,
    };
    for t in chosen {
        let findings = rules::check_trace(forest, t, &cfg);
        if crate::otlp::draw::draw(&mut out, forest, t, &findings, a.width.clamp(4, 200), color)
            .is_err()
        {
            break;
        }
    }
    out.flush()?;
    Ok(Outcome::Code(if !errors.is_empty() {
        report::exit::ERROR
    } else {
        report::exit::HOLDS
    }))
}

/// Text written to standard output in pieces of about 64 KiB as it is drawn (through
/// [`super::emit`], so a closed pipe ends quietly); the first write error is kept.
struct Chunked {
    buf: String,
    err: Option<anyhow::Error>,
}

impl Chunked {
    fn flush(&mut self) -> anyhow::Result<()> {
        if let Some(e) = self.err.take() {
            return Err(e);
        }
        let r = super::emit(&self.buf);
        self.buf.clear();
        r
    }
}

impl std::fmt::Write for Chunked {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.buf.push_str(s);
        if self.buf.len() >= 64 << 10
            && let Err(e) = self.flush()
        {
            self.err = Some(e);
            return Err(std::fmt::Error);
        }
        Ok(())
    }
}
