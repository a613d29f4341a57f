//! JSON rendering: the machine contract of DESIGN.md (`schema_version`, `results`, `summary`),
//! and its inverse, [`parse`], so that a saved JSON report renders later in every format
//! (`cspot report`). Whatever a renderer needs is in the JSON: a report read back renders
//! byte-identically to the one that was saved.

use super::{
    CheckResult, Counterexample, Event, EventView, Evidence, Finding, InputError, Kind, LeafState,
    Location, RenderOptions, Report, SCHEMA_VERSION, SpanView, Stats, Step, TraceView, Verdict,
};
use serde_json::{Map, Value, json};

pub fn render(report: &Report, opts: RenderOptions) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report, opts)).unwrap_or_default();
    text.push('\n');
    text
}

/// The report as a JSON value; also used by the SARIF renderer's property bags.
pub fn to_value(report: &Report, opts: RenderOptions) -> Value {
    let s = report.summary();
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| result_value(r, opts))
        .collect();
    json!({
        "schema_version": SCHEMA_VERSION,
        "cspot_version": report.cspot_version,
        "command": report.command,
        "inputs": report.inputs,
        "results": results,
        "summary": {
            "holds": s.holds,
            "violated": s.violated,
            "inconclusive": s.inconclusive,
            "errors": s.errors,
        },
    })
}

/// One result as the element of `results` it is in a report.
pub fn result_value(r: &CheckResult, opts: RenderOptions) -> Value {
    let (counterexample, reason, position) = match &r.verdict {
        Verdict::Holds => (Value::Null, Value::Null, None),
        Verdict::Violated(cx) => (counterexample(cx), Value::Null, None),
        Verdict::Inconclusive(why) => (Value::Null, json!(why), None),
        Verdict::Error(e) => (Value::Null, json!(e.message), e.position.as_ref()),
    };
    json!({
        "id": r.id,
        "kind": r.kind.as_str(),
        "title": r.title,
        "source": text(r.source.as_ref()),
        "location": location(r.source.as_ref()),
        "input": r.input,
        "verdict": r.verdict.as_str(),
        "reason": reason,
        "position": text(position),
        "error_location": location(position),
        "counterexample": counterexample,
        "findings": r.findings.iter().map(finding).collect::<Vec<_>>(),
        "trace": r.trace.as_deref().map_or(Value::Null, trace),
        "stats": {
            "states": r.stats.states,
            "transitions": r.stats.transitions,
            "seconds": if opts.timings { r.stats.seconds } else { 0.0 },
        },
    })
}

fn pairs(p: &[(String, String)]) -> Value {
    p.iter()
        .map(|(k, v)| json!({ "name": k, "value": v }))
        .collect()
}

/// A location's display form (`file:line:col`), or null.
fn text(l: Option<&Location>) -> Value {
    l.map_or(Value::Null, |l| json!(l.to_string()))
}

/// A location as data, or null.
fn location(l: Option<&Location>) -> Value {
    l.map_or(
        Value::Null,
        |l| json!({ "file": l.file, "line": l.line, "col": l.col, "byte": l.byte }),
    )
}

fn event(e: &Event) -> Value {
    json!({ "channel": e.channel, "fields": e.fields })
}

fn events(es: &[Event]) -> Value {
    es.iter().map(event).collect()
}

fn leaves(ls: &[LeafState]) -> Value {
    ls.iter()
        .map(|l| json!({ "process": l.process, "state": l.state, "offers": events(&l.offers) }))
        .collect()
}

/// The facts as data, or null when the check records none.
fn evidence(e: &Evidence) -> Value {
    if e.is_empty() {
        return Value::Null;
    }
    json!({
        "performed": e.performed.as_ref().map_or(Value::Null, event),
        "allowed": e.allowed.as_deref().map_or(Value::Null, events),
        "offered": e.offered.as_deref().map_or(Value::Null, events),
        "refusal": e.refusal.as_deref().map_or(Value::Null, events),
        "acceptances": e.acceptances.as_ref().map_or(Value::Null, |a| {
            a.iter().map(|s| events(s)).collect()
        }),
        "missing": e.missing.as_ref().map_or(Value::Null, event),
    })
}

fn counterexample(cx: &Counterexample) -> Value {
    json!({
        "summary": cx.summary,
        "initial": pairs(&cx.initial),
        "initial_leaves": leaves(&cx.initial_leaves),
        "steps": cx.steps.iter().map(step).collect::<Vec<_>>(),
        "loop_start": cx.loop_start,
        "facts": pairs(&cx.facts),
        "evidence": evidence(&cx.evidence),
        "leaves": leaves(&cx.leaves),
    })
}

