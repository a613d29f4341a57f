//! `cspot check FILE... [--assert N] [--show-tau]`: every assertion of every file, in file
//! order, one result each; and `cspot lts FILE PROCESS --format dot|aut|json`: the explicit
//! labelled transition system of a process.

use super::Outcome;
use super::common::CheckOpts;
use crate::budget;
use crate::cspm::Script;
use crate::lts::{CompileOptions, Compiler, export};
use crate::report::exit;
use crate::run::FsLoader;
use crate::run::check::copy_map;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
#[command(
    after_help = "Exit codes: 0 every assertion holds; 1 one is violated; 2 an input \
    error: a file that cannot be read or parsed, or an assertion that cannot be evaluated or \
    checked (an unsupported model such as [R= or [V=, a process with no finite LTS), which is \
    reported at its position and recorded in the report with verdict `error`, while the other \
    assertions and files are still checked; 3 a bound (--max-states, --max-memory, --timeout) \
    stopped a check, normalisation included. An error beats a violation, which beats an \
    inconclusive result."
)]
pub struct CheckArgs {
    /// CSPM files; their assertions are checked in file order, one result each.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check only the N-th assertion (1-based) of each file.
    #[arg(long = "assert", value_name = "N")]
    pub assert: Option<usize>,
    /// Keep internal (τ) steps in counterexamples; they are left out by default.
    #[arg(long)]
    pub show_tau: bool,
    /// A leaf process (a sequential process under the parallel operators) with more states
    /// than this is reported as not finite, with its name and position.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_leaf_states: usize,
    #[command(flatten)]
    pub opts: CheckOpts,
}

pub fn run(args: CheckArgs) -> anyhow::Result<Outcome> {
    let files: Vec<String> = args.files.iter().map(|p| p.display().to_string()).collect();
    let options = crate::run::check::Options {
        assert: args.assert,
        show_tau: args.show_tau,
        max_leaf_states: args.max_leaf_states,
        limits: args.opts.limits(),
    };
    let mut observer = super::common::Shown::new(&args.opts);
    let report = crate::run::check::check_files_then_exit(&files, &options, &mut observer, true);
    Ok(args.opts.outcome(report, String::new()))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LtsFormat {
    Dot,
    Aut,
    Json,
}

#[derive(Args, Debug)]
pub struct LtsArgs {
    /// The CSPM file that defines the process.
    pub file: PathBuf,
    /// A process expression in the file's context, e.g. `SYSTEM` or `PHIL(2)`.
    pub process: String,
    /// Graphviz dot, Aldebaran aut (τ is `i`, ✓ is `tick`), or JSON.
    #[arg(long, value_enum, default_value = "dot")]
    pub format: LtsFormat,
    /// Refuse to export more states than this: the run ends inconclusive (exit 3), printing
    /// nothing on stdout.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_states: usize,
    /// A leaf process with more states than this is reported as not finite.
    #[arg(long, default_value_t = 200_000, value_name = "N")]
    pub max_leaf_states: usize,
    /// Stop after this long (seconds, or with a unit: 1.5s, 500ms, 5m), loading, evaluation
    /// and compilation included: the run ends inconclusive (exit 3), exporting nothing. No
    /// bound without it.
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_positive_duration)]
    pub timeout: Option<Duration>,
    /// Stop when the process would hold more memory than this (bytes, or with K, M, G, T,
    /// powers of 1024: 512M, 4GiB): exit 3, nothing exported. Default: 80% of the memory
    /// available when the run starts.
    #[arg(long, value_name = "SIZE", value_parser = super::units::parse_size)]
    pub max_memory: Option<u64>,
}

pub fn run_lts(args: LtsArgs) -> anyhow::Result<Outcome> {
    let file = args.file.display().to_string();
    // One budget for the whole run: loading, evaluating, compiling and exporting.
    super::common::within_bounds(
        args.timeout,
        args.max_memory,
        |bounds| lts_within(&args, &file, bounds),
        |bound, hint| {
            format!(
                "inconclusive: {} of {file}: {bound}; nothing exported; {hint}",
                args.process
            )
        },
    )
}

fn lts_within(args: &LtsArgs, file: &str, bounds: budget::Bounds) -> anyhow::Result<Outcome> {
    let mut script = match Script::load(file, &mut FsLoader::default()) {
        Ok(s) => s,
        Err(e) => {
            diag!("{e}");
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let p = match script.process(&args.process) {
        Ok(p) => p,
        Err(d) => {
            diag!(
                "{}",
                d.render_styled(script.source_map(), super::color::stderr())
            );
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    let map = copy_map(script.source_map());
    let opts = CompileOptions {
        max_leaf_states: args.max_leaf_states,
        ..CompileOptions::default()
    };
    let mut c = Compiler::new(&mut script, opts);
    c.sem.budget = crate::lts::sem::Budget {
        max_bytes: bounds.max_bytes,
        deadline: bounds.deadline,
    };
    let m = match c.machine(p) {
        Ok(m) => m,
        // The caller reports a bound that stopped the compilation.
        Err(_) if c.sem.stopped.is_some() || budget::exceeded().is_some() => {
            return Ok(Outcome::Code(exit::INCONCLUSIVE));
        }
        Err(d) => {
            diag!("{}", d.render_styled(&map, super::color::stderr()));
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    // A bound that stops the exploration leaves the question open, as in `check`: exit 3.
    let limits = export::Limits {
        max_states: args.max_states,
        max_bytes: bounds.max_bytes,
        deadline: bounds.deadline,
    };
    let lts = match export::explicit_within(&m, &limits) {
        Ok(lts) => lts,
        Err(stop) => {
            let why = match stop {
                export::Stop::States(n) => {
                    format!("more than {n} states: stopped at the state bound; raise --max-states")
                }
                export::Stop::Memory(n) => format!(
                    "stopped at the memory bound ({} MiB); raise --max-memory",
                    n >> 20
                ),
                export::Stop::Time => "stopped at the time bound; raise --timeout".to_string(),
            };
            diagln!("inconclusive: {}: {why}; nothing exported", args.process);
            return Ok(Outcome::Code(exit::INCONCLUSIVE));
        }
    };
    let name = |e| c.event_name(e).to_string();
    let describe = |s: u32| {
        let st = lts.state(s);
        (0..m.leaves.len())
            .map(|i| c.leaf_state(&m, i, m.local(st, i)))
            .collect::<Vec<_>>()
            .join(" || ")
    };
    let text = match args.format {
        LtsFormat::Dot => export::to_dot(&lts, &name, &describe),
        LtsFormat::Aut => export::to_aut(&lts, &name),
        LtsFormat::Json => export::to_json(&lts, &name, &describe),
    };
    out!("{text}");
    Ok(Outcome::Code(exit::HOLDS))
}
