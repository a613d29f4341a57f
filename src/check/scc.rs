//! τ-cycles: the components of the τ-edges of a stored graph that hold a cycle (Tarjan, in
//! `explore::scc`), and the extraction of one cycle.

use crate::explore::scc::{Components, NO_COMPONENT, components};

/// The component of every state on a τ-cycle (`u32::MAX` for states on none).
///
/// `succ(s, out)` pushes the τ-successors of `s`; states for which `skip(s)` holds are left
/// out (their edges are ignored), e.g. product states whose specification already diverges.
pub fn cyclic_components(
    n: usize,
    succ: impl FnMut(u32, &mut Vec<u32>),
    skip: impl Fn(u32) -> bool,
) -> Vec<u32> {
    let Components { of, cyclic } = components(n, succ, skip);
    of.into_iter()
        .map(|k| {
            if k != NO_COMPONENT && cyclic[k as usize] {
                k
            } else {
                NO_COMPONENT
            }
        })
        .collect()
}

/// A τ-cycle through `entry` within its component: the states after `entry`, ending at `entry`.
pub fn cycle_through(
    entry: u32,
    comp: &[u32],
    mut succ: impl FnMut(u32, &mut Vec<u32>),
) -> Vec<u32> {
    let c = comp[entry as usize];
    let mut parent: rustc_hash::FxHashMap<u32, u32> = rustc_hash::FxHashMap::default();
    let mut queue = std::collections::VecDeque::from([entry]);
    let mut buf = Vec::new();
    while let Some(s) = queue.pop_front() {
        buf.clear();
        succ(s, &mut buf);
        for &t in &buf {
            if (t as usize) >= comp.len() || comp[t as usize] != c {
                continue;
            }
            if t == entry {
                let mut path = vec![entry];
                let mut cur = s;
                while cur != entry {
                    path.push(cur);
                    cur = parent[&cur];
                }
                path.reverse();
                // path = [s1, ..., s, entry] reversed gives entry-first order without entry.
                let mut out: Vec<u32> = path.into_iter().filter(|&x| x != entry).collect();
                out.push(entry);
                return out;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(t) {
                e.insert(s);
                queue.push_back(t);
            }
        }
    }
    vec![entry]
}
