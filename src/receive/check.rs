//! Checking the traces the assembler hands on, one at a time on one thread, in the order
//! they completed: each becomes one OTLP/JSON line (written to `--save` when given), which
//! is read back by the dump reader and checked by `traces check`'s rules or, with a model,
//! by Φ. Because the checked bytes are the saved bytes, every position in the report is a
//! line of the saved dump, and `traces verify` on that dump gives the same results.

use super::assemble::{Done, Incomplete, TraceKey};
use crate::otlp::{Dump, Position, ReadOptions};
use crate::phi::corpus::TreeSummary;
use crate::report::{CheckResult, Finding, Verdict};
use crate::run::Quiet;
use crate::run::verify::{ModelSource, verify_one};
use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Instant;

/// What each trace is checked with.
pub enum Checking {
    /// `traces check`'s rules.
    Rules(crate::run::traces::Options),
    /// Φ against a model, as `traces verify` does.
    Model {
        src: Box<ModelSource>,
        options: crate::run::verify::Options,
    },
}

/// Where the checked traces go besides the report.
pub struct Save {
    /// The name results point at (the saved file, or a label when nothing is saved).
    pub name: String,
    pub file: Option<std::io::BufWriter<std::fs::File>>,
}

/// Counters the server reads while the checker runs.
#[derive(Default)]
pub struct Progress {
    /// Traces checked so far.
    pub traces: AtomicUsize,
    /// Spans handed on and not yet checked (back-pressure looks at it).
    pub queued_spans: AtomicUsize,
    pub violated: AtomicUsize,
}

/// Everything checked, in the order the traces completed.
#[derive(Default)]
pub struct Checked {
    /// `(trace, arrival order, results)`.
    pub results: Vec<(TraceKey, usize, Vec<CheckResult>)>,
    pub summaries: Vec<(TraceKey, usize, TreeSummary)>,
    pub spans: usize,
    pub incomplete: usize,
    /// The first error writing `--save` (the run goes on; the report says so).
    pub save_error: Option<String>,
}

/// Checks every trace received on `rx` until the channel closes.
pub fn run(
    rx: Receiver<Done>,
    checking: &Checking,
    mut save: Save,
    progress: &Progress,
) -> Result<Checked, String> {
    let mut out = Checked::default();
    let read = ReadOptions::default();
    let mut line_no: u64 = 0;
    let mut one = |d: Done, out: &mut Checked, check: &mut dyn FnMut(&Dump) -> Vec<Checkd>| {
        let spans = d.spans;
        line_no += 1;
        let line = to_json_line(&d.pb);
        if let Some(f) = save.file.as_mut()
            && let Err(e) = f.write_all(&line)
            && out.save_error.is_none()
        {
            out.save_error = Some(format!("cannot write {}: {e}", save.name));
        }
        let mut dump = crate::otlp::read(&save.name, &line[..], read);
        // Positions are lines of the saved dump; with nothing saved there is no line to show.
        shift_lines(&mut dump, if save.file.is_some() { Some(line_no - 1) } else { None });
        let mut results = crate::run::traces::read_error_results(&dump.errors);
        let seq = out.results.len();
        for c in check(&dump) {
            results.push(c.result);
            if let Some(s) = c.summary {
                out.summaries.push((d.trace, seq, s));
            }
        }
        if let Some(why) = &d.incomplete {
            out.incomplete += 1;
            for r in &mut results {
                mark_incomplete(r, why, spans);
            }
        }
        if results.iter().any(|r| matches!(r.verdict, Verdict::Violated(_))) {
            progress.violated.fetch_add(1, Ordering::Relaxed);
        }
        out.spans += spans;
        out.results.push((d.trace, seq, results));
        progress.queued_spans.fetch_sub(spans, Ordering::Relaxed);
        progress.traces.fetch_add(1, Ordering::Relaxed);
    };
    match checking {
        Checking::Rules(options) => {
            let options = crate::run::traces::Options {
                allow_empty: true,
                jobs: 1,
                ..options.clone()
            };
            let mut check = |dump: &Dump| -> Vec<Checkd> {
                let report =
                    crate::run::traces::check_dump(dump, Vec::new(), &options, Instant::now());
                report
                    .results
                    .into_iter()
                    .map(|result| Checkd {
                        result,
                        summary: None,
                    })
                    .collect()
            };
            for d in rx {
                one(d, &mut out, &mut check);
            }
        }
        Checking::Model { src, options } => {
            let mut model = src.load(&mut Quiet)?;
            let mut v = model.verifier();
            let limits = crate::phi::Limits {
                max_states: options
                    .limits
                    .max_states
                    .unwrap_or(crate::phi::Limits::default().max_states),
                deadline: None,
                reduce: options.reduction,
                max_bytes: options.limits.memory(),
            };
            let timeout = options.limits.timeout;
            let mut check = |dump: &Dump| -> Vec<Checkd> {
                let forest = &dump.forest;
                forest
                    .traces
                    .iter()
                    .map(|t| {
                        let lim = crate::phi::Limits {
                            deadline: timeout.and_then(|d| Instant::now().checked_add(d)),
                            ..limits
                        };
                        let got = verify_one(&mut v, forest, t, lim, false);
                        let mut result = got.result;
                        result.input = crate::run::traces::trace_file(forest, t);
                        Checkd {
                            result,
                            summary: got.canon,
                        }
                    })
                    .collect()
            };
            for d in rx {
                one(d, &mut out, &mut check);
            }
        }
    }
    if let Some(f) = save.file.as_mut()
        && let Err(e) = f.flush()
        && out.save_error.is_none()
    {
        out.save_error = Some(format!("cannot write {}: {e}", save.name));
    }
    Ok(out)
}

