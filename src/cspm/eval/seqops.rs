//! Operations on sequences that may be infinite: forcing prefixes, dropping, concatenation
//! and lazy comprehensions over infinite generators.

use super::env::Frame;
use super::interp::{Ctx, R, err};
use super::program::{ExprId, PatId, Stmt};
use super::seq::{LazyGen, LazySeq, Seq};
use super::set::ENUM_LIMIT;
use super::value::Value;
use crate::cspm::source::{Diagnostic, Span};
use std::sync::Arc;

impl Ctx<'_> {
    /// The first `n` elements (fewer when the sequence is shorter).
    pub fn seq_prefix(&mut self, s: &Seq, n: usize, span: Span) -> R<Option<Vec<Value>>> {
        match s {
            Seq::Finite { .. } => {
                let items = s.finite_items().unwrap_or(&[]);
                Ok(Some(items[..n.min(items.len())].to_vec()))
            }
            Seq::From(k) => {
                let mut out = Vec::with_capacity(n);
                for i in 0..n as i64 {
                    let v = k + i;
                    if v > i32::MAX as i64 {
                        break;
                    }
                    out.push(Value::Int(v as i32));
                }
                Ok(Some(out))
            }
            Seq::Lazy(l, skip) => {
                self.force_lazy(l, skip + n, span)?;
                let st = l
                    .state
                    .lock()
                    .map_err(|_| Diagnostic::error(span, "internal error: lazy sequence"))?;
                let end = (skip + n).min(st.forced.len());
                Ok(Some(st.forced[(*skip).min(end)..end].to_vec()))
            }
        }
    }

    fn force_lazy(&mut self, l: &Arc<LazySeq>, n: usize, span: Span) -> R<()> {
        let mut steps: u64 = 0;
        loop {
            steps += 1;
            if steps > ENUM_LIMIT {
                return err(
                    span,
                    "no further element of this lazy sequence after many steps (an infinite \
                     search?)",
                );
            }
            let mut producer = {
                let mut st = l
                    .state
                    .lock()
                    .map_err(|_| Diagnostic::error(span, "internal error: lazy sequence"))?;
                if st.forced.len() >= n {
                    return Ok(());
                }
                match st.producer.take() {
                    Some(g) => g,
                    None => return Ok(()),
                }
            };
            let r = producer.next(self);
            let mut st = l
                .state
                .lock()
                .map_err(|_| Diagnostic::error(span, "internal error: lazy sequence"))?;
            match r {
                Ok(Some(vs)) => {
                    super::interp::within_budget(span)?;
                    st.forced.extend(vs);
                    st.producer = Some(producer);
                    if st.forced.len() as u64 > ENUM_LIMIT {
                        return err(span, "sequence too long to evaluate");
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    st.producer = Some(producer);
                    return Err(e);
                }
            }
        }
    }

    /// Every element; an error for a sequence that does not end.
    pub fn seq_force_all(&mut self, s: &Seq, span: Span) -> R<Vec<Value>> {
        match s {
            Seq::Finite { .. } => {
                let items = s.finite_items().unwrap_or(&[]);
                super::interp::reserve_values(items.len(), span)?;
                Ok(items.to_vec())
            }
            Seq::From(k) => err(span, format!("the sequence <{k}..> is infinite")),
            Seq::Lazy(..) => {
                let limit = ENUM_LIMIT as usize;
                let items = self.seq_prefix(s, limit + 1, span)?.unwrap_or_default();
                if items.len() > limit {
                    return err(span, "this sequence is infinite (or too long to evaluate)");
                }
                Ok(items)
            }
        }
    }

    pub fn seq_len(&mut self, s: &Seq, span: Span) -> R<usize> {
        match s.finite_items() {
            Some(i) => Ok(i.len()),
            None => Ok(self.seq_force_all(s, span)?.len()),
        }
    }

    /// The sequence without its first `n` elements.
    pub fn seq_drop(&mut self, s: &Seq, n: usize, span: Span) -> R<Seq> {
        Ok(match s {
            Seq::Finite { items, start, end } => {
                let st = (*start as usize + n).min(*end as usize) as u32;
                Seq::Finite {
                    items: items.clone(),
                    start: st,
                    end: *end,
                }
            }
            Seq::From(k) => Seq::From(k + n as i64),
            Seq::Lazy(l, skip) => {
                let _ = span;
                Seq::Lazy(l.clone(), skip + n)
            }
        })
    }

    pub fn seq_concat(&mut self, s: Seq, t: Seq, span: Span) -> R<Seq> {
        match (s.finite_items(), t.finite_items()) {
            (Some(a), Some(b)) => {
                if a.is_empty() {
                    return Ok(t);
                }
                if b.is_empty() {
                    return Ok(s);
                }
                // `P(s) = a -> P(s ^ s)` doubles a sequence at every step: the copy is
                // measured against the memory bound before it is made.
                super::interp::reserve_values(a.len() + b.len(), span)?;
                let mut v = Vec::with_capacity(a.len() + b.len());
                v.extend_from_slice(a);
                v.extend_from_slice(b);
                Ok(Seq::from_vec(v))
            }
            (None, _) => {
                // Whether `s` ends is only known by forcing it: keep it lazy.
                let _ = span;
                Ok(Seq::lazy(Box::new(CatGen {
                    parts: vec![s, t],
                    pos: 0,
                })))
            }
            (Some(_), None) => Ok(Seq::lazy(Box::new(CatGen {
                parts: vec![s, t],
                pos: 0,
            }))),
        }
    }

    /// `<items | x <- source, stmts>` with an infinite source: produced on demand.
    pub fn lazy_comp(
        &mut self,
        f: &mut Frame,
        source: Value,
        items: &[ExprId],
        stmts: &[Stmt],
        span: Span,
    ) -> R<Value> {
        let Value::Seq(src) = source else {
            return err(span, "expected a sequence");
        };
        let Some(Stmt::Gen { pat, .. }) = stmts.first() else {
            return err(
                span,
                "internal error: lazy comprehension without a generator",
            );
        };
        Ok(Value::Seq(Seq::lazy(Box::new(CompGen {
            source: src,
            pos: 0,
            pat: *pat,
            items: items.to_vec(),
            rest: stmts[1..].to_vec(),
            frame: f.clone(),
            span,
        }))))
    }
}

