//! JSON files: one document or JSON Lines (the Collector's file exporter), told apart by content.
//!
//! OTLP/JSON goes to the scanner-based reader of [`super::otlp_json`]: JSON Lines record by
//! record from a reused buffer, one big document element by element (each `resourceSpans` entry
//! is cut out of the stream and read on its own), so neither holds the file in memory. Jaeger and
//! Zipkin documents go to serde readers, streamed from the file.

use super::build::Builder;
use super::error::{FieldPath, Position};
use super::jaeger;
use super::jscan::Scan;
use super::jsonutil::*;
use super::otlp_json::{Doc, Lines, looks_like_otlp};
use super::zipkin;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, Read};
use std::rc::Rc;

/// A first line longer than this is not taken for a JSON Lines record; the file is streamed.
const FIRST_LINE_LIMIT: u64 = 64 << 20;

/// How much of a top-level key the document splitter keeps: enough to tell `resourceSpans`.
const KEY_KEPT: usize = 32;

#[derive(Clone, Copy)]
enum DocField {
    Data,
    JaegerTrace(jaeger::TraceField),
    Other,
}

fn doc_field(k: &str) -> DocField {
    match k {
        "data" => DocField::Data,
        "spans" | "processes" | "traceID" | "warnings" => {
            DocField::JaegerTrace(jaeger::trace_field(k))
        }
        _ => DocField::Other,
    }
}

/// A Jaeger object or a Zipkin array.
struct DocSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for DocSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a trace dump: an OTLP or Jaeger JSON object, or a Zipkin array of spans")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        while let Some(k) = map.next_key_seed(KeySeed(doc_field))? {
            match k {
                DocField::Data => field!(ctx, "data", map, list::<jaeger::TraceElem>(&mut *ctx))?,
                DocField::JaegerTrace(f) => return jaeger::trace_map(ctx, map, Some(f)),
                DocField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let l: ListSeed<zipkin::SpanElem> = list(self.0);
        Visitor::visit_seq(l, seq)
    }
}

/// serde_json's message without its " at line L column C" suffix (we print our own position).
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A failure to read one document: where, the field path, what, and whether the text simply
/// ended (so that more lines might complete it).
struct Failure {
    pos: Position,
    path: String,
    message: String,
    at_end: bool,
}

/// One document held in memory; `line0` is the line of its first byte in the file.
fn parse_slice(b: &mut Builder, file: u16, data: &[u8], line0: u64) -> Result<(), Failure> {
    if looks_like_otlp(data) {
        let mut doc = Doc {
            b,
            file,
            path: FieldPath::default(),
            lines: Lines {
                data,
                line0,
                col0: 1,
            },
            cursor: Default::default(),
        };
        let mut s = Scan::new(data);
        return doc.traces_data(&mut s).map_err(|(pos, path, message)| {
            let rest = &data[s.pos.min(data.len())..];
            Failure {
                pos,
                path,
                message,
                at_end: rest.iter().all(|c| c.is_ascii_whitespace()),
            }
        });
    }
    let mut ctx = Ctx {
        b,
        path: FieldPath::default(),
        src: Src::Slice { data, line0 },
        file,
    };
    let mut de = serde_json::Deserializer::from_slice(data);
    DocSeed(&mut ctx)
        .deserialize(&mut de)
        .and_then(|_| de.end())
        .map_err(|e| Failure {
            pos: Position::LineCol {
                line: line0 + e.line().max(1) as u64 - 1,
                col: e.column().max(1) as u64,
            },
            path: ctx.path.to_string(),
            message: bare_message(&e),
            at_end: e.is_eof(),
        })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|c| c.is_ascii_whitespace())
}

