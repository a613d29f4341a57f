//! The run's budget outside the search: one time and memory bound that evaluation, loading
//! and the building of networks and leaves obey, as the search itself does.
//!
//! The search counts its own bytes (its stores are flat arrays it sizes); everything before it
//! allocates in a thousand places (values, sets, terms, rule tables), so this module measures
//! the process instead. [`CountingAlloc`] is a global allocator that keeps the number of live
//! heap bytes; the binary installs it. A library user who does not gets the resident set size
//! from `/proc/self/statm` instead, read at most once every [`RSS_EVERY`] ticks.
//!
//! A stage that may run long or grow calls [`tick`] in its loops and recursions and
//! [`reserve`] before one large allocation whose size it knows (a sequence concatenation, a
//! range of integers). Both fail with [`Exceeded`] once the bound of the current thread's
//! [`scope`] is passed; from then on the scope stays exceeded, so every later tick fails at
//! once and the stage unwinds quickly. The caller turns that into an inconclusive result.
//! This module must not print, and it must not be used inside the search's hot loop (the
//! engine has its own, cheaper accounting).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Live heap bytes, kept by [`CountingAlloc`]; 0 when it is not installed.
static LIVE: AtomicUsize = AtomicUsize::new(0);

/// A global allocator over the system's that counts live bytes, so that a bound can be
/// checked in a few nanoseconds anywhere. Install it with `#[global_allocator]`.
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the same arguments; the counter has no
// effect on the memory handed out.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// The bytes the process holds: live heap bytes when [`CountingAlloc`] is installed, else
/// the resident set size.
pub fn used_bytes() -> u64 {
    match LIVE.load(Ordering::Relaxed) {
        0 => resident_bytes(),
        n => n as u64,
    }
}

/// The resident set size, from `/proc/self/statm` (0 where there is none).
pub fn resident_bytes() -> u64 {
    let Ok(text) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 { n as u64 } else { 4096 }
}

/// The bounds of a scope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bounds {
    /// When time is up.
    pub deadline: Option<Instant>,
    /// Bytes the whole process may hold, resident (see [`used_bytes`]: live heap bytes may
    /// reach 80% of it, the allocator's slack takes the rest).
    pub max_bytes: Option<u64>,
}

/// Which bound a stage passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exceeded {
    /// The time bound.
    Time,
    /// The memory bound, in bytes.
    Memory(u64),
}

impl std::fmt::Display for Exceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exceeded::Time => f.write_str("stopped at the time bound"),
            Exceeded::Memory(n) => write!(f, "stopped at the memory bound ({} MiB)", n >> 20),
        }
    }
}

/// The share of the memory bound that live heap bytes may reach. The rest is the allocator's
/// slack: freed memory it keeps, and the old buffer of a vector that is doubling, which both
/// count in the resident set that the bound is about (measured: 1.33 × the live bytes while
/// a transition table grew).
const LIVE_SHARE: (u64, u64) = (4, 5);

fn live_limit(max: u64) -> u64 {
    max / LIVE_SHARE.1 * LIVE_SHARE.0
}

/// How often the clock is read: `Instant::now` costs about 20 ns, a tick about 1 ns.
const CLOCK_EVERY: u32 = 256;
/// How often the resident set is read (a read of `/proc/self/statm` costs about 5 µs). Without
/// the counting allocator it is the only measure.
pub const RSS_EVERY: u32 = 16_384;

#[derive(Clone, Copy, Default)]
struct Active {
    bounds: Bounds,
    ticks: u32,
    exceeded: Option<Exceeded>,
}

thread_local! {
    static ACTIVE: Cell<Active> = const { Cell::new(Active {
        bounds: Bounds { deadline: None, max_bytes: None },
        ticks: 0,
        exceeded: None,
    }) };
}

/// Runs `f` with `bounds` on this thread; the bounds of the enclosing scope come back after,
/// whatever `f` does. Gives `f`'s value and the bound it passed, if any.
pub fn scope<T>(bounds: Bounds, f: impl FnOnce() -> T) -> (T, Option<Exceeded>) {
    struct Restore(Active);
    impl Drop for Restore {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.set(self.0));
        }
    }
    let outer = ACTIVE.with(|a| {
        a.replace(Active {
            bounds,
            ..Active::default()
        })
    });
    let restore = Restore(outer);
    let value = f();
    let exceeded = ACTIVE.with(|a| a.get().exceeded);
    drop(restore);
    (value, exceeded)
}