fn step(s: &Step) -> Value {
    json!({
        "actor": s.actor,
        "actors": s.actors,
        "action": s.action,
        "event": s.event.as_ref().map_or(Value::Null, event),
        "span_id": s.span_id,
        "details": s.details,
        "source": text(s.source.as_ref()),
        "location": location(s.source.as_ref()),
        "internal": s.internal,
        "state": pairs(&s.state),
        "leaves": leaves(&s.leaves),
    })
}

fn finding(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "span_id": f.span_id,
        "message": f.message,
        "related": f.related,
        "source": text(f.source.as_ref()),
        "location": location(f.source.as_ref()),
    })
}

fn trace(t: &TraceView) -> Value {
    json!({
        "marked_span": t.marked_span,
        "marked_event": t.marked_event,
        "allowed": t.allowed,
        "omitted": t.omitted,
        "spans": t.spans.iter().map(|s| json!({
            "id": s.id,
            "parent": s.parent,
            "name": s.name,
            "service": s.service,
            "start": s.start,
            "end": s.end,
            "depth": s.depth,
            "source": text(s.source.as_ref()),
            "location": location(s.source.as_ref()),
            "events": s.events.iter()
                .map(|e| json!({ "name": e.name, "time": e.time }))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Why a JSON report could not be read back: the JSON path of the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where in the document (a JSON path such as `results[2].verdict`).
    pub path: String,
    /// What is wrong there.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "at {}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// Reads a report written by [`render`](crate::report::render) in JSON (any `schema_version` up to [`SCHEMA_VERSION`]).
/// Fields added after version 1 are optional, so older reports read back too.
pub fn parse(text: &str) -> Result<Report, ParseError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ParseError {
        path: String::new(),
        message: format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
    })?;
    let r = Reader {
        path: String::new(),
    };
    r.report(&v)
}

/// A position in the document being read, for error messages.
struct Reader {
    path: String,
}

impl Reader {
    fn at(&self, key: impl std::fmt::Display) -> Reader {
        Reader {
            path: if self.path.is_empty() {
                key.to_string()
            } else {
                format!("{}.{key}", self.path)
            },
        }
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            path: self.path.clone(),
            message: message.into(),
        })
    }

    fn obj<'v>(&self, v: &'v Value) -> Result<&'v Map<String, Value>, ParseError> {
        match v.as_object() {
            Some(o) => Ok(o),
            None => self.fail("expected an object"),
        }
    }

    fn field<'v>(&self, o: &'v Map<String, Value>, k: &str) -> Result<&'v Value, ParseError> {
        match o.get(k) {
            Some(v) => Ok(v),
            None => self.fail(format!("missing field `{k}`")),
        }
    }

    fn string(&self, o: &Map<String, Value>, k: &str) -> Result<String, ParseError> {
        match self.field(o, k)? {
            Value::String(s) => Ok(s.clone()),
            _ => self.at(k).fail("expected a string"),
        }
    }

    /// A string that may be absent or null.
    fn opt_string(&self, o: &Map<String, Value>, k: &str) -> Result<Option<String>, ParseError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => self.at(k).fail("expected a string or null"),
        }
    }

    fn strings(&self, o: &Map<String, Value>, k: &str) -> Result<Vec<String>, ParseError> {
        self.array(o, k)?
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::String(s) => Ok(s.clone()),
                _ => self.at(format!("{k}[{i}]")).fail("expected a string"),
            })
            .collect()
    }

    /// An array that may be absent (fields added after schema version 1).
    fn array<'v>(&self, o: &'v Map<String, Value>, k: &str) -> Result<&'v [Value], ParseError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => self.at(k).fail("expected an array"),
        }
    }

    fn u64(&self, o: &Map<String, Value>, k: &str) -> Result<u64, ParseError> {
        match o.get(k) {
            None => Ok(0),
            Some(v) => match v.as_u64() {
                Some(n) => Ok(n),
                None => self.at(k).fail("expected a non-negative integer"),
            },
        }
    }

    fn report(&self, v: &Value) -> Result<Report, ParseError> {
        let o = self.obj(v)?;
        let version = self.u64(o, "schema_version")?;
        if version == 0 || version > u64::from(SCHEMA_VERSION) {
            return self.at("schema_version").fail(format!(
                "schema version {version} is not one this cspot reads (1 to {SCHEMA_VERSION})"
            ));
        }
        let results = self
            .array(o, "results")?
            .iter()
            .enumerate()
            .map(|(i, r)| self.at(format!("results[{i}]")).result(r))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Report {
            command: self.string(o, "command")?,
            cspot_version: self.opt_string(o, "cspot_version")?,
            inputs: self.strings(o, "inputs")?,
            results,
        })
    }

    fn result(&self, v: &Value) -> Result<CheckResult, ParseError> {
        let o = self.obj(v)?;
        let kind_name = self.string(o, "kind")?;
        let Some(kind) = Kind::from_name(&kind_name) else {
            return self
                .at("kind")
                .fail(format!("`{kind_name}` is not a kind of result"));
        };
        let verdict = match self.string(o, "verdict")?.as_str() {
            "holds" => Verdict::Holds,
            "violated" => {
                let at = self.at("counterexample");
                Verdict::Violated(at.counterexample(self.field(o, "counterexample")?)?)
            }
            "inconclusive" => Verdict::Inconclusive(self.string(o, "reason")?),
            "error" => Verdict::Error(InputError {
                message: self.string(o, "reason")?,
                position: self.location(o, "error_location", "position")?,
            }),
            other => {
                return self
                    .at("verdict")
                    .fail(format!("`{other}` is not a verdict"));
            }
        };
        let findings = self
            .array(o, "findings")?
            .iter()
            .enumerate()
            .map(|(i, f)| self.at(format!("findings[{i}]")).finding(f))
            .collect::<Result<Vec<_>, _>>()?;
        let trace = match o.get("trace") {
            None | Some(Value::Null) => None,
            Some(t) => Some(Box::new(self.at("trace").trace(t)?)),
        };
        let stats = match o.get("stats") {
            None | Some(Value::Null) => Stats::default(),
            Some(s) => {
                let at = self.at("stats");
                let so = at.obj(s)?;
                Stats {
                    states: at.u64(so, "states")?,
                    transitions: at.u64(so, "transitions")?,
                    seconds: so.get("seconds").and_then(Value::as_f64).unwrap_or(0.0),
                }
            }
        };
        Ok(CheckResult {
            id: self.string(o, "id")?,
            kind,
            title: self.opt_string(o, "title")?.unwrap_or_default(),
            source: self.location(o, "location", "source")?,
            input: self.opt_string(o, "input")?,
            verdict,
            findings,
            trace,
            stats,
        })
    }

    fn pairs(&self, o: &Map<String, Value>, k: &str) -> Result<Vec<(String, String)>, ParseError> {
        self.array(o, k)?
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let at = self.at(format!("{k}[{i}]"));
                let po = at.obj(p)?;
                Ok((at.string(po, "name")?, at.string(po, "value")?))
            })
            .collect()
    }

    /// A location written as data under `data`, or (a report saved before locations were
    /// data) read back from its display form under `text`.
    fn location(
        &self,
        o: &Map<String, Value>,
        data: &str,
        text: &str,
    ) -> Result<Option<Location>, ParseError> {
        match o.get(data) {
            None | Some(Value::Null) => Ok(self.opt_string(o, text)?.map(|s| Location::parse(&s))),
            Some(v) => {
                let at = self.at(data);
                let lo = at.obj(v)?;
                let number = |k: &str| -> Result<Option<u64>, ParseError> {
                    match lo.get(k) {
                        None | Some(Value::Null) => Ok(None),
                        Some(n) => match n.as_u64() {
                            Some(n) => Ok(Some(n)),
                            None => at.at(k).fail("expected a non-negative integer or null"),
                        },
                    }
                };
                Ok(Some(Location {
                    file: at.string(lo, "file")?,
                    line: number("line")?,
                    col: number("col")?,
                    byte: number("byte")?,
                }))
            }
        }
    }

    fn event(&self, v: &Value) -> Result<Event, ParseError> {
        let o = self.obj(v)?;
        Ok(Event {
            channel: self.string(o, "channel")?,
            fields: self.strings(o, "fields")?,
        })
    }

    fn opt_event(&self, o: &Map<String, Value>, k: &str) -> Result<Option<Event>, ParseError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => self.at(k).event(v).map(Some),
        }
    }

    fn events(&self, o: &Map<String, Value>, k: &str) -> Result<Vec<Event>, ParseError> {
        self.array(o, k)?
            .iter()
            .enumerate()
            .map(|(i, e)| self.at(format!("{k}[{i}]")).event(e))
            .collect()
    }

    /// A list of events that may be null (a fact the check does not record).
    fn opt_events(
        &self,
        o: &Map<String, Value>,
        k: &str,
    ) -> Result<Option<Vec<Event>>, ParseError> {
        match o.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.events(o, k).map(Some),
        }
    }

    fn leaves(&self, o: &Map<String, Value>, k: &str) -> Result<Vec<LeafState>, ParseError> {
        self.array(o, k)?
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let at = self.at(format!("{k}[{i}]"));
                let lo = at.obj(l)?;
                Ok(LeafState {
                    process: at.string(lo, "process")?,
                    state: at.string(lo, "state")?,
                    offers: at.events(lo, "offers")?,
                })
            })
            .collect()
    }

    fn evidence(&self, v: Option<&Value>) -> Result<Evidence, ParseError> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(Evidence::default());
        };
        let at = self.at("evidence");
        let o = at.obj(v)?;
        let acceptances = match o.get("acceptances") {
            None | Some(Value::Null) => None,
            Some(_) => Some(
                at.array(o, "acceptances")?
                    .iter()
                    .enumerate()
                    .map(|(i, a)| match a.as_array() {
                        Some(es) => es
                            .iter()
                            .enumerate()
                            .map(|(j, e)| at.at(format!("acceptances[{i}][{j}]")).event(e))
                            .collect(),
                        None => at
                            .at(format!("acceptances[{i}]"))
                            .fail("expected an array of events"),
                    })
                    .collect::<Result<Vec<_>, ParseError>>()?,
            ),
        };
        Ok(Evidence {
            performed: at.opt_event(o, "performed")?,
            allowed: at.opt_events(o, "allowed")?,
            offered: at.opt_events(o, "offered")?,
            refusal: at.opt_events(o, "refusal")?,
            acceptances,
            missing: at.opt_event(o, "missing")?,
        })
    }

    fn counterexample(&self, v: &Value) -> Result<Counterexample, ParseError> {
        let o = self.obj(v)?;
        let steps = self
            .array(o, "steps")?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let at = self.at(format!("steps[{i}]"));
                let so = at.obj(s)?;
                Ok(Step {
                    actor: at.string(so, "actor")?,
                    actors: at.strings(so, "actors")?,
                    action: at.string(so, "action")?,
                    event: at.opt_event(so, "event")?,
                    span_id: at.opt_string(so, "span_id")?,
                    details: at.strings(so, "details")?,
                    source: at.location(so, "location", "source")?,
                    internal: so.get("internal").and_then(Value::as_bool).unwrap_or(false),
                    state: at.pairs(so, "state")?,
                    leaves: at.leaves(so, "leaves")?,
                })
            })
            .collect::<Result<Vec<_>, ParseError>>()?;
        let loop_start = match o.get("loop_start") {
            None | Some(Value::Null) => None,
            Some(n) => match n.as_u64().and_then(|n| usize::try_from(n).ok()) {
                Some(n) if n <= steps.len() => Some(n),
                _ => return self.at("loop_start").fail("expected a step index or null"),
            },
        };
        Ok(Counterexample {
            summary: self.string(o, "summary")?,
            initial: self.pairs(o, "initial")?,
            steps,
            loop_start,
            facts: self.pairs(o, "facts")?,
            initial_leaves: self.leaves(o, "initial_leaves")?,
            leaves: self.leaves(o, "leaves")?,
            evidence: Box::new(self.evidence(o.get("evidence"))?),
        })
    }

    fn finding(&self, v: &Value) -> Result<Finding, ParseError> {
        let o = self.obj(v)?;
        Ok(Finding {
            rule: self.string(o, "rule")?,
            span_id: self.opt_string(o, "span_id")?,
            message: self.string(o, "message")?,
            related: self.strings(o, "related")?,
            source: self.location(o, "location", "source")?,
        })
    }

    fn trace(&self, v: &Value) -> Result<TraceView, ParseError> {
        let o = self.obj(v)?;
        let spans = self
            .array(o, "spans")?
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let at = self.at(format!("spans[{i}]"));
                let so = at.obj(s)?;
                let events = at
                    .array(so, "events")?
                    .iter()
                    .enumerate()
                    .map(|(j, e)| {
                        let at = at.at(format!("events[{j}]"));
                        let eo = at.obj(e)?;
                        Ok(EventView {
                            name: at.string(eo, "name")?,
                            time: at.u64(eo, "time")?,
                        })
                    })
                    .collect::<Result<Vec<_>, ParseError>>()?;
                Ok(SpanView {
                    id: at.string(so, "id")?,
                    parent: at.opt_string(so, "parent")?,
                    name: at.string(so, "name")?,
                    service: at.string(so, "service")?,
                    start: at.u64(so, "start")?,
                    end: at.u64(so, "end")?,
                    depth: u32::try_from(at.u64(so, "depth")?).unwrap_or(u32::MAX),
                    events,
                    source: at.location(so, "location", "source")?,
                })
            })
            .collect::<Result<Vec<_>, ParseError>>()?;
        Ok(TraceView {
            spans,
            marked_span: self.opt_string(o, "marked_span")?,
            marked_event: self.opt_string(o, "marked_event")?,
            allowed: self.strings(o, "allowed")?,
            omitted: usize::try_from(self.u64(o, "omitted")?).unwrap_or(usize::MAX),
        })
    }
}
