//! One trace's verdict as a `report::CheckResult` (kind `trace.conformance`): the verdict, the
//! counterexample (longest conforming prefix, the span and node where every linearisation
//! fails, what was observed and what the model allowed there, both parents on a mismatch) and
//! findings naming the span, so that every renderer and the tree drawing can point at it.

use super::Verifier;
use super::conform::{Allowed, Failure, Outcome, Step};
use super::observe::{NodeKind, Observation};
use crate::otlp::{Forest, Trace};
use crate::report::{self, CheckResult, Counterexample, Finding, Kind, Stats, Verdict};

/// Rule ids of conformance findings.
pub const RULE_CONFORMANCE: &str = "phi.conformance";
pub const RULE_PARENT: &str = "phi.parent";
pub const RULE_TERMINATION: &str = "phi.termination";

/// Builds the report entry of one verified trace.
pub fn check_result(
    v: &Verifier,
    forest: &Forest,
    trace: &Trace,
    obs: &Observation,
    outcome: &Outcome,
    stats: Stats,
) -> CheckResult {
    let names = Names { v, forest, obs };
    let mut findings = obs.unmapped.clone();
    let verdict = match outcome {
        // Nothing of the trace is in the model: say so rather than "the run is not complete".
        Outcome::Violated(_) if obs.spans.is_empty() => {
            let root = forest.tops(trace).next();
            let summary = format!(
                "none of the trace's {} span(s) is an activation of a span process of the \
                 model (root '{}')",
                trace.spans.len,
                root.map_or("", |i| forest.name(i))
            );
            findings.push(Finding {
                rule: "phi.no-activation".into(),
                span_id: root.map(|i| forest.span(i).id.to_string()),
                message: summary.clone(),
                related: Vec::new(),
                ..Default::default()
            });
            Verdict::Violated(Counterexample {
                summary,
                ..Counterexample::default()
            })
        }
        Outcome::Conforms(_) if findings.is_empty() => Verdict::Holds,
        Outcome::Conforms(_) => Verdict::Violated(Counterexample {
            summary: format!(
                "{} span(s) or span event(s) the model does not know (unmapped = \"error\")",
                findings.len()
            ),
            ..Counterexample::default()
        }),
        Outcome::Inconclusive(r) => Verdict::Inconclusive(r.clone()),
        Outcome::Violated(f) => {
            let cx = names.counterexample(f, &mut findings);
            Verdict::Violated(cx)
        }
    };
    findings.sort();
    findings.dedup();
    crate::otlp::view::locate_findings(forest, trace, &mut findings);
    // A violated trace carries its span tree for timelines, with the failure point marked.
    let trace_view = matches!(verdict, Verdict::Violated(_)).then(|| {
        let (marked, event, allowed) = match outcome {
            Outcome::Violated(f) if !obs.spans.is_empty() => names.failure_point(f),
            _ => (
                findings.first().and_then(|f| f.span_id.clone()),
                None,
                Vec::new(),
            ),
        };
        let mut view = crate::otlp::view::trace_view(forest, trace, marked.as_deref());
        view.marked_event = event;
        view.allowed = allowed;
        Box::new(view)
    });
    let file = forest
        .spans
        .get(trace.spans.start as usize)
        .and_then(|s| forest.files.get(s.file as usize))
        .map(|f| report::Location::file(f.clone()));
    CheckResult {
        id: trace.id.to_string(),
        kind: Kind::TraceConformance,
        title: title(forest, trace, obs),
        source: file,
        verdict,
        findings,
        stats,
        trace: trace_view,
        ..Default::default()
    }
}

fn title(forest: &Forest, trace: &Trace, obs: &Observation) -> String {
    let root = forest
        .tops(trace)
        .next()
        .map(|i| format!(", root '{}'", forest.name(i)))
        .unwrap_or_default();
    format!(
        "{} span{}, {} activation{}, {} event{}{root}",
        trace.spans.len,
        if trace.spans.len == 1 { "" } else { "s" },
        obs.spans.len(),
        if obs.spans.len() == 1 { "" } else { "s" },
        obs.node_count(),
        if obs.node_count() == 1 { "" } else { "s" },
    )
}

