//! `cspot bsp`: explore the BatchSpanProcessor model, one result per property (and variant).

use super::common::CheckOpts;
use super::{Outcome, Reported};
use crate::bsp::{Config, ConfigError, ConfigFile, Variant, When};
use crate::cspm::source::{Diagnostic, FileId, SourceMap, Span};
use crate::report::Report;
use anyhow::bail;
use clap::Args;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Explore the OpenTelemetry BatchSpanProcessor: every interleaving of producers, worker,
/// exporter, ForceFlush and Shutdown, checking P1 (Export never concurrent), P2 (ForceFlush
/// and Shutdown return), P3 (every span accounted for once), P4 (a successful ForceFlush
/// exported what ended before it) and P5 (nothing exported after Shutdown returned).
#[derive(Args, Debug)]
pub struct BspArgs {
    /// Configuration file (e.g. models/bsp/small.toml); the flags below override its keys.
    pub config: Option<PathBuf>,
    /// Processor to check: `spec`, a bug variant (see --list-variants) or `all`.
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    /// List the variants, the bug each reproduces and the property it breaks.
    #[arg(long)]
    pub list_variants: bool,
    /// Producers ending spans concurrently (1–4).
    #[arg(long, value_name = "N")]
    pub producers: Option<u64>,
    /// Spans each producer ends, one after the other (1–7; producers × spans ≤ 15).
    #[arg(long, value_name = "N")]
    pub spans: Option<u64>,
    /// Queue capacity (maxQueueSize, 1–8); OnEnd drops a span when the queue is full.
    #[arg(long, value_name = "N")]
    pub queue: Option<u64>,
    /// Batch size (maxExportBatchSize, 1–4, at most the queue).
    #[arg(long, value_name = "N")]
    pub batch: Option<u64>,
    /// Whether an Export attempt can fail.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub export_failures: Option<bool>,
    /// Whether an Export attempt can time out.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub export_timeouts: Option<bool>,
    /// Whether a failed attempt means an unreachable endpoint that the exporter retries
    /// until it succeeds or is shut down.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub exporter_retries: Option<bool>,
    /// When ForceFlush is called: never, any (at any moment), end (after every span ended)
    /// or N (at any moment once N spans have ended; at most producers × spans, as a larger N
    /// would never call it and leave P4 untested).
    #[arg(long, value_name = "WHEN")]
    pub force_flush: Option<String>,
    /// When Shutdown is called: never, any, end or N, as for --force-flush.
    #[arg(long, value_name = "WHEN")]
    pub shutdown: Option<String>,
    /// Symmetry reduction: store one state per renaming of the producers (they are
    /// interchangeable). Same verdicts, fewer states; counterexamples are replayed unreduced.
    #[arg(long)]
    pub symmetry: bool,
    /// Print, on stderr, each search's states, transitions, words per state and bytes of
    /// stored states per state (for the performance figures).
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub opts: CheckOpts,
}

fn list_variants() -> anyhow::Result<Outcome> {
    for v in Variant::ALL {
        let breaks = v.expected().map_or_else(
            || "holds P1–P5".to_string(),
            |p| format!("breaks {}", p.short()),
        );
        outln!("{:<34} {:<12} {}", v.name(), breaks, v.summary());
    }
    Ok(Outcome::Code(crate::report::exit::HOLDS))
}

/// Where a configuration key's value came from, to point at it when it is refused.
#[derive(Clone, Debug)]
enum Origin {
    /// A key of the configuration file: the byte range of its value.
    File(Range<usize>),
    /// A command-line flag, with the value as given.
    Flag(String),
}

/// The configuration file as text, for positions and caret snippets.
struct Source {
    map: SourceMap,
    id: FileId,
}

impl Source {
    /// Prints `file:line:col: error: message` with a caret under `range`.
    fn error(&self, range: Range<usize>, message: String) -> anyhow::Error {
        let span = Span::new(self.id, range.start, range.end);
        let position = crate::check::location(&self.map, span);
        let d = Diagnostic::error(span, message.clone());
        diag!("{}", d.render_styled(&self.map, super::color::stderr()));
        anyhow::Error::new(Reported).context(Located { message, position })
    }
}

/// A configuration error already printed with its snippet, and where it is (for the report).
#[derive(Debug)]
struct Located {
    message: String,
    position: crate::report::Location,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.position, self.message)
    }
}

