//! The pretty-printer: the AST back to CSPM text in one canonical layout.
//!
//! One declaration per line (`let` blocks, modules, `Timed` sections and comments inside a
//! declaration take several), operators spaced, and parentheses only where FDR's binding
//! strengths ([`prec`]) need them, so that parsing the output gives the same tree (spans
//! aside). Three things besides
//! precedence decide parentheses: a form that extends to the right (`if`, `let`, a lambda, a
//! replicated operator) is bare only at the end of its context; inside `< ... >` a `>` at the
//! same bracket level would close the sequence, so a greater-than there is bracketed; and an
//! assertion's first expression that starts with `not` is bracketed (it would read as
//! `assert not`). Token pairs that would lex differently when glued (`- -`, `{ -`, `< -`, ...)
//! get a space.
//!
//! Comments are not in the AST: [`module_with_comments`] takes them from the lexer (byte spans,
//! [`Comment`]) and prints each at the first point of the output at or after its place in the
//! source, where "points" are the starts of the nodes the printer prints (each node has a
//! span), the ends of declarations and the line breaks the layout already has:
//!
//! - before a declaration: on their own lines above it, a blank line kept (one) where the
//!   source had one or more, at the top level (inside `let`, modules and `Timed` sections they
//!   are packed);
//! - after a declaration on its last line: at the end of its printed last line;
//! - at the end of the file: after the last declaration;
//! - inside a declaration: before the node that follows them, on lines of their own (or at
//!   the end of the line when they followed code in the source), but only where a line break
//!   is soaked up by the lexer's continuation rule ([`lexer::soaks_after`] of the last token
//!   printed), so that the break a `--` comment needs never ends the declaration. Where a
//!   break would end it, a one-line `{- -}` comment stays inline and any other waits for the
//!   next such point, at worst the end of the declaration's last line.
//!
//! So no comment is lost or reordered against another, the tree is unchanged, and printing
//! the output again gives the output (a comment printed at a point is, in the output, just
//! before that point's node, where the second run finds it). A `--` comment loses its
//! trailing whitespace and a block comment's line breaks become LF ([`Comment::text`]).

use super::ast::*;
use super::lexer::{self, Comment, Tok};
use super::parser::model_text;
use super::parser::prec::{self, Assoc};
use super::source::FileId;

/// The whole file: declarations one per line (a blank line between groups).
pub fn module(m: &Module, interner: &Interner) -> String {
    module_with_comments(m, interner, "", &[])
}

/// The whole file with its comments: `m` parsed from `src`, `comments` as the lexer gave them
/// ([`crate::cspm::parser::parse_with_comments`]). See the module documentation for where
/// each comment goes.
pub fn module_with_comments(
    m: &Module,
    interner: &Interner,
    src: &str,
    comments: &[Comment],
) -> String {
    let mut p = Printer::new(interner);
    p.src = src;
    p.comments = comments;
    p.decls_top(&m.decls);
    p.out
}

/// The texts of `comments` (as [`Comment::text`] gives them), sorted: two files keep the
/// same comments when these are equal.
pub fn comment_texts(src: &str, comments: &[Comment]) -> Vec<String> {
    let mut texts: Vec<String> = comments.iter().map(|c| c.text(src)).collect();
    texts.sort();
    texts
}

/// How the formatter's output failed its check ([`verify`]).
#[derive(Debug, thiserror::Error)]
pub enum Mismatch {
    #[error("the formatted text does not parse")]
    Unparsable(Vec<super::source::Diagnostic>),
    #[error("the formatted text does not parse back to the same syntax tree")]
    TreeChanged,
    #[error("the formatted text does not keep every comment (lost: {lost:?}; new: {added:?})")]
    Comments {
        lost: Vec<String>,
        added: Vec<String>,
    },
    #[error("formatting the formatted text changes it again")]
    NotIdempotent,
}

/// Checks the formatter on one file: `out`, the formatting of `module` (parsed from `src`,
/// which has `comments`), parses without errors (as file `again`) to the same tree once spans
/// are erased, has the same comments ([`comment_texts`]), and formats to itself.
pub fn verify(
    module: &Module,
    src: &str,
    comments: &[Comment],
    out: &str,
    again: FileId,
    interner: &mut Interner,
) -> Result<(), Mismatch> {
    let (mut reparsed, diags, comments2) = super::parser::parse_with_comments(again, out, interner);
    if !diags.is_empty() {
        return Err(Mismatch::Unparsable(diags));
    }
    let twice = module_with_comments(&reparsed, interner, out, &comments2);
    let mut original = module.clone();
    original.erase_spans();
    reparsed.erase_spans();
    reparsed.file = original.file;
    if reparsed != original {
        return Err(Mismatch::TreeChanged);
    }
    let (before, after) = (comment_texts(src, comments), comment_texts(out, &comments2));
    if before != after {
        let minus = |a: &[String], b: &[String]| {
            let mut rest = b.to_vec();
            let mut only = Vec::new();
            for t in a {
                match rest.iter().position(|x| x == t) {
                    Some(k) => {
                        rest.swap_remove(k);
                    }
                    None => only.push(t.clone()),
                }
            }
            only
        };
        return Err(Mismatch::Comments {
            lost: minus(&before, &after),
            added: minus(&after, &before),
        });
    }
    if twice != out {
        return Err(Mismatch::NotIdempotent);
    }
    Ok(())
}