struct Names<'a, 's> {
    v: &'a Verifier<'s>,
    forest: &'a Forest,
    obs: &'a Observation,
}

impl Names<'_, '_> {
    fn span(&self, s: u32) -> String {
        let Some(sp) = self.obs.spans.get(s as usize) else {
            return "?".into();
        };
        let i = sp.forest;
        let svc = self.forest.service_name(i);
        if svc.is_empty() {
            format!("'{}' {}", self.forest.name(i), self.forest.span(i).id)
        } else {
            format!(
                "'{}' ({svc}) {}",
                self.forest.name(i),
                self.forest.span(i).id
            )
        }
    }

    fn span_id(&self, s: u32) -> String {
        self.obs
            .spans
            .get(s as usize)
            .map(|sp| self.forest.span(sp.forest).id.to_string())
            .unwrap_or_default()
    }

    fn parent(&self, p: Option<u32>) -> String {
        match p {
            None => "no parent (a root)".into(),
            Some(p) => self.span(p),
        }
    }

    fn node(&self, s: u32, k: u32) -> String {
        let chain = self.obs.chain(s);
        match chain.get(k as usize).map(|n| n.kind) {
            Some(NodeKind::Start) => "start".into(),
            Some(NodeKind::End) => "end".into(),
            Some(NodeKind::Event(e)) => self.v.sem.src.event_name(e).to_string(),
            None => "?".into(),
        }
    }

    fn allowed(&self, a: &Allowed) -> String {
        match a {
            Allowed::Terminate => "terminate".into(),
            Allowed::End { span } => format!("end {}", self.span(*span)),
            Allowed::Start { call, parent } => match parent {
                None => format!("start {} as a root", self.v.sem.call_name(*call)),
                Some(p) => format!(
                    "start {} under {}",
                    self.v.sem.call_name(*call),
                    self.span(*p)
                ),
            },
            Allowed::Event { event, spans } => {
                let who: Vec<String> = spans.iter().map(|&s| self.span(s)).collect();
                format!(
                    "{} in {}",
                    self.v.sem.src.event_name(*event),
                    who.join(" and ")
                )
            }
        }
    }

    fn step(&self, st: &Step) -> report::Step {
        let sp = &self.obs.spans[st.span as usize];
        let i = sp.forest;
        let action = match (self.obs.chain(st.span)[st.node as usize].kind, st.call) {
            (NodeKind::Start, Some(c)) => format!("start {}", self.v.sem.call_name(c)),
            _ => self.node(st.span, st.node),
        };
        let event = match self.obs.chain(st.span)[st.node as usize].kind {
            NodeKind::Event(e) => {
                let (channel, fields) = self.v.sem.src.event_parts(e);
                Some(report::Event::new(channel, fields))
            }
            NodeKind::Start | NodeKind::End => None,
        };
        report::Step {
            actor: format!("{} {}", self.forest.name(i), self.forest.span(i).id),
            actors: vec![self.forest.name(i).to_string()],
            action,
            event,
            span_id: Some(self.forest.span(i).id.to_string()),
            ..Default::default()
        }
    }

    /// The observed node to name in the summary: among the nodes that were next, one in (or,
    /// for a start, under) a span the model wanted to act in, starts first; else the first.
    fn culprit(&self, f: &Failure) -> Option<(u32, u32)> {
        let wanted: Vec<u32> = f
            .allowed
            .iter()
            .filter_map(|a| match a {
                Allowed::Event { spans, .. } => spans.first().copied(),
                Allowed::End { span } => Some(*span),
                Allowed::Start { parent, .. } => *parent,
                Allowed::Terminate => None,
            })
            .collect();
        let owner = |&(s, k): &(u32, u32)| {
            let sp = &self.obs.spans[s as usize];
            if k == 0 { sp.parent } else { Some(s) }
        };
        let relevant = |x: &(u32, u32)| owner(x).is_some_and(|o| wanted.contains(&o));
        f.observed
            .iter()
            .filter(|x| relevant(x))
            .min_by_key(|&&(_, k)| (k != 0, k))
            .or_else(|| f.observed.first())
            .copied()
    }

