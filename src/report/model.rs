//! The data of a report: results, verdicts, counterexamples and findings.

/// What one run of a checking command found.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// The subcommand that produced it: `check`, `traces check`, `traces verify`, `bsp`.
    pub command: String,
    pub results: Vec<CheckResult>,
}

/// Counts of verdicts, derived from the results (never stored separately).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub holds: usize,
    pub violated: usize,
    pub inconclusive: usize,
}

impl Report {
    pub fn new(command: impl Into<String>) -> Self {
        Report {
            command: command.into(),
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
            }
        }
        s
    }
}

/// The kinds of result, spelled as in the JSON contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
        }
    }
}

/// One assertion, trace or property, and what was found.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    /// Stable identifier: `assert 3`, a trace id in hex, `P3 spans accounted`.
    pub id: String,
    pub kind: Kind,
    /// The assertion as the user wrote it, or a one-line description of the property.
    pub title: String,
    /// `file:line:col` of what was checked, when it has a source.
    pub source: Option<String>,
    pub verdict: Verdict,
    /// Rule violations (captured traces); empty for model checks.
    pub findings: Vec<Finding>,
    pub stats: Stats,
}

/// The answer to one check. A violated property is a verdict, never an error.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Holds,
    Violated(Counterexample),
    /// A bound stopped the check, or the check is not supported yet; the reason says which.
    Inconclusive(String),
}

impl Verdict {
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Inconclusive(_) => "inconclusive",
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
}

/// A broken rule in captured traces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// Stable rule id, e.g. `trace.orphan`.
    pub rule: String,
    /// The span the finding is about, in hex, when there is one.
    pub span_id: Option<String>,
    pub message: String,
    /// Other spans involved, in hex.
    pub related: Vec<String>,
}

/// What a check cost.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Stats {
    pub states: u64,
    pub transitions: u64,
    pub seconds: f64,
}
