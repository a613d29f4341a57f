//! The structural rules: each has a stable id, a one-line explanation, and reports the spans
//! involved. [`check`] gives every trace of a forest its findings (possibly none).

use super::forest::{Forest, Trace};
use super::model::*;
use crate::report::Finding;

/// Every rule: stable id and one-line explanation, in the order findings are listed.
pub const RULES: &[(&str, &str)] = &[
    (
        "span.invalid-id",
        "a trace, span or parent id is missing, of the wrong length, all zeros or not hex",
    ),
    ("span.end-before-start", "the span ends before it starts"),
    (
        "trace.duplicate-span-id",
        "two spans of the trace have the same span id",
    ),
    (
        "trace.orphan",
        "the span's parent is in no trace of the dump",
    ),
    ("trace.no-root", "no span of the trace is a root"),
    (
        "trace.multiple-roots",
        "the trace has more than one root span",
    ),
    (
        "trace.cycle",
        "following parents from the span comes back to it",
    ),
    (
        "trace.parent-in-other-trace",
        "the span's parent id names a span of another trace",
    ),
    (
        "timing.child-starts-before-parent",
        "the span starts before its parent (beyond --clock-skew)",
    ),
    (
        "timing.child-ends-after-parent",
        "a synchronous span ends after its parent (beyond --clock-skew; PRODUCER and CONSUMER exempt)",
    ),
    (
        "propagation.remote-flag",
        "the span's is-remote flag disagrees with whether its parent is in another process (service or replica)",
    ),
    (
        "propagation.server-parent",
        "a SERVER or CONSUMER span called from another process (service or replica) does not hang under a CLIENT or PRODUCER span",
    ),
    (
        "link.invalid",
        "a link has invalid ids, points at its own span, or at a span missing from its trace",
    ),
];

fn rule_index(id: &str) -> Option<usize> {
    RULES.iter().position(|(r, _)| *r == id)
}

/// Which rules run, and the tolerance of the timing rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleConfig {
    enabled: u32,
    /// Differences in time up to this many nanoseconds are not findings (clocks of different
    /// hosts disagree).
    pub clock_skew_ns: u64,
}

impl Default for RuleConfig {
    fn default() -> Self {
        RuleConfig::all()
    }
}

impl RuleConfig {
    /// Every rule, no clock skew.
    pub fn all() -> RuleConfig {
        RuleConfig {
            enabled: (1 << RULES.len()) - 1,
            clock_skew_ns: 0,
        }
    }

    /// No rule on (a selection must then turn some on).
    pub fn none() -> RuleConfig {
        RuleConfig {
            enabled: 0,
            clock_skew_ns: 0,
        }
    }

    /// Whether the rule with this id is on.
    pub fn is_enabled(&self, rule: &str) -> bool {
        rule_index(rule).is_some_and(|i| self.enabled & (1 << i) != 0)
    }

    /// Turns the rule with this id on or off; false when there is no such rule.
    pub fn set(&mut self, rule: &str, on: bool) -> bool {
        match rule_index(rule) {
            Some(i) if on => self.enabled |= 1 << i,
            Some(i) => self.enabled &= !(1 << i),
            None => return false,
        }
        true
    }

    /// The enabled rule ids, in order.
    pub fn enabled(&self) -> impl Iterator<Item = &'static str> + '_ {
        RULES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.enabled & (1 << i) != 0)
            .map(|(_, (r, _))| *r)
    }

    /// Parses a comma-separated selection: rule ids or groups (`trace`, `timing`, …), `all`,
    /// and `-id` to remove. A selection that starts with a removal starts from every rule.
    pub fn parse(spec: &str) -> Result<RuleConfig, String> {
        let items: Vec<&str> = spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut cfg = if items.first().is_some_and(|s| s.starts_with('-')) {
            RuleConfig::all()
        } else {
            RuleConfig::none()
        };
        for item in items {
            let (on, name) = match item.strip_prefix('-') {
                Some(n) => (false, n),
                None => (true, item.strip_prefix('+').unwrap_or(item)),
            };
            let matched: Vec<&str> = RULES
                .iter()
                .map(|(r, _)| *r)
                .filter(|r| {
                    name == "all"
                        || *r == name
                        || r.strip_prefix(name).is_some_and(|s| s.starts_with('.'))
                })
                .collect();
            if matched.is_empty() {
                let known: Vec<&str> = RULES.iter().map(|(r, _)| *r).collect();
                return Err(format!(
                    "unknown rule `{name}`; rules are: {}",
                    known.join(", ")
                ));
            }
            for r in matched {
                cfg.set(r, on);
            }
        }
        Ok(cfg)
    }
}

