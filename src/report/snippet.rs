//! The one renderer of diagnostics: a CSPM parse or evaluation error, a position in an OTLP
//! JSON dump, anything that is a message about a place in a text file.
//!
//! ```text
//! broken.csp:4:15: error: expected `)`, found end of line
//!    ╭─[broken.csp:4:15]
//!  3 │ channel a
//!  4 │ P = a -> (STOP
//!    ·               ┬
//!    ·               ╰── unexpected end of line
//!  5 │ Q = a -> STOP
//!    ╰────
//!   help: the `(` at 4:10 is not closed
//! ```
//!
//! The layout is the one miette's graphical handler drew when cspot rendered through it (one
//! context line on each side, the span's line numbers, a marker under the span, `·` lines for
//! the label), kept byte for byte so that saved outputs and snapshots still read the same;
//! cspot draws it itself because scraping miette's output lost everything but the first line
//! once colour wrapped its header in escape codes. Colour only decorates: every escape
//! sequence wraps text that the plain rendering has at the same place, so removing the escapes
//! from a coloured rendering gives the plain one exactly (a test holds it to that).
//!
//! What came from input (source lines, messages that quote it, file names) passes through
//! [`clean`], so that a file cannot recolour or clear the terminal it is shown on.

use super::text::{clean, clean_lines};
use std::borrow::Cow;
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// How bad a diagnostic is: the word after its position and the colour of its marker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The input cannot be checked.
    Error,
    /// Something a person should look at; the input is still checked.
    Warning,
}

impl Level {
    fn word(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
    fn style(self) -> Style {
        match self {
            Level::Error => Style::Red,
            Level::Warning => Style::Yellow,
        }
    }
}

/// A diagnostic to render.
#[derive(Clone, Debug)]
pub struct Snippet<'a> {
    /// Error or warning.
    pub level: Level,
    /// What is wrong, in a sentence.
    pub message: &'a str,
    /// Where it is; without it the diagnostic is one line, `error: message`.
    pub location: Option<Location<'a>>,
    /// What the marker under the span says, e.g. "unexpected end of line".
    pub label: Option<&'a str>,
    /// How to fix it, shown as `help:` below the drawing.
    pub help: Option<&'a str>,
}

/// A position in a file, and, when the text there can be shown, that text.
#[derive(Clone, Debug)]
pub struct Location<'a> {
    /// The file's name as the user gave it.
    pub file: &'a str,
    /// 1-based line and column (in characters) of the start of the span, as the header says.
    pub line: usize,
    /// See `line`.
    pub col: usize,
    /// The text around the position; without it only the header line is drawn.
    pub source: Option<Source<'a>>,
}

/// The text a snippet is cut from.
#[derive(Clone, Debug)]
pub struct Source<'a> {
    /// Whole lines of the file, with any line endings (LF, CRLF or a lone CR, each one break
    /// as the CSPM lexer and the JSON readers count them): the whole file, or the few lines
    /// around the span of a file too large to hold.
    pub text: &'a str,
    /// 0-based number of the file's line that `text` starts with (0 for the whole file).
    pub first_line: usize,
    /// The bytes of `text` the diagnostic is about; an empty range points between two
    /// characters. A range past the text is cut to it.
    pub span: Range<usize>,
}

/// `snippet` as lines of text, each ending in a newline; in ANSI colour when `color` is set.
pub fn render(snippet: &Snippet, color: bool) -> String {
    let mut out = Out {
        text: String::new(),
        color,
    };
    let level = snippet.level;
    let mut header = Line::default();
    if let Some(at) = &snippet.location {
        header.push(
            Style::Bold,
            format!("{}:{}:{}:", clean(at.file), at.line, at.col),
        );
        header.push(Style::Plain, " ");
    }
    header.push(level.style().bold(), format!("{}:", level.word()));
    header.push(Style::Plain, " ");
    header.push(Style::Bold, clean_lines(snippet.message).into_owned());
    out.line(header);
    if let Some(at) = &snippet.location
        && let Some(src) = &at.source
    {
        let label = snippet.label.map(|l| clean_lines(l).into_owned());
        draw(&mut out, at, src, label.as_deref(), level);
    }
    if let Some(help) = snippet.help {
        for (i, text) in wrap(&clean_lines(help), HELP_WIDTH).into_iter().enumerate() {
            let mut line = Line::default();
            if i == 0 {
                line.push(Style::Plain, "  ");
                line.push(Style::Help, "help:");
                line.push(Style::Plain, " ");
            } else {
                line.push(Style::Plain, " ".repeat(HELP_INDENT));
            }
            line.push(Style::Plain, text);
            out.line(line);
        }
    }
    out.text
}

