//! FDR's display form of values (`{0, 1}`, `<1, 2>`, `"abc"`, `(1, true)`, `c.1`,
//! `(| 1 => 2 |)`) and a short form of processes.

use super::arena::Arena;
use super::program::Program;
use super::seq::Seq;
use super::set::{INT_MAX, INT_MIN, InfSet, ValueSet};
use super::value::{Callee, Value};
use crate::cspm::ast::Interner;
use crate::cspm::proc::{ProcId, ProcNode};
use std::fmt::Write;

pub fn show(prog: &Program, names: &Interner, arena: &Arena, v: &Value) -> String {
    let mut s = String::new();
    Shower { prog, names, arena }.value(&mut s, v);
    s
}

/// A channel's or constructor's name and its fields, each as the event's display form writes
/// it (joined with `.` they give [`show`]); `None` for a value that is not a channel or
/// constructor applied to fields.
pub fn parts(
    prog: &Program,
    names: &Interner,
    arena: &Arena,
    v: &Value,
) -> Option<(String, Vec<String>)> {
    let Value::Data(d) = v else { return None };
    let sh = Shower { prog, names, arena };
    let name = prog
        .tags
        .get(d.tag as usize)
        .map(|t| names.resolve(t.name))
        .unwrap_or("?");
    let fields = d
        .fields
        .iter()
        .map(|x| {
            let mut s = String::new();
            sh.field(&mut s, x);
            s
        })
        .collect();
    Some((name.to_string(), fields))
}

pub fn show_proc(prog: &Program, names: &Interner, arena: &Arena, p: ProcId, depth: u32) -> String {
    let mut s = String::new();
    Shower { prog, names, arena }.proc(&mut s, p, depth);
    s
}

struct Shower<'a> {
    prog: &'a Program,
    names: &'a Interner,
    arena: &'a Arena,
}