/// The findings of one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceFindings {
    pub trace: TraceId,
    pub findings: Vec<Finding>,
}

/// Checks every trace of the forest, in trace-id order.
pub fn check(forest: &Forest, cfg: &RuleConfig) -> Vec<TraceFindings> {
    let mut checker = Checker::default();
    forest
        .traces
        .iter()
        .map(|t| TraceFindings {
            trace: t.id,
            findings: checker.check_trace(forest, t, cfg),
        })
        .collect()
}

/// Checks one trace.
pub fn check_trace(forest: &Forest, t: &Trace, cfg: &RuleConfig) -> Vec<Finding> {
    check_trace_with(forest, t, cfg, &mut Scratch::default())
}

/// Checks trace after trace with buffers reused between them (one per worker thread).
#[derive(Default)]
pub struct Checker {
    scratch: Scratch,
}

impl Checker {
    pub fn check_trace(&mut self, forest: &Forest, t: &Trace, cfg: &RuleConfig) -> Vec<Finding> {
        check_trace_with(forest, t, cfg, &mut self.scratch)
    }
}

/// Buffers reused from trace to trace.
#[derive(Default)]
struct Scratch {
    state: Vec<u8>,
    stack: Vec<u32>,
    roots: Vec<u32>,
}

struct Out<'a> {
    forest: &'a Forest,
    cfg: &'a RuleConfig,
    findings: Vec<(usize, u32, Finding)>,
}

impl Out<'_> {
    fn on(&self, rule: &str) -> bool {
        self.cfg.is_enabled(rule)
    }

    fn add(
        &mut self,
        rule: &'static str,
        span: Option<u32>,
        message: String,
        related: Vec<String>,
    ) {
        let span_id = span.map(|i| self.forest.span(i).id.to_string());
        let order = span.unwrap_or(0);
        self.findings.push((
            rule_index(rule).unwrap_or(usize::MAX),
            order,
            Finding {
                rule: rule.to_string(),
                span_id,
                message,
                related,
                ..Default::default()
            },
        ));
    }

    /// `'GET /x' (frontend)`: how a span is named in messages.
    fn who(&self, i: u32) -> String {
        let name = self.forest.name(i);
        let service = self.forest.service_name(i);
        if service.is_empty() {
            format!("'{name}'")
        } else {
            format!("'{name}' ({service})")
        }
    }
}

