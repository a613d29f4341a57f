//! The data of a report: results, verdicts, counterexamples and findings.

/// What one run of a checking command found.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// The subcommand that produced it: `check`, `traces check`, `traces verify`, `bsp`.
    pub command: String,
    /// The input files, in command-line order (a file that gave no result is still listed:
    /// JUnit gives every input its test suite).
    pub inputs: Vec<String>,
    pub results: Vec<CheckResult>,
}

/// Counts of verdicts, derived from the results (never stored separately).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub holds: usize,
    pub violated: usize,
    pub inconclusive: usize,
    /// Inputs (or parts of them) that could not be read or checked.
    pub errors: usize,
}

impl Report {
    pub fn new(command: impl Into<String>) -> Self {
        Report {
            command: command.into(),
            inputs: Vec::new(),
            results: Vec::new(),
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.results {
            match r.verdict {
                Verdict::Holds => s.holds += 1,
                Verdict::Violated(_) => s.violated += 1,
                Verdict::Inconclusive(_) => s.inconclusive += 1,
                Verdict::Error(_) => s.errors += 1,
            }
        }
        s
    }
}

/// The kinds of result, spelled as in the JSON contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Kind {
    RefinementTraces,
    RefinementFailures,
    RefinementFd,
    Deadlock,
    Divergence,
    Determinism,
    HasTrace,
    /// `assert <boolean expression>`: a value of the functional language, no process.
    Boolean,
    TraceStructure,
    TraceConformance,
    Bsp,
    /// An input that could not be read or checked (verdict `error`).
    #[default]
    Input,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RefinementTraces => "refinement.traces",
            Kind::RefinementFailures => "refinement.failures",
            Kind::RefinementFd => "refinement.fd",
            Kind::Deadlock => "deadlock",
            Kind::Divergence => "divergence",
            Kind::Determinism => "determinism",
            Kind::HasTrace => "has-trace",
            Kind::Boolean => "boolean",
            Kind::TraceStructure => "trace.structure",
            Kind::TraceConformance => "trace.conformance",
            Kind::Bsp => "bsp",
            Kind::Input => "input",
        }
    }

    /// Every kind, in the order of the JSON contract.
    pub const ALL: [Kind; 12] = [
        Kind::RefinementTraces,
        Kind::RefinementFailures,
        Kind::RefinementFd,
        Kind::Deadlock,
        Kind::Divergence,
        Kind::Determinism,
        Kind::HasTrace,
        Kind::Boolean,
        Kind::TraceStructure,
        Kind::TraceConformance,
        Kind::Bsp,
        Kind::Input,
    ];

    /// The kind spelled `s` in JSON.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One assertion, trace or property, and what was found.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckResult {
    /// Stable identifier: `assert 3`, a trace id in hex, `P3 spans accounted`.
    pub id: String,
    pub kind: Kind,
    /// The assertion as the user wrote it, or a one-line description of the property.
    pub title: String,
    /// `file:line:col` of what was checked, when it has a source.
    pub source: Option<String>,
    /// The input file the result belongs to (one of [`Report::inputs`]), when it has one.
    pub input: Option<String>,
    pub verdict: Verdict,
    /// Rule violations (captured traces); empty for model checks.
    pub findings: Vec<Finding>,
    /// The span tree of a captured trace, for timelines; set on violated and error traces
    /// only (a run of many traces keeps the ones that hold summarised).
    pub trace: Option<Box<TraceView>>,
    pub stats: Stats,
}

/// The answer to one check. A violated property is a verdict; `Error` is for input that
/// could not be read or checked, recorded so that no report counts it as holding.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Verdict {
    #[default]
    Holds,
    Violated(Counterexample),
    /// A bound stopped the check; the reason says which.
    Inconclusive(String),
    /// The input (or this assertion, trace or line of it) could not be read or checked.
    Error(InputError),
}

/// Why an input could not be checked, and where.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InputError {
    pub message: String,
    /// `file:line:col` (or `file`) of the error, when it has a position.
    pub position: Option<String>,
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Inconclusive(_) => "inconclusive",
            Verdict::Error(_) => "error",
        }
    }
}