/// Text `text` with every line break as LF, at the same byte offsets: a CR before an LF
/// becomes a space (invisible at the end of a line, and trimmed there), a lone CR an LF.
/// Borrowed when there is no CR (the usual case).
pub fn lf_only(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len());
    for (i, c) in text.char_indices() {
        out.push(match c {
            '\r' if b.get(i + 1) == Some(&b'\n') => ' ',
            '\r' => '\n',
            c => c,
        });
    }
    Cow::Owned(out)
}

// ---- drawing --------------------------------------------------------------------------------

/// The help text's first line starts with `  help: `, the next ones with as many spaces; a
/// line holds at most [`HELP_WIDTH`] characters after them (miette wrapped at 100 columns,
/// less its two-column margin).
const HELP_INDENT: usize = 8;
const HELP_WIDTH: usize = 98 - HELP_INDENT;
/// Columns a tab advances to the next multiple of.
const TAB_WIDTH: usize = 4;

/// The frame, the source lines of the window around the span and the marker under it.
fn draw(out: &mut Out, at: &Location, src: &Source, label: Option<&str>, level: Level) {
    let text = lf_only(src.text);
    let span = clamp(&src.span, &text);
    let (window, span) = Window::around(&text, span);
    let lines = context_lines(
        &window.text,
        span.clone(),
        src.first_line + window.first_line,
    );
    let mark = level.style();
    // The gutter is as wide as the last line number shown (1 when there is none: an empty
    // file shows its frame and no line).
    let width = lines.last().map_or(1, |l| l.number.to_string().len());
    let no_number = || {
        let mut l = Line::default();
        l.push(Style::Plain, " ".repeat(width + 2));
        l.push(Style::Dim, "·");
        l.push(Style::Plain, " ");
        l
    };
    let mut top = Line::default();
    top.push(Style::Plain, " ".repeat(width + 2));
    top.push(Style::Dim, "╭─[");
    top.push(
        Style::Plain,
        format!("{}:{}:{}", clean(at.file), at.line, at.col),
    );
    top.push(Style::Dim, "]");
    out.line(top);
    // A span over several lines is drawn in a gutter of one arrow column left of the text.
    let multi = lines
        .iter()
        .any(|l| l.applies(&span) && !l.line_only(&span));
    for line in &lines {
        let mut row = Line::default();
        row.push(Style::Plain, " ");
        row.push(Style::Dim, format!("{:>width$}", line.number));
        row.push(Style::Plain, " ");
        row.push(Style::Dim, "│");
        row.push(Style::Plain, " ");
        if multi {
            if line.applies(&span) && span.start >= line.start {
                row.push(mark, "╭─▶");
                row.push(Style::Plain, " ");
            } else if line.applies(&span) && line.ends(&span) {
                row.push(
                    mark,
                    if label.is_some() {
                        "├─▶"
                    } else {
                        "╰─▶"
                    },
                );
                row.push(Style::Plain, " ");
            } else if line.applies(&span) && line.passes(&span) {
                row.push(mark, "│");
                row.push(Style::Plain, "   ");
            } else {
                row.push(Style::Plain, "    ");
            }
        }
        row.push(Style::Plain, shown_line(&line.text));
        out.line(row);
        if !line.applies(&span) {
            continue;
        }
        if line.line_only(&span) {
            // The marker: `┬` (or `─` without a label, `▲` for an empty span) in the middle
            // of an underline as wide as the span, and the label hanging from it.
            let start = visual_offset(line, span.start, true);
            let end = if span.is_empty() {
                start + 1
            } else {
                visual_offset(line, span.end, false).max(start + 1)
            };
            let middle = (start + end) / 2;
            let knot = if span.is_empty() {
                "▲"
            } else if label.is_some() {
                "┬"
            } else {
                "─"
            };
            let mut row = no_number();
            row.push(Style::Plain, " ".repeat(start));
            row.push(
                mark,
                format!(
                    "{}{knot}{}",
                    "─".repeat(middle - start),
                    "─".repeat(end - middle - 1)
                ),
            );
            out.line(row);
            if let Some(label) = label {
                let parts: Vec<&str> = label.split('\n').collect();
                for (i, part) in parts.iter().enumerate() {
                    let mut row = no_number();
                    row.push(Style::Plain, " ".repeat(middle));
                    let hook = match (parts.len(), i) {
                        (1, _) => "╰──",
                        (_, 0) => "╰─┤",
                        _ => "  │",
                    };
                    row.push(mark, hook);
                    row.push(Style::Plain, " ");
                    row.push(mark, *part);
                    out.line(row);
                }
            }
        } else if let Some(label) = label
            && line.ends(&span)
            && span.start < line.start
        {
            // The end of a span over several lines: its label, off the gutter's arrow.
            let parts: Vec<&str> = label.split('\n').collect();
            for (i, part) in parts.iter().enumerate() {
                let mut row = no_number();
                let hook = match (parts.len(), i) {
                    (1, _) => "╰────",
                    (_, 0) => "╰──┤",
                    _ => "   │",
                };
                row.push(mark, hook);
                row.push(Style::Plain, " ");
                row.push(mark, *part);
                out.line(row);
            }
        }
    }
    let mut bottom = Line::default();
    bottom.push(Style::Plain, " ".repeat(width + 2));
    bottom.push(Style::Dim, "╰────");
    out.line(bottom);
}