fn check_trace_with(
    forest: &Forest,
    t: &Trace,
    cfg: &RuleConfig,
    sc: &mut Scratch,
) -> Vec<Finding> {
    let mut out = Out {
        forest,
        cfg,
        findings: Vec::new(),
    };
    let range = t.spans.range();
    let lo = range.start as u32;
    let hi = range.end as u32;

    for issue in forest.issues_of(t.id) {
        if out.on(issue.rule) {
            let span = issue.span.map(|s| s.to_string());
            out.findings.push((
                rule_index(issue.rule).unwrap_or(usize::MAX),
                u32::MAX,
                Finding {
                    rule: issue.rule.to_string(),
                    span_id: span,
                    message: issue.message.clone(),
                    related: vec![],
                    ..Default::default()
                },
            ));
        }
    }

    if out.on("span.end-before-start") {
        for i in lo..hi {
            let s = forest.span(i);
            if s.end < s.start {
                let msg = format!(
                    "{} ends {} before it starts",
                    out.who(i),
                    fmt_ns(s.start - s.end)
                );
                out.add("span.end-before-start", Some(i), msg, vec![]);
            }
        }
    }

    if out.on("trace.duplicate-span-id") {
        let a = forest.duplicates.partition_point(|d| d.0 < lo);
        let b = forest.duplicates.partition_point(|d| d.0 < hi);
        for &(dup, first) in &forest.duplicates[a..b] {
            let msg = format!(
                "{} has the same span id as {}",
                out.who(dup),
                out.who(first)
            );
            let rel = vec![forest.span(first).id.to_string()];
            out.add("trace.duplicate-span-id", Some(dup), msg, rel);
        }
    }

    let mut roots = std::mem::take(&mut sc.roots);
    roots.clear();
    roots.extend((lo..hi).filter(|&i| !forest.span(i).has_parent() && forest.parent(i).is_none()));
    if roots.is_empty() && out.on("trace.no-root") {
        let tops: Vec<String> = forest
            .tops(t)
            .map(|i| forest.span(i).id.to_string())
            .collect();
        let msg = format!(
            "none of the {} spans is a root (every span names a parent)",
            hi - lo
        );
        out.add("trace.no-root", None, msg, tops);
    }
    if roots.len() > 1 && out.on("trace.multiple-roots") {
        let names: Vec<String> = roots.iter().map(|&i| out.who(i)).collect();
        let ids: Vec<String> = roots
            .iter()
            .map(|&i| forest.span(i).id.to_string())
            .collect();
        let msg = format!("{} roots: {}", roots.len(), names.join(", "));
        out.add("trace.multiple-roots", Some(roots[1]), msg, ids);
    }

    let fa = forest.foreign_parents.partition_point(|d| d.0 < lo);
    let fb = forest.foreign_parents.partition_point(|d| d.0 < hi);
    let foreign = &forest.foreign_parents[fa..fb];
    for i in lo..hi {
        let s = forest.span(i);
        if !s.parent.is_valid() || forest.parent(i).is_some() {
            continue;
        }
        if let Some(&(_, p)) = foreign.iter().find(|f| f.0 == i) {
            if out.on("trace.parent-in-other-trace") {
                let msg = format!(
                    "{} names parent {} {}, which is in trace {}",
                    out.who(i),
                    s.parent,
                    out.who(p),
                    forest.span(p).trace
                );
                out.add(
                    "trace.parent-in-other-trace",
                    Some(i),
                    msg,
                    vec![s.parent.to_string()],
                );
            }
        } else if out.on("trace.orphan") {
            let msg = format!(
                "{} names parent {}, which is not in the dump",
                out.who(i),
                s.parent
            );
            out.add("trace.orphan", Some(i), msg, vec![s.parent.to_string()]);
        }
    }

    sc.roots = roots;
    if out.on("trace.cycle") {
        cycles(&mut out, lo, hi, sc);
    }

    let skew = cfg.clock_skew_ns;
    for i in lo..hi {
        let Some(p) = forest.parent(i) else { continue };
        let (c, ps) = (forest.span(i), forest.span(p));
        if c.start != 0 && ps.start != 0 {
            if c.start.saturating_add(skew) < ps.start
                && out.on("timing.child-starts-before-parent")
            {
                let msg = format!(
                    "{} starts {} before its parent {}",
                    out.who(i),
                    fmt_ns(ps.start - c.start),
                    out.who(p)
                );
                out.add(
                    "timing.child-starts-before-parent",
                    Some(i),
                    msg,
                    vec![ps.id.to_string()],
                );
            }
            let exempt = c.kind.is_async() || ps.kind.is_async();
            if !exempt
                && c.end > ps.end.saturating_add(skew)
                && c.end >= c.start
                && ps.end >= ps.start
                && out.on("timing.child-ends-after-parent")
            {
                let msg = format!(
                    "{} ends {} after its parent {}",
                    out.who(i),
                    fmt_ns(c.end - ps.end),
                    out.who(p)
                );
                out.add(
                    "timing.child-ends-after-parent",
                    Some(i),
                    msg,
                    vec![ps.id.to_string()],
                );
            }
        }
        // Processes, not service names: two replicas of one service (same `service.name`,
        // different `service.instance.id`) call each other remotely.
        let (cp, pp) = (forest.process(i), forest.process(p));
        let known = cp != Sym::EMPTY && pp != Sym::EMPTY;
        let cross = cp != pp;
        // Only a finding's message needs it: not looked up for every span.
        let elsewhere = || {
            if forest.service(i) == forest.service(p) {
                "another replica of its service"
            } else {
                "another service"
            }
        };
        if known && c.flags & flags::HAS_IS_REMOTE != 0 && out.on("propagation.remote-flag") {
            let remote = c.flags & flags::IS_REMOTE != 0;
            if remote != cross {
                let msg = if remote {
                    format!(
                        "{} is flagged remote-parented but its parent {} is in the same service",
                        out.who(i),
                        out.who(p)
                    )
                } else {
                    format!(
                        "{} is flagged local-parented but its parent {} is in {}",
                        out.who(i),
                        out.who(p),
                        elsewhere()
                    )
                };
                out.add(
                    "propagation.remote-flag",
                    Some(i),
                    msg,
                    vec![ps.id.to_string()],
                );
            }
        }
        if known
            && cross
            && matches!(c.kind, SpanKind::Server | SpanKind::Consumer)
            && !matches!(ps.kind, SpanKind::Client | SpanKind::Producer)
            && out.on("propagation.server-parent")
        {
            let msg = format!(
                "{} {} is called from {}, but its parent {} is {}, not CLIENT or PRODUCER",
                c.kind.as_str(),
                out.who(i),
                elsewhere(),
                out.who(p),
                ps.kind.as_str()
            );
            out.add(
                "propagation.server-parent",
                Some(i),
                msg,
                vec![ps.id.to_string()],
            );
        }
    }

    if out.on("link.invalid") {
        for i in lo..hi {
            let s = forest.span(i);
            for l in forest.links_of(i) {
                if l.invalid {
                    continue; // reported by the reader, with its position
                }
                if l.trace == s.trace && l.span == s.id && s.marks & marks::INVALID_ID == 0 {
                    let msg = format!("{} links to itself", out.who(i));
                    out.add("link.invalid", Some(i), msg, vec![l.span.to_string()]);
                } else if let Some(lt) = forest.trace(l.trace)
                    && forest.find_span(lt, l.span).is_none()
                {
                    let msg = format!(
                        "{} links to span {} of trace {}, which is in the dump without that span",
                        out.who(i),
                        l.span,
                        l.trace
                    );
                    out.add("link.invalid", Some(i), msg, vec![l.span.to_string()]);
                }
            }
        }
    }

    out.findings.sort_by_key(|f| (f.0, f.1));
    out.findings.into_iter().map(|(_, _, f)| f).collect()
}

