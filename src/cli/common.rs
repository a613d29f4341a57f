//! Options shared by every checking command, and the progress display.

use clap::{Args, ValueEnum};
use cspot::explore;
use cspot::report::{Format, RenderOptions};
use std::io::IsTerminal;
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Junit,
    Sarif,
}

/// `--format`, `--jobs`, bounds and `-q`, flattened into every checking command.
#[derive(Args, Clone, Debug)]
pub struct CheckOpts {
    /// Output format of the report on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Worker threads, 1 to 1024; 0 or leaving it out means one per core, and more than the
    /// cores are cut to one per core. Verdicts and reports do not depend on it.
    #[arg(long, short = 'j', value_name = "N", value_parser = parse_jobs, allow_negative_numbers = true)]
    pub jobs: Option<usize>,
    /// Stop a check as inconclusive (exit 3) after storing this many states.
    #[arg(long)]
    pub max_states: Option<u64>,
    /// Stop a check as inconclusive when its state store would pass this size (e.g. 512M, 4G).
    /// Default: 80% of the memory available when the check starts.
    #[arg(long, value_parser = parse_bytes)]
    pub max_memory: Option<u64>,
    /// Stop a check as inconclusive (exit 3) after this many seconds (a positive number,
    /// fractions allowed: 0.5, 30, 600). Without it there is no time bound.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Leave wall-clock times out of the report, so that reruns are byte-identical.
    #[arg(long)]
    pub no_timings: bool,
}

impl CheckOpts {
    pub fn format(&self) -> Format {
        match self.format {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
            FormatArg::Sarif => Format::Sarif,
        }
    }

    pub fn render(&self) -> RenderOptions {
        let color = matches!(self.format, FormatArg::Human)
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none();
        RenderOptions {
            timings: !self.no_timings,
            color,
        }
    }

    /// Worker threads to use: 0 for one per core, else at most one per core. More threads
    /// than cores cannot speed a check up and, hundreds of them, slow it down many times
    /// (idle workers spin between the phases of each commit).
    pub fn jobs(&self) -> usize {
        match self.jobs.unwrap_or(0) {
            0 => 0,
            n => n.min(std::thread::available_parallelism().map_or(1, |c| c.get())),
        }
    }

    pub fn explore(&self) -> explore::Options {
        explore::Options {
            jobs: self.jobs(),
            max_states: self.max_states,
            max_memory: self.max_memory.or_else(default_memory_bound),
            timeout: self.timeout,
        }
    }

    /// A progress callback for the engine: a live line on stderr when it is a terminal.
    pub fn progress(&self, what: &str) -> Progress {
        let bar = if self.quiet || !std::io::stderr().is_terminal() {
            None
        } else {
            let pb = indicatif::ProgressBar::new_spinner();
            pb.set_prefix(what.to_string());
            Some(pb)
        };
        Progress { bar }
    }
}

/// Live progress of one check; cleared when dropped.
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn update(&mut self, p: &explore::Progress) {
        if let Some(bar) = &self.bar {
            let rate = if p.seconds > 0.0 {
                p.states as f64 / p.seconds
            } else {
                0.0
            };
            bar.set_message(format!(
                "{} states, {} transitions, depth {}, {:.0} states/s, {} MiB",
                p.states,
                p.transitions,
                p.depth,
                rate,
                p.memory_bytes >> 20
            ));
            bar.tick();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// 80% of `MemAvailable` (Linux), so that a large check ends as inconclusive rather than being
/// killed; no bound where the figure cannot be read.
fn default_memory_bound() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024 / 10 * 8)
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        Some('T') => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| *n > 0.0)
        .map(|n| (n * mult as f64) as u64)
        .ok_or_else(|| format!("`{s}` is not a size; write e.g. 512M or 4G"))
}

/// More worker threads than this is a typing error, not a wish: each one is an OS thread
/// with its own stack, and 100 000 of them took minutes to start before any work was done.
pub const MAX_JOBS: usize = 1024;

/// `--jobs`: 0 (one per core) to [`MAX_JOBS`].
fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: i64 = s.trim().parse().map_err(|_| {
        format!("`{s}` is not a number of threads; write e.g. 1, 4, or 0 for one per core")
    })?;
    usize::try_from(n)
        .ok()
        .filter(|&n| n <= MAX_JOBS)
        .ok_or_else(|| {
            format!("{n} threads is out of range: give 1 to {MAX_JOBS}, or 0 for one per core")
        })
}

/// `--timeout`: a positive, finite number of seconds that a [`Duration`] can hold. Zero is
/// refused rather than read as "no bound" (leaving the flag out says that).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds; write e.g. 30 or 0.5"))?;
    if !secs.is_finite() {
        return Err(format!(
            "`{s}` is not a finite number of seconds; leave --timeout out for no time bound"
        ));
    }
    if secs <= 0.0 {
        return Err(format!(
            "the timeout must be more than 0 seconds, not `{s}`; leave --timeout out for no \
             time bound"
        ));
    }
    Duration::try_from_secs_f64(secs).map_err(|_| {
        format!("`{s}` seconds is too long a timeout; leave --timeout out for no time bound")
    })
}

/// Records the command line's input files in `report` (`-` as `<stdin>`, as the readers name
/// it) and gives each result that has none the input its source is in, so that reports can
/// group and locate results by file (JUnit suites, SARIF locations). Results about no one
/// file (corpus checks) keep no input.
pub fn record_inputs<'a>(
    report: &mut cspot::report::Report,
    files: impl IntoIterator<Item = &'a str>,
) {
    for f in files {
        let name = if f == "-" { "<stdin>" } else { f };
        if !report.inputs.iter().any(|i| i == name) {
            report.inputs.push(name.to_string());
        }
    }
    for r in &mut report.results {
        if r.input.is_none()
            && let Some(src) = r.source.as_deref()
        {
            let file = cspot::report::split_source(src).0;
            if report.inputs.iter().any(|i| i == file) {
                r.input = Some(file.to_string());
            }
        }
    }
}
