//! The data of a report: results, verdicts, counterexamples and findings.
//!
//! Producers fill in data (locations, events, leaf states, the facts of a violation by kind)
//! and the prose a person reads beside it; renderers never parse prose back into data.

use std::fmt;

/// The version of this cspot, as written in every report it makes.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What one run of a checking command found.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Report {
    /// The subcommand that produced it: `check`, `traces check`, `traces verify`, `bsp`.
    pub command: String,
    /// The version of cspot that produced it ([`VERSION`] for a report made by this build;
    /// `None` for a saved report written before the field existed).
    pub cspot_version: Option<String>,
    /// The input files, in command-line order (a file that gave no result is still listed:
    /// JUnit gives every input its test suite).
    pub inputs: Vec<String>,
    /// The results, in the order the inputs were checked.
    pub results: Vec<CheckResult>,
}

/// Counts of verdicts, derived from the results (never stored separately).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Results that hold.
    pub holds: usize,
    /// Results that are violated.
    pub violated: usize,
    /// Results a bound stopped before an answer.
    pub inconclusive: usize,
    /// Inputs (or parts of them) that could not be read or checked.
    pub errors: usize,
}

impl Report {
    /// An empty report of the subcommand `command` (`check`, `traces check`, ...).
    pub fn new(command: impl Into<String>) -> Self {
        Report {
            command: command.into(),
            cspot_version: Some(VERSION.to_string()),
            inputs: Vec::new(),
            results: Vec::new(),
        }
    }

    /// The count of each verdict.
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
    /// `Spec [T= Impl`: traces refinement.
    RefinementTraces,
    /// `Spec [F= Impl`: stable-failures refinement.
    RefinementFailures,
    /// `Spec [FD= Impl`: failures-divergences refinement.
    RefinementFd,
    /// `P :[deadlock free]`.
    Deadlock,
    /// `P :[divergence free]`.
    Divergence,
    /// `P :[deterministic]`.
    Determinism,
    /// `P :[has trace]: <...>`.
    HasTrace,
    /// `assert <boolean expression>`: a value of the functional language, no process.
    Boolean,
    /// The structure and propagation rules over a captured trace (`traces check`).
    TraceStructure,
    /// A captured trace against a CSP model through Φ (`traces verify`).
    TraceConformance,
    /// A property of the BatchSpanProcessor (`bsp`).
    Bsp,
    /// An input that could not be read or checked (verdict `error`).
    #[default]
    Input,
}

impl Kind {
    /// The kind as spelled in the JSON contract, e.g. `refinement.traces`.
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
    /// What was checked.
    pub kind: Kind,
    /// The assertion as the user wrote it, or a one-line description of the property.
    pub title: String,
    /// Where what was checked is (the assertion, the trace's dump), when it has a source.
    pub source: Option<Location>,
    /// The input file the result belongs to (one of [`Report::inputs`]), when it has one.
    pub input: Option<String>,
    /// The answer.
    pub verdict: Verdict,
    /// Rule violations (captured traces); empty for model checks.
    pub findings: Vec<Finding>,
    /// The span tree of a captured trace, for timelines; set on violated and error traces
    /// only (a run of many traces keeps the ones that hold summarised).
    pub trace: Option<Box<TraceView>>,
    /// Size and time of the check.
    pub stats: Stats,
}

/// The answer to one check. A violated property is a verdict; `Error` is for input that
/// could not be read or checked, recorded so that no report counts it as holding.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Verdict {
    #[default]
    /// The property holds.
    Holds,
    /// The property is violated; the counterexample shows how.
    Violated(Counterexample),
    /// A bound stopped the check; the reason says which.
    Inconclusive(String),
    /// The input (or this assertion, trace or line of it) could not be read or checked.
    Error(InputError),
}

/// Why an input could not be checked, and where.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct InputError {
    /// What went wrong.
    pub message: String,
    /// Where the error is, when it has a position.
    pub position: Option<Location>,
}

impl Verdict {
    /// The verdict as spelled in the JSON contract: `holds`, `violated`, `inconclusive`, `error`.
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
    /// The leaf processes before the first step, as data (CSP checks; empty otherwise).
    pub initial_leaves: Vec<LeafState>,
    /// The leaf processes at the violation with what each offers (a deadlock, a refused
    /// acceptance, a nondeterministic state); empty when the check does not describe them.
    pub leaves: Vec<LeafState>,
    /// The facts of the violation as data, by kind (what was refused, allowed, performed);
    /// boxed, as most counterexamples have none.
    pub evidence: Box<Evidence>,
}

