//! The `explore::Model`s of the CSP checks: a machine alone (deadlock, divergence), a machine
//! against a normalised specification (refinement), an explicit LTS against its own normal
//! form (determinism), and a machine following a trace (has trace).

use super::normal::NormalForm;
use crate::cspm::proc::{EventId, TAU, TICK};
use crate::explore::{Model, Successors};
use crate::lts::Machine;
use crate::lts::export::ExplicitLts;
use crate::lts::machine::INLINE;

/// The successors of `state` under `:[tau priority over]: A`: where τ or ✓ is possible, the
/// labels marked in `prio` (those whose event is in `A`) are not. Without `prio`, all of them.
#[inline]
pub fn successors(
    m: &Machine,
    prio: Option<&[bool]>,
    state: &[u32],
    mut f: impl FnMut(u32, &[u32]),
) {
    let Some(p) = prio else {
        m.successors(state, f);
        return;
    };
    let (mut urgent, mut marked) = (false, false);
    m.successors(state, |l, _| {
        let e = m.label_event(l);
        if e == TAU || e == TICK {
            urgent = true;
        } else if p.get(l as usize).copied().unwrap_or(false) {
            marked = true;
        }
    });
    let block = urgent && marked;
    m.successors(state, |l, s| {
        if !(block && p.get(l as usize).copied().unwrap_or(false)) {
            f(l, s)
        }
    });
}

/// Visible events offered in `state` (✓ included), sorted, under the same priority.
pub fn initials(m: &Machine, prio: Option<&[bool]>, state: &[u32]) -> Vec<EventId> {
    let mut evs = Vec::new();
    successors(m, prio, state, |l, _| {
        let e = m.label_event(l);
        if e != TAU {
            evs.push(e);
        }
    });
    evs.sort_unstable();
    evs.dedup();
    evs
}

/// A machine on its own; with `deadlock`, a state without transitions that has not
/// terminated is a violation.
pub struct SysModel<'a> {
    pub m: &'a Machine,
    pub deadlock: bool,
    /// Labels under τ priority (see [`successors`]).
    pub prio: Option<&'a [bool]>,
}

impl Model for SysModel<'_> {
    type Label = u32;
    type Violation = ();
    fn state_words(&self) -> usize {
        self.m.words
    }
    fn initial(&self, out: &mut Successors<u32>) {
        out.push(0, &self.m.initial);
    }
    #[inline]
    fn expand(&self, state: &[u32], out: &mut Successors<u32>) -> Option<()> {
        successors(self.m, self.prio, state, |l, s| out.push(l, s));
        if self.deadlock && out.is_empty() && !self.m.is_terminated(state) {
            return Some(());
        }
        None
    }
}

/// Which refinement is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefModel {
    T,
    F,
    FD,
}

/// Why a product state violates a refinement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefViolation {
    /// The implementation performs `label`'s event, which the specification cannot.
    Trace { label: u32 },
    /// The implementation is stable and accepts less than every specification acceptance.
    Acceptance,
}

/// The product of a normalised specification (word 0) and an implementation machine.
pub struct RefineModel<'a> {
    pub m: &'a Machine,
    pub nf: &'a NormalForm,
    pub model: RefModel,
    /// Labels of the implementation under τ priority (see [`successors`]).
    pub prio: Option<&'a [bool]>,
}

/// A scratch state of `n` words on the stack (or the heap, past [`INLINE`]).
macro_rules! with_buf {
    ($n:expr, $buf:ident, $body:block) => {{
        let mut inline = [0u32; INLINE + 1];
        let mut heap = Vec::new();
        let $buf: &mut [u32] = if $n <= INLINE + 1 {
            &mut inline[..$n]
        } else {
            heap.resize($n, 0);
            &mut heap[..]
        };
        $body
    }};
}

impl RefineModel<'_> {
    /// Whether the stable state whose successors are `out` offers every event of one of the
    /// specification's minimal acceptances. A wide state (a 100,000-branch choice) is looked
    /// up in its sorted events, not scanned once per accepted event (issue 14: that was
    /// events² per state).
    fn accepts_one(&self, acceptances: &[Vec<EventId>], out: &Successors<u32>) -> bool {
        if out.len() <= 16 {
            return acceptances.iter().any(|acc| {
                acc.iter()
                    .all(|&a| (0..out.len()).any(|i| self.m.label_event(out.get(i).0) == a))
            });
        }
        let mut offered: Vec<EventId> = (0..out.len())
            .map(|i| self.m.label_event(out.get(i).0))
            .collect();
        offered.sort_unstable();
        acceptances
            .iter()
            .any(|acc| acc.iter().all(|a| offered.binary_search(a).is_ok()))
    }
}