/// A span cut to the text, its ends moved back onto character boundaries.
fn clamp(span: &Range<usize>, text: &str) -> Range<usize> {
    let start = floor_char(text, span.start);
    let end = floor_char(text, span.end.max(start));
    start..end
}

/// One line of the window: its 1-based number, where it starts and ends in the window (the
/// end after its LF, if it has one) and its text without the LF.
struct SourceLine {
    number: usize,
    start: usize,
    end: usize,
    text: String,
}

impl SourceLine {
    /// Whether the span is drawn on this line: it starts, passes through or ends here (an
    /// empty span counts as one character wide).
    fn applies(&self, span: &Range<usize>) -> bool {
        let end = span.start + span.len().max(1);
        (span.start >= self.start && span.start < self.end)
            || (span.start < self.start && end > self.end)
            || (end > self.start && end <= self.end)
    }
    /// Whether the span lies within this line (its LF included).
    fn line_only(&self, span: &Range<usize>) -> bool {
        span.start >= self.start && span.end <= self.end
    }
    /// Whether a span over several lines ends on this one.
    fn ends(&self, span: &Range<usize>) -> bool {
        span.end >= self.start && span.end <= self.end
    }
    /// Whether a span over several lines passes this one without starting or ending on it.
    fn passes(&self, span: &Range<usize>) -> bool {
        span.start < self.start && span.end > self.end
    }
}

/// The lines shown around `span` in `text` (LF only), numbered from `first_line` (0-based):
/// one line before the span's first line and one after its last, the span's last line being
/// the one of its last byte (of the byte before it, for an empty span). A span whose last
/// byte is the LF that ends a line (an error at the end of a line) thus shows two lines after
/// its own: that is where miette drew the window, and where the snapshots have it.
fn context_lines(text: &str, span: Range<usize>, first_line: usize) -> Vec<SourceLine> {
    let last = span.end.saturating_sub(1);
    // The start of the line before the span's, and how many lines come before it.
    let mut before: Option<usize> = None;
    let mut skipped = 0;
    let mut line_start = 0;
    let mut past = false;
    let mut past_line_end = false;
    let mut to = text.len();
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if b == b'\n' {
            if i < span.start {
                if before.is_some() {
                    skipped += 1;
                }
                before = Some(line_start);
            } else if i >= last && past {
                if past_line_end {
                    to = i + 1;
                    break;
                }
                past_line_end = true;
            }
            line_start = i + 1;
        }
        if i >= last {
            past = true;
        }
    }
    let from = before.unwrap_or(0);
    let mut lines = Vec::new();
    let mut start = from;
    for (k, piece) in text[from..to].split_inclusive('\n').enumerate() {
        let end = start + piece.len();
        lines.push(SourceLine {
            number: first_line + skipped + k + 1,
            start,
            end,
            text: piece.strip_suffix('\n').unwrap_or(piece).to_string(),
        });
        start = end;
    }
    lines
}

