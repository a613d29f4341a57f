//! Hostile inputs (issue 14): every run here goes through [`capped`], which starts the binary
//! under an address-space cap and a wall-clock limit and reports how it ended, how long it took
//! and its peak resident memory. A run must end with a verdict or an error (exit 0–3), never a
//! panic (101), an abort (134) or a kill (137), and within its bound.
//!
//! The submodules group the reproducers by the stage they attack.

mod budget;
mod front;
mod hostile;
mod traces;

use std::io::Read;
use std::os::unix::process::CommandExt;
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
    /// CPU time, user and system (a child's own: rusage times start at zero at the fork).
    pub cpu: Duration,
    /// Peak resident set size in bytes.
    pub peak: u64,
    /// Standard output, at most its first 64 KiB (the rest is read and dropped).
    pub stdout: String,
    /// How many bytes the run wrote to standard output in all.
    pub stdout_bytes: u64,
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

    /// Asserts the run ended within `slack` of the bound `bound`, and prints the measured
    /// figures (`--nocapture` shows them: the acceptance table of issue 14).
    pub fn assert_within(&self, bound: Duration, slack: Duration, what: &str) {
        eprintln!(
            "measured: {what}: exit {} after {:.2} s wall, {:.2} s CPU, peak {} MiB",
            self.code,
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.peak >> 20
        );
        let slack = slack_override().unwrap_or(slack);
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

/// `CSPOT_ROBUST_SLACK=SECS` sets the allowed time past a bound. The default of the tests is
/// generous because a shared CI machine stretches wall time several times over (the runs stop
/// at their bound, but what follows, unwinding and the report, waits for a core); the
/// acceptance figures are measured on an idle machine with `CSPOT_ROBUST_SLACK=1`.
fn slack_override() -> Option<Duration> {
    let s = std::env::var("CSPOT_ROBUST_SLACK").ok()?;
    s.parse::<f64>().ok().map(Duration::from_secs_f64)
}

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
    // One hostile run at a time: they take much memory, and their exit times are measured.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let out = scratch_file("stdout");
    let err = scratch_file("stderr");
    let started = Instant::now();
    let peak_file = scratch_file("peak");
    let _ = std::fs::remove_file(&peak_file);
    // GNU time, when there is one, runs the binary as its own small child, so the peak it
    // reports is the binary's alone (see `high_water_mark` for why rusage cannot be used).
    let time = Path::new("/usr/bin/time")
        .exists()
        .then(|| format!("/usr/bin/time -q -f %M -o '{}' ", peak_file.display()));
    // Reaped by `wait4` below, which also gives its CPU times; std's `wait` is not used.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec {}\"$0\" \"$@\"",
            ADDRESS_CAP >> 10,
            time.as_deref().unwrap_or("")
        ))
        // Its own process group, so that the kill timer reaches GNU time's child too.
        .process_group(0)
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
        polled = polled.max(cspot_hwm(pid));
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
            // SAFETY: kill has no memory effects; -pid is the group made at the spawn.
            unsafe { libc::kill(-pid, libc::SIGKILL) };
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let wall = started.elapsed();
    let (user, system) = (usage.ru_utime, usage.ru_stime);
    let cpu = Duration::from_micros(
        (user.tv_sec + system.tv_sec) as u64 * 1_000_000 + (user.tv_usec + system.tv_usec) as u64,
    );
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    // `ru_maxrss` of a child spawned with a shared address space (vfork) includes the test
    // process's own resident size at the spawn, which other tests of the binary inflate; the
    // high-water mark polled from /proc once the binary runs is its own.
    let reaped = usage.ru_maxrss as u64 * 1024;
    let timed = std::fs::read_to_string(&peak_file)
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024);
    let _ = std::fs::remove_file(&peak_file);
    let peak = match timed {
        Some(p) => p.max(polled),
        None if polled > 0 => polled,
        None => reaped,
    };
    let ended = Ended {
        code,
        wall,
        cpu,
        peak,
        stdout: head(&out),
        stdout_bytes: std::fs::metadata(&out).map_or(0, |m| m.len()),
        stderr: head(&err),
    };
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(err);
    ended
}

/// `VmHWM` of `pid` once it runs cspot (before the `exec` it is still bash), in bytes; 0 when
/// it cannot be read.
fn cspot_hwm(pid: libc::pid_t) -> u64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0;
    };
    let mut lines = status.lines();
    if lines.next().is_none_or(|l| !l.contains("cspot")) {
        return 0;
    }
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
