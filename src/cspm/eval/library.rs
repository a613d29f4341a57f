//! What the builtins do, and how calls are unfolded.

use super::arena::CallTarget;
use super::builtins::Builtin;
use super::interp::{Ctx, R, err};
use super::program::{Global, Member};
use super::seq::Seq;
use super::set::{ENUM_LIMIT, InfSet, ValueSet};
use super::value::{Callee, Func, Value};
use crate::cspm::proc::{CallId, CallInfo, EventId, ProcId, ProcNode};
use crate::cspm::source::Span;
use std::collections::BTreeMap;
use std::sync::Arc;

impl Ctx<'_> {
    pub fn builtin_value(&mut self, b: Builtin, span: Span) -> R<Value> {
        Ok(match b {
            Builtin::Stop => self.proc(ProcNode::Stop),
            Builtin::Skip => self.proc(ProcNode::Skip),
            Builtin::Div => self.proc(ProcNode::Div),
            Builtin::Int => Value::Set(ValueSet::all_ints()),
            Builtin::BoolSet => Value::Set(ValueSet::from_sorted(vec![
                Value::Bool(false),
                Value::Bool(true),
            ])),
            Builtin::Char => Value::Set(ValueSet::infinite(InfSet::Chars)),
            Builtin::ProcSet => Value::Set(ValueSet::infinite(InfSet::Procs)),
            Builtin::Events => Value::Set(self.all_events(span)?),
            Builtin::True => Value::Bool(true),
            Builtin::False => Value::Bool(false),
            Builtin::EmptyMap => Value::Map(Arc::new(BTreeMap::new())),
            _ => Value::Func(Arc::new(Func {
                callee: Callee::Builtin(b),
                applied: Vec::new(),
            })),
        })
    }

    fn map_of(&self, v: Value, span: Span) -> R<Arc<BTreeMap<Value, Value>>> {
        match v {
            Value::Map(m) => Ok(m),
            v => err(span, format!("expected a map, found {}", v.kind())),
        }
    }

    fn pair(&self, v: &Value, span: Span) -> R<(Value, Value)> {
        match v {
            Value::Tuple(t) if t.len() == 2 => Ok((t[0].clone(), t[1].clone())),
            v => err(span, format!("expected a pair, found {}", v.kind())),
        }
    }

    fn finite_set(&self, v: Value, span: Span) -> R<Vec<Value>> {
        let s = self.as_set(v, span)?;
        Ok(self.elems(&s, span)?.to_vec())
    }

    pub fn call_builtin(&mut self, b: Builtin, groups: &mut [Vec<Value>], span: Span) -> R<Value> {
        let mut args: Vec<Value> = groups.iter_mut().flat_map(std::mem::take).collect();
        let mut arg = |i: usize| std::mem::replace(&mut args[i], Value::Int(0));
        use Builtin as B;
        Ok(match b {
            B::Union => {
                let (a, c) = (self.as_set(arg(0), span)?, self.as_set(arg(1), span)?);
                Value::Set(a.union(&c))
            }
            B::Inter => {
                let (a, c) = (self.as_set(arg(0), span)?, self.as_set(arg(1), span)?);
                Value::Set(self.lift(a.inter(&c, self), span)?)
            }
            B::Diff => {
                let (a, c) = (self.as_set(arg(0), span)?, self.as_set(arg(1), span)?);
                Value::Set(self.lift(a.diff(&c, self), span)?)
            }
            B::BigUnion => {
                let mut acc = ValueSet::empty();
                for s in self.finite_set(arg(0), span)? {
                    acc = acc.union(&self.as_set(s, span)?);
                }
                Value::Set(acc)
            }
            B::BigInter => {
                let sets = self.finite_set(arg(0), span)?;
                let mut it = sets.into_iter();
                let Some(first) = it.next() else {
                    return err(span, "Inter of an empty set of sets");
                };
                let mut acc = self.as_set(first, span)?;
                for s in it {
                    let s = self.as_set(s, span)?;
                    acc = self.lift(acc.inter(&s, self), span)?;
                }
                Value::Set(acc)
            }
            B::Member => {
                let x = arg(0);
                let s = self.as_set(arg(1), span)?;
                Value::Bool(self.lift(s.member(&x, self), span)?)
            }
            B::Card => {
                let s = self.as_set(arg(0), span)?;
                // A large interval is counted, not enumerated.
                let n = match s.card() {
                    Ok(n) => n,
                    Err(_) => self.elems(&s, span)?.len(),
                };
                Value::Int(self.int_of_len(n, span)?)
            }
            B::Empty => {
                let s = self.as_set(arg(0), span)?;
                Value::Bool(self.lift(s.is_empty(), span)?)
            }
            B::SetOf => {
                let s = self.as_seq(arg(0), span)?;
                Value::Set(ValueSet::from_vec(self.seq_force_all(&s, span)?))
            }
            B::PowerSet => {
                let s = self.as_set(arg(0), span)?;
                match s.elems() {
                    Ok(items) if items.len() <= 20 => {
                        let n = items.len();
                        let mut out = Vec::with_capacity(1 << n);
                        for mask in 0u32..(1u32 << n) {
                            let sub: Vec<Value> = (0..n)
                                .filter(|i| mask & (1 << i) != 0)
                                .map(|i| items[i].clone())
                                .collect();
                            out.push(Value::Set(ValueSet::from_sorted(sub)));
                        }
                        Value::Set(ValueSet::from_vec(out))
                    }
                    _ => Value::Set(ValueSet::infinite(InfSet::SetOf(s))),
                }
            }
            B::SeqSet => {
                let s = self.as_set(arg(0), span)?;
                if matches!(s.elems(), Ok([])) {
                    Value::Set(ValueSet::singleton(Value::Seq(Seq::empty())))
                } else {
                    Value::Set(ValueSet::infinite(InfSet::SeqOf(s)))
                }
            }
            B::SeqOf => {
                let s = self.as_set(arg(0), span)?;
                Value::Seq(Seq::from_vec(self.elems(&s, span)?.to_vec()))
            }
            B::Length => {
                let s = self.as_seq(arg(0), span)?;
                let n = self.seq_len(&s, span)?;
                Value::Int(self.int_of_len(n, span)?)
            }
            B::Null => {
                let s = self.as_seq(arg(0), span)?;
                Value::Bool(self.seq_prefix(&s, 1, span)?.unwrap_or_default().is_empty())
            }
            B::Head => {
                let s = self.as_seq(arg(0), span)?;
                match self.seq_prefix(&s, 1, span)?.unwrap_or_default().pop() {
                    Some(v) => v,
                    None => return err(span, "head of an empty sequence"),
                }
            }
            B::Tail => {
                let s = self.as_seq(arg(0), span)?;
                if self.seq_prefix(&s, 1, span)?.unwrap_or_default().is_empty() {
                    return err(span, "tail of an empty sequence");
                }
                Value::Seq(self.seq_drop(&s, 1, span)?)
            }
            B::Concat => {
                let s = self.as_seq(arg(0), span)?;
                let mut out = Vec::new();
                for x in self.seq_force_all(&s, span)? {
                    let t = self.as_seq(x, span)?;
                    let items = self.seq_force_all(&t, span)?;
                    super::interp::reserve_values(out.len() + items.len(), span)?;
                    out.extend(items);
                }
                Value::Seq(Seq::from_vec(out))
            }
            B::Elem => {
                let x = arg(0);
                let s = self.as_seq(arg(1), span)?;
                if let (Seq::From(k), Value::Int(i)) = (&s, &x) {
                    Value::Bool(*i as i64 >= *k)
                } else {
                    let items = self.seq_force_all(&s, span)?;
                    Value::Bool(items.contains(&x))
                }
            }
            B::Show => {
                let v = arg(0);
                let text = self.show(&v);
                Value::Seq(Seq::from_vec(text.chars().map(Value::Char).collect()))
            }
            B::Error => {
                let s = self.as_seq(arg(0), span)?;
                let msg: String = self
                    .seq_force_all(&s, span)?
                    .iter()
                    .map(|v| match v {
                        Value::Char(c) => *c,
                        _ => '?',
                    })
                    .collect();
                return err(span, format!("`error` was called: {msg}"));
            }
            B::MapFromList => {
                let s = self.as_seq(arg(0), span)?;
                let mut m = BTreeMap::new();
                for x in self.seq_force_all(&s, span)? {
                    let (k, v) = self.pair(&x, span)?;
                    m.insert(k, v);
                }
                Value::Map(Arc::new(m))
            }
            B::MapLookup => {
                let m = self.map_of(arg(0), span)?;
                let k = arg(1);
                match m.get(&k) {
                    Some(v) => v.clone(),
                    None => {
                        return err(
                            span,
                            format!("mapLookup: the key {} is not in the map", self.show(&k)),
                        );
                    }
                }
            }
            B::MapMember => {
                let m = self.map_of(arg(0), span)?;
                Value::Bool(m.contains_key(&arg(1)))
            }
            B::MapToList => {
                let m = self.map_of(arg(0), span)?;
                Value::Seq(Seq::from_vec(
                    m.iter()
                        .map(|(k, v)| Value::tuple(vec![k.clone(), v.clone()]))
                        .collect(),
                ))
            }
            B::MapUpdate => {
                let m = self.map_of(arg(0), span)?;
                let mut m = (*m).clone();
                m.insert(arg(1), arg(2));
                Value::Map(Arc::new(m))
            }
            B::MapUpdateMultiple => {
                let m = self.map_of(arg(0), span)?;
                let s = self.as_seq(arg(1), span)?;
                let mut m = (*m).clone();
                for x in self.seq_force_all(&s, span)? {
                    let (k, v) = self.pair(&x, span)?;
                    m.insert(k, v);
                }
                Value::Map(Arc::new(m))
            }
            B::MapDelete => {
                let m = self.map_of(arg(0), span)?;
                let mut m = (*m).clone();
                m.remove(&arg(1));
                Value::Map(Arc::new(m))
            }
            B::MapSet => {
                let ks = self.as_set(arg(0), span)?;
                let vs = self.as_set(arg(1), span)?;
                match (ks.elems(), vs.elems()) {
                    (Ok(k), Ok(v)) => {
                        let count = (v.len() as u64 + 1).checked_pow(k.len() as u32);
                        if count.is_none_or(|c| c > ENUM_LIMIT) {
                            Value::Set(ValueSet::infinite(InfSet::MapOf(ks.clone(), vs.clone())))
                        } else {
                            let mut maps = vec![BTreeMap::new()];
                            for key in k {
                                let mut next = Vec::new();
                                for m in &maps {
                                    next.push(m.clone());
                                    for val in v {
                                        let mut m2 = m.clone();
                                        m2.insert(key.clone(), val.clone());
                                        next.push(m2);
                                    }
                                }
                                maps = next;
                            }
                            Value::Set(ValueSet::from_vec(
                                maps.into_iter().map(|m| Value::Map(Arc::new(m))).collect(),
                            ))
                        }
                    }
                    _ => Value::Set(ValueSet::infinite(InfSet::MapOf(ks.clone(), vs.clone()))),
                }
            }
            B::Extensions => {
                let v = arg(0);
                Value::Set(self.extensions(&v, span)?)
            }
            B::Productions => {
                let v = arg(0);
                Value::Set(self.productions(&v, span)?)
            }
            B::Transpose => {
                let r = self.finite_set(arg(0), span)?;
                let mut out = Vec::with_capacity(r.len());
                for x in &r {
                    let (a, c) = self.pair(x, span)?;
                    out.push(Value::tuple(vec![c, a]));
                }
                Value::Set(ValueSet::from_vec(out))
            }
            B::RelationalImage | B::RelationalInverseImage => {
                let r = self.finite_set(arg(0), span)?;
                let x = arg(1);
                let mut out = Vec::new();
                for p in &r {
                    let (a, c) = self.pair(p, span)?;
                    if b == B::RelationalImage && a == x {
                        out.push(c)
                    } else if b == B::RelationalInverseImage && c == x {
                        out.push(a)
                    }
                }
                Value::Set(ValueSet::from_vec(out))
            }
            B::Mtransclose => {
                let r = self.finite_set(arg(0), span)?;
                let dom = self.finite_set(arg(1), span)?;
                self.mtransclose(&r, &dom, span)?
            }
            B::Chaos | B::Run => {
                let s = self.as_set(arg(0), span)?;
                let a = self.event_set_of(&s, span)?;
                self.proc(if b == B::Chaos {
                    ProcNode::Chaos(a)
                } else {
                    ProcNode::Run(a)
                })
            }
            B::Loop => {
                let p = self.as_proc(arg(0), span)?;
                let name = format!("loop({})", self.show(&Value::Proc(p)));
                Value::Proc(
                    self.st
                        .arena
                        .call(CallTarget::Loop(p), || CallInfo { name, span: None }),
                )
            }
            B::Buffer => {
                let n = self.as_int(arg(0), span)?;
                if n <= 0 {
                    return err(span, format!("BUFFER needs a positive capacity, not {n}"));
                }
                let pairs = self.finite_set(arg(1), span)?;
                let mut evs: Vec<(EventId, EventId)> = Vec::new();
                for p in &pairs {
                    let (a, c) = self.pair(p, span)?;
                    evs.push((self.event(&a, span)?, self.event(&c, span)?));
                }
                let mut all: Vec<EventId> = evs.iter().flat_map(|&(a, c)| [a, c]).collect();
                all.sort_unstable();
                if let Some(w) = all.windows(2).find(|w| w[0] == w[1]) {
                    return err(
                        span,
                        format!(
                            "the event {} is used more than once in this BUFFER",
                            self.st.arena.event_name(w[0])
                        ),
                    );
                }
                let name = format!(
                    "BUFFER({n}, {})",
                    self.show(&Value::Set(ValueSet::from_vec(pairs)))
                );
                Value::Proc(self.st.arena.call(
                    CallTarget::Buffer {
                        capacity: n as usize,
                        pairs: evs.into(),
                        contents: Vec::new(),
                    },
                    || CallInfo { name, span: None },
                ))
            }
            B::Compression(_) => {
                let p = self.as_proc(arg(0), span)?;
                Value::Proc(p)
            }
            B::Unsupported(_) => {
                return err(
                    span,
                    format!("unsupported: `{}` is not supported by cspot", b.name()),
                );
            }
            _ => return err(span, format!("`{}` is not a function", b.name())),
        })
    }

    /// FDR's `mtransclose(R, D)`: for each class of `D` under the equivalence `R` generates,
    /// the pairs `(r, x)` from its representative (the least element) to its other members.
    fn mtransclose(&mut self, r: &[Value], dom: &[Value], span: Span) -> R<Value> {
        let mut index: BTreeMap<Value, usize> = BTreeMap::new();
        let mut elems: Vec<Value> = Vec::new();
        let id = |v: &Value, index: &mut BTreeMap<Value, usize>, elems: &mut Vec<Value>| {
            *index.entry(v.clone()).or_insert_with(|| {
                elems.push(v.clone());
                elems.len() - 1
            })
        };
        let mut parent: Vec<usize> = Vec::new();
        fn find(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let mut edges = Vec::new();
        for p in r {
            let (a, b) = self.pair(p, span)?;
            let (ia, ib) = (
                id(&a, &mut index, &mut elems),
                id(&b, &mut index, &mut elems),
            );
            edges.push((ia, ib));
        }
        for d in dom {
            id(d, &mut index, &mut elems);
        }
        parent.extend(0..elems.len());
        for (a, b) in edges {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
        let mut classes: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
        for d in dom {
            let i = index[d];
            let root = find(&mut parent, i);
            classes.entry(root).or_default().push(d.clone());
        }
        let mut out = Vec::new();
        for (_, mut members) in classes {
            members.sort();
            let rep = members[0].clone();
            for m in &members[1..] {
                out.push(Value::tuple(vec![rep.clone(), m.clone()]));
            }
        }
        Ok(Value::Set(ValueSet::from_vec(out)))
    }

    /// The body of a call: evaluated the first time, cached afterwards.
    pub fn unfold(&mut self, c: CallId) -> R<ProcId> {
        let Some(entry) = self.st.arena.call_entry(c) else {
            return err(Span::default(), "internal error: unknown call");
        };
        if let Some(b) = entry.body {
            return Ok(b);
        }
        let target = entry.target.clone();
        let span = entry.info.span.unwrap_or_default();
        let prog = self.prog;
        let p = match target {
            CallTarget::Global(g) => match &prog.globals[g as usize] {
                Global::Value { code, .. } => {
                    let v = self.run(*code, None)?;
                    self.as_proc(v, prog.expr(code.expr).span)?
                }
                _ => return err(span, "internal error: call of a non-process"),
            },
            CallTarget::Func(f) => {
                let v = self.invoke(&f, span)?;
                self.as_proc(v, span)?
            }
            CallTarget::Member(inst, m) => {
                match &prog.groups[inst.group as usize].members[m as usize] {
                    Member::Value { code, .. } => {
                        let at = prog.expr(code.expr).span;
                        let v = self.run(*code, Some(inst.clone()))?;
                        self.as_proc(v, at)?
                    }
                    _ => return err(span, "internal error: call of a non-process"),
                }
            }
            CallTarget::Loop(p) => {
                let me = self.st.arena.node(ProcNode::Call(c));
                self.st.arena.node(ProcNode::Seq(p, me))
            }
            CallTarget::Buffer {
                capacity,
                pairs,
                contents,
            } => {
                let mut alts = Vec::new();
                let name = |contents: &[u32]| -> String { format!("BUFFER<{}>", contents.len()) };
                if contents.len() < capacity {
                    for (i, (a, _)) in pairs.iter().enumerate() {
                        let mut next = contents.clone();
                        next.push(i as u32);
                        let n = name(&next);
                        let q = self.st.arena.call(
                            CallTarget::Buffer {
                                capacity,
                                pairs: pairs.clone(),
                                contents: next,
                            },
                            || CallInfo {
                                name: n,
                                span: None,
                            },
                        );
                        alts.push(self.st.arena.node(ProcNode::Prefix(*a, q)));
                    }
                }
                if let Some(&first) = contents.first() {
                    let next = contents[1..].to_vec();
                    let n = name(&next);
                    let q = self.st.arena.call(
                        CallTarget::Buffer {
                            capacity,
                            pairs: pairs.clone(),
                            contents: next,
                        },
                        || CallInfo {
                            name: n,
                            span: None,
                        },
                    );
                    let out = pairs[first as usize].1;
                    alts.push(self.st.arena.node(ProcNode::Prefix(out, q)));
                }
                self.ext_choice(alts)
            }
        };
        self.st.arena.set_body(c, p);
        Ok(p)
    }
}
