//! Lowering: resolves every name of the AST (scope check), groups clauses into definitions,
//! reports split definitions, unknown names and unsupported sections, and produces the
//! [`Program`] the evaluator runs.

use super::builtins::Builtin;
use super::program::*;
use super::value::Value;
use crate::cspm::ast::{self, DeclKind, Interner, Symbol};
use crate::cspm::source::{Diagnostic, Severity, SourceMap, Span};
use rustc_hash::{FxHashMap, FxHashSet};

/// The result of lowering: the program and every diagnostic (errors and warnings).
pub struct Lowered {
    pub program: Program,
    pub diags: Vec<Diagnostic>,
}

/// Lowers the declarations of a script (includes already spliced in, in order).
pub fn lower(decls: &[&ast::Decl], interner: &Interner, map: &SourceMap) -> Lowered {
    // `(a, b) = (e1, e2)` binds each component lazily on its own, so that `a` can be used
    // when `e2` would not terminate (FDR is lazy).
    let split: Vec<ast::Decl>;
    let expanded: Vec<&ast::Decl>;
    let decls = if decls.iter().any(|d| splits(d)) {
        split = decls.iter().flat_map(|d| split_pat_bind(d)).collect();
        expanded = split.iter().collect();
        &expanded[..]
    } else {
        decls
    };
    let mut l = Lower {
        interner,
        map,
        p: Program::default(),
        diags: Vec::new(),
        ctxs: Vec::new(),
        groups: Vec::new(),
        modules: FxHashSet::default(),
        defined_at: FxHashMap::default(),
    };
    l.declare_all(decls);
    l.lower_all(decls);
    analyse_procs(&mut l.p);
    Lowered {
        program: l.p,
        diags: l.diags,
    }
}

/// Lowers one extra top-level declaration `name = expr` against an existing program (for
/// `Script::eval`); returns the code of the expression.
pub fn lower_expr(
    program: &mut Program,
    expr: &ast::Expr,
    interner: &Interner,
    map: &SourceMap,
) -> Result<Code, Vec<Diagnostic>> {
    let mut l = Lower {
        interner,
        map,
        p: std::mem::take(program),
        diags: Vec::new(),
        ctxs: Vec::new(),
        groups: Vec::new(),
        modules: FxHashSet::default(),
        defined_at: FxHashMap::default(),
    };
    let code = l.code(|l| l.expr(expr));
    analyse_procs(&mut l.p);
    *program = l.p;
    let errors: Vec<Diagnostic> = l
        .diags
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok(code)
    } else {
        Err(errors)
    }
}

struct Lower<'a> {
    interner: &'a Interner,
    map: &'a SourceMap,
    p: Program,
    diags: Vec<Diagnostic>,
    ctxs: Vec<Ctx>,
    groups: Vec<GroupBuild>,
    /// Names of modules and instances (their qualified names are unsupported, not unknown).
    modules: FxHashSet<String>,
    defined_at: FxHashMap<Symbol, Span>,
}

struct Ctx {
    kind: CtxKind,
    scopes: Vec<Vec<(Symbol, VarRef)>>,
    nslots: u16,
}

enum CtxKind {
    Top,
    Lambda {
        caps: Vec<VarRef>,
        capmap: FxHashMap<VarRef, u16>,
    },
    Member {
        group: usize,
    },
}

struct GroupBuild {
    id: GroupId,
    names: FxHashMap<Symbol, (u16, u16)>,
    caps: Vec<VarRef>,
    capmap: FxHashMap<VarRef, u16>,
}

fn splits(d: &ast::Decl) -> bool {
    match &d.kind {
        DeclKind::PatBind { pat, body } => matches!(
            (&pat.kind, &body.kind),
            (ast::PatKind::Tuple(ps), ast::ExprKind::Tuple(es)) if ps.len() == es.len()
        ),
        _ => false,
    }
}

fn split_pat_bind(d: &ast::Decl) -> Vec<ast::Decl> {
    if let DeclKind::PatBind { pat, body } = &d.kind
        && let (ast::PatKind::Tuple(ps), ast::ExprKind::Tuple(es)) = (&pat.kind, &body.kind)
        && ps.len() == es.len()
    {
        return ps
            .iter()
            .zip(es)
            .flat_map(|(p, e)| {
                let piece = ast::Decl {
                    kind: DeclKind::PatBind {
                        pat: p.clone(),
                        body: e.clone(),
                    },
                    span: d.span,
                };
                split_pat_bind(&piece)
            })
            .collect();
    }
    vec![d.clone()]
}

/// Consecutive clauses of one name, or one other declaration.
enum Item<'d> {
    Clauses(ast::Name, Vec<&'d ast::Decl>),
    Other(&'d ast::Decl),
}

fn items<'d>(decls: &[&'d ast::Decl]) -> Vec<Item<'d>> {
    let mut out: Vec<Item<'d>> = Vec::new();
    for d in decls {
        if let DeclKind::Clause { name, .. } = &d.kind {
            if let Some(Item::Clauses(n, cs)) = out.last_mut()
                && n.sym == name.sym
            {
                cs.push(d);
                continue;
            }
            out.push(Item::Clauses(*name, vec![d]));
        } else {
            out.push(Item::Other(d));
        }
    }
    out
}

/// The items of a dotted expression, left to right, without recursing (a `.` chain may be
/// 100,000 long).
fn flatten_dot(e: &ast::Expr) -> Vec<&ast::Expr> {
    let mut out = Vec::new();
    let mut todo = vec![e];
    while let Some(e) = todo.pop() {
        match &e.kind {
            ast::ExprKind::Dot(a, b) => {
                todo.push(b);
                todo.push(a);
            }
            _ => out.push(e),
        }
    }
    out
}