/// The facts of a violation as events, one field per kind; `None` where the check has no
/// such fact. The prose of [`Counterexample::facts`] says the same for people.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Evidence {
    /// The event the violation is about: the one the implementation performed and the
    /// specification could not (traces refinement), the one another state on the same trace
    /// performs while this one refuses it (determinism).
    pub performed: Option<Event>,
    /// What the specification allowed after the trace (traces refinement).
    pub allowed: Option<Vec<Event>>,
    /// What the implementation or process offered in the final state (failures refinement,
    /// determinism, has trace: the union over the states reached by the longest prefix).
    pub offered: Option<Vec<Event>>,
    /// What the implementation can refuse there (failures refinement, determinism).
    pub refusal: Option<Vec<Event>>,
    /// The specification's minimal acceptances after the trace: the implementation must
    /// accept all of one of them; empty when the specification never becomes stable there
    /// (failures refinement).
    pub acceptances: Option<Vec<Vec<Event>>>,
    /// The event of the asserted trace the process cannot perform next (has trace).
    pub missing: Option<Event>,
}

impl Evidence {
    /// No fact as data: the check records none.
    pub fn is_empty(&self) -> bool {
        *self == Evidence::default()
    }
}

/// An event as data: its channel and its fields, each in FDR's display form, so that
/// `c.1.(0.2)` is channel `c` with fields `1` and `(0.2)`, and joining the channel and the
/// fields with `.` gives the event's display form. The internal event τ and termination ✓
/// are the channels `τ` and `✓`, without fields.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Event {
    /// The channel, `τ` or `✓`.
    pub channel: String,
    /// The values after the channel, each in FDR's display form.
    pub fields: Vec<String>,
}

impl Event {
    /// The channel of the internal event.
    pub const TAU: &'static str = "τ";
    /// The channel of successful termination.
    pub const TICK: &'static str = "✓";

    /// An event of `channel` with `fields`.
    pub fn new(channel: impl Into<String>, fields: Vec<String>) -> Event {
        Event {
            channel: channel.into(),
            fields,
        }
    }

    /// The internal event τ.
    pub fn tau() -> Event {
        Event::new(Event::TAU, Vec::new())
    }

    /// Termination, ✓.
    pub fn tick() -> Event {
        Event::new(Event::TICK, Vec::new())
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.channel)?;
        for x in &self.fields {
            write!(f, ".{x}")?;
        }
        Ok(())
    }
}

/// A leaf process (a sequential component of a CSP system) in one state.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct LeafState {
    /// The leaf's name, as in [`Step::actors`].
    pub process: String,
    /// Its state, as a short display form of the process term.
    pub state: String,
    /// The events it offers in that state, on its own (before synchronisation), in event
    /// order; τ and ✓ included.
    pub offers: Vec<Event>,
}

/// A place in an input file: the data behind `file:line:col`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Location {
    /// The file, as named on the command line or by an `include`.
    pub file: String,
    /// The line, from 1, when known.
    pub line: Option<u64>,
    /// The column, from 1, when known (only with a line).
    pub col: Option<u64>,
    /// The byte offset in the file, for inputs without lines (a protobuf dump), when that
    /// is all that is known.
    pub byte: Option<u64>,
}

impl Location {
    /// A whole file.
    pub fn file(file: impl Into<String>) -> Location {
        Location {
            file: file.into(),
            ..Location::default()
        }
    }

    /// A line of a file.
    pub fn line(file: impl Into<String>, line: u64) -> Location {
        Location {
            line: Some(line),
            ..Location::file(file)
        }
    }

    /// A line and column of a file.
    pub fn at(file: impl Into<String>, line: u64, col: u64) -> Location {
        Location {
            col: Some(col),
            ..Location::line(file, line)
        }
    }

    /// A byte offset in a file.
    pub fn byte(file: impl Into<String>, byte: u64) -> Location {
        Location {
            byte: Some(byte),
            ..Location::file(file)
        }
    }

    /// Reads the display form back (`file:line:col`, `file:line`, `file: byte N` or `file`),
    /// for reports saved before locations were written as data. A file name that ends in
    /// `:<digits>` is read as a line: the data form has no such ambiguity.
    pub fn parse(s: &str) -> Location {
        if let Some((file, n)) = s.rsplit_once(": byte ")
            && let Some(b) = n.parse().ok().filter(|_| !n.starts_with('+'))
        {
            return Location::byte(file, b);
        }
        let (file, line, col) = split_source(s);
        Location {
            file: file.to_string(),
            line,
            col,
            byte: None,
        }
    }
}

