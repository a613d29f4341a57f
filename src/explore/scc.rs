//! Strongly connected components of a graph given by a successor function: Tarjan's
//! algorithm, iteratively (explicit frames, no recursion, whatever the depth). Used over the
//! τ-edges of stored states (divergence, normalisation) and over a finished exploration (the
//! BatchSpanProcessor's hang check).

/// No component: a state the search was told to skip.
pub const NO_COMPONENT: u32 = u32::MAX;

/// The components of states `0..n`.
pub struct Components {
    /// Component of every state, numbered in the order components complete (a component is
    /// numbered after every component it reaches); [`NO_COMPONENT`] for skipped states.
    pub of: Vec<u32>,
    /// Per component: whether it holds a cycle (more than one state, or a self-loop).
    pub cyclic: Vec<bool>,
}

/// Tarjan over states `0..n`. `succ(s, out)` pushes the successors of `s` (ids `>= n` are
/// ignored); states for which `skip(s)` holds are left out, with their edges.
pub fn components(
    n: usize,
    mut succ: impl FnMut(u32, &mut Vec<u32>),
    skip: impl Fn(u32) -> bool,
) -> Components {
    const UNSEEN: u32 = u32::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut of = vec![NO_COMPONENT; n];
    let mut cyclic = Vec::new();
    let mut stack: Vec<u32> = Vec::new();
    // Call frames: (state, its successors, next successor position); successor buffers are
    // reused from frame to frame.
    let mut frames: Vec<(u32, Vec<u32>, usize)> = Vec::new();
    let mut spare: Vec<Vec<u32>> = Vec::new();
    let mut counter = 0u32;
    for root in 0..n as u32 {
        if index[root as usize] != UNSEEN || skip(root) {
            continue;
        }
        // The state to enter next (give it its index, push its frame), if any.
        let mut entering = Some(root);
        loop {
            if let Some(s) = entering.take() {
                index[s as usize] = counter;
                low[s as usize] = counter;
                counter += 1;
                stack.push(s);
                on_stack[s as usize] = true;
                let mut v = spare.pop().unwrap_or_default();
                v.clear();
                succ(s, &mut v);
                frames.push((s, v, 0));
            }
            let Some(frame) = frames.last_mut() else {
                break;
            };
            let s = frame.0;
            if frame.2 < frame.1.len() {
                let t = frame.1[frame.2];
                frame.2 += 1;
                if (t as usize) >= n || skip(t) {
                    continue;
                }
                if index[t as usize] == UNSEEN {
                    entering = Some(t);
                } else if on_stack[t as usize] {
                    low[s as usize] = low[s as usize].min(index[t as usize]);
                }
                continue;
            }
            let Some((s, v, _)) = frames.pop() else {
                break;
            };
            let self_loop = v.contains(&s);
            spare.push(v);
            if let Some(parent) = frames.last() {
                let p = parent.0 as usize;
                low[p] = low[p].min(low[s as usize]);
            }
            if low[s as usize] == index[s as usize] {
                let c = cyclic.len() as u32;
                let mut size = 0usize;
                while let Some(x) = stack.pop() {
                    on_stack[x as usize] = false;
                    of[x as usize] = c;
                    size += 1;
                    if x == s {
                        break;
                    }
                }
                cyclic.push(size > 1 || self_loop);
            }
        }
    }
    Components { of, cyclic }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(u32, u32)], n: usize) -> Components {
        components(
            n,
            |s, out| out.extend(edges.iter().filter(|e| e.0 == s).map(|e| e.1)),
            |_| false,
        )
    }

    #[test]
    fn cycles_self_loops_and_chains() {
        // 0 -> 1 -> 2 -> 0 (a cycle), 2 -> 3, 3 -> 3 (self-loop), 4 alone.
        let c = graph(&[(0, 1), (1, 2), (2, 0), (2, 3), (3, 3)], 5);
        assert_eq!(c.of[0], c.of[1]);
        assert_eq!(c.of[1], c.of[2]);
        assert_ne!(c.of[2], c.of[3]);
        assert!(c.cyclic[c.of[0] as usize]);
        assert!(c.cyclic[c.of[3] as usize]);
        assert!(!c.cyclic[c.of[4] as usize]);
        // A component is numbered after the ones it reaches.
        assert!(c.of[3] < c.of[0]);
    }

    #[test]
    fn a_long_chain_does_not_recurse() {
        let n = 1_000_000u32;
        let c = components(
            n as usize,
            |s, out| {
                if s + 1 < n {
                    out.push(s + 1)
                }
            },
            |_| false,
        );
        assert_eq!(c.cyclic.len(), n as usize);
        assert!(c.cyclic.iter().all(|&x| !x));
    }

    #[test]
    fn skipped_states_have_no_component() {
        let c = components(3, |s, out| out.push((s + 1) % 3), |s| s == 1);
        assert_eq!(c.of[1], NO_COMPONENT);
        assert!(!c.cyclic[c.of[0] as usize]);
    }
}
