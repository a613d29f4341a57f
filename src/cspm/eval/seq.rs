//! Sequences: finite ones as shared slices (so `tail` is O(1)), infinite ones (`<n..>`,
//! comprehensions over them) lazily, forced element by element as FDR does.

use super::value::Value;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

#[derive(Clone, Debug)]
pub enum Seq {
    /// `items[start..end]`.
    Finite {
        items: Arc<[Value]>,
        start: u32,
        end: u32,
    },
    /// `<n..>`.
    From(i64),
    /// A lazily produced sequence, from its `skip`-th element on.
    Lazy(Arc<LazySeq>, usize),
}

/// Produces the elements of a lazy sequence; the evaluator implements it for comprehensions
/// and concatenations.
pub trait LazyGen: Send + std::fmt::Debug {
    /// The next elements (possibly none yet), or `None` at the end.
    fn next(
        &mut self,
        cx: &mut super::interp::Ctx<'_>,
    ) -> Result<Option<Vec<Value>>, crate::cspm::source::Diagnostic>;
}

#[derive(Debug)]
pub struct LazySeq {
    pub state: Mutex<LazyState>,
}

#[derive(Debug)]
pub struct LazyState {
    pub forced: Vec<Value>,
    /// `None` once the sequence has ended.
    pub producer: Option<Box<dyn LazyGen>>,
}

impl Seq {
    pub fn from_vec(v: Vec<Value>) -> Seq {
        let end = v.len() as u32;
        Seq::Finite {
            items: v.into(),
            start: 0,
            end,
        }
    }

    pub fn empty() -> Seq {
        Seq::from_vec(Vec::new())
    }

    pub fn lazy(producer: Box<dyn LazyGen>) -> Seq {
        Seq::Lazy(
            Arc::new(LazySeq {
                state: Mutex::new(LazyState {
                    forced: Vec::new(),
                    producer: Some(producer),
                }),
            }),
            0,
        )
    }

    /// The elements, when the sequence is finite and already known.
    pub fn finite_items(&self) -> Option<&[Value]> {
        match self {
            Seq::Finite { items, start, end } => items.get(*start as usize..*end as usize),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Seq::Finite { .. } => 0,
            Seq::From(_) => 1,
            Seq::Lazy(..) => 2,
        }
    }
}

impl Ord for Seq {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Seq::Finite { .. }, Seq::Finite { .. }) => {
                let (a, b) = (self.finite_items(), other.finite_items());
                a.unwrap_or(&[]).iter().cmp(b.unwrap_or(&[]).iter())
            }
            (Seq::From(a), Seq::From(b)) => a.cmp(b),
            // Infinite lazy sequences cannot be compared element-wise; the language's `==`
            // reports that, and only sets of them (rare) see this order.
            (Seq::Lazy(a, i), Seq::Lazy(b, j)) => (Arc::as_ptr(a) as usize)
                .cmp(&(Arc::as_ptr(b) as usize))
                .then(i.cmp(j)),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}
impl PartialOrd for Seq {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Seq {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Seq {}
impl Hash for Seq {
    fn hash<H: Hasher>(&self, h: &mut H) {
        match self {
            Seq::Finite { .. } => {
                for v in self.finite_items().unwrap_or(&[]) {
                    v.hash(h)
                }
            }
            Seq::From(n) => n.hash(h),
            Seq::Lazy(a, i) => {
                (Arc::as_ptr(a) as usize).hash(h);
                i.hash(h)
            }
        }
    }
}