/// One declaration, on as many lines as it needs (no trailing newline).
pub fn decl(d: &Decl, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.decl(d);
    p.out
}

/// An expression.
pub fn expr(e: &Expr, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.expr(e, prec::OPEN, true);
    p.out
}

/// A pattern.
pub fn pat(pat: &Pat, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.pat(pat, PAT_ALSO);
    p.out
}

/// A type.
pub fn type_expr(t: &TypeExpr, interner: &Interner) -> String {
    let mut p = Printer::new(interner);
    p.ty(t, TY_FN);
    p.out
}

const PAT_ALSO: u8 = 1;
const PAT_DOT: u8 = 2;
const PAT_CONCAT: u8 = 3;
const PAT_ATOM: u8 = 4;

const TY_FN: u8 = 1;
const TY_YIELD: u8 = 2;
const TY_DOT: u8 = 3;
const TY_ATOM: u8 = 4;

struct Printer<'i> {
    out: String,
    int: &'i Interner,
    indent: usize,
    /// Inside `< ... >` at the current bracket level.
    in_seq: bool,
    /// The source text the comments' spans point into.
    src: &'i str,
    comments: &'i [Comment],
    /// `comments[waiting..next]` have been reached (their place in the source is behind the
    /// printer) and wait for a point where they may be printed; `comments[next..]` have not.
    waiting: usize,
    next: usize,
    /// A node has started and printed nothing yet: the next push may place waiting comments.
    at_start: bool,
    /// Where in `out` the last push with code is (its last token decides whether a line break
    /// may follow).
    last_code: Option<std::ops::Range<usize>>,
    /// The current output line has more than indentation.
    line_content: bool,
    /// The current output line ends with a `--` comment: only a line break may follow.
    line_comment_open: bool,
    /// An inline comment was printed: the next code is separated from it by a space.
    space_pending: bool,
}

/// Whether gluing `b` after `a` would lex as another token (or a comment).
fn glue_hazard(a: char, b: char) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '\'';
    if ident(a) && ident(b) {
        return true;
    }
    matches!(
        (a, b),
        ('-', '-')
            | ('-', '>')
            | ('{', '-')
            | ('{', '|')
            | ('(', '|')
            | ('<', '-')
            | ('<', '=')
            | ('<', '>')
            | ('[', '|')
            | ('[', '[')
            | ('[', ']')
            | ('[', '>')
            | ('[', '+')
            | ('|', '|')
            | ('|', '~')
            | ('|', '}')
            | ('|', ')')
            | ('|', ']')
            | ('|', '>')
            | ('|', '\\')
            | ('=', '=')
            | ('=', '>')
            | ('!', '=')
            | (':', ':')
            | (':', '[')
            | ('/', '\\')
            | ('/', '+')
            | ('+', '\\')
            | ('+', ']')
            | ('.', '.')
            | ('@', '@')
            | ('>', '=')
    )
}

impl<'i> Printer<'i> {
    fn new(int: &'i Interner) -> Self {
        Printer {
            out: String::new(),
            int,
            indent: 0,
            in_seq: false,
            src: "",
            comments: &[],
            waiting: 0,
            next: 0,
            at_start: false,
            last_code: None,
            line_content: false,
            line_comment_open: false,
            space_pending: false,
        }
    }

    /// Appends `s`, with a space first when gluing would change the tokens. The first push of
    /// a node places the comments waiting there, when they may be.
    fn push(&mut self, s: &str) {
        if self.at_start {
            self.at_start = false;
            if self.waiting < self.next {
                self.place_waiting();
            }
        }
        let s = if self.line_content {
            s
        } else {
            s.trim_start_matches(' ')
        };
        if self.space_pending {
            self.space_pending = false;
            if !s.starts_with(' ') {
                self.out.push(' ');
            }
        }
        if let (Some(a), Some(b)) = (self.out.chars().next_back(), s.chars().next())
            && glue_hazard(a, b)
        {
            self.out.push(' ');
        }
        let from = self.out.len();
        self.out.push_str(s);
        if !s.trim().is_empty() {
            self.line_content = true;
            self.last_code = Some(from..self.out.len());
        }
    }

    /// A line break of the layout (where the printer always breaks the line): comments still
    /// waiting end the line before it.
    fn newline(&mut self, indent: usize) {
        self.flush_line_end(indent);
        self.raw_newline(indent);
    }

