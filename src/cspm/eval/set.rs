//! Sets of values: finite sets as sorted, deduplicated slices; infinite sets (`{n..}`, `Int`,
//! `Seq(A)`, recursive datatypes, ...) symbolically, with membership but no enumeration.

use super::value::{TagId, TypeId, Value};
use std::sync::Arc;

/// Sets larger than this are not enumerated (FDR would run out of memory long before).
pub const ENUM_LIMIT: u64 = 1 << 24;

/// The smallest and largest integers (FDR's integers are 32-bit); an interval reaching them is
/// unbounded on that side.
pub const INT_MIN: i64 = i32::MIN as i64;
pub const INT_MAX: i64 = i32::MAX as i64;

/// A set of values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ValueSet {
    /// Sorted and deduplicated.
    Finite(Arc<[Value]>),
    Infinite(Arc<InfSet>),
}

/// A set that is not enumerated.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InfSet {
    /// Disjoint, sorted, non-adjacent inclusive intervals within `INT_MIN..=INT_MAX`, at least
    /// one of them unbounded or too large to enumerate.
    Ints(Vec<(i64, i64)>),
    Chars,
    Procs,
    /// Every complete event of every channel (when some channel has an infinite type).
    Events,
    /// `Seq(A)`: every finite sequence over `A`.
    SeqOf(ValueSet),
    /// `Set(A)` of a large `A`.
    SetOf(ValueSet),
    /// `Map(K, V)`.
    MapOf(ValueSet, ValueSet),
    /// `(A, B)` as a type: the tuples whose components are in the sets.
    Tuples(Vec<ValueSet>),
    /// The values of a datatype with infinitely many values (a recursive one).
    Datatype(TypeId),
    /// The completions of a partial event or datatype value with an infinite field.
    Productions(Value),
    Union(Vec<ValueSet>),
    Inter(Vec<ValueSet>),
    Diff(ValueSet, ValueSet),
}

/// How many elements a set that is not enumerated has, as far as it is known without the
/// script (saturating at `u128::MAX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// Exactly this many.
    Exact(u128),
    /// At most this many.
    AtMost(u128),
    Infinite,
    /// Depends on channel or datatype types not at hand: infinite or too large.
    Unknown,
}

impl InfSet {
    /// The size of the set, when it can be told from the set alone. FDR's integers are 32-bit,
    /// so an integer interval reaching `INT_MIN` or `INT_MAX` (`{0..}`, `Int`) is infinite.
    pub fn size(&self) -> Size {
        use Size::*;
        let of = |s: &ValueSet| match s {
            ValueSet::Finite(vs) => Exact(vs.len() as u128),
            ValueSet::Infinite(s) => s.size(),
        };
        match self {
            InfSet::Ints(iv) => {
                if iv.iter().any(|&(a, b)| a == INT_MIN || b == INT_MAX) {
                    Infinite
                } else {
                    Exact(iv.iter().map(|&(a, b)| (b - a + 1) as u128).sum())
                }
            }
            InfSet::Chars | InfSet::Procs | InfSet::SeqOf(_) | InfSet::Datatype(_) => Infinite,
            InfSet::Events | InfSet::Productions(_) => Unknown,
            InfSet::SetOf(a) => match of(a) {
                Exact(n) => Exact(pow(2, n)),
                AtMost(n) => AtMost(pow(2, n)),
                other => other,
            },
            InfSet::MapOf(k, v) => match (of(k), of(v)) {
                (Exact(k), Exact(v)) => Exact(pow(v.saturating_add(1), k)),
                (Exact(k) | AtMost(k), Exact(v) | AtMost(v)) => AtMost(pow(v.saturating_add(1), k)),
                (Exact(0), _) => Exact(1),
                (Infinite, _) | (_, Infinite) => Infinite,
                _ => Unknown,
            },
            InfSet::Tuples(sets) => {
                let mut acc = Exact(1);
                for s in sets {
                    acc = match (acc, of(s)) {
                        (Exact(a), Exact(b)) => Exact(a.saturating_mul(b)),
                        (Exact(a) | AtMost(a), Exact(b) | AtMost(b)) => AtMost(a.saturating_mul(b)),
                        (_, Exact(0)) => Exact(0),
                        (Infinite, _) | (_, Infinite) => Infinite,
                        _ => Unknown,
                    };
                }
                acc
            }
            InfSet::Union(parts) => {
                let mut total = 0u128;
                for p in parts {
                    match of(p) {
                        Exact(n) | AtMost(n) => total = total.saturating_add(n),
                        other => return other,
                    }
                }
                AtMost(total)
            }
            InfSet::Inter(parts) => {
                let sizes: Vec<Size> = parts.iter().map(of).collect();
                sizes
                    .iter()
                    .filter_map(|s| match s {
                        Exact(n) | AtMost(n) => Some(*n),
                        _ => None,
                    })
                    .min()
                    .map_or(Unknown, AtMost)
            }
            InfSet::Diff(a, _) => match of(a) {
                Exact(n) | AtMost(n) => AtMost(n),
                other => other,
            },
        }
    }

