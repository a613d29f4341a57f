//! The CSPM parser: tokens to the [`ast`](crate::cspm::ast), with nom combinators over a token
//! window ([`input::Toks`]).
//!
//! It owns the grammar (expressions with FDR's binding strengths in [`prec`], patterns,
//! declarations, assertion properties, the type language of annotations) and the checks FDR's
//! parser makes on what it read (where declarations may appear, type annotations, duplicate
//! assertion options). It must not resolve names or evaluate anything, and it never panics:
//! whatever the text, [`parse`] returns a module and diagnostics. An error skips to the next
//! top-level declaration, so one run reports every broken declaration; nesting deeper than
//! [`input::MAX_DEPTH`] is an error, never a stack overflow.

mod check;
mod decl;
mod expr;
mod input;
mod pat;
pub mod prec;
mod prop;
mod types;

use std::cell::RefCell;

pub use check::annotations as check_annotations;
pub use input::MAX_DEPTH;
pub use prop::model_text;

use crate::cspm::ast::{Interner, Module};
use crate::cspm::lexer::{Comment, Tok, Token, lex};
use crate::cspm::source::{Diagnostic, FileId};
pub(crate) use input::{Cx, Toks};

/// After this many errors in one file the parser stops reporting.
pub const MAX_ERRORS: usize = 50;

/// Parses one file's text. Never panics and always returns: the declarations it could read
/// and every diagnostic (lexical, syntactic, misplaced declarations), in source order.
///
/// `include` declarations stay in the module as written; [`crate::cspm::load`] resolves them
/// and checks type annotations over the spliced top level. Annotations in nested lists (`let`,
/// modules, `Timed`) are checked here.
pub fn parse(file: FileId, text: &str, interner: &mut Interner) -> (Module, Vec<Diagnostic>) {
    let (module, diags, _) = parse_with_comments(file, text, interner);
    (module, diags)
}

/// [`parse`], also giving the file's comments in source order (the lexer keeps them beside
/// the tokens; the tree has none), for the formatter
/// ([`pretty::module_with_comments`](crate::cspm::pretty::module_with_comments)).
pub fn parse_with_comments(
    file: FileId,
    text: &str,
    interner: &mut Interner,
) -> (Module, Vec<Diagnostic>, Vec<Comment>) {
    let lexed = lex(file, text);
    let tokens = lexed.tokens;
    let comments = lexed.comments;
    let eof = tokens.last().copied().unwrap_or(Token {
        kind: Tok::Eof,
        start: text.len() as u32,
        end: text.len() as u32,
        space_before: false,
    });
    let cx = Cx {
        src: text,
        tokens: &tokens,
        file,
        interner: RefCell::new(std::mem::take(interner)),
        diags: RefCell::new(Vec::new()),
        eof,
    };
    let mut diags = lexed.diagnostics;
    let mut decls = Vec::new();
    let mut i = Toks::new(&tokens, &cx);
    loop {
        while i.at(Tok::Newline) {
            i = i.bump();
        }
        if i.at(Tok::Eof) {
            break;
        }
        let start = i;
        let failed_at = match decl::decl(i, decl::Ctx::default()) {
            Ok((r, d)) => {
                decls.push(d);
                if r.at(Tok::Newline) || r.at(Tok::Eof) {
                    i = r;
                    continue;
                }
                if !r.at(Tok::Error) {
                    let e = input::PErr::expected(r.peek(), "end of line");
                    diags.push(e.diagnostic(&cx));
                }
                r.peek()
            }
            Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => {
                if e.token.kind != Tok::Error {
                    diags.push(e.diagnostic(&cx));
                }
                e.token
            }
            Err(nom::Err::Incomplete(_)) => start.peek(),
        };
        if diags.len() + cx.diags.borrow().len() >= MAX_ERRORS {
            diags.push(Diagnostic::error(
                cx.span(failed_at),
                format!("too many errors ({MAX_ERRORS}); giving up on this file"),
            ));
            break;
        }
        i = recover(&cx, start, failed_at);
    }
    let mut side = cx.diags.into_inner();
    *interner = cx.interner.into_inner();
    diags.append(&mut side);
    diags.sort_by(|a, b| {
        (a.span.start, a.span.end, &a.message).cmp(&(b.span.start, b.span.end, &b.message))
    });
    diags.dedup();
    (Module { file, decls }, diags, comments)
}

/// Where to start again after a top-level declaration failed at `failed_at`.
fn recover<'a>(cx: &'a Cx<'a>, start: Toks<'a>, failed_at: Token) -> Toks<'a> {
    let all = cx.tokens;
    resume(cx, start, failed_at, Tok::Eof)
        .unwrap_or_else(|| Toks::new(&all[all.len().saturating_sub(1)..], cx))
}

/// Where to start again after a declaration of a list ending at `end` failed at `failed_at`:
/// after the first line break that follows it, is outside any `module ... endmodule` the
/// declaration opened, and is followed by a line indented no deeper than the failed
/// declaration (so the rest of an indented block is skipped too); or at the list's own
/// `exports`, `endmodule` or closing `}` when that comes first. `None` when nothing is left.
pub(crate) fn resume<'a>(
    cx: &'a Cx<'a>,
    start: Toks<'a>,
    failed_at: Token,
    end: Tok,
) -> Option<Toks<'a>> {
    let all = cx.tokens;
    let first = all.len() - start.toks.len();
    let column = |t: &Token| {
        let before = cx.src.get(..t.start as usize).unwrap_or("");
        // Any line break (LF, CRLF, CR) starts the line, as in the lexer.
        before.len() - before.rfind(['\n', '\r']).map(|k| k + 1).unwrap_or(0)
    };
    let decl_col = column(&start.peek());
    let (mut modules, mut braces) = (0i32, 0i32);
    for k in first..all.len() {
        let t = all[k];
        let after = t.start >= failed_at.start;
        match t.kind {
            Tok::Module => modules += 1,
            Tok::Endmodule => {
                modules -= 1;
                if modules < 0 && end == Tok::Endmodule && k > first {
                    return Some(Toks::new(&all[k..], cx));
                }
            }
            Tok::Exports if modules == 0 && end == Tok::Exports && k > first && after => {
                return Some(Toks::new(&all[k..], cx));
            }
            Tok::LBrace | Tok::LEnum => braces += 1,
            Tok::RBrace | Tok::REnum => {
                braces -= 1;
                if braces < 0 && end == Tok::RBrace && k > first {
                    return Some(Toks::new(&all[k..], cx));
                }
            }
            Tok::Newline if after && modules <= 0 => {
                if let Some(next) = all.get(k + 1)
                    && (next.kind == Tok::Eof || column(next) <= decl_col)
                {
                    return Some(Toks::new(&all[k + 1..], cx));
                }
            }
            Tok::Eof => break,
            _ => {}
        }
    }
    None
}
