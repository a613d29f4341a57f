//! The entry point of reading: format detection by content, decompression, and the Collector
//! file exporter's length-prefixed stream.

use super::build::{Builder, Dump, ReadOptions};
use super::error::Position;
use super::json;
use super::protobuf::{Decoder, read_message_stream};
use std::cell::Cell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::rc::Rc;

/// What a dump looks like from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    /// A zstd frame: decompressed, then detected again.
    Zstd,
    /// JSON: one document (OTLP, Jaeger, Zipkin) or JSON Lines.
    Json,
    /// One protobuf `TracesData` / `ExportTraceServiceRequest`.
    ProtoMessage,
    /// Messages each prefixed by a 4-byte big-endian length (the file exporter's `proto` format,
    /// and its compressed forms).
    ProtoStream,
    /// Nothing to read.
    Empty,
    /// None of the above.
    Unknown,
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

fn skip_ws(b: &[u8]) -> &[u8] {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    let n = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(b.len());
    &b[n..]
}

/// Classifies a dump by its first bytes (a few KiB are plenty).
pub fn detect(head: &[u8]) -> Detected {
    if head.is_empty() {
        return Detected::Empty;
    }
    if head.starts_with(&ZSTD_MAGIC) {
        return Detected::Zstd;
    }
    let rest = skip_ws(head);
    if rest.is_empty() && head.len() < 4 {
        return Detected::Empty;
    }
    if let Some((&c, after)) = rest.split_first()
        && (c == b'{' || c == b'[')
    {
        // "\n{" is also a protobuf field 1 of 123 bytes: JSON continues with a key, a value
        // or a closing bracket, protobuf with another field tag.
        match skip_ws(after).first() {
            None | Some(b'"') | Some(b'}') | Some(b']') | Some(b'{') => return Detected::Json,
            Some(_) if head[0] != b'\n' => return Detected::Json,
            _ => {}
        }
    }
    if rest.is_empty() {
        return Detected::Empty;
    }
    if head[0] == 0x0a {
        Detected::ProtoMessage
    } else if head[0] < 0x0a && head.len() >= 4 {
        Detected::ProtoStream
    } else {
        Detected::Unknown
    }
}

/// Reads dumps into one forest; spans of a trace may be spread over several files.
pub struct Reader {
    b: Builder,
}

impl Reader {
    pub fn new(opts: ReadOptions) -> Reader {
        Reader {
            b: Builder::new(opts),
        }
    }

    /// Reads one dump of any supported format. Errors are kept (see [`Dump::errors`]); what
    /// could be read is kept too.
    pub fn read<'a>(&mut self, name: &str, input: impl Read + 'a) {
        let file = self.b.begin_file(name);
        if self.b.stopped() {
            // The memory bound was passed in an earlier file; the error said so there.
            return self.b.error(
                Position::File,
                String::new(),
                "not read: the memory bound (--max-memory) was passed in an earlier file".into(),
            );
        }
        read_any(&mut self.b, file, Box::new(Budgeted(input)), 0);
    }

    /// Spans read so far.
    pub fn span_count(&self) -> usize {
        self.b.span_count()
    }

    /// Assembles the forest.
    pub fn finish(self) -> Dump {
        self.b.finish()
    }
}

/// Reads one dump (`name` names it in messages) into a forest.
pub fn read(name: &str, input: impl Read, opts: ReadOptions) -> Dump {
    let mut r = Reader::new(opts);
    r.read(name, input);
    r.finish()
}

/// Reads the first few KiB, leaving them in front of the rest.
fn peek<R: Read>(mut r: R, n: usize) -> std::io::Result<(Vec<u8>, R)> {
    let mut head = Vec::with_capacity(n);
    r.by_ref().take(n as u64).read_to_end(&mut head)?;
    Ok((head, r))
}

/// Type-erased so that a decompressed stream can be read by the same function.
fn read_any(b: &mut Builder, file: u16, r: Box<dyn Read + '_>, depth: u32) {
    let (head, r) = match peek(r, 4096) {
        Ok(x) => x,
        Err(e) => return b.error(Position::File, String::new(), e.to_string()),
    };
    let kind = detect(&head);
    let r = BufReader::with_capacity(1 << 16, Cursor::new(head).chain(r));
    match kind {
        Detected::Empty => {}
        Detected::Zstd if depth < 2 => read_zstd(b, file, r, depth),
        Detected::Zstd => b.error(
            Position::Offset(0),
            String::new(),
            "zstd inside zstd inside zstd: not a trace dump".into(),
        ),
        Detected::Json => json::read_json(b, file, r),
        Detected::ProtoMessage => {
            let mut r = r;
            read_message_stream(b, file, &mut r, 0, None)
        }
        Detected::ProtoStream => read_prefixed(b, file, r),
        Detected::Unknown => b.error(
            Position::Offset(0),
            String::new(),
            "not a trace dump: neither JSON, protobuf nor zstd".into(),
        ),
    }
}

/// A zstd stream: decompressed as it is read, and detected again. Sizes are checked by the
/// readers of what comes out (each holds at most `max_message` bytes of it); the compressed
/// bytes read so far are counted for their messages.
fn read_zstd(b: &mut Builder, file: u16, r: impl BufRead, depth: u32) {
    let taken = Rc::new(Cell::new(0u64));
    let counted = Counted {
        inner: r,
        n: taken.clone(),
    };
    match zstd::Decoder::new(counted) {
        Ok(d) => {
            let outer = b.source.zstd.replace(taken);
            read_any(b, file, Box::new(Budgeted(d)), depth + 1);
            b.source.zstd = outer;
        }
        Err(e) => b.error(Position::Offset(0), String::new(), format!("zstd: {e}")),
    }
}

