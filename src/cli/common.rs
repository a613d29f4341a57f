//! Options shared by every checking command, and the progress display.

use crate::explore;
use crate::report::{self, Format, RenderOptions, Report};
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    Junit,
    Sarif,
    /// One self-contained HTML page (see also --report FILE.html).
    Html,
}

impl FormatArg {
    pub fn format(self) -> Format {
        match self {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Junit => Format::Junit,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Html => Format::Html,
        }
    }
}

/// Reports written to files in the same run as the one on stdout, so that CI checks once and
/// keeps every format it needs.
#[derive(Args, Clone, Debug, Default)]
pub struct OutputFiles {
    /// Also write the JSON report to FILE (the one `cspot report` renders again later).
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write a JUnit XML report to FILE: one test suite per input file.
    #[arg(long = "junit", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 report to FILE, for code scanning (counterexamples as code flows).
    #[arg(long = "sarif", value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Also write a self-contained HTML report to FILE: a summary, and for each violation its
    /// steps, a drawing of the states or a timeline of the spans.
    #[arg(long = "report", value_name = "FILE.html")]
    pub html: Option<PathBuf>,
}

impl OutputFiles {
    /// Writes every requested report file. A file that cannot be written is an error (exit 2):
    /// a CI job must not upload a report that is missing or cut short.
    pub fn write(&self, report: &Report, render: RenderOptions) -> anyhow::Result<()> {
        let plain = RenderOptions {
            color: false,
            ..render
        };
        for (path, format) in [
            (&self.json, Format::Json),
            (&self.junit, Format::Junit),
            (&self.sarif, Format::Sarif),
            (&self.html, Format::Html),
        ] {
            if let Some(path) = path {
                let text = report::render(report, format, plain);
                std::fs::write(path, text)
                    .with_context(|| format!("cannot write the report {}", path.display()))?;
            }
        }
        Ok(())
    }
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
    /// Stop a check as inconclusive when its state store would pass this size: bytes, or a
    /// number with K, M, G or T (powers of 1024; 512M, 512MB and 512MiB are the same), e.g.
    /// 4G, 1.5G. Default: 80% of the memory available when the check starts.
    #[arg(long, value_name = "SIZE", value_parser = super::units::parse_size)]
    pub max_memory: Option<u64>,
    /// Stop a check as inconclusive (exit 3) after this long: seconds, or a number with a
    /// unit ns, us, ms, s, m, h (30, 1.5s, 500ms, 5m). Without it there is no time bound.
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_positive_duration)]
    pub timeout: Option<Duration>,
    /// No progress on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// When stderr is not a terminal (a CI log), write a progress line this often (states,
    /// transitions, depth, states/s, memory): seconds, or a number with a unit (500ms, 1m);
    /// a terminal shows a live line instead.
    #[arg(long, value_name = "DURATION", default_value = "5", value_parser = super::units::parse_positive_duration)]
    pub progress_interval: Duration,
    /// Leave wall-clock times out of the report, so that reruns are byte-identical.
    #[arg(long)]
    pub no_timings: bool,
    #[command(flatten)]
    pub outputs: OutputFiles,
}

impl CheckOpts {
    pub fn format(&self) -> Format {
        self.format.format()
    }

    /// The outcome of a checking command: `report` rendered as these options say, into the
    /// report files asked for, followed by `trailer` (human text such as a summary table).
    pub fn outcome(&self, report: Report, trailer: String) -> super::Outcome {
        super::Outcome::Report {
            report,
            format: self.format(),
            render: self.render(),
            files: self.outputs.clone(),
            trailer,
        }
    }

    pub fn render(&self) -> RenderOptions {
        let color = matches!(self.format, FormatArg::Human) && super::color::stdout();
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

    /// The workers and bounds of these options, as every run takes them.
    pub fn limits(&self) -> crate::run::Limits {
        crate::run::Limits {
            jobs: self.jobs(),
            max_states: self.max_states,
            max_memory: self.max_memory,
            timeout: self.timeout,
        }
    }

    pub fn explore(&self) -> explore::Options {
        self.limits().explore()
    }

    /// A progress callback for the engine: a live line on stderr when it is a terminal; when
    /// it is not (a CI log), one plain line every `--progress-interval`, so that a long check
    /// shows it is alive without flooding the log.
    pub fn progress(&self, what: &str) -> Progress {
        let show = if self.quiet {
            Show::Nothing
        } else if std::io::stderr().is_terminal() {
            let pb = indicatif::ProgressBar::new_spinner();
            pb.set_prefix(what.to_string());
            Show::Bar(pb)
        } else {
            Show::Log {
                what: what.to_string(),
                every: self.progress_interval,
                next: later(self.progress_interval),
            }
        };
        Progress { show }
    }
}

/// The CLI's [`Observer`](crate::run::Observer): diagnostics on stderr, and the progress of
/// each search as [`CheckOpts::progress`] shows it.
pub struct Shown<'a> {
    opts: &'a CheckOpts,
    current: Option<Progress>,
}