/// The bounds of the current scope (none outside every scope).
pub fn current() -> Bounds {
    ACTIVE.with(|a| a.get().bounds)
}

/// The bound the current scope passed, if it did.
pub fn exceeded() -> Option<Exceeded> {
    ACTIVE.with(|a| a.get().exceeded)
}

/// One step of a stage: fails once the current scope's time or memory bound is passed.
#[inline]
pub fn tick() -> Result<(), Exceeded> {
    ACTIVE.with(|cell| {
        let mut a = cell.get();
        if let Some(e) = a.exceeded {
            return Err(e);
        }
        if a.bounds.deadline.is_none() && a.bounds.max_bytes.is_none() {
            return Ok(());
        }
        a.ticks = a.ticks.wrapping_add(1);
        let result = check(&a);
        if let Err(e) = result {
            a.exceeded = Some(e);
        }
        cell.set(a);
        result
    })
}

/// Fails when allocating `bytes` more would pass the memory bound (or a bound was passed).
pub fn reserve(bytes: u64) -> Result<(), Exceeded> {
    ACTIVE.with(|cell| {
        let mut a = cell.get();
        if let Some(e) = a.exceeded {
            return Err(e);
        }
        let result = match a.bounds.max_bytes {
            Some(max) if used_bytes().saturating_add(bytes) > live_limit(max) => {
                Err(Exceeded::Memory(max))
            }
            _ => Ok(()),
        };
        if let Err(e) = result {
            a.exceeded = Some(e);
            cell.set(a);
        }
        result
    })
}

fn check(a: &Active) -> Result<(), Exceeded> {
    if let Some(max) = a.bounds.max_bytes {
        let counted = LIVE.load(Ordering::Relaxed) as u64;
        if counted > live_limit(max) {
            return Err(Exceeded::Memory(max));
        }
        // Now and then the resident set too: it also holds what no allocator call counts, the
        // stack segments of a deep recursion (`stacker` maps them) and C libraries' buffers.
        if a.ticks.is_multiple_of(RSS_EVERY) && resident_bytes() > max {
            return Err(Exceeded::Memory(max));
        }
    }
    if a.ticks.is_multiple_of(CLOCK_EVERY)
        && let Some(d) = a.bounds.deadline
        && Instant::now() >= d
    {
        return Err(Exceeded::Time);
    }
    Ok(())
}

/// The default memory bound: 80% of the least of what the machine has available, what the
/// container's memory cgroup still allows (v2 `memory.max`, v1 `memory.limit_in_bytes`, less
/// what the group uses) and the address-space limit (`ulimit -v`, of which only half is
/// counted: code, stacks and the allocator's reserved arenas take the rest). So a large check
/// ends inconclusive rather than being killed. None where none of these can be read.
pub fn default_max_bytes() -> Option<u64> {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let available = mem_available(&read);
    let cgroup = cgroup_room(&read);
    let address = address_space_limit().map(|n| n / 2);
    let least = [available, cgroup, address].into_iter().flatten().min()?;
    Some(least / 10 * 8)
}