impl<'a> Lower<'a> {
    fn name(&self, s: Symbol) -> &str {
        self.interner.resolve(s)
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, msg));
    }

    fn unsupported(&mut self, span: Span, what: &str) {
        self.diags.push(
            Diagnostic::error(span, format!("unsupported: {what}"))
                .with_label(format!("{what} are not supported by cspot")),
        );
    }

    fn add_global(&mut self, name: ast::Name, g: Global) -> GlobalId {
        if let Some(prev) = self.defined_at.get(&name.sym).copied() {
            let (line, _) = self.map.line_col(prev.file, prev.start);
            let msg = format!(
                "`{}` is defined more than once (first at line {line}); the clauses of a \
                 function must be consecutive",
                self.name(name.sym)
            );
            self.diags
                .push(Diagnostic::error(name.span, msg).with_label("defined again here"));
        } else {
            self.defined_at.insert(name.sym, name.span);
        }
        let id = self.p.globals.len() as GlobalId;
        self.p.globals.push(g);
        self.p.global_names.insert(name.sym, id);
        id
    }

    // ---- pass 1: declare every top-level name ----

    fn declare_all(&mut self, decls: &[&ast::Decl]) {
        // Channels and datatypes first: patterns need to know which names are constructors.
        for d in decls {
            match &d.kind {
                DeclKind::Channel { names, ty } => {
                    for n in names {
                        let tag = self.p.tags.len() as u32;
                        self.p.tags.push(TagDecl {
                            name: n.sym,
                            kind: TagKind::Channel,
                            fields: Vec::new(),
                            span: n.span,
                        });
                        let _ = ty;
                        self.add_global(*n, Global::Tag(tag));
                    }
                }
                DeclKind::Datatype { name, ctors } => {
                    let ty = self.p.types.len() as u32;
                    let mut ids = Vec::new();
                    for c in ctors {
                        let tag = self.p.tags.len() as u32;
                        self.p.tags.push(TagDecl {
                            name: c.name.sym,
                            kind: TagKind::Ctor(ty),
                            fields: Vec::new(),
                            span: c.name.span,
                        });
                        ids.push(tag);
                    }
                    self.p.types.push(TypeDecl {
                        name: name.sym,
                        ctors: ids.clone(),
                        span: name.span,
                    });
                    self.add_global(*name, Global::TypeSet(ty));
                    for (c, tag) in ctors.iter().zip(ids) {
                        self.add_global(c.name, Global::Tag(tag));
                    }
                }
                _ => {}
            }
        }
        for it in items(decls) {
            match it {
                Item::Clauses(name, cs) => {
                    let is_fn = matches!(&cs[0].kind, DeclKind::Clause { params, .. } if !params.is_empty());
                    let g = if is_fn {
                        let f = self.p.fns.len() as FnId;
                        self.p.fns.push(FnDef {
                            name: Some(name.sym),
                            span: name.span,
                            arity: Vec::new(),
                            clauses: Vec::new(),
                            caps: Vec::new(),
                            returns_proc: false,
                        });
                        Global::Fn(f)
                    } else {
                        Global::Value {
                            name: name.sym,
                            code: Code { expr: 0, nslots: 0 },
                            span: name.span,
                            returns_proc: false,
                        }
                    };
                    let id = self.add_global(name, g);
                    self.p.order.push((name.sym, id));
                }
                Item::Other(d) => match &d.kind {
                    DeclKind::PatBind { pat, .. } => {
                        let bind = self.p.pat_binds.len() as u32;
                        self.p.pat_binds.push(PatBind {
                            pat: 0,
                            code: Code { expr: 0, nslots: 0 },
                            nvars: 0,
                            span: d.span,
                        });
                        let mut vars = Vec::new();
                        self.pattern_vars(pat, &mut vars);
                        for (i, n) in vars.into_iter().enumerate() {
                            let id = self.add_global(
                                n,
                                Global::PatVar {
                                    bind,
                                    sub: i as u16,
                                },
                            );
                            self.p.order.push((n.sym, id));
                        }
                    }
                    DeclKind::Subtype { name, .. } => {
                        self.add_global(
                            *name,
                            Global::Subtype {
                                clauses: Vec::new(),
                                span: name.span,
                            },
                        );
                    }
                    DeclKind::Nametype { name, .. } => {
                        self.add_global(
                            *name,
                            Global::Nametype {
                                components: Vec::new(),
                                span: name.span,
                            },
                        );
                    }
                    DeclKind::ModuleDef { name, .. } | DeclKind::Instance { name, .. } => {
                        self.unsupported(d.span, "modules");
                        self.modules.insert(self.name(name.sym).to_string());
                        self.add_global(
                            *name,
                            Global::Unsupported {
                                what: "modules",
                                span: d.span,
                            },
                        );
                    }
                    DeclKind::Timed { decls, .. } => {
                        self.unsupported(d.span, "Timed sections");
                        let mut names = Vec::new();
                        declared_names(decls, &mut names);
                        for n in names {
                            if !self.p.global_names.contains_key(&n.sym) {
                                self.add_global(
                                    n,
                                    Global::Unsupported {
                                        what: "Timed sections",
                                        span: d.span,
                                    },
                                );
                            }
                        }
                    }
                    _ => {}
                },
            }
        }
    }

    /// The variables a pattern binds, in order (constructors and channels are constants).
    fn pattern_vars(&self, p: &ast::Pat, out: &mut Vec<ast::Name>) {
        use ast::PatKind::*;
        match &p.kind {
            Var(n) if !self.is_constant(n.sym) && !out.iter().any(|m| m.sym == n.sym) => {
                out.push(*n)
            }
            Tuple(ps) | Seq(ps) | Set(ps) => ps.iter().for_each(|q| self.pattern_vars(q, out)),
            Dot(a, b) | Concat(a, b) | Also(a, b) => {
                self.pattern_vars(a, out);
                self.pattern_vars(b, out)
            }
            _ => {}
        }
    }

    fn is_constant(&self, s: Symbol) -> bool {
        matches!(
            self.p
                .global_names
                .get(&s)
                .map(|g| &self.p.globals[*g as usize]),
            Some(Global::Tag(_))
        ) || (!self.p.global_names.contains_key(&s)
            && matches!(
                Builtin::lookup(self.name(s)),
                Some(Builtin::True | Builtin::False)
            ))
    }

    // ---- pass 2: lower bodies ----

    fn lower_all(&mut self, decls: &[&ast::Decl]) {
        for it in items(decls) {
            match it {
                Item::Clauses(name, cs) => {
                    let Some(&gid) = self.p.global_names.get(&name.sym) else {
                        continue;
                    };
                    match self.p.globals[gid as usize].clone() {
                        Global::Fn(f) => self.lower_fn(f, &cs, None),
                        Global::Value { name: n, span, .. } => {
                            if cs.len() > 1 {
                                self.error(
                                    cs[1].span,
                                    format!("`{}` is defined more than once", self.name(n)),
                                );
                            }
                            if let DeclKind::Clause { body, .. } = &cs[0].kind {
                                let code = self.code(|l| l.expr(body));
                                self.p.globals[gid as usize] = Global::Value {
                                    name: n,
                                    code,
                                    span,
                                    returns_proc: false,
                                };
                            }
                        }
                        _ => {}
                    }
                }
                Item::Other(d) => self.lower_decl(d),
            }
        }
    }

    fn lower_decl(&mut self, d: &ast::Decl) {
        match &d.kind {
            DeclKind::PatBind { pat, body } => {
                let Some(bind) = self.pat_bind_index(pat) else {
                    return;
                };
                let (p, nvars) = self.standalone_pat(pat);
                let code = self.code(|l| l.expr(body));
                self.p.pat_binds[bind] = PatBind {
                    pat: p,
                    code,
                    nvars,
                    span: d.span,
                };
            }
            DeclKind::Channel { names, ty } => {
                let comps: Vec<Code> = match ty {
                    Some(t) => flatten_dot(t)
                        .into_iter()
                        .map(|c| self.code(|l| l.expr(c)))
                        .collect(),
                    None => Vec::new(),
                };
                for n in names {
                    if let Some(Global::Tag(t)) = self
                        .p
                        .global_names
                        .get(&n.sym)
                        .map(|g| self.p.globals[*g as usize].clone())
                    {
                        self.p.tags[t as usize].fields = comps.clone();
                    }
                }
            }
            DeclKind::Datatype { ctors, .. } => {
                for c in ctors {
                    let comps: Vec<Code> = match &c.fields {
                        Some(t) => flatten_dot(t)
                            .into_iter()
                            .map(|e| self.code(|l| l.expr(e)))
                            .collect(),
                        None => Vec::new(),
                    };
                    if let Some(Global::Tag(t)) = self
                        .p
                        .global_names
                        .get(&c.name.sym)
                        .map(|g| self.p.globals[*g as usize].clone())
                    {
                        self.p.tags[t as usize].fields = comps;
                    }
                }
            }
            DeclKind::Subtype { name, ctors } => {
                let mut clauses = Vec::new();
                for c in ctors {
                    let ctor = match self.p.global_names.get(&c.name.sym) {
                        Some(&g) if matches!(self.p.globals[g as usize], Global::Tag(_)) => {
                            VarRef::Global(g)
                        }
                        _ => {
                            self.error(
                                c.name.span,
                                format!(
                                    "`{}` is not a constructor of a datatype",
                                    self.name(c.name.sym)
                                ),
                            );
                            continue;
                        }
                    };
                    let fields = match &c.fields {
                        Some(t) => flatten_dot(t)
                            .into_iter()
                            .map(|e| self.code(|l| l.expr(e)))
                            .collect(),
                        None => Vec::new(),
                    };
                    clauses.push(TypeClause {
                        ctor,
                        fields,
                        span: c.span,
                    });
                }
                if let Some(&g) = self.p.global_names.get(&name.sym) {
                    self.p.globals[g as usize] = Global::Subtype {
                        clauses,
                        span: name.span,
                    };
                }
            }
            DeclKind::Nametype { name, ty } => {
                let components = flatten_dot(ty)
                    .into_iter()
                    .map(|e| self.code(|l| l.expr(e)))
                    .collect();
                if let Some(&g) = self.p.global_names.get(&name.sym) {
                    self.p.globals[g as usize] = Global::Nametype {
                        components,
                        span: name.span,
                    };
                }
            }
            DeclKind::Assert(a) => {
                let before = self.diags.len();
                let decl = self.assertion(a, d);
                let error = self.diags[before..]
                    .iter()
                    .find(|d| d.severity == Severity::Error)
                    .cloned();
                self.p.asserts.push(AssertDecl { error, ..decl });
            }
            DeclKind::Transparent(names) | DeclKind::External(names) => {
                for n in names {
                    if Builtin::lookup(self.name(n.sym)).is_none() {
                        self.error(
                            n.span,
                            format!("`{}` is not a function FDR provides", self.name(n.sym)),
                        );
                    }
                }
            }
            DeclKind::Print(e) => {
                let _ = self.code(|l| l.expr(e));
            }
            DeclKind::Include { .. }
            | DeclKind::TypeAnnotation { .. }
            | DeclKind::ModuleDef { .. }
            | DeclKind::Instance { .. }
            | DeclKind::Timed { .. }
            | DeclKind::Clause { .. } => {}
        }
    }

    fn pat_bind_index(&self, pat: &ast::Pat) -> Option<usize> {
        let mut vars = Vec::new();
        self.pattern_vars(pat, &mut vars);
        match vars.first() {
            Some(n) => match self.p.global_names.get(&n.sym) {
                Some(&g) => match self.p.globals[g as usize] {
                    Global::PatVar { bind, .. } => Some(bind as usize),
                    _ => None,
                },
                None => None,
            },
            // A pattern binding without variables binds nothing: check it lazily never.
            None => None,
        }
    }

    fn assertion(&mut self, a: &ast::Assertion, d: &ast::Decl) -> AssertDecl {
        let span = d.span;
        use ast::AssertKind as K;
        let kind = match &a.kind {
            K::Refinement { spec, model, imp } => AssertKind::Refinement {
                spec: self.code(|l| l.expr(spec)),
                model: *model,
                imp: self.code(|l| l.expr(imp)),
            },
            K::DeadlockFree { proc, model } => AssertKind::DeadlockFree {
                proc: self.code(|l| l.expr(proc)),
                model: *model,
            },
            K::DivergenceFree { proc, .. } => AssertKind::DivergenceFree {
                proc: self.code(|l| l.expr(proc)),
            },
            K::Deterministic { proc, model } => AssertKind::Deterministic {
                proc: self.code(|l| l.expr(proc)),
                model: *model,
            },
            K::HasTrace { proc, model, trace } => AssertKind::HasTrace {
                proc: self.code(|l| l.expr(proc)),
                model: *model,
                trace: self.code(|l| l.expr(trace)),
            },
            K::Bool(e) => AssertKind::Bool(self.code(|l| l.expr(e))),
        };
        let mut tau_priority = None;
        let mut partial_order_reduce = false;
        for o in &a.options {
            match o {
                ast::AssertOption::TauPriority { events, .. } => {
                    tau_priority = Some(self.code(|l| l.expr(events)))
                }
                ast::AssertOption::PartialOrderReduce { .. } => partial_order_reduce = true,
            }
        }
        let printed = crate::cspm::pretty::decl(d, self.interner);
        let text = printed
            .trim()
            .strip_prefix("assert")
            .unwrap_or(printed.trim())
            .trim();
        // `negated` carries the `not`.
        let text = match text.strip_prefix("not ") {
            Some(t) if a.negated => t.trim(),
            _ => text,
        }
        .to_string();
        AssertDecl {
            negated: a.negated,
            kind,
            tau_priority,
            partial_order_reduce,
            span,
            text,
            error: None,
        }
    }

    // ---- code contexts ----

    /// Lowers `f` as code with its own frame (top-level kind).
    fn code(&mut self, f: impl FnOnce(&mut Self) -> ExprId) -> Code {
        self.ctxs.push(Ctx {
            kind: CtxKind::Top,
            scopes: vec![Vec::new()],
            nslots: 0,
        });
        let expr = f(self);
        let ctx = self.ctxs.pop();
        Code {
            expr,
            nslots: ctx.map(|c| c.nslots).unwrap_or(0),
        }
    }

    fn with_ctx<T>(&mut self, kind: CtxKind, f: impl FnOnce(&mut Self) -> T) -> (T, Ctx) {
        self.ctxs.push(Ctx {
            kind,
            scopes: vec![Vec::new()],
            nslots: 0,
        });
        let t = f(self);
        let ctx = self.ctxs.pop().unwrap_or(Ctx {
            kind: CtxKind::Top,
            scopes: Vec::new(),
            nslots: 0,
        });
        (t, ctx)
    }

    fn alloc_slot(&mut self) -> u16 {
        let ctx = self.ctxs.last_mut().expect("inside a code context");
        let s = ctx.nslots;
        ctx.nslots += 1;
        s
    }

    fn push_scope(&mut self, names: Vec<(Symbol, VarRef)>) {
        if let Some(c) = self.ctxs.last_mut() {
            c.scopes.push(names)
        }
    }
    fn pop_scope(&mut self) {
        if let Some(c) = self.ctxs.last_mut() {
            c.scopes.pop();
        }
    }

    /// Resolves a name among the locals of context `level` and its enclosing contexts,
    /// registering captures on the way.
    fn resolve_local(&mut self, level: usize, s: Symbol) -> Option<VarRef> {
        let ctx = self.ctxs.get(level)?;
        for scope in ctx.scopes.iter().rev() {
            if let Some((_, v)) = scope.iter().rev().find(|(n, _)| *n == s) {
                return Some(*v);
            }
        }
        match &ctx.kind {
            CtxKind::Top => None,
            CtxKind::Lambda { .. } => {
                let outer = self.resolve_local(level.checked_sub(1)?, s)?;
                let CtxKind::Lambda { caps, capmap } = &mut self.ctxs[level].kind else {
                    return None;
                };
                let i = *capmap.entry(outer).or_insert_with(|| {
                    caps.push(outer);
                    caps.len() as u16 - 1
                });
                Some(VarRef::Cap(i))
            }
            CtxKind::Member { group } => {
                let group = *group;
                if let Some(&(member, sub)) = self.groups[group].names.get(&s) {
                    let group = self.groups[group].id;
                    return Some(VarRef::Sibling { group, member, sub });
                }
                let outer = self.resolve_local(level.checked_sub(1)?, s)?;
                let g = &mut self.groups[group];
                let i = *g.capmap.entry(outer).or_insert_with(|| {
                    g.caps.push(outer);
                    g.caps.len() as u16 - 1
                });
                Some(VarRef::GroupCap(i))
            }
        }
    }

    fn lookup(&mut self, n: ast::Name) -> Result<VarRef, String> {
        if let Some(top) = self.ctxs.len().checked_sub(1)
            && let Some(v) = self.resolve_local(top, n.sym)
        {
            return Ok(v);
        }
        if let Some(&g) = self.p.global_names.get(&n.sym) {
            return Ok(VarRef::Global(g));
        }
        let text = self.name(n.sym);
        if let Some(b) = Builtin::lookup(text) {
            return Ok(VarRef::Builtin(b));
        }
        if let Some((m, _)) = text.split_once("::")
            && self.modules.contains(m)
        {
            return Err("unsupported: modules".into());
        }
        Err(format!("unknown name `{text}`"))
    }

    // ---- definitions ----

    fn lower_fn(&mut self, f: FnId, cs: &[&ast::Decl], group: Option<usize>) {
        let mut clauses = Vec::new();
        let mut arity: Option<Vec<usize>> = None;
        for d in cs {
            let DeclKind::Clause { name, params, body } = &d.kind else {
                continue;
            };
            let this: Vec<usize> = params.iter().map(|g| g.len()).collect();
            match &arity {
                None => arity = Some(this.clone()),
                Some(a) if *a != this => {
                    self.error(
                        d.span,
                        format!(
                            "the clauses of `{}` take different numbers of arguments",
                            self.name(name.sym)
                        ),
                    );
                    continue;
                }
                _ => {}
            }
            let kind = match group {
                Some(g) => CtxKind::Member { group: g },
                None => CtxKind::Top,
            };
            let ((ps, body), ctx) = self.with_ctx(kind, |l| {
                let mut binds = Vec::new();
                let ps: Vec<Vec<PatId>> = params
                    .iter()
                    .map(|g| g.iter().map(|p| l.pat(p, &mut binds)).collect())
                    .collect();
                l.push_scope(binds);
                let body = l.expr(body);
                l.pop_scope();
                (ps, body)
            });
            clauses.push(Clause {
                params: ps,
                code: Code {
                    expr: body,
                    nslots: ctx.nslots,
                },
                span: d.span,
            });
        }
        let def = &mut self.p.fns[f as usize];
        def.arity = arity.unwrap_or_default();
        def.clauses = clauses;
    }

    // ---- patterns ----

    /// Lowers a pattern in the current context, allocating slots for its variables.
    fn pat(&mut self, p: &ast::Pat, binds: &mut Vec<(Symbol, VarRef)>) -> PatId {
        use ast::PatKind as P;
        let kind = match &p.kind {
            P::Wildcard => PatKind::Wild,
            P::Var(n) => {
                if self.is_constant(n.sym) {
                    match self.p.global_names.get(&n.sym) {
                        Some(&g) => PatKind::Const(VarRef::Global(g)),
                        None => PatKind::Lit(Value::Bool(self.name(n.sym) == "true")),
                    }
                } else if let Some((_, VarRef::Local(s))) = binds.iter().find(|(m, _)| *m == n.sym)
                {
                    self.error(
                        n.span,
                        format!("`{}` is bound twice in this pattern", self.name(n.sym)),
                    );
                    PatKind::Bind(*s)
                } else {
                    let s = self.alloc_slot();
                    binds.push((n.sym, VarRef::Local(s)));
                    PatKind::Bind(s)
                }
            }
            P::Int(i) => match i32::try_from(*i) {
                Ok(i) => PatKind::Lit(Value::Int(i)),
                Err(_) => {
                    self.error(p.span, "integer literal out of range (32-bit)");
                    PatKind::Wild
                }
            },
            P::Bool(b) => PatKind::Lit(Value::Bool(*b)),
            P::Char(c) => PatKind::Lit(Value::Char(*c)),
            P::String(s) => PatKind::Lit(Value::Seq(super::seq::Seq::from_vec(
                s.chars().map(Value::Char).collect(),
            ))),
            P::Tuple(ps) => PatKind::Tuple(ps.iter().map(|q| self.pat(q, binds)).collect()),
            P::Seq(ps) => PatKind::Seq(ps.iter().map(|q| self.pat(q, binds)).collect()),
            P::Set(ps) => {
                if ps.len() > 1 {
                    self.error(p.span, "a set pattern has at most one element");
                }
                PatKind::Set(ps.iter().map(|q| self.pat(q, binds)).collect())
            }
            P::Dot(..) => {
                let mut parts = Vec::new();
                flatten_pat_dot(p, &mut parts);
                PatKind::Dot(parts.into_iter().map(|q| self.pat(q, binds)).collect())
            }
            P::Concat(..) => {
                let mut parts = Vec::new();
                flatten_pat_concat(p, &mut parts);
                let ids: Vec<PatId> = parts.into_iter().map(|q| self.pat(q, binds)).collect();
                let non_seq = ids
                    .iter()
                    .filter(|&&q| {
                        !matches!(
                            self.p.pats[q as usize].kind,
                            PatKind::Seq(_) | PatKind::Lit(Value::Seq(_))
                        )
                    })
                    .count();
                if non_seq > 1 {
                    self.error(
                        p.span,
                        "in a `^` pattern at most one part may be other than a sequence literal",
                    );
                }
                PatKind::Concat(ids)
            }
            P::Also(a, b) => {
                let a = self.pat(a, binds);
                let b = self.pat(b, binds);
                PatKind::Also(a, b)
            }
        };
        self.p.pats.push(Pat { kind, span: p.span });
        self.p.pats.len() as PatId - 1
    }

    /// A pattern lowered into a frame of its own (for pattern bindings): its variables take
    /// slots `0..nvars` in the order [`Lower::pattern_vars`] lists them.
    fn standalone_pat(&mut self, p: &ast::Pat) -> (PatId, u16) {
        let (id, ctx) = self.with_ctx(CtxKind::Top, |l| {
            let mut binds = Vec::new();
            l.pat(p, &mut binds)
        });
        (id, ctx.nslots)
    }

    // ---- expressions ----

    fn push(&mut self, kind: ExprKind, span: Span) -> ExprId {
        self.p.exprs.push(Expr { kind, span });
        self.p.exprs.len() as ExprId - 1
    }

    fn exprs(&mut self, es: &[ast::Expr]) -> Vec<ExprId> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn opt(&mut self, e: &Option<Box<ast::Expr>>) -> Option<ExprId> {
        e.as_ref().map(|e| self.expr(e))
    }

    /// Lowers statements, pushing one scope per generator; the caller pops `n` scopes.
    fn stmts(&mut self, ss: &[ast::Stmt]) -> (Vec<Stmt>, usize) {
        let mut out = Vec::new();
        let mut scopes = 0;
        for s in ss {
            match s {
                ast::Stmt::Gen { pat, source } => {
                    let source = self.expr(source);
                    let mut binds = Vec::new();
                    let pat = self.pat(pat, &mut binds);
                    self.push_scope(binds);
                    scopes += 1;
                    out.push(Stmt::Gen { pat, source });
                }
                ast::Stmt::Pred(e) => out.push(Stmt::Pred(self.expr(e))),
            }
        }
        (out, scopes)
    }

    fn pop_scopes(&mut self, n: usize) {
        for _ in 0..n {
            self.pop_scope()
        }
    }

    /// `stmts` then `f` inside their scope.
    fn scoped<T>(&mut self, ss: &[ast::Stmt], f: impl FnOnce(&mut Self) -> T) -> (Vec<Stmt>, T) {
        let (stmts, n) = self.stmts(ss);
        let t = f(self);
        self.pop_scopes(n);
        (stmts, t)
    }

    fn pairs(&mut self, p: &ast::Pairs) -> Pairs {
        let (stmts, pairs) = self.scoped(&p.stmts, |l| {
            p.pairs
                .iter()
                .map(|(a, b)| (l.expr(a), l.expr(b)))
                .collect()
        });
        Pairs { pairs, stmts }
    }

    fn expr(&mut self, e: &ast::Expr) -> ExprId {
        // A long operator chain is a tree as deep as the chain: grow the stack as we go.
        ast::grow(|| self.expr_level(e))
    }

    fn expr_level(&mut self, e: &ast::Expr) -> ExprId {
        use ast::ExprKind as E;
        let span = e.span;
        let kind = match &e.kind {
            E::Int(i) => match i32::try_from(*i) {
                Ok(i) => ExprKind::Lit(Value::Int(i)),
                Err(_) => {
                    self.error(
                        span,
                        "integer literal out of range (FDR's integers are 32-bit)",
                    );
                    ExprKind::Error("integer literal out of range".into())
                }
            },
            E::Bool(b) => ExprKind::Lit(Value::Bool(*b)),
            E::Char(c) => ExprKind::Lit(Value::Char(*c)),
            E::String(s) => ExprKind::Str(std::sync::Arc::new(super::program::StrLit::new(s))),
            E::Var(n) => match self.lookup(*n) {
                Ok(v) => ExprKind::Var(v),
                Err(msg) => {
                    // A module's qualified names: the module declaration reported it.
                    if !msg.starts_with("unsupported") {
                        self.diags
                            .push(Diagnostic::error(n.span, msg.clone()).with_label("not defined"));
                    }
                    ExprKind::Error(msg)
                }
            },
            E::Tuple(es) => ExprKind::Tuple(self.exprs(es)),
            E::Dot(a, b) => {
                let a = self.expr(a);
                let b = self.expr(b);
                ExprKind::Dot(a, b)
            }
            E::Apply(f, args) => {
                let f = self.expr(f);
                ExprKind::Apply(f, self.exprs(args))
            }
            E::Unary(op, a) => ExprKind::Unary(*op, self.expr(a)),
            E::Binary(op, a, b) => {
                let a = self.expr(a);
                let b = self.expr(b);
                ExprKind::Binary(*op, a, b)
            }
            E::If(c, a, b) => {
                let c = self.expr(c);
                let a = self.expr(a);
                let b = self.expr(b);
                ExprKind::If(c, a, b)
            }
            E::Let(decls, body) => return self.let_expr(decls, body, span),
            E::Lambda(params, body) => {
                let ((ps, body), ctx) = self.with_ctx(
                    CtxKind::Lambda {
                        caps: Vec::new(),
                        capmap: FxHashMap::default(),
                    },
                    |l| {
                        let mut binds = Vec::new();
                        let ps: Vec<PatId> = params.iter().map(|p| l.pat(p, &mut binds)).collect();
                        l.push_scope(binds);
                        let body = l.expr(body);
                        l.pop_scope();
                        (ps, body)
                    },
                );
                let caps = match ctx.kind {
                    CtxKind::Lambda { caps, .. } => caps,
                    _ => Vec::new(),
                };
                let f = self.p.fns.len() as FnId;
                self.p.fns.push(FnDef {
                    name: None,
                    span,
                    arity: vec![ps.len()],
                    clauses: vec![Clause {
                        params: vec![ps],
                        code: Code {
                            expr: body,
                            nslots: ctx.nslots,
                        },
                        span,
                    }],
                    caps,
                    returns_proc: false,
                });
                ExprKind::Lambda(f)
            }
            E::Set(es) => ExprKind::Set(self.exprs(es)),
            E::SetRange(a, b) => {
                let a = self.expr(a);
                ExprKind::SetRange(a, self.opt(b))
            }
            E::SetComp(es, ss) => {
                let (stmts, items) = self.scoped(ss, |l| l.exprs(es));
                ExprKind::SetComp(items, stmts)
            }
            E::SetRangeComp(a, b, ss) => {
                let (stmts, (a, b)) = self.scoped(ss, |l| (l.expr(a), l.opt(b)));
                ExprKind::SetRangeComp(a, b, stmts)
            }
            E::Seq(es) => ExprKind::Seq(self.exprs(es)),
            E::SeqRange(a, b) => {
                let a = self.expr(a);
                ExprKind::SeqRange(a, self.opt(b))
            }
            E::SeqComp(es, ss) => {
                let (stmts, items) = self.scoped(ss, |l| l.exprs(es));
                ExprKind::SeqComp(items, stmts)
            }
            E::SeqRangeComp(a, b, ss) => {
                let (stmts, (a, b)) = self.scoped(ss, |l| (l.expr(a), l.opt(b)));
                ExprKind::SeqRangeComp(a, b, stmts)
            }
            E::Enum(es) => ExprKind::Enum(self.exprs(es)),
            E::EnumComp(es, ss) => {
                let (stmts, items) = self.scoped(ss, |l| l.exprs(es));
                ExprKind::EnumComp(items, stmts)
            }
            E::Map(kvs) => ExprKind::Map(
                kvs.iter()
                    .map(|(k, v)| (self.expr(k), self.expr(v)))
                    .collect(),
            ),
            E::Prefix { chan, fields, body } => {
                let chan = self.expr(chan);
                let mut out = Vec::new();
                let mut scopes = 0;
                for f in fields {
                    match f {
                        ast::Field::Input { pat, set } | ast::Field::NondetInput { pat, set } => {
                            let set = set.as_ref().map(|s| self.expr(s));
                            let mut binds = Vec::new();
                            let p = self.pat(pat, &mut binds);
                            self.push_scope(binds);
                            scopes += 1;
                            out.push(if matches!(f, ast::Field::Input { .. }) {
                                Field::Input { pat: p, set }
                            } else {
                                Field::NondetInput { pat: p, set }
                            });
                        }
                        ast::Field::Output(e) => out.push(Field::Output(self.expr(e))),
                        ast::Field::Dot(e) => out.push(Field::Dot(self.expr(e))),
                    }
                }
                let body = self.expr(body);
                self.pop_scopes(scopes);
                ExprKind::Prefix {
                    chan,
                    fields: out,
                    body,
                }
            }
            E::GenParallel(p, a, q) => {
                let p = self.expr(p);
                let a = self.expr(a);
                let q = self.expr(q);
                ExprKind::GenParallel(p, a, q)
            }
            E::AlphaParallel(p, a, b, q) => {
                let p = self.expr(p);
                let a = self.expr(a);
                let b = self.expr(b);
                let q = self.expr(q);
                ExprKind::AlphaParallel(p, a, b, q)
            }
            E::Exception(p, a, q) => {
                let p = self.expr(p);
                let a = self.expr(a);
                let q = self.expr(q);
                ExprKind::Exception(p, a, q)
            }
            E::Linked(p, pairs, q) => {
                let p = self.expr(p);
                let pairs = self.pairs(pairs);
                let q = self.expr(q);
                ExprKind::Linked(p, pairs, q)
            }
            E::Rename(p, pairs) => {
                let p = self.expr(p);
                ExprKind::Rename(p, self.pairs(pairs))
            }
            E::SyncExtChoice(p, a, q) | E::SyncInterrupt(p, a, q) => {
                // Resolved for the scope check; the process contract has no node for them.
                self.expr(p);
                self.expr(a);
                self.expr(q);
                let what = if matches!(e.kind, E::SyncExtChoice(..)) {
                    "synchronising external choice `[+ A +]`"
                } else {
                    "synchronising interrupt `/+ A +\\`"
                };
                ExprKind::Error(format!("unsupported: {what}"))
            }
            E::Replicated(ast::ReplOp::SyncExtChoice(a), ss, body) => {
                self.expr(a);
                let _ = self.scoped(ss, |l| l.expr(body));
                ExprKind::Error("unsupported: replicated synchronising external choice".into())
            }
            E::Replicated(op, ss, body) => {
                // A generalised parallel's set is outside the generators' scope; the other
                // operands are inside.
                let pre = match op {
                    ast::ReplOp::GenParallel(a) => Some(self.expr(a)),
                    _ => None,
                };
                let (stmts, (op, body)) = self.scoped(ss, |l| {
                    let op = match op {
                        ast::ReplOp::ExtChoice => ReplOp::ExtChoice,
                        ast::ReplOp::IntChoice => ReplOp::IntChoice,
                        ast::ReplOp::Interleave => ReplOp::Interleave,
                        ast::ReplOp::SeqComp => ReplOp::SeqComp,
                        ast::ReplOp::Interrupt => ReplOp::Interrupt,
                        ast::ReplOp::GenParallel(_) => ReplOp::GenParallel(pre.unwrap_or(0)),
                        ast::ReplOp::AlphaParallel(a) => ReplOp::AlphaParallel(l.expr(a)),
                        ast::ReplOp::Linked(p) => ReplOp::Linked(l.pairs(p)),
                        ast::ReplOp::SyncExtChoice(_) => ReplOp::ExtChoice,
                    };
                    (op, l.expr(body))
                });
                ExprKind::Replicated(op, stmts, body)
            }
        };
        self.push(kind, span)
    }

    fn let_expr(&mut self, decls: &[ast::Decl], body: &ast::Expr, span: Span) -> ExprId {
        let refs: Vec<&ast::Decl> = decls.iter().collect();
        let its = items(&refs);
        // Member names first, so that members see each other.
        let mut names: FxHashMap<Symbol, (u16, u16)> = FxHashMap::default();
        let mut seen: FxHashMap<Symbol, Span> = FxHashMap::default();
        let mut plan = Vec::new();
        for it in &its {
            let idx = plan.len() as u16;
            match it {
                Item::Clauses(n, cs) => {
                    if seen.insert(n.sym, n.span).is_some() {
                        self.error(
                            n.span,
                            format!(
                                "`{}` is defined more than once in this `let`; the clauses of \
                                 a function must be consecutive",
                                self.name(n.sym)
                            ),
                        );
                    }
                    names.insert(n.sym, (idx, 0));
                    plan.push(Some(it));
                    let _ = cs;
                }
                Item::Other(d) => match &d.kind {
                    DeclKind::PatBind { pat, .. } => {
                        let mut vars = Vec::new();
                        self.pattern_vars(pat, &mut vars);
                        for (i, v) in vars.iter().enumerate() {
                            names.insert(v.sym, (idx, i as u16));
                        }
                        plan.push(Some(it));
                    }
                    DeclKind::Transparent(_)
                    | DeclKind::External(_)
                    | DeclKind::TypeAnnotation { .. } => {
                        self.lower_decl(d);
                    }
                    DeclKind::Timed { .. } => self.unsupported(d.span, "Timed sections"),
                    DeclKind::ModuleDef { .. } | DeclKind::Instance { .. } => {
                        self.unsupported(d.span, "modules")
                    }
                    _ => self.error(
                        d.span,
                        "only definitions may appear in a `let` (channels, datatypes and \
                         assertions are top-level declarations)",
                    ),
                },
            }
        }
        let plan: Vec<&Item> = plan.into_iter().flatten().collect();
        // Reserve the group's id so members can name it.
        let group = self.p.groups.len() as GroupId;
        self.p.groups.push(Group {
            members: Vec::new(),
            caps: Vec::new(),
        });
        self.groups.push(GroupBuild {
            id: group,
            names: names.clone(),
            caps: Vec::new(),
            capmap: FxHashMap::default(),
        });
        let gi = self.groups.len() - 1;
        let mut members = Vec::new();
        for it in plan {
            match it {
                Item::Clauses(n, cs) => {
                    let is_fn = matches!(&cs[0].kind, DeclKind::Clause { params, .. } if !params.is_empty());
                    if is_fn {
                        let f = self.p.fns.len() as FnId;
                        self.p.fns.push(FnDef {
                            name: Some(n.sym),
                            span: n.span,
                            arity: Vec::new(),
                            clauses: Vec::new(),
                            caps: Vec::new(),
                            returns_proc: false,
                        });
                        self.lower_fn(f, cs, Some(gi));
                        members.push(Member::Fn(f));
                    } else {
                        if cs.len() > 1 {
                            self.error(
                                cs[1].span,
                                format!("`{}` is defined more than once", self.name(n.sym)),
                            );
                        }
                        let DeclKind::Clause { body, .. } = &cs[0].kind else {
                            continue;
                        };
                        let (expr, ctx) =
                            self.with_ctx(CtxKind::Member { group: gi }, |l| l.expr(body));
                        members.push(Member::Value {
                            name: n.sym,
                            code: Code {
                                expr,
                                nslots: ctx.nslots,
                            },
                            span: n.span,
                            returns_proc: false,
                        });
                    }
                }
                Item::Other(d) => {
                    if let DeclKind::PatBind { pat, body } = &d.kind {
                        let (p, nvars) = self.standalone_pat(pat);
                        let (expr, ctx) =
                            self.with_ctx(CtxKind::Member { group: gi }, |l| l.expr(body));
                        members.push(Member::Pat {
                            pat: p,
                            code: Code {
                                expr,
                                nslots: ctx.nslots,
                            },
                            nvars,
                            span: d.span,
                        });
                    }
                }
            }
        }
        let caps = self.groups.pop().map(|b| b.caps).unwrap_or_default();
        self.p.groups[group as usize] = Group { members, caps };
        let slot = self.alloc_slot();
        let scope: Vec<(Symbol, VarRef)> = names
            .into_iter()
            .map(|(s, (member, sub))| {
                (
                    s,
                    VarRef::Member {
                        group,
                        slot,
                        member,
                        sub,
                    },
                )
            })
            .collect();
        self.push_scope(scope);
        let body = self.expr(body);
        self.pop_scope();
        self.push(ExprKind::Let { group, slot, body }, span)
    }
}