    /// Why the set is not enumerated, as the error of an operation that needs its elements:
    /// a finite set is never called infinite.
    pub fn not_enumerated(&self) -> String {
        match self.size() {
            Size::Exact(n) => format!(
                "cannot enumerate a set of {} elements (more than the limit of {ENUM_LIMIT})",
                count(n)
            ),
            Size::AtMost(n) => format!(
                "cannot enumerate a set of up to {} elements (more than the limit of {ENUM_LIMIT})",
                count(n)
            ),
            Size::Infinite => "cannot enumerate an infinite set".into(),
            Size::Unknown => format!(
                "cannot enumerate a set that is infinite or has more than {ENUM_LIMIT} elements"
            ),
        }
    }
}

/// `b^e`, saturating.
fn pow(b: u128, e: u128) -> u128 {
    u32::try_from(e)
        .ok()
        .and_then(|e| b.checked_pow(e))
        .unwrap_or(if b <= 1 { b } else { u128::MAX })
}

/// A count for a message; the saturated maximum is shown as a bound.
fn count(n: u128) -> String {
    if n == u128::MAX {
        "more than 10^38".into()
    } else {
        n.to_string()
    }
}

/// What set operations need to know about the script: which datatype a constructor belongs to.
pub trait Universe {
    /// `None` for channels.
    fn tag_type(&self, tag: TagId) -> Option<TypeId>;
}

pub type SetResult<T> = Result<T, String>;

impl ValueSet {
    pub fn empty() -> ValueSet {
        ValueSet::Finite(Arc::from(Vec::new()))
    }

    /// Sorts and deduplicates.
    pub fn from_vec(mut vs: Vec<Value>) -> ValueSet {
        vs.sort();
        vs.dedup();
        ValueSet::Finite(vs.into())
    }

    /// Already sorted and deduplicated.
    pub fn from_sorted(vs: Vec<Value>) -> ValueSet {
        debug_assert!(vs.windows(2).all(|w| w[0] < w[1]));
        ValueSet::Finite(vs.into())
    }

    pub fn singleton(v: Value) -> ValueSet {
        ValueSet::Finite(Arc::from(vec![v]))
    }

    /// `{lo..hi}` (inclusive; empty when `hi < lo`), `{lo..}` when `hi` is `None`.
    pub fn range(lo: i64, hi: Option<i64>) -> ValueSet {
        let hi = hi.unwrap_or(INT_MAX);
        if hi < lo {
            return ValueSet::empty();
        }
        ValueSet::from_intervals(vec![(lo.max(INT_MIN), hi.min(INT_MAX))])
    }

    /// Every integer.
    pub fn all_ints() -> ValueSet {
        ValueSet::Infinite(Arc::new(InfSet::Ints(vec![(INT_MIN, INT_MAX)])))
    }

    pub fn infinite(s: InfSet) -> ValueSet {
        ValueSet::Infinite(Arc::new(s))
    }

