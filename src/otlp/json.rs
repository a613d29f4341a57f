//! JSON files: one document (OTLP, Jaeger, Zipkin) or JSON Lines (the Collector's file exporter),
//! told apart by content. JSON Lines are parsed line by line from a reused buffer; a single
//! document is streamed through serde_json's reader, so neither holds the file in memory.

use super::build::Builder;
use super::error::{FieldPath, Position};
use super::jaeger;
use super::jsonutil::*;
use super::otlp_json::{ListSeed, ResourceSpansElem, field, list};
use super::zipkin;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::io::{BufRead, Read};
use std::rc::Rc;

/// A first line longer than this is not taken for a JSON Lines record; the file is streamed.
const FIRST_LINE_LIMIT: u64 = 64 << 20;

#[derive(Clone, Copy)]
enum DocField {
    ResourceSpans,
    Data,
    JaegerTrace(jaeger::TraceField),
    Other,
}

fn doc_field(k: &str) -> DocField {
    match k {
        "resourceSpans" | "resource_spans" => DocField::ResourceSpans,
        "data" => DocField::Data,
        "spans" | "processes" | "traceID" | "warnings" => {
            DocField::JaegerTrace(jaeger::trace_field(k))
        }
        _ => DocField::Other,
    }
}

/// One JSON document of any supported kind: an object (OTLP, Jaeger) or an array (Zipkin).
pub(crate) struct DocSeed<'c, 'b, 's>(pub &'c mut Ctx<'b, 's>);

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
                DocField::ResourceSpans => field!(
                    ctx,
                    "resourceSpans",
                    map,
                    list::<ResourceSpansElem>(&mut *ctx)
                )?,
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
pub(crate) fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Parses one document held in memory; `line0` is the line of its first byte in the file.
pub(crate) fn parse_slice(
    b: &mut Builder,
    file: u16,
    data: &[u8],
    line0: u64,
) -> Result<(), (serde_json::Error, String)> {
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
        .map_err(|e| (e, ctx.path.to_string()))
}

fn report(b: &mut Builder, line0: u64, e: &serde_json::Error, path: String) {
    let pos = Position::LineCol {
        line: line0 + e.line().max(1) as u64 - 1,
        col: e.column().max(1) as u64,
    };
    b.error(pos, path, bare_message(e));
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|c| c.is_ascii_whitespace())
}

/// Reads a JSON file (plain or decompressed): JSON Lines or one streamed document.
pub(crate) fn read_json<R: BufRead>(b: &mut Builder, file: u16, mut r: R) {
    let mut line = Vec::new();
    let mut lineno = 1u64;
    // Find the first non-blank line; it decides between JSON Lines and one document.
    loop {
        line.clear();
        match r
            .by_ref()
            .take(FIRST_LINE_LIMIT)
            .read_until(b'\n', &mut line)
        {
            Ok(0) => return,
            Ok(_) if is_blank(&line) => lineno += 1,
            Ok(_) => break,
            Err(e) => return b.error(Position::File, String::new(), e.to_string()),
        }
    }
    let complete_line = line.last() == Some(&b'\n') || (line.len() as u64) < FIRST_LINE_LIMIT;
    if complete_line {
        let mark = b.mark();
        match parse_slice(b, file, &line, lineno) {
            Ok(()) => {}
            Err((e, _)) if e.is_eof() && line.last() == Some(&b'\n') => {
                // The first line is not a whole document: the file is one document over
                // several lines.
                b.rollback(mark);
                return read_stream(b, file, lineno, std::io::Cursor::new(line).chain(r));
            }
            Err((e, path)) => report(b, lineno, &e, path),
        }
    } else {
        return read_stream(b, file, lineno, std::io::Cursor::new(line).chain(r));
    }
    // JSON Lines: one document per line; a bad line is reported and the next one read.
    loop {
        line.clear();
        lineno += 1;
        match r.read_until(b'\n', &mut line) {
            Ok(0) => return,
            Ok(_) if is_blank(&line) => {}
            Ok(_) => {
                if let Err((e, path)) = parse_slice(b, file, &line, lineno) {
                    report(b, lineno, &e, path);
                }
            }
            Err(e) => {
                return b.error(
                    Position::LineCol {
                        line: lineno,
                        col: 1,
                    },
                    String::new(),
                    e.to_string(),
                );
            }
        }
    }
}

/// One document streamed from a reader, positions counted as bytes go by.
fn read_stream<R: Read>(b: &mut Builder, file: u16, line0: u64, r: R) {
    let pos = Rc::new(StreamPos::default());
    pos.line.set(line0 - 1);
    let counting = CountingReader {
        inner: std::io::BufReader::new(r),
        pos: pos.clone(),
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
        let p = Position::LineCol {
            line: e.line() as u64 + line0 - 1,
            col: e.column().max(1) as u64,
        };
        ctx.b.error(p, path, msg);
    }
}

/// A JSON document held in memory (a message of a length-prefixed stream).
pub(crate) fn read_json_message(b: &mut Builder, file: u16, data: &[u8], offset: u64) {
    if let Err((e, path)) = parse_slice(b, file, data, 1) {
        let msg = format!(
            "{} (line {} column {} of the JSON message)",
            bare_message(&e),
            e.line(),
            e.column()
        );
        b.error(Position::Offset(offset), path, msg);
    }
}
