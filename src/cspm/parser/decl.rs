//! Declarations: definitions, `channel`, `datatype`, `subtype`, `nametype`, `assert`,
//! `external`, `transparent`, `include`, `print`, type annotations, modules, instances and
//! `Timed` sections; and the rules about where each may appear (inside `let` only definitions,
//! `external`, `transparent`, annotations and `Timed` sections; no `assert` or `print` inside a
//! module, no `print` inside a `Timed` section).

use nom::Parser;
use nom::multi::separated_list1;

use super::check;
use super::expr::{commit, expr, string_value};
use super::input::{Cx, PErr, PResult, Toks, expect, ident, tok};
use super::pat::pattern;
use super::prop::{self, Prop};
use super::types::scheme;
use crate::cspm::ast::{
    AssertKind, AssertOption, Assertion, Ctor, Decl, DeclKind, Name, Pat, PatKind,
};
use crate::cspm::lexer::Tok;
use crate::cspm::source::{Diagnostic, Span};

/// Where a declaration list is.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ctx {
    pub in_let: bool,
    pub in_module: bool,
    pub in_timed: bool,
}

/// The declarations between `let` and `within`.
pub fn let_decls(i: Toks<'_>) -> PResult<'_, Vec<Decl>> {
    let ctx = Ctx {
        in_let: true,
        ..Ctx::default()
    };
    let (r, decls) = decl_list(i, ctx, Tok::Within)?;
    if decls.is_empty() {
        return Err(r.failure("a declaration"));
    }
    Ok((r, decls))
}

fn skip_newlines(mut i: Toks<'_>) -> Toks<'_> {
    while i.at(Tok::Newline) {
        i = i.bump();
    }
    i
}

/// Declarations separated by line breaks, up to (not including) `end`.
fn decl_list<'a>(i: Toks<'a>, ctx: Ctx, end: Tok) -> PResult<'a, Vec<Decl>> {
    let mut out = Vec::new();
    let mut r = skip_newlines(i);
    while !r.at(end) && !r.at(Tok::Eof) {
        let (r2, d) = decl(r, ctx)?;
        out.push(d);
        r = r2;
        if r.at(Tok::Newline) {
            r = skip_newlines(r);
        } else if !r.at(end) {
            return Err(r.failure("end of line"));
        }
    }
    let diags = check::annotations(&out, &i.cx.interner.borrow());
    for d in diags {
        i.cx.report(d);
    }
    Ok((r, out))
}