    /// Normalises an interval list: enumerated when bounded and small.
    fn from_intervals(mut iv: Vec<(i64, i64)>) -> ValueSet {
        iv.retain(|(a, b)| a <= b);
        iv.sort();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(iv.len());
        for (a, b) in iv {
            match merged.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        let unbounded = merged.iter().any(|&(a, b)| a == INT_MIN || b == INT_MAX);
        let size: u64 = merged.iter().map(|&(a, b)| (b - a + 1) as u64).sum();
        // Past the memory bound the set stays symbolic; the bound is then exceeded and the
        // next step of evaluation stops (`crate::budget`).
        let bytes = size.saturating_mul(std::mem::size_of::<Value>() as u64);
        if unbounded || size > ENUM_LIMIT || crate::budget::reserve(bytes).is_err() {
            ValueSet::Infinite(Arc::new(InfSet::Ints(merged)))
        } else {
            let mut out = Vec::with_capacity(size as usize);
            for (a, b) in merged {
                for i in a..=b {
                    out.push(Value::Int(i as i32));
                }
            }
            ValueSet::Finite(out.into())
        }
    }

    /// The intervals of a set of integers, when it is one.
    fn intervals(&self) -> Option<Vec<(i64, i64)>> {
        match self {
            ValueSet::Finite(vs) => {
                let mut out: Vec<(i64, i64)> = Vec::new();
                for v in vs.iter() {
                    let Value::Int(i) = v else { return None };
                    let i = *i as i64;
                    match out.last_mut() {
                        Some(last) if last.1 + 1 == i => last.1 = i,
                        _ => out.push((i, i)),
                    }
                }
                Some(out)
            }
            ValueSet::Infinite(s) => match &**s {
                InfSet::Ints(iv) => Some(iv.clone()),
                _ => None,
            },
        }
    }

    fn is_int_like(&self) -> bool {
        match self {
            ValueSet::Finite(vs) => vs.iter().all(|v| matches!(v, Value::Int(_))),
            ValueSet::Infinite(s) => matches!(&**s, InfSet::Ints(_)),
        }
    }

    pub fn is_finite(&self) -> bool {
        matches!(self, ValueSet::Finite(_))
    }

    /// The elements in canonical order, or an error saying why the set is not enumerated:
    /// infinite, or finite with more than [`ENUM_LIMIT`] elements (never called infinite).
    pub fn elems(&self) -> SetResult<&[Value]> {
        match self {
            ValueSet::Finite(vs) => Ok(vs),
            ValueSet::Infinite(s) => Err(s.not_enumerated()),
        }
    }

    /// The number of elements; a large interval of integers is counted, not enumerated.
    pub fn card(&self) -> SetResult<usize> {
        if let ValueSet::Infinite(s) = self
            && let InfSet::Ints(_) = &**s
            && let Size::Exact(n) = s.size()
        {
            return usize::try_from(n).map_err(|_| s.not_enumerated());
        }
        self.elems().map(|e| e.len())
    }

    pub fn is_empty(&self) -> SetResult<bool> {
        match self {
            ValueSet::Finite(vs) => Ok(vs.is_empty()),
            ValueSet::Infinite(s) => match &**s {
                InfSet::Ints(_)
                | InfSet::Chars
                | InfSet::Procs
                | InfSet::Events
                | InfSet::SeqOf(_)
                | InfSet::SetOf(_)
                | InfSet::MapOf(..)
                | InfSet::Tuples(_)
                | InfSet::Datatype(_)
                | InfSet::Productions(_) => Ok(false),
                InfSet::Union(ss) => {
                    for s in ss {
                        if !s.is_empty()? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                _ => Err(
                    "cannot decide whether this set is empty: it is not enumerated (infinite or \
                     too large)"
                        .into(),
                ),
            },
        }
    }

    pub fn member(&self, v: &Value, u: &dyn Universe) -> SetResult<bool> {
        match self {
            ValueSet::Finite(vs) => Ok(vs.binary_search(v).is_ok()),
            ValueSet::Infinite(s) => match &**s {
                InfSet::Ints(iv) => Ok(match v {
                    Value::Int(i) => {
                        let i = *i as i64;
                        iv.iter().any(|&(a, b)| a <= i && i <= b)
                    }
                    _ => false,
                }),
                InfSet::Chars => Ok(matches!(v, Value::Char(_))),
                InfSet::Procs => Ok(matches!(v, Value::Proc(_))),
                InfSet::Events => Ok(match v {
                    Value::Data(d) => d.complete && u.tag_type(d.tag).is_none(),
                    _ => false,
                }),
                InfSet::SeqOf(a) => match v {
                    Value::Seq(s) => match s.finite_items() {
                        Some(items) => {
                            for x in items {
                                if !a.member(x, u)? {
                                    return Ok(false);
                                }
                            }
                            Ok(true)
                        }
                        None => Ok(false),
                    },
                    _ => Ok(false),
                },
                InfSet::SetOf(a) => match v {
                    Value::Set(s) => s.subset(a, u),
                    _ => Ok(false),
                },
                InfSet::MapOf(k, w) => match v {
                    Value::Map(m) => {
                        for (mk, mv) in m.iter() {
                            if !k.member(mk, u)? || !w.member(mv, u)? {
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    }
                    _ => Ok(false),
                },
                InfSet::Tuples(sets) => match v {
                    Value::Tuple(t) if t.len() == sets.len() => {
                        for (x, s) in t.iter().zip(sets) {
                            if !s.member(x, u)? {
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    }
                    _ => Ok(false),
                },
                InfSet::Datatype(t) => Ok(match v {
                    Value::Data(d) => d.complete && u.tag_type(d.tag) == Some(*t),
                    _ => false,
                }),
                InfSet::Productions(p) => Ok(is_production(v, p)),
                InfSet::Union(ss) => {
                    for s in ss {
                        if s.member(v, u)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                InfSet::Inter(ss) => {
                    for s in ss {
                        if !s.member(v, u)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                InfSet::Diff(a, b) => Ok(a.member(v, u)? && !b.member(v, u)?),
            },
        }
    }

    pub fn union(&self, other: &ValueSet) -> ValueSet {
        match (self, other) {
            (ValueSet::Finite(a), ValueSet::Finite(b)) => {
                if a.is_empty() {
                    return other.clone();
                }
                if b.is_empty() {
                    return self.clone();
                }
                ValueSet::Finite(merge_union(a, b).into())
            }
            _ => {
                if self.is_int_like()
                    && other.is_int_like()
                    && let (Some(mut a), Some(b)) = (self.intervals(), other.intervals())
                {
                    a.extend(b);
                    return ValueSet::from_intervals(a);
                }
                if matches!(self, ValueSet::Finite(a) if a.is_empty()) {
                    return other.clone();
                }
                if matches!(other, ValueSet::Finite(b) if b.is_empty()) {
                    return self.clone();
                }
                let mut parts = Vec::new();
                for s in [self, other] {
                    match s {
                        ValueSet::Infinite(i) => match &**i {
                            InfSet::Union(ps) => parts.extend(ps.iter().cloned()),
                            _ => parts.push(s.clone()),
                        },
                        _ => parts.push(s.clone()),
                    }
                }
                ValueSet::infinite(InfSet::Union(parts))
            }
        }
    }

    pub fn inter(&self, other: &ValueSet, u: &dyn Universe) -> SetResult<ValueSet> {
        match (self, other) {
            (ValueSet::Finite(a), ValueSet::Finite(b)) => {
                Ok(ValueSet::Finite(merge_inter(a, b).into()))
            }
            (ValueSet::Finite(a), inf) | (inf, ValueSet::Finite(a)) => {
                let mut out = Vec::new();
                for v in a.iter() {
                    if inf.member(v, u)? {
                        out.push(v.clone());
                    }
                }
                Ok(ValueSet::Finite(out.into()))
            }
            _ => {
                if let (Some(a), Some(b)) = (self.intervals(), other.intervals()) {
                    let mut out = Vec::new();
                    for &(a0, a1) in &a {
                        for &(b0, b1) in &b {
                            let (lo, hi) = (a0.max(b0), a1.min(b1));
                            if lo <= hi {
                                out.push((lo, hi));
                            }
                        }
                    }
                    return Ok(ValueSet::from_intervals(out));
                }
                Ok(ValueSet::infinite(InfSet::Inter(vec![
                    self.clone(),
                    other.clone(),
                ])))
            }
        }
    }

    pub fn diff(&self, other: &ValueSet, u: &dyn Universe) -> SetResult<ValueSet> {
        match (self, other) {
            (ValueSet::Finite(a), ValueSet::Finite(b)) => {
                Ok(ValueSet::Finite(merge_diff(a, b).into()))
            }
            (ValueSet::Finite(a), inf) => {
                let mut out = Vec::new();
                for v in a.iter() {
                    if !inf.member(v, u)? {
                        out.push(v.clone());
                    }
                }
                Ok(ValueSet::Finite(out.into()))
            }
            _ => {
                if let (Some(a), Some(b)) = (self.intervals(), other.intervals()) {
                    let mut cur = a;
                    for (b0, b1) in b {
                        let mut next = Vec::new();
                        for (a0, a1) in cur {
                            if b1 < a0 || a1 < b0 {
                                next.push((a0, a1));
                                continue;
                            }
                            if a0 < b0 {
                                next.push((a0, b0 - 1));
                            }
                            if b1 < a1 {
                                next.push((b1 + 1, a1));
                            }
                        }
                        cur = next;
                    }
                    return Ok(ValueSet::from_intervals(cur));
                }
                Ok(ValueSet::infinite(InfSet::Diff(
                    self.clone(),
                    other.clone(),
                )))
            }
        }
    }

    /// `self <= other`.
    pub fn subset(&self, other: &ValueSet, u: &dyn Universe) -> SetResult<bool> {
        match self {
            ValueSet::Finite(a) => {
                for v in a.iter() {
                    if !other.member(v, u)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ValueSet::Infinite(_) => {
                if let (Some(_), Some(_)) = (self.intervals(), other.intervals()) {
                    return self.diff(other, u)?.is_empty();
                }
                if other.is_finite() {
                    return Ok(false);
                }
                if self == other {
                    return Ok(true);
                }
                Err(
                    "cannot compare these sets: they are not enumerated (infinite or too large)"
                        .into(),
                )
            }
        }
    }

    /// The display form of an infinite set of integers (`{0..}`, `Int`).
    pub fn int_intervals(&self) -> Option<Vec<(i64, i64)>> {
        match self {
            ValueSet::Infinite(s) => match &**s {
                InfSet::Ints(iv) => Some(iv.clone()),
                _ => None,
            },
            _ => None,
        }
    }
}

/// `v` is a complete value that extends the (possibly partial) datatype value or event `p`.
pub fn is_production(v: &Value, p: &Value) -> bool {
    match (v, p) {
        (Value::Data(a), Value::Data(b)) => {
            if !a.complete || a.tag != b.tag || a.fields.len() < b.fields.len() {
                return false;
            }
            let n = b.fields.len();
            if n == 0 {
                return true;
            }
            a.fields[..n - 1] == b.fields[..n - 1] && {
                let (fa, fb) = (&a.fields[n - 1], &b.fields[n - 1]);
                fa == fb || matches!(fb, Value::Data(d) if !d.complete) && is_production(fa, fb)
            }
        }
        _ => v == p,
    }
}

fn merge_union(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i].clone());
                i += 1
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j].clone());
                j += 1
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i].clone());
                i += 1;
                j += 1
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

fn merge_inter(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i].clone());
                i += 1;
                j += 1
            }
        }
    }
    out
}

fn merge_diff(a: &[Value], b: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut j = 0;
    for v in a {
        while j < b.len() && b[j] < *v {
            j += 1;
        }
        if j < b.len() && b[j] == *v {
            continue;
        }
        out.push(v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoTypes;
    impl Universe for NoTypes {
        fn tag_type(&self, _: TagId) -> Option<TypeId> {
            None
        }
    }

    fn ints(xs: &[i32]) -> ValueSet {
        ValueSet::from_vec(xs.iter().map(|&i| Value::Int(i)).collect())
    }

    #[test]
    fn infinite_int_sets_follow_set_algebra() {
        let u = NoTypes;
        let from0 = ValueSet::range(0, None);
        let from1 = ValueSet::range(1, None);
        assert_ne!(from0, from1);
        assert_eq!(from0.diff(&ints(&[0]), &u).unwrap(), from1);
        assert_eq!(from1.diff(&ValueSet::all_ints(), &u).unwrap(), ints(&[]));
        assert_eq!(from0.inter(&ints(&[-1, 1, 2]), &u).unwrap(), ints(&[1, 2]));
        assert!(ints(&[1]).subset(&from0, &u).unwrap());
        assert!(!from1.subset(&ints(&[0]), &u).unwrap());
        assert!(from0.union(&from1).member(&Value::Int(5), &u).unwrap());
        assert!(!from0.union(&from1).member(&Value::Int(-1), &u).unwrap());
        assert!(from0.elems().is_err());
        assert_eq!(ValueSet::range(1, Some(-1)), ints(&[]));
    }

    #[test]
    fn finite_sets_are_canonical() {
        let u = NoTypes;
        let a = ints(&[3, 1, 2, 1]);
        assert_eq!(a.card().unwrap(), 3);
        assert_eq!(a, ints(&[1, 2, 3]));
        assert_eq!(a.diff(&ints(&[2]), &u).unwrap(), ints(&[1, 3]));
        assert_eq!(a.union(&ints(&[5])), ints(&[1, 2, 3, 5]));
    }
}
