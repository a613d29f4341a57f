//! Span erasure: sets every span of a tree to `Span::default()`, so that two parses of
//! differently laid-out text compare equal when their trees are the same (the round-trip
//! law `parse(fmt(parse(x))) == parse(x)`).

use super::ast::*;
use super::source::Span;

impl Module {
    /// Sets every span in the module to `Span::default()` (the module's file stays).
    pub fn erase_spans(&mut self) {
        for d in &mut self.decls {
            decl(d);
        }
    }
}

impl Expr {
    /// Sets every span in the expression to `Span::default()`.
    pub fn erase_spans(&mut self) {
        expr(self);
    }
}

fn name(n: &mut Name) {
    n.span = Span::default();
}

fn decls(ds: &mut [Decl]) {
    for d in ds {
        decl(d);
    }
}

fn decl(d: &mut Decl) {
    d.span = Span::default();
    match &mut d.kind {
        DeclKind::Clause {
            name: n,
            params,
            body,
        } => {
            name(n);
            for g in params {
                pats(g);
            }
            expr(body);
        }
        DeclKind::PatBind { pat: p, body } => {
            pat(p);
            expr(body);
        }
        DeclKind::Channel { names, ty } => {
            names.iter_mut().for_each(name);
            if let Some(t) = ty {
                expr(t);
            }
        }
        DeclKind::Datatype { name: n, ctors } | DeclKind::Subtype { name: n, ctors } => {
            name(n);
            for c in ctors {
                c.span = Span::default();
                name(&mut c.name);
                if let Some(f) = &mut c.fields {
                    expr(f);
                }
            }
        }
        DeclKind::Nametype { name: n, ty } => {
            name(n);
            expr(ty);
        }
        DeclKind::Assert(a) => assertion(a),
        DeclKind::Transparent(ns) | DeclKind::External(ns) => ns.iter_mut().for_each(name),
        DeclKind::Include { path_span, .. } => *path_span = Span::default(),
        DeclKind::Print(e) => expr(e),
        DeclKind::TypeAnnotation { names, ty: t } => {
            names.iter_mut().for_each(name);
            ty(t);
        }
        DeclKind::ModuleDef {
            name: n,
            params,
            private,
            exports,
        } => {
            name(n);
            if let Some(ps) = params {
                pats(ps);
            }
            decls(private);
            decls(exports);
        }
        DeclKind::Instance {
            name: n,
            module,
            args,
        } => {
            name(n);
            name(module);
            if let Some(es) = args {
                exprs(es);
            }
        }
        DeclKind::Timed { tock_fn, decls: ds } => {
            if let Some(e) = tock_fn {
                expr(e);
            }
            decls(ds);
        }
    }
}

fn assertion(a: &mut Assertion) {
    match &mut a.kind {
        AssertKind::Refinement { spec, imp, .. } => {
            expr(spec);
            expr(imp);
        }
        AssertKind::DeadlockFree { proc, .. }
        | AssertKind::DivergenceFree { proc, .. }
        | AssertKind::Deterministic { proc, .. } => expr(proc),
        AssertKind::HasTrace { proc, trace, .. } => {
            expr(proc);
            expr(trace);
        }
        AssertKind::Bool(e) => expr(e),
    }
    for o in &mut a.options {
        match o {
            AssertOption::TauPriority { events, .. } => expr(events),
            AssertOption::PartialOrderReduce { mode } => {
                if let Some(m) = mode {
                    name(m);
                }
            }
        }
    }
}

fn pats(ps: &mut [Pat]) {
    for p in ps {
        pat(p);
    }
}

fn pat(p: &mut Pat) {
    p.span = Span::default();
    match &mut p.kind {
        PatKind::Var(n) => name(n),
        PatKind::Tuple(ps) | PatKind::Seq(ps) | PatKind::Set(ps) => pats(ps),
        PatKind::Dot(a, b) | PatKind::Concat(a, b) | PatKind::Also(a, b) => {
            pat(a);
            pat(b);
        }
        PatKind::Wildcard
        | PatKind::Int(_)
        | PatKind::Bool(_)
        | PatKind::Char(_)
        | PatKind::String(_) => {}
    }
}

fn exprs(es: &mut [Expr]) {
    for e in es {
        expr(e);
    }
}