/// Reads under the run's time bound (`crate::budget`): a read past it fails, so an endless
/// stream or a bomb whose expansion is scanned for gigabytes stops at `--timeout`. Only the
/// time is looked at here; the readers' own accounting bounds their memory.
struct Budgeted<R>(R);

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Err(e) = crate::budget::tick() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("reading {e} (--timeout)"),
            ));
        }
        self.0.read(buf)
    }
}

/// Counts the bytes read through it.
struct Counted<R> {
    inner: R,
    n: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.set(self.n.get() + k as u64);
        Ok(k)
    }
}

/// Reads all of `r` into `buf` unless it holds more than `cap` bytes: `Ok(true)` when it all
/// fit, `Ok(false)` (with `cap + 1` bytes read) when it did not. The buffer grows by
/// `try_reserve`, never past `cap + 1`, so neither a bomb nor a refused allocation aborts.
pub(crate) fn read_capped(r: &mut impl Read, cap: u64, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    buf.clear();
    let limit = usize::try_from(cap).unwrap_or(usize::MAX).saturating_add(1);
    while buf.len() < limit {
        if buf.len() == buf.capacity() {
            let grow = buf.len().max(64 << 10).min(limit - buf.len());
            reserve(buf, grow)?;
        }
        let old = buf.len();
        let end = buf.capacity().min(limit);
        buf.resize(end, 0);
        match r.read(&mut buf[old..]) {
            Ok(0) => {
                buf.truncate(old);
                return Ok(true);
            }
            Ok(k) => buf.truncate(old + k),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
            Err(e) => {
                buf.truncate(old);
                return Err(e);
            }
        }
    }
    Ok(false)
}

/// `try_reserve_exact` with the refusal as an IO error (the caller reports it and goes on).
pub(crate) fn reserve(buf: &mut Vec<u8>, extra: usize) -> std::io::Result<()> {
    buf.try_reserve_exact(extra).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::OutOfMemory,
            format!("cannot allocate {extra} more bytes for a message"),
        )
    })
}

/// Skips `n` bytes of `r`; whether they were all there.
fn skip_bytes(r: &mut impl Read, n: u64) -> bool {
    std::io::copy(&mut r.take(n), &mut std::io::sink()).is_ok_and(|k| k == n)
}

/// The file exporter's stream: 4-byte big-endian length, then a message that is protobuf, JSON,
/// or either compressed with zstd. A broken message is reported and the next one read.
fn read_prefixed<R: BufRead>(b: &mut Builder, file: u16, mut r: R) {
    let mut buf = Vec::new();
    let mut plain = Vec::new();
    let mut offset = 0u64;
    let cap = b.opts.max_message;
    loop {
        if b.stopped() {
            return;
        }
        let mut len = [0u8; 4];
        match read_full(&mut r, &mut len) {
            Ok(0) => return,
            Ok(4) => {}
            Ok(n) => {
                return b.error(
                    Position::Offset(offset),
                    String::new(),
                    format!("truncated length prefix: {n} of 4 bytes"),
                );
            }
            Err(e) => return b.error(Position::Offset(offset), String::new(), e.to_string()),
        }
        let n = u32::from_be_bytes(len) as u64;
        let at = offset + 4;
        if n > cap {
            // Too large to hold: reported, skipped, and the next message read.
            let m = b.too_large("message", Some(n));
            b.error(Position::Offset(offset), String::new(), m);
            if !skip_bytes(&mut r, n) {
                return;
            }
            offset = at + n;
            continue;
        }
        buf.clear();
        if let Err(e) = reserve(&mut buf, n as usize) {
            return b.error(Position::Offset(at), String::new(), e.to_string());
        }
        match r.by_ref().take(n).read_to_end(&mut buf) {
            Ok(got) if got as u64 == n => {}
            Ok(got) => {
                return b.error(
                    Position::Offset(at),
                    String::new(),
                    format!("truncated message: {n} bytes announced, {got} left"),
                );
            }
            Err(e) => return b.error(Position::Offset(at), String::new(), e.to_string()),
        }
        offset = at + n;
        let payload: &[u8] = if buf.starts_with(&ZSTD_MAGIC) {
            match zstd::Decoder::new(&buf[..])
                .and_then(|mut d| read_capped(&mut d, cap, &mut plain))
            {
                Ok(true) => &plain,
                Ok(false) => {
                    let what = format!(
                        "the zstd frame of the message at byte {at} expands to a message that"
                    );
                    let m = b.too_large(&what, None);
                    b.error(Position::Offset(at), String::new(), m);
                    continue;
                }
                Err(e) => {
                    b.error(Position::Offset(at), String::new(), format!("zstd: {e}"));
                    continue;
                }
            }
        } else {
            &buf
        };
        match skip_ws(payload).first() {
            Some(b'{') => json::read_json_message(b, file, payload, at),
            _ => Decoder::new(b, file).traces_data(payload, at),
        }
    }
}

/// Reads until `buf` is full or the stream ends; the number of bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_content() {
        assert_eq!(detect(b""), Detected::Empty);
        assert_eq!(detect(b"  \n"), Detected::Empty);
        assert_eq!(detect(b"{\"resourceSpans\":[]}"), Detected::Json);
        assert_eq!(detect(b"\n\n [ {"), Detected::Json);
        assert_eq!(detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Detected::Zstd);
        assert_eq!(detect(&[0x0a, 0x05, 0x12, 0x03]), Detected::ProtoMessage);
        assert_eq!(detect(&[0x0a, b'{', 0x12, 0x03]), Detected::ProtoMessage);
        assert_eq!(detect(&[0, 0, 0, 7, 0x0a]), Detected::ProtoStream);
        assert_eq!(detect(b"hello"), Detected::Unknown);
    }
}
