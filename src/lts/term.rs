//! Hash-consed process terms: the states of the operational semantics.
//!
//! Terms mirror [`crate::cspm::proc::ProcNode`] plus `Omega`, the state after ✓. Operands are
//! term ids, so a term is a few words and the states reached by firing rules are shared.

use super::sets::{EventSets, RelIx, SetIx};
use crate::cspm::proc::{CallId, EventId};
use rustc_hash::FxHashMap;
use std::fmt::Write;

/// A term of the arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TermId(pub u32);

/// One operator with its operands (see `ProcNode` for their meaning).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// Successfully terminated: no transitions, not a deadlock.
    Omega,
    Stop,
    Skip,
    Div,
    Chaos(SetIx),
    Run(SetIx),
    Prefix(EventId, TermId),
    Ext(Box<[TermId]>),
    Int(Box<[TermId]>),
    Sliding(TermId, TermId),
    Interrupt(TermId, TermId),
    Exception(TermId, SetIx, TermId),
    Seq(TermId, TermId),
    GenPar(SetIx, Box<[TermId]>),
    AlphaPar(Box<[(SetIx, TermId)]>),
    Linked(TermId, RelIx, TermId),
    Hide(TermId, SetIx),
    Rename(TermId, RelIx),
    Call(CallId),
    /// An activation of a span process (Φ only): the observed span it is bound to (or
    /// [`super::labels::UNBOUND`]), the call that started it, and what remains of its body.
    Act(u32, CallId, TermId),
}

/// The arena of terms.
#[derive(Debug, Default)]
pub struct Terms {
    nodes: Vec<Term>,
    index: FxHashMap<Term, TermId>,
}

pub const OMEGA: TermId = TermId(0);
pub const STOP: TermId = TermId(1);

impl Terms {
    pub fn new() -> Self {
        let mut t = Terms::default();
        t.intern(Term::Omega);
        t.intern(Term::Stop);
        t
    }

    pub fn intern(&mut self, t: Term) -> TermId {
        if let Some(&id) = self.index.get(&t) {
            return id;
        }
        let id = TermId(self.nodes.len() as u32);
        self.nodes.push(t.clone());
        self.index.insert(t, id);
        id
    }

    pub fn get(&self, t: TermId) -> &Term {
        self.nodes.get(t.0 as usize).unwrap_or(&Term::Stop)
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `[]` of several terms, with `STOP` operands dropped and the operands sorted (both
    /// preserve strong bisimilarity), so that equal choices share one state.
    pub fn ext(&mut self, mut ps: Vec<TermId>) -> TermId {
        ps.retain(|&p| p != STOP);
        ps.sort_unstable();
        match ps.len() {
            0 => STOP,
            1 => ps[0],
            _ => self.intern(Term::Ext(ps.into_boxed_slice())),
        }
    }

    /// `|~|` of several terms, sorted and deduplicated.
    pub fn int(&mut self, mut ps: Vec<TermId>) -> TermId {
        ps.sort_unstable();
        ps.dedup();
        match ps.len() {
            0 => STOP,
            _ => self.intern(Term::Int(ps.into_boxed_slice())),
        }
    }
}

/// Names for display: events and calls.
pub trait Names {
    fn event(&self, e: EventId) -> &str;
    fn call(&self, c: CallId) -> &str;
}

/// A short display form of a term, cut at about `max` characters.
pub fn display(
    terms: &Terms,
    sets: &EventSets,
    names: &dyn Names,
    t: TermId,
    max: usize,
) -> String {
    let mut out = String::new();
    write_term(terms, sets, names, t, &mut out, max, 0);
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        out.push('…');
    }
    out
}

fn set_text(sets: &EventSets, names: &dyn Names, s: SetIx, out: &mut String) {
    out.push('{');
    for (i, &e) in sets.members(s).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if i >= 6 {
            out.push_str("...");
            break;
        }
        out.push_str(names.event(e));
    }
    out.push('}');
}

/// Writes `t` at precedence `prec`; the recursion is cut by `max` for most operators, and
/// continues on heap-allocated stack segments for those that print their operand first.
fn write_term(
    terms: &Terms,
    sets: &EventSets,
    names: &dyn Names,
    t: TermId,
    out: &mut String,
    max: usize,
    prec: u8,
) {
    if out.len() > max {
        return;
    }
    stacker::maybe_grow(
        super::sem::STACK_RED_ZONE,
        super::sem::STACK_SEGMENT,
        || write_term_at(terms, sets, names, t, out, max, prec),
    )
}

