//! The parser's input: a window on the token vector that nom combinators thread through, with
//! the two bits of context CSPM's grammar needs (whether a `>` closes a sequence here, and how
//! deep the nesting is), plus the shared state (source text, interner, side diagnostics).

use std::cell::RefCell;

use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Needed};

use crate::cspm::ast::{Interner, Name, Symbol};
use crate::cspm::lexer::{Tok, Token, fixed_text};
use crate::cspm::source::{Diagnostic, FileId, Span};

/// The deepest nesting the parser reads (brackets, operands of prefix forms such as `if`,
/// `let`, `\ x @`, unary operators; an operator chain `a + b + ...` or `a -> b -> ...` counts
/// one level however long it is); deeper input is an error. The parser itself never runs out
/// of stack (it grows it). The trees of long chains are as deep as the chain, so the walks
/// over expressions (`Drop`, `Clone`, `PartialEq`, `Debug` of `ast::Expr`, the printer,
/// span erasure, lowering, evaluation) grow their stack through `stacker`; patterns and type
/// expressions still count each link of a chain, so their walks recurse at most this deep.
pub const MAX_DEPTH: u32 = 512;

/// When less stack than this is left, the parser continues on a new segment of
/// [`STACK_SEGMENT`] bytes.
const STACK_RED_ZONE: usize = 128 * 1024;
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// State shared by the whole parse of one file.
pub struct Cx<'s> {
    pub src: &'s str,
    /// Every token of the file (the parser's windows are suffixes of it).
    pub tokens: &'s [Token],
    pub file: FileId,
    pub interner: RefCell<Interner>,
    /// Errors that do not stop the parse (a literal out of range, a declaration in the wrong
    /// place): the tree stays well formed, the file is still rejected.
    pub diags: RefCell<Vec<Diagnostic>>,
    pub eof: Token,
}

impl Cx<'_> {
    pub fn span(&self, t: Token) -> Span {
        t.span(self.file)
    }
    pub fn text(&self, t: Token) -> &str {
        t.text(self.src)
    }
    pub fn intern(&self, text: &str) -> Symbol {
        self.interner.borrow_mut().intern(text)
    }
    pub fn name(&self, t: Token) -> Name {
        Name {
            sym: self.intern(self.text(t)),
            span: self.span(t),
        }
    }
    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        crate::cspm::source::line_col_in(self.src, offset as usize)
    }
    pub fn report(&self, d: Diagnostic) {
        self.diags.borrow_mut().push(d);
    }
    /// The span from the first token of `from` to the last token consumed before `to`.
    pub fn consumed(&self, from: Toks<'_>, to: Toks<'_>) -> Span {
        let start = from.peek();
        let idx = self.tokens.len().saturating_sub(to.toks.len());
        let end = idx
            .checked_sub(1)
            .and_then(|k| self.tokens.get(k))
            .map(|t| t.end)
            .unwrap_or(start.end)
            .max(start.start);
        Span {
            file: self.file,
            start: start.start,
            end,
        }
    }
}

/// The remaining tokens and the parsing context. Cheap to copy.
#[derive(Clone, Copy)]
pub struct Toks<'a> {
    pub toks: &'a [Token],
    pub cx: &'a Cx<'a>,
    /// Inside `< ... >` at this bracket level: a `>` closes the sequence.
    pub in_seq: bool,
    pub depth: u32,
}

pub type PResult<'a, T> = IResult<Toks<'a>, T, PErr>;

impl<'a> Toks<'a> {
    pub fn new(toks: &'a [Token], cx: &'a Cx<'a>) -> Self {
        Toks {
            toks,
            cx,
            in_seq: false,
            depth: 0,
        }
    }
    /// The next token (the end-of-file token once everything is consumed).
    pub fn peek(&self) -> Token {
        self.toks.first().copied().unwrap_or(self.cx.eof)
    }
    pub fn peek_at(&self, k: usize) -> Token {
        self.toks.get(k).copied().unwrap_or(self.cx.eof)
    }
    pub fn kind(&self) -> Tok {
        self.peek().kind
    }
    pub fn at(&self, k: Tok) -> bool {
        self.kind() == k
    }
    /// Skips the next token (never the end of file).
    pub fn bump(self) -> Self {
        if self.toks.len() > 1 {
            Toks {
                toks: &self.toks[1..],
                ..self
            }
        } else {
            self
        }
    }
    pub fn error(&self, expected: &'static str) -> nom::Err<PErr> {
        nom::Err::Error(PErr::expected(self.peek(), expected))
    }
    pub fn failure(&self, expected: &'static str) -> nom::Err<PErr> {
        nom::Err::Failure(PErr::expected(self.peek(), expected))
    }
    pub fn fail_msg(&self, message: impl Into<String>) -> nom::Err<PErr> {
        nom::Err::Failure(PErr::message(self.peek(), message))
    }
}

