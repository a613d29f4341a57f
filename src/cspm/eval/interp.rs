//! The evaluator of the functional language: expressions to values, with processes built into
//! the arena as they are met.

use super::arena::{Arena, CallTarget};
use super::env::{Frame, GroupInst};
use super::program::*;
use super::seq::Seq;
use super::set::{InfSet, Universe, ValueSet};
use super::value::{Callee, Data, Func, TagId, TypeId, Value};
use crate::cspm::ast::{BinOp, Interner, UnOp};
use crate::cspm::proc::{CallInfo, EventId, EventSetId, ProcId, ProcNode};
use crate::cspm::source::{Diagnostic, Span};
use std::cmp::Ordering;
use std::sync::Arc;

pub type R<T> = Result<T, Diagnostic>;

/// Nested calls allowed before evaluation gives up (a function that calls itself forever).
pub const MAX_DEPTH: u32 = 20_000;

pub fn err<T>(span: Span, msg: impl Into<String>) -> R<T> {
    Err(Diagnostic::error(span, msg))
}

/// One step of evaluation under the run's budget (`crate::budget`): evaluation is part of a
/// check and stops at its time and memory bounds. The caller sees the bound through
/// `budget::exceeded` and reports the check inconclusive.
#[inline]
pub fn within_budget(span: Span) -> R<()> {
    crate::budget::tick().or_else(|e| err(span, format!("evaluation {e}")))
}

/// Fails before an allocation of `n` values that would pass the memory bound.
pub fn reserve_values(n: usize, span: Span) -> R<()> {
    let bytes = (n as u64).saturating_mul(std::mem::size_of::<Value>() as u64);
    crate::budget::reserve(bytes).or_else(|e| err(span, format!("evaluation {e}")))
}

/// Memo of a top-level constant.
#[derive(Clone, Debug, Default)]
pub enum GCell {
    #[default]
    Todo,
    Busy,
    Done(Value),
}

/// The evaluated type of a channel or constructor: one set per field.
#[derive(Clone, Debug)]
pub struct TagRt {
    pub fields: Vec<ValueSet>,
}

/// Everything evaluation changes: memo tables and the process arena.
#[derive(Debug, Default)]
pub struct State {
    pub globals: Vec<GCell>,
    pub pat_binds: Vec<GCell>,
    pub tags: Vec<Option<Arc<TagRt>>>,
    pub tag_busy: Vec<bool>,
    pub type_sets: Vec<Option<ValueSet>>,
    pub type_busy: Vec<bool>,
    pub arena: Arena,
    pub events: Option<ValueSet>,
    pub depth: u32,
    /// Event sets already converted, by the address of their shared elements (the set is
    /// kept so the address stays valid).
    pub set_cache: rustc_hash::FxHashMap<usize, (ValueSet, EventSetId)>,
}

impl State {
    pub fn new(p: &Program) -> State {
        State {
            globals: vec![GCell::Todo; p.globals.len()],
            pat_binds: vec![GCell::Todo; p.pat_binds.len()],
            tags: vec![None; p.tags.len()],
            tag_busy: vec![false; p.tags.len()],
            type_sets: vec![None; p.types.len()],
            type_busy: vec![false; p.types.len()],
            ..State::default()
        }
    }

    /// Grows the memo tables after the program gained globals (an expression lowered late).
    pub fn grow(&mut self, p: &Program) {
        self.globals.resize(p.globals.len(), GCell::Todo);
        self.pat_binds.resize(p.pat_binds.len(), GCell::Todo);
    }
}

/// The evaluator: the program it runs and the state it changes.
pub struct Ctx<'a> {
    pub prog: &'a Program,
    pub st: &'a mut State,
    pub names: &'a Interner,
}

impl Universe for Ctx<'_> {
    fn tag_type(&self, tag: TagId) -> Option<TypeId> {
        match self.prog.tags.get(tag as usize).map(|t| t.kind) {
            Some(TagKind::Ctor(t)) => Some(t),
            _ => None,
        }
    }
}

/// How a value is used, for error messages.
fn expect_msg(what: &str, v: &Value) -> String {
    format!("expected {what}, found {}", v.kind())
}

impl<'a> Ctx<'a> {
    pub fn new(prog: &'a Program, st: &'a mut State, names: &'a Interner) -> Self {
        Ctx { prog, st, names }
    }

