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

/// The rendering through miette that [`crate::report::snippet`] replaces, kept while the two
/// are compared.
#[cfg(test)]
pub(crate) mod miette_reference {
    use super::*;

    pub(crate) fn render_old(d: &Diagnostic, map: &SourceMap) -> String {
        d.render_miette(map, false)
    }

    impl Diagnostic {
        /// As [`Diagnostic::render`], in colour when `color` is set (the CLI sets it when stderr is
        /// a terminal and `NO_COLOR` is unset).
        fn render_miette(&self, map: &SourceMap, color: bool) -> String {
            let f = map.file(self.span.file);
            let (line, col) = map.line_col(self.span.file, self.span.start);
            let kind = match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut out = format!("{}:{}:{}: {}: {}\n", f.name, line, col, kind, self.message);
            let theme = if color {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let handler = miette::GraphicalReportHandler::new_themed(theme)
                .with_context_lines(1)
                .with_width(100);
            let (source, span) =
                Excerpt::around(&f.name, f.shown(), clamp(self.span, f.text.len()));
            let report = Snippet {
                diagnostic: self,
                source,
                span,
            };
            let mut body = String::new();
            if handler.render_report(&mut body, &report).is_ok() {
                // miette opens with its own `× message` line; ours (with the position) replaces it.
                let header = format!("[{}:", f.name);
                let lines: Vec<&str> = body.lines().collect();
                let from = lines
                    .iter()
                    .position(|l| l.contains(&header))
                    .unwrap_or(lines.len());
                for (k, l) in lines[from..].iter().enumerate() {
                    // The excerpt's columns are not the file's: the header gives the real position.
                    match (k, l.find(&header), l.rfind(']')) {
                        (0, Some(a), Some(b)) if b > a => {
                            out.push_str(&l[..a]);
                            out.push_str(&format!("[{}:{line}:{col}]", f.name));
                            out.push_str(l[b + 1..].trim_end());
                        }
                        _ => out.push_str(l.trim_end()),
                    }
                    out.push('\n');
                }
            }
            out
        }
    }

    /// Characters of the error's line shown on each side of its column, and of a context line.
    const EXCERPT_SIDE: usize = 60;
    const EXCERPT_CONTEXT: usize = 120;
    /// Lines kept on each side of the error's line.
    const EXCERPT_AROUND: usize = 2;

    /// The lines around a diagnostic (one before, one after), each cut to a window of a few dozen
    /// characters around the error: what a person reads, and what the snippet renderer can lay
    /// out (it panics past column 65535, and machine-generated lines are often longer).
    struct Excerpt {
        name: String,
        text: String,
        /// 0-based line of the file where `text` starts.
        first_line: usize,
    }

    impl Excerpt {
        /// The excerpt around `span` (already inside `text`) and the span moved into it.
        fn around(
            name: &str,
            text: &str,
            span: miette::SourceSpan,
        ) -> (Excerpt, miette::SourceSpan) {
            if let Some(plain) = Excerpt::verbatim(name, text, span) {
                return plain;
            }
            let start = span.offset();
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line_no = text[..line_start].matches('\n').count();
            let mut out = String::new();
            let mut first_line = line_no;
            // Up to two lines before, cut (the renderer picks the context it shows).
            let mut before_start = line_start;
            for _ in 0..EXCERPT_AROUND {
                if before_start == 0 {
                    break;
                }
                before_start = text[..before_start - 1].rfind('\n').map_or(0, |i| i + 1);
                first_line -= 1;
            }
            if before_start < line_start {
                for l in text[before_start..line_start - 1].split('\n') {
                    out.push_str(&cut_context(l));
                    out.push('\n');
                }
            }
            // The error's line: a window around the span's start.
            let line = &text[line_start..line_end];
            let col = start - line_start;
            let from = back_chars(line, col, EXCERPT_SIDE);
            let span_end = (start + span.len()).min(line_end) - line_start;
            let to = ceil_char(line, forward_chars(line, span_end.max(col), EXCERPT_SIDE));
            if from > 0 {
                out.push('…');
            }
            let offset = out.len() + (col - from);
            out.push_str(&line[from..to]);
            let mut len = span_end.saturating_sub(col).min(to.saturating_sub(col));
            if to < line.len() {
                out.push('…');
            } else if start + span.len() > line_end && line_end < text.len() {
                // A span that takes the line break in (an error at the end of a line) keeps it.
                len += 1;
            }
            // Up to two lines after, cut.
            let mut after = line_end;
            for _ in 0..EXCERPT_AROUND {
                if after >= text.len() {
                    break;
                }
                let next_end = text[after + 1..]
                    .find('\n')
                    .map_or(text.len(), |i| after + 1 + i);
                out.push('\n');
                out.push_str(&cut_context(&text[after + 1..next_end]));
                after = next_end;
            }
            (
                Excerpt {
                    name: name.to_string(),
                    text: out,
                    first_line,
                },
                miette::SourceSpan::new(offset.into(), len),
            )
        }
    }

