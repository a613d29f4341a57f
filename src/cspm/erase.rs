//! Span erasure: sets every span of a tree to `Span::default()`, so that two parses of
//! differently laid-out text compare equal when their trees are the same (the round-trip
//! law `parse(fmt(parse(x))) == parse(x)`). The same walk maps spans (moving a tree parsed
//! inside a wrapper text back to the text it came from).

use super::ast::*;
use super::source::Span;

impl Module {
    /// Sets every span in the module to `Span::default()` (the module's file stays).
    pub fn erase_spans(&mut self) {
        self.map_spans(&mut |s| *s = Span::default());
    }

    /// Calls `sf` on every span in the module.
    pub fn map_spans(&mut self, sf: &mut dyn FnMut(&mut Span)) {
        for d in &mut self.decls {
            decl(d, sf);
        }
    }
}

impl Expr {
    /// Sets every span in the expression to `Span::default()`.
    pub fn erase_spans(&mut self) {
        self.map_spans(&mut |s| *s = Span::default());
    }

    /// Calls `sf` on every span in the expression.
    pub fn map_spans(&mut self, sf: &mut dyn FnMut(&mut Span)) {
        expr(self, sf);
    }
}

fn name(n: &mut Name, sf: &mut dyn FnMut(&mut Span)) {
    sf(&mut n.span);
}

fn decls(ds: &mut [Decl], sf: &mut dyn FnMut(&mut Span)) {
    for d in ds {
        decl(d, sf);
    }
}

fn decl(d: &mut Decl, sf: &mut dyn FnMut(&mut Span)) {
    sf(&mut d.span);
    match &mut d.kind {
        DeclKind::Clause {
            name: n,
            params,
            body,
        } => {
            name(n, sf);
            for g in params {
                pats(g, sf);
            }
            expr(body, sf);
        }
        DeclKind::PatBind { pat: p, body } => {
            pat(p, sf);
            expr(body, sf);
        }
        DeclKind::Channel { names, ty } => {
            names.iter_mut().for_each(|n| name(n, sf));
            if let Some(t) = ty {
                expr(t, sf);
            }
        }
        DeclKind::Datatype { name: n, ctors } | DeclKind::Subtype { name: n, ctors } => {
            name(n, sf);
            for c in ctors {
                sf(&mut c.span);
                name(&mut c.name, sf);
                if let Some(f) = &mut c.fields {
                    expr(f, sf);
                }
            }
        }
        DeclKind::Nametype { name: n, ty } => {
            name(n, sf);
            expr(ty, sf);
        }
        DeclKind::Assert(a) => assertion(a, sf),
        DeclKind::Transparent(ns) | DeclKind::External(ns) => {
            ns.iter_mut().for_each(|n| name(n, sf))
        }
        DeclKind::Include { path_span, .. } => sf(path_span),
        DeclKind::Print(e) => expr(e, sf),
        DeclKind::TypeAnnotation { names, ty: t } => {
            names.iter_mut().for_each(|n| name(n, sf));
            ty(t, sf);
        }
        DeclKind::ModuleDef {
            name: n,
            params,
            private,
            exports,
        } => {
            name(n, sf);
            if let Some(ps) = params {
                pats(ps, sf);
            }
            decls(private, sf);
            decls(exports, sf);
        }
        DeclKind::Instance {
            name: n,
            module,
            args,
        } => {
            name(n, sf);
            name(module, sf);
            if let Some(es) = args {
                exprs(es, sf);
            }
        }
        DeclKind::Timed { tock_fn, decls: ds } => {
            if let Some(e) = tock_fn {
                expr(e, sf);
            }
            decls(ds, sf);
        }
    }
}

fn assertion(a: &mut Assertion, sf: &mut dyn FnMut(&mut Span)) {
    match &mut a.kind {
        AssertKind::Refinement { spec, imp, .. } => {
            expr(spec, sf);
            expr(imp, sf);
        }
        AssertKind::DeadlockFree { proc, .. }
        | AssertKind::DivergenceFree { proc, .. }
        | AssertKind::Deterministic { proc, .. } => expr(proc, sf),
        AssertKind::HasTrace { proc, trace, .. } => {
            expr(proc, sf);
            expr(trace, sf);
        }
        AssertKind::Bool(e) => expr(e, sf),
    }
    for o in &mut a.options {
        match o {
            AssertOption::TauPriority { events, .. } => expr(events, sf),
            AssertOption::PartialOrderReduce { mode } => {
                if let Some(m) = mode {
                    name(m, sf);
                }
            }
        }
    }
}

fn pats(ps: &mut [Pat], sf: &mut dyn FnMut(&mut Span)) {
    for p in ps {
        pat(p, sf);
    }
}

fn pat(p: &mut Pat, sf: &mut dyn FnMut(&mut Span)) {
    sf(&mut p.span);
    match &mut p.kind {
        PatKind::Var(n) => name(n, sf),
        PatKind::Tuple(ps) | PatKind::Seq(ps) | PatKind::Set(ps) => pats(ps, sf),
        PatKind::Dot(a, b) | PatKind::Concat(a, b) | PatKind::Also(a, b) => {
            pat(a, sf);
            pat(b, sf);
        }
        PatKind::Wildcard
        | PatKind::Int(_)
        | PatKind::Bool(_)
        | PatKind::Char(_)
        | PatKind::String(_) => {}
    }
}

fn exprs(es: &mut [Expr], sf: &mut dyn FnMut(&mut Span)) {
    for e in es {
        expr(e, sf);
    }
}