    fn raw_newline(&mut self, indent: usize) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        self.out.push('\n');
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.line_content = false;
        self.line_comment_open = false;
        self.space_pending = false;
    }

    // ----- comments -----

    /// Marks every comment before `pos` in the source as reached.
    fn pull(&mut self, pos: u32) {
        while self.comments.get(self.next).is_some_and(|c| c.start < pos) {
            self.next += 1;
        }
    }

    /// A node whose source starts at `pos` begins: the comments before it wait for its first
    /// push.
    fn at(&mut self, pos: u32) {
        self.pull(pos);
        self.at_start = true;
    }

    /// Whether the lexer soaks up a line break after the last code printed (so a comment and
    /// its line break may go there without ending the declaration).
    fn break_soaked(&self) -> bool {
        let Some(s) = self.last_code.clone().and_then(|r| self.out.get(r)) else {
            return true;
        };
        let lexed = lexer::lex(FileId::default(), s);
        match lexed
            .tokens
            .iter()
            .rev()
            .find(|t| !matches!(t.kind, Tok::Eof | Tok::Newline))
        {
            // `:[has trace]:` and `:[tau priority]:` take an argument, as in the lexer.
            Some(t) => {
                lexer::soaks_after(t.kind) || (t.kind == Tok::Prop && t.text(s).ends_with(':'))
            }
            None => true,
        }
    }

    /// Prints one comment: at the end of the current line when it followed something on its
    /// line in the source (and the line can take it), else on a line of its own at `indent`,
    /// after a blank line when `blank` (and something precedes). Tells whether it went on a
    /// line of its own.
    fn write_comment(&mut self, c: &Comment, indent: usize, blank: bool) -> bool {
        let own = c.breaks_before > 0 || !self.line_content || self.line_comment_open;
        if own {
            if self.line_content || self.line_comment_open {
                self.raw_newline(indent);
            }
            if blank && !self.out.is_empty() {
                self.raw_newline(indent);
            }
        } else {
            self.space_before_inline();
        }
        self.out.push_str(&c.text(self.src));
        self.line_content = true;
        self.line_comment_open = !c.block;
        self.space_pending = false;
        own
    }

    /// One space before a comment that follows code on its line (none after `(` or `[`; a
    /// `{` glued to a comment would open a block comment).
    fn space_before_inline(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
        if !self.out.ends_with(['(', '[']) {
            self.out.push(' ');
        }
    }

    /// At the first push of a node, inside a declaration: the waiting comments go here when a
    /// line break may follow the last code (then the node starts a new line unless every
    /// comment was a one-line block comment that followed code in the source); otherwise the
    /// one-line block comments at their head go inline and the rest keep waiting.
    fn place_waiting(&mut self) {
        let cont = self.indent + 1;
        if !self.line_content || self.break_soaked() {
            let mut need_break = false;
            for k in self.waiting..self.next {
                let c = self.comments[k];
                let own = self.write_comment(&c, cont, false);
                need_break |= own || c.breaks_line(self.src);
            }
            self.waiting = self.next;
            if need_break {
                self.raw_newline(cont);
            } else {
                self.space_pending = true;
            }
        } else {
            while self.waiting < self.next {
                let c = self.comments[self.waiting];
                if c.breaks_line(self.src) {
                    break;
                }
                self.space_before_inline();
                self.out.push_str(&c.text(self.src));
                self.space_pending = true;
                self.waiting += 1;
            }
        }
    }

    /// Prints every waiting comment at the end of the current line (or on lines of their own
    /// at `indent`): the layout breaks the line next.
    fn flush_line_end(&mut self, indent: usize) {
        while self.waiting < self.next {
            let c = self.comments[self.waiting];
            self.write_comment(&c, indent, false);
            self.waiting += 1;
        }
    }

    /// After a declaration: the comments inside it that still wait and the comments after it
    /// on its last source line end its printed last line, up to the first comment that was on
    /// a line of its own; that one and those after it go back to wait for the list the
    /// declaration is in (they are printed before the next declaration, or at the list's end).
    fn decl_end(&mut self, d: &Decl) {
        self.pull(d.span.end);
        while self.waiting < self.next {
            let c = self.comments[self.waiting];
            if c.breaks_before > 0 || self.line_comment_open {
                break;
            }
            self.write_comment(&c, self.indent, false);
            self.waiting += 1;
        }
        self.next = self.waiting;
        let mut after = d.span.end as usize;
        while let Some(&c) = self.comments.get(self.next) {
            // Only what shares the declaration's last line with nothing but comments between.
            let gap = self.src.get(after..c.start as usize).unwrap_or("x");
            if c.breaks_before > 0 || self.line_comment_open || !gap.trim().is_empty() {
                break;
            }
            self.write_comment(&c, self.indent, false);
            after = c.end as usize;
            self.next += 1;
            self.waiting = self.next;
        }
    }

    /// Whether the source has a blank line between byte offsets `from` and `to`.
    fn blank_between(&self, from: u32, to: u32) -> bool {
        let gap = self
            .src
            .get(from as usize..to as usize)
            .unwrap_or("")
            .as_bytes();
        let mut breaks = 0;
        for (k, &b) in gap.iter().enumerate() {
            match b {
                b'\n' if k > 0 && gap[k - 1] == b'\r' => {}
                b'\n' | b'\r' => breaks += 1,
                b' ' | b'\t' | 0x0b | 0x0c => {}
                _ => breaks = 0,
            }
            if breaks >= 2 {
                return true;
            }
        }
        false
    }

    /// Where the first token (of kind `want`, when given) between byte offsets `from` and `to`
    /// of the source starts; `to` when there is none, or no comment is left to place (the
    /// search would be wasted).
    fn token_at(&self, from: u32, to: u32, want: Option<Tok>) -> u32 {
        if self.next >= self.comments.len() {
            return to;
        }
        let Some(gap) = self.src.get(from as usize..to as usize) else {
            return to;
        };
        lexer::lex(FileId::default(), gap)
            .tokens
            .iter()
            .find(|t| t.kind != Tok::Newline && want.is_none_or(|w| t.kind == w))
            .filter(|t| t.kind != Tok::Eof)
            .map_or(to, |t| from + t.start)
    }

    /// Where the closing keyword `kw` of declaration `d` (`endmodule`, the `}` of `Timed`)
    /// starts in the source.
    fn closing(&self, d: &Decl, kw: &str) -> u32 {
        let end = d.span.end as usize;
        match self.src.get(..end) {
            Some(text) if text.ends_with(kw) => (end - kw.len()) as u32,
            _ => d.span.end,
        }
    }

    fn name(&mut self, n: &Name) {
        self.at(n.span.start);
        let s = self.int.resolve(n.sym);
        self.push(s);
    }

    fn names(&mut self, ns: &[Name]) {
        for (k, n) in ns.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.name(n);
        }
    }

    /// Runs `f` inside brackets: a `>` no longer closes a sequence there.
    fn bracketed(&mut self, f: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.in_seq, false);
        f(self);
        self.in_seq = saved;
    }

    // ----- declarations -----

    fn decls_top(&mut self, decls: &[Decl]) {
        for (k, d) in decls.iter().enumerate() {
            self.pull(d.span.start);
            let lead = self.waiting..self.next;
            if k > 0 {
                let blank = !same_group(&decls[k - 1], d)
                    || self
                        .comments
                        .get(lead.start)
                        .is_some_and(|c| lead.start < lead.end && c.breaks_before >= 2);
                self.raw_newline(0);
                if blank {
                    self.raw_newline(0);
                }
            }
            // The comments above the declaration, each blank line between them kept (one).
            for j in lead.clone() {
                let c = self.comments[j];
                self.write_comment(&c, 0, j > lead.start && c.breaks_before >= 2);
            }
            self.waiting = self.next;
            if let Some(last) = lead.end.checked_sub(1).filter(|&j| j >= lead.start) {
                self.raw_newline(0);
                if self.blank_between(self.comments[last].end, d.span.start) {
                    self.raw_newline(0);
                }
            }
            self.decl(d);
            self.decl_end(d);
        }
        // The comments after the last declaration.
        self.pull(u32::MAX);
        while self.waiting < self.next {
            let c = self.comments[self.waiting];
            self.write_comment(&c, 0, c.breaks_before >= 2);
            self.waiting += 1;
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
    }

    /// The declarations of a `let`, a module or a `Timed` section, one per line at `indent`;
    /// `end` is where the list ends in the source (its `within`, `exports`, `endmodule` or
    /// `}`): the comments before it end the list.
    fn decl_block(&mut self, decls: &[Decl], indent: usize, end: u32) {
        let saved = self.indent;
        self.indent = indent;
        for d in decls {
            self.pull(d.span.start);
            self.flush_line_end(indent);
            self.raw_newline(indent);
            self.decl(d);
            self.decl_end(d);
        }
        self.pull(end);
        self.flush_line_end(indent);
        self.indent = saved;
    }

    fn decl(&mut self, d: &Decl) {
        self.at(d.span.start);
        match &d.kind {
            DeclKind::Clause { name, params, body } => {
                self.name(name);
                for group in params {
                    self.push("(");
                    self.bracketed(|p| p.pats(group));
                    self.push(")");
                }
                self.push(" = ");
                self.expr(body, prec::OPEN, true);
            }
            DeclKind::PatBind { pat, body } => {
                self.pat(pat, PAT_ALSO);
                self.push(" = ");
                self.expr(body, prec::OPEN, true);
            }
            DeclKind::Channel { names, ty } => {
                self.push("channel ");
                self.names(names);
                if let Some(t) = ty {
                    self.push(" : ");
                    self.expr(t, prec::OPEN, true);
                }
            }
            DeclKind::Datatype { name, ctors } | DeclKind::Subtype { name, ctors } => {
                let kw = if matches!(d.kind, DeclKind::Datatype { .. }) {
                    "datatype "
                } else {
                    "subtype "
                };
                self.push(kw);
                self.name(name);
                self.push(" = ");
                for (k, c) in ctors.iter().enumerate() {
                    if k > 0 {
                        self.push(" | ");
                    }
                    self.name(&c.name);
                    if let Some(f) = &c.fields {
                        self.push(".");
                        self.expr(f, prec::OPEN, true);
                    }
                }
            }
            DeclKind::Nametype { name, ty } => {
                self.push("nametype ");
                self.name(name);
                self.push(" = ");
                self.expr(ty, prec::OPEN, true);
            }
            DeclKind::Assert(a) => self.assertion(a),
            DeclKind::Transparent(ns) => {
                self.push("transparent ");
                self.names(ns);
            }
            DeclKind::External(ns) => {
                self.push("external ");
                self.names(ns);
            }
            DeclKind::Include { path, .. } => {
                self.push("include ");
                self.push(&quote_string(path));
            }
            DeclKind::Print(e) => {
                self.push("print ");
                self.expr(e, prec::OPEN, true);
            }
            DeclKind::TypeAnnotation { names, ty } => {
                self.names(names);
                self.push(" :: ");
                self.ty(ty, TY_FN);
            }
            DeclKind::ModuleDef {
                name,
                params,
                private,
                exports,
            } => {
                let ind = self.indent;
                self.push("module ");
                self.name(name);
                if let Some(ps) = params {
                    self.push("(");
                    self.bracketed(|p| p.pats(ps));
                    self.push(")");
                }
                let from = private
                    .last()
                    .map(|p| p.span.end)
                    .or(params.as_ref().and_then(|ps| ps.last()).map(|p| p.span.end))
                    .unwrap_or(name.span.end);
                let to = exports.first().map_or(d.span.end, |e| e.span.start);
                let exports_at = self.token_at(from, to, Some(Tok::Exports));
                self.decl_block(private, ind + 1, exports_at);
                self.newline(ind);
                self.push("exports");
                let end = self.closing(d, "endmodule");
                self.decl_block(exports, ind + 1, end);
                self.newline(ind);
                self.push("endmodule");
            }
            DeclKind::Instance { name, module, args } => {
                self.push("instance ");
                self.name(name);
                self.push(" = ");
                self.name(module);
                if let Some(args) = args {
                    self.push("(");
                    self.bracketed(|p| p.exprs(args));
                    self.push(")");
                }
            }
            DeclKind::Timed { tock_fn, decls } => {
                let ind = self.indent;
                self.push("Timed");
                if let Some(f) = tock_fn {
                    self.push("(");
                    self.bracketed(|p| p.expr(f, prec::OPEN, true));
                    self.push(")");
                }
                self.push(" {");
                let end = self.closing(d, "}");
                self.decl_block(decls, ind + 1, end);
                self.newline(ind);
                self.push("}");
            }
        }
    }

    fn assertion(&mut self, a: &Assertion) {
        self.push("assert ");
        if a.negated {
            self.push("not ");
        }
        let first = match &a.kind {
            AssertKind::Refinement { spec, .. } => spec,
            AssertKind::DeadlockFree { proc, .. }
            | AssertKind::DivergenceFree { proc, .. }
            | AssertKind::Deterministic { proc, .. }
            | AssertKind::HasTrace { proc, .. } => proc,
            AssertKind::Bool(e) => e,
        };
        // Printed apart first (without comments): a leading `not` would read as `assert not`.
        let mut sub = Printer::new(self.int);
        sub.indent = self.indent;
        sub.expr(first, prec::OPEN, true);
        let text = sub.out;
        let starts_with_not = text.strip_prefix("not").is_some_and(|rest| {
            !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'')
        });
        if starts_with_not && !a.negated {
            // The brackets are part of the expression (a second run reads them so): the
            // comments before it go before them.
            self.at(first.span.start);
            self.push("(");
            self.bracketed(|p| p.expr(first, prec::OPEN, true));
            self.push(")");
        } else {
            self.expr(first, prec::OPEN, true);
        }
        let model = |m: &Option<ModelTag>| match m {
            Some(m) => format!(" [{}]", model_text(*m)),
            None => String::new(),
        };
        match &a.kind {
            AssertKind::Refinement { model, imp, .. } => {
                self.push(&format!(" [{}= ", model_text(*model)));
                self.expr(imp, prec::OPEN, true);
            }
            AssertKind::DeadlockFree { model: m, .. } => {
                self.push(&format!(" :[deadlock free{}]", model(m)));
            }
            AssertKind::DivergenceFree {
                model: m, livelock, ..
            } => {
                let what = if *livelock { "livelock" } else { "divergence" };
                self.push(&format!(" :[{what} free{}]", model(m)));
            }
            AssertKind::Deterministic { model: m, .. } => {
                self.push(&format!(" :[deterministic{}]", model(m)));
            }
            AssertKind::HasTrace {
                model: m, trace, ..
            } => {
                self.push(&format!(" :[has trace{}]: ", model(m)));
                self.expr(trace, prec::OPEN, true);
            }
            AssertKind::Bool(_) => {}
        }
        for o in &a.options {
            match o {
                AssertOption::TauPriority { events, over } => {
                    self.push(if *over {
                        " :[tau priority over]: "
                    } else {
                        " :[tau priority]: "
                    });
                    self.expr(events, prec::OPEN, true);
                }
                // One push: the property is one token (no comment can go inside it).
                AssertOption::PartialOrderReduce { mode } => match mode {
                    Some(m) => self.push(&format!(
                        " :[partial order reduce [{}]]",
                        self.int.resolve(m.sym)
                    )),
                    None => self.push(" :[partial order reduce]"),
                },
            }
        }
    }

    // ----- expressions -----

    fn exprs(&mut self, es: &[Expr]) {
        for (k, e) in es.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.expr(e, prec::OPEN, true);
        }
    }

    /// Prints `e` where the context needs binding strength `min`; `tail` tells whether
    /// nothing of the same context follows (so a right-extending form may stay bare).
    fn expr(&mut self, e: &Expr, min: u8, tail: bool) {
        self.at(e.span.start);
        // A long operator chain is a tree as deep as the chain: grow the stack as we go.
        crate::cspm::ast::grow(|| self.expr_level(e, min, tail))
    }

    fn expr_level(&mut self, e: &Expr, min: u8, tail: bool) {
        let level = level(e);
        let gt_in_seq = self.in_seq && matches!(e.kind, ExprKind::Binary(BinOp::Gt, _, _));
        let parens = if level == prec::OPEN {
            !tail
        } else {
            level < min || gt_in_seq
        };
        if parens {
            self.push("(");
            self.bracketed(|p| p.expr_bare(e, true));
            self.push(")");
        } else {
            self.expr_bare(e, tail);
        }
    }

    fn expr_bare(&mut self, e: &Expr, tail: bool) {
        match &e.kind {
            ExprKind::Int(n) => self.push(&n.to_string()),
            ExprKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            ExprKind::Char(c) => self.push(&quote_char(*c)),
            ExprKind::String(s) => self.push(&quote_string(s)),
            ExprKind::Var(n) => self.name(n),
            ExprKind::Tuple(es) => {
                self.push("(");
                self.bracketed(|p| p.exprs(es));
                self.push(")");
            }
            ExprKind::Dot(l, r) => {
                self.expr(l, prec::DOT + 1, false);
                self.push(".");
                self.expr(r, prec::DOT, tail);
            }
            ExprKind::Apply(f, args) => {
                self.expr(f, prec::POSTFIX, false);
                self.push("(");
                self.bracketed(|p| p.exprs(args));
                self.push(")");
            }
            ExprKind::Unary(op, x) => {
                let (text, min) = match op {
                    UnOp::Neg => ("-", prec::ADD + 1),
                    UnOp::Not => ("not ", prec::NOT + 1),
                    UnOp::Length => ("#", prec::LEN + 1),
                };
                self.push(text);
                self.expr(x, min, tail);
            }
            ExprKind::Binary(op, l, r) => {
                let (lvl, assoc) = prec::binop(*op);
                let (lmin, rmin) = match (op, assoc) {
                    (BinOp::Hide | BinOp::Project, _) => (lvl, prec::HIDE_RHS),
                    (_, Assoc::Left) => (lvl, lvl + 1),
                    (_, Assoc::Right) => (lvl + 1, lvl),
                    (_, Assoc::None) => (lvl + 1, lvl + 1),
                };
                self.expr(l, lmin, false);
                self.push(" ");
                self.push(prec::binop_text(*op));
                self.push(" ");
                self.expr(r, rmin, tail);
            }
            ExprKind::If(c, a, b) => {
                self.push("if ");
                self.expr(c, prec::OPEN, true);
                self.push(" then ");
                self.expr(a, prec::OPEN, true);
                self.push(" else ");
                self.expr(b, prec::OPEN, tail);
            }
            ExprKind::Let(decls, body) => {
                let ind = self.indent;
                self.push("let");
                let from = decls.last().map_or(e.span.start, |d| d.span.end);
                let within = self.token_at(from, body.span.start, None);
                self.decl_block(decls, ind + 2, within);
                self.newline(ind + 1);
                self.push("within ");
                self.expr(body, prec::OPEN, tail);
            }
            ExprKind::Lambda(ps, body) => {
                self.push("\\ ");
                self.pats(ps);
                self.push(" @ ");
                self.expr(body, prec::OPEN, tail);
            }
            ExprKind::Set(es) => self.delimited("{", "}", |p| p.exprs(es)),
            ExprKind::SetRange(a, b) => self.delimited("{", "}", |p| p.range(a, b.as_deref())),
            ExprKind::SetComp(es, st) => self.delimited("{", "}", |p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::SetRangeComp(a, b, st) => self.delimited("{", "}", |p| {
                p.range(a, b.as_deref());
                p.stmts_after_bar(st);
            }),
            ExprKind::Seq(es) if es.is_empty() => self.push("<>"),
            ExprKind::Seq(es) => self.sequence(|p| p.exprs(es)),
            ExprKind::SeqRange(a, b) => self.sequence(|p| p.range(a, b.as_deref())),
            ExprKind::SeqComp(es, st) => self.sequence(|p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::SeqRangeComp(a, b, st) => self.sequence(|p| {
                p.range(a, b.as_deref());
                p.stmts_after_bar(st);
            }),
            ExprKind::Enum(es) => self.delimited("{|", "|}", |p| p.exprs(es)),
            ExprKind::EnumComp(es, st) => self.delimited("{|", "|}", |p| {
                p.exprs(es);
                p.stmts_after_bar(st);
            }),
            ExprKind::Map(kvs) => {
                self.push("(|");
                self.bracketed(|p| {
                    for (k, (key, v)) in kvs.iter().enumerate() {
                        p.push(if k > 0 { ", " } else { " " });
                        p.expr(key, prec::OPEN, true);
                        p.push(" => ");
                        p.expr(v, prec::OPEN, true);
                    }
                });
                self.push(" |)");
            }
            ExprKind::Prefix { chan, fields, body } => {
                self.expr(chan, prec::FIELD + 1, false);
                for f in fields {
                    match f {
                        Field::Input { pat, set } | Field::NondetInput { pat, set } => {
                            self.push(if matches!(f, Field::Input { .. }) {
                                "?"
                            } else {
                                "$"
                            });
                            self.pat(pat, PAT_ALSO);
                            if let Some(s) = set {
                                self.push(":");
                                self.expr(s, prec::COLON + 1, false);
                            }
                        }
                        Field::Output(x) => {
                            self.push("!");
                            self.expr(x, prec::FIELD + 1, false);
                        }
                        Field::Dot(x) => {
                            self.push(".");
                            self.expr(x, prec::COLON, false);
                        }
                    }
                }
                self.push(" -> ");
                self.expr(body, prec::PREFIX, tail);
            }
            ExprKind::GenParallel(l, a, r) => self.ternary(l, "[|", a, "|]", r, prec::PAR, tail),
            ExprKind::Exception(l, a, r) => self.ternary(l, "[|", a, "|>", r, prec::PAR, tail),
            ExprKind::SyncExtChoice(l, a, r) => {
                self.ternary(l, "[+", a, "+]", r, prec::EXT_CHOICE, tail)
            }
            ExprKind::SyncInterrupt(l, a, r) => {
                self.ternary(l, "/+", a, "+\\", r, prec::INTERRUPT, tail)
            }
            ExprKind::AlphaParallel(l, a, b, r) => {
                self.expr(l, prec::PAR, false);
                self.push(" [");
                self.bracketed(|p| {
                    p.expr(a, prec::OPEN, true);
                    p.push(" || ");
                    p.expr(b, prec::OPEN, true);
                });
                self.push("] ");
                self.expr(r, prec::PAR + 1, tail);
            }
            ExprKind::Linked(l, pairs, r) => {
                self.expr(l, prec::PAR, false);
                self.push(" [");
                self.bracketed(|p| p.pairs(pairs, "<->"));
                self.push("] ");
                self.expr(r, prec::PAR + 1, tail);
            }
            ExprKind::Rename(x, pairs) => {
                self.expr(x, prec::POSTFIX, false);
                self.push("[[");
                self.bracketed(|p| p.pairs(pairs, "<-"));
                self.push("]]");
            }
            ExprKind::Replicated(op, stmts, body) => {
                match op {
                    ReplOp::ExtChoice => self.push("[] "),
                    ReplOp::IntChoice => self.push("|~| "),
                    ReplOp::Interleave => self.push("||| "),
                    ReplOp::SeqComp => self.push("; "),
                    ReplOp::Interrupt => self.push("/\\ "),
                    ReplOp::GenParallel(a) => {
                        self.push("[|");
                        self.bracketed(|p| {
                            p.push(" ");
                            p.expr(a, prec::OPEN, true);
                            p.push(" ");
                        });
                        self.push("|] ");
                    }
                    ReplOp::SyncExtChoice(a) => {
                        self.push("[+");
                        self.bracketed(|p| {
                            p.push(" ");
                            p.expr(a, prec::OPEN, true);
                            p.push(" ");
                        });
                        self.push("+] ");
                    }
                    ReplOp::AlphaParallel(_) => self.push("|| "),
                    ReplOp::Linked(pairs) => {
                        self.push("[");
                        self.bracketed(|p| p.pairs(pairs, "<->"));
                        self.push("] ");
                    }
                }
                self.stmts(stmts, ":");
                self.push(" @ ");
                if let ReplOp::AlphaParallel(a) = op {
                    self.push("[");
                    self.bracketed(|p| p.expr(a, prec::OPEN, true));
                    self.push("] ");
                }
                self.expr(body, prec::OPEN, tail);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn ternary(
        &mut self,
        l: &Expr,
        open: &str,
        a: &Expr,
        close: &str,
        r: &Expr,
        lvl: u8,
        tail: bool,
    ) {
        self.expr(l, lvl, false);
        self.push(" ");
        self.push(open);
        self.bracketed(|p| {
            p.push(" ");
            p.expr(a, prec::OPEN, true);
            p.push(" ");
        });
        self.push(close);
        self.push(" ");
        self.expr(r, lvl + 1, tail);
    }

    fn delimited(&mut self, open: &str, close: &str, f: impl FnOnce(&mut Self)) {
        self.push(open);
        self.bracketed(f);
        self.push(close);
    }

    fn sequence(&mut self, f: impl FnOnce(&mut Self)) {
        self.push("<");
        let saved = std::mem::replace(&mut self.in_seq, true);
        f(self);
        self.in_seq = saved;
        self.push(">");
    }

    fn range(&mut self, a: &Expr, b: Option<&Expr>) {
        self.expr(a, prec::OPEN, true);
        self.push("..");
        if let Some(b) = b {
            self.expr(b, prec::OPEN, true);
        }
    }

    fn stmts_after_bar(&mut self, st: &[Stmt]) {
        self.push(" | ");
        self.stmts(st, "<-");
    }

    fn stmts(&mut self, st: &[Stmt], arrow: &str) {
        for (k, s) in st.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            match s {
                Stmt::Gen { pat, source } => {
                    self.pat(pat, PAT_ALSO);
                    self.push(" ");
                    self.push(arrow);
                    self.push(" ");
                    self.expr(source, prec::OPEN, true);
                }
                Stmt::Pred(e) => self.expr(e, prec::OPEN, true),
            }
        }
    }

    fn pairs(&mut self, pairs: &Pairs, sep: &str) {
        for (k, (a, b)) in pairs.pairs.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.expr(a, prec::OPEN, true);
            self.push(" ");
            self.push(sep);
            self.push(" ");
            self.expr(b, prec::OPEN, true);
        }
        if !pairs.stmts.is_empty() {
            self.stmts_after_bar(&pairs.stmts);
        }
    }

    // ----- patterns -----

    fn pats(&mut self, ps: &[Pat]) {
        for (k, p) in ps.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.pat(p, PAT_ALSO);
        }
    }

    fn pat(&mut self, p: &Pat, min: u8) {
        self.at(p.span.start);
        let level = match &p.kind {
            PatKind::Also(..) => PAT_ALSO,
            PatKind::Dot(..) => PAT_DOT,
            PatKind::Concat(..) => PAT_CONCAT,
            _ => PAT_ATOM,
        };
        if level < min {
            self.push("(");
            self.pat(p, PAT_ALSO);
            self.push(")");
            return;
        }
        match &p.kind {
            PatKind::Wildcard => self.push("_"),
            PatKind::Var(n) => self.name(n),
            PatKind::Int(n) => self.push(&n.to_string()),
            PatKind::Bool(b) => self.push(if *b { "true" } else { "false" }),
            PatKind::Char(c) => self.push(&quote_char(*c)),
            PatKind::String(s) => self.push(&quote_string(s)),
            PatKind::Tuple(ps) => {
                self.push("(");
                self.pats(ps);
                self.push(")");
            }
            PatKind::Dot(l, r) => {
                self.pat(l, PAT_CONCAT);
                self.push(".");
                self.pat(r, PAT_DOT);
            }
            PatKind::Seq(ps) if ps.is_empty() => self.push("<>"),
            PatKind::Seq(ps) => {
                self.push("<");
                self.pats(ps);
                self.push(">");
            }
            PatKind::Concat(l, r) => {
                self.pat(l, PAT_CONCAT);
                self.push(" ^ ");
                self.pat(r, PAT_ATOM);
            }
            PatKind::Set(ps) => {
                self.push("{");
                self.pats(ps);
                self.push("}");
            }
            PatKind::Also(l, r) => {
                self.pat(l, PAT_ALSO);
                self.push(" @@ ");
                self.pat(r, PAT_DOT);
            }
        }
    }

    // ----- types -----

    fn ty(&mut self, t: &TypeExpr, min: u8) {
        self.at(t.span.start);
        let level = match &t.kind {
            TypeKind::Fn(..) | TypeKind::Constrained(..) => TY_FN,
            TypeKind::Yield { .. } => TY_YIELD,
            TypeKind::Dot(..) => TY_DOT,
            _ => TY_ATOM,
        };
        if level < min {
            self.push("(");
            self.ty(t, TY_FN);
            self.push(")");
            return;
        }
        match &t.kind {
            TypeKind::Name(n) => self.name(n),
            TypeKind::Tuple(ts) => {
                self.push("(");
                self.types(ts);
                self.push(")");
            }
            TypeKind::Seq(x) => {
                self.push("<");
                self.ty(x, TY_FN);
                self.push(">");
            }
            TypeKind::Set(x) => {
                self.push("{");
                self.ty(x, TY_FN);
                self.push("}");
            }
            TypeKind::Map(k, v) => {
                self.push("(| ");
                self.ty(k, TY_DOT);
                self.push(" => ");
                self.ty(v, TY_FN);
                self.push(" |)");
            }
            TypeKind::Dot(l, r) => {
                self.ty(l, TY_ATOM);
                self.push(".");
                self.ty(r, TY_DOT);
            }
            TypeKind::Yield { from, to, many } => {
                self.ty(from, if *many { TY_ATOM } else { TY_DOT });
                self.push(if *many { " =>* " } else { " => " });
                self.ty(to, TY_YIELD);
            }
            TypeKind::Fn(args, ret) => {
                self.push("(");
                self.types(args);
                self.push(") -> ");
                self.ty(ret, TY_FN);
            }
            TypeKind::Constrained(cs, body) => {
                if cs.len() != 1 {
                    self.push("(");
                }
                for (k, (class, var)) in cs.iter().enumerate() {
                    if k > 0 {
                        self.push(", ");
                    }
                    self.name(class);
                    self.push(" ");
                    self.name(var);
                }
                if cs.len() != 1 {
                    self.push(")");
                }
                self.push(" => ");
                self.ty(body, TY_FN);
            }
        }
    }

    fn types(&mut self, ts: &[TypeExpr]) {
        for (k, t) in ts.iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.ty(t, TY_FN);
        }
    }
}

