//! Bounded reads of the user's files (issue 14): every file the CLI reads whole (CSPM sources
//! and their includes, `--model` TOML, BSP configurations, saved reports) goes through
//! [`read_capped`], so that `/dev/zero`, a named pipe that never ends or a runaway generated
//! file ends in an error naming the file and the cap instead of filling memory.
//!
//! Trace dumps are not read here: the `otlp` readers stream them in bounded buffers.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The largest CSPM source file (and each included file) read, in bytes. FDR scripts are
/// kilobytes; generated ones reach megabytes. 256 MiB leaves room for those while the tokens
/// and tree of a file that size still fit the 4 GiB the robust tests allow.
pub const MAX_SOURCE_BYTES: u64 = 256 << 20;

/// The largest configuration file (a `--model` TOML, a BSP configuration): a few lines by
/// nature, so a small cap.
pub const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// The largest saved JSON report `cspot report` reads: a report of many traces carries their
/// span trees, so larger than a source.
pub const MAX_REPORT_BYTES: u64 = 1 << 30;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file} is larger than {what} cspot reads ({cap})")]
    TooLarge {
        file: String,
        what: &'static str,
        cap: Size,
    },
    #[error("{file} is {kind}, not a regular file")]
    NotRegular { file: String, kind: &'static str },
    #[error("cannot read {file}: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
}

impl ReadError {
    /// The message without the file's name, for callers that name the file themselves.
    pub fn reason(&self) -> String {
        match self {
            ReadError::TooLarge { what, cap, .. } => {
                format!("larger than {what} cspot reads ({cap})")
            }
            ReadError::NotRegular { kind, .. } => format!("{kind}, not a regular file"),
            ReadError::Io { source, .. } => source.to_string(),
        }
    }
}

/// A byte count shown in MiB when it is a whole number of them.
#[derive(Clone, Copy, Debug)]
pub struct Size(pub u64);

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            n if n >= 1 << 20 && n % (1 << 20) == 0 => write!(f, "{} MiB", n >> 20),
            n => write!(f, "{n} bytes"),
        }
    }
}

/// What is read, for the error message: the cap and how the message names it.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub cap: u64,
    pub what: &'static str,
}

pub const SOURCE: Limit = Limit {
    cap: MAX_SOURCE_BYTES,
    what: "the largest source file",
};
pub const CONFIG: Limit = Limit {
    cap: MAX_CONFIG_BYTES,
    what: "the largest configuration file",
};
pub const REPORT: Limit = Limit {
    cap: MAX_REPORT_BYTES,
    what: "the largest report",
};

/// The bytes of `path`, at most `limit.cap` of them. A regular file larger than the cap is
/// refused before anything is read; a pipe is read up to one byte past the cap; devices,
/// sockets and directories are refused (a character device such as `/dev/zero` or
/// `/dev/urandom` never ends, and reading it up to the cap would only waste the memory).
pub fn read_capped(path: &Path, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let file = path.display().to_string();
    let io = |source| ReadError::Io {
        file: file.clone(),
        source,
    };
    let f = File::open(path).map_err(io)?;
    let meta = f.metadata().map_err(io)?;
    let expected = admit(&file, &meta, limit)?;
    read_all(f, &file, expected, limit)
}

/// Standard input, at most `limit.cap` bytes of it.
pub fn read_stdin_capped(limit: Limit) -> Result<Vec<u8>, ReadError> {
    read_all(std::io::stdin().lock(), "<stdin>", 0, limit)
}

/// Checks the kind and size of an opened file; gives the size to reserve.
fn admit(file: &str, meta: &std::fs::Metadata, limit: Limit) -> Result<u64, ReadError> {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let refuse = |kind| {
        Err(ReadError::NotRegular {
            file: file.to_string(),
            kind,
        })
    };
    if t.is_file() {
        if meta.len() > limit.cap {
            return Err(too_large(file, limit));
        }
        return Ok(meta.len());
    }
    if t.is_fifo() {
        return Ok(0);
    }
    if t.is_dir() {
        refuse("a directory")
    } else if t.is_char_device() {
        refuse("a character device")
    } else if t.is_block_device() {
        refuse("a block device")
    } else if t.is_socket() {
        refuse("a socket")
    } else {
        refuse("not a file")
    }
}

/// Reads to the end, refusing more than `limit.cap` bytes (a regular file may grow between
/// the size check and the read; a pipe has no size).
fn read_all(r: impl Read, file: &str, expected: u64, limit: Limit) -> Result<Vec<u8>, ReadError> {
    let mut buf = Vec::new();
    // The reservation is only a hint: a file that grew is still cut at the cap below.
    let _ = buf.try_reserve_exact(expected.min(limit.cap) as usize);
    r.take(limit.cap + 1)
        .read_to_end(&mut buf)
        .map_err(|source| ReadError::Io {
            file: file.to_string(),
            source,
        })?;
    if buf.len() as u64 > limit.cap {
        return Err(too_large(file, limit));
    }
    Ok(buf)
}

fn too_large(file: &str, limit: Limit) -> ReadError {
    ReadError::TooLarge {
        file: file.to_string(),
        what: limit.what,
        cap: Size(limit.cap),
    }
}

/// A UTF-8 text file of at most `limit.cap` bytes (configurations and reports).
pub fn read_text_capped(path: &Path, limit: Limit) -> Result<String, ReadError> {
    let bytes = read_capped(path, limit)?;
    String::from_utf8(bytes).map_err(|e| ReadError::Io {
        file: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_refused_without_reading() {
        let e = read_capped(Path::new("/dev/zero"), SOURCE).unwrap_err();
        assert!(matches!(e, ReadError::NotRegular { .. }), "{e}");
        assert_eq!(
            e.to_string(),
            "/dev/zero is a character device, not a regular file"
        );
    }

    #[test]
    fn a_pipe_is_cut_at_the_cap() {
        let small = Limit {
            cap: 10,
            what: "the test's cap",
        };
        let e = read_all(&[0u8; 11][..], "p", 0, small).unwrap_err();
        assert_eq!(
            e.to_string(),
            "p is larger than the test's cap cspot reads (10 bytes)"
        );
        assert_eq!(read_all(&[0u8; 10][..], "p", 0, small).unwrap().len(), 10);
    }
}