/// One checked trace.
struct Checkd {
    result: CheckResult,
    summary: Option<TreeSummary>,
}

/// The OTLP/JSON line of one trace's `TracesData` bytes (ids in hex, as the OTLP/JSON
/// encoding and `traces check` read them), ending in a newline.
pub fn to_json_line(pb: &[u8]) -> Vec<u8> {
    // The bytes were encoded by the assembler from decoded messages: they decode.
    let data = TracesData::decode(pb).unwrap_or_default();
    let mut line = serde_json::to_vec(&data).unwrap_or_else(|_| b"{}".to_vec());
    line.push(b'\n');
    line
}

/// Moves every line position of `dump` down by `by` lines (the trace's line in the saved
/// dump), or clears them when nothing is saved.
fn shift_lines(dump: &mut Dump, by: Option<u64>) {
    for s in &mut dump.forest.spans {
        s.line = match by {
            Some(by) if s.line > 0 => s.line.saturating_add(by as u32),
            _ => 0,
        };
    }
    for e in &mut dump.errors {
        if let Position::LineCol { line, .. } = &mut e.position
            && let Some(by) = by
        {
            *line += by;
        }
    }
}

/// Says on a result that its trace was checked as it stood; a trace that holds so far is
/// inconclusive, never green.
fn mark_incomplete(r: &mut CheckResult, why: &Incomplete, spans: usize) {
    let message = match why {
        Incomplete::Evicted => format!(
            "incomplete: checked as it stood ({spans} spans) because the receiver's buffer was \
             full (--max-spans, --max-traces); later spans of this trace are checked apart"
        ),
        Incomplete::NoRoot => format!(
            "incomplete: the run ended before the root span of this trace arrived ({spans} \
             spans checked as they stood)"
        ),
        Incomplete::Late => format!(
            "incomplete: these {spans} spans arrived after their trace had been checked \
             (raise --trace-idle)"
        ),
    };
    if matches!(r.verdict, Verdict::Error(_)) {
        return;
    }
    r.findings.push(Finding {
        rule: "receive.incomplete".into(),
        message: message.clone(),
        ..Default::default()
    });
    if matches!(r.verdict, Verdict::Holds) {
        r.verdict = Verdict::Inconclusive(message);
    }
}