/// The binding strength of an expression's outermost form.
fn level(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, _, _) => prec::binop(*op).0,
        ExprKind::Unary(UnOp::Neg, _) => prec::ADD,
        ExprKind::Unary(UnOp::Not, _) => prec::NOT,
        ExprKind::Unary(UnOp::Length, _) => prec::LEN,
        ExprKind::Dot(..) => prec::DOT,
        ExprKind::Prefix { .. } => prec::PREFIX,
        ExprKind::Apply(..) | ExprKind::Rename(..) => prec::POSTFIX,
        ExprKind::GenParallel(..)
        | ExprKind::AlphaParallel(..)
        | ExprKind::Exception(..)
        | ExprKind::Linked(..) => prec::PAR,
        ExprKind::SyncExtChoice(..) => prec::EXT_CHOICE,
        ExprKind::SyncInterrupt(..) => prec::INTERRUPT,
        ExprKind::If(..) | ExprKind::Let(..) | ExprKind::Lambda(..) | ExprKind::Replicated(..) => {
            prec::OPEN
        }
        _ => prec::ATOM,
    }
}

/// Declarations printed without a blank line between them.
fn same_group(a: &Decl, b: &Decl) -> bool {
    use DeclKind::*;
    match (&a.kind, &b.kind) {
        (Clause { name: x, .. }, Clause { name: y, .. }) => x.sym == y.sym,
        (TypeAnnotation { names, .. }, Clause { name, .. }) => {
            names.iter().any(|n| n.sym == name.sym)
        }
        (Channel { .. }, Channel { .. })
        | (Assert(_), Assert(_))
        | (Include { .. }, Include { .. })
        | (Print(_), Print(_))
        | (Transparent(_) | External(_), Transparent(_) | External(_))
        | (Nametype { .. }, Nametype { .. })
        | (TypeAnnotation { .. }, TypeAnnotation { .. }) => true,
        _ => false,
    }
}

fn escape_into(out: &mut String, c: char, quote: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
}

fn quote_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        escape_into(&mut out, c, '"');
    }
    out.push('"');
    out
}

fn quote_char(c: char) -> String {
    let mut out = String::from("'");
    escape_into(&mut out, c, '\'');
    out.push('\'');
    out
}
