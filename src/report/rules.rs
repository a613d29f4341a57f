//! The rule catalogue: a name, a one-line and a full description, and help text for every
//! rule id a report can carry — the result kinds, the BSP properties (`bsp.P1`–`bsp.P5`), the
//! structural trace rules and the Φ rules. Renderers that describe rules (SARIF's
//! `tool.driver.rules`) read it through [`lookup`], which never fails: an id the catalogue
//! does not know gets a generic entry, so a new rule elsewhere cannot make a report omit it.
//! This file holds text only; it must not decide verdicts or depend on the modules that
//! produce the findings (a test keeps it in step with them).

use super::{CheckResult, Kind};

/// What a renderer says about one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The stable id results refer to, e.g. `trace.orphan`.
    pub id: &'static str,
    /// A PascalCase friendly name (SARIF `reportingDescriptor.name`).
    pub name: &'static str,
    /// One sentence.
    pub short: &'static str,
    /// What the rule checks, in a few sentences.
    pub full: &'static str,
    /// What to do when it fires.
    pub help: &'static str,
}

/// The rule a result is reported under when it has no findings of its own: its kind, or for
/// a BSP property the property (`bsp.P3`), so that each property keeps its own id.
pub fn rule_of(r: &CheckResult) -> String {
    if r.kind == Kind::Bsp
        && let Some(p) = bsp_property(&r.id)
    {
        return format!("bsp.{p}");
    }
    r.kind.as_str().to_string()
}

/// `P1`..`P5` from a BSP result id (`P3 spans accounted`, or `VARIANT P3 spans accounted` when
/// several variants were checked).
fn bsp_property(id: &str) -> Option<&str> {
    id.split_whitespace().find(|w| {
        w.len() == 2 && w.starts_with('P') && w[1..].chars().all(|c| ('1'..='5').contains(&c))
    })
}

/// The catalogue entry of `id`, or `None` when it is not catalogued (see [`generic`]).
pub fn lookup(id: &str) -> Option<&'static Rule> {
    CATALOGUE.iter().find(|r| r.id == id)
}

/// Text for a rule id the catalogue does not know: it is still described, never dropped.
pub fn generic(id: &str) -> (String, String, String) {
    (
        format!("cspot rule {id}"),
        format!(
            "A check of cspot reported under the rule id `{id}`, which has no catalogue entry."
        ),
        "Read the result's message: it says what was found and where. Then run the same \
         cspot command with --format human for the full explanation."
            .to_string(),
    )
}