fn stmts(ss: &mut [Stmt], sf: &mut dyn FnMut(&mut Span)) {
    for s in ss {
        match s {
            Stmt::Gen { pat: p, source } => {
                pat(p, sf);
                expr(source, sf);
            }
            Stmt::Pred(e) => expr(e, sf),
        }
    }
}

fn pairs(p: &mut Pairs, sf: &mut dyn FnMut(&mut Span)) {
    for (a, b) in &mut p.pairs {
        expr(a, sf);
        expr(b, sf);
    }
    stmts(&mut p.stmts, sf);
}

fn opt(e: &mut Option<Box<Expr>>, sf: &mut dyn FnMut(&mut Span)) {
    if let Some(e) = e {
        expr(e, sf);
    }
}

/// One level of an expression; the tree of a long operator chain is as deep as the chain, so
/// each level may continue on a new stack segment.
fn expr(e: &mut Expr, sf: &mut dyn FnMut(&mut Span)) {
    grow(|| expr_level(e, sf))
}

fn expr_level(e: &mut Expr, sf: &mut dyn FnMut(&mut Span)) {
    sf(&mut e.span);
    match &mut e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Char(_) | ExprKind::String(_) => {}
        ExprKind::Var(n) => name(n, sf),
        ExprKind::Tuple(es) | ExprKind::Set(es) | ExprKind::Seq(es) | ExprKind::Enum(es) => {
            exprs(es, sf)
        }
        ExprKind::Dot(a, b) | ExprKind::Binary(_, a, b) => {
            expr(a, sf);
            expr(b, sf);
        }
        ExprKind::Apply(f, args) => {
            expr(f, sf);
            exprs(args, sf);
        }
        ExprKind::Unary(_, a) => expr(a, sf),
        ExprKind::If(a, b, c)
        | ExprKind::GenParallel(a, b, c)
        | ExprKind::Exception(a, b, c)
        | ExprKind::SyncExtChoice(a, b, c)
        | ExprKind::SyncInterrupt(a, b, c) => {
            expr(a, sf);
            expr(b, sf);
            expr(c, sf);
        }
        ExprKind::AlphaParallel(a, b, c, d) => {
            expr(a, sf);
            expr(b, sf);
            expr(c, sf);
            expr(d, sf);
        }
        ExprKind::Let(ds, body) => {
            decls(ds, sf);
            expr(body, sf);
        }
        ExprKind::Lambda(ps, body) => {
            pats(ps, sf);
            expr(body, sf);
        }
        ExprKind::SetRange(a, b) | ExprKind::SeqRange(a, b) => {
            expr(a, sf);
            opt(b, sf);
        }
        ExprKind::SetComp(es, ss) | ExprKind::SeqComp(es, ss) | ExprKind::EnumComp(es, ss) => {
            exprs(es, sf);
            stmts(ss, sf);
        }
        ExprKind::SetRangeComp(a, b, ss) | ExprKind::SeqRangeComp(a, b, ss) => {
            expr(a, sf);
            opt(b, sf);
            stmts(ss, sf);
        }
        ExprKind::Map(kvs) => {
            for (k, v) in kvs {
                expr(k, sf);
                expr(v, sf);
            }
        }
        ExprKind::Prefix { chan, fields, body } => {
            expr(chan, sf);
            for f in fields {
                match f {
                    Field::Input { pat: p, set } | Field::NondetInput { pat: p, set } => {
                        pat(p, sf);
                        if let Some(s) = set {
                            expr(s, sf);
                        }
                    }
                    Field::Output(x) | Field::Dot(x) => expr(x, sf),
                }
            }
            expr(body, sf);
        }
        ExprKind::Linked(a, p, b) => {
            expr(a, sf);
            pairs(p, sf);
            expr(b, sf);
        }
        ExprKind::Rename(a, p) => {
            expr(a, sf);
            pairs(p, sf);
        }
        ExprKind::Replicated(op, ss, body) => {
            match op {
                ReplOp::GenParallel(a) | ReplOp::AlphaParallel(a) | ReplOp::SyncExtChoice(a) => {
                    expr(a, sf)
                }
                ReplOp::Linked(p) => pairs(p, sf),
                ReplOp::ExtChoice
                | ReplOp::IntChoice
                | ReplOp::Interleave
                | ReplOp::SeqComp
                | ReplOp::Interrupt => {}
            }
            stmts(ss, sf);
            expr(body, sf);
        }
    }
}

fn ty(t: &mut TypeExpr, sf: &mut dyn FnMut(&mut Span)) {
    sf(&mut t.span);
    match &mut t.kind {
        TypeKind::Name(n) => name(n, sf),
        TypeKind::Tuple(ts) => ts.iter_mut().for_each(|t| ty(t, sf)),
        TypeKind::Seq(a) | TypeKind::Set(a) => ty(a, sf),
        TypeKind::Dot(a, b) | TypeKind::Map(a, b) => {
            ty(a, sf);
            ty(b, sf);
        }
        TypeKind::Yield { from, to, .. } => {
            ty(from, sf);
            ty(to, sf);
        }
        TypeKind::Fn(args, ret) => {
            args.iter_mut().for_each(|t| ty(t, sf));
            ty(ret, sf);
        }
        TypeKind::Constrained(cs, body) => {
            for (a, b) in cs {
                name(a, sf);
                name(b, sf);
            }
            ty(body, sf);
        }
    }
}