    impl Excerpt {
        /// The lines from two before the span to two after it, as they are, when none is longer
        /// than [`PLAIN_LINE`] characters (a span over several lines keeps its drawing).
        fn verbatim(
            name: &str,
            text: &str,
            span: miette::SourceSpan,
        ) -> Option<(Excerpt, miette::SourceSpan)> {
            let start = span.offset();
            let end = (start + span.len()).min(text.len());
            let mut from = text[..start].rfind('\n').map_or(0, |i| i + 1);
            for _ in 0..EXCERPT_AROUND {
                if from == 0 {
                    break;
                }
                from = text[..from - 1].rfind('\n').map_or(0, |i| i + 1);
            }
            let mut to = text[end..].find('\n').map_or(text.len(), |i| end + i);
            for _ in 0..EXCERPT_AROUND {
                if to >= text.len() {
                    break;
                }
                to = text[to + 1..].find('\n').map_or(text.len(), |i| to + 1 + i);
            }
            let region = &text[from..to];
            if region.lines().count() > PLAIN_LINES || region.lines().any(|l| l.len() > PLAIN_LINE)
            {
                return None;
            }
            Some((
                Excerpt {
                    name: name.to_string(),
                    text: region.to_string(),
                    first_line: text[..from].matches('\n').count(),
                },
                miette::SourceSpan::new((start - from).into(), end.min(to) - start),
            ))
        }
    }

    /// Longest line (in bytes) and most lines an excerpt shows as they are.
    const PLAIN_LINE: usize = 1_000;
    const PLAIN_LINES: usize = 60;

    /// The byte offset `n` characters before `at` in `line` (or 0).
    fn back_chars(line: &str, at: usize, n: usize) -> usize {
        line[..floor_char(line, at)]
            .char_indices()
            .rev()
            .nth(n.saturating_sub(1))
            .map_or(0, |(i, _)| i)
    }

    /// The byte offset `n` characters after `at` in `line` (or its end).
    fn forward_chars(line: &str, at: usize, n: usize) -> usize {
        let at = ceil_char(line, at);
        line[at..]
            .char_indices()
            .nth(n)
            .map_or(line.len(), |(i, _)| at + i)
    }

    fn floor_char(s: &str, mut i: usize) -> usize {
        i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn ceil_char(s: &str, mut i: usize) -> usize {
        i = i.min(s.len());
        while !s.is_char_boundary(i) {
            i += 1;
        }
        i
    }

    /// A context line, cut after [`EXCERPT_CONTEXT`] characters.
    fn cut_context(line: &str) -> String {
        match line.char_indices().nth(EXCERPT_CONTEXT) {
            Some((i, _)) => format!("{}…", &line[..i]),
            None => line.to_string(),
        }
    }

    impl miette::SourceCode for Excerpt {
        fn read_span<'a>(
            &'a self,
            span: &miette::SourceSpan,
            before: usize,
            after: usize,
        ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
            let inner = self.text.as_str().read_span(span, before, after)?;
            Ok(Box::new(miette::MietteSpanContents::new_named(
                self.name.clone(),
                inner.data(),
                *inner.span(),
                inner.line() + self.first_line,
                inner.column(),
                inner.line_count(),
            )))
        }
    }