fn mem_available(read: &dyn Fn(&str) -> Option<String>) -> Option<u64> {
    let info = read("/proc/meminfo")?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// What this process's memory cgroup still allows, when it has a limit. `read` gives a
/// file's text (a parameter so that tests can play a container).
fn cgroup_room(read: &dyn Fn(&str) -> Option<String>) -> Option<u64> {
    let number = |s: Option<String>| s.and_then(|s| s.trim().parse::<u64>().ok());
    let groups = read("/proc/self/cgroup").unwrap_or_default();
    // cgroup v2: the line `0::PATH`; "max" (no limit) does not parse as a number.
    let v2 = groups.lines().find_map(|l| l.strip_prefix("0::"));
    if let Some(path) = v2 {
        let dir = format!("/sys/fs/cgroup{}", path.trim_end_matches('/'));
        if let Some(max) = number(read(&format!("{dir}/memory.max"))) {
            let used = number(read(&format!("{dir}/memory.current"))).unwrap_or(0);
            return Some(max.saturating_sub(used));
        }
    }
    // cgroup v1: the line `N:memory:PATH`; inside a container the group is usually mounted
    // at the root of the hierarchy, so the root is tried after the path.
    let path = groups
        .lines()
        .find_map(|l| {
            let mut parts = l.splitn(3, ':');
            let (_, kinds, path) = (parts.next()?, parts.next()?, parts.next()?);
            kinds.split(',').any(|k| k == "memory").then_some(path)
        })
        .unwrap_or("/");
    let path = path.trim_end_matches('/');
    for dir in [
        format!("/sys/fs/cgroup/memory{path}"),
        "/sys/fs/cgroup/memory".into(),
    ] {
        if let Some(max) = number(read(&format!("{dir}/memory.limit_in_bytes"))) {
            // "No limit" reads as a huge, page-rounded i64::MAX.
            if max >= 1 << 60 {
                continue;
            }
            let used = number(read(&format!("{dir}/memory.usage_in_bytes"))).unwrap_or(0);
            return Some(max.saturating_sub(used));
        }
    }
    None
}

/// `ulimit -v`, when it is set.
fn address_space_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct it is given.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) };
    (r == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_passed_deadline_fails_within_one_clock_period_and_stays_failed() {
        let bounds = Bounds {
            deadline: Some(Instant::now()),
            max_bytes: None,
        };
        let ((), e) = scope(bounds, || {
            let n = (0..10 * CLOCK_EVERY).take_while(|_| tick().is_ok()).count();
            assert!(n < CLOCK_EVERY as usize, "{n} ticks passed a past deadline");
            assert_eq!(tick(), Err(Exceeded::Time));
        });
        assert_eq!(e, Some(Exceeded::Time));
        assert_eq!(exceeded(), None, "the outer scope is untouched");
    }

    #[test]
    fn reserve_compares_with_what_the_process_holds() {
        let far = Some(Instant::now() + Duration::from_secs(3600));
        let bounds = Bounds {
            deadline: far,
            max_bytes: Some(used_bytes() + (64 << 20)),
        };
        let ((), e) = scope(bounds, || {
            assert_eq!(reserve(1 << 20), Ok(()));
            assert!(reserve(1 << 40).is_err());
            assert!(tick().is_err(), "the scope stays exceeded");
        });
        assert!(matches!(e, Some(Exceeded::Memory(_))));
    }

    fn files(list: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |p| {
            list.iter()
                .find(|(f, _)| *f == p)
                .map(|(_, t)| t.to_string())
        }
    }

    #[test]
    fn a_cgroup_v2_limit_leaves_what_the_group_does_not_use() {
        let read = files(&[
            ("/proc/self/cgroup", "0::/ci/job\n"),
            ("/sys/fs/cgroup/ci/job/memory.max", "1073741824\n"),
            ("/sys/fs/cgroup/ci/job/memory.current", "73741824\n"),
        ]);
        assert_eq!(cgroup_room(&read), Some(1_000_000_000));
        let unlimited = files(&[
            ("/proc/self/cgroup", "0::/\n"),
            ("/sys/fs/cgroup/memory.max", "max\n"),
        ]);
        assert_eq!(cgroup_room(&unlimited), None);
    }

    #[test]
    fn a_cgroup_v1_limit_is_read_at_the_group_path_or_the_root() {
        let at_path = files(&[
            ("/proc/self/cgroup", "5:cpu:/\n4:memory:/docker/abc\n0::/\n"),
            ("/sys/fs/cgroup/docker/abc/memory.max", "nonsense"),
            (
                "/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes",
                "536870912",
            ),
            (
                "/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes",
                "36870912",
            ),
        ]);
        assert_eq!(cgroup_room(&at_path), Some(500_000_000));
        let at_root = files(&[
            ("/proc/self/cgroup", "4:memory:/docker/abc\n"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "2147483648"),
        ]);
        assert_eq!(cgroup_room(&at_root), Some(2 << 30));
        let unlimited = files(&[
            ("/proc/self/cgroup", "4:memory:/\n"),
            (
                "/sys/fs/cgroup/memory/memory.limit_in_bytes",
                "9223372036854771712",
            ),
        ]);
        assert_eq!(cgroup_room(&unlimited), None);
    }

    #[test]
    fn scopes_nest_and_restore() {
        let outer = Bounds {
            deadline: Some(Instant::now() + Duration::from_secs(60)),
            max_bytes: None,
        };
        scope(outer, || {
            scope(Bounds::default(), || {
                assert_eq!(current(), Bounds::default())
            });
            assert_eq!(current(), outer);
        });
        assert_eq!(current(), Bounds::default());
    }
}