fn flatten_pat_dot<'p>(p: &'p ast::Pat, out: &mut Vec<&'p ast::Pat>) {
    match &p.kind {
        ast::PatKind::Dot(a, b) => {
            flatten_pat_dot(a, out);
            flatten_pat_dot(b, out)
        }
        _ => out.push(p),
    }
}

fn flatten_pat_concat<'p>(p: &'p ast::Pat, out: &mut Vec<&'p ast::Pat>) {
    match &p.kind {
        ast::PatKind::Concat(a, b) => {
            flatten_pat_concat(a, out);
            flatten_pat_concat(b, out)
        }
        _ => out.push(p),
    }
}

/// Names declared by declarations (for the contents of unsupported sections).
fn declared_names(decls: &[ast::Decl], out: &mut Vec<ast::Name>) {
    for d in decls {
        match &d.kind {
            DeclKind::Clause { name, .. } if !out.iter().any(|n| n.sym == name.sym) => {
                out.push(*name)
            }
            DeclKind::PatBind { pat, .. } => pat_names(pat, out),
            DeclKind::Channel { names, .. } => out.extend(names.iter().copied()),
            DeclKind::Datatype { name, ctors } | DeclKind::Subtype { name, ctors } => {
                out.push(*name);
                out.extend(ctors.iter().map(|c| c.name));
            }
            DeclKind::Nametype { name, .. } => out.push(*name),
            DeclKind::Timed { decls, .. } => declared_names(decls, out),
            DeclKind::ModuleDef { name, .. } | DeclKind::Instance { name, .. } => out.push(*name),
            _ => {}
        }
    }
}