impl Model for RefineModel<'_> {
    type Label = u32;
    type Violation = RefViolation;
    fn state_words(&self) -> usize {
        self.m.words + 1
    }
    fn initial(&self, out: &mut Successors<u32>) {
        let mut s = vec![0u32];
        s.extend_from_slice(&self.m.initial);
        out.push(0, &s);
    }
    #[inline]
    fn expand(&self, state: &[u32], out: &mut Successors<u32>) -> Option<RefViolation> {
        let node = &self.nf.nodes[state[0] as usize];
        if self.model == RefModel::FD && node.divergent {
            // After a specification divergence anything is allowed.
            return None;
        }
        let imp = &state[1..];
        let mut bad = None;
        let mut stable = true;
        with_buf!(state.len(), buf, {
            successors(self.m, self.prio, imp, |l, s| {
                let e = self.m.label_event(l);
                let target = if e == TAU {
                    stable = false;
                    state[0]
                } else {
                    match node.after(e) {
                        Some(n) => n,
                        None => {
                            if bad.is_none() {
                                bad = Some(RefViolation::Trace { label: l });
                            }
                            return;
                        }
                    }
                };
                buf[0] = target;
                buf[1..].copy_from_slice(s);
                out.push(l, buf);
            });
        });
        if bad.is_some() {
            return bad;
        }
        if self.model != RefModel::T && stable {
            let ok = self.accepts_one(&node.acceptances, out);
            if !ok {
                return Some(RefViolation::Acceptance);
            }
        }
        None
    }
}

/// Determinism: an explicit LTS (word 1) against its own normal form (word 0).
pub struct DetModel<'a> {
    pub lts: &'a ExplicitLts,
    pub nf: &'a NormalForm,
}

/// A state that can refuse `event`, although the trace that led there can be extended by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DetViolation {
    pub event: EventId,
}

impl Model for DetModel<'_> {
    /// The index of the explicit transition taken.
    type Label = u32;
    type Violation = DetViolation;
    fn state_words(&self) -> usize {
        2
    }
    fn initial(&self, out: &mut Successors<u32>) {
        out.push(0, &[0, 0]);
    }
    fn expand(&self, state: &[u32], out: &mut Successors<u32>) -> Option<DetViolation> {
        let node = &self.nf.nodes[state[0] as usize];
        let q = state[1];
        let base = self.lts.out_start[q as usize];
        let mut stable = true;
        let mut tick = false;
        for (k, &(_, e, t)) in self.lts.out(q).iter().enumerate() {
            let n = if e == TAU {
                stable = false;
                state[0]
            } else {
                if e == TICK {
                    tick = true;
                }
                node.after(e).unwrap_or(state[0])
            };
            out.push(base + k as u32, &[n, t]);
        }
        let offered = |e: EventId| self.lts.out(q).iter().any(|&(_, f, _)| f == e);
        if tick {
            // Termination lets the process refuse every other event.
            if let Some(&(e, _)) = node.trans.iter().find(|&&(e, _)| e != TICK) {
                return Some(DetViolation { event: e });
            }
        } else if stable && let Some(&(e, _)) = node.trans.iter().find(|&&(e, _)| !offered(e)) {
            return Some(DetViolation { event: e });
        }
        None
    }
}

/// A machine (words 1..) following `trace` (word 0 counts the events done).
pub struct TraceModel<'a> {
    pub m: &'a Machine,
    pub trace: &'a [EventId],
    /// Labels under τ priority (see [`successors`]).
    pub prio: Option<&'a [bool]>,
}

impl Model for TraceModel<'_> {
    type Label = u32;
    /// The whole trace was performed.
    type Violation = ();
    fn state_words(&self) -> usize {
        self.m.words + 1
    }
    fn initial(&self, out: &mut Successors<u32>) {
        let mut s = vec![0u32];
        s.extend_from_slice(&self.m.initial);
        out.push(0, &s);
    }
    fn expand(&self, state: &[u32], out: &mut Successors<u32>) -> Option<()> {
        let pos = state[0] as usize;
        if pos >= self.trace.len() {
            return Some(());
        }
        let want = self.trace[pos];
        with_buf!(state.len(), buf, {
            successors(self.m, self.prio, &state[1..], |l, s| {
                let e = self.m.label_event(l);
                let p = if e == TAU {
                    pos
                } else if e == want {
                    pos + 1
                } else {
                    return;
                };
                buf[0] = p as u32;
                buf[1..].copy_from_slice(s);
                out.push(l, buf);
            });
        });
        None
    }
}
