//! Expressions and processes (one category in CSPM), by precedence climbing over the table in
//! [`super::prec`]; comprehension statements and renaming/linking pairs.
//!
//! Left-associative chains and the right-associative `.`, `->` and `&` chains are read in
//! loops, so a long `a -> b -> ... -> STOP` costs no stack; only real nesting (brackets,
//! operands of prefix forms) recurses, and [`super::input::nested`] bounds it. The operands of
//! a chain all sit one level below the chain, however long it is: FDR reads a 100,000-term
//! `1 + 1 + ... + 1`, and so must we (issue 14). The trees such chains make are deep
//! (binary nodes), so every later walk of an expression grows its stack (`stacker`).

use nom::Parser;
use nom::multi::separated_list1;

use super::decl::let_decls;
use super::input::{PErr, PResult, Toks, close, expect, inside, nested, tok};
use super::pat::pattern;
use super::prec::{self, Assoc};
use crate::cspm::ast::{BinOp, Expr, ExprKind, Field, Pairs, ReplOp, Stmt, UnOp};
use crate::cspm::lexer::{Tok, Token};
use crate::cspm::source::Span;

/// A whole expression.
pub fn expr(i: Toks<'_>) -> PResult<'_, Expr> {
    expr_bp(i, prec::OPEN)
}

/// An expression whose operators all bind at least as tightly as `min`.
pub fn expr_bp(i: Toks<'_>, min: u8) -> PResult<'_, Expr> {
    let (mut i, mut lhs) = deeper(i, prefix)?;
    // Every operand of the chain is one level down: a chain's length is not nesting.
    let depth = i.depth + 1;
    loop {
        let t = i.peek();
        let Some((lbp, assoc)) = infix_level(t.kind, i.in_seq) else {
            break;
        };
        if lbp < min {
            break;
        }
        let after = i.bump();
        let (rest, e) = match t.kind {
            Tok::Arrow | Tok::Amp | Tok::Question | Tok::Bang | Tok::Dollar => {
                prefix_chain(i, lhs, depth)?
            }
            Tok::Dot => dot_chain(i, lhs, depth)?,
            Tok::LParen => {
                let (r, args) = inside(after, |i| comma_list0(i, Tok::RParen))?;
                let (r, end) = close(r, Tok::RParen, t)?;
                let span = lhs.span.to(r.cx.span(end));
                (r, mk(ExprKind::Apply(Box::new(lhs), args), span))
            }
            Tok::LRename => {
                let (r, pairs) = inside(after, |i| pairs(i, Tok::LArrow))?;
                let (r, end) = close(r, Tok::RRename, t)?;
                let span = lhs.span.to(r.cx.span(end));
                (r, mk(ExprKind::Rename(Box::new(lhs), pairs), span))
            }
            Tok::LSync => {
                let (r, set) = inside(after, expr)?;
                let close = r.peek();
                let exception = match close.kind {
                    Tok::RSync => false,
                    Tok::ExceptionEnd => true,
                    _ => return Err(nom::Err::Failure(PErr::expected(close, "`|]` or `|>`"))),
                };
                let (r, rhs) = operand(r.bump(), depth, prec::PAR + 1)?;
                let span = lhs.span.to(rhs.span);
                let (l, s, q) = (Box::new(lhs), Box::new(set), Box::new(rhs));
                let kind = if exception {
                    ExprKind::Exception(l, s, q)
                } else {
                    ExprKind::GenParallel(l, s, q)
                };
                (r, mk(kind, span))
            }
            Tok::LSquare => {
                let (r, first) = inside(after, expr)?;
                match r.kind() {
                    Tok::Parallel => {
                        let (r, b) = inside(r.bump(), expr)?;
                        let (r, _) = expect(r, Tok::RSquare)?;
                        let (r, rhs) = operand(r, depth, prec::PAR + 1)?;
                        let span = lhs.span.to(rhs.span);
                        let kind = ExprKind::AlphaParallel(
                            Box::new(lhs),
                            Box::new(first),
                            Box::new(b),
                            Box::new(rhs),
                        );
                        (r, mk(kind, span))
                    }
                    Tok::Tie => {
                        let (r, p) = inside(r, |i| pairs_after_first(i, first, Tok::Tie))?;
                        let (r, _) = expect(r, Tok::RSquare)?;
                        let (r, rhs) = operand(r, depth, prec::PAR + 1)?;
                        let span = lhs.span.to(rhs.span);
                        (
                            r,
                            mk(ExprKind::Linked(Box::new(lhs), p, Box::new(rhs)), span),
                        )
                    }
                    _ => return Err(r.failure("`||` or `<->`")),
                }
            }
            Tok::LSyncExt | Tok::LSyncInt => {
                let (r, set) = inside(after, expr)?;
                let close = if t.kind == Tok::LSyncExt {
                    Tok::RSyncExt
                } else {
                    Tok::RSyncInt
                };
                let (r, _) = expect(r, close)?;
                let (r, rhs) = operand(r, depth, lbp + 1)?;
                let span = lhs.span.to(rhs.span);
                let (l, s, q) = (Box::new(lhs), Box::new(set), Box::new(rhs));
                let kind = if t.kind == Tok::LSyncExt {
                    ExprKind::SyncExtChoice(l, s, q)
                } else {
                    ExprKind::SyncInterrupt(l, s, q)
                };
                (r, mk(kind, span))
            }
            k => {
                let Some(op) = binop_of(k) else { break };
                let rbp = match (op, assoc) {
                    (BinOp::Hide | BinOp::Project, _) => prec::HIDE_RHS,
                    (_, Assoc::Right) => lbp,
                    _ => lbp + 1,
                };
                let (r, rhs) = operand(after, depth, rbp)?;
                if assoc == Assoc::None
                    && let Some((l2, _)) = infix_level(r.kind(), r.in_seq)
                    && l2 == lbp
                {
                    return Err(r.fail_msg("comparison operators do not chain: add parentheses"));
                }
                let span = lhs.span.to(rhs.span);
                (
                    r,
                    mk(ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)), span),
                )
            }
        };
        i = rest;
        lhs = e;
    }
    Ok((i, lhs))
}