fn pat_names(p: &ast::Pat, out: &mut Vec<ast::Name>) {
    use ast::PatKind::*;
    match &p.kind {
        Var(n) => out.push(*n),
        Tuple(ps) | Seq(ps) | Set(ps) => ps.iter().for_each(|q| pat_names(q, out)),
        Dot(a, b) | Concat(a, b) | Also(a, b) => {
            pat_names(a, out);
            pat_names(b, out)
        }
        _ => {}
    }
}

// ---- which definitions yield processes ----

/// Marks the functions and constants whose value is a process (a fixpoint: a definition is
/// a process when its body is a process operator or a use of another process definition).
pub fn analyse_procs(p: &mut Program) {
    loop {
        let mut changed = false;
        for f in 0..p.fns.len() {
            if p.fns[f].returns_proc {
                continue;
            }
            let yes = p.fns[f].clauses.iter().any(|c| is_proc(p, c.code.expr));
            if yes {
                p.fns[f].returns_proc = true;
                changed = true;
            }
        }
        for g in 0..p.globals.len() {
            if let Global::Value {
                code,
                returns_proc: false,
                ..
            } = p.globals[g]
                && is_proc(p, code.expr)
            {
                if let Global::Value { returns_proc, .. } = &mut p.globals[g] {
                    *returns_proc = true;
                }
                changed = true;
            }
        }
        for gi in 0..p.groups.len() {
            for mi in 0..p.groups[gi].members.len() {
                if let Member::Value {
                    code,
                    returns_proc: false,
                    ..
                } = p.groups[gi].members[mi]
                    && is_proc(p, code.expr)
                {
                    if let Member::Value { returns_proc, .. } = &mut p.groups[gi].members[mi] {
                        *returns_proc = true;
                    }
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

/// Whether `e` certainly evaluates to a process.
fn is_proc(p: &Program, e: ExprId) -> bool {
    use ExprKind as K;
    match &p.expr(e).kind {
        K::Prefix { .. }
        | K::GenParallel(..)
        | K::AlphaParallel(..)
        | K::Exception(..)
        | K::Linked(..)
        | K::Rename(..)
        | K::Replicated(..) => true,
        K::Binary(op, _, _) => matches!(
            op,
            ast::BinOp::ExtChoice
                | ast::BinOp::IntChoice
                | ast::BinOp::Interrupt
                | ast::BinOp::Sliding
                | ast::BinOp::SeqComp
                | ast::BinOp::Interleave
                | ast::BinOp::Hide
                | ast::BinOp::Project
                | ast::BinOp::Guard
        ),
        K::If(_, a, b) => is_proc(p, *a) || is_proc(p, *b),
        K::Let { body, .. } => is_proc(p, *body),
        K::Var(_) | K::Apply(..) => {
            // Count the application layers down to the head.
            let mut head = e;
            let mut layers = 0usize;
            while let K::Apply(f, _) = &p.expr(head).kind {
                head = *f;
                layers += 1;
            }
            match &p.expr(head).kind {
                K::Var(v) => var_is_proc(p, *v, layers),
                K::Lambda(f) => layers == 1 && p.func(*f).returns_proc,
                _ if layers == 0 => false,
                _ => false,
            }
        }
        _ => false,
    }
}

fn var_is_proc(p: &Program, v: VarRef, layers: usize) -> bool {
    let member = |g: GroupId, m: u16| -> bool {
        match p
            .groups
            .get(g as usize)
            .and_then(|g| g.members.get(m as usize))
        {
            Some(Member::Fn(f)) => {
                let d = p.func(*f);
                layers == d.arity.len() && d.returns_proc
            }
            Some(Member::Value { returns_proc, .. }) => layers == 0 && *returns_proc,
            _ => false,
        }
    };
    match v {
        VarRef::Global(g) => match &p.globals[g as usize] {
            Global::Value { returns_proc, .. } => layers == 0 && *returns_proc,
            Global::Fn(f) => {
                let d = p.func(*f);
                layers == d.arity.len() && d.returns_proc
            }
            _ => false,
        },
        VarRef::Builtin(b) => {
            b.returns_proc()
                && match b.arity() {
                    None => layers == 0,
                    Some(a) => layers == a.len().max(1),
                }
        }
        VarRef::Sibling {
            group, member: m, ..
        }
        | VarRef::Member {
            group, member: m, ..
        } => member(group, m),
        _ => false,
    }
}
