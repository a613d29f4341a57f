//! The hang check of P2 over a finished exploration: a caller waits in a cycle the system
//! can never leave (a terminal strongly connected component of the explored graph).
//!
//! Deadlocks (a waiting caller and no step at all) are found during the search; this pass
//! handles the rest after a complete breadth-first search, rebuilding the edges with
//! `lookup` and running Tarjan's algorithm (`explore::scc`). A terminal component means no step
//! can ever lead out of it, so a caller waiting there waits forever whatever the scheduler
//! does (each component holds one value of the callers' states, since calls never repeat).

use super::model::{Action, BspModel};
use super::props::Violation;
use crate::explore::{Exploration, Successors, scc};

/// The graph as compressed rows of successor ids.
struct Graph {
    start: Vec<u32>,
    succ: Vec<u32>,
}

impl Graph {
    fn build(model: &BspModel, ex: &Exploration<Action, Violation>) -> Graph {
        let n = ex.states as usize;
        let mut start = Vec::with_capacity(n + 1);
        let mut succ = Vec::new();
        let mut out = Successors::new(model.layout.words);
        start.push(0);
        for id in 0..n as u32 {
            out.clear();
            let st = model.layout.unpack(ex.state(id));
            model.successors_into(&st, &mut out);
            for (_, s) in out.iter() {
                if let Some(t) = ex.lookup(s) {
                    succ.push(t);
                }
            }
            start.push(succ.len() as u32);
        }
        Graph { start, succ }
    }

    fn edges(&self, v: u32) -> &[u32] {
        let a = self.start[v as usize] as usize;
        let b = self.start[v as usize + 1] as usize;
        &self.succ[a..b]
    }
}

/// The first state, in breadth-first order, of a trap (a terminal component holding a
/// cycle) where a caller waits; the caller follows it round its loop for the report.
pub fn find_hang(model: &BspModel, ex: &Exploration<Action, Violation>) -> Option<u32> {
    let n = ex.states as usize;
    let g = Graph::build(model, ex);
    let scc::Components { of: comp, cyclic } =
        scc::components(n, |v, out| out.extend_from_slice(g.edges(v)), |_| false);
    // A component is a trap when no edge leaves it and it holds a cycle.
    let mut leaves = vec![false; cyclic.len()];
    for v in 0..n as u32 {
        let c = comp[v as usize];
        if g.edges(v).iter().any(|&w| comp[w as usize] != c) {
            leaves[c as usize] = true;
        }
    }
    // Ids are in breadth-first order, so the smallest id of a trap is its closest state.
    (0..n as u32).find(|&v| {
        let c = comp[v as usize] as usize;
        !leaves[c] && cyclic[c] && model.caller_waiting(&model.layout.unpack(ex.state(v)))
    })
}