/// The display width of each character of a line, as it is shown: a tab up to the next tab
/// stop, an escaped character as wide as its escape, others by their Unicode width.
fn widths(text: &str) -> impl Iterator<Item = (char, usize)> + '_ {
    let mut column = 0;
    text.chars().map(move |c| {
        let w = match c {
            '\t' => TAB_WIDTH - column % TAB_WIDTH,
            c => match clean_char(c) {
                Some(e) => e.chars().count(),
                None => c.width().unwrap_or(0),
            },
        };
        column += w;
        (c, w)
    })
}

/// `c` escaped as [`clean`] writes it, when it must be.
fn clean_char(c: char) -> Option<String> {
    let mut buf = [0u8; 4];
    match clean(c.encode_utf8(&mut buf)) {
        Cow::Owned(e) => Some(e),
        Cow::Borrowed(_) => None,
    }
}

/// A source line as shown: tabs as spaces to the next tab stop, hostile characters escaped.
fn shown_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (c, w) in widths(text) {
        match c {
            '\t' => out.extend(std::iter::repeat_n(' ', w)),
            c => match clean_char(c) {
                Some(e) => out.push_str(&e),
                None => out.push(c),
            },
        }
    }
    out
}

/// The display column of byte `offset` of the window in `line`: of the character it falls
/// in, its first column when `start`, else its last. An offset past the line's text (its LF,
/// or the end of the file) is one column past the text.
fn visual_offset(line: &SourceLine, offset: usize, start: bool) -> usize {
    let mut i = offset.saturating_sub(line.start);
    while i <= line.text.len() && !line.text.is_char_boundary(i) {
        if start {
            i -= 1;
        } else {
            i += 1;
        }
    }
    let width: usize = widths(&line.text[..i.min(line.text.len())])
        .map(|(_, w)| w)
        .sum();
    if i > line.text.len() {
        width + 1
    } else {
        width
    }
}

/// `text` broken into lines of at most `width` characters at spaces, a word longer than a
/// line cut; the line breaks of `text` are kept.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut len = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            // A word that does not fit on this line starts the next.
            if len > 0 && len + 1 + word.len() > width {
                out.push(std::mem::take(&mut line));
                len = 0;
            }
            // A word longer than a whole line is cut into lines of its own.
            while word.len() > width {
                let rest = word.split_off(width);
                out.push(word.into_iter().collect());
                word = rest;
            }
            if len > 0 {
                line.push(' ');
                len += 1;
            }
            len += word.len();
            line.extend(word);
        }
        out.push(line);
    }
    out
}

// ---- the window: what a person reads of a long line --------------------------------------

/// Characters of the error's line shown on each side of its column, and of a context line.
const EXCERPT_SIDE: usize = 60;
const EXCERPT_CONTEXT: usize = 120;
/// Lines kept on each side of the error's line.
const EXCERPT_AROUND: usize = 2;
/// Longest line (in bytes) and most lines a window shows as they are.
const PLAIN_LINE: usize = 1_000;
const PLAIN_LINES: usize = 60;

/// The lines around a span (two before, two after), each cut to a window of a few dozen
/// characters around the span: what a person reads (machine-written lines, such as a JSON
/// dump's, are often megabytes long), and a bound on the work of drawing them.
struct Window {
    text: String,
    /// 0-based line of the text where the window starts.
    first_line: usize,
}

impl Window {
    /// The window around `span` (inside `text`, LF only) and the span moved into it.
    fn around(text: &str, span: Range<usize>) -> (Window, Range<usize>) {
        if let Some(plain) = Window::verbatim(text, span.clone()) {
            return plain;
        }
        let start = span.start;
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line_no = text[..line_start].matches('\n').count();
        let mut out = String::new();
        let mut first_line = line_no;
        // Up to two lines before, cut (the drawing picks the context it shows).
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
        let span_end = span.end.min(line_end) - line_start;
        let to = ceil_char(line, forward_chars(line, span_end.max(col), EXCERPT_SIDE));
        if from > 0 {
            out.push('…');
        }
        let offset = out.len() + (col - from);
        out.push_str(&line[from..to]);
        let mut len = span_end.saturating_sub(col).min(to.saturating_sub(col));
        if to < line.len() {
            out.push('…');
        } else if span.end > line_end && line_end < text.len() {
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
            Window {
                text: out,
                first_line,
            },
            offset..offset + len,
        )
    }