/// Reads a JSON file (plain or decompressed): JSON Lines or one streamed document.
pub(crate) fn read_json<R: BufRead>(b: &mut Builder, file: u16, mut r: R) {
    let mut line = Vec::new();
    let mut lineno = 1u64;
    let cap = b.opts.max_message;
    let first_limit = FIRST_LINE_LIMIT.min(cap);
    // Find the first non-blank line; it decides between JSON Lines and one document.
    loop {
        line.clear();
        match r.by_ref().take(first_limit).read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) if is_blank(&line) => lineno += 1,
            Ok(_) => break,
            Err(e) => return b.error(Position::File, String::new(), e.to_string()),
        }
    }
    let complete_line = line.last() == Some(&b'\n') || (line.len() as u64) < first_limit;
    let mut one_document = !complete_line;
    if complete_line {
        let mark = b.mark();
        match parse_slice(b, file, &line, lineno) {
            Ok(()) => {}
            Err(f) if f.at_end && line.last() == Some(&b'\n') => {
                // The first line is not a whole document: the file is one document over
                // several lines.
                b.rollback(mark);
                one_document = true;
            }
            Err(f) => b.error(f.pos, f.path, f.message),
        }
    }
    if one_document {
        let otlp = {
            // The first key decides; the first line can be 64 MB, so only its start is copied.
            let mut head = line[..line.len().min(4096)].to_vec();
            if head.len() < 4096
                && let Ok(more) = r.fill_buf()
            {
                head.extend_from_slice(&more[..more.len().min(4096)]);
            }
            looks_like_otlp(&head)
        };
        let whole = std::io::Cursor::new(line).chain(r);
        if otlp {
            return read_otlp_document(b, file, lineno, whole);
        }
        return read_stream(b, file, lineno, whole);
    }
    // JSON Lines: one document per line; a bad line is reported and the next one read. Lines
    // are parsed where they lie in a large buffer; only a line cut by the buffer's end moves.
    // The buffer starts small, so that one short document (a line read alone) costs little,
    // and takes its full 4 MiB as soon as a second read shows there is more; beyond that it
    // doubles only for a longer line.
    let mut buf = vec![0u8; 1 << 16];
    let mut filled = 0;
    let mut eof = false;
    let mut reads = 0u32;
    // Inside a line longer than `cap`: its bytes are dropped up to its newline.
    let mut skipping = false;
    while !eof && !b.stopped() {
        if filled == buf.len() {
            // The buffer holds one unfinished line (earlier lines were moved out).
            if filled as u64 >= cap {
                let m = b.too_large("a JSON line", None);
                let at = Position::LineCol {
                    line: lineno + 1,
                    col: 1,
                };
                b.error(at, String::new(), m);
                skipping = true;
                filled = 0;
            } else {
                let n = (buf.len() * 2).min(usize::try_from(cap).unwrap_or(usize::MAX));
                let extra = n - buf.len();
                if let Err(e) = super::read::reserve(&mut buf, extra) {
                    return b.error(Position::File, String::new(), e.to_string());
                }
                buf.resize(n, 0);
            }
        } else if reads >= 2 && buf.len() < 1 << 22 {
            buf.resize(1 << 22, 0);
        }
        match r.read(&mut buf[filled..]) {
            Ok(0) => eof = true,
            Ok(n) => {
                filled += n;
                reads += 1;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return b.error(
                    Position::LineCol {
                        line: lineno + 1,
                        col: 1,
                    },
                    String::new(),
                    e.to_string(),
                );
            }
        }
        let mut start = 0;
        if skipping {
            match memchr::memchr(b'\n', &buf[..filled]) {
                Some(p) => {
                    start = p + 1;
                    lineno += 1;
                    skipping = false;
                }
                None => start = filled,
            }
        }
        while start < filled {
            let end = match memchr::memchr(b'\n', &buf[start..filled]) {
                Some(p) => start + p + 1,
                None if eof => filled,
                None => break,
            };
            lineno += 1;
            let line = &buf[start..end];
            if !is_blank(line)
                && let Err(f) = parse_slice(b, file, line, lineno)
            {
                b.error(f.pos, f.path, f.message);
                if b.stopped() {
                    return;
                }
            }
            start = end;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
    }
}