/// Every catalogued rule, the result kinds first.
pub const CATALOGUE: &[Rule] = &[
    // Result kinds (CSP assertions of a CSPM script, and the non-finding kinds).
    Rule {
        id: "refinement.traces",
        name: "TracesRefinement",
        short: "A traces refinement assertion (Spec [T= Impl) is violated.",
        full: "The implementation process can perform a sequence of events that the specification \
               cannot: its traces are not a subset of the specification's.",
        help: "Follow the counterexample: its last event is the one the specification refuses to \
               allow after the preceding trace. Either the implementation must not offer it there, \
               or the specification is too strict.",
    },
    Rule {
        id: "refinement.failures",
        name: "FailuresRefinement",
        short: "A stable-failures refinement assertion (Spec [F= Impl) is violated.",
        full: "After some trace the implementation either performs an event the specification \
               cannot, or stably refuses a set of events that the specification must accept.",
        help: "Read the counterexample's trace and its `refused` fact: the implementation may \
               refuse those events where the specification guarantees one of them.",
    },
    Rule {
        id: "refinement.fd",
        name: "FailuresDivergencesRefinement",
        short: "A failures-divergences refinement assertion (Spec [FD= Impl) is violated.",
        full: "The implementation has a trace, a stable refusal or a divergence (an unbounded run \
               of internal events) that the specification does not allow.",
        help: "When the counterexample ends in a loop, the implementation can diverge there; \
               otherwise treat it as a traces or failures counterexample.",
    },
    Rule {
        id: "deadlock",
        name: "DeadlockFreedom",
        short: "A process can reach a state in which it can do nothing.",
        full: "`assert P :[deadlock free]` fails when some trace of P leads to a stable state that \
               refuses every event and has not terminated successfully.",
        help: "The counterexample is a shortest path to the deadlocked state; its facts show what \
               each component was waiting for.",
    },
    Rule {
        id: "divergence",
        name: "DivergenceFreedom",
        short: "A process can perform internal events forever.",
        full: "`assert P :[divergence free]` fails when some reachable state starts an infinite \
               sequence of internal (tau) events, so that P may never respond again.",
        help: "The counterexample is a lasso: the steps up to the loop start, then the internal \
               loop. Break the cycle of hidden events.",
    },
    Rule {
        id: "determinism",
        name: "DeterministicProcess",
        short: "A process is nondeterministic.",
        full: "`assert P :[deterministic]` fails when after some trace P can both accept and \
               refuse the same event.",
        help: "The counterexample's trace leads to the point of choice; its facts name the event \
               that is sometimes accepted and sometimes refused.",
    },
    Rule {
        id: "has-trace",
        name: "HasTrace",
        short: "A process cannot perform the trace the assertion names.",
        full: "`assert P :[has trace]: <...>` fails when no run of P performs the given sequence \
               of events.",
        help: "The counterexample shows the longest prefix of the trace P can perform and the \
               event it cannot do next.",
    },
    Rule {
        id: "boolean",
        name: "BooleanAssertion",
        short: "A boolean assertion of the functional language evaluates to false.",
        full: "`assert <expression>` holds when the expression evaluates to true.",
        help: "Evaluate the expression's parts (cspot eval) to see which one is false.",
    },
    Rule {
        id: "trace.structure",
        name: "TraceStructure",
        short: "A captured trace breaks one of the structural rules.",
        full: "A captured OpenTelemetry trace is checked against the structural rules (ids, \
               roots, parents, timing, propagation, links); each broken rule is a finding with \
               its own rule id.",
        help: "See the findings: each names the rule, the span and what is wrong with it.",
    },
    Rule {
        id: "trace.conformance",
        name: "TraceConformance",
        short: "A captured trace is not a run of the Φ model.",
        full: "The spans and span events of a captured trace are mapped to events of a CSP model \
               (Φ); the trace conforms when some linearisation of them is a run the model allows.",
        help: "The counterexample is the longest conforming prefix; the findings name the span \
               where every linearisation fails and what the model allowed there.",
    },
    Rule {
        id: "bsp",
        name: "BatchSpanProcessorProperty",
        short: "A property of the BatchSpanProcessor model is violated.",
        full: "The explorer checks the BatchSpanProcessor model against properties P1-P5 over \
               every interleaving of its actors.",
        help: "Follow the counterexample's steps: each names the actor and the action it took.",
    },
    Rule {
        id: "input",
        name: "InputError",
        short: "An input could not be read or checked.",
        full: "A file, assertion, trace or line could not be parsed, type-checked or evaluated, \
               so nothing about it was verified. It never counts as holding.",
        help: "Fix the error at the position given; the message says what was expected.",
    },
    // BatchSpanProcessor properties.
    Rule {
        id: "bsp.P1",
        name: "NoConcurrentExport",
        short: "P1: Export is never called concurrently.",
        full: "The exporter's Export must not be entered while another Export call is still in \
               flight; the property fails in a state with two calls in flight.",
        help: "Find the step that starts the second Export: the worker and a ForceFlush or \
               Shutdown caller must serialise their exports.",
    },
    Rule {
        id: "bsp.P2",
        name: "FlushAndShutdownReturn",
        short: "P2: ForceFlush and Shutdown always return.",
        full: "No reachable state leaves a ForceFlush or Shutdown caller waiting with no actor able \
               to move (deadlock), nor in a cycle it cannot leave (hang).",
        help: "The last state shows who waits for whom; a hang is shown as a lasso whose loop \
               never wakes the caller.",
    },
    Rule {
        id: "bsp.P3",
        name: "SpansAccounted",
        short: "P3: every span is accounted for exactly once.",
        full: "Each ended span is exported, failed in an export, dropped because the queue was \
               full, or dropped after Shutdown, exactly once: none vanishes, none is lost at \
               Shutdown, none is stuck, none is exported twice.",
        help: "The counterexample's state shows the queue and counters; look for the step after \
               which the span is in no queue or batch.",
    },
    Rule {
        id: "bsp.P4",
        name: "FlushExportsWhatEndedBefore",
        short: "P4: a successful ForceFlush has exported every span ended before it.",
        full: "When ForceFlush returns success, every span that ended before the call must have \
               been handed to an Export call that returned.",
        help: "Compare the spans ended before the ForceFlush step with the batches exported before \
               it returned.",
    },
    Rule {
        id: "bsp.P5",
        name: "NothingExportedAfterShutdown",
        short: "P5: nothing is exported after Shutdown returns.",
        full: "Once Shutdown has returned, no Export call may be in flight or start.",
        help: "Find the Export still running after the Shutdown step: Shutdown must wait for it \
               or the worker must stop before exporting.",
    },
    // Structural rules of captured traces (`cspot traces check --list-rules`).
    Rule {
        id: "span.invalid-id",
        name: "InvalidId",
        short: "A trace, span or parent id is malformed.",
        full: "Ids must be present, of the right length (16 bytes for traces, 8 for spans), not \
               all zeros, and hex where the format is hex.",
        help: "Check the instrumentation or exporter that wrote the dump; the message gives the \
               field and its position.",
    },
    Rule {
        id: "span.end-before-start",
        name: "EndBeforeStart",
        short: "A span ends before it starts.",
        full: "A span's end time is earlier than its start time.",
        help: "Check the clock used to time the span and that start and end are not swapped.",
    },
    Rule {
        id: "trace.duplicate-span-id",
        name: "DuplicateSpanId",
        short: "Two spans of a trace share a span id.",
        full: "Span ids must be unique within their trace; a duplicate makes parent links \
               ambiguous.",
        help: "Check the id generator, or whether the same span was exported twice.",
    },
    Rule {
        id: "trace.orphan",
        name: "OrphanSpan",
        short: "A span's parent is missing from the dump.",
        full: "The span names a parent span id that no span of any trace in the dump has.",
        help: "The parent was not exported, was sampled out or was lost: check that every \
               service of the call exports to the dump.",
    },
    Rule {
        id: "trace.no-root",
        name: "NoRootSpan",
        short: "A trace has no root span.",
        full: "Every span of the trace has a parent, so the trace has no entry point.",
        help: "Usually the root span was not exported; check the service that started the trace.",
    },
    Rule {
        id: "trace.multiple-roots",
        name: "MultipleRootSpans",
        short: "A trace has more than one root span.",
        full: "More than one span of the trace has no parent.",
        help: "Check that context propagation carries the parent to every service of the trace.",
    },
    Rule {
        id: "trace.cycle",
        name: "ParentCycle",
        short: "Following parents from a span comes back to it.",
        full: "The parent links of the trace form a cycle, so it is not a tree.",
        help: "Check the span ids and parent ids the exporter wrote.",
    },
    Rule {
        id: "trace.parent-in-other-trace",
        name: "ParentInOtherTrace",
        short: "A span's parent belongs to another trace.",
        full: "The span's parent id names a span whose trace id differs from the span's own.",
        help: "Check that the trace id is propagated together with the parent span id.",
    },
    Rule {
        id: "timing.child-starts-before-parent",
        name: "ChildStartsBeforeParent",
        short: "A span starts before its parent.",
        full: "The child's start time precedes its parent's by more than the allowed clock skew \
               (--clock-skew).",
        help: "Check clock synchronisation between the services, or raise --clock-skew.",
    },
    Rule {
        id: "timing.child-ends-after-parent",
        name: "ChildEndsAfterParent",
        short: "A synchronous span ends after its parent.",
        full: "A child span that is not PRODUCER or CONSUMER ends after its parent by more than \
               the allowed clock skew, so the parent did not wait for it.",
        help: "Either the call is asynchronous (give the span kind PRODUCER or CONSUMER) or the \
               parent ends too early.",
    },
    Rule {
        id: "propagation.remote-flag",
        name: "RemoteFlagMismatch",
        short: "A span's is-remote flag disagrees with its parent's process.",
        full: "The flag says the parent is remote when it is in the same process, or local when \
               it is in another process: another service, or another replica of the same service \
               (a process is its service.namespace, service.name and service.instance.id, else \
               service.name, host.name and process.pid, else service.name).",
        help: "Check how the service extracts the incoming context.",
    },
    Rule {
        id: "propagation.server-parent",
        name: "ServerParentNotClient",
        short: "A SERVER or CONSUMER span called from another process has no CLIENT or PRODUCER parent.",
        full: "A span entered from another process (another service, or another replica of the \
               same service) should hang under the caller's CLIENT or PRODUCER span.",
        help: "Instrument the calling side's outgoing request, or fix the span kinds.",
    },
    Rule {
        id: "link.invalid",
        name: "InvalidLink",
        short: "A span link is invalid.",
        full: "A link has invalid ids, points at its own span, or points at a span missing from \
               its trace.",
        help: "Check the code that adds the link and which span context it uses.",
    },
    // Received live (`traces listen`).
    Rule {
        id: "receive.incomplete",
        name: "ReceivedIncomplete",
        short: "A trace received live was checked before it was known to be complete.",
        full: "The receiver's buffer was full (the oldest incomplete trace is checked as it \
               stands), the run ended before the trace's root span arrived, or spans arrived \
               after their trace had been checked. A trace that holds so far is inconclusive.",
        help: "Raise --trace-idle, --max-spans or --max-traces, or make sure the exporter is \
               flushed before the run ends.",
    },
    // Φ: conformance of captured traces to a CSP model.
    Rule {
        id: "phi.conformance",
        name: "PhiConformance",
        short: "A span or span event is not possible at this point of the model.",
        full: "After the longest conforming prefix, the span's start, end or event is one that the \
               model does not allow in any linearisation of the trace.",
        help: "Compare the observed event with what the model allows there (in the message): the \
               service or the model is wrong.",
    },
    Rule {
        id: "phi.parent",
        name: "PhiParent",
        short: "A span starts under a parent other than the one the model calls it from.",
        full: "The model calls this span process from another span process than the span's \
               observed parent.",
        help: "Check context propagation into the span, or the model's calls.",
    },
    Rule {
        id: "phi.termination",
        name: "PhiTermination",
        short: "Every span ended, but the model cannot terminate there.",
        full: "The whole trace matched, yet the model still requires more events before it can \
               finish: the run is incomplete.",
        help: "The message lists what the model still allows; a span may be missing from the \
               dump.",
    },
    Rule {
        id: "phi.unmapped",
        name: "PhiUnmapped",
        short: "A span or span event is not known to the Φ model.",
        full: "With `unmapped = \"error\"` every span must be a span process or an event of the \
               model, and every span event an event of it.",
        help: "Map the name in the model file, or set `unmapped` to ignore it.",
    },
    Rule {
        id: "phi.no-activation",
        name: "PhiNoActivation",
        short: "A span that stands for an event has no span process above it.",
        full: "An event must be performed by an activation of a span process; here no ancestor \
               span is one (or no span of the trace is).",
        help: "Check that the enclosing operation is mapped as a span process.",
    },
    Rule {
        id: "phi.error",
        name: "PhiError",
        short: "A trace could not be verified against the Φ model.",
        full: "Verifying the trace failed with an error (for example a bound or an evaluation \
               error), so its conformance is unknown.",
        help: "Read the message; fix the model or raise the bound it names.",
    },
    Rule {
        id: "phi.round-trip",
        name: "PhiRoundTrip",
        short: "A conforming trace does not come back from its run.",
        full: "Rebuilding the trace tree from the run Φ gives it (Φ⁻¹) yields a different tree.",
        help: "This is a defect of the mapping or of cspot; report it with the trace.",
    },
    Rule {
        id: "phi.injectivity",
        name: "PhiInjectivity",
        short: "Two different trace trees map to the same run.",
        full: "Φ maps two traces with different trees to the same sequence of events, so the \
               model cannot tell them apart.",
        help: "Distinguish the spans in the model's mapping (more events or span processes).",
    },
    Rule {
        id: "phi.uncovered",
        name: "PhiUncovered",
        short: "A behaviour of the model is witnessed by no captured trace.",
        full: "Coverage lists the model's runs (up to its bound) that no trace of the dump \
               exhibits. It is information, not a failure.",
        help: "Add a test or traffic that exercises the behaviour, if it matters.",
    },
];
