//! τ-cycles: Tarjan's strongly connected components over the τ-edges of a stored graph,
//! iteratively (no recursion, whatever the depth), and the extraction of one cycle.

/// The component of every state on a τ-cycle (`u32::MAX` for states on none).
///
/// `succ(s, out)` pushes the τ-successors of `s`; states for which `skip(s)` holds are left
/// out (their edges are ignored), e.g. product states whose specification already diverges.
pub fn cyclic_components(
    n: usize,
    mut succ: impl FnMut(u32, &mut Vec<u32>),
    skip: impl Fn(u32) -> bool,
) -> Vec<u32> {
    const NONE: u32 = u32::MAX;
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![NONE; n];
    let mut stack: Vec<u32> = Vec::new();
    // Call frames: (state, its successors, next successor position).
    let mut frames: Vec<(u32, Vec<u32>, usize)> = Vec::new();
    let mut spare: Vec<Vec<u32>> = Vec::new();
    let mut counter = 0u32;
    let mut comps = 0u32;
    for root in 0..n as u32 {
        if index[root as usize] != NONE || skip(root) {
            continue;
        }
        let mut push = |s: u32,
                        frames: &mut Vec<(u32, Vec<u32>, usize)>,
                        spare: &mut Vec<Vec<u32>>,
                        stack: &mut Vec<u32>,
                        counter: &mut u32,
                        index: &mut Vec<u32>,
                        low: &mut Vec<u32>,
                        on_stack: &mut Vec<bool>| {
            index[s as usize] = *counter;
            low[s as usize] = *counter;
            *counter += 1;
            stack.push(s);
            on_stack[s as usize] = true;
            let mut v = spare.pop().unwrap_or_default();
            v.clear();
            succ(s, &mut v);
            frames.push((s, v, 0));
        };
        push(
            root,
            &mut frames,
            &mut spare,
            &mut stack,
            &mut counter,
            &mut index,
            &mut low,
            &mut on_stack,
        );
        while let Some(frame) = frames.last_mut() {
            let s = frame.0;
            if frame.2 < frame.1.len() {
                let t = frame.1[frame.2];
                frame.2 += 1;
                if (t as usize) >= n || skip(t) {
                    continue;
                }
                if index[t as usize] == NONE {
                    push(
                        t,
                        &mut frames,
                        &mut spare,
                        &mut stack,
                        &mut counter,
                        &mut index,
                        &mut low,
                        &mut on_stack,
                    );
                } else if on_stack[t as usize] {
                    low[s as usize] = low[s as usize].min(index[t as usize]);
                }
                continue;
            }
            let (s, v, _) = frames.pop().unwrap_or((0, Vec::new(), 0));
            let self_loop = v.contains(&s);
            spare.push(v);
            if let Some(parent) = frames.last() {
                let p = parent.0 as usize;
                low[p] = low[p].min(low[s as usize]);
            }
            if low[s as usize] == index[s as usize] {
                let mut members = Vec::new();
                while let Some(x) = stack.pop() {
                    on_stack[x as usize] = false;
                    members.push(x);
                    if x == s {
                        break;
                    }
                }
                if members.len() > 1 || self_loop {
                    for &x in &members {
                        comp[x as usize] = comps;
                    }
                    comps += 1;
                }
            }
        }
    }
    comp
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