/// The level and associativity of a token in infix (or postfix) position, if it has one.
fn infix_level(k: Tok, in_seq: bool) -> Option<(u8, Assoc)> {
    use Assoc::*;
    Some(match k {
        Tok::Backslash | Tok::Project => (prec::HIDE, Left),
        Tok::Interleave => (prec::INTERLEAVE, Left),
        Tok::LSync | Tok::LSquare => (prec::PAR, Left),
        Tok::IntChoice => (prec::INT_CHOICE, Left),
        Tok::ExtChoice | Tok::LSyncExt => (prec::EXT_CHOICE, Left),
        Tok::Interrupt | Tok::LSyncInt => (prec::INTERRUPT, Left),
        Tok::Sliding => (prec::SLIDING, Left),
        Tok::Semi => (prec::SEQ, Left),
        Tok::Arrow | Tok::Amp | Tok::Question | Tok::Bang | Tok::Dollar => (prec::PREFIX, Right),
        Tok::Dot => (prec::DOT, Right),
        Tok::Or => (prec::OR, Left),
        Tok::And => (prec::AND, Left),
        Tok::Gt if in_seq => return Option::None,
        Tok::EqEq | Tok::NotEq | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => (prec::CMP, None),
        Tok::Plus | Tok::Minus => (prec::ADD, Left),
        Tok::Star | Tok::Slash | Tok::Percent => (prec::MUL, Left),
        Tok::Caret => (prec::CONCAT, Left),
        Tok::LParen | Tok::LRename => (prec::POSTFIX, Left),
        _ => return Option::None,
    })
}