impl<'a> Shown<'a> {
    pub fn new(opts: &'a CheckOpts) -> Self {
        Shown {
            opts,
            current: None,
        }
    }
}

impl crate::run::Observer for Shown<'_> {
    fn diagnostic(&mut self, rendered: &str) {
        diag!("{rendered}");
    }
    fn started(&mut self, id: &str) {
        self.current = Some(self.opts.progress(id));
    }
    fn progress(&mut self, progress: &explore::Progress) {
        if let Some(p) = &mut self.current {
            p.update(progress);
        }
    }
    fn finished(&mut self) {
        self.current = None;
    }
    fn color(&self) -> bool {
        super::color::stderr()
    }
}

/// The instant `after` from now; an interval too long for the clock (`--progress-interval
/// 1000000000h`) means never, as adding it would overflow.
fn later(after: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(after)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// The CLI's observer where no progress is shown: diagnostics on stderr, as they come.
pub struct Stderr;

impl crate::run::Observer for Stderr {
    fn diagnostic(&mut self, rendered: &str) {
        diag!("{rendered}");
    }
    fn color(&self) -> bool {
        super::color::stderr()
    }
}

/// Live progress of one check; cleared when dropped.
pub struct Progress {
    show: Show,
}

enum Show {
    Nothing,
    Bar(indicatif::ProgressBar),
    /// A line per period, for logs; `next` is when the next line is due.
    Log {
        what: String,
        every: Duration,
        next: Instant,
    },
}

impl Progress {
    pub fn update(&mut self, p: &explore::Progress) {
        let line = || {
            let rate = if p.seconds > 0.0 {
                p.states as f64 / p.seconds
            } else {
                0.0
            };
            format!(
                "{} states, {} transitions, depth {}, {:.0} states/s, {} MiB",
                p.states,
                p.transitions,
                p.depth,
                rate,
                p.memory_bytes >> 20
            )
        };
        match &mut self.show {
            Show::Nothing => {}
            Show::Bar(bar) => {
                bar.set_message(line());
                bar.tick();
            }
            Show::Log { what, every, next } => {
                let now = Instant::now();
                if now >= *next {
                    *next = later(*every);
                    diagln!("{what}: {} after {:.0}s", line(), p.seconds);
                }
            }
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Show::Bar(bar) = &self.show {
            bar.finish_and_clear();
        }
    }
}

/// Runs a whole command (`lts`, `eval`) under `--timeout` and `--max-memory` (the default
/// bound when absent). A bound passed ends it inconclusive (exit 3): `said(bound, hint)` is
/// the line written, `hint` the option that raises it.
pub(crate) fn within_bounds(
    timeout: Option<Duration>,
    max_memory: Option<u64>,
    run: impl FnOnce(crate::budget::Bounds) -> anyhow::Result<super::Outcome>,
    said: impl FnOnce(crate::budget::Exceeded, &str) -> String,
) -> anyhow::Result<super::Outcome> {
    use crate::budget;
    let bounds = budget::Bounds {
        deadline: timeout.and_then(|t| std::time::Instant::now().checked_add(t)),
        max_bytes: max_memory.or_else(crate::budget::default_max_bytes),
    };
    match budget::scope(bounds, || run(bounds)) {
        (_, Some(bound)) => {
            let hint = match bound {
                budget::Exceeded::Time => "raise --timeout",
                budget::Exceeded::Memory(_) => "raise --max-memory",
            };
            diagln!("{}", said(bound, hint));
            Ok(super::Outcome::Code(crate::report::exit::INCONCLUSIVE))
        }
        (outcome, None) => outcome,
    }
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

/// Records the command line's input files in `report` (`-` as `<stdin>`, as the readers name
/// it) and gives each result that has none the input its source is in, so that reports can
/// group and locate results by file (JUnit suites, SARIF locations). Results about no one
/// file (corpus checks) keep no input.
pub fn record_inputs<'a>(
    report: &mut crate::report::Report,
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
            && let Some(src) = &r.source
            && report.inputs.contains(&src.file)
        {
            r.input = Some(src.file.clone());
        }
    }
}