impl Shower<'_> {
    fn list<T>(&self, out: &mut String, items: &[T], f: impl Fn(&Self, &mut String, &T)) {
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            f(self, out, x);
        }
    }

    fn value(&self, out: &mut String, v: &Value) {
        match v {
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Char(c) => {
                let _ = write!(out, "'{}'", c.escape_default());
            }
            Value::Tuple(vs) => {
                out.push('(');
                self.list(out, vs, |s, o, x| s.value(o, x));
                out.push(')');
            }
            Value::Dot(vs) => {
                for (i, x) in vs.iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    self.field(out, x);
                }
            }
            Value::Data(d) => {
                let name = self
                    .prog
                    .tags
                    .get(d.tag as usize)
                    .map(|t| self.names.resolve(t.name))
                    .unwrap_or("?");
                out.push_str(name);
                for x in &d.fields {
                    out.push('.');
                    self.field(out, x);
                }
            }
            Value::Set(s) => self.set(out, s),
            Value::Seq(s) => self.seq(out, s),
            Value::Map(m) => {
                out.push_str("(|");
                for (i, (k, x)) in m.iter().enumerate() {
                    out.push_str(if i == 0 { " " } else { ", " });
                    self.value(out, k);
                    out.push_str(" => ");
                    self.value(out, x);
                }
                out.push_str(" |)");
            }
            Value::Func(f) => {
                let name = match &f.callee {
                    Callee::Global(id) | Callee::Member { fun: id, .. } => self
                        .prog
                        .fns
                        .get(*id as usize)
                        .and_then(|d| d.name)
                        .map(|n| self.names.resolve(n).to_string())
                        .unwrap_or_else(|| "lambda".into()),
                    Callee::Lambda { .. } => "lambda".into(),
                    Callee::Builtin(b) => b.name().to_string(),
                };
                let _ = write!(out, "<function {name}");
                for g in &f.applied {
                    out.push('(');
                    self.list(out, g, |s, o, x| s.value(o, x));
                    out.push(')');
                }
                out.push('>');
            }
            Value::Proc(p) => self.proc(out, *p, 3),
        }
    }

    /// A field of a dotted value: tuples and sets need no brackets, nested dot lists do.
    fn field(&self, out: &mut String, v: &Value) {
        if let Value::Dot(_) = v {
            out.push('(');
            self.value(out, v);
            out.push(')');
        } else {
            self.value(out, v)
        }
    }

    fn set(&self, out: &mut String, s: &ValueSet) {
        match s {
            ValueSet::Finite(vs) => {
                out.push('{');
                self.list(out, vs, |s, o, x| s.value(o, x));
                out.push('}');
            }
            ValueSet::Infinite(i) => match &**i {
                InfSet::Ints(iv) => {
                    if iv.as_slice() == [(INT_MIN, INT_MAX)] {
                        out.push_str("Int");
                        return;
                    }
                    out.push('{');
                    for (k, &(a, b)) in iv.iter().enumerate() {
                        if k > 0 {
                            out.push_str(", ");
                        }
                        match (a == INT_MIN, b == INT_MAX) {
                            (_, true) => {
                                let _ = write!(out, "{a}..");
                            }
                            _ => {
                                let _ = write!(out, "{a}..{b}");
                            }
                        }
                    }
                    out.push('}');
                }
                InfSet::Chars => out.push_str("Char"),
                InfSet::Procs => out.push_str("Proc"),
                InfSet::Events => out.push_str("Events"),
                InfSet::SeqOf(a) => {
                    out.push_str("Seq(");
                    self.set(out, a);
                    out.push(')');
                }
                InfSet::SetOf(a) => {
                    out.push_str("Set(");
                    self.set(out, a);
                    out.push(')');
                }
                InfSet::MapOf(k, v) => {
                    out.push_str("Map(");
                    self.set(out, k);
                    out.push_str(", ");
                    self.set(out, v);
                    out.push(')');
                }
                InfSet::Tuples(sets) => {
                    out.push('(');
                    self.list(out, sets, |s, o, x| s.set(o, x));
                    out.push(')');
                }
                InfSet::Datatype(t) => out.push_str(
                    self.prog
                        .types
                        .get(*t as usize)
                        .map(|d| self.names.resolve(d.name))
                        .unwrap_or("?"),
                ),
                InfSet::Productions(v) => {
                    out.push_str("{| ");
                    self.value(out, v);
                    out.push_str(" |}");
                }
                InfSet::Union(ss) | InfSet::Inter(ss) => {
                    out.push_str(if matches!(&**i, InfSet::Union(_)) {
                        "union("
                    } else {
                        "inter("
                    });
                    self.list(out, ss, |s, o, x| s.set(o, x));
                    out.push(')');
                }
                InfSet::Diff(a, b) => {
                    out.push_str("diff(");
                    self.set(out, a);
                    out.push_str(", ");
                    self.set(out, b);
                    out.push(')');
                }
            },
        }
    }

    fn seq(&self, out: &mut String, s: &Seq) {
        match s {
            Seq::Finite { .. } => {
                let items = s.finite_items().unwrap_or(&[]);
                if !items.is_empty() && items.iter().all(|v| matches!(v, Value::Char(_))) {
                    out.push('"');
                    for v in items {
                        if let Value::Char(c) = v {
                            out.extend(c.escape_default());
                        }
                    }
                    out.push('"');
                    return;
                }
                out.push('<');
                self.list(out, items, |s, o, x| s.value(o, x));
                out.push('>');
            }
            Seq::From(n) => {
                let _ = write!(out, "<{n}..>");
            }
            Seq::Lazy(..) => out.push_str("<...>"),
        }
    }

    fn proc(&self, out: &mut String, p: ProcId, depth: u32) {
        if depth == 0 {
            out.push_str("...");
            return;
        }
        let d = depth - 1;
        let set = |s: crate::cspm::proc::EventSetId| -> String {
            let evs = self.arena.get_set(s);
            let names: Vec<&str> = evs.iter().map(|e| self.arena.event_name(*e)).collect();
            format!("{{{}}}", names.join(", "))
        };
        let operand = |o: &mut String, q: ProcId| {
            let atomic = matches!(
                self.arena.get(q),
                ProcNode::Stop
                    | ProcNode::Skip
                    | ProcNode::Div
                    | ProcNode::Call(_)
                    | ProcNode::Chaos(_)
                    | ProcNode::Run(_)
            );
            if atomic {
                self.proc(o, q, d)
            } else {
                o.push('(');
                self.proc(o, q, d);
                o.push(')');
            }
        };
        let join = |o: &mut String, ps: &[ProcId], sep: &str| {
            for (i, q) in ps.iter().enumerate() {
                if i > 0 {
                    o.push_str(sep);
                }
                operand(o, *q);
            }
        };
        match self.arena.get(p) {
            ProcNode::Stop => out.push_str("STOP"),
            ProcNode::Skip => out.push_str("SKIP"),
            ProcNode::Div => out.push_str("DIV"),
            ProcNode::Chaos(s) => {
                let _ = write!(out, "CHAOS({})", set(*s));
            }
            ProcNode::Run(s) => {
                let _ = write!(out, "RUN({})", set(*s));
            }
            ProcNode::Prefix(e, q) => {
                out.push_str(self.arena.event_name(*e));
                out.push_str(" -> ");
                if matches!(self.arena.get(*q), ProcNode::Prefix(..)) {
                    self.proc(out, *q, d)
                } else {
                    operand(out, *q)
                }
            }
            ProcNode::ExtChoice(ps) => join(out, ps, " [] "),
            ProcNode::IntChoice(ps) => join(out, ps, " |~| "),
            ProcNode::Sliding(a, b) => join(out, &[*a, *b], " [> "),
            ProcNode::Interrupt(a, b) => join(out, &[*a, *b], " /\\ "),
            ProcNode::Exception(a, s, b) => {
                operand(out, *a);
                let _ = write!(out, " [| {} |> ", set(*s));
                operand(out, *b);
            }
            ProcNode::Seq(a, b) => join(out, &[*a, *b], "; "),
            ProcNode::GenParallel(s, ps) => {
                let sep = if self.arena.get_set(*s).is_empty() {
                    " ||| ".to_string()
                } else {
                    format!(" [| {} |] ", set(*s))
                };
                join(out, ps, &sep)
            }
            ProcNode::AlphaParallel(ps) => {
                for (i, (a, q)) in ps.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" || ");
                    }
                    let _ = write!(out, "[{}] ", set(*a));
                    operand(out, *q);
                }
            }
            ProcNode::Linked(a, r, b) => {
                operand(out, *a);
                out.push_str(" [");
                for (i, (x, y)) in self.arena.get_relation(*r).iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(
                        out,
                        "{} <-> {}",
                        self.arena.event_name(*x),
                        self.arena.event_name(*y)
                    );
                }
                out.push_str("] ");
                operand(out, *b);
            }
            ProcNode::Hide(q, s) => {
                operand(out, *q);
                let _ = write!(out, " \\ {}", set(*s));
            }
            ProcNode::Rename(q, r) => {
                operand(out, *q);
                out.push_str(" [[");
                for (i, (x, y)) in self.arena.get_relation(*r).iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    let _ = write!(
                        out,
                        "{} <- {}",
                        self.arena.event_name(*x),
                        self.arena.event_name(*y)
                    );
                }
                out.push_str("]]");
            }
            ProcNode::Call(c) => out.push_str(
                self.arena
                    .call_entry(*c)
                    .map(|e| e.info.name.as_str())
                    .unwrap_or("?"),
            ),
        }
    }
}