fn stmts(ss: &mut [Stmt]) {
    for s in ss {
        match s {
            Stmt::Gen { pat: p, source } => {
                pat(p);
                expr(source);
            }
            Stmt::Pred(e) => expr(e),
        }
    }
}

fn pairs(p: &mut Pairs) {
    for (a, b) in &mut p.pairs {
        expr(a);
        expr(b);
    }
    stmts(&mut p.stmts);
}

fn opt(e: &mut Option<Box<Expr>>) {
    if let Some(e) = e {
        expr(e);
    }
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Char(_) | ExprKind::String(_) => {}
        ExprKind::Var(n) => name(n),
        ExprKind::Tuple(es) | ExprKind::Set(es) | ExprKind::Seq(es) | ExprKind::Enum(es) => {
            exprs(es)
        }
        ExprKind::Dot(a, b) | ExprKind::Binary(_, a, b) => {
            expr(a);
            expr(b);
        }
        ExprKind::Apply(f, args) => {
            expr(f);
            exprs(args);
        }
        ExprKind::Unary(_, a) => expr(a),
        ExprKind::If(a, b, c)
        | ExprKind::GenParallel(a, b, c)
        | ExprKind::Exception(a, b, c)
        | ExprKind::SyncExtChoice(a, b, c)
        | ExprKind::SyncInterrupt(a, b, c) => {
            expr(a);
            expr(b);
            expr(c);
        }
        ExprKind::AlphaParallel(a, b, c, d) => {
            expr(a);
            expr(b);
            expr(c);
            expr(d);
        }
        ExprKind::Let(ds, body) => {
            decls(ds);
            expr(body);
        }
        ExprKind::Lambda(ps, body) => {
            pats(ps);
            expr(body);
        }
        ExprKind::SetRange(a, b) | ExprKind::SeqRange(a, b) => {
            expr(a);
            opt(b);
        }
        ExprKind::SetComp(es, ss) | ExprKind::SeqComp(es, ss) | ExprKind::EnumComp(es, ss) => {
            exprs(es);
            stmts(ss);
        }
        ExprKind::SetRangeComp(a, b, ss) | ExprKind::SeqRangeComp(a, b, ss) => {
            expr(a);
            opt(b);
            stmts(ss);
        }
        ExprKind::Map(kvs) => {
            for (k, v) in kvs {
                expr(k);
                expr(v);
            }
        }
        ExprKind::Prefix { chan, fields, body } => {
            expr(chan);
            for f in fields {
                match f {
                    Field::Input { pat: p, set } | Field::NondetInput { pat: p, set } => {
                        pat(p);
                        if let Some(s) = set {
                            expr(s);
                        }
                    }
                    Field::Output(x) | Field::Dot(x) => expr(x),
                }
            }
            expr(body);
        }
        ExprKind::Linked(a, p, b) => {
            expr(a);
            pairs(p);
            expr(b);
        }
        ExprKind::Rename(a, p) => {
            expr(a);
            pairs(p);
        }
        ExprKind::Replicated(op, ss, body) => {
            match op {
                ReplOp::GenParallel(a) | ReplOp::AlphaParallel(a) | ReplOp::SyncExtChoice(a) => {
                    expr(a)
                }
                ReplOp::Linked(p) => pairs(p),
                ReplOp::ExtChoice
                | ReplOp::IntChoice
                | ReplOp::Interleave
                | ReplOp::SeqComp
                | ReplOp::Interrupt => {}
            }
            stmts(ss);
            expr(body);
        }
    }
}

fn ty(t: &mut TypeExpr) {
    t.span = Span::default();
    match &mut t.kind {
        TypeKind::Name(n) => name(n),
        TypeKind::Tuple(ts) => ts.iter_mut().for_each(ty),
        TypeKind::Seq(a) | TypeKind::Set(a) => ty(a),
        TypeKind::Dot(a, b) | TypeKind::Map(a, b) => {
            ty(a);
            ty(b);
        }
        TypeKind::Yield { from, to, .. } => {
            ty(from);
            ty(to);
        }
        TypeKind::Fn(args, ret) => {
            args.iter_mut().for_each(ty);
            ty(ret);
        }
        TypeKind::Constrained(cs, body) => {
            for (a, b) in cs {
                name(a);
                name(b);
            }
            ty(body);
        }
    }
}