    pub fn sym(&self, s: crate::cspm::ast::Symbol) -> &'a str {
        self.names.resolve(s)
    }

    pub fn show(&self, v: &Value) -> String {
        super::display::show(self.prog, self.names, &self.st.arena, v)
    }

    // ---- running code ----

    /// Evaluates code in a fresh frame.
    pub fn run(&mut self, code: Code, group: Option<Arc<GroupInst>>) -> R<Value> {
        let mut f = Frame::new(code.nslots);
        f.group = group;
        self.eval(&mut f, code.expr)
    }

    fn enter(&mut self, span: Span) -> R<()> {
        self.st.depth += 1;
        if self.st.depth > MAX_DEPTH {
            self.st.depth -= 1;
            return err(
                span,
                format!(
                    "evaluation nested more than {MAX_DEPTH} calls deep: a function or value \
                     that needs itself forever?"
                ),
            );
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.st.depth = self.st.depth.saturating_sub(1);
    }

    pub fn eval(&mut self, f: &mut Frame, e: ExprId) -> R<Value> {
        within_budget(self.prog.expr(e).span)?;
        stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || self.eval_inner(f, e))
    }

    fn eval_inner(&mut self, f: &mut Frame, e: ExprId) -> R<Value> {
        let prog = self.prog;
        let ex = prog.expr(e);
        let span = ex.span;
        match &ex.kind {
            ExprKind::Lit(v) => Ok(v.clone()),
            ExprKind::Str(s) => Ok(s.value()),
            ExprKind::Var(v) => self.read_var(f, *v, span),
            ExprKind::Error(msg) => err(span, msg.clone()),
            ExprKind::Tuple(es) => {
                let vs = self.eval_all(f, es)?;
                Ok(Value::tuple(vs))
            }
            ExprKind::Dot(a, b) => {
                let a = self.eval(f, *a)?;
                let b = self.eval(f, *b)?;
                self.dot(a, b, span)
            }
            ExprKind::Apply(fun, args) => {
                let fv = self.eval(f, *fun)?;
                let args = self.eval_all(f, args)?;
                self.apply(fv, args, span)
            }
            ExprKind::Unary(op, a) => {
                let v = self.eval(f, *a)?;
                match op {
                    UnOp::Neg => match v {
                        Value::Int(i) => i
                            .checked_neg()
                            .map(Value::Int)
                            .ok_or_else(|| Diagnostic::error(span, "integer overflow")),
                        v => err(span, expect_msg("an integer", &v)),
                    },
                    UnOp::Not => Ok(Value::Bool(!self.as_bool(v, span)?)),
                    UnOp::Length => {
                        let s = self.as_seq(v, span)?;
                        let n = self.seq_len(&s, span)?;
                        Ok(Value::Int(self.int_of_len(n, span)?))
                    }
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(f, *op, *a, *b, span),
            ExprKind::If(c, a, b) => {
                let c = self.eval(f, *c)?;
                if self.as_bool(c, span)? {
                    self.eval(f, *a)
                } else {
                    self.eval(f, *b)
                }
            }
            ExprKind::Let { group, slot, body } => {
                let g = &prog.groups[*group as usize];
                let mut caps = Vec::with_capacity(g.caps.len());
                for c in &g.caps {
                    caps.push(self.read_var(f, *c, span)?);
                }
                let inst = Arc::new(GroupInst::new(*group, caps, g.members.len()));
                f.lets.push((*slot, inst));
                let r = self.eval(f, *body);
                f.lets.pop();
                r
            }
            ExprKind::Lambda(fid) => {
                let def = prog.func(*fid);
                let mut caps = Vec::with_capacity(def.caps.len());
                for c in &def.caps {
                    caps.push(self.read_var(f, *c, span)?);
                }
                Ok(Value::Func(Arc::new(Func {
                    callee: Callee::Lambda {
                        fun: *fid,
                        caps: caps.into(),
                    },
                    applied: Vec::new(),
                })))
            }
            ExprKind::Set(es) => Ok(Value::Set(ValueSet::from_vec(self.eval_all(f, es)?))),
            ExprKind::SetRange(a, b) => {
                let lo = self.eval_int(f, *a)?;
                let hi = match b {
                    Some(b) => Some(self.eval_int(f, *b)?),
                    None => None,
                };
                Ok(Value::Set(ValueSet::range(lo as i64, hi.map(|h| h as i64))))
            }
            ExprKind::SetComp(items, stmts) => {
                let mut out = Vec::new();
                self.comprehension(f, stmts, &mut |cx, f| {
                    for i in items {
                        out.push(cx.eval(f, *i)?);
                    }
                    Ok(())
                })?;
                Ok(Value::Set(ValueSet::from_vec(out)))
            }
            ExprKind::SetRangeComp(a, b, stmts) => {
                let mut acc = ValueSet::empty();
                self.comprehension(f, stmts, &mut |cx, f| {
                    let lo = cx.eval_int(f, *a)?;
                    let hi = match b {
                        Some(b) => Some(cx.eval_int(f, *b)? as i64),
                        None => None,
                    };
                    acc = acc.union(&ValueSet::range(lo as i64, hi));
                    Ok(())
                })?;
                Ok(Value::Set(acc))
            }
            ExprKind::Seq(es) => Ok(Value::Seq(Seq::from_vec(self.eval_all(f, es)?))),
            ExprKind::SeqRange(a, b) => {
                let lo = self.eval_int(f, *a)?;
                match b {
                    Some(b) => {
                        let hi = self.eval_int(f, *b)?;
                        Ok(Value::Seq(Seq::from_vec(self.int_range(lo, hi, span)?)))
                    }
                    None => Ok(Value::Seq(Seq::From(lo as i64))),
                }
            }
            ExprKind::SeqComp(items, stmts) => {
                if let Some(Stmt::Gen { source, .. }) = stmts.first() {
                    let src = self.eval(f, *source)?;
                    if let Value::Seq(s) = &src
                        && s.finite_items().is_none()
                    {
                        return self.lazy_comp(f, src, items, stmts, span);
                    }
                }
                let mut out = Vec::new();
                self.comprehension(f, stmts, &mut |cx, f| {
                    for i in items {
                        out.push(cx.eval(f, *i)?);
                    }
                    Ok(())
                })?;
                Ok(Value::Seq(Seq::from_vec(out)))
            }
            ExprKind::SeqRangeComp(a, b, stmts) => {
                let mut out = Vec::new();
                let mut infinite = None;
                self.comprehension(f, stmts, &mut |cx, f| {
                    let lo = cx.eval_int(f, *a)?;
                    match b {
                        Some(b) => {
                            let hi = cx.eval_int(f, *b)?;
                            out.extend(cx.int_range(lo, hi, span)?);
                        }
                        None => {
                            if infinite.is_none() {
                                infinite = Some(lo)
                            }
                        }
                    }
                    Ok(())
                })?;
                match infinite {
                    // The first infinite range is never left.
                    Some(lo) if out.is_empty() => Ok(Value::Seq(Seq::From(lo as i64))),
                    Some(_) => err(
                        span,
                        "a sequence comprehension that concatenates an infinite range after \
                         other elements is not supported",
                    ),
                    None => Ok(Value::Seq(Seq::from_vec(out))),
                }
            }
            ExprKind::Enum(es) => {
                let vs = self.eval_all(f, es)?;
                self.enum_set(vs, span)
            }
            ExprKind::EnumComp(items, stmts) => {
                let mut vs = Vec::new();
                self.comprehension(f, stmts, &mut |cx, f| {
                    for i in items {
                        vs.push(cx.eval(f, *i)?);
                    }
                    Ok(())
                })?;
                self.enum_set(vs, span)
            }
            ExprKind::Map(kvs) => {
                let mut m = std::collections::BTreeMap::new();
                for (k, v) in kvs {
                    let k = self.eval(f, *k)?;
                    let v = self.eval(f, *v)?;
                    m.insert(k, v);
                }
                Ok(Value::Map(Arc::new(m)))
            }
            ExprKind::Prefix { chan, fields, body } => self.prefix(f, *chan, fields, *body, span),
            ExprKind::GenParallel(p, a, q) => {
                let p = self.eval_proc(f, *p)?;
                let a = self.eval_event_set(f, *a)?;
                let q = self.eval_proc(f, *q)?;
                Ok(self.proc(ProcNode::GenParallel(a, vec![p, q])))
            }
            ExprKind::AlphaParallel(p, a, b, q) => {
                let p = self.eval_proc(f, *p)?;
                let a = self.eval_event_set(f, *a)?;
                let b = self.eval_event_set(f, *b)?;
                let q = self.eval_proc(f, *q)?;
                Ok(self.proc(ProcNode::AlphaParallel(vec![(a, p), (b, q)])))
            }
            ExprKind::Exception(p, a, q) => {
                let p = self.eval_proc(f, *p)?;
                let a = self.eval_event_set(f, *a)?;
                let q = self.eval_proc(f, *q)?;
                Ok(self.proc(ProcNode::Exception(p, a, q)))
            }
            ExprKind::Linked(p, pairs, q) => {
                let p = self.eval_proc(f, *p)?;
                let rel = self.relation(f, pairs, true, span)?;
                let q = self.eval_proc(f, *q)?;
                Ok(self.proc(ProcNode::Linked(p, rel, q)))
            }
            ExprKind::Rename(p, pairs) => {
                let p = self.eval_proc(f, *p)?;
                let rel = self.relation(f, pairs, false, span)?;
                Ok(self.proc(ProcNode::Rename(p, rel)))
            }
            ExprKind::Replicated(op, stmts, body) => self.replicated(f, op, stmts, *body, span),
        }
    }

    pub fn eval_all(&mut self, f: &mut Frame, es: &[ExprId]) -> R<Vec<Value>> {
        es.iter().map(|e| self.eval(f, *e)).collect()
    }

    pub fn eval_int(&mut self, f: &mut Frame, e: ExprId) -> R<i32> {
        let v = self.eval(f, e)?;
        self.as_int(v, self.prog.expr(e).span)
    }

    pub fn eval_bool(&mut self, f: &mut Frame, e: ExprId) -> R<bool> {
        let v = self.eval(f, e)?;
        self.as_bool(v, self.prog.expr(e).span)
    }

    pub fn eval_set(&mut self, f: &mut Frame, e: ExprId) -> R<ValueSet> {
        let v = self.eval(f, e)?;
        self.as_set(v, self.prog.expr(e).span)
    }

    pub fn eval_proc(&mut self, f: &mut Frame, e: ExprId) -> R<ProcId> {
        let v = self.eval(f, e)?;
        self.as_proc(v, self.prog.expr(e).span)
    }

    pub fn eval_event_set(&mut self, f: &mut Frame, e: ExprId) -> R<EventSetId> {
        let s = self.eval_set(f, e)?;
        self.event_set_of(&s, self.prog.expr(e).span)
    }

    pub fn as_int(&self, v: Value, span: Span) -> R<i32> {
        match v {
            Value::Int(i) => Ok(i),
            v => err(span, expect_msg("an integer", &v)),
        }
    }
    pub fn as_bool(&self, v: Value, span: Span) -> R<bool> {
        match v {
            Value::Bool(b) => Ok(b),
            v => err(span, expect_msg("a boolean", &v)),
        }
    }
    pub fn as_set(&self, v: Value, span: Span) -> R<ValueSet> {
        match v {
            Value::Set(s) => Ok(s),
            v => err(span, expect_msg("a set", &v)),
        }
    }
    pub fn as_seq(&self, v: Value, span: Span) -> R<Seq> {
        match v {
            Value::Seq(s) => Ok(s),
            v => err(span, expect_msg("a sequence", &v)),
        }
    }
    pub fn as_proc(&self, v: Value, span: Span) -> R<ProcId> {
        match v {
            Value::Proc(p) => Ok(p),
            v => err(span, expect_msg("a process", &v)),
        }
    }

    pub fn int_of_len(&self, n: usize, span: Span) -> R<i32> {
        i32::try_from(n).or_else(|_| err(span, "integer overflow"))
    }

    fn int_range(&self, lo: i32, hi: i32, span: Span) -> R<Vec<Value>> {
        if hi < lo {
            return Ok(Vec::new());
        }
        let n = (hi as i64 - lo as i64) as u64 + 1;
        if n > super::set::ENUM_LIMIT {
            return err(
                span,
                format!(
                    "cannot enumerate {lo}..{hi}: {n} elements, more than the limit of {}",
                    super::set::ENUM_LIMIT
                ),
            );
        }
        Ok((lo..=hi).map(Value::Int).collect())
    }

    pub fn proc(&mut self, n: ProcNode) -> Value {
        Value::Proc(self.st.arena.node(n))
    }

    /// Elements of a set, or an error at `span` for an infinite one.
    pub fn elems<'s>(&self, s: &'s ValueSet, span: Span) -> R<&'s [Value]> {
        s.elems().map_err(|m| {
            Diagnostic::error(span, format!("{m}: {}", self.show(&Value::Set(s.clone()))))
        })
    }

    pub fn lift<T>(&self, r: Result<T, String>, span: Span) -> R<T> {
        r.map_err(|m| Diagnostic::error(span, m))
    }

    // ---- variables ----

    pub fn read_var(&mut self, f: &mut Frame, v: VarRef, span: Span) -> R<Value> {
        match v {
            VarRef::Local(i) => Ok(f.slots[i as usize].clone()),
            VarRef::Cap(i) => match &f.caps {
                Some(c) => Ok(c[i as usize].clone()),
                None => err(span, "internal error: capture outside a lambda"),
            },
            VarRef::GroupCap(i) => match &f.group {
                Some(g) => Ok(g.caps[i as usize].clone()),
                None => err(span, "internal error: group capture outside a group"),
            },
            VarRef::Sibling { member, sub, .. } => match f.group.clone() {
                Some(g) => self.member_value(g, member, sub, span),
                None => err(span, "internal error: sibling outside a group"),
            },
            VarRef::Member {
                slot, member, sub, ..
            } => match f.let_inst(slot).cloned() {
                Some(g) => self.member_value(g, member, sub, span),
                None => err(span, "internal error: let member outside its let"),
            },
            VarRef::Global(g) => self.global_value(g, span),
            VarRef::Builtin(b) => self.builtin_value(b, span),
        }
    }

    fn member_value(
        &mut self,
        inst: Arc<GroupInst>,
        member: u16,
        sub: u16,
        span: Span,
    ) -> R<Value> {
        let prog = self.prog;
        let g = &prog.groups[inst.group as usize];
        match &g.members[member as usize] {
            Member::Fn(fun) => Ok(Value::Func(Arc::new(Func {
                callee: Callee::Member { inst, fun: *fun },
                applied: Vec::new(),
            }))),
            Member::Value {
                name,
                code,
                span: def,
                returns_proc,
            } => {
                if *returns_proc {
                    let name = self.sym(*name).to_string();
                    let def = *def;
                    let p = self
                        .st
                        .arena
                        .call(CallTarget::Member(inst, member), || CallInfo {
                            name,
                            span: Some(def),
                        });
                    return Ok(Value::Proc(p));
                }
                let cell = &inst.cells[member as usize];
                if let Some(v) = cell.value.get() {
                    return Ok(v[0].clone());
                }
                if !cell.enter() {
                    return err(
                        span,
                        format!("the value of `{}` depends on itself", self.sym(*name)),
                    );
                }
                self.enter(span)?;
                let r = self.run(*code, Some(inst.clone()));
                self.leave();
                let cell = &inst.cells[member as usize];
                cell.leave();
                let v = r?;
                let _ = cell.value.set(Arc::from(vec![v.clone()]));
                Ok(v)
            }
            Member::Pat {
                pat,
                code,
                nvars,
                span: def,
            } => {
                let cell = &inst.cells[member as usize];
                if let Some(v) = cell.value.get() {
                    return Ok(v[sub as usize].clone());
                }
                if !cell.enter() {
                    return err(span, "this pattern binding depends on itself");
                }
                self.enter(span)?;
                let r = self.run(*code, Some(inst.clone())).and_then(|v| {
                    let mut pf = Frame::new(*nvars);
                    if self.matches(&mut pf, *pat, &v)? {
                        Ok(pf.slots)
                    } else {
                        err(
                            *def,
                            format!("the value {} does not match the pattern", self.show(&v)),
                        )
                    }
                });
                self.leave();
                let cell = &inst.cells[member as usize];
                cell.leave();
                let vals = r?;
                let out = vals[sub as usize].clone();
                let _ = cell.value.set(vals.into());
                Ok(out)
            }
        }
    }

    pub fn global_value(&mut self, g: GlobalId, span: Span) -> R<Value> {
        let prog = self.prog;
        match &prog.globals[g as usize] {
            Global::Value {
                name,
                code,
                span: def,
                returns_proc,
            } => {
                if *returns_proc {
                    let name = self.sym(*name).to_string();
                    let def = *def;
                    let p = self.st.arena.call(CallTarget::Global(g), || CallInfo {
                        name,
                        span: Some(def),
                    });
                    return Ok(Value::Proc(p));
                }
                match &self.st.globals[g as usize] {
                    GCell::Done(v) => return Ok(v.clone()),
                    GCell::Busy => {
                        return err(
                            span,
                            format!("the value of `{}` depends on itself", self.sym(*name)),
                        );
                    }
                    GCell::Todo => {}
                }
                self.st.globals[g as usize] = GCell::Busy;
                let r = self.enter(span).and_then(|_| {
                    let r = self.run(*code, None);
                    self.leave();
                    r
                });
                match r {
                    Ok(v) => {
                        self.st.globals[g as usize] = GCell::Done(v.clone());
                        Ok(v)
                    }
                    Err(e) => {
                        self.st.globals[g as usize] = GCell::Todo;
                        Err(e)
                    }
                }
            }
            Global::Fn(fun) => Ok(Value::Func(Arc::new(Func {
                callee: Callee::Global(*fun),
                applied: Vec::new(),
            }))),
            Global::PatVar { bind, sub } => {
                let vals = self.pat_bind(*bind, span)?;
                match vals {
                    Value::Tuple(vs) => Ok(vs[*sub as usize].clone()),
                    v => Ok(v),
                }
            }
            Global::Tag(t) => {
                let rt = self.tag_rt(*t, span)?;
                Ok(Value::Data(Arc::new(Data {
                    tag: *t,
                    fields: Vec::new(),
                    complete: rt.fields.is_empty(),
                })))
            }
            Global::TypeSet(ty) => Ok(Value::Set(self.type_set(*ty, span)?)),
            Global::Nametype { components, .. } => match &self.st.globals[g as usize] {
                GCell::Done(v) => Ok(v.clone()),
                GCell::Busy => err(span, "this nametype depends on itself"),
                GCell::Todo => {
                    self.st.globals[g as usize] = GCell::Busy;
                    let r = self.field_sets(components, span).and_then(|sets| {
                        let mut acc = vec![Value::Dot(Arc::from(Vec::new()))];
                        for s in &sets {
                            let mut next = Vec::new();
                            for a in &acc {
                                for x in self.elems(s, span)? {
                                    next.push(if matches!(a, Value::Dot(d) if d.is_empty()) {
                                        x.clone()
                                    } else {
                                        self.dot(a.clone(), x.clone(), span)?
                                    });
                                }
                            }
                            acc = next;
                        }
                        if sets.len() == 1 {
                            return Ok(Value::Set(sets[0].clone()));
                        }
                        Ok(Value::Set(ValueSet::from_vec(acc)))
                    });
                    self.st.globals[g as usize] = match &r {
                        Ok(v) => GCell::Done(v.clone()),
                        Err(_) => GCell::Todo,
                    };
                    r
                }
            },
            Global::Subtype { clauses, .. } => match &self.st.globals[g as usize] {
                GCell::Done(v) => Ok(v.clone()),
                GCell::Busy => err(span, "this subtype depends on itself"),
                GCell::Todo => {
                    self.st.globals[g as usize] = GCell::Busy;
                    let r = self.subtype_set(clauses, span);
                    self.st.globals[g as usize] = match &r {
                        Ok(v) => GCell::Done(v.clone()),
                        Err(_) => GCell::Todo,
                    };
                    r
                }
            },
            Global::Unsupported { what, span: at } => {
                let (l, c) = (at.start, at.end);
                let _ = (l, c);
                err(
                    span,
                    format!("unsupported: {what} (this name is declared in one)"),
                )
            }
        }
    }

    fn pat_bind(&mut self, bind: u32, span: Span) -> R<Value> {
        match &self.st.pat_binds[bind as usize] {
            GCell::Done(v) => return Ok(v.clone()),
            GCell::Busy => return err(span, "this pattern binding depends on itself"),
            GCell::Todo => {}
        }
        let pb = &self.prog.pat_binds[bind as usize];
        self.st.pat_binds[bind as usize] = GCell::Busy;
        let r = self.run(pb.code, None).and_then(|v| {
            let mut pf = Frame::new(pb.nvars);
            if self.matches(&mut pf, pb.pat, &v)? {
                Ok(Value::tuple(pf.slots))
            } else {
                err(
                    pb.span,
                    format!("the value {} does not match the pattern", self.show(&v)),
                )
            }
        });
        self.st.pat_binds[bind as usize] = match &r {
            Ok(v) => GCell::Done(v.clone()),
            Err(_) => GCell::Todo,
        };
        r
    }

    // ---- application ----

    pub fn apply(&mut self, fv: Value, args: Vec<Value>, span: Span) -> R<Value> {
        let Value::Func(func) = fv else {
            return err(span, expect_msg("a function", &fv));
        };
        let prog = self.prog;
        let (arity, returns_proc): (&[usize], bool) = match &func.callee {
            Callee::Global(f) | Callee::Lambda { fun: f, .. } | Callee::Member { fun: f, .. } => {
                let d = prog.func(*f);
                (&d.arity, d.returns_proc)
            }
            Callee::Builtin(b) => match b.arity() {
                Some(a) if !a.is_empty() => (a, b.returns_proc()),
                Some(_) => {
                    return err(
                        span,
                        format!("unsupported: `{}` is not supported by cspot", b.name()),
                    );
                }
                None => return err(span, format!("`{}` is not a function", b.name())),
            },
        };
        // Only error messages need the name.
        let name = || match &func.callee {
            Callee::Global(f) | Callee::Lambda { fun: f, .. } | Callee::Member { fun: f, .. } => {
                prog.func(*f)
                    .name
                    .map(|s| self.names.resolve(s).to_string())
                    .unwrap_or_else(|| "lambda".into())
            }
            Callee::Builtin(b) => b.name().to_string(),
        };
        let group = func.applied.len();
        let Some(&want) = arity.get(group) else {
            return err(
                span,
                format!("`{}` is applied to too many argument groups", name()),
            );
        };
        if args.len() != want {
            return err(
                span,
                format!(
                    "`{}` takes {want} argument{}, but {} {} given",
                    name(),
                    if want == 1 { "" } else { "s" },
                    args.len(),
                    if args.len() == 1 { "was" } else { "were" }
                ),
            );
        }
        let mut applied = Vec::with_capacity(func.applied.len() + 1);
        applied.extend(func.applied.iter().cloned());
        applied.push(args);
        let full = Arc::new(Func {
            callee: func.callee.clone(),
            applied,
        });
        if full.applied.len() < arity.len() {
            return Ok(Value::Func(full));
        }
        if returns_proc && !matches!(full.callee, Callee::Builtin(_)) {
            let def = match &full.callee {
                Callee::Global(f)
                | Callee::Lambda { fun: f, .. }
                | Callee::Member { fun: f, .. } => Some(self.prog.func(*f).span),
                Callee::Builtin(_) => None,
            };
            let target = CallTarget::Func(full);
            if let Some(p) = self.st.arena.find_call(&target) {
                return Ok(Value::Proc(p));
            }
            let display = match &target {
                CallTarget::Func(f) => self.call_name(f),
                _ => String::new(),
            };
            let p = self.st.arena.call(target, || CallInfo {
                name: display,
                span: def,
            });
            return Ok(Value::Proc(p));
        }
        self.invoke(&full, span)
    }

    /// Display form of a fully applied function, e.g. `PHIL(3)`.
    pub fn call_name(&self, f: &Func) -> String {
        let mut s = match &f.callee {
            Callee::Global(id) | Callee::Member { fun: id, .. } => self
                .prog
                .func(*id)
                .name
                .map(|n| self.sym(n).to_string())
                .unwrap_or_else(|| "lambda".into()),
            Callee::Lambda { .. } => "lambda".into(),
            Callee::Builtin(b) => b.name().to_string(),
        };
        for g in &f.applied {
            s.push('(');
            for (i, a) in g.iter().enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(&self.show(a));
            }
            s.push(')');
        }
        // Names are for people reading counterexamples; keep huge arguments short.
        if s.chars().count() > 160 {
            let short: String = s.chars().take(157).collect();
            return format!("{short}...");
        }
        s
    }

    /// Runs a fully applied function.
    pub fn invoke(&mut self, func: &Func, span: Span) -> R<Value> {
        let prog = self.prog;
        let (fid, caps, group) = match &func.callee {
            Callee::Global(f) => (*f, None, None),
            Callee::Lambda { fun, caps } => (*fun, Some(caps.clone()), None),
            Callee::Member { inst, fun } => (*fun, None, Some(inst.clone())),
            Callee::Builtin(b) => {
                let mut groups = func.applied.clone();
                return self.call_builtin(*b, &mut groups, span);
            }
        };
        let def = prog.func(fid);
        self.enter(span)?;
        let r = (|| {
            for clause in &def.clauses {
                let mut fr = Frame::new(clause.code.nslots);
                fr.caps = caps.clone();
                fr.group = group.clone();
                let mut ok = true;
                'groups: for (ps, args) in clause.params.iter().zip(&func.applied) {
                    for (p, a) in ps.iter().zip(args) {
                        if !self.matches(&mut fr, *p, a)? {
                            ok = false;
                            break 'groups;
                        }
                    }
                }
                if ok {
                    return self.eval(&mut fr, clause.code.expr);
                }
            }
            err(
                span,
                format!(
                    "no clause of `{}` matches this application",
                    self.call_name(func)
                ),
            )
        })();
        self.leave();
        r
    }

    // ---- operators ----

    fn binary(&mut self, f: &mut Frame, op: BinOp, a: ExprId, b: ExprId, span: Span) -> R<Value> {
        match op {
            BinOp::And => {
                if !self.eval_bool(f, a)? {
                    return Ok(Value::Bool(false));
                }
                return Ok(Value::Bool(self.eval_bool(f, b)?));
            }
            BinOp::Or => {
                if self.eval_bool(f, a)? {
                    return Ok(Value::Bool(true));
                }
                return Ok(Value::Bool(self.eval_bool(f, b)?));
            }
            BinOp::Guard => {
                if self.eval_bool(f, a)? {
                    let p = self.eval_proc(f, b)?;
                    return Ok(Value::Proc(p));
                }
                return Ok(self.proc(ProcNode::Stop));
            }
            BinOp::ExtChoice => return self.choice_chain(f, a, b, span),
            _ => {}
        }
        let x = self.eval(f, a)?;
        let y = self.eval(f, b)?;
        let arith = |cx: &Self, x: Value, y: Value| -> R<(i32, i32)> {
            Ok((cx.as_int(x, span)?, cx.as_int(y, span)?))
        };
        let overflow = || Diagnostic::error(span, "integer overflow");
        match op {
            BinOp::Add => {
                let (x, y) = arith(self, x, y)?;
                x.checked_add(y).map(Value::Int).ok_or_else(overflow)
            }
            BinOp::Sub => {
                let (x, y) = arith(self, x, y)?;
                x.checked_sub(y).map(Value::Int).ok_or_else(overflow)
            }
            BinOp::Mul => {
                let (x, y) = arith(self, x, y)?;
                x.checked_mul(y).map(Value::Int).ok_or_else(overflow)
            }
            BinOp::Div | BinOp::Mod => {
                let (x, y) = arith(self, x, y)?;
                if y == 0 {
                    return err(span, "division by zero");
                }
                // Haskell's `div` and `mod` (rounding towards negative infinity), as FDR.
                let q = x.checked_div(y).ok_or_else(overflow)?;
                let q = if x % y != 0 && ((x < 0) != (y < 0)) {
                    q - 1
                } else {
                    q
                };
                if op == BinOp::Div {
                    Ok(Value::Int(q))
                } else {
                    let m = (x as i64) - (y as i64) * (q as i64);
                    Ok(Value::Int(m as i32))
                }
            }
            BinOp::Eq => Ok(Value::Bool(self.equal(&x, &y, span)?)),
            BinOp::Ne => Ok(Value::Bool(!self.equal(&x, &y, span)?)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let o = self.compare(&x, &y, span)?;
                Ok(Value::Bool(match op {
                    BinOp::Lt => o == Some(Ordering::Less),
                    BinOp::Le => matches!(o, Some(Ordering::Less | Ordering::Equal)),
                    BinOp::Gt => o == Some(Ordering::Greater),
                    _ => matches!(o, Some(Ordering::Greater | Ordering::Equal)),
                }))
            }
            BinOp::Concat => {
                let s = self.as_seq(x, span)?;
                let t = self.as_seq(y, span)?;
                self.seq_concat(s, t, span).map(Value::Seq)
            }
            BinOp::ExtChoice => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                Ok(self.proc(ProcNode::ExtChoice(vec![p, q])))
            }
            BinOp::IntChoice => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                Ok(self.proc(ProcNode::IntChoice(vec![p, q])))
            }
            BinOp::Interrupt => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                Ok(self.proc(ProcNode::Interrupt(p, q)))
            }
            BinOp::Sliding => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                Ok(self.proc(ProcNode::Sliding(p, q)))
            }
            BinOp::SeqComp => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                Ok(self.proc(ProcNode::Seq(p, q)))
            }
            BinOp::Interleave => {
                let (p, q) = (self.as_proc(x, span)?, self.as_proc(y, span)?);
                let none = self.st.arena.event_set(Vec::new());
                Ok(self.proc(ProcNode::GenParallel(none, vec![p, q])))
            }
            BinOp::Hide => {
                let p = self.as_proc(x, span)?;
                let s = self.as_set(y, span)?;
                let a = self.event_set_of(&s, self.prog.expr(b).span)?;
                Ok(self.proc(ProcNode::Hide(p, a)))
            }
            BinOp::Project => {
                // `P |\ A` hides everything but `A`.
                let p = self.as_proc(x, span)?;
                let keep = self.as_set(y, span)?;
                let all = self.all_events(span)?;
                let hidden = self.lift(all.diff(&keep, self), span)?;
                let a = self.event_set_of(&hidden, self.prog.expr(b).span)?;
                Ok(self.proc(ProcNode::Hide(p, a)))
            }
            BinOp::And | BinOp::Or | BinOp::Guard => err(span, "internal error: lazy operator"),
        }
    }

    /// `P1 [] P2 [] ... [] Pn`, read left-nested by the parser, as one n-ary node: `[]` is
    /// associative and the flat node's LTS is the nested one's, while a binary node per
    /// operand would make `lts` store the initial transitions of every prefix of the chain
    /// (quadratic in its length) and recurse once per operand (issue 14: a 100k-branch
    /// choice). `|~|` and `|||` stay binary: flattening them would drop τ steps, changing
    /// state counts, and their nested forms cost linear time.
    fn choice_chain(&mut self, f: &mut Frame, a: ExprId, b: ExprId, span: Span) -> R<Value> {
        let op = BinOp::ExtChoice;
        let prog = self.prog;
        // The right operands from the last to the first, then the leftmost operand.
        let mut rights = vec![b];
        let mut head = a;
        while let ExprKind::Binary(op2, l, r) = &prog.expr(head).kind
            && *op2 == op
        {
            rights.push(*r);
            head = *l;
        }
        let mut procs = Vec::with_capacity(rights.len() + 1);
        let first = self.eval(f, head)?;
        procs.push(self.as_proc(first, span)?);
        for &r in rights.iter().rev() {
            let v = self.eval(f, r)?;
            procs.push(self.as_proc(v, span)?);
        }
        Ok(self.proc(ProcNode::ExtChoice(procs)))
    }

    /// CSPM's `==`: structural, but infinite sequences cannot be compared.
    pub fn equal(&mut self, x: &Value, y: &Value, span: Span) -> R<bool> {
        if let (Value::Seq(s), Value::Seq(t)) = (x, y)
            && (s.finite_items().is_none() || t.finite_items().is_none())
        {
            let a = self.seq_force_all(s, span)?;
            let b = self.seq_force_all(t, span)?;
            return Ok(a == b);
        }
        Ok(x == y)
    }

    /// CSPM's partial order: numbers, prefixes of sequences, subsets, submaps,
    /// lexicographic tuples; `None` when incomparable.
    pub fn compare(&mut self, x: &Value, y: &Value, span: Span) -> R<Option<Ordering>> {
        Ok(match (x, y) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (Value::Char(a), Value::Char(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::Tuple(a), Value::Tuple(b)) => Some(a.iter().cmp(b.iter())),
            (Value::Seq(s), Value::Seq(t)) => {
                let a = self.seq_force_all(s, span)?;
                let b = self.seq_force_all(t, span)?;
                let n = a.len().min(b.len());
                if a[..n] != b[..n] {
                    None
                } else {
                    Some(a.len().cmp(&b.len()))
                }
            }
            (Value::Set(a), Value::Set(b)) => {
                let le = self.lift(a.subset(b, self), span)?;
                let ge = self.lift(b.subset(a, self), span)?;
                match (le, ge) {
                    (true, true) => Some(Ordering::Equal),
                    (true, false) => Some(Ordering::Less),
                    (false, true) => Some(Ordering::Greater),
                    _ => None,
                }
            }
            (Value::Map(a), Value::Map(b)) => {
                if a == b {
                    Some(Ordering::Equal)
                } else if self.submap(a, b, span)? {
                    Some(Ordering::Less)
                } else if self.submap(b, a, span)? {
                    Some(Ordering::Greater)
                } else {
                    None
                }
            }
            _ if x == y => Some(Ordering::Equal),
            (Value::Data(_) | Value::Dot(_), Value::Data(_) | Value::Dot(_)) => None,
            _ => {
                return err(
                    span,
                    format!("cannot compare {} with {}", x.kind(), y.kind()),
                );
            }
        })
    }

    fn submap(
        &mut self,
        a: &std::collections::BTreeMap<Value, Value>,
        b: &std::collections::BTreeMap<Value, Value>,
        span: Span,
    ) -> R<bool> {
        for (k, v) in a {
            match b.get(k) {
                Some(w) => {
                    if !matches!(
                        self.compare(v, w, span)?,
                        Some(Ordering::Less | Ordering::Equal)
                    ) {
                        return Ok(false);
                    }
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    // ---- comprehensions ----

    /// Runs `k` once per solution of the statements, with their variables bound in `f`.
    pub fn comprehension(
        &mut self,
        f: &mut Frame,
        stmts: &[Stmt],
        k: &mut dyn FnMut(&mut Self, &mut Frame) -> R<()>,
    ) -> R<()> {
        let Some((first, rest)) = stmts.split_first() else {
            return k(self, f);
        };
        match first {
            Stmt::Pred(e) => {
                if self.eval_bool(f, *e)? {
                    self.comprehension(f, rest, k)?;
                }
                Ok(())
            }
            Stmt::Gen { pat, source } => {
                let span = self.prog.expr(*source).span;
                let src = self.eval(f, *source)?;
                let items: Vec<Value> = match src {
                    Value::Set(s) => self.elems(&s, span)?.to_vec(),
                    Value::Seq(s) => self.seq_force_all(&s, span)?,
                    v => return err(span, expect_msg("a set or a sequence", &v)),
                };
                for v in items {
                    if self.matches(f, *pat, &v)? {
                        self.comprehension(f, rest, k)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// `{| e, ... |}`: every event or datatype value that extends one of `vs`.
    fn enum_set(&mut self, vs: Vec<Value>, span: Span) -> R<Value> {
        let mut acc = ValueSet::empty();
        for v in vs {
            let p = self.productions(&v, span)?;
            acc = acc.union(&p);
        }
        Ok(Value::Set(acc))
    }

    // ---- events ----

    /// Interns a complete event.
    pub fn event(&mut self, v: &Value, span: Span) -> R<EventId> {
        match v {
            Value::Data(d) if d.complete && self.tag_type(d.tag).is_none() => {
                if let Some(e) = self.st.arena.event_id(v) {
                    return Ok(e);
                }
                // A channel of millions of events is interned one event at a time.
                within_budget(span)?;
                let name = self.show(v);
                Ok(self.st.arena.event(v, || name))
            }
            Value::Data(d) if !d.complete => err(
                span,
                format!(
                    "{} is not a complete event: its channel has more fields",
                    self.show(v)
                ),
            ),
            _ => err(span, format!("{} is not an event", self.show(v))),
        }
    }

    pub fn event_set_of(&mut self, s: &ValueSet, span: Span) -> R<EventSetId> {
        // The same shared set (a memoised `Events`, a global constant) is converted once.
        let key = match s {
            ValueSet::Finite(items) => Some(Arc::as_ptr(items) as *const Value as usize),
            _ => None,
        };
        if let Some(k) = key
            && let Some((_, id)) = self.st.set_cache.get(&k)
        {
            return Ok(*id);
        }
        let elems = self.elems(s, span)?.to_vec();
        let mut ids = Vec::with_capacity(elems.len());
        for v in &elems {
            ids.push(self.event(v, span)?);
        }
        let id = self.st.arena.event_set(ids);
        if let Some(k) = key {
            self.st.set_cache.insert(k, (s.clone(), id));
        }
        Ok(id)
    }

    /// `Events`: every complete event of every channel.
    pub fn all_events(&mut self, span: Span) -> R<ValueSet> {
        if let Some(s) = &self.st.events {
            return Ok(s.clone());
        }
        let mut acc = ValueSet::empty();
        for (t, decl) in self.prog.tags.iter().enumerate() {
            if decl.kind != TagKind::Channel {
                continue;
            }
            let base = self.tag_value(t as TagId, span)?;
            let p = self.productions(&base, span)?;
            acc = acc.union(&p);
        }
        let acc = if acc.is_finite() {
            acc
        } else {
            ValueSet::infinite(InfSet::Events)
        };
        self.st.events = Some(acc.clone());
        Ok(acc)
    }

    pub fn tag_value(&mut self, t: TagId, span: Span) -> R<Value> {
        let rt = self.tag_rt(t, span)?;
        Ok(Value::Data(Arc::new(Data {
            tag: t,
            fields: Vec::new(),
            complete: rt.fields.is_empty(),
        })))
    }

    // ---- relations (renaming, linked parallel) ----

    fn relation(
        &mut self,
        f: &mut Frame,
        pairs: &Pairs,
        linked: bool,
        span: Span,
    ) -> R<crate::cspm::proc::RelationId> {
        let mut raw = Vec::new();
        self.comprehension(f, &pairs.stmts, &mut |cx, f| {
            for (a, b) in &pairs.pairs {
                let x = cx.eval(f, *a)?;
                let y = cx.eval(f, *b)?;
                raw.push((x, y, cx.prog.expr(*a).span));
            }
            Ok(())
        })?;
        let mut rel = Vec::new();
        for (x, y, at) in raw {
            for (x, y) in self.expand_pair(x, y, at)? {
                let a = self.event(&x, at)?;
                let b = self.event(&y, at)?;
                rel.push((a, b));
            }
        }
        rel.sort_unstable();
        rel.dedup();
        if linked {
            let mut lefts: Vec<EventId> = rel.iter().map(|p| p.0).collect();
            let mut rights: Vec<EventId> = rel.iter().map(|p| p.1).collect();
            lefts.sort_unstable();
            rights.sort_unstable();
            let dup = |v: &[EventId]| v.windows(2).find(|w| w[0] == w[1]).map(|w| w[0]);
            if let Some(e) = dup(&lefts).or_else(|| dup(&rights)) {
                return err(
                    span,
                    format!(
                        "the event {} is linked more than once in this linked parallel",
                        self.st.arena.event_name(e)
                    ),
                );
            }
        }
        Ok(self.st.arena.relation(rel))
    }

    /// `c <- d` with channels: every `c.x <- d.x`.
    fn expand_pair(&mut self, x: Value, y: Value, span: Span) -> R<Vec<(Value, Value)>> {
        match &x {
            Value::Data(d) if !d.complete => {
                let exts = self.extensions(&x, span)?;
                let mut out = Vec::new();
                for e in self.elems(&exts, span)?.to_vec() {
                    out.push((
                        self.dot(x.clone(), e.clone(), span)?,
                        self.dot(y.clone(), e, span)?,
                    ));
                }
                Ok(out)
            }
            _ => Ok(vec![(x, y)]),
        }
    }

    // ---- replicated operators ----

    fn replicated(
        &mut self,
        f: &mut Frame,
        op: &ReplOp,
        stmts: &[Stmt],
        body: ExprId,
        span: Span,
    ) -> R<Value> {
        let outer_set = match op {
            ReplOp::GenParallel(a) => Some(self.eval_event_set(f, *a)?),
            _ => None,
        };
        let mut procs: Vec<ProcId> = Vec::new();
        let mut alphas: Vec<EventSetId> = Vec::new();
        let mut links: Vec<crate::cspm::proc::RelationId> = Vec::new();
        self.comprehension(f, stmts, &mut |cx, f| {
            procs.push(cx.eval_proc(f, body)?);
            match op {
                ReplOp::AlphaParallel(a) => alphas.push(cx.eval_event_set(f, *a)?),
                ReplOp::Linked(p) => links.push(cx.relation(f, p, true, span)?),
                _ => {}
            }
            Ok(())
        })?;
        let node = match op {
            ReplOp::ExtChoice => match procs.len() {
                0 => ProcNode::Stop,
                _ => ProcNode::ExtChoice(procs),
            },
            ReplOp::IntChoice => {
                if procs.is_empty() {
                    return err(span, "replicated internal choice over an empty set");
                }
                ProcNode::IntChoice(procs)
            }
            ReplOp::Interleave => {
                let none = self.st.arena.event_set(Vec::new());
                ProcNode::GenParallel(none, procs)
            }
            ReplOp::GenParallel(_) => {
                ProcNode::GenParallel(outer_set.unwrap_or(EventSetId(0)), procs)
            }
            ReplOp::AlphaParallel(_) => {
                ProcNode::AlphaParallel(alphas.into_iter().zip(procs).collect())
            }
            ReplOp::SeqComp => {
                let mut acc = self.st.arena.node(ProcNode::Skip);
                for p in procs.into_iter().rev() {
                    acc = self.st.arena.node(ProcNode::Seq(p, acc));
                }
                return Ok(Value::Proc(acc));
            }
            ReplOp::Interrupt => {
                let Some(mut acc) = procs.pop() else {
                    return Ok(self.proc(ProcNode::Stop));
                };
                while let Some(p) = procs.pop() {
                    acc = self.st.arena.node(ProcNode::Interrupt(p, acc));
                }
                return Ok(Value::Proc(acc));
            }
            ReplOp::Linked(_) => {
                if procs.is_empty() {
                    return err(span, "replicated linked parallel over an empty sequence");
                }
                let mut acc = procs[procs.len() - 1];
                for i in (0..procs.len() - 1).rev() {
                    acc = self
                        .st
                        .arena
                        .node(ProcNode::Linked(procs[i], links[i], acc));
                }
                return Ok(Value::Proc(acc));
            }
        };
        Ok(self.proc(node))
    }
}
