//! Source files, byte spans and diagnostics with `file:line:col` and a caret snippet.

use std::fmt;
use std::sync::Arc;

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Reads files for the front end; the CLI implements it over the file system, tests over a map.
pub trait Loader {
    /// Returns the canonical name and the text of `path`, resolved relative to `from` (the
    /// including file's name) when given.
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String>;
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
    /// Byte offset of the start of each line.
    line_starts: Vec<u32>,
    /// The text as the snippet renderer reads it (see [`SourceFile::shown`]), made on the
    /// first diagnostic.
    shown: std::sync::OnceLock<Arc<str>>,
}

impl SourceFile {
    /// The text with every line break as LF and the same byte offsets
    /// ([`crate::report::snippet::lf_only`]), made once however many diagnostics the file has.
    fn shown(&self) -> &str {
        if !self.text.contains('\r') {
            return &self.text;
        }
        self.shown.get_or_init(|| {
            crate::report::snippet::lf_only(&self.text)
                .into_owned()
                .into()
        })
    }
}

/// Byte offset of the start of each line of `text`. A line ends at LF, at CRLF (one break)
/// or at a CR alone, as the lexer reads them, so one error has one `line:col` whatever the
/// file's line endings.
pub fn line_starts(text: &str) -> Vec<u32> {
    let b = text.as_bytes();
    let mut out = vec![0u32];
    for i in memchr::memchr2_iter(b'\n', b'\r', b) {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            continue;
        }
        out.push(i as u32 + 1);
    }
    out
}

/// 1-based line and column (in characters) of byte `offset` in `text`, counting line breaks
/// as [`line_starts`] does, without building the table (for a single position).
pub fn line_col_in(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let b = text.as_bytes();
    let mut line = 1;
    let mut start = 0;
    for i in memchr::memchr2_iter(b'\n', b'\r', before.as_bytes()) {
        if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            continue;
        }
        line += 1;
        start = i + 1;
    }
    let col = before.get(start..).map_or(0, |s| s.chars().count()) + 1;
    (line, col)
}

/// Every file read in one run, so spans can be turned into `file:line:col`.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let text: Arc<str> = text.into();
        let line_starts = line_starts(&text);
        self.files.push(SourceFile {
            name: name.into(),
            text,
            line_starts,
            shown: std::sync::OnceLock::new(),
        });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: u32) -> (usize, usize) {
        let f = self.file(file);
        let line = f
            .line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let start = f.line_starts[line] as usize;
        let end = (offset as usize).min(f.text.len());
        let col = f
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line + 1, col + 1)
    }

    /// `file:line:col` of the start of a span.
    pub fn position(&self, span: Span) -> String {
        let (l, c) = self.line_col(span.file, span.start);
        format!("{}:{}:{}", self.file(span.file).name, l, c)
    }
}

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// An error or warning about CSPM input, anchored at a span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// What the span's caret says, e.g. "expected `=` here".
    pub label: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            help: None,
        }
    }
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Renders the diagnostic without colour: a first line `file:line:col: error: message`,
    /// then the source lines around the span with the label under it, then the help (the
    /// one layout of [`crate::report::snippet`]).
    pub fn render(&self, map: &SourceMap) -> String {
        self.render_styled(map, false)
    }

    /// As [`Diagnostic::render`], in ANSI colour when `color` is set (the CLI decides it from
    /// `--color`).
    pub fn render_styled(&self, map: &SourceMap, color: bool) -> String {
        use crate::report::snippet::{self, Level, Location, Snippet, Source};
        let f = map.file(self.span.file);
        let (line, col) = map.line_col(self.span.file, self.span.start);
        let snippet = Snippet {
            level: match self.severity {
                Severity::Error => Level::Error,
                Severity::Warning => Level::Warning,
            },
            message: &self.message,
            location: Some(Location {
                file: &f.name,
                line,
                col,
                source: Some(Source {
                    text: f.shown(),
                    first_line: 0,
                    span: self.span.start as usize..self.span.end as usize,
                }),
            }),
            label: self.label.as_deref(),
            help: self.help.as_deref(),
        };
        snippet::render(&snippet, color)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
