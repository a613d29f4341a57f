//! Process values as the evaluator hands them to `lts`: hash-consed operator nodes over
//! interned events, with named processes unfolded lazily.
//!
//! This is the contract between the evaluator (which builds these nodes) and `lts` (which
//! gives them their operational semantics). Events are `u32`; [`TAU`] and [`TICK`] are fixed.
//! Guards, input enumeration (`c?x`), replicated operators and set expressions are already
//! evaluated away: an input prefix becomes an [`ProcNode::ExtChoice`] of concrete prefixes, a
//! replicated operator its n-ary node. Recursion goes through [`ProcNode::Call`], which the
//! evaluator unfolds on demand, so infinite-looking definitions stay finite here.

use super::source::Span;

/// An interned event. `0` is τ, `1` is ✓; the rest index the [`EventTable`].
pub type EventId = u32;
/// The internal action.
pub const TAU: EventId = 0;
/// Successful termination.
pub const TICK: EventId = 1;

/// A node of the process arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProcId(pub u32);
/// A sorted, deduplicated set of events, interned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventSetId(pub u32);
/// A process name applied to evaluated arguments (or a delayed process expression).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u32);
/// An interned renaming relation: sorted `(from, to)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelationId(pub u32);

/// One CSP operator with its operands already evaluated.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProcNode {
    Stop,
    Skip,
    Div,
    /// `CHAOS(A)`.
    Chaos(EventSetId),
    /// `RUN(A)`.
    Run(EventSetId),
    /// `e -> P` with a concrete event (never τ or ✓).
    Prefix(EventId, ProcId),
    /// `P [] Q`, `[] x:S @ P(x)`; empty = `STOP`.
    ExtChoice(Vec<ProcId>),
    /// `P |~| Q`, `|~| x:S @ P(x)` (the evaluator rejects an empty replicated internal choice).
    IntChoice(Vec<ProcId>),
    /// `P [> Q` (sliding choice / timeout).
    Sliding(ProcId, ProcId),
    /// `P /\ Q`.
    Interrupt(ProcId, ProcId),
    /// `P [| A |> Q`: exception on the events of `A`.
    Exception(ProcId, EventSetId, ProcId),
    /// `P ; Q`.
    Seq(ProcId, ProcId),
    /// `P [| A |] Q`, `P ||| Q` (A empty), `[| A |] x:S @ P(x)`, `||| x:S @ P(x)`: every
    /// component synchronises on `A` (and on ✓, distributed termination).
    GenParallel(EventSetId, Vec<ProcId>),
    /// `P [A || B] Q` and `|| x:S @ [A(x)] P(x)`: each component with its alphabet.
    AlphaParallel(Vec<(EventSetId, ProcId)>),
    /// `P [a <-> b, ...] Q`: linked parallel, the pairs `(a, b)` synchronised and hidden.
    Linked(ProcId, RelationId, ProcId),
    /// `P \ A`.
    Hide(ProcId, EventSetId),
    /// `P [[ a <- b, ... ]]`: the relation may map one event to many.
    Rename(ProcId, RelationId),
    /// A named process, unfolded on demand by [`ProcSource::unfold`].
    Call(CallId),
}

/// Where a call comes from, for counterexamples that name leaf processes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallInfo {
    /// Display form, e.g. `PHIL(3)`.
    pub name: String,
    /// Definition site of the process.
    pub span: Option<Span>,
}

/// Read access to evaluated processes; implemented by the evaluator.
pub trait ProcSource {
    fn node(&self, p: ProcId) -> &ProcNode;
    fn event_set(&self, s: EventSetId) -> &[EventId];
    fn relation(&self, r: RelationId) -> &[(EventId, EventId)];
    fn call_info(&self, c: CallId) -> &CallInfo;
    /// The body of a call; evaluates it the first time, returns the cached node afterwards.
    fn unfold(&mut self, c: CallId) -> Result<ProcId, super::source::Diagnostic>;
    /// Number of events (including τ and ✓): event ids are `0..event_count()`.
    fn event_count(&self) -> u32;
    /// Display form of an event, e.g. `c.1.true`, `τ`, `✓`.
    fn event_name(&self, e: EventId) -> &str;
    /// An event as data: its channel and its fields, each in display form, so that joining
    /// them with `.` gives [`ProcSource::event_name`] (`c.1.true` is `c` with `1` and
    /// `true`); τ and ✓ are the channels `τ` and `✓` without fields.
    fn event_parts(&self, e: EventId) -> (String, Vec<String>);
    /// All events of the script (`Events`), sorted.
    fn all_events(&self) -> &[EventId];
}

/// The semantic model an assertion is checked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SemanticModel {
    Traces,
    Failures,
    FailuresDivergences,
    Refusals,
    RefusalsDivergences,
    Revivals,
    RevivalsDivergences,
}

/// What an assertion asks, with its processes evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    Refinement {
        spec: ProcId,
        model: SemanticModel,
        imp: ProcId,
    },
    DeadlockFree {
        proc: ProcId,
        model: SemanticModel,
    },
    DivergenceFree {
        proc: ProcId,
    },
    Deterministic {
        proc: ProcId,
        model: SemanticModel,
    },
    HasTrace {
        proc: ProcId,
        model: SemanticModel,
        trace: Vec<EventId>,
    },
    /// `assert e` with a boolean expression, already evaluated.
    Bool(bool),
}

/// An `assert` of the script, ready to check.
#[derive(Clone, Debug, PartialEq)]
pub struct Assertion {
    /// The assertion as written (pretty-printed), e.g. `SPEC [T= SYSTEM`.
    pub text: String,
    pub span: Span,
    /// `assert not ...`.
    pub negated: bool,
    pub property: Property,
    /// `:[tau priority]: A`, when given.
    pub tau_priority: Option<EventSetId>,
    /// `:[partial order reduce]` was given (a hint; verdicts do not depend on it).
    pub partial_order_reduce: bool,
}
