//! Operational semantics of CSP and the compilation of process values into machines.
//!
//! `lts` owns Roscoe's firing rules over [`crate::cspm::proc`] nodes ([`sem`]), the compilation
//! of sequential leaf processes into explicit LTSs with interned states ([`leaf`]), the
//! synchronisation rules of the parallel/hiding/renaming structure above them ([`network`], the
//! supercombinator), the packed system states and their successors ([`machine`]), and explicit
//! LTS export (dot, aut, json; [`export`]). It must not do IO or print, and knows nothing of what
//! is checked. [`ProcBuilder`] builds process arenas by hand for tests and benches.

pub mod build;
pub mod export;
pub mod labels;
pub mod leaf;
pub mod machine;
pub mod network;
mod program;
#[cfg(test)]
mod program_tests;
pub mod sem;
pub mod sets;
pub mod term;

pub use build::{Phils, ProcBuilder, dining_philosophers};
pub use machine::{LabelKind, Machine};

use crate::cspm::proc::{CallId, EventId, ProcId, ProcSource};
use crate::cspm::source::{Diagnostic, Span};
use network::Net;
use rustc_hash::FxHashMap;
use sem::Semantics;
use term::{Term, TermId};

/// Limits of compilation.
#[derive(Clone, Copy, Debug)]
pub struct CompileOptions {
    /// A leaf with more states than this is reported as not finite.
    pub max_leaf_states: usize,
    /// A network whose synchronisations combine into more rules than this is rejected.
    pub max_rules: usize,
    /// Operators nested deeper than this before the first event (a recursion through a
    /// parallel or a choice) are rejected at the innermost call (default [`sem::MAX_NESTING`]).
    pub max_nesting: u32,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            max_leaf_states: 200_000,
            max_rules: 5_000_000,
            max_nesting: sem::MAX_NESTING,
        }
    }
}

/// Compiles processes of one source into machines; keeps the terms for display afterwards.
pub struct Compiler<'s> {
    pub sem: Semantics<'s>,
    opts: CompileOptions,
    leaf_cache: FxHashMap<TermId, leaf::Leaf>,
    /// Nested `extract`s in progress (bounded by `opts.max_nesting`).
    depth: u32,
}

/// Names of events and calls, read from the source, for displaying terms.
pub struct SourceNames<'a>(pub &'a dyn ProcSource);

impl term::Names for SourceNames<'_> {
    fn event(&self, e: EventId) -> &str {
        self.0.event_name(e)
    }
    fn call(&self, c: CallId) -> &str {
        &self.0.call_info(c).name
    }
}

impl<'s> Compiler<'s> {
    pub fn new(src: &'s mut dyn ProcSource, opts: CompileOptions) -> Self {
        let mut sem = Semantics::new(src);
        sem.max_nesting = opts.max_nesting;
        Compiler {
            sem,
            opts,
            leaf_cache: FxHashMap::default(),
            depth: 0,
        }
    }

    /// The source the processes come from.
    pub fn source(&self) -> &dyn ProcSource {
        &*self.sem.src
    }

    /// Compiles a process: its network of leaves, each leaf's explicit LTS, and the rules.
    pub fn machine(&mut self, p: ProcId) -> Result<Machine, Diagnostic> {
        let root = self.sem.import(p);
        self.machine_of(root)
    }

    /// Compiles a term of this compiler's arena.
    pub fn machine_of(&mut self, root: TermId) -> Result<Machine, Diagnostic> {
        let mut leaves: Vec<(TermId, String, Option<Span>)> = Vec::new();
        let mut stack = Vec::new();
        let net = self.extract(root, None, &mut stack, &mut leaves)?;
        let mut compiled = Vec::with_capacity(leaves.len());
        for (t, name, span) in leaves {
            let leaf = match self.leaf_cache.get(&t) {
                Some(l) => {
                    let mut l = l.clone();
                    l.name = name;
                    l.span = span;
                    l
                }
                None => {
                    let l = leaf::compile_leaf(
                        &mut self.sem,
                        t,
                        name,
                        span,
                        self.opts.max_leaf_states,
                    )?;
                    self.leaf_cache.insert(t, l.clone());
                    l
                }
            };
            compiled.push(leaf);
        }
        let alphabets: Vec<Vec<EventId>> = compiled.iter().map(|l| l.alphabet.clone()).collect();
        let drafts = network::rules(&net, &alphabets, &self.sem.sets, self.opts.max_rules)?;
        let m = Machine::assemble(compiled, drafts, net.has_par());
        // Assembling stops early, leaving a partial machine, when a bound is passed.
        step()?;
        Ok(m)
    }