/// One declaration, checked against where it is.
pub fn decl(i: Toks<'_>, ctx: Ctx) -> PResult<'_, Decl> {
    let (r, kind) = decl_kind(i, ctx)?;
    let span = i.cx.consumed(i, r);
    if let Some(problem) = misplaced(&kind, ctx) {
        i.cx.report(Diagnostic::error(span, problem));
    }
    Ok((r, Decl { kind, span }))
}

fn misplaced(kind: &DeclKind, ctx: Ctx) -> Option<String> {
    let what = match kind {
        DeclKind::Channel { .. } => "`channel` declarations",
        DeclKind::Datatype { .. } => "`datatype` declarations",
        DeclKind::Subtype { .. } => "`subtype` declarations",
        DeclKind::Nametype { .. } => "`nametype` declarations",
        DeclKind::Assert(_) => "assertions",
        DeclKind::Include { .. } => "`include`",
        DeclKind::Print(_) => "`print` statements",
        DeclKind::ModuleDef { .. } => "modules",
        DeclKind::Instance { .. } => "module instances",
        _ => return None,
    };
    if ctx.in_let {
        return Some(format!("{what} are not allowed inside `let`"));
    }
    match kind {
        DeclKind::Assert(_) | DeclKind::Print(_) if ctx.in_module => {
            Some(format!("{what} are not allowed inside a module"))
        }
        DeclKind::Print(_) if ctx.in_timed => {
            Some(format!("{what} are not allowed inside a `Timed` section"))
        }
        _ => None,
    }
}

fn decl_kind(i: Toks<'_>, ctx: Ctx) -> PResult<'_, DeclKind> {
    let t = i.peek();
    let cx = i.cx;
    match t.kind {
        Tok::Channel => {
            let (r, names) = names(i.bump())?;
            if r.at(Tok::Colon) {
                let (r, ty) = expr(r.bump()).map_err(|e| commit(e, ""))?;
                Ok((
                    r,
                    DeclKind::Channel {
                        names,
                        ty: Some(ty),
                    },
                ))
            } else {
                Ok((r, DeclKind::Channel { names, ty: None }))
            }
        }
        Tok::Datatype | Tok::Subtype => {
            let (r, name) = ident(i.bump()).map_err(|e| commit(e, ""))?;
            let (r, _) = expect(r, Tok::Equals)?;
            let (r, ctors) = separated_list1(tok(Tok::Pipe), ctor)
                .parse(r)
                .map_err(|e| commit(e, ""))?;
            Ok((
                r,
                if t.kind == Tok::Datatype {
                    DeclKind::Datatype { name, ctors }
                } else {
                    DeclKind::Subtype { name, ctors }
                },
            ))
        }
        Tok::Nametype => {
            let (r, name) = ident(i.bump()).map_err(|e| commit(e, ""))?;
            let (r, _) = expect(r, Tok::Equals)?;
            let (r, ty) = expr(r).map_err(|e| commit(e, ""))?;
            Ok((r, DeclKind::Nametype { name, ty }))
        }
        Tok::Assert => assertion(i.bump()),
        Tok::External | Tok::Transparent => {
            let (r, ns) = names(i.bump())?;
            Ok((
                r,
                if t.kind == Tok::External {
                    DeclKind::External(ns)
                } else {
                    DeclKind::Transparent(ns)
                },
            ))
        }
        Tok::Module => module(i.bump()),
        Tok::Instance => {
            let (r, name) = ident(i.bump()).map_err(|e| commit(e, ""))?;
            let (r, _) = expect(r, Tok::Equals)?;
            let (r, module) = ident(r).map_err(|e| commit(e, ""))?;
            if r.at(Tok::LParen) {
                let open = r.peek();
                if r.peek_at(1).kind == Tok::RParen {
                    return Err(nom::Err::Failure(PErr::message(
                        open,
                        "a module instance's argument list cannot be empty: leave out the parentheses",
                    )));
                }
                let (r, args) = separated_list1(tok(Tok::Comma), expr)
                    .parse(r.bump())
                    .map_err(|e| commit(e, ""))?;
                let (r, _) = expect(r, Tok::RParen)?;
                Ok((
                    r,
                    DeclKind::Instance {
                        name,
                        module,
                        args: Some(args),
                    },
                ))
            } else {
                Ok((
                    r,
                    DeclKind::Instance {
                        name,
                        module,
                        args: None,
                    },
                ))
            }
        }
        Tok::Timed => {
            let mut r = i.bump();
            let tock_fn = if r.at(Tok::LParen) {
                let (r2, e) = expr(r.bump()).map_err(|e| commit(e, ""))?;
                let (r2, _) = expect(r2, Tok::RParen)?;
                r = r2;
                Some(e)
            } else {
                None
            };
            let (r, _) = expect(r, Tok::LBrace)?;
            let inner = Ctx {
                in_timed: true,
                ..ctx
            };
            let (r, decls) = decl_list(r, inner, Tok::RBrace)?;
            let (r, _) = expect(r, Tok::RBrace)?;
            Ok((r, DeclKind::Timed { tock_fn, decls }))
        }
        Tok::Ident => {
            let text = cx.text(t);
            let next = i.peek_at(1);
            let ordinary_next = matches!(
                next.kind,
                Tok::Equals | Tok::Comma | Tok::OfType | Tok::LParen
            );
            if text == "include" && !ordinary_next {
                if next.kind != Tok::Str {
                    return Err(nom::Err::Failure(PErr::message(
                        next,
                        "`include` needs a file name in double quotes: include \"file.csp\"",
                    )));
                }
                let path = string_value(cx.text(next));
                return Ok((
                    i.bump().bump(),
                    DeclKind::Include {
                        path,
                        path_span: cx.span(next),
                    },
                ));
            }
            let print_follows = next.space_before
                && !matches!(next.kind, Tok::Newline | Tok::Eof)
                && (!ordinary_next || next.kind == Tok::LParen);
            if text == "print" && print_follows {
                let (r, e) = expr(i.bump()).map_err(|e| commit(e, ""))?;
                return Ok((r, DeclKind::Print(e)));
            }
            match next.kind {
                Tok::Comma | Tok::OfType => annotation(i),
                Tok::LParen => clause(i),
                _ => binding(i),
            }
        }
        _ => binding(i),
    }
}

/// `a, b, c`.
fn names(i: Toks<'_>) -> PResult<'_, Vec<Name>> {
    separated_list1(tok(Tok::Comma), ident)
        .parse(i)
        .map_err(|e| commit(e, ""))
}

/// `A` or `B.{0..2}.Bool` in a datatype.
fn ctor(i: Toks<'_>) -> PResult<'_, Ctor> {
    let (r, name) = ident(i)?;
    if r.at(Tok::Dot) {
        let (r, fields) = expr(r.bump()).map_err(|e| commit(e, ""))?;
        let span = name.span.to(fields.span);
        Ok((
            r,
            Ctor {
                name,
                fields: Some(fields),
                span,
            },
        ))
    } else {
        Ok((
            r,
            Ctor {
                name,
                fields: None,
                span: name.span,
            },
        ))
    }
}

/// `f, g :: T`.
fn annotation(i: Toks<'_>) -> PResult<'_, DeclKind> {
    let (r, names) = names(i)?;
    let (r, _) = expect(r, Tok::OfType)?;
    let (r, ty) = scheme(r)?;
    Ok((r, DeclKind::TypeAnnotation { names, ty }))
}

/// `f(p, q)(r) = e`.
fn clause(i: Toks<'_>) -> PResult<'_, DeclKind> {
    let (mut r, name) = ident(i)?;
    let mut params = Vec::new();
    while r.at(Tok::LParen) {
        let r1 = r.bump();
        let (r2, group) = if r1.at(Tok::RParen) {
            (r1, Vec::new())
        } else {
            separated_list1(tok(Tok::Comma), pattern)
                .parse(r1)
                .map_err(|e| commit(e, ""))?
        };
        let (r2, _) = expect(r2, Tok::RParen)?;
        params.push(group);
        r = r2;
    }
    let (r, _) = expect(r, Tok::Equals)?;
    let (r, body) = expr(r).map_err(|e| commit(e, ""))?;
    Ok((r, DeclKind::Clause { name, params, body }))
}

/// `x = e` or a pattern binding `(a, b) = e`.
fn binding(i: Toks<'_>) -> PResult<'_, DeclKind> {
    let (r, pat) = match pattern(i) {
        Ok(x) => x,
        Err(nom::Err::Error(e)) if e.token == i.peek() => {
            return Err(nom::Err::Failure(PErr::expected(e.token, "a declaration")));
        }
        Err(e) => return Err(commit(e, "")),
    };
    let (r, _) = expect(r, Tok::Equals)?;
    let (r, body) = expr(r).map_err(|e| commit(e, ""))?;
    Ok((
        r,
        match pat {
            Pat {
                kind: PatKind::Var(name),
                ..
            } => DeclKind::Clause {
                name,
                params: Vec::new(),
                body,
            },
            pat => DeclKind::PatBind { pat, body },
        },
    ))
}

/// `module M(X) ... exports ... endmodule` (after `module`).
fn module(i: Toks<'_>) -> PResult<'_, DeclKind> {
    let (mut r, name) = ident(i).map_err(|e| commit(e, ""))?;
    let params = if r.at(Tok::LParen) {
        if r.peek_at(1).kind == Tok::RParen {
            return Err(nom::Err::Failure(PErr::message(
                r.peek(),
                "a module's parameter list cannot be empty: leave out the parentheses",
            )));
        }
        let (r2, ps) = separated_list1(tok(Tok::Comma), pattern)
            .parse(r.bump())
            .map_err(|e| commit(e, ""))?;
        let (r2, _) = expect(r2, Tok::RParen)?;
        r = r2;
        Some(ps)
    } else {
        None
    };
    if !r.at(Tok::Newline) {
        return Err(r.failure("end of line"));
    }
    let inner = Ctx {
        in_module: true,
        ..Ctx::default()
    };
    let (r, private) = decl_list(r, inner, Tok::Exports)?;
    let (r, _) = expect(r, Tok::Exports)?;
    let (r, exports) = decl_list(r, inner, Tok::Endmodule)?;
    let (r, _) = expect(r, Tok::Endmodule)?;
    Ok((
        r,
        DeclKind::ModuleDef {
            name,
            params,
            private,
            exports,
        },
    ))
}

/// The rest of an assertion, after `assert`.
fn assertion(i: Toks<'_>) -> PResult<'_, DeclKind> {
    let cx = i.cx;
    let (r, negated) = if i.at(Tok::Not) {
        (i.bump(), true)
    } else {
        (i, false)
    };
    let (mut r, proc) = expr(r).map_err(|e| commit(e, ""))?;
    let t = r.peek();
    let kind = match t.kind {
        Tok::Refines(model) => {
            let (r2, imp) = expr(r.bump()).map_err(|e| commit(e, ""))?;
            r = r2;
            AssertKind::Refinement {
                spec: proc,
                model,
                imp,
            }
        }
        Tok::Prop => {
            let p = read_prop(cx, t)?;
            r = r.bump();
            match p {
                Prop::DeadlockFree(model) => AssertKind::DeadlockFree { proc, model },
                Prop::DivergenceFree { model, livelock } => AssertKind::DivergenceFree {
                    proc,
                    model,
                    livelock,
                },
                Prop::Deterministic(model) => AssertKind::Deterministic { proc, model },
                Prop::HasTrace(model) => {
                    let (r2, trace) = expr(r).map_err(|e| commit(e, ""))?;
                    r = r2;
                    AssertKind::HasTrace { proc, model, trace }
                }
                Prop::TauPriority { .. } | Prop::PartialOrderReduce(_) => {
                    return Err(nom::Err::Failure(PErr::message(
                        t,
                        "an assertion option needs a refinement or a property before it",
                    )));
                }
            }
        }
        _ => {
            return Ok((
                r,
                DeclKind::Assert(Assertion {
                    negated,
                    kind: AssertKind::Bool(proc),
                    options: Vec::new(),
                }),
            ));
        }
    };
    let mut options = Vec::new();
    let (mut seen_tau, mut seen_por) = (false, false);
    while r.at(Tok::Prop) {
        let t = r.peek();
        let p = read_prop(cx, t)?;
        r = r.bump();
        let duplicate = match p {
            Prop::TauPriority { over } => {
                let (r2, events) = expr(r).map_err(|e| commit(e, ""))?;
                r = r2;
                options.push(AssertOption::TauPriority { events, over });
                std::mem::replace(&mut seen_tau, true)
            }
            Prop::PartialOrderReduce(mode) => {
                let mode = mode.map(|(text, at)| Name {
                    sym: cx.intern(&text),
                    span: Span::new(
                        cx.file,
                        t.start as usize + at,
                        t.start as usize + at + text.len(),
                    ),
                });
                options.push(AssertOption::PartialOrderReduce { mode });
                std::mem::replace(&mut seen_por, true)
            }
            _ => {
                return Err(nom::Err::Failure(PErr::message(
                    t,
                    "an assertion checks one property: only `:[tau priority]` and \
                     `:[partial order reduce]` options may follow",
                )));
            }
        };
        if duplicate {
            cx.report(Diagnostic::error(
                cx.span(t),
                format!("option `{}` is given twice", cx.text(t)),
            ));
        }
    }
    Ok((
        r,
        DeclKind::Assert(Assertion {
            negated,
            kind,
            options,
        }),
    ))
}

fn read_prop(cx: &Cx<'_>, t: crate::cspm::lexer::Token) -> Result<Prop, nom::Err<PErr>> {
    prop::read(cx.text(t)).map_err(|m| nom::Err::Failure(PErr::message(t, m)))
}