/// One OTLP document of any size: each element of its `resourceSpans` list is cut out of the
/// stream into a reused buffer and read on its own; other members are skipped.
fn read_otlp_document<R: BufRead>(b: &mut Builder, file: u16, line0: u64, mut r: R) {
    let mut line = line0;
    let mut col = 1u64;
    let mut depth = 0u32;
    let (mut in_str, mut esc) = (false, false);
    let mut expecting_key = false;
    let mut capturing_key = false;
    let mut key: Vec<u8> = Vec::new();
    let mut in_list = false;
    let mut elem: Vec<u8> = Vec::new();
    let mut capturing = false;
    let (mut elem_line, mut elem_col) = (0u64, 0u64);
    let mut index = 0usize;
    let mut done = false;
    // The element being read passed `cap`: its bytes are dropped until it closes.
    let mut dropped = false;
    let cap = usize::try_from(b.opts.max_message).unwrap_or(usize::MAX);
    let mut path = FieldPath::default();
    path.push_field("resourceSpans");
    loop {
        if b.stopped() {
            return;
        }
        let chunk = match r.fill_buf() {
            Ok([]) => break,
            Ok(c) => c,
            Err(e) => {
                return b.error(
                    Position::LineCol { line, col },
                    String::new(),
                    e.to_string(),
                );
            }
        };
        let n = chunk.len();
        for &c in chunk {
            let here = Position::LineCol { line, col };
            if c == b'\n' {
                line += 1;
                col = 1;
            } else if c & 0xc0 != 0x80 {
                col += 1;
            }
            if capturing {
                if elem.len() >= cap {
                    let what = format!("resourceSpans[{index}] (from {elem_line}:{elem_col})");
                    let m = b.too_large(&what, None);
                    b.error(here, String::new(), m);
                    capturing = false;
                    dropped = true;
                    elem = Vec::new();
                } else {
                    elem.push(c);
                }
            }
            if done {
                if !c.is_ascii_whitespace() {
                    return b.error(
                        here,
                        String::new(),
                        "trailing characters after the document (several documents must be \
                         one per line, as JSON Lines)"
                            .into(),
                    );
                }
                continue;
            }
            if in_str {
                // Only `resourceSpans` is looked for: a longer key need not be kept whole.
                let keep = capturing_key && key.len() < KEY_KEPT;
                if esc {
                    esc = false;
                    if keep {
                        key.push(c);
                    }
                } else if c == b'\\' {
                    esc = true;
                } else if c == b'"' {
                    in_str = false;
                    capturing_key = false;
                } else if keep {
                    key.push(c);
                }
                continue;
            }
            match c {
                b'"' => {
                    in_str = true;
                    if depth == 1 && expecting_key {
                        capturing_key = true;
                        key.clear();
                    }
                }
                b'{' | b'[' => {
                    if depth == 0 && c != b'{' {
                        return b.error(here, String::new(), "expected an object".into());
                    }
                    if depth == 2 && in_list && !capturing && !dropped {
                        capturing = true;
                        elem.clear();
                        elem.push(c);
                        (elem_line, elem_col) = match here {
                            Position::LineCol { line, col } => (line, col),
                            _ => (line, col),
                        };
                    }
                    depth += 1;
                    if depth == 1 {
                        expecting_key = true;
                    }
                    if depth == 2
                        && c == b'['
                        && matches!(&key[..], b"resourceSpans" | b"resource_spans")
                    {
                        in_list = true;
                    }
                }
                b'}' | b']' => {
                    if depth == 0 {
                        return b.error(here, String::new(), format!("unexpected `{}`", c as char));
                    }
                    depth -= 1;
                    if dropped && depth == 2 {
                        dropped = false;
                        index += 1;
                    }
                    if capturing && depth == 2 {
                        capturing = false;
                        let mut doc = Doc {
                            b: &mut *b,
                            file,
                            path: path.clone(),
                            lines: Lines {
                                data: &elem,
                                line0: elem_line,
                                col0: elem_col,
                            },
                            cursor: Default::default(),
                        };
                        let mut s = Scan::new(&elem);
                        if let Err(e) = doc.resource_spans_at(&mut s, index) {
                            let p = doc.lines.position(e.at);
                            let fp = doc.path.to_string();
                            b.error(p, fp, e.message);
                            if b.stopped() {
                                return;
                            }
                        }
                        index += 1;
                    }
                    if depth == 1 {
                        in_list = false;
                    }
                    if depth == 0 {
                        done = true;
                    }
                }
                b':' if depth == 1 => expecting_key = false,
                b',' if depth == 1 => expecting_key = true,
                _ => {}
            }
        }
        r.consume(n);
    }
    if !done {
        b.error(
            Position::LineCol { line, col },
            String::new(),
            "the document ends before it is closed".into(),
        );
    }
}

/// A Jaeger or Zipkin document streamed from a reader, positions counted as bytes go by.
fn read_stream<R: Read>(b: &mut Builder, file: u16, line0: u64, r: R) {
    let pos = Rc::new(StreamPos::default());
    pos.line.set(line0 - 1);
    let over = b.too_large("a JSON string", None);
    let counting = CountingReader {
        inner: std::io::BufReader::new(r),
        pos: pos.clone(),
        strings: StringCap::new(b.opts.max_message, over),
    };
    let mut ctx = Ctx {
        b,
        path: FieldPath::default(),
        src: Src::Stream(pos),
        file,
    };
    let mut de = serde_json::Deserializer::from_reader(counting);
    let result = DocSeed(&mut ctx)
        .deserialize(&mut de)
        .and_then(|_| de.end());
    if let Err(e) = result {
        let path = ctx.path.to_string();
        let mut msg = bare_message(&e);
        if msg.contains("trailing characters") {
            msg.push_str(" (several JSON documents must be written one per line, as JSON Lines)");
        }
        // An IO error has no position from serde_json; the counting reader knows it.
        let p = if e.is_io() {
            ctx.position(None)
        } else {
            Position::LineCol {
                line: e.line() as u64 + line0 - 1,
                col: e.column().max(1) as u64,
            }
        };
        ctx.b.error(p, path, msg);
    }
}

/// A JSON document held in memory (a message of a length-prefixed stream).
pub(crate) fn read_json_message(b: &mut Builder, file: u16, data: &[u8], offset: u64) {
    if let Err(f) = parse_slice(b, file, data, 1) {
        let msg = format!("{} (at {} of the JSON message)", f.message, f.pos);
        b.error(Position::Offset(offset), f.path, msg);
    }
}