/// The report of a run whose configuration could not be used: one result with verdict
/// `error`, so that JSON, JUnit, SARIF and HTML say why nothing was checked.
fn config_error_report(args: &BspArgs, e: &anyhow::Error) -> Report {
    let file = args.config.as_ref().map(|p| p.display().to_string());
    let (message, position) = match e.downcast_ref::<Located>() {
        Some(l) => (l.message.clone(), Some(l.position.clone())),
        None => (
            format!("{e:#}"),
            file.clone().map(crate::report::Location::file),
        ),
    };
    if e.downcast_ref::<Located>().is_none() && e.downcast_ref::<Reported>().is_none() {
        diagln!("error: {e:#}");
    }
    let mut report = Report::new("bsp");
    report.inputs.extend(file.clone());
    report.results.push(crate::report::CheckResult::input_error(
        "configuration",
        "the BSP configuration could not be used",
        file.as_deref(),
        message,
        position,
    ));
    report
}

/// The origins of the keys set so far (a later one overrides an earlier one).
#[derive(Default)]
struct Origins {
    keys: BTreeMap<&'static str, Origin>,
    source: Option<Source>,
}

impl Origins {
    /// The error, pointing at the value of the first of `keys` that the file or a flag set.
    fn blame(&self, keys: &[&str], e: impl std::fmt::Display) -> anyhow::Error {
        let found = keys.iter().find_map(|k| self.keys.get(k));
        match (found, &self.source) {
            (Some(Origin::File(range)), Some(src)) => src.error(range.clone(), e.to_string()),
            (Some(Origin::Flag(flag)), _) => anyhow::anyhow!("{flag}: {e}"),
            _ => anyhow::anyhow!("{e}"),
        }
    }

    fn blame_config(&self, e: ConfigError) -> anyhow::Error {
        self.blame(e.keys(), e)
    }
}

/// One key of a configuration, alone: applied and blamed one at a time.
fn only(key: &'static str, full: &mut ConfigFile) -> ConfigFile {
    let mut one = ConfigFile::default();
    match key {
        "producers" => one.producers = full.producers.take(),
        "spans" => one.spans = full.spans.take(),
        "queue" => one.queue = full.queue.take(),
        "batch" => one.batch = full.batch.take(),
        "export_failures" => one.export_failures = full.export_failures.take(),
        "export_timeouts" => one.export_timeouts = full.export_timeouts.take(),
        "exporter_retries" => one.exporter_retries = full.exporter_retries.take(),
        "force_flush" => one.force_flush = full.force_flush.take(),
        "shutdown" => one.shutdown = full.shutdown.take(),
        _ => {}
    }
    one
}

const KEYS: [&str; 9] = [
    "producers",
    "spans",
    "queue",
    "batch",
    "export_failures",
    "export_timeouts",
    "exporter_retries",
    "force_flush",
    "shutdown",
];

/// Reads the configuration file: its keys, and where each key's value is.
fn read_file(path: &Path, origins: &mut Origins) -> anyhow::Result<ConfigFile> {
    let text = crate::run::read::read_text_capped(path, crate::run::read::CONFIG)?;
    let mut map = SourceMap::default();
    let id = map.add(path.display().to_string(), text.clone());
    let src = Source { map, id };
    let file: ConfigFile = match toml::from_str(&text) {
        Ok(f) => f,
        Err(e) => {
            let range = e.span().unwrap_or(0..0);
            return Err(src.error(range, e.message().trim_end().to_string()));
        }
    };
    // The same text read as a table of spanned values, for the positions.
    let spans: BTreeMap<String, toml::Spanned<toml::Value>> =
        toml::from_str(&text).unwrap_or_default();
    for key in KEYS.iter().chain(&["variant"]) {
        if let Some(v) = spans.get(*key) {
            origins.keys.insert(key, Origin::File(v.span()));
        }
    }
    origins.source = Some(src);
    Ok(file)
}