/// Reports each cycle of parent links once, at its member that comes first.
fn cycles(out: &mut Out, lo: u32, hi: u32, sc: &mut Scratch) {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let forest = out.forest;
    sc.state.clear();
    sc.state.resize((hi - lo) as usize, UNSEEN);
    for start in lo..hi {
        if sc.state[(start - lo) as usize] != UNSEEN {
            continue;
        }
        sc.stack.clear();
        let mut cur = Some(start);
        while let Some(i) = cur {
            let st = sc.state[(i - lo) as usize];
            if st == DONE {
                break;
            }
            if st == ON_PATH {
                // `i` is on the path: the cycle is the path from `i` on.
                let from = sc.stack.iter().position(|&x| x == i).unwrap_or(0);
                let mut members: Vec<u32> = sc.stack[from..].to_vec();
                members.sort_unstable();
                let first = members[0];
                let names: Vec<String> = members.iter().map(|&m| out.who(m)).collect();
                let ids: Vec<String> = members
                    .iter()
                    .map(|&m| forest.span(m).id.to_string())
                    .collect();
                let msg = format!(
                    "parents form a cycle of {} span{}: {}",
                    members.len(),
                    if members.len() == 1 { "" } else { "s" },
                    names.join(" -> ")
                );
                out.add("trace.cycle", Some(first), msg, ids);
                break;
            }
            sc.state[(i - lo) as usize] = ON_PATH;
            sc.stack.push(i);
            cur = forest.parent(i);
        }
        for &i in &sc.stack {
            sc.state[(i - lo) as usize] = DONE;
        }
    }
}

/// A duration for messages: `1.5ms`, `12µs`, `3s`.
pub fn fmt_ns(ns: u64) -> String {
    if ns >= 1_000_000_000 {
        format!("{:.3}s", ns as f64 / 1e9)
    } else if ns >= 1_000_000 {
        format!("{:.3}ms", ns as f64 / 1e6)
    } else if ns >= 1_000 {
        format!("{:.3}µs", ns as f64 / 1e3)
    } else {
        format!("{ns}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_parse() {
        let c = RuleConfig::parse("trace").unwrap();
        assert!(c.is_enabled("trace.orphan") && !c.is_enabled("span.invalid-id"));
        let c = RuleConfig::parse("-timing").unwrap();
        assert!(c.is_enabled("trace.orphan") && !c.is_enabled("timing.child-ends-after-parent"));
        let c = RuleConfig::parse("all,-timing.child-ends-after-parent").unwrap();
        assert!(c.is_enabled("timing.child-starts-before-parent"));
        assert!(!c.is_enabled("timing.child-ends-after-parent"));
        assert!(RuleConfig::parse("nope").is_err());
        assert_eq!(RuleConfig::all().enabled().count(), RULES.len());
    }
}