    /// A span clamped to the text (miette wants one inside it).
    fn clamp(span: Span, len: usize) -> miette::SourceSpan {
        let start = (span.start as usize).min(len);
        let end = (span.end as usize).clamp(start, len);
        miette::SourceSpan::new(start.into(), end - start)
    }

    /// A [`Diagnostic`] as miette sees it: one labelled span in an excerpt of its file.
    struct Snippet<'d> {
        diagnostic: &'d Diagnostic,
        source: Excerpt,
        span: miette::SourceSpan,
    }

    impl fmt::Debug for Snippet<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.diagnostic.message)
        }
    }
    impl fmt::Display for Snippet<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.diagnostic.message)
        }
    }
    impl std::error::Error for Snippet<'_> {}

    impl miette::Diagnostic for Snippet<'_> {
        fn severity(&self) -> Option<miette::Severity> {
            Some(match self.diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            })
        }
        fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
            self.diagnostic
                .help
                .as_ref()
                .map(|h| Box::new(h) as Box<dyn fmt::Display>)
        }
        fn source_code(&self) -> Option<&dyn miette::SourceCode> {
            Some(&self.source)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
            let label =
                miette::LabeledSpan::new_with_span(self.diagnostic.label.clone(), self.span);
            Some(Box::new(std::iter::once(label)))
        }
    }
}

#[cfg(test)]
mod same_as_miette {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => Just("a".to_string()),
            2 => Just(" ".to_string()),
            3 => Just("\n".to_string()),
            1 => Just("\r\n".to_string()),
            1 => Just("\r".to_string()),
            1 => Just("\t".to_string()),
            1 => Just("é".to_string()),
            1 => Just("中".to_string()),
            1 => Just("…".to_string()),
            1 => Just("P = a -> (STOP".to_string()),
            1 => Just("x".repeat(70)),
            1 => Just("y".repeat(1100)),
            1 => Just("\n".repeat(70)),
            1 => Just("   ".to_string()),
            1 => Just("ab  \n".to_string()),
            1 => Just("\u{3000}".to_string()),
            1 => Just("e\u{301}".to_string()),
        ];
        proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    fn case() -> impl Strategy<Value = (String, usize, usize, Option<String>, Option<String>, bool)>
    {
        text().prop_flat_map(|t| {
            let n = t.len();
            (
                Just(t),
                0..=n,
                0..=n,
                proptest::option::of(prop_oneof![
                    Just(String::new()),
                    Just("here".to_string()),
                    Just("two\nlines".to_string()),
                    Just("\n".to_string()),
                    Just("end  ".to_string()),
                    Just("a label quite long ".repeat(5)),
                ]),
                proptest::option::of(prop_oneof![
                    Just(String::new()),
                    Just("close it".to_string()),
                    Just("a help quite long to wrap somewhere ".repeat(6)),
                    Just("averyveryverylongwordwithoutspaces".repeat(6)),
                ]),
                any::<bool>(),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20000))]
        #[test]
        fn renders_as_miette_did((t, a, b, label, help, warn) in case()) {
            let mut map = SourceMap::default();
            let id = map.add("f.csp", t.clone());
            let (mut a, mut b) = (a.min(b), a.max(b));
            while !t.is_char_boundary(a) { a -= 1; }
            while !t.is_char_boundary(b) { b -= 1; }
            let b = b.max(a);
            let mut d = Diagnostic::error(Span::new(id, a, b), "message");
            if warn { d.severity = Severity::Warning; }
            d.label = label;
            d.help = help;
            let old = super::miette_reference::render_old(&d, &map);
            let new = d.render(&map);
            prop_assert_eq!(new, old);
        }
    }
}
