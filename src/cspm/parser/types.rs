//! The type language of `::` annotations: `Eq a => (a, <b>) -> {a}`, `Int => Event`,
//! `a =>* b`, `a.b`, `(| k => v |)`. Loosest first: `->` (whose arguments are always written
//! in parentheses), then `=>` / `=>*` (right nested), then `.` (right nested), then atoms.

use super::input::{PErr, PResult, Toks, expect, ident, nested};
use crate::cspm::ast::{Name, TypeExpr, TypeKind};
use crate::cspm::lexer::Tok;
use crate::cspm::source::Span;

/// The type classes a constraint may name.
pub const CLASSES: [&str; 5] = ["Eq", "Ord", "Complete", "Set", "Yieldable"];

fn mk(kind: TypeKind, span: Span) -> TypeExpr {
    TypeExpr { kind, span }
}

/// A type scheme: a type, optionally behind constraints (`Eq a =>`, `(Eq a, Ord b) =>`).
pub fn scheme(i: Toks<'_>) -> PResult<'_, TypeExpr> {
    let (a, b) = (i.peek_at(0).kind, i.peek_at(1).kind);
    let c = i.peek_at(2).kind;
    let constraints = if a == Tok::Ident && b == Tok::Ident {
        let (r, one) = constraint(i)?;
        Some((r, vec![one]))
    } else if a == Tok::LParen && b == Tok::Ident && c == Tok::Ident {
        let mut r = i.bump();
        let mut list = Vec::new();
        loop {
            let (r2, one) = constraint(r)?;
            list.push(one);
            r = r2;
            if r.at(Tok::Comma) {
                r = r.bump();
            } else {
                break;
            }
        }
        let (r, _) = expect(r, Tok::RParen)?;
        Some((r, list))
    } else {
        None
    };
    match constraints {
        None => ty(i),
        Some((r, list)) => {
            let (r, _) = expect(r, Tok::Yield)?;
            let (r, t) = ty(r)?;
            let span = i.cx.span(i.peek()).to(t.span);
            Ok((r, mk(TypeKind::Constrained(list, Box::new(t)), span)))
        }
    }
}

/// `Eq a`: a class and a type variable.
fn constraint(i: Toks<'_>) -> PResult<'_, (Name, Name)> {
    let (r, class) = ident(i).map_err(fail)?;
    let (r, var) = ident(r).map_err(fail)?;
    let text = i.cx.interner.borrow().resolve(class.sym).to_string();
    if !CLASSES.contains(&text.as_str()) {
        i.cx.report(crate::cspm::source::Diagnostic::error(
            class.span,
            format!(
                "unknown type class `{text}`: expected one of {}",
                CLASSES.join(", ")
            ),
        ));
    }
    Ok((r, (class, var)))
}

fn fail(e: nom::Err<PErr>) -> nom::Err<PErr> {
    match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        e => e,
    }
}

fn deeper<'a, O>(i: Toks<'a>, f: impl FnOnce(Toks<'a>) -> PResult<'a, O>) -> PResult<'a, O> {
    nested(i, i.depth + 1, false, f)
}

