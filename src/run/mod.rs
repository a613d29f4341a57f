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