#[derive(Debug)]
struct CatGen {
    parts: Vec<Seq>,
    pos: usize,
}

impl LazyGen for CatGen {
    fn next(&mut self, cx: &mut Ctx<'_>) -> R<Option<Vec<Value>>> {
        let span = Span::default();
        while let Some(s) = self.parts.first() {
            let chunk = cx.seq_prefix(s, self.pos + 64, span)?.unwrap_or_default();
            if chunk.len() > self.pos {
                let out = chunk[self.pos..].to_vec();
                self.pos = chunk.len();
                return Ok(Some(out));
            }
            self.parts.remove(0);
            self.pos = 0;
        }
        Ok(None)
    }
}

struct CompGen {
    source: Seq,
    pos: usize,
    pat: PatId,
    items: Vec<ExprId>,
    rest: Vec<Stmt>,
    frame: Frame,
    span: Span,
}

impl std::fmt::Debug for CompGen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CompGen")
    }
}

impl LazyGen for CompGen {
    fn next(&mut self, cx: &mut Ctx<'_>) -> R<Option<Vec<Value>>> {
        let elem = cx.seq_prefix(&self.source, self.pos + 1, self.span)?;
        let Some(elem) = elem.and_then(|e| e.get(self.pos).cloned()) else {
            return Ok(None);
        };
        self.pos += 1;
        let mut out = Vec::new();
        let mut f = self.frame.clone();
        if cx.matches(&mut f, self.pat, &elem)? {
            let items = self.items.clone();
            let rest = self.rest.clone();
            cx.comprehension(&mut f, &rest, &mut |cx, f| {
                for i in &items {
                    out.push(cx.eval(f, *i)?);
                }
                Ok(())
            })?;
        }
        Ok(Some(out))
    }
}