fn binop_of(k: Tok) -> Option<BinOp> {
    Some(match k {
        Tok::Backslash => BinOp::Hide,
        Tok::Project => BinOp::Project,
        Tok::Interleave => BinOp::Interleave,
        Tok::IntChoice => BinOp::IntChoice,
        Tok::ExtChoice => BinOp::ExtChoice,
        Tok::Interrupt => BinOp::Interrupt,
        Tok::Sliding => BinOp::Sliding,
        Tok::Semi => BinOp::SeqComp,
        Tok::Or => BinOp::Or,
        Tok::And => BinOp::And,
        Tok::EqEq => BinOp::Eq,
        Tok::NotEq => BinOp::Ne,
        Tok::Lt => BinOp::Lt,
        Tok::Le => BinOp::Le,
        Tok::Gt => BinOp::Gt,
        Tok::Ge => BinOp::Ge,
        Tok::Plus => BinOp::Add,
        Tok::Minus => BinOp::Sub,
        Tok::Star => BinOp::Mul,
        Tok::Slash => BinOp::Div,
        Tok::Percent => BinOp::Mod,
        Tok::Caret => BinOp::Concat,
        _ => return None,
    })
}

pub fn mk(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

/// The operand of an operator: one level deeper in the tree, read at `min`.
fn operand(i: Toks<'_>, depth: u32, min: u8) -> PResult<'_, Expr> {
    nested(i, depth, i.in_seq, |i| expr_bp(i, min))
}

/// Recursion one level down, keeping the sequence context.
fn deeper<'a, O>(i: Toks<'a>, f: impl FnOnce(Toks<'a>) -> PResult<'a, O>) -> PResult<'a, O> {
    nested(i, i.depth + 1, i.in_seq, f)
}

/// `a.b.c`, right nested, read in a loop.
fn dot_chain<'a>(mut i: Toks<'a>, first: Expr, depth: u32) -> PResult<'a, Expr> {
    let mut items = vec![first];
    while i.at(Tok::Dot) {
        let (r, e) = operand(i.bump(), depth, prec::DOT + 1)?;
        items.push(e);
        i = r;
    }
    Ok((
        i,
        fold_right(items, |l, r| ExprKind::Dot(Box::new(l), Box::new(r))),
    ))
}

fn fold_right(mut items: Vec<Expr>, join: impl Fn(Expr, Expr) -> ExprKind) -> Expr {
    let mut acc = items
        .pop()
        .unwrap_or_else(|| mk(ExprKind::Bool(false), Span::default()));
    while let Some(l) = items.pop() {
        let span = l.span.to(acc.span);
        acc = mk(join(l, acc), span);
    }
    acc
}

/// The right-associative prefix level: `c?x!y -> P`, `b & P`, `a -> b -> P`, in a loop.
fn prefix_chain<'a>(mut i: Toks<'a>, first: Expr, depth: u32) -> PResult<'a, Expr> {
    enum Link {
        Prefix(Expr, Vec<Field>),
        Guard(Expr),
    }
    let mut links = Vec::new();
    let mut cur = first;
    loop {
        match i.kind() {
            Tok::Amp => {
                links.push(Link::Guard(cur));
                i = i.bump();
            }
            Tok::Arrow | Tok::Question | Tok::Bang | Tok::Dollar => {
                let (r, fields) = fields(i)?;
                let (r, _) = match expect(r, Tok::Arrow) {
                    Ok(x) => x,
                    Err(_) => return Err(r.failure("`->` after the prefix's fields")),
                };
                links.push(Link::Prefix(cur, fields));
                i = r;
            }
            _ => break,
        }
        let (r, next) = operand(i, depth, prec::PREFIX + 1)?;
        cur = next;
        i = r;
    }
    let mut acc = cur;
    while let Some(link) = links.pop() {
        acc = match link {
            Link::Guard(g) => {
                let span = g.span.to(acc.span);
                mk(
                    ExprKind::Binary(BinOp::Guard, Box::new(g), Box::new(acc)),
                    span,
                )
            }
            Link::Prefix(chan, fields) => {
                let span = chan.span.to(acc.span);
                mk(
                    ExprKind::Prefix {
                        chan: Box::new(chan),
                        fields,
                        body: Box::new(acc),
                    },
                    span,
                )
            }
        };
    }
    Ok((i, acc))
}

