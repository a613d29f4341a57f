//! Run-time environments: the frame of the code being evaluated, and `let` group instances
//! whose constant members are evaluated lazily, once.

use super::program::GroupId;
use super::value::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The slots of one piece of code being evaluated, and what it closes over.
#[derive(Clone)]
pub struct Frame {
    pub slots: Vec<Value>,
    /// The free variables of the lambda being run.
    pub caps: Option<Arc<[Value]>>,
    /// The `let` group instance the running code is a member of.
    pub group: Option<Arc<GroupInst>>,
    /// `let` group instances created by this code, by slot.
    pub lets: Vec<(u16, Arc<GroupInst>)>,
}

impl Frame {
    pub fn new(nslots: u16) -> Frame {
        Frame {
            slots: vec![Value::Int(0); nslots as usize],
            caps: None,
            group: None,
            lets: Vec::new(),
        }
    }

    pub fn let_inst(&self, slot: u16) -> Option<&Arc<GroupInst>> {
        self.lets
            .iter()
            .rev()
            .find(|(s, _)| *s == slot)
            .map(|(_, g)| g)
    }
}

/// One evaluation of a `let`: the values its members close over and the memo cells of its
/// constants and pattern bindings.
#[derive(Debug)]
pub struct GroupInst {
    pub group: GroupId,
    pub caps: Arc<[Value]>,
    pub cells: Box<[LazyCell]>,
}

/// A value computed on first use; `busy` catches a value that needs itself.
#[derive(Debug, Default)]
pub struct LazyCell {
    pub value: OnceLock<Arc<[Value]>>,
    busy: AtomicBool,
}

impl LazyCell {
    /// Marks the cell as being evaluated; false when it already was (a cycle).
    pub fn enter(&self) -> bool {
        !self.busy.swap(true, Ordering::SeqCst)
    }
    pub fn leave(&self) {
        self.busy.store(false, Ordering::SeqCst)
    }
}

impl GroupInst {
    pub fn new(group: GroupId, caps: Vec<Value>, members: usize) -> GroupInst {
        GroupInst {
            group,
            caps: caps.into(),
            cells: (0..members).map(|_| LazyCell::default()).collect(),
        }
    }
}