/// A type (no constraints).
pub fn ty(i: Toks<'_>) -> PResult<'_, TypeExpr> {
    let (r, (t, group)) = deeper(i, yield_ty)?;
    if !r.at(Tok::Arrow) {
        return Ok((r, t));
    }
    let Some(args) = group else {
        return Err(nom::Err::Failure(PErr::message(
            r.peek(),
            "the argument types of a function type go in parentheses: `(a) -> b`",
        )));
    };
    let (r2, ret) = deeper(r.bump(), ty)?;
    let span = t.span.to(ret.span);
    Ok((r2, mk(TypeKind::Fn(args, Box::new(ret)), span)))
}

/// A type and, when it was a parenthesised group `(a, b)`, its members (the arguments of a
/// function type).
type Grouped = (TypeExpr, Option<Vec<TypeExpr>>);

fn yield_ty(i: Toks<'_>) -> PResult<'_, Grouped> {
    if i.at(Tok::Ident) && i.peek_at(1).kind == Tok::YieldStar {
        let (r, n) = ident(i)?;
        let (r, (to, _)) = deeper(r.bump(), yield_ty)?;
        let span = n.span.to(to.span);
        let from = mk(TypeKind::Name(n), n.span);
        let kind = TypeKind::Yield {
            from: Box::new(from),
            to: Box::new(to),
            many: true,
        };
        return Ok((r, (mk(kind, span), None)));
    }
    let (r, (from, group)) = dot_ty(i)?;
    if !r.at(Tok::Yield) {
        return Ok((r, (from, group)));
    }
    let (r, (to, _)) = deeper(r.bump(), yield_ty)?;
    let span = from.span.to(to.span);
    let kind = TypeKind::Yield {
        from: Box::new(from),
        to: Box::new(to),
        many: false,
    };
    Ok((r, (mk(kind, span), None)))
}

fn dot_ty(i: Toks<'_>) -> PResult<'_, Grouped> {
    let (mut r, first) = atom(i)?;
    if !r.at(Tok::Dot) {
        return Ok((r, first));
    }
    let mut items = vec![first.0];
    while r.at(Tok::Dot) {
        let (r2, (t, _)) = nested(r.bump(), r.depth + items.len() as u32, false, atom)?;
        items.push(t);
        r = r2;
    }
    let mut acc = match items.pop() {
        Some(t) => t,
        None => return Err(r.failure("a type")),
    };
    while let Some(l) = items.pop() {
        let span = l.span.to(acc.span);
        acc = mk(TypeKind::Dot(Box::new(l), Box::new(acc)), span);
    }
    Ok((r, (acc, None)))
}

fn close_span<'a>(r: &Toks<'a>, k: Tok) -> Result<(Toks<'a>, Span), nom::Err<PErr>> {
    let (r2, c) = expect(*r, k)?;
    Ok((r2, r.cx.span(c)))
}

fn atom(i: Toks<'_>) -> PResult<'_, Grouped> {
    let t = i.peek();
    let span = i.cx.span(t);
    match t.kind {
        Tok::Ident => {
            let n = i.cx.name(t);
            Ok((i.bump(), (mk(TypeKind::Name(n), span), None)))
        }
        Tok::LBrace | Tok::Lt => {
            let close = if t.kind == Tok::LBrace {
                Tok::RBrace
            } else {
                Tok::Gt
            };
            let (r, inner) = deeper(i.bump(), ty)?;
            let (r, end) = close_span(&r, close)?;
            let kind = if t.kind == Tok::LBrace {
                TypeKind::Set(Box::new(inner))
            } else {
                TypeKind::Seq(Box::new(inner))
            };
            Ok((r, (mk(kind, span.to(end)), None)))
        }
        Tok::LMap => {
            let (r, (k, _)) = deeper(i.bump(), dot_ty)?;
            let (r, _) = expect(r, Tok::Yield)?;
            let (r, v) = deeper(r, ty)?;
            let (r, end) = close_span(&r, Tok::RMap)?;
            let kind = TypeKind::Map(Box::new(k), Box::new(v));
            Ok((r, (mk(kind, span.to(end)), None)))
        }
        Tok::LParen => {
            let mut r = i.bump();
            let mut items = Vec::new();
            if !r.at(Tok::RParen) {
                loop {
                    let (r2, t) = deeper(r, ty)?;
                    items.push(t);
                    r = r2;
                    if r.at(Tok::Comma) {
                        r = r.bump();
                    } else {
                        break;
                    }
                }
            }
            let (r, end) = close_span(&r, Tok::RParen)?;
            let span = span.to(end);
            let t = if items.len() == 1 {
                let mut only = items[0].clone();
                only.span = span;
                only
            } else {
                mk(TypeKind::Tuple(items.clone()), span)
            };
            Ok((r, (t, Some(items))))
        }
        _ => Err(nom::Err::Failure(PErr::expected(t, "a type"))),
    }
}
