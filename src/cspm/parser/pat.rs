//! Patterns: on the left of definitions, in generators, lambdas and prefix inputs.
//!
//! Loosest first: `p @@ q`, then the right-nested dot `p.q`, then concatenation `p ^ q`, then
//! atoms (`_`, names, literals with an optional leading minus on integers, tuples, `<...>`,
//! `{...}`). Inside a pattern `<` always opens a sequence and `>` always closes one.

use nom::Parser;
use nom::multi::separated_list1;

use super::expr::{char_value, commit, int_value, string_value};
use super::input::{PErr, PResult, Toks, expect, nested, tok};
use crate::cspm::ast::{Pat, PatKind};
use crate::cspm::lexer::Tok;
use crate::cspm::source::Span;

fn mk(kind: PatKind, span: Span) -> Pat {
    Pat { kind, span }
}

/// A whole pattern.
pub fn pattern(i: Toks<'_>) -> PResult<'_, Pat> {
    nested(i, i.depth + 1, i.in_seq, also)
}

fn also(i: Toks<'_>) -> PResult<'_, Pat> {
    let (mut r, mut lhs) = dotted(i)?;
    let mut n = 0;
    while r.at(Tok::AtAt) {
        n += 1;
        let (r2, rhs) =
            nested(r.bump(), r.depth + n, r.in_seq, dotted).map_err(|e| commit(e, "a pattern"))?;
        let span = lhs.span.to(rhs.span);
        lhs = mk(PatKind::Also(Box::new(lhs), Box::new(rhs)), span);
        r = r2;
    }
    Ok((r, lhs))
}

/// `p.q.r`, right nested, read in a loop.
fn dotted(i: Toks<'_>) -> PResult<'_, Pat> {
    let (mut r, first) = concat(i)?;
    let mut items = vec![first];
    while r.at(Tok::Dot) {
        let d = r.depth + items.len() as u32;
        let (r2, p) = nested(r.bump(), d, r.in_seq, concat).map_err(|e| commit(e, "a pattern"))?;
        items.push(p);
        r = r2;
    }
    let mut acc = match items.pop() {
        Some(p) => p,
        None => return Err(r.error("a pattern")),
    };
    while let Some(l) = items.pop() {
        let span = l.span.to(acc.span);
        acc = mk(PatKind::Dot(Box::new(l), Box::new(acc)), span);
    }
    Ok((r, acc))
}

fn concat(i: Toks<'_>) -> PResult<'_, Pat> {
    let (mut r, mut lhs) = atom(i)?;
    let mut n = 0;
    while r.at(Tok::Caret) {
        n += 1;
        let (r2, rhs) =
            nested(r.bump(), r.depth + n, r.in_seq, atom).map_err(|e| commit(e, "a pattern"))?;
        let span = lhs.span.to(rhs.span);
        lhs = mk(PatKind::Concat(Box::new(lhs), Box::new(rhs)), span);
        r = r2;
    }
    Ok((r, lhs))
}

fn atom(i: Toks<'_>) -> PResult<'_, Pat> {
    let t = i.peek();
    let cx = i.cx;
    let span = cx.span(t);
    let after = i.bump();
    let lit = |k| Ok((after, mk(k, span)));
    match t.kind {
        Tok::Underscore => lit(PatKind::Wildcard),
        Tok::Ident => lit(PatKind::Var(cx.name(t))),
        Tok::Int => lit(PatKind::Int(int_value(i, t, false))),
        Tok::Minus => {
            let n = after.peek();
            if n.kind == Tok::Int {
                Ok((
                    after.bump(),
                    mk(PatKind::Int(int_value(i, n, true)), span.to(cx.span(n))),
                ))
            } else {
                Err(nom::Err::Error(PErr::message(
                    t,
                    "only an integer literal may follow `-` in a pattern",
                )))
            }
        }
        Tok::True => lit(PatKind::Bool(true)),
        Tok::False => lit(PatKind::Bool(false)),
        Tok::Char => lit(PatKind::Char(char_value(i, t))),
        Tok::Str => lit(PatKind::String(string_value(cx.text(t)))),
        Tok::EmptySeq => lit(PatKind::Seq(Vec::new())),
        Tok::LParen => {
            let (r, mut items) = list(after, Tok::RParen)?;
            let (r, close) = expect(r, Tok::RParen)?;
            let span = span.to(cx.span(close));
            match items.len() {
                0 => Err(nom::Err::Error(PErr::expected(close, "a pattern"))),
                1 => {
                    let mut p = items.pop().unwrap_or_else(|| mk(PatKind::Wildcard, span));
                    p.span = span;
                    Ok((r, p))
                }
                _ => Ok((r, mk(PatKind::Tuple(items), span))),
            }
        }
        Tok::Lt => {
            let (r, items) = list(after, Tok::Gt)?;
            let (r, close) = expect(r, Tok::Gt)?;
            Ok((r, mk(PatKind::Seq(items), span.to(cx.span(close)))))
        }
        Tok::LBrace => {
            let (r, items) = list(after, Tok::RBrace)?;
            let (r, close) = expect(r, Tok::RBrace)?;
            Ok((r, mk(PatKind::Set(items), span.to(cx.span(close)))))
        }
        _ => Err(nom::Err::Error(PErr::expected(t, "a pattern"))),
    }
}

/// Comma-separated patterns up to `close` (possibly none).
fn list<'a>(i: Toks<'a>, close: Tok) -> PResult<'a, Vec<Pat>> {
    if i.at(close) {
        return Ok((i, Vec::new()));
    }
    nested(i, i.depth + 1, false, |i| {
        separated_list1(tok(Tok::Comma), pattern).parse(i)
    })
}