/// The configuration and the variant: defaults, then the file, then the flags. A value that
/// is refused is blamed on what set it: `file:line:col` with a caret for a key of the file,
/// the flag for a flag.
fn config(args: &BspArgs) -> anyhow::Result<(Config, Option<String>)> {
    let mut cfg = Config::default();
    let mut origins = Origins::default();
    let mut variant = None;
    if let Some(path) = &args.config {
        let mut file = read_file(path, &mut origins)?;
        variant = file.variant.take();
        for key in KEYS {
            cfg = only(key, &mut file)
                .apply(cfg)
                .map_err(|e| origins.blame(&[key], e))?;
        }
    }
    let flags: [(&'static str, &str, Option<String>); 9] = [
        (
            "producers",
            "--producers",
            args.producers.map(|v| v.to_string()),
        ),
        ("spans", "--spans", args.spans.map(|v| v.to_string())),
        ("queue", "--queue", args.queue.map(|v| v.to_string())),
        ("batch", "--batch", args.batch.map(|v| v.to_string())),
        (
            "export_failures",
            "--export-failures",
            args.export_failures.map(|v| v.to_string()),
        ),
        (
            "export_timeouts",
            "--export-timeouts",
            args.export_timeouts.map(|v| v.to_string()),
        ),
        (
            "exporter_retries",
            "--exporter-retries",
            args.exporter_retries.map(|v| v.to_string()),
        ),
        ("force_flush", "--force-flush", args.force_flush.clone()),
        ("shutdown", "--shutdown", args.shutdown.clone()),
    ];
    let mut given = ConfigFile {
        variant: None,
        producers: args.producers,
        spans: args.spans,
        queue: args.queue,
        batch: args.batch,
        export_failures: args.export_failures,
        export_timeouts: args.export_timeouts,
        exporter_retries: args.exporter_retries,
        force_flush: None,
        shutdown: None,
    };
    for (key, flag, value) in flags {
        let Some(value) = value else { continue };
        origins
            .keys
            .insert(key, Origin::Flag(format!("{flag} {value}")));
        let when = |w: &Option<String>| w.as_deref().map(When::parse).transpose();
        let applied = match key {
            "force_flush" => when(&args.force_flush).map(|w| {
                cfg.force_flush = w.unwrap_or(cfg.force_flush);
                cfg
            }),
            "shutdown" => when(&args.shutdown).map(|w| {
                cfg.shutdown = w.unwrap_or(cfg.shutdown);
                cfg
            }),
            _ => only(key, &mut given).apply(cfg),
        };
        cfg = applied.map_err(|e| origins.blame(&[key], e))?;
    }
    cfg.validate().map_err(|e| origins.blame_config(e))?;
    if let Some(v) = &args.variant {
        origins
            .keys
            .insert("variant", Origin::Flag(format!("--variant {v}")));
        variant = Some(v.clone());
    }
    if let Some(name) = variant.as_deref()
        && name != "all"
        && Variant::from_name(name).is_none()
    {
        let known = Variant::ALL.map(|v| v.name()).join(", ");
        return Err(origins.blame(
            &["variant"],
            format!("unknown variant `{name}`; the variants are: all, {known}"),
        ));
    }
    Ok((cfg, variant))
}

pub fn run(args: BspArgs) -> anyhow::Result<Outcome> {
    if args.list_variants {
        return list_variants();
    }
    let chosen = config(&args).and_then(|(cfg, variant)| {
        let variants: Vec<Variant> = match variant.as_deref() {
            None => vec![Variant::Spec],
            Some("all") => Variant::ALL.to_vec(),
            Some(name) => match Variant::from_name(name) {
                Some(v) => vec![v],
                None => bail!(
                    "unknown variant `{name}`; the variants are: all, {}",
                    Variant::ALL.map(|v| v.name()).join(", ")
                ),
            },
        };
        Ok((cfg, variants))
    });
    let (cfg, variants) = match chosen {
        Ok(c) => c,
        Err(e) => {
            return Ok(args
                .opts
                .outcome(config_error_report(&args, &e), String::new()));
        }
    };
    let options = crate::run::bsp::Options {
        variants,
        symmetry: args.symmetry,
        limits: args.opts.limits(),
        stats: args.stats,
    };
    let mut observer = super::common::Shown::new(&args.opts);
    let mut report = crate::run::bsp::explore_observed(&cfg, &options, &mut observer);
    let input = args.config.as_ref().map(|p| p.display().to_string());
    for r in &mut report.results {
        r.input.clone_from(&input);
    }
    // Every property is about the configuration file, when one was given.
    if let Some(path) = &args.config {
        let file = path.display().to_string();
        super::common::record_inputs(&mut report, [file.as_str()]);
        for r in &mut report.results {
            r.input.get_or_insert_with(|| file.clone());
        }
    }
    Ok(args.opts.outcome(report, String::new()))
}