    /// The span (hex id) and the observed node a timeline marks, and what the model allowed
    /// there: the span with the wrong parent, else the observed node the summary names, else
    /// the root (a run that cannot terminate).
    fn failure_point(&self, f: &Failure) -> (Option<String>, Option<String>, Vec<String>) {
        let allowed = f.allowed.iter().map(|a| self.allowed(a)).collect();
        if let Some(&(s, _)) = f.parent_mismatch.first() {
            return (Some(self.span_id(s)), Some("start".into()), allowed);
        }
        match self.culprit(f) {
            Some((s, k)) => (Some(self.span_id(s)), Some(self.node(s, k)), allowed),
            None => {
                let root = self.obs.spans.iter().position(|s| s.parent.is_none());
                (root.map(|r| self.span_id(r as u32)), None, allowed)
            }
        }
    }

    fn counterexample(&self, f: &Failure, findings: &mut Vec<Finding>) -> Counterexample {
        let allowed: Vec<String> = f.allowed.iter().map(|a| self.allowed(a)).collect();
        let allowed_text = if allowed.is_empty() {
            "nothing (the model is stuck)".to_string()
        } else {
            allowed.join("; ")
        };
        let observed: Vec<String> = f
            .observed
            .iter()
            .map(|&(s, k)| format!("{} of {}", self.node(s, k), self.span(s)))
            .collect();
        let mut facts = Vec::new();
        let summary;
        if let Some(&(s, model)) = f.parent_mismatch.first() {
            let observed_parent = self.obs.spans[s as usize].parent;
            summary = format!(
                "{} starts under {}, but the model calls it under {}",
                self.span(s),
                self.parent(observed_parent),
                self.parent(model)
            );
            facts.push(("observed parent".into(), self.parent(observed_parent)));
            facts.push(("model's parent".into(), self.parent(model)));
            for &(s, model) in &f.parent_mismatch {
                findings.push(Finding {
                    rule: RULE_PARENT.into(),
                    span_id: Some(self.span_id(s)),
                    message: format!(
                        "parent is {}; the model calls it under {}",
                        self.parent(self.obs.spans[s as usize].parent),
                        self.parent(model)
                    ),
                    related: Vec::new(),
                    ..Default::default()
                });
            }
        } else if f.cannot_terminate && f.observed.is_empty() {
            summary = format!(
                "every span and event matched, but the run is not complete: the model still \
                 allows {allowed_text}"
            );
            let root = self
                .obs
                .spans
                .iter()
                .position(|s| s.parent.is_none())
                .unwrap_or(0);
            findings.push(Finding {
                rule: RULE_TERMINATION.into(),
                span_id: Some(self.span_id(root as u32)),
                message: format!(
                    "all spans ended, but the model cannot terminate here; it allows {allowed_text}"
                ),
                related: Vec::new(),
                ..Default::default()
            });
        } else {
            let first = self.culprit(f);
            summary = match first {
                Some((s, k)) => format!(
                    "after {} conforming step{}, {} {}; the model allows {allowed_text}",
                    f.prefix.len(),
                    if f.prefix.len() == 1 { "" } else { "s" },
                    self.span(s),
                    match self.node(s, k).as_str() {
                        "start" if self.obs.spans[s as usize].parent.is_none() => {
                            "starts as a root".to_string()
                        }
                        "start" => "starts".to_string(),
                        "end" => "ends".to_string(),
                        e => format!("does `{e}`"),
                    }
                ),
                None => format!(
                    "after {} conforming steps nothing more is observed, but the model cannot \
                     stop there; it allows {allowed_text}",
                    f.prefix.len()
                ),
            };
            for &(s, k) in &f.observed {
                findings.push(Finding {
                    rule: RULE_CONFORMANCE.into(),
                    span_id: Some(self.span_id(s)),
                    message: format!(
                        "`{}` is not possible here: the model allows {allowed_text}",
                        self.node(s, k)
                    ),
                    related: Vec::new(),
                    ..Default::default()
                });
            }
        }
        facts.push((
            "observed next".into(),
            if observed.is_empty() {
                "nothing".into()
            } else {
                observed.join("; ")
            },
        ));
        facts.push(("model allowed".into(), allowed_text));
        Counterexample {
            summary,
            steps: f.prefix.iter().map(|st| self.step(st)).collect(),
            loop_start: None,
            facts,
            ..Default::default()
        }
    }
}