/// Runs `f` one nesting level deeper, with `in_seq` set as given, and restores the caller's
/// context on the way out. This is where the depth limit is enforced.
pub fn nested<'a, O>(
    i: Toks<'a>,
    depth: u32,
    in_seq: bool,
    f: impl FnOnce(Toks<'a>) -> PResult<'a, O>,
) -> PResult<'a, O> {
    if depth > MAX_DEPTH {
        return Err(nom::Err::Failure(PErr::message(
            i.peek(),
            format!("expression too deep: more than {MAX_DEPTH} levels of brackets and operators"),
        )));
    }
    let inner = Toks { depth, in_seq, ..i };
    // Debug builds spend tens of kilobytes of stack per nesting level; grow the stack on the
    // heap when it runs low rather than overflow (free when it does not).
    let (rest, o) = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || f(inner))?;
    Ok((
        Toks {
            depth: i.depth,
            in_seq: i.in_seq,
            ..rest
        },
        o,
    ))
}

/// One level deeper inside brackets (`in_seq` off).
pub fn inside<'a, O>(i: Toks<'a>, f: impl FnOnce(Toks<'a>) -> PResult<'a, O>) -> PResult<'a, O> {
    nested(i, i.depth + 1, false, f)
}

/// Consumes a token of kind `k`.
pub fn tok<'a>(k: Tok) -> impl Fn(Toks<'a>) -> PResult<'a, Token> {
    move |i: Toks<'a>| {
        let t = i.peek();
        if t.kind == k {
            Ok((i.bump(), t))
        } else {
            Err(nom::Err::Error(PErr::expected(
                t,
                fixed_text(k).unwrap_or("a token"),
            )))
        }
    }
}

/// Consumes a token of kind `k`, or fails for good (after the parse has committed).
pub fn expect<'a>(i: Toks<'a>, k: Tok) -> PResult<'a, Token> {
    let t = i.peek();
    if t.kind == k {
        Ok((i.bump(), t))
    } else {
        Err(nom::Err::Failure(PErr::expected(
            t,
            fixed_text(k).unwrap_or("a token"),
        )))
    }
}

/// Consumes the closing bracket `k` of `open`, or fails saying where `open` was.
pub fn close<'a>(i: Toks<'a>, k: Tok, open: Token) -> PResult<'a, Token> {
    let t = i.peek();
    if t.kind == k {
        return Ok((i.bump(), t));
    }
    let mut e = PErr::expected(t, fixed_text(k).unwrap_or("a token"));
    let (line, col) = i.cx.line_col(open.start);
    e.help = Some(format!(
        "the `{}` at {line}:{col} is not closed",
        i.cx.text(open)
    ));
    Err(nom::Err::Failure(e))
}