    /// The lines from two before the span to two after it, as they are, when none is longer
    /// than [`PLAIN_LINE`] bytes and there are at most [`PLAIN_LINES`] of them (a span over
    /// several lines keeps its drawing).
    fn verbatim(text: &str, span: Range<usize>) -> Option<(Window, Range<usize>)> {
        let start = span.start;
        let end = span.end.min(text.len());
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
        if region.lines().count() > PLAIN_LINES || region.lines().any(|l| l.len() > PLAIN_LINE) {
            return None;
        }
        Some((
            Window {
                text: region.to_string(),
                first_line: text[..from].matches('\n').count(),
            },
            start - from..end.min(to) - from,
        ))
    }
}

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

// ---- colour ---------------------------------------------------------------------------------

/// What a piece of a line looks like in colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Bold,
    Dim,
    Red,
    Yellow,
    BoldRed,
    BoldYellow,
    Help,
}

impl Style {
    fn bold(self) -> Style {
        match self {
            Style::Red => Style::BoldRed,
            Style::Yellow => Style::BoldYellow,
            s => s,
        }
    }
    /// The SGR parameters of the style; none for plain text.
    fn sgr(self) -> Option<&'static str> {
        match self {
            Style::Plain => None,
            Style::Bold => Some("1"),
            Style::Dim => Some("2"),
            Style::Red => Some("31"),
            Style::Yellow => Some("33"),
            Style::BoldRed => Some("1;31"),
            Style::BoldYellow => Some("1;33"),
            Style::Help => Some("1;36"),
        }
    }
}

/// One output line as styled pieces.
#[derive(Default)]
struct Line {
    pieces: Vec<(Style, String)>,
}

impl Line {
    fn push(&mut self, style: Style, text: impl Into<String>) {
        self.pieces.push((style, text.into()));
    }
}

/// The rendering being written.
struct Out {
    text: String,
    color: bool,
}

impl Out {
    /// Writes `line` without its trailing white space (an empty source line leaves none after
    /// its `│`), each piece in its colour when colour is on.
    fn line(&mut self, mut line: Line) {
        while let Some((_, last)) = line.pieces.last_mut() {
            let kept = last.trim_end().len();
            last.truncate(kept);
            if kept > 0 {
                break;
            }
            line.pieces.pop();
        }
        for (style, text) in &line.pieces {
            match style.sgr() {
                Some(sgr) if self.color && !text.is_empty() => {
                    self.text.push_str("\x1b[");
                    self.text.push_str(sgr);
                    self.text.push('m');
                    self.text.push_str(text);
                    self.text.push_str("\x1b[0m");
                }
                _ => self.text.push_str(text),
            }
        }
        self.text.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, span: Range<usize>, line: usize, col: usize) -> Location<'a> {
        Location {
            file: "f.csp",
            line,
            col,
            source: Some(Source {
                text,
                first_line: 0,
                span,
            }),
        }
    }

    #[test]
    fn a_label_hangs_under_the_span() {
        let text = "channel a\nP = a -> (STOP\nQ = a -> STOP\n";
        let s = Snippet {
            level: Level::Error,
            message: "expected `)`",
            location: Some(at(text, 19..23, 2, 10)),
            label: Some("here"),
            help: Some("close it"),
        };
        assert_eq!(
            render(&s, false),
            "f.csp:2:10: error: expected `)`\n   ╭─[f.csp:2:10]\n 1 │ channel a\n \
             2 │ P = a -> (STOP\n   ·          ──┬─\n   ·            ╰── here\n \
             3 │ Q = a -> STOP\n   ╰────\n  help: close it\n"
        );
    }

    #[test]
    fn help_wraps_at_spaces() {
        let words = "word ".repeat(40);
        let lines = wrap(words.trim_end(), HELP_WIDTH);
        assert!(lines.iter().all(|l| l.chars().count() <= HELP_WIDTH));
        assert_eq!(lines.join(" "), words.trim_end());
        let long = "x".repeat(200);
        let lines = wrap(&long, HELP_WIDTH);
        assert_eq!(lines.concat(), long);
        assert!(lines.iter().all(|l| l.chars().count() <= HELP_WIDTH));
    }
}
