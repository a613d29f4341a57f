//! Hostile inputs (issue 14): every run here goes through [`capped`], which starts the binary
//! under an address-space cap and a wall-clock limit and reports how it ended, how long it took
//! and its peak resident memory. A run must end with a verdict or an error (exit 0–3), never a
//! panic (101), an abort (134) or a kill (137), and within its bound.
//!
//! The submodules group the reproducers by the stage they attack.

mod budget;
mod front;
mod traces;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The address-space cap of every hostile run: the acceptance bound of issue 14.
pub const ADDRESS_CAP: u64 = 4 << 30;

/// How a capped run ended.
#[derive(Debug)]
pub struct Ended {
    /// The exit code, or 128 + the signal number when a signal ended it (as a shell says).
    pub code: i32,
    pub wall: Duration,
    /// Peak resident set size in bytes.
    pub peak: u64,
    /// Standard output, at most its first 64 KiB (the rest is read and dropped).
    pub stdout: String,
    /// Standard error, at most its first 64 KiB.
    pub stderr: String,
}

impl Ended {
    /// Asserts the run ended as cspot promises: with exit 2 or 3 (an error or a bound), not a
    /// crash, and says what it printed when it did not.
    pub fn assert_bounded(&self, what: &str) {
        assert!(
            self.code == 2 || self.code == 3,
            "{what}: exit {} after {:.2?} (peak {} MiB)\nstderr: {}",
            self.code,
            self.wall,
            self.peak >> 20,
            tail(&self.stderr)
        );
    }

    /// Asserts the run ended within `slack` of the bound `bound`.
    pub fn assert_within(&self, bound: Duration, slack: Duration, what: &str) {
        assert!(
            self.wall <= bound + slack,
            "{what}: took {:.2?}, more than {:.2?} past its {:.2?} bound",
            self.wall,
            slack,
            bound
        );
    }

    /// Asserts the peak resident memory stayed within 1.25 × `max` (the acceptance bound),
    /// plus `base`: the binary's own footprint before it reads anything.
    pub fn assert_memory(&self, max: u64, what: &str) {
        let limit = max + max / 4 + BASE;
        assert!(
            self.peak <= limit,
            "{what}: peak {} MiB, more than 1.25 × {} MiB + {} MiB",
            self.peak >> 20,
            max >> 20,
            BASE >> 20
        );
    }
}

/// What the binary holds resident before it reads anything (code, stacks, allocator arenas).
const BASE: u64 = 24 << 20;

fn tail(s: &str) -> &str {
    let cut = s.len().saturating_sub(2000);
    let cut = (cut..=s.len())
        .find(|&i| s.is_char_boundary(i))
        .unwrap_or(s.len());
    &s[cut..]
}

/// Runs `cspot args` in `dir` under [`ADDRESS_CAP`], killing it after `kill_after`.
pub fn capped(dir: &Path, args: &[&str], kill_after: Duration) -> Ended {
    capped_with(dir, args, kill_after, &[])
}

/// As [`capped`], with extra environment variables.
pub fn capped_with(dir: &Path, args: &[&str], kill_after: Duration, env: &[(&str, &str)]) -> Ended {
    let out = scratch_file("stdout");
    let err = scratch_file("stderr");
    let started = Instant::now();
    // Reaped by the `wait4` loop below (which also gives the rusage), not by `Child::wait`.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            ADDRESS_CAP >> 10
        ))
        .arg(env!("CARGO_BIN_EXE_cspot"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .spawn()
        .expect("bash starts");
    let pid = child.id() as libc::pid_t;
    let mut polled = 0u64;
    let (status, usage) = loop {
        polled = polled.max(high_water(pid));
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: pid is our child, not yet reaped (std's Child is never waited on here).
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break (status, usage);
        }
        assert!(r == 0, "wait4 failed: {}", std::io::Error::last_os_error());
        if started.elapsed() > kill_after {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let wall = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    let ended = Ended {
        code,
        wall,
        peak: peak(usage.ru_maxrss as u64 * 1024, polled),
        stdout: head(&out),
        stderr: head(&err),
    };
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(err);
    ended
}

/// The child's peak resident size. `ru_maxrss` survives `exec`: a child spawned by this test
/// process (hundreds of MiB when other tests hold their inputs) starts with this process's
/// high-water mark. Above that mark it is the child's own; at or below it, the child's own
/// `VmHWM`, polled every 5 ms, is what it used (it misses growth in its last 5 ms, a few MiB
/// at page-fault speed, and is 0 for a run shorter than one poll).
fn peak(maxrss: u64, polled: u64) -> u64 {
    let inherited = high_water(std::process::id() as libc::pid_t);
    if maxrss > inherited {
        maxrss.max(polled)
    } else {
        polled
    }
}

/// The peak resident size of a running process's current image (`VmHWM`), 0 when gone.
fn high_water(pid: libc::pid_t) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn head(path: &Path) -> String {
    let mut bytes = Vec::new();
    let f = std::fs::File::open(path).expect("output file");
    f.take(64 << 10)
        .read_to_end(&mut bytes)
        .expect("output read");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A fresh directory under the target directory for one test's generated inputs.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("robust")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn scratch_file(what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("robust-out");
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir.join(format!("{}-{n}.{what}", std::process::id()))
}
