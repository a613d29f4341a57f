//! Values of the functional language: cheap to clone (shared immutable storage behind `Arc`),
//! totally ordered (sets are sorted and deduplicated with this order) and hashable.

use super::program::{FnId, GroupId};
use super::seq::Seq;
use super::set::ValueSet;
use crate::cspm::proc::ProcId;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A channel or a datatype constructor: index into the script's tag table.
pub type TagId = u32;
/// A datatype: index into the script's datatype table.
pub type TypeId = u32;

/// A value of CSPM.
#[derive(Clone, Debug)]
pub enum Value {
    /// FDR's integers are 32-bit; arithmetic is checked.
    Int(i32),
    Bool(bool),
    Char(char),
    /// Two or more elements.
    Tuple(Arc<[Value]>),
    /// A dotted value whose head is not a constructor waiting for fields (`0.1`, `C.0.1` where
    /// `C.0` is complete): flattened, two or more items, none of them a `Dot`.
    Dot(Arc<[Value]>),
    /// A channel or datatype constructor with the fields given so far (`c`, `c.1`, `c.1.true`).
    Data(Arc<Data>),
    Set(ValueSet),
    Seq(Seq),
    Map(Arc<BTreeMap<Value, Value>>),
    Func(Arc<Func>),
    /// A process: a node of the script's process arena.
    Proc(ProcId),
}

/// A constructor or channel applied to fields.
#[derive(Clone, Debug)]
pub struct Data {
    pub tag: TagId,
    pub fields: Vec<Value>,
    /// Every field is given and the last one is itself complete.
    pub complete: bool,
}

/// A function value: what is called, and the argument groups applied so far (curried
/// definitions `f(x)(y)` take one group at a time).
#[derive(Clone, Debug)]
pub struct Func {
    pub callee: Callee,
    pub applied: Vec<Vec<Value>>,
}

#[derive(Clone, Debug)]
pub enum Callee {
    /// A top-level function definition.
    Global(FnId),
    /// A lambda with the values of its free variables.
    Lambda {
        fun: FnId,
        caps: Arc<[Value]>,
    },
    /// A function defined by a `let` group, in one instance of that group.
    Member {
        inst: Arc<super::env::GroupInst>,
        fun: FnId,
    },
    Builtin(super::builtins::Builtin),
}

impl Callee {
    fn rank(&self) -> u8 {
        match self {
            Callee::Global(_) => 0,
            Callee::Lambda { .. } => 1,
            Callee::Member { .. } => 2,
            Callee::Builtin(_) => 3,
        }
    }
    /// The identity of what is called: the code and the values it closes over.
    fn key(&self) -> (u8, u32, Option<GroupId>, &[Value]) {
        match self {
            Callee::Global(f) => (0, *f, None, &[]),
            Callee::Lambda { fun, caps } => (1, *fun, None, caps),
            Callee::Member { inst, fun } => (2, *fun, Some(inst.group), &inst.caps),
            Callee::Builtin(b) => (3, b.index(), None, &[]),
        }
    }
}

impl Value {
    fn rank(&self) -> u8 {
        match self {
            Value::Int(_) => 0,
            Value::Bool(_) => 1,
            Value::Char(_) => 2,
            Value::Tuple(_) => 3,
            Value::Dot(_) => 4,
            Value::Data(_) => 5,
            Value::Set(_) => 6,
            Value::Seq(_) => 7,
            Value::Map(_) => 8,
            Value::Func(_) => 9,
            Value::Proc(_) => 10,
        }
    }

    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Int(_) => "an integer",
            Value::Bool(_) => "a boolean",
            Value::Char(_) => "a character",
            Value::Tuple(_) => "a tuple",
            Value::Dot(_) => "a dotted value",
            Value::Data(d) if d.complete => "a datatype value or event",
            Value::Data(_) => "an incomplete datatype value or event",
            Value::Set(_) => "a set",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a map",
            Value::Func(_) => "a function",
            Value::Proc(_) => "a process",
        }
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Tuple(items.into())
    }

    pub fn empty_set() -> Value {
        Value::Set(ValueSet::empty())
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Char(a), Value::Char(b)) => a.cmp(b),
            (Value::Tuple(a), Value::Tuple(b)) => a.iter().cmp(b.iter()),
            (Value::Dot(a), Value::Dot(b)) => a.iter().cmp(b.iter()),
            (Value::Data(a), Value::Data(b)) => {
                if Arc::ptr_eq(a, b) {
                    return Ordering::Equal;
                }
                a.tag
                    .cmp(&b.tag)
                    .then_with(|| a.fields.iter().cmp(b.fields.iter()))
            }
            (Value::Set(a), Value::Set(b)) => a.cmp(b),
            (Value::Seq(a), Value::Seq(b)) => a.cmp(b),
            (Value::Map(a), Value::Map(b)) => a.iter().cmp(b.iter()),
            (Value::Func(a), Value::Func(b)) => {
                let (ka, kb) = (a.callee.key(), b.callee.key());
                ka.0.cmp(&kb.0)
                    .then(ka.1.cmp(&kb.1))
                    .then(ka.2.cmp(&kb.2))
                    .then_with(|| ka.3.iter().cmp(kb.3.iter()))
                    .then_with(|| a.applied.cmp(&b.applied))
                    .then(a.callee.rank().cmp(&b.callee.rank()))
            }
            (Value::Proc(a), Value::Proc(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u8(self.rank());
        match self {
            Value::Int(i) => i.hash(h),
            Value::Bool(b) => b.hash(h),
            Value::Char(c) => c.hash(h),
            Value::Tuple(vs) | Value::Dot(vs) => {
                for v in vs.iter() {
                    v.hash(h)
                }
            }
            Value::Data(d) => {
                d.tag.hash(h);
                for v in &d.fields {
                    v.hash(h)
                }
            }
            Value::Set(s) => s.hash(h),
            Value::Seq(s) => s.hash(h),
            Value::Map(m) => {
                for (k, v) in m.iter() {
                    k.hash(h);
                    v.hash(h);
                }
            }
            Value::Func(f) => {
                let k = f.callee.key();
                k.0.hash(h);
                k.1.hash(h);
                k.2.hash(h);
                for v in k.3 {
                    v.hash(h)
                }
                f.applied.hash(h);
            }
            Value::Proc(p) => p.hash(h),
        }
    }
}