/// Consumes an identifier and interns it.
pub fn ident(i: Toks<'_>) -> PResult<'_, Name> {
    let t = i.peek();
    if t.kind == Tok::Ident {
        Ok((i.bump(), i.cx.name(t)))
    } else {
        Err(nom::Err::Error(PErr::expected(t, "a name")))
    }
}

/// A parse error: the token where it happened and what was expected there (or a message).
#[derive(Clone, Debug, PartialEq)]
pub struct PErr {
    pub token: Token,
    pub expected: Vec<&'static str>,
    pub message: Option<String>,
    pub help: Option<String>,
}

impl PErr {
    pub fn expected(token: Token, what: &'static str) -> Self {
        PErr {
            token,
            expected: vec![what],
            message: None,
            help: None,
        }
    }
    pub fn message(token: Token, message: impl Into<String>) -> Self {
        PErr {
            token,
            expected: Vec::new(),
            message: Some(message.into()),
            help: None,
        }
    }

    /// The diagnostic for this error, in `cx`'s file.
    pub fn diagnostic(&self, cx: &Cx<'_>) -> Diagnostic {
        let d = self.diagnostic_plain(cx);
        match &self.help {
            Some(h) => d.with_help(h.clone()),
            None => d,
        }
    }

    fn diagnostic_plain(&self, cx: &Cx<'_>) -> Diagnostic {
        let span = cx.span(self.token);
        let found = describe(cx, self.token);
        match &self.message {
            Some(m) => Diagnostic::error(span, m.clone()),
            None => {
                let mut exp: Vec<&str> = self.expected.clone();
                exp.sort_unstable();
                exp.dedup();
                let message = match exp.as_slice() {
                    [] => format!("unexpected {found}"),
                    [one] => format!("expected {}, found {found}", quote(one)),
                    many => {
                        let (last, rest) = many.split_last().unwrap_or((&"", &[]));
                        let rest: Vec<String> = rest.iter().map(|s| quote(s)).collect();
                        format!(
                            "expected {} or {}, found {found}",
                            rest.join(", "),
                            quote(last)
                        )
                    }
                };
                if self.token.kind == Tok::Eof {
                    // Nothing to point at after the end: point at the last token instead.
                    let last = cx
                        .tokens
                        .iter()
                        .rev()
                        .find(|t| !matches!(t.kind, Tok::Eof | Tok::Newline));
                    if let Some(t) = last {
                        return Diagnostic::error(cx.span(*t), message)
                            .with_label("the file ends after this");
                    }
                }
                Diagnostic::error(span, message).with_label(format!("unexpected {found}"))
            }
        }
    }
}

/// Backquotes a token's text; descriptions such as "an expression" stay as they are.
fn quote(what: &str) -> String {
    if what.starts_with("a ") || what.starts_with("an ") || what.contains(' ') {
        what.to_string()
    } else {
        format!("`{what}`")
    }
}

/// How a token is named in messages.
pub fn describe(cx: &Cx<'_>, t: Token) -> String {
    match t.kind {
        Tok::Eof => "end of file".into(),
        Tok::Newline => "end of line".into(),
        Tok::Ident => format!("name `{}`", cx.text(t)),
        Tok::Int => format!("number `{}`", cx.text(t)),
        Tok::Str | Tok::Char => {
            let text = cx.text(t);
            let short: String = text.chars().take(24).collect();
            let more = if short.len() < text.len() { "..." } else { "" };
            let what = if t.kind == Tok::Str {
                "string"
            } else {
                "character"
            };
            format!("{what} `{short}{more}`")
        }
        Tok::Prop => format!("`{}`", cx.text(t)),
        Tok::Error => "unreadable text".into(),
        k => match fixed_text(k) {
            Some(s) if s.chars().all(|c| c.is_ascii_alphabetic()) => format!("keyword `{s}`"),
            Some(s) => format!("`{s}`"),
            None => "a token".into(),
        },
    }
}

impl<'a> ParseError<Toks<'a>> for PErr {
    fn from_error_kind(input: Toks<'a>, _kind: ErrorKind) -> Self {
        PErr {
            token: input.peek(),
            expected: Vec::new(),
            message: None,
            help: None,
        }
    }
    fn append(_input: Toks<'a>, _kind: ErrorKind, other: Self) -> Self {
        other
    }
    /// Of two alternatives, the one that got further explains the failure best; at the same
    /// place, both expectations are listed.
    fn or(mut self, other: Self) -> Self {
        if other.token.start > self.token.start {
            other
        } else if other.token.start < self.token.start {
            self
        } else {
            if self.message.is_none() {
                if other.message.is_some() {
                    return other;
                }
                self.expected.extend(other.expected);
            }
            self
        }
    }
}

impl<'a> nom::Input for Toks<'a> {
    type Item = Token;
    type Iter = std::iter::Copied<std::slice::Iter<'a, Token>>;
    type IterIndices = std::iter::Enumerate<Self::Iter>;

    fn input_len(&self) -> usize {
        self.toks.len()
    }
    fn take(&self, index: usize) -> Self {
        Toks {
            toks: self.toks.get(..index).unwrap_or(self.toks),
            ..*self
        }
    }
    fn take_from(&self, index: usize) -> Self {
        Toks {
            toks: self.toks.get(index..).unwrap_or(&[]),
            ..*self
        }
    }
    fn take_split(&self, index: usize) -> (Self, Self) {
        (self.take_from(index), self.take(index))
    }
    fn position<P>(&self, predicate: P) -> Option<usize>
    where
        P: Fn(Self::Item) -> bool,
    {
        self.toks.iter().position(|t| predicate(*t))
    }
    fn iter_elements(&self) -> Self::Iter {
        self.toks.iter().copied()
    }
    fn iter_indices(&self) -> Self::IterIndices {
        self.iter_elements().enumerate()
    }
    fn slice_index(&self, count: usize) -> Result<usize, Needed> {
        if self.toks.len() >= count {
            Ok(count)
        } else {
            Err(Needed::new(count - self.toks.len()))
        }
    }
}
