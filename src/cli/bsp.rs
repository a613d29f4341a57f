//! `cspot bsp`: explore the BatchSpanProcessor model, one result per property (and variant).

use super::Outcome;
use super::common::CheckOpts;
use anyhow::{Context, bail};
use clap::Args;
use cspot::bsp::{self, Config, ConfigFile, PropertySet, Variant, When};
use cspot::report::Report;
use std::path::PathBuf;

/// Explore the OpenTelemetry BatchSpanProcessor: every interleaving of producers, worker,
/// exporter, ForceFlush and Shutdown, checking P1 (Export never concurrent), P2 (ForceFlush
/// and Shutdown return), P3 (every span accounted for once), P4 (a successful ForceFlush
/// exported what ended before it) and P5 (nothing exported after Shutdown returned).
#[derive(Args, Debug)]
pub struct BspArgs {
    /// Configuration file (e.g. models/bsp/small.toml); the flags below override its keys.
    pub config: Option<PathBuf>,
    /// Processor to check: `spec`, a bug variant (see --list-variants) or `all`.
    #[arg(long, short = 'V', value_name = "NAME")]
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
    /// or N (at any moment once N spans have ended).
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
    Ok(Outcome::Code(cspot::report::exit::HOLDS))
}

/// The configuration: defaults, then the file, then the flags.
fn config(args: &BspArgs) -> anyhow::Result<(Config, Option<String>)> {
    let mut cfg = Config::default();
    let mut variant = None;
    if let Some(path) = &args.config {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file =
            ConfigFile::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        cfg = file
            .apply(cfg)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        variant = file.variant.clone();
    }
    let flags = ConfigFile {
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
    cfg = flags.apply(cfg)?;
    if let Some(w) = &args.force_flush {
        cfg.force_flush = When::parse(w)?;
    }
    if let Some(w) = &args.shutdown {
        cfg.shutdown = When::parse(w)?;
    }
    cfg.validate()?;
    if let Some(v) = &args.variant {
        variant = Some(v.clone());
    }
    Ok((cfg, variant))
}

pub fn run(args: BspArgs) -> anyhow::Result<Outcome> {
    if args.list_variants {
        return list_variants();
    }
    let (cfg, variant) = config(&args)?;
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
    let several = variants.len() > 1;
    let opts = args.opts.explore();
    let mut report = Report::new("bsp");
    for v in variants {
        let mut progress = args.opts.progress(&format!("bsp {}", v.name()));
        let search = bsp::Search {
            symmetry: args.symmetry,
            ..bsp::Search::default()
        };
        let results =
            bsp::check_variant_with(&cfg, v, PropertySet::all(), search, &opts, &mut |p| {
                progress.update(p)
            });
        for r in results {
            if args.stats {
                let per = r.memory_bytes as f64 / (r.stats.states.max(1)) as f64;
                diagln!(
                    "bsp stats: {} {}: {} states, {} transitions, {} words/state, {:.1} bytes stored/state, {:.3}s",
                    v.name(),
                    r.property.short(),
                    r.stats.states,
                    r.stats.transitions,
                    r.state_words,
                    per,
                    r.stats.seconds
                );
            }
            report.results.push(r.to_check_result(&cfg, v, several));
        }
    }
    Ok(Outcome::Report {
        report,
        format: args.opts.format(),
        render: args.opts.render(),
    })
}