    /// Splits a term into the operator tree above its leaves. Calls are unfolded while they
    /// lead to network operators; a call met again on the way down becomes a leaf (its
    /// compilation then reports it if it has no finite LTS). The operator tree can nest as
    /// deep as a recursion through a parallel unfolds (`U(n) = P ||| U(n-1)`): the recursion
    /// continues on heap-allocated stack segments, and past `max_nesting` levels the
    /// process is rejected at the innermost call's position.
    fn extract(
        &mut self,
        t: TermId,
        ctx: Option<CallId>,
        stack: &mut Vec<CallId>,
        leaves: &mut Vec<(TermId, String, Option<Span>)>,
    ) -> Result<Net, Diagnostic> {
        if self.depth >= self.opts.max_nesting {
            let span = stack
                .last()
                .and_then(|&c| self.sem.call_span(c))
                .unwrap_or_default();
            return Err(Diagnostic::error(
                span,
                format!(
                    "the parallel, hiding and renaming operators nest more than {} deep",
                    self.opts.max_nesting
                ),
            ));
        }
        step()?;
        self.depth += 1;
        let r = stacker::maybe_grow(sem::STACK_RED_ZONE, sem::STACK_SEGMENT, || {
            self.extract_at(t, ctx, stack, leaves)
        });
        self.depth -= 1;
        r
    }

    fn extract_at(
        &mut self,
        t: TermId,
        ctx: Option<CallId>,
        stack: &mut Vec<CallId>,
        leaves: &mut Vec<(TermId, String, Option<Span>)>,
    ) -> Result<Net, Diagnostic> {
        let term = self.sem.terms.get(t).clone();
        let leaf = |this: &mut Self, leaves: &mut Vec<(TermId, String, Option<Span>)>| {
            let (name, span) = this.leaf_name(t, ctx);
            leaves.push((t, name, span));
            Net::Leaf(leaves.len() as u32 - 1)
        };
        Ok(match term {
            Term::Call(c) => {
                if stack.contains(&c) {
                    return Ok(leaf(self, leaves));
                }
                let body = self.sem.body(c)?;
                let structural = matches!(
                    self.sem.terms.get(body),
                    Term::GenPar(..)
                        | Term::AlphaPar(..)
                        | Term::Linked(..)
                        | Term::Hide(..)
                        | Term::Rename(..)
                        | Term::Call(..)
                );
                if structural {
                    stack.push(c);
                    let n = self.extract(body, Some(c), stack, leaves);
                    stack.pop();
                    n?
                } else {
                    leaf(self, leaves)
                }
            }
            Term::GenPar(a, ps) => {
                let mut cs = Vec::with_capacity(ps.len());
                for &p in ps.iter() {
                    cs.push(self.extract(p, ctx, stack, leaves)?);
                }
                Net::GenPar(a, cs)
            }
            Term::AlphaPar(ps) => {
                let mut cs = Vec::with_capacity(ps.len());
                for &(a, p) in ps.iter() {
                    cs.push((a, self.extract(p, ctx, stack, leaves)?));
                }
                Net::AlphaPar(cs)
            }
            Term::Linked(p, r, q) => {
                let l = self.extract(p, ctx, stack, leaves)?;
                let rt = self.extract(q, ctx, stack, leaves)?;
                Net::Linked(Box::new(l), r, Box::new(rt))
            }
            Term::Hide(p, a) => Net::Hide(Box::new(self.extract(p, ctx, stack, leaves)?), a),
            Term::Rename(p, r) => Net::Rename(Box::new(self.extract(p, ctx, stack, leaves)?), r),
            _ => leaf(self, leaves),
        })
    }

    fn leaf_name(&self, t: TermId, ctx: Option<CallId>) -> (String, Option<Span>) {
        if let Term::Call(c) = self.sem.terms.get(t) {
            let info = self.sem.src.call_info(*c);
            return (info.name.clone(), info.span);
        }
        let text = self.display(t, 40);
        let span = ctx.and_then(|c| self.sem.src.call_info(c).span);
        match ctx {
            Some(c) => (
                format!("{text} (in {})", self.sem.src.call_info(c).name),
                span,
            ),
            None => (text, span),
        }
    }

    /// A short display form of a term.
    pub fn display(&self, t: TermId, max: usize) -> String {
        term::display(
            &self.sem.terms,
            &self.sem.sets,
            &SourceNames(&*self.sem.src),
            t,
            max,
        )
    }

    /// The display form of a leaf's local state in a machine.
    pub fn leaf_state(&self, m: &Machine, leaf: usize, local: u32) -> String {
        match m.leaves.get(leaf).and_then(|l| l.terms.get(local as usize)) {
            Some(&t) => self.display(t, 56),
            None => "?".into(),
        }
    }

    pub fn event_name(&self, e: EventId) -> &str {
        self.sem.src.event_name(e)
    }

    /// An event's channel and fields, in display form (see [`ProcSource::event_parts`]).
    pub fn event_parts(&self, e: EventId) -> (String, Vec<String>) {
        self.sem.src.event_parts(e)
    }
}

/// One step of compilation under the run's budget (`crate::budget`): building the network,
/// its rules and the leaves obeys the check's time and memory bounds. The checker reports a
/// bound passed here as inconclusive.
pub(crate) fn step() -> Result<(), Diagnostic> {
    crate::budget::tick()
        .map_err(|e| Diagnostic::error(Span::default(), format!("compilation {e}")))
}
