//! The file-system [`FsLoader`] that every CSPM entry point (the facade, the command line)
//! loads scripts with.

use crate::cspm::load::{self, Encoding};
use crate::cspm::source::Loader;
use std::path::{Component, Path, PathBuf};

/// Reads CSPM files from the file system: an include is resolved relative to the directory of
/// the including file; bytes that are not UTF-8 are read as Windows-1252 (a note is kept).
#[derive(Default)]
pub struct FsLoader {
    notes: Vec<String>,
}

impl FsLoader {
    /// What the loader noticed since the last call, such as files read as Windows-1252
    /// (the command line prints them as warnings).
    pub fn take_notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
}

impl Loader for FsLoader {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let joined = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) if Path::new(path).is_relative() => dir.join(path),
            _ => PathBuf::from(path),
        };
        let name = clean(&joined);
        let bytes = super::read::read_capped(&name, super::read::SOURCE).map_err(|e| e.reason())?;
        let (text, encoding) = load::decode_owned(bytes);
        let name = name.to_string_lossy().into_owned();
        if encoding == Encoding::Windows1252 {
            self.notes.push(format!(
                "{name}: warning: not valid UTF-8; read as Windows-1252"
            ));
        }
        Ok((name, text))
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_parent =
                    matches!(out.components().next_back(), Some(Component::ParentDir));
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
