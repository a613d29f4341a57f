//! Prefixes `c?x:S!e$y -> P`: inputs become an external choice of concrete prefixes over the
//! values the channel's type allows (or `S`), `$` fields an internal choice, as FDR does.

use super::env::Frame;
use super::interp::{Ctx, R, err};
use super::program::{ExprId, Field, PatId, PatKind};
use super::value::Value;
use crate::cspm::proc::{ProcId, ProcNode};
use crate::cspm::source::Span;

impl Ctx<'_> {
    pub fn prefix(
        &mut self,
        f: &mut Frame,
        chan: ExprId,
        fields: &[Field],
        body: ExprId,
        span: Span,
    ) -> R<Value> {
        let base = self.eval(f, chan)?;
        let alts = self.fields(f, base, fields, body, true, span)?;
        let p = match alts.len() {
            1 => alts[0],
            _ => self.st.arena.node(ProcNode::IntChoice(alts)),
        };
        Ok(Value::Proc(p))
    }

    /// The alternatives the remaining fields give. In the `$` phase they are internal
    /// choices; the first other field switches to external choice.
    fn fields(
        &mut self,
        f: &mut Frame,
        base: Value,
        fields: &[Field],
        body: ExprId,
        nondet: bool,
        span: Span,
    ) -> R<Vec<ProcId>> {
        let Some((first, rest)) = fields.split_first() else {
            let ev = self.event(&base, span)?;
            let p = self.eval_proc(f, body)?;
            return Ok(vec![self.st.arena.node(ProcNode::Prefix(ev, p))]);
        };
        match first {
            Field::NondetInput { pat, set } => {
                if !nondet {
                    return err(
                        span,
                        "a `$` field after a `?` or `!` field is not supported",
                    );
                }
                let alts = self.input(f, base, *pat, *set, rest, body, true, span)?;
                if alts.is_empty() {
                    return err(
                        span,
                        "nondeterministic input `$` over an empty set (an internal choice of \
                         nothing)",
                    );
                }
                Ok(alts)
            }
            _ if nondet => {
                let alts = self.fields(f, base, fields, body, false, span)?;
                Ok(vec![self.ext_choice(alts)])
            }
            Field::Output(e) | Field::Dot(e) => {
                let v = self.eval(f, *e)?;
                let at = self.prog.expr(*e).span;
                let base = self.dot(base, v, at)?;
                self.fields(f, base, rest, body, false, span)
            }
            Field::Input { pat, set } => self.input(f, base, *pat, *set, rest, body, false, span),
        }
    }

    pub fn ext_choice(&mut self, alts: Vec<ProcId>) -> ProcId {
        match alts.len() {
            0 => self.st.arena.node(ProcNode::Stop),
            1 => alts[0],
            _ => self.st.arena.node(ProcNode::ExtChoice(alts)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn input(
        &mut self,
        f: &mut Frame,
        base: Value,
        pat: PatId,
        set: Option<ExprId>,
        rest: &[Field],
        body: ExprId,
        nondet: bool,
        span: Span,
    ) -> R<Vec<ProcId>> {
        let mut out = Vec::new();
        if let Some(s) = set {
            let s = self.eval_set(f, s)?;
            let items = self.elems(&s, span)?.to_vec();
            for v in items {
                if self.matches(f, pat, &v)? {
                    let b = self.dot(base.clone(), v, span)?;
                    out.extend(self.fields(f, b, rest, body, nondet, span)?);
                }
            }
            return Ok(out);
        }
        let atoms: Vec<PatId> = match &self.prog.pat(pat).kind {
            PatKind::Dot(ps) => ps.clone(),
            _ => vec![pat],
        };
        self.atoms(f, base, &atoms, rest, body, nondet, span, &mut out)?;
        Ok(out)
    }

    /// One atom of an input pattern at a time: a constructor is dotted on, anything else
    /// ranges over the next field (or, for the very last atom, the rest of the event).
    #[allow(clippy::too_many_arguments)]
    fn atoms(
        &mut self,
        f: &mut Frame,
        base: Value,
        atoms: &[PatId],
        rest: &[Field],
        body: ExprId,
        nondet: bool,
        span: Span,
        out: &mut Vec<ProcId>,
    ) -> R<()> {
        let Some((&a, more)) = atoms.split_first() else {
            out.extend(self.fields(f, base, rest, body, nondet, span)?);
            return Ok(());
        };
        let pat = self.prog.pat(a);
        if let PatKind::Const(c) = &pat.kind {
            let cv = self.read_var(f, *c, pat.span)?;
            let b = self.dot(base, cv, pat.span)?;
            return self.atoms(f, b, more, rest, body, nondet, span, out);
        }
        let last = more.is_empty() && rest.is_empty();
        let options = if last {
            let s = self.extensions(&base, span)?;
            self.elems(&s, span)?.to_vec()
        } else {
            self.one_field_extensions(&base, span)?
        };
        for o in options {
            if self.matches(f, a, &o)? {
                let b = self.dot(base.clone(), o, span)?;
                self.atoms(f, b, more, rest, body, nondet, span, out)?;
            }
        }
        Ok(())
    }
}