/// The fields of a prefix: `?p`, `?p:S`, `$p`, `$p:S`, `!e`, and `.e` after a field with a set.
fn fields(mut i: Toks<'_>) -> PResult<'_, Vec<Field>> {
    let mut out = Vec::new();
    let mut after_set = false;
    loop {
        let k = i.kind();
        match k {
            Tok::Question | Tok::Dollar => {
                let (r, pat) = deeper(i.bump(), pattern)
                    .map_err(|e| commit(e, "a pattern after `?` or `$`"))?;
                let (r, set) = if r.at(Tok::Colon) {
                    let (r, s) = deeper(r.bump(), |i| expr_bp(i, prec::COLON + 1))?;
                    (r, Some(s))
                } else {
                    (r, None)
                };
                after_set = set.is_some();
                out.push(if k == Tok::Question {
                    Field::Input { pat, set }
                } else {
                    Field::NondetInput { pat, set }
                });
                i = r;
            }
            Tok::Bang => {
                let (r, e) = deeper(i.bump(), |i| expr_bp(i, prec::FIELD + 1))?;
                out.push(Field::Output(e));
                after_set = false;
                i = r;
            }
            Tok::Dot if after_set => {
                let (r, e) = deeper(i.bump(), |i| expr_bp(i, prec::COLON))?;
                out.push(Field::Dot(e));
                i = r;
            }
            _ => return Ok((i, out)),
        }
    }
}

/// Turns a recoverable error into a failure (the parse has committed to this form).
pub fn commit(e: nom::Err<PErr>, _what: &'static str) -> nom::Err<PErr> {
    match e {
        nom::Err::Error(e) => nom::Err::Failure(e),
        other => other,
    }
}

/// An expression in operand position: a literal, a name, a bracketed form, a prefix operator
/// or one of the forms that extend as far right as they can (`if`, `let`, `\`, replicated
/// operators).
fn prefix(i: Toks<'_>) -> PResult<'_, Expr> {
    let t = i.peek();
    let cx = i.cx;
    let span = cx.span(t);
    let after = i.bump();
    let lit = |k| Ok((after, mk(k, span)));
    match t.kind {
        Tok::Int => lit(ExprKind::Int(int_value(i, t, false))),
        Tok::True => lit(ExprKind::Bool(true)),
        Tok::False => lit(ExprKind::Bool(false)),
        Tok::Char => lit(ExprKind::Char(char_value(i, t))),
        Tok::Str => lit(ExprKind::String(string_value(cx.text(t)))),
        Tok::Ident if cx.text(t) == "include" && after.at(Tok::Str) => {
            Err(nom::Err::Failure(PErr::message(
                t,
                "`include` must start a declaration: the declaration before it is unfinished",
            )))
        }
        Tok::Ident => lit(ExprKind::Var(cx.name(t))),
        Tok::EmptySeq => lit(ExprKind::Seq(Vec::new())),
        Tok::LParen => paren(i),
        Tok::Lt => sequence(i),
        Tok::LBrace => set(i),
        Tok::LEnum => enumeration(i),
        Tok::LMap => map(i),
        Tok::Minus | Tok::Not | Tok::Hash => {
            let (op, min) = match t.kind {
                Tok::Minus => (UnOp::Neg, prec::ADD + 1),
                Tok::Not => (UnOp::Not, prec::NOT + 1),
                _ => (UnOp::Length, prec::LEN + 1),
            };
            let (r, e) = deeper(after, |i| expr_bp(i, min))?;
            let span = span.to(e.span);
            Ok((r, mk(ExprKind::Unary(op, Box::new(e)), span)))
        }
        Tok::If => {
            let (r, c) = deeper(after, expr)?;
            let (r, _) = expect(r, Tok::Then)?;
            let (r, a) = deeper(r, expr)?;
            let (r, _) = expect(r, Tok::Else)?;
            let (r, b) = deeper(r, expr)?;
            let span = span.to(b.span);
            Ok((
                r,
                mk(ExprKind::If(Box::new(c), Box::new(a), Box::new(b)), span),
            ))
        }
        Tok::Let => {
            let (r, decls) = deeper(after, let_decls)?;
            let (r, _) = expect(r, Tok::Within)?;
            let (r, body) = deeper(r, expr)?;
            let span = span.to(body.span);
            Ok((r, mk(ExprKind::Let(decls, Box::new(body)), span)))
        }
        Tok::Backslash => {
            let (r, pats) = deeper(after, |i| {
                separated_list1(tok(Tok::Comma), pattern).parse(i)
            })
            .map_err(|e| commit(e, "a pattern"))?;
            let (r, _) = expect(r, Tok::At)?;
            let (r, body) = deeper(r, expr)?;
            let span = span.to(body.span);
            Ok((r, mk(ExprKind::Lambda(pats, Box::new(body)), span)))
        }
        Tok::ExtChoice | Tok::IntChoice | Tok::Interleave | Tok::Semi | Tok::Interrupt => {
            let op = match t.kind {
                Tok::ExtChoice => ReplOp::ExtChoice,
                Tok::IntChoice => ReplOp::IntChoice,
                Tok::Interleave => ReplOp::Interleave,
                Tok::Semi => ReplOp::SeqComp,
                _ => ReplOp::Interrupt,
            };
            replicated(after, span, op)
        }
        Tok::LSync | Tok::LSyncExt => {
            let close = if t.kind == Tok::LSync {
                Tok::RSync
            } else {
                Tok::RSyncExt
            };
            let (r, set) = inside(after, expr)?;
            let (r, _) = expect(r, close)?;
            let op = if t.kind == Tok::LSync {
                ReplOp::GenParallel(Box::new(set))
            } else {
                ReplOp::SyncExtChoice(Box::new(set))
            };
            replicated(r, span, op)
        }
        Tok::LSquare => {
            let (r, p) = inside(after, |i| pairs(i, Tok::Tie))?;
            let (r, _) = expect(r, Tok::RSquare)?;
            replicated(r, span, ReplOp::Linked(p))
        }
        Tok::Parallel => {
            let (r, stmts) = deeper(after, |i| stmt_list(i))?;
            let (r, _) = expect(r, Tok::At)?;
            let (r, _) = expect(r, Tok::LSquare)?;
            let (r, alpha) = inside(r, expr)?;
            let (r, _) = expect(r, Tok::RSquare)?;
            let (r, body) = deeper(r, expr)?;
            let span = span.to(body.span);
            let op = ReplOp::AlphaParallel(Box::new(alpha));
            Ok((r, mk(ExprKind::Replicated(op, stmts, Box::new(body)), span)))
        }
        _ => Err(nom::Err::Error(PErr::expected(t, "an expression"))),
    }
}

/// `stmts @ body` after a replicated operator.
fn replicated(i: Toks<'_>, start: Span, op: ReplOp) -> PResult<'_, Expr> {
    let (r, stmts) = deeper(i, |i| stmt_list(i))?;
    let (r, _) = expect(r, Tok::At)?;
    let (r, body) = deeper(r, expr)?;
    let span = start.to(body.span);
    Ok((r, mk(ExprKind::Replicated(op, stmts, Box::new(body)), span)))
}

/// `(e)` (grouping: the span widens to the parentheses) or a tuple `(a, b, ...)`.
fn paren(i: Toks<'_>) -> PResult<'_, Expr> {
    let open = i.peek();
    let (r, mut items) = inside(i.bump(), |i| {
        separated_list1(tok(Tok::Comma), expr)
            .parse(i)
            .map_err(|e| commit(e, "an expression"))
    })?;
    let (r, end) = close(r, Tok::RParen, open)?;
    let span = r.cx.span(open).to(r.cx.span(end));
    if items.len() == 1 {
        let mut e = items
            .pop()
            .unwrap_or_else(|| mk(ExprKind::Tuple(Vec::new()), span));
        e.span = span;
        Ok((r, e))
    } else {
        Ok((r, mk(ExprKind::Tuple(items), span)))
    }
}

/// The contents of a set or sequence: `a, b`, `a..b`, `a..`, with or without `| stmts`.
enum Contents {
    List(Vec<Expr>, Option<Vec<Stmt>>),
    Range(Expr, Option<Expr>, Option<Vec<Stmt>>),
}

fn contents<'a>(i: Toks<'a>, close: Tok) -> PResult<'a, Contents> {
    if i.at(close) {
        return Ok((i, Contents::List(Vec::new(), None)));
    }
    let (mut r, first) = expr(i)?;
    if r.at(Tok::DotDot) {
        r = r.bump();
        let (r, upper) = if r.at(close) || r.at(Tok::Pipe) {
            (r, None)
        } else {
            let (r, e) = expr(r)?;
            (r, Some(e))
        };
        let (r, stmts) = opt_stmts(r)?;
        return Ok((r, Contents::Range(first, upper, stmts)));
    }
    let mut items = vec![first];
    while r.at(Tok::Comma) {
        let (r2, e) = expr(r.bump())?;
        items.push(e);
        r = r2;
    }
    let (r, stmts) = opt_stmts(r)?;
    Ok((r, Contents::List(items, stmts)))
}

fn opt_stmts(i: Toks<'_>) -> PResult<'_, Option<Vec<Stmt>>> {
    if i.at(Tok::Pipe) {
        let (r, s) = stmt_list(i.bump())?;
        Ok((r, Some(s)))
    } else {
        Ok((i, None))
    }
}

fn boxed(e: Option<Expr>) -> Option<Box<Expr>> {
    e.map(Box::new)
}

/// `{...}`: sets, ranges and comprehensions.
fn set(i: Toks<'_>) -> PResult<'_, Expr> {
    let open = i.peek();
    let (r, c) = inside(i.bump(), |i| contents(i, Tok::RBrace))?;
    let (r, end) = close(r, Tok::RBrace, open)?;
    let span = r.cx.span(open).to(r.cx.span(end));
    let kind = match c {
        Contents::List(es, None) => ExprKind::Set(es),
        Contents::List(es, Some(s)) => ExprKind::SetComp(es, s),
        Contents::Range(a, b, None) => ExprKind::SetRange(Box::new(a), boxed(b)),
        Contents::Range(a, b, Some(s)) => ExprKind::SetRangeComp(Box::new(a), boxed(b), s),
    };
    Ok((r, mk(kind, span)))
}

/// `<...>`: sequences, ranges and comprehensions. Inside, a `>` at this bracket level closes.
fn sequence(i: Toks<'_>) -> PResult<'_, Expr> {
    let open = i.peek();
    let (r, c) = nested(i.bump(), i.depth + 1, true, |i| contents(i, Tok::Gt))?;
    let (r, end) = close(r, Tok::Gt, open)?;
    let span = r.cx.span(open).to(r.cx.span(end));
    let kind = match c {
        Contents::List(es, None) => ExprKind::Seq(es),
        Contents::List(es, Some(s)) => ExprKind::SeqComp(es, s),
        Contents::Range(a, b, None) => ExprKind::SeqRange(Box::new(a), boxed(b)),
        Contents::Range(a, b, Some(s)) => ExprKind::SeqRangeComp(Box::new(a), boxed(b), s),
    };
    Ok((r, mk(kind, span)))
}

/// `{| c, d |}` and `{| c.x | x <- S |}`.
fn enumeration(i: Toks<'_>) -> PResult<'_, Expr> {
    let open = i.peek();
    let (r, (es, stmts)) = inside(i.bump(), |i| {
        let (r, es) = comma_list0(i, Tok::REnum)?;
        let (r, s) = opt_stmts(r)?;
        Ok((r, (es, s)))
    })?;
    let (r, end) = close(r, Tok::REnum, open)?;
    let span = r.cx.span(open).to(r.cx.span(end));
    let kind = match stmts {
        None => ExprKind::Enum(es),
        Some(s) => ExprKind::EnumComp(es, s),
    };
    Ok((r, mk(kind, span)))
}

/// `(| k => v, ... |)`.
fn map(i: Toks<'_>) -> PResult<'_, Expr> {
    let open = i.peek();
    let (r, entries) = inside(i.bump(), |mut i| {
        let mut out = Vec::new();
        if i.at(Tok::RMap) {
            return Ok((i, out));
        }
        loop {
            let (r, k) = expr(i)?;
            let (r, _) = expect(r, Tok::Yield)?;
            let (r, v) = expr(r)?;
            out.push((k, v));
            if r.at(Tok::Comma) {
                i = r.bump();
            } else {
                return Ok((r, out));
            }
        }
    })?;
    let (r, end) = close(r, Tok::RMap, open)?;
    let span = r.cx.span(open).to(r.cx.span(end));
    Ok((r, mk(ExprKind::Map(entries), span)))
}

/// Comma-separated expressions, possibly none (when `close` comes first).
fn comma_list0<'a>(i: Toks<'a>, close: Tok) -> PResult<'a, Vec<Expr>> {
    if i.at(close) {
        return Ok((i, Vec::new()));
    }
    separated_list1(tok(Tok::Comma), expr)
        .parse(i)
        .map_err(|e| commit(e, "an expression"))
}

/// Comma-separated statements (at least one).
pub fn stmt_list(i: Toks<'_>) -> PResult<'_, Vec<Stmt>> {
    separated_list1(tok(Tok::Comma), stmt)
        .parse(i)
        .map_err(|e| commit(e, "a statement"))
}

/// A generator `p <- e` / `p : e`, or a boolean filter.
fn stmt(i: Toks<'_>) -> PResult<'_, Stmt> {
    if let Ok((r, pat)) = pattern(i)
        && (r.at(Tok::LArrow) || r.at(Tok::Colon))
    {
        let (r, source) = expr(r.bump()).map_err(|e| commit(e, "an expression"))?;
        return Ok((r, Stmt::Gen { pat, source }));
    }
    let (r, e) = expr(i)?;
    Ok((r, Stmt::Pred(e)))
}

/// `a <- b, c <- d | stmts` (renaming) or `a <-> b, ...` (linking).
fn pairs<'a>(i: Toks<'a>, sep: Tok) -> PResult<'a, Pairs> {
    let (r, first) = expr(i).map_err(|e| commit(e, "an expression"))?;
    pairs_after_first(r, first, sep)
}

fn pairs_after_first<'a>(i: Toks<'a>, first: Expr, sep: Tok) -> PResult<'a, Pairs> {
    let (mut r, _) = expect(i, sep)?;
    let (r2, second) = expr(r)?;
    r = r2;
    let mut list = vec![(first, second)];
    while r.at(Tok::Comma) {
        let (r2, a) = expr(r.bump())?;
        let (r2, _) = expect(r2, sep)?;
        let (r2, b) = expr(r2)?;
        list.push((a, b));
        r = r2;
    }
    let (r, stmts) = opt_stmts(r)?;
    Ok((
        r,
        Pairs {
            pairs: list,
            stmts: stmts.unwrap_or_default(),
        },
    ))
}

/// The value of an integer token (with a leading minus for patterns); out of range is
/// reported and read as 0.
pub fn int_value(i: Toks<'_>, t: Token, negative: bool) -> i64 {
    let text = i.cx.text(t);
    let parsed = if negative {
        format!("-{text}").parse::<i64>()
    } else {
        text.parse::<i64>()
    };
    match parsed {
        Ok(v) => v,
        Err(_) => {
            i.cx.report(crate::cspm::source::Diagnostic::error(
                i.cx.span(t),
                format!("integer literal `{text}` is out of range"),
            ));
            0
        }
    }
}

/// Reads escapes: `\n`, `\r`, `\t`; any other escaped character stands for itself.
pub fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub fn string_value(text: &str) -> String {
    let body = text
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or("");
    unescape(body)
}

pub fn char_value(i: Toks<'_>, t: Token) -> char {
    let text = i.cx.text(t);
    let body = text
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or("");
    unescape(body).chars().next().unwrap_or('\0')
}
