//! Dotted values: combining `a.b` (constructors and channels take their fields, checked
//! against their types; anything else forms a flat dot list), the types of channels and
//! constructors, `productions`, `extensions`, datatype and subtype sets.

use super::interp::{Ctx, R, TagRt, err};
use super::program::{Code, TypeClause, VarRef};
use super::set::{ENUM_LIMIT, InfSet, Universe, ValueSet};
use super::value::{Data, TagId, TypeId, Value};
use crate::cspm::source::Span;
use std::sync::Arc;

/// A complete value, and the fields that were added to reach it.
type Completion = (Value, Vec<Value>);

impl Ctx<'_> {
    /// `a.b`.
    pub fn dot(&mut self, a: Value, b: Value, span: Span) -> R<Value> {
        let items: Vec<Value> = match b {
            Value::Dot(list) => list.to_vec(),
            other => vec![other],
        };
        let mut acc = a;
        for it in items {
            acc = self.dot_field_on(acc, it, span)?;
        }
        Ok(acc)
    }

    fn dot_field_on(&mut self, base: Value, v: Value, span: Span) -> R<Value> {
        if let Value::Data(d) = &base
            && let Some(nd) = self.try_dot_named(d, &v, span)?
        {
            return Ok(Value::Data(nd));
        }
        let mut list = match base {
            Value::Dot(l) => l.to_vec(),
            other => vec![other],
        };
        list.push(v);
        Ok(Value::Dot(list.into()))
    }

    /// Gives `d` its next field `v` (inside its last field when that is incomplete), or
    /// `None` when `d` takes no more fields.
    fn try_dot_named(&mut self, d: &Arc<Data>, v: &Value, span: Span) -> R<Option<Arc<Data>>> {
        if d.complete {
            return Ok(None);
        }
        let rt = self.tag_rt(d.tag, span)?;
        let n = d.fields.len();
        if let Some(Value::Data(last)) = d.fields.last()
            && !last.complete
        {
            let Some(nl) = self.try_dot_named(last, v, span)? else {
                return Ok(None);
            };
            let nv = Value::Data(nl.clone());
            if nl.complete {
                self.check_field(d, n - 1, &rt, &nv, span)?;
            }
            let mut fields = d.fields.clone();
            fields[n - 1] = nv;
            let complete = fields.len() == rt.fields.len() && nl.complete;
            return Ok(Some(Arc::new(Data {
                tag: d.tag,
                fields,
                complete,
            })));
        }
        if n < rt.fields.len() {
            let v_complete = !matches!(v, Value::Data(x) if !x.complete);
            if v_complete {
                self.check_field(d, n, &rt, v, span)?;
            }
            let mut fields = d.fields.clone();
            fields.push(v.clone());
            let complete = fields.len() == rt.fields.len() && v_complete;
            return Ok(Some(Arc::new(Data {
                tag: d.tag,
                fields,
                complete,
            })));
        }
        Ok(None)
    }

    fn check_field(&mut self, d: &Data, i: usize, rt: &TagRt, v: &Value, span: Span) -> R<()> {
        let set = &rt.fields[i];
        if self.lift(set.member(v, self), span)? {
            return Ok(());
        }
        let name = self.sym(self.prog.tags[d.tag as usize].name);
        err(
            span,
            format!(
                "{} is not a valid value for field {} of `{name}`, which must be in {}",
                self.show(v),
                i + 1,
                self.show(&Value::Set(set.clone()))
            ),
        )
    }

    /// The field types of a channel or constructor, evaluated on first use.
    pub fn tag_rt(&mut self, t: TagId, span: Span) -> R<Arc<TagRt>> {
        if let Some(rt) = &self.st.tags[t as usize] {
            return Ok(rt.clone());
        }
        let decl = &self.prog.tags[t as usize];
        if self.st.tag_busy[t as usize] {
            return err(
                span,
                format!("the type of `{}` depends on itself", self.sym(decl.name)),
            );
        }
        self.st.tag_busy[t as usize] = true;
        let r = self.field_sets(&decl.fields, decl.span);
        self.st.tag_busy[t as usize] = false;
        let rt = Arc::new(TagRt { fields: r? });
        self.st.tags[t as usize] = Some(rt.clone());
        Ok(rt)
    }

    /// Evaluates the dotted components of a type: each is a set (a set of dotted values is
    /// split into one set per field, which FDR requires to be a cartesian product), or a
    /// tuple of sets.
    pub fn field_sets(&mut self, comps: &[Code], span: Span) -> R<Vec<ValueSet>> {
        let mut out = Vec::new();
        for c in comps {
            let at = self.prog.expr(c.expr).span;
            let v = self.run(*c, None)?;
            match v {
                Value::Set(s) => out.extend(self.split_fields(s, at)?),
                Value::Tuple(items) => {
                    let mut sets = Vec::new();
                    for it in items.iter() {
                        sets.push(self.as_set(it.clone(), at)?);
                    }
                    if sets.iter().any(|s| !s.is_finite()) {
                        out.push(ValueSet::infinite(InfSet::Tuples(sets)));
                        continue;
                    }
                    let mut acc: Vec<Vec<Value>> = vec![Vec::new()];
                    for s in &sets {
                        let es = self.elems(s, at)?.to_vec();
                        let mut next = Vec::new();
                        for a in &acc {
                            for x in &es {
                                let mut t = a.clone();
                                t.push(x.clone());
                                next.push(t);
                            }
                        }
                        acc = next;
                    }
                    out.push(ValueSet::from_vec(
                        acc.into_iter().map(Value::tuple).collect(),
                    ));
                }
                v => {
                    return err(at, format!("expected a set as a type, found {}", v.kind()));
                }
            }
        }
        let _ = span;
        Ok(out)
    }

    fn split_fields(&mut self, s: ValueSet, span: Span) -> R<Vec<ValueSet>> {
        let ValueSet::Finite(items) = &s else {
            return Ok(vec![s]);
        };
        let dots = items.iter().filter(|v| matches!(v, Value::Dot(_))).count();
        if dots == 0 || items.is_empty() {
            return Ok(vec![s]);
        }
        let rect_err = || {
            super::interp::err(
                span,
                format!(
                    "the set {} is not rectangular (not a cartesian product of field sets), \
                     so it cannot be used as a type",
                    self.show(&Value::Set(s.clone()))
                ),
            )
        };
        if dots != items.len() {
            return rect_err();
        }
        let width = match &items[0] {
            Value::Dot(d) => d.len(),
            _ => 0,
        };
        let mut cols: Vec<Vec<Value>> = vec![Vec::new(); width];
        for v in items.iter() {
            let Value::Dot(d) = v else { return rect_err() };
            if d.len() != width {
                return rect_err();
            }
            for (c, x) in cols.iter_mut().zip(d.iter()) {
                c.push(x.clone());
            }
        }
        let sets: Vec<ValueSet> = cols.into_iter().map(ValueSet::from_vec).collect();
        let product: usize = sets
            .iter()
            .map(|s| s.card().unwrap_or(0))
            .try_fold(1usize, |a, b| a.checked_mul(b))
            .unwrap_or(usize::MAX);
        if product != items.len() {
            return rect_err();
        }
        Ok(sets)
    }

    /// Every completion of `d`, with the fields that were added (flattened), or `None` when
    /// some field type is infinite.
    fn completions(&mut self, d: &Arc<Data>, span: Span) -> R<Option<Vec<Completion>>> {
        if d.complete {
            return Ok(Some(vec![(Value::Data(d.clone()), Vec::new())]));
        }
        let rt = self.tag_rt(d.tag, span)?;
        let n = d.fields.len();
        let mut partials: Vec<(Vec<Value>, Vec<Value>)> = Vec::new();
        match d.fields.last() {
            Some(Value::Data(last)) if !last.complete => {
                let Some(inner) = self.completions(last, span)? else {
                    return Ok(None);
                };
                for (v, res) in inner {
                    if self.lift(rt.fields[n - 1].member(&v, self), span)? {
                        let mut fs = d.fields[..n - 1].to_vec();
                        fs.push(v);
                        partials.push((fs, res));
                    }
                }
            }
            _ => partials.push((d.fields.clone(), Vec::new())),
        }
        for set in &rt.fields[n.min(rt.fields.len())..] {
            let ValueSet::Finite(xs) = set else {
                return Ok(None);
            };
            let total = (partials.len() as u64).saturating_mul(xs.len() as u64);
            if total > ENUM_LIMIT {
                return err(
                    span,
                    format!(
                        "cannot enumerate {total} or more values (more than the limit of \
                         {ENUM_LIMIT})"
                    ),
                );
            }
            // Each partial value holds its fields twice, plus two vectors' headers.
            let per = 2 * (n + 2);
            super::interp::reserve_values(partials.len() * xs.len() * per, span)?;
            let mut next = Vec::with_capacity(partials.len() * xs.len());
            for (fs, res) in &partials {
                super::interp::within_budget(span)?;
                for x in xs.iter() {
                    let mut f2 = fs.clone();
                    f2.push(x.clone());
                    let mut r2 = res.clone();
                    r2.push(x.clone());
                    next.push((f2, r2));
                }
            }
            partials = next;
        }
        Ok(Some(
            partials
                .into_iter()
                .map(|(fields, res)| {
                    (
                        Value::Data(Arc::new(Data {
                            tag: d.tag,
                            fields,
                            complete: true,
                        })),
                        res,
                    )
                })
                .collect(),
        ))
    }

    /// `productions(v)`: the complete values that extend `v`.
    pub fn productions(&mut self, v: &Value, span: Span) -> R<ValueSet> {
        match v {
            Value::Data(d) => match self.completions(d, span)? {
                Some(cs) => Ok(ValueSet::from_vec(cs.into_iter().map(|c| c.0).collect())),
                None => Ok(ValueSet::infinite(InfSet::Productions(v.clone()))),
            },
            _ => Ok(ValueSet::empty()),
        }
    }

    /// Why [`Self::completions`] gave up on `d`: the reason of the first field type that is
    /// not enumerated (infinite, or finite and too large: never called infinite then).
    fn field_not_enumerated(&mut self, d: &Arc<Data>, span: Span) -> R<String> {
        let rt = self.tag_rt(d.tag, span)?;
        let why = rt.fields.iter().find_map(|s| match s {
            ValueSet::Infinite(s) => Some(s.not_enumerated()),
            ValueSet::Finite(_) => None,
        });
        Ok(match (why, d.fields.last()) {
            (Some(w), _) => w,
            (None, Some(Value::Data(last))) => self.field_not_enumerated(last, span)?,
            (None, _) => "a field type is not enumerated".into(),
        })
    }

    /// `extensions(v)`: the values `x` such that `v.x` is complete.
    pub fn extensions(&mut self, v: &Value, span: Span) -> R<ValueSet> {
        match v {
            Value::Data(d) => match self.completions(d, span)? {
                Some(cs) => Ok(ValueSet::from_vec(
                    cs.into_iter()
                        .map(|(_, mut res)| {
                            if res.len() == 1 {
                                res.pop().unwrap_or(Value::Int(0))
                            } else {
                                Value::Dot(res.into())
                            }
                        })
                        .collect(),
                )),
                None => {
                    let why = self.field_not_enumerated(d, span)?;
                    err(
                        span,
                        format!("cannot enumerate the extensions of {}: {why}", self.show(v)),
                    )
                }
            },
            _ => Ok(ValueSet::empty()),
        }
    }

    /// The values that extend `v` by exactly one more atomic field (for `?x` fields that are
    /// not the last of a prefix).
    pub fn one_field_extensions(&mut self, v: &Value, span: Span) -> R<Vec<Value>> {
        let Value::Data(d) = v else {
            return err(span, format!("{} takes no fields", self.show(v)));
        };
        let rt = self.tag_rt(d.tag, span)?;
        let n = d.fields.len();
        if let Some(Value::Data(last)) = d.fields.last()
            && !last.complete
        {
            let inner = self.one_field_extensions(&Value::Data(last.clone()), span)?;
            let mut out = Vec::new();
            for o in inner {
                let cand = self.dot(Value::Data(last.clone()), o.clone(), span)?;
                let ok = match &cand {
                    Value::Data(c) if c.complete => {
                        self.lift(rt.fields[n - 1].member(&cand, self), span)?
                    }
                    _ => true,
                };
                if ok {
                    out.push(o);
                }
            }
            return Ok(out);
        }
        match rt.fields.get(n) {
            Some(set) => Ok(self.elems(set, span)?.to_vec()),
            None => err(span, format!("{} takes no more fields", self.show(v))),
        }
    }

    /// The set of values of a datatype (symbolic when the datatype is recursive or has an
    /// infinite field).
    pub fn type_set(&mut self, ty: TypeId, span: Span) -> R<ValueSet> {
        if let Some(s) = &self.st.type_sets[ty as usize] {
            return Ok(s.clone());
        }
        let decl = &self.prog.types[ty as usize];
        let recursive = self.st.type_busy[ty as usize]
            || decl.ctors.iter().any(|&t| self.st.tag_busy[t as usize]);
        if recursive {
            let s = ValueSet::infinite(InfSet::Datatype(ty));
            self.st.type_sets[ty as usize] = Some(s.clone());
            return Ok(s);
        }
        self.st.type_busy[ty as usize] = true;
        let r = (|| {
            let mut acc = ValueSet::empty();
            for &t in &decl.ctors {
                let base = self.tag_value(t, span)?;
                let p = self.productions(&base, span)?;
                if !p.is_finite() {
                    return Ok(ValueSet::infinite(InfSet::Datatype(ty)));
                }
                acc = acc.union(&p);
            }
            Ok(acc)
        })();
        self.st.type_busy[ty as usize] = false;
        let s = r?;
        if self.st.type_sets[ty as usize].is_none() {
            self.st.type_sets[ty as usize] = Some(s.clone());
        }
        Ok(self.st.type_sets[ty as usize].clone().unwrap_or(s))
    }

    pub fn subtype_set(&mut self, clauses: &[TypeClause], span: Span) -> R<Value> {
        let mut acc = ValueSet::empty();
        for c in clauses {
            let VarRef::Global(g) = c.ctor else { continue };
            let base = self.global_value(g, c.span)?;
            let sets = self.field_sets(&c.fields, c.span)?;
            let mut partials = vec![base];
            for s in &sets {
                let xs = self.elems(s, c.span)?.to_vec();
                let mut next = Vec::new();
                for p in &partials {
                    for x in &xs {
                        next.push(self.dot(p.clone(), x.clone(), c.span)?);
                    }
                }
                partials = next;
            }
            for p in partials {
                let ps = self.productions(&p, c.span)?;
                acc = acc.union(&ps);
            }
        }
        let _ = span;
        let _ = Universe::tag_type(self, 0);
        Ok(Value::Set(acc))
    }
}