/// Why a property fails, as a shortest path a person can follow.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Counterexample {
    /// One line: what went wrong.
    pub summary: String,
    /// The steps from an initial state to the violation, shortest first.
    pub steps: Vec<Step>,
    /// For divergences and other lassos: the index in `steps` where the loop starts.
    pub loop_start: Option<usize>,
    /// Labelled facts about the final state, e.g. `("refused", "{a, b}")`.
    pub facts: Vec<(String, String)>,
    /// The state before the first step, as named parts (leaf processes and their states;
    /// the BSP's queue and counters); empty when the check does not describe states.
    pub initial: Vec<(String, String)>,
}

/// One step of a counterexample.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Step {
    /// Who acted: a leaf process, a BSP actor.
    pub actor: String,
    /// What happened: an event (`τ` for internal steps), an action.
    pub action: String,
    /// What changed or who took part, one line each.
    pub details: Vec<String>,
    /// `file:line:col` of the acting definition, when it has one.
    pub source: Option<String>,
    /// Internal steps are hidden by the human renderer unless asked for.
    pub internal: bool,
    /// The state after this step, as named parts (see [`Counterexample::initial`]).
    pub state: Vec<(String, String)>,
}

/// A broken rule in captured traces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Finding {
    /// Stable rule id, e.g. `trace.orphan`.
    pub rule: String,
    /// The span the finding is about, in hex, when there is one.
    pub span_id: Option<String>,
    pub message: String,
    /// Other spans involved, in hex.
    pub related: Vec<String>,
    /// `file:line` of the span in its dump, where the reader knows it.
    pub source: Option<String>,
}

/// A captured trace's span tree as renderers draw it (timelines).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct TraceView {
    /// Depth-first from the roots, parents before children, siblings by start time.
    pub spans: Vec<SpanView>,
    /// The span a violation is about (hex id).
    pub marked_span: Option<String>,
    /// The event observed at the failure point (Φ), when there is one.
    pub marked_event: Option<String>,
    /// What the model allowed at the failure point (Φ).
    pub allowed: Vec<String>,
    /// Spans of the trace left out of `spans` (a cap keeps reports readable).
    pub omitted: usize,
}

/// One span of a [`TraceView`].
#[derive(Clone, Debug, PartialEq, Default)]
pub struct SpanView {
    pub id: String,
    /// The parent's id; `None` for a root. A parent that is not in the trace keeps its id.
    pub parent: Option<String>,
    pub name: String,
    pub service: String,
    /// Unix nanoseconds.
    pub start: u64,
    pub end: u64,
    /// Depth in the tree (0 for roots).
    pub depth: u32,
    pub events: Vec<EventView>,
    /// `file:line` of the span in its dump, where the reader knows it.
    pub source: Option<String>,
}

/// A span event: its name and Unix nanoseconds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EventView {
    pub name: String,
    pub time: u64,
}

/// What a check cost.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Stats {
    pub states: u64,
    pub transitions: u64,
    pub seconds: f64,
}

impl CheckResult {
    /// The result's id without the `<input> ` prefix that commands add when several files are
    /// on the command line (`check a.csp b.csp` names `a.csp assert 1`), so that names and
    /// fingerprints do not change with how many files were given. Without an input, the file
    /// of `source` stands for it.
    pub fn local_id(&self) -> &str {
        let file = self
            .input
            .as_deref()
            .or_else(|| self.source.as_deref().map(|s| split_source(s).0));
        file.and_then(|f| self.id.strip_prefix(f))
            .and_then(|rest| rest.strip_prefix(' '))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(&self.id)
    }
}

/// Splits `file:line:col`, `file:line` or `file` into the file and the numbers that are
/// present (a file name may itself hold colons, so numbers are taken from the right only).
pub fn split_source(s: &str) -> (&str, Option<u64>, Option<u64>) {
    let number = |t: &str| -> Option<(usize, u64)> {
        let (head, tail) = t.rsplit_once(':')?;
        let n = tail.parse().ok().filter(|_| !tail.starts_with('+'))?;
        Some((head.len(), n))
    };
    match number(s) {
        None => (s, None, None),
        Some((cut, last)) => match number(&s[..cut]) {
            Some((cut2, line)) => (&s[..cut2], Some(line), Some(last)),
            None => (&s[..cut], Some(last), None),
        },
    }
}