fn write_term_at(
    terms: &Terms,
    sets: &EventSets,
    names: &dyn Names,
    t: TermId,
    out: &mut String,
    max: usize,
    prec: u8,
) {
    let paren = |out: &mut String, p: u8, open: bool| {
        if prec > p {
            out.push(if open { '(' } else { ')' });
        }
    };
    match terms.get(t) {
        Term::Omega => out.push('Ω'),
        Term::Stop => out.push_str("STOP"),
        Term::Skip => out.push_str("SKIP"),
        Term::Div => out.push_str("DIV"),
        Term::Chaos(s) => {
            out.push_str("CHAOS(");
            set_text(sets, names, *s, out);
            out.push(')');
        }
        Term::Run(s) => {
            out.push_str("RUN(");
            set_text(sets, names, *s, out);
            out.push(')');
        }
        Term::Call(c) => out.push_str(names.call(*c)),
        Term::Act(span, c, p) => {
            let _ = write!(out, "{}@", names.call(*c));
            if *span == super::labels::UNBOUND {
                out.push('?');
            } else {
                let _ = write!(out, "{span}");
            }
            out.push('[');
            write_term(terms, sets, names, *p, out, max, 0);
            out.push(']');
        }
        Term::Prefix(e, p) => {
            paren(out, 5, true);
            let _ = write!(out, "{} -> ", names.event(*e));
            write_term(terms, sets, names, *p, out, max, 5);
            paren(out, 5, false);
        }
        Term::Ext(ps) | Term::Int(ps) => {
            let op = if matches!(terms.get(t), Term::Ext(_)) {
                " [] "
            } else {
                " |~| "
            };
            paren(out, 3, true);
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    out.push_str(op);
                }
                write_term(terms, sets, names, *p, out, max, 4);
            }
            paren(out, 3, false);
        }
        Term::Sliding(p, q) | Term::Interrupt(p, q) | Term::Seq(p, q) => {
            let op = match terms.get(t) {
                Term::Sliding(..) => " [> ",
                Term::Interrupt(..) => " /\\ ",
                _ => "; ",
            };
            paren(out, 3, true);
            write_term(terms, sets, names, *p, out, max, 4);
            out.push_str(op);
            write_term(terms, sets, names, *q, out, max, 4);
            paren(out, 3, false);
        }
        Term::Exception(p, a, q) => {
            paren(out, 3, true);
            write_term(terms, sets, names, *p, out, max, 4);
            out.push_str(" [| ");
            set_text(sets, names, *a, out);
            out.push_str(" |> ");
            write_term(terms, sets, names, *q, out, max, 4);
            paren(out, 3, false);
        }
        Term::GenPar(a, ps) => {
            paren(out, 2, true);
            let empty = sets.members(*a).is_empty();
            for (i, p) in ps.iter().enumerate() {
                if i > 0 {
                    if empty {
                        out.push_str(" ||| ");
                    } else {
                        out.push_str(" [| ");
                        set_text(sets, names, *a, out);
                        out.push_str(" |] ");
                    }
                }
                write_term(terms, sets, names, *p, out, max, 3);
            }
            paren(out, 2, false);
        }
        Term::AlphaPar(ps) => {
            paren(out, 2, true);
            for (i, (a, p)) in ps.iter().enumerate() {
                if i > 0 {
                    out.push_str(" || ");
                }
                out.push('[');
                set_text(sets, names, *a, out);
                out.push_str("] ");
                write_term(terms, sets, names, *p, out, max, 3);
            }
            paren(out, 2, false);
        }
        Term::Linked(p, _, q) => {
            paren(out, 2, true);
            write_term(terms, sets, names, *p, out, max, 3);
            out.push_str(" [<->] ");
            write_term(terms, sets, names, *q, out, max, 3);
            paren(out, 2, false);
        }
        Term::Hide(p, a) => {
            paren(out, 1, true);
            write_term(terms, sets, names, *p, out, max, 2);
            out.push_str(" \\ ");
            set_text(sets, names, *a, out);
            paren(out, 1, false);
        }
        Term::Rename(p, _) => {
            write_term(terms, sets, names, *p, out, max, 6);
            out.push_str("[[...]]");
        }
    }
}
