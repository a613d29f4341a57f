//! Φ model files: which CSPM file and process describe the system, which processes are spans,
//! and how span names and span events map to CSP events.
//!
//! Parsed from TOML text (the CLI reads the file); every error carries `line:col` in that text.

use serde::Deserialize;
use std::collections::BTreeMap;

/// What to do with a span or span event whose name the model does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Unmapped {
    /// Skip it: a span's children hang from its nearest mapped ancestor.
    #[default]
    Hide,
    /// The trace is violated, with a `phi.unmapped` finding naming it.
    Error,
}

/// The model file, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFile {
    /// The CSPM file, relative to the model file.
    pub spec: String,
    /// The process that describes the whole system.
    pub process: String,
    pub unmapped: Unmapped,
    /// A trace whose spans have all ended must be a run after which the system can terminate.
    pub complete: bool,
    /// Span processes, in the order of their process names.
    pub spans: Vec<SpanProcess>,
    /// Span-event name -> CSP event, in name order.
    pub events: Vec<(String, String)>,
}

/// `[spans.X]`: a process whose activations are spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanProcess {
    /// The process's definition name (`WORKER` for `WORKER(i)`).
    pub process: String,
    /// The span name (default: the process name).
    pub name: String,
    /// An event the span's start stands for.
    pub start: Option<String>,
    /// An event the span's end stands for; then the end of the process's body is not observed.
    pub end: Option<String>,
    /// For synthesis: the service that makes the span (default: the process name, lowercased).
    pub service: Option<String>,
    /// For synthesis: the span kind (`internal`, `server`, `client`, `producer`, `consumer`).
    pub kind: Option<String>,
}

/// A model file that cannot be used, with its position.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct ModelError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    spec: String,
    process: String,
    #[serde(default)]
    unmapped: Unmapped,
    #[serde(default = "yes")]
    complete: bool,
    #[serde(default)]
    spans: BTreeMap<String, RawSpan>,
    #[serde(default)]
    events: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSpan {
    name: Option<String>,
    start: Option<String>,
    end: Option<String>,
    service: Option<String>,
    kind: Option<String>,
}

const KINDS: [&str; 5] = ["internal", "server", "client", "producer", "consumer"];

impl ModelFile {
    /// Parses a model file's text.
    pub fn parse(text: &str) -> Result<ModelFile, ModelError> {
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ModelError {
                line,
                col,
                message: e.message().to_string(),
            }
        })?;
        let at = |needle: &str| find(text, needle);
        if raw.spans.is_empty() {
            let (line, col) = at("process");
            return Err(ModelError {
                line,
                col,
                message: "no [spans.X] table: name at least one process whose activations are \
                          spans"
                    .into(),
            });
        }
        let mut spans = Vec::new();
        for (process, s) in raw.spans {
            if let Some(k) = &s.kind
                && !KINDS.contains(&k.as_str())
            {
                let (line, col) = at(&format!("[spans.{process}]"));
                return Err(ModelError {
                    line,
                    col,
                    message: format!("kind `{k}` is not one of {}", KINDS.join(", ")),
                });
            }
            spans.push(SpanProcess {
                name: s.name.unwrap_or_else(|| process.clone()),
                process,
                start: s.start,
                end: s.end,
                service: s.service,
                kind: s.kind,
            });
        }
        // Processes sharing a span name are told apart by their events; their start and end
        // events must agree, or the span's own events would depend on which one it was.
        for a in &spans {
            for b in &spans {
                if a.process < b.process
                    && a.name == b.name
                    && (a.start != b.start || a.end != b.end)
                {
                    let (line, col) = at(&format!("[spans.{}]", b.process));
                    return Err(ModelError {
                        line,
                        col,
                        message: format!(
                            "`{}` and `{}` share the span name \"{}\" but not their start and \
                             end events",
                            a.process, b.process, a.name
                        ),
                    });
                }
            }
        }
        Ok(ModelFile {
            spec: raw.spec,
            process: raw.process,
            unmapped: raw.unmapped,
            complete: raw.complete,
            spans,
            events: raw.events.into_iter().collect(),
        })
    }

    /// The position of a key's first mention, for errors found after parsing.
    pub fn position_of(text: &str, needle: &str) -> (usize, usize) {
        find(text, needle)
    }
}

fn find(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle)
        .map(|o| line_col(text, o))
        .unwrap_or((1, 1))
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |n| offset - n - 1) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_positions() {
        let m = ModelFile::parse("spec = \"a.csp\"\nprocess = \"S\"\n[spans.P]\n").unwrap();
        assert_eq!(m.unmapped, Unmapped::Hide);
        assert!(m.complete);
        assert_eq!(m.spans[0].name, "P");
        let e =
            ModelFile::parse("spec = \"a.csp\"\nprocess = \"S\"\nunmapped = \"drop\"\n[spans.P]\n")
                .unwrap_err();
        assert_eq!((e.line, e.col), (3, 12));
        let e = ModelFile::parse("spec = \"a.csp\"\nprocess = \"S\"\n").unwrap_err();
        assert!(e.message.contains("no [spans.X]"), "{e}");
        let e = ModelFile::parse("spec = \"a.csp\"\nprocess = \"S\"\n[spans.P]\nnmae = \"x\"\n")
            .unwrap_err();
        assert_eq!(e.line, 4);
    }
}
