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
    pub incomplete: usize,
    /// The first error writing `--save` (the run goes on; the report says so).
    pub save_error: Option<String>,
}

/// Checks every trace received on `rx` until the channel closes, on `jobs` worker threads.
/// This thread writes each trace's line (so the saved file is in completion order) and reads
/// it back; the workers check. Results are ordered by the caller, so the number of workers
/// changes nothing in the report.
pub fn run(
    rx: Receiver<Done>,
    checking: &Checking,
    first_model: Option<crate::phi::Model>,
    mut save: Save,
    progress: &Progress,
    jobs: usize,
) -> Result<Checked, String> {
    let jobs = jobs.max(1);
    let mut out = Checked::default();
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<Work>(jobs * 4);
    let work_rx = std::sync::Mutex::new(work_rx);
    let first_model = std::sync::Mutex::new(first_model);
    std::thread::scope(|scope| -> Result<(), String> {
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Result<Finished, String>>();
        let mut workers = Vec::new();
        for _ in 0..jobs {
            let done_tx = done_tx.clone();
            let work_rx = &work_rx;
            let first_model = &first_model;
            workers.push(scope.spawn(move || {
                let model = first_model.lock().ok().and_then(|mut m| m.take());
                worker(work_rx, done_tx, checking, model, progress)
            }));
        }
        drop(done_tx);
        let read = ReadOptions::default();
        let mut line_no: u64 = 0;
        for d in rx {
            line_no += 1;
            let dump = match save.file.as_mut() {
                Some(f) => {
                    let line = to_json_line(&d.pb);
                    if let Err(e) = f.write_all(&line)
                        && out.save_error.is_none()
                    {
                        out.save_error = Some(format!("cannot write {}: {e}", save.name));
                    }
                    let mut dump = crate::otlp::read(&save.name, &line[..], read);
                    // Positions are lines of the saved dump.
                    shift_lines(&mut dump, Some(line_no - 1));
                    dump
                }
                // Nothing saved, no line to point at: the protobuf bytes are read as they are.
                None => {
                    let mut dump = crate::otlp::read(&save.name, &d.pb[..], read);
                    shift_lines(&mut dump, None);
                    dump
                }
            };
            let work = Work {
                seq: line_no as usize,
                trace: d.trace,
                spans: d.spans,
                incomplete: d.incomplete,
                dump,
            };
            // Workers take work until the queue closes (a worker that failed drains it).
            let _ = work_tx.send(work);
        }
        drop(work_tx);
        for got in done_rx {
            let f = got?;
            if f.incomplete {
                out.incomplete += 1;
            }
            out.summaries
                .extend(f.summaries.into_iter().map(|s| (f.trace, f.seq, s)));
            out.results.push((f.trace, f.seq, f.results));
        }
        for w in workers {
            w.join().map_err(|_| "a checking thread panicked".to_string())?;
        }
        Ok(())
    })?;
    if let Some(f) = save.file.as_mut()
        && let Err(e) = f.flush()
        && out.save_error.is_none()
    {
        out.save_error = Some(format!("cannot write {}: {e}", save.name));
    }
    Ok(out)
}

/// A trace read back, for a worker to check.
struct Work {
    seq: usize,
    trace: TraceKey,
    spans: usize,
    incomplete: Option<Incomplete>,
    dump: Dump,
}

/// What a worker made of one trace.
struct Finished {
    seq: usize,
    trace: TraceKey,
    incomplete: bool,
    results: Vec<CheckResult>,
    summaries: Vec<TreeSummary>,
}

/// Takes traces from `work` until it closes; each worker has its own model (`loaded`, or one
/// it loads), whose verifier keeps memo tables.
fn worker(
    work: &std::sync::Mutex<Receiver<Work>>,
    done: std::sync::mpsc::Sender<Result<Finished, String>>,
    checking: &Checking,
    loaded: Option<crate::phi::Model>,
    progress: &Progress,
) {
    let next = || work.lock().ok().and_then(|r| r.recv().ok());
    let finish = |w: Work, checked: Vec<Checkd>| {
        let mut results = crate::run::traces::read_error_results(&w.dump.errors);
        let mut summaries = Vec::new();
        for c in checked {
            results.push(c.result);
            summaries.extend(c.summary);
        }
        if let Some(why) = &w.incomplete {
            for r in &mut results {
                mark_incomplete(r, why, w.spans);
            }
        }
        if results.iter().any(|r| matches!(r.verdict, Verdict::Violated(_))) {
            progress.violated.fetch_add(1, Ordering::Relaxed);
        }
        progress.queued_spans.fetch_sub(w.spans, Ordering::Relaxed);
        progress.traces.fetch_add(1, Ordering::Relaxed);
        Finished {
            seq: w.seq,
            trace: w.trace,
            incomplete: w.incomplete.is_some(),
            results,
            summaries,
        }
    };
    match checking {
        Checking::Rules(options) => {
            let options = crate::run::traces::Options {
                allow_empty: true,
                jobs: 1,
                ..options.clone()
            };
            while let Some(w) = next() {
                let report =
                    crate::run::traces::check_dump(&w.dump, Vec::new(), &options, Instant::now());
                let checked = report
                    .results
                    .into_iter()
                    .map(|result| Checkd {
                        result,
                        summary: None,
                    })
                    .collect();
                if done.send(Ok(finish(w, checked))).is_err() {
                    return;
                }
            }
        }
        Checking::Model { src, options } => {
            let mut model = match loaded.map_or_else(|| src.load(&mut Quiet), Ok) {
                Ok(m) => m,
                Err(e) => {
                    let _ = done.send(Err(e));
                    // Keep taking work, so that the reading thread never waits on a full
                    // queue nobody empties; the run ends with this error.
                    while next().is_some() {}
                    return;
                }
            };
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
            while let Some(w) = next() {
                let forest = &w.dump.forest;
                let checked = forest
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
                    .collect();
                if done.send(Ok(finish(w, checked))).is_err() {
                    return;
                }
            }
        }
    }
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