impl From<&str> for Location {
    /// [`Location::parse`].
    fn from(s: &str) -> Location {
        Location::parse(s)
    }
}

impl fmt::Display for Location {
    /// `file:line:col`, `file:line`, `file: byte N` or `file`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match (self.line, self.col, self.byte) {
            (Some(l), Some(c), _) => write!(f, ":{l}:{c}"),
            (Some(l), None, _) => write!(f, ":{l}"),
            (None, _, Some(b)) => write!(f, ": byte {b}"),
            (None, _, None) => Ok(()),
        }
    }
}

/// One step of a counterexample.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Step {
    /// Who acted, as one line: the leaf processes, a BSP actor, a span.
    pub actor: String,
    /// Who acted, one name each: the leaf processes that took part (CSP), the BSP actor,
    /// the span's name (Φ).
    pub actors: Vec<String>,
    /// What happened: an event (`τ` for internal steps), an action.
    pub action: String,
    /// The event performed, as data, when the step is one (CSP; Φ steps that match a span
    /// event); `None` for BSP actions and the starts and ends of spans.
    pub event: Option<Event>,
    /// The span the step belongs to, in hex (Φ).
    pub span_id: Option<String>,
    /// What changed or who took part, one line each.
    pub details: Vec<String>,
    /// Where the acting definition is, when it has one.
    pub source: Option<Location>,
    /// Internal steps are hidden by the human renderer unless asked for.
    pub internal: bool,
    /// The state after this step, as named parts (see [`Counterexample::initial`]).
    pub state: Vec<(String, String)>,
    /// The leaf processes after this step, as data (CSP checks; empty otherwise).
    pub leaves: Vec<LeafState>,
}

/// A broken rule in captured traces.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Finding {
    /// Stable rule id, e.g. `trace.orphan`.
    pub rule: String,
    /// The span the finding is about, in hex, when there is one.
    pub span_id: Option<String>,
    /// What the finding says, in a sentence.
    pub message: String,
    /// Other spans involved, in hex.
    pub related: Vec<String>,
    /// The line of the span in its dump, where the reader knows it.
    pub source: Option<Location>,
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
    /// The span id in hex.
    pub id: String,
    /// The parent's id; `None` for a root. A parent that is not in the trace keeps its id.
    pub parent: Option<String>,
    /// The span name.
    pub name: String,
    /// The `service.name` of its resource (empty when none).
    pub service: String,
    /// Unix nanoseconds.
    pub start: u64,
    /// End time, nanoseconds since the Unix epoch.
    pub end: u64,
    /// Depth in the tree (0 for roots).
    pub depth: u32,
    /// The span events.
    pub events: Vec<EventView>,
    /// The line of the span in its dump, where the reader knows it.
    pub source: Option<Location>,
}

/// A span event: its name and Unix nanoseconds.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EventView {
    /// The event name.
    pub name: String,
    /// Time, nanoseconds since the Unix epoch.
    pub time: u64,
}

/// What a check cost.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Stats {
    /// States stored.
    pub states: u64,
    /// Transitions followed.
    pub transitions: u64,
    /// Wall-clock seconds (0 with `--no-timings`).
    pub seconds: f64,
}

impl CheckResult {
    /// A result with verdict `error` and kind `input`: an input (`file`, when there is one)
    /// or a part of one that could not be read or checked, `title` saying which, `message`
    /// why, at `position`. Every command records its unreadable inputs this way, so that every
    /// report format counts them and none passes for holding.
    pub fn input_error(
        id: impl Into<String>,
        title: impl Into<String>,
        file: Option<&str>,
        message: impl Into<String>,
        position: Option<Location>,
    ) -> CheckResult {
        CheckResult {
            id: id.into(),
            kind: Kind::Input,
            title: title.into(),
            source: position.clone(),
            input: file.map(str::to_string),
            verdict: Verdict::Error(InputError {
                message: message.into(),
                position,
            }),
            ..Default::default()
        }
    }

    /// The result's id without the `<input> ` prefix that commands add when several files are
    /// on the command line (`check a.csp b.csp` names `a.csp assert 1`), so that names and
    /// fingerprints do not change with how many files were given. Without an input, the file
    /// of `source` stands for it.
    pub fn local_id(&self) -> &str {
        let file = self
            .input
            .as_deref()
            .or_else(|| self.source.as_ref().map(|s| s.file.as_str()));
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
