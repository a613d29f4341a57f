//! Whole jobs run into one [`Report`](crate::report::Report): the library's facade, which the
//! command line calls too.
//!
//! `run` owns what a checking command does between its options and its report: finding and
//! reading the input files (with the caps of [`read`]), opening the time and memory budget
//! of each stage, and turning every input that cannot be checked into a result with verdict
//! `error`, so that a library caller and the CLI get the same report from the same input. It
//! must not parse command lines, print, or decide exit codes: diagnostics and progress go to
//! an [`Observer`], exit codes are the CLI's.

pub mod bsp;
pub mod check;
pub mod files;
pub mod read;
pub mod traces;
pub mod verify;

pub use files::FsLoader;

use crate::explore::Progress;
use std::time::Duration;

/// The parallelism and the bounds every run takes. `Limits::default()` is one worker per core,
/// the default memory bound and no state or time bound, as the command line's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Worker threads; 0 means one per core. Reports do not depend on it.
    pub jobs: usize,
    /// Stop a check as inconclusive after storing this many states (`traces verify`: per
    /// trace, 1,000,000 when `None`).
    pub max_states: Option<u64>,
    /// Stop a check as inconclusive past this many bytes; `None` means 80 % of the memory
    /// available ([`crate::budget::default_max_bytes`]).
    pub max_memory: Option<u64>,
    /// Stop a check as inconclusive after this long (`traces verify`: per trace).
    pub timeout: Option<Duration>,
}

impl Limits {
    /// The memory bound, the default one when none is given.
    pub(crate) fn memory(&self) -> Option<u64> {
        self.max_memory.or_else(crate::budget::default_max_bytes)
    }

    /// The engine's options for these limits.
    pub(crate) fn explore(&self) -> crate::explore::Options {
        crate::explore::Options {
            jobs: self.jobs,
            max_states: self.max_states,
            max_memory: self.memory(),
            timeout: self.timeout,
        }
    }
}

/// What a run tells its caller while it works. Every method has a default that ignores it,
/// so an observer implements only what it shows.
pub trait Observer {
    /// A diagnostic, rendered with its position and source snippet, as the CLI writes it on
    /// stderr. The same problem is also a result with verdict `error` in the report.
    fn diagnostic(&mut self, _rendered: &str) {}
    /// The search of the check `id` starts; [`Observer::progress`] calls follow until
    /// [`Observer::finished`].
    fn started(&mut self, _id: &str) {}
    /// How far the current search has gone (about every 200 ms).
    fn progress(&mut self, _progress: &Progress) {}
    /// The current search has ended.
    fn finished(&mut self) {}
    /// Whether diagnostics given to [`Observer::diagnostic`] should carry colour (ANSI)
    /// escapes; stripping them gives the plain text.
    fn color(&self) -> bool {
        false
    }
}

/// An [`Observer`] that ignores everything: the report holds what matters.
#[derive(Clone, Copy, Debug, Default)]
pub struct Quiet;

impl Observer for Quiet {}
