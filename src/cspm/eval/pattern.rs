//! Pattern matching: binds the variables of a pattern in a frame, or says it does not match.
//!
//! Dot patterns follow FDR: a value `B.(D.0).1` is read as the items `B, D.0, 1`; a
//! constructor in the pattern opens the item it meets (`B.D.x` sees `B, D, 0, 1`), a variable
//! takes one item, and the last part of the pattern takes whatever is left, dotted together.

use super::env::Frame;
use super::interp::{Ctx, R};
use super::program::{PatId, PatKind};
use super::seq::Seq;
use super::value::{Data, Value};
use std::sync::Arc;

impl Ctx<'_> {
    pub fn matches(&mut self, f: &mut Frame, p: PatId, v: &Value) -> R<bool> {
        let prog = self.prog;
        let pat = prog.pat(p);
        let span = pat.span;
        match &pat.kind {
            PatKind::Wild => Ok(true),
            PatKind::Bind(s) => {
                f.slots[*s as usize] = v.clone();
                Ok(true)
            }
            PatKind::Lit(l) => match (l, v) {
                (Value::Seq(_), Value::Seq(_)) => self.equal(l, v, span),
                _ => Ok(l == v),
            },
            PatKind::Const(c) => {
                let c = self.read_var(f, *c, span)?;
                Ok(c == *v)
            }
            PatKind::Tuple(ps) => match v {
                Value::Tuple(vs) if vs.len() == ps.len() => {
                    for (q, x) in ps.iter().zip(vs.iter()) {
                        if !self.matches(f, *q, x)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Ok(false),
            },
            PatKind::Seq(ps) => match v {
                Value::Seq(s) => {
                    let Some(items) = self.seq_prefix(s, ps.len() + 1, span)? else {
                        return Ok(false);
                    };
                    if items.len() != ps.len() {
                        return Ok(false);
                    }
                    for (q, x) in ps.iter().zip(items.iter()) {
                        if !self.matches(f, *q, x)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Ok(false),
            },
            PatKind::Concat(parts) => match v {
                Value::Seq(s) => self.match_concat(f, parts, s.clone()),
                _ => Ok(false),
            },
            PatKind::Set(ps) => match v {
                Value::Set(s) => {
                    let Ok(items) = s.elems() else {
                        return Ok(false);
                    };
                    match (ps.as_slice(), items) {
                        ([], []) => Ok(true),
                        ([q], [x]) => {
                            let x = x.clone();
                            self.matches(f, *q, &x)
                        }
                        _ => Ok(false),
                    }
                }
                _ => Ok(false),
            },
            PatKind::Also(a, b) => Ok(self.matches(f, *a, v)? && self.matches(f, *b, v)?),
            PatKind::Dot(parts) => {
                let items: Vec<Value> = match v {
                    Value::Data(d) if !d.fields.is_empty() => open(d),
                    Value::Dot(list) => list.to_vec(),
                    other => vec![other.clone()],
                };
                self.match_dot(f, parts, items)
            }
        }
    }

    fn match_dot(&mut self, f: &mut Frame, parts: &[PatId], mut items: Vec<Value>) -> R<bool> {
        let prog = self.prog;
        let mut i = 0;
        for (k, &p) in parts.iter().enumerate() {
            let pat = prog.pat(p);
            let last = k + 1 == parts.len();
            if let PatKind::Const(c) = &pat.kind {
                let cv = self.read_var(f, *c, pat.span)?;
                let Value::Data(cd) = &cv else {
                    return Ok(false);
                };
                // Open items that start with this constructor.
                loop {
                    match items.get(i) {
                        Some(Value::Data(d)) if d.tag == cd.tag && !d.fields.is_empty() => {
                            let opened = open(d);
                            items.splice(i..=i, opened);
                        }
                        _ => break,
                    }
                }
                match items.get(i) {
                    Some(x) if *x == cv => i += 1,
                    _ => return Ok(false),
                }
                if last && i != items.len() {
                    return Ok(false);
                }
                continue;
            }
            if last {
                let rest = &items[i.min(items.len())..];
                let v = match rest {
                    [] => return Ok(false),
                    [one] => one.clone(),
                    many => self.redot(many, pat.span)?,
                };
                return self.matches(f, p, &v);
            }
            let w = width(prog, p);
            if i + w > items.len() {
                return Ok(false);
            }
            let v = if w == 1 {
                items[i].clone()
            } else {
                self.redot(&items[i..i + w], pat.span)?
            };
            i += w;
            if !self.matches(f, p, &v)? {
                return Ok(false);
            }
        }
        Ok(i == items.len())
    }

    /// Dots items back together.
    fn redot(&mut self, items: &[Value], span: crate::cspm::source::Span) -> R<Value> {
        let mut it = items.iter();
        let Some(first) = it.next() else {
            return Ok(Value::Dot(Arc::from(Vec::new())));
        };
        let mut acc = first.clone();
        for x in it {
            acc = self.dot(acc, x.clone(), span)?;
        }
        Ok(acc)
    }

    fn match_concat(&mut self, f: &mut Frame, parts: &[PatId], s: Seq) -> R<bool> {
        let prog = self.prog;
        // Fixed-length parts before and after the one part of unknown length.
        let fixed_len = |p: PatId| -> Option<usize> {
            match &prog.pat(p).kind {
                PatKind::Seq(ps) => Some(ps.len()),
                PatKind::Lit(Value::Seq(s)) => s.finite_items().map(|i| i.len()),
                _ => None,
            }
        };
        let var = parts.iter().position(|&p| fixed_len(p).is_none());
        let span = prog.pat(parts[0]).span;
        let before: usize = parts[..var.unwrap_or(parts.len())]
            .iter()
            .filter_map(|&p| fixed_len(p))
            .sum();
        let after: usize = match var {
            Some(k) => parts[k + 1..].iter().filter_map(|&p| fixed_len(p)).sum(),
            None => 0,
        };
        let head = match self.seq_prefix(&s, before + 1, span)? {
            Some(h) => h,
            None => return Ok(false),
        };
        if head.len() < before {
            return Ok(false);
        }
        let mut pos = 0;
        for &p in &parts[..var.unwrap_or(parts.len())] {
            let n = fixed_len(p).unwrap_or(0);
            let piece = Value::Seq(Seq::from_vec(head[pos..pos + n].to_vec()));
            if !self.matches(f, p, &piece)? {
                return Ok(false);
            }
            pos += n;
        }
        let Some(k) = var else {
            return Ok(head.len() == before);
        };
        let rest = self.seq_drop(&s, before, span)?;
        if after == 0 {
            return self.matches(f, parts[k], &Value::Seq(rest));
        }
        let all = match rest.finite_items() {
            Some(items) => items.to_vec(),
            None => self.seq_force_all(&rest, span)?,
        };
        if all.len() < after {
            return Ok(false);
        }
        let mid = all.len() - after;
        if !self.matches(f, parts[k], &Value::Seq(Seq::from_vec(all[..mid].to_vec())))? {
            return Ok(false);
        }
        let mut pos = mid;
        for &p in &parts[k + 1..] {
            let n = fixed_len(p).unwrap_or(0);
            let piece = Value::Seq(Seq::from_vec(all[pos..pos + n].to_vec()));
            if !self.matches(f, p, &piece)? {
                return Ok(false);
            }
            pos += n;
        }
        Ok(true)
    }
}

/// A constructor value as items: the bare constructor, then its fields.
fn open(d: &Data) -> Vec<Value> {
    let mut out = Vec::with_capacity(d.fields.len() + 1);
    out.push(Value::Data(Arc::new(Data {
        tag: d.tag,
        fields: Vec::new(),
        complete: false,
    })));
    out.extend(d.fields.iter().cloned());
    out
}

/// How many items a non-final part of a dot pattern takes.
fn width(prog: &super::program::Program, p: PatId) -> usize {
    match &prog.pat(p).kind {
        PatKind::Dot(ps) => ps.len(),
        PatKind::Also(a, b) => width(prog, *a).max(width(prog, *b)),
        _ => 1,
    }
}
