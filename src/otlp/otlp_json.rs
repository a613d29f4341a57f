//! OTLP/JSON (`TracesData`, `ExportTraceServiceRequest`), read with the [`Scan`] scanner:
//! spans are pushed into the builder as they are met, strings stay borrowed until interned, ids
//! are decoded straight from the bytes.
//!
//! Accepts what the Collector accepts: lowerCamelCase and snake_case keys, enums as integers or
//! names, 64-bit integers as numbers or strings, hex ids in either case. Ids that cannot be read
//! are findings (`span.invalid-id`, `link.invalid`) with position and field path; malformed JSON
//! is a [`ScanError`] with its byte offset, which the caller turns into a read error.

use super::build::Builder;
use super::error::{FieldPath, Position};
use super::ids::{IdError, decode_base64, id_from_text};
use super::jscan::{R, Scan, ScanError, find_special};
use super::jsonutil::{EnumSeed, KIND_SEED, STATUS_SEED};
use super::model::*;

/// Turns byte offsets of one scanned slice into lines and columns of its file.
pub(crate) struct Lines<'a> {
    pub data: &'a [u8],
    /// Line of `data[0]` in the file.
    pub line0: u64,
    /// Column (1-based) of `data[0]` on that line.
    pub col0: u64,
}

/// Where the last span's line was counted, so that each span's line costs only the bytes
/// since the previous span (spans come in text order).
#[derive(Default)]
pub(crate) struct LineCursor {
    off: usize,
    newlines: u64,
}

impl Lines<'_> {
    /// Line of byte `off`, counting on from `cur` (which must be at or before `off`).
    fn line_from(&self, cur: &mut LineCursor, off: usize) -> u64 {
        let off = off.min(self.data.len());
        if off < cur.off {
            *cur = LineCursor::default();
        }
        cur.newlines += memchr::memchr_iter(b'\n', &self.data[cur.off..off]).count() as u64;
        cur.off = off;
        self.line0 + cur.newlines
    }
}

impl Lines<'_> {
    pub fn position(&self, off: usize) -> Position {
        let off = off.min(self.data.len());
        let (nl, chars) = super::jsonutil::lines_before(self.data, off);
        let col = if nl == 0 {
            self.col0 + chars
        } else {
            chars + 1
        };
        Position::LineCol {
            line: self.line0 + nl,
            col,
        }
    }
}

/// The reader of one slice.
pub(crate) struct Doc<'b, 'a> {
    pub b: &'b mut Builder,
    pub file: u16,
    pub path: FieldPath,
    pub lines: Lines<'a>,
    pub cursor: LineCursor,
}

/// An id read from the text: its bytes or why not, and its byte offset.
type IdAt<const N: usize> = (Result<[u8; N], IdError>, usize);

impl<'a> Doc<'_, 'a> {
    fn pos(&self, off: usize) -> Position {
        self.lines.position(off)
    }

    fn error(&self, e: ScanError) -> (Position, String, String) {
        (self.pos(e.at), self.path.to_string(), e.message)
    }

    /// A whole `TracesData` / `ExportTraceServiceRequest` object, then the end of the slice.
    pub fn traces_data(&mut self, s: &mut Scan<'a>) -> Result<(), (Position, String, String)> {
        self.path.clear();
        let r = s
            .object(|s, k| match k {
                b"resourceSpans" | b"resource_spans" => {
                    self.path.push_field("resourceSpans");
                    s.array(|s, i| self.resource_spans_at(s, i))?;
                    self.path.pop();
                    Ok(())
                }
                _ => s.skip(),
            })
            .and_then(|_| s.end());
        r.map_err(|e| self.error(e))
    }

    /// One element of `resourceSpans`, the `i`-th.
    pub fn resource_spans_at(&mut self, s: &mut Scan<'a>, i: usize) -> R<()> {
        self.path.push_index(i);
        let start = self.b.spans.len();
        let mut attrs = Range32::default();
        let r = s.object(|s, k| match k {
            b"resource" => {
                self.path.push_field("resource");
                s.object(|s, k| match k {
                    b"attributes" => {
                        attrs = self.attributes(s, false)?;
                        Ok(())
                    }
                    _ => s.skip(),
                })?;
                self.path.pop();
                Ok(())
            }
            b"scopeSpans"
            | b"scope_spans"
            | b"instrumentationLibrarySpans"
            | b"instrumentation_library_spans" => {
                self.path.push_field("scopeSpans");
                s.array(|s, j| self.scope_spans(s, j))?;
                self.path.pop();
                Ok(())
            }
            _ => s.skip(),
        });
        let res = self.b.add_resource(attrs);
        for sp in self.b.spans.get_mut(start..).unwrap_or(&mut []) {
            sp.resource = res;
        }
        r?;
        self.path.pop();
        Ok(())
    }

    fn scope_spans(&mut self, s: &mut Scan<'a>, i: usize) -> R<()> {
        self.path.push_index(i);
        let start = self.b.spans.len();
        let mut scope = Scope::default();
        let r = s.object(|s, k| match k {
            b"scope" | b"instrumentationLibrary" | b"instrumentation_library" => {
                self.path.push_field("scope");
                s.object(|s, k| {
                    match k {
                        b"name" => scope.name = self.sym(s)?,
                        b"version" => scope.version = self.sym(s)?,
                        b"attributes" => scope.attrs = self.attributes(s, false)?,
                        _ => s.skip()?,
                    }
                    Ok(())
                })?;
                self.path.pop();
                Ok(())
            }
            b"spans" => {
                self.path.push_field("spans");
                s.array(|s, j| self.span(s, j))?;
                self.path.pop();
                Ok(())
            }
            _ => s.skip(),
        });
        let id = self.b.add_scope(scope);
        for sp in self.b.spans.get_mut(start..).unwrap_or(&mut []) {
            sp.scope = id;
        }
        r?;
        self.path.pop();
        Ok(())
    }

    /// A string, interned.
    fn sym(&mut self, s: &mut Scan<'a>) -> R<Sym> {
        if s.peek() != Some(b'"') && s.null() {
            return Ok(Sym::EMPTY);
        }
        let at = s.pos;
        let b = s.string()?;
        self.b.strings.intern_bytes(&b).ok_or_else(|| ScanError {
            at,
            message: "string is not valid UTF-8".into(),
        })
    }

    fn field_sym(&mut self, s: &mut Scan<'a>, name: &'static str) -> R<Sym> {
        self.path.push_field(name);
        let v = self.sym(s)?;
        self.path.pop();
        Ok(v)
    }

    fn id<const N: usize>(&mut self, s: &mut Scan<'a>, name: &'static str) -> R<IdAt<N>> {
        self.path.push_field(name);
        s.ws();
        let at = s.pos;
        let r = if s.peek() != Some(b'"') && s.null() {
            Err(IdError::Empty)
        } else {
            id_from_text::<N>(&s.string()?, self.b.opts.accept_base64, false)
        };
        self.path.pop();
        Ok((r, at))
    }

    fn num(&mut self, s: &mut Scan<'a>, name: &'static str) -> R<u64> {
        self.path.push_field(name);
        let v = s.u64()?;
        self.path.pop();
        Ok(v)
    }

    /// An enum field: its name as a string or its number.
    fn enum_field<T>(&mut self, s: &mut Scan<'a>, field: &'static str, e: EnumSeed<T>) -> R<T> {
        self.path.push_field(field);
        let at = s.pos;
        let v = if s.peek() == Some(b'"') {
            let t = s.string()?;
            let t = String::from_utf8_lossy(&t);
            (e.from_name)(&t).ok_or_else(|| format!("`{t}` is not a {}", e.what))
        } else {
            let n = s.i64()?;
            (e.from_int)(n).ok_or_else(|| format!("{n} is not a {}", e.what))
        };
        let v = v.map_err(|message| ScanError { at, message })?;
        self.path.pop();
        Ok(v)
    }

    fn status(&mut self, s: &mut Scan<'a>, sp: &mut Span) -> R<()> {
        self.path.push_field("status");
        s.object(|s, k| {
            match k {
                b"code" => sp.status = self.enum_field(s, "code", STATUS_SEED)?,
                b"message" => sp.status_message = self.field_sym(s, "message")?,
                _ => s.skip()?,
            }
            Ok(())
        })?;
        self.path.pop();
        Ok(())
    }

    fn span(&mut self, s: &mut Scan<'a>, i: usize) -> R<()> {
        self.path.push_index(i);
        let start_at = s.pos;
        // The scanner may stand before the separator and blanks that precede the object.
        let brace = self.lines.data[start_at.min(self.lines.data.len())..]
            .iter()
            .position(|&c| c == b'{')
            .map_or(start_at, |k| start_at + k);
        let line = self.lines.line_from(&mut self.cursor, brace);
        let mut sp = Span {
            file: self.file,
            line: u32::try_from(line).unwrap_or(0),
            ..Span::default()
        };
        let mut trace: IdAt<16> = (Err(IdError::Empty), start_at);
        let mut id: IdAt<8> = (Err(IdError::Empty), start_at);
        let mut parent: Option<IdAt<8>> = None;
        let mut bad_links: Vec<(usize, &'static str, IdError, usize)> = Vec::new();
        s.object(|s, k| {
            match k {
                b"traceId" | b"trace_id" => trace = self.id::<16>(s, "traceId")?,
                b"spanId" | b"span_id" => id = self.id::<8>(s, "spanId")?,
                b"parentSpanId" | b"parent_span_id" => {
                    parent = Some(self.id::<8>(s, "parentSpanId")?)
                }
                b"traceState" | b"trace_state" => {
                    sp.trace_state = self.field_sym(s, "traceState")?
                }
                b"name" => sp.name = self.field_sym(s, "name")?,
                b"kind" => sp.kind = self.enum_field(s, "kind", KIND_SEED)?,
                b"startTimeUnixNano" | b"start_time_unix_nano" => {
                    sp.start = self.num(s, "startTimeUnixNano")?
                }
                b"endTimeUnixNano" | b"end_time_unix_nano" => {
                    sp.end = self.num(s, "endTimeUnixNano")?
                }
                b"flags" => sp.flags = self.num(s, "flags")? as u32,
                b"attributes" => sp.attrs = self.attributes(s, true)?,
                b"events" => {
                    self.path.push_field("events");
                    let start = self.b.events.len();
                    s.array(|s, j| self.event(s, j))?;
                    sp.events = Range32::new(start, self.b.events.len());
                    self.path.pop();
                }
                b"links" => {
                    self.path.push_field("links");
                    let start = self.b.links.len();
                    s.array(|s, j| self.link(s, j, &mut bad_links))?;
                    sp.links = Range32::new(start, self.b.links.len());
                    self.path.pop();
                }
                b"status" => self.status(s, &mut sp)?,
                _ => s.skip()?,
            }
            Ok(())
        })?;
        let mut problems: Vec<(&'static str, &'static str, IdError, usize)> = Vec::new();
        match trace.0 {
            Ok(t) => sp.trace = TraceId(t),
            Err(e) => problems.push(("traceId", "trace id", e, trace.1)),
        }
        match id.0 {
            Ok(t) => sp.id = SpanId(t),
            Err(e) => {
                sp.marks |= marks::INVALID_ID;
                problems.push(("spanId", "span id", e, id.1));
            }
        }
        if let Some((p, at)) = parent {
            match p {
                Ok(t) => sp.parent = SpanId(t),
                // An empty or all-zero parent id means "no parent", as the Collector reads it.
                Err(IdError::Empty) | Err(IdError::Zero) => {}
                Err(e) => {
                    sp.marks |= marks::INVALID_PARENT;
                    problems.push(("parentSpanId", "parent span id", e, at));
                }
            }
        }
        let owner = (sp.marks & marks::INVALID_ID == 0).then_some(sp.id);
        for (field, what, err, at) in problems {
            let where_ = (self.pos(at), format!("{}.{field}", self.path));
            self.b
                .bad_id(sp.trace, owner, "span.invalid-id", what, &err, where_);
        }
        for (j, what, err, at) in bad_links {
            let f = if what == "trace id" {
                "traceId"
            } else {
                "spanId"
            };
            let where_ = (self.pos(at), format!("{}.links[{j}].{f}", self.path));
            let what = format!("link's {what}");
            self.b
                .bad_id(sp.trace, owner, "link.invalid", &what, &err, where_);
        }
        if let Err(m) = self.b.push_span(sp) {
            return s.err(m);
        }
        self.path.pop();
        Ok(())
    }

    fn event(&mut self, s: &mut Scan<'a>, i: usize) -> R<()> {
        self.path.push_index(i);
        let mut e = Event::default();
        s.object(|s, k| {
            match k {
                b"timeUnixNano" | b"time_unix_nano" => e.time = self.num(s, "timeUnixNano")?,
                b"name" => e.name = self.field_sym(s, "name")?,
                b"attributes" => e.attrs = self.attributes(s, true)?,
                _ => s.skip()?,
            }
            Ok(())
        })?;
        self.b.events.push(e);
        self.path.pop();
        Ok(())
    }

    fn link(
        &mut self,
        s: &mut Scan<'a>,
        i: usize,
        bad: &mut Vec<(usize, &'static str, IdError, usize)>,
    ) -> R<()> {
        self.path.push_index(i);
        let mut l = Link::default();
        let at = s.pos;
        let mut trace: IdAt<16> = (Err(IdError::Empty), at);
        let mut span: IdAt<8> = (Err(IdError::Empty), at);
        s.object(|s, k| {
            match k {
                b"traceId" | b"trace_id" => trace = self.id::<16>(s, "traceId")?,
                b"spanId" | b"span_id" => span = self.id::<8>(s, "spanId")?,
                b"traceState" | b"trace_state" => {
                    l.trace_state = self.field_sym(s, "traceState")?
                }
                b"flags" => l.flags = self.num(s, "flags")? as u32,
                b"attributes" => l.attrs = self.attributes(s, false)?,
                _ => s.skip()?,
            }
            Ok(())
        })?;
        match trace.0 {
            Ok(t) => l.trace = TraceId(t),
            Err(e) => bad.push((i, "trace id", e, trace.1)),
        }
        match span.0 {
            Ok(t) => l.span = SpanId(t),
            Err(e) => bad.push((i, "span id", e, span.1)),
        }
        l.invalid = l.trace == TraceId::INVALID || l.span == SpanId::INVALID;
        self.b.links.push(l);
        self.path.pop();
        Ok(())
    }

    /// A list of `KeyValue`s into the attribute arena; `share` lets equal lists share storage.
    fn attributes(&mut self, s: &mut Scan<'a>, share: bool) -> R<Range32> {
        self.path.push_field("attributes");
        let start = self.b.attrs.len();
        s.array(|s, i| {
            self.path.push_index(i);
            let a = self.key_value(s, 0)?;
            self.b.attrs.push(a);
            self.path.pop();
            Ok(())
        })?;
        self.path.pop();
        Ok(if share {
            self.b.share_attrs(start)
        } else {
            Range32::new(start, self.b.attrs.len())
        })
    }

    /// The layout writers use for string and integer attributes, without whitespace:
    /// `{"key":"K","value":{"stringValue":"V"}}` or `..."intValue":"N"}}` (or N unquoted).
    /// Anything else, or any doubt, returns `None` before consuming anything; the general
    /// reader then takes over.
    fn key_value_fast(&mut self, s: &mut Scan<'a>) -> Option<Attr> {
        let buf = s.buf;
        let string_at = |at: usize| -> Option<(&'a [u8], usize)> {
            let rest = buf.get(at..)?;
            let n = find_special(rest)?;
            (rest[n] == b'"').then(|| (&rest[..n], at + n + 1))
        };
        let at = s.pos;
        if !buf.get(at..)?.starts_with(b"{\"key\":\"") {
            return None;
        }
        let (k, after) = string_at(at + 8)?;
        let rest = buf.get(after..)?;
        const STR: &[u8] = b",\"value\":{\"stringValue\":\"";
        const INT: &[u8] = b",\"value\":{\"intValue\":";
        let (value, end) = if rest.starts_with(STR) {
            let (v, end) = string_at(after + STR.len())?;
            (Value::Str(self.b.strings.intern_bytes(v)?), end)
        } else if rest.starts_with(INT) {
            let mut p = after + INT.len();
            let quoted = buf.get(p) == Some(&b'"');
            p += quoted as usize;
            let digits_end = p + buf.get(p..)?.iter().position(|c| !c.is_ascii_digit())?;
            let v: i64 = std::str::from_utf8(buf.get(p..digits_end)?)
                .ok()?
                .parse()
                .ok()?;
            let mut end = digits_end;
            if quoted {
                (buf.get(end) == Some(&b'"')).then_some(())?;
                end += 1;
            }
            (Value::Int(v), end)
        } else {
            return None;
        };
        if !buf.get(end..)?.starts_with(b"}}") {
            return None;
        }
        let key = self.b.strings.intern_bytes(k)?;
        s.pos = end + 2;
        Some(Attr::new(key, value))
    }

    fn key_value(&mut self, s: &mut Scan<'a>, depth: u32) -> R<Attr> {
        if depth == 0
            && let Some(a) = self.key_value_fast(s)
        {
            return Ok(a);
        }
        let mut key = Sym::EMPTY;
        let mut value = Value::Empty;
        s.object(|s, k| {
            match k {
                b"key" => key = self.sym(s)?,
                b"value" => {
                    self.path.push_field("value");
                    value = self.any_value(s, depth)?;
                    self.path.pop();
                }
                _ => s.skip()?,
            }
            Ok(())
        })?;
        Ok(Attr::new(key, value))
    }

    fn any_value(&mut self, s: &mut Scan<'a>, depth: u32) -> R<Value> {
        if depth > 64 {
            return s.err("values nested more than 64 deep");
        }
        let mut v = Value::Empty;
        s.object(|s, k| {
            v = match k {
                b"stringValue" | b"string_value" => Value::Str(self.sym(s)?),
                b"boolValue" | b"bool_value" => Value::Bool(s.bool()?),
                b"intValue" | b"int_value" => Value::Int(s.i64()?),
                b"doubleValue" | b"double_value" => Value::Double(s.f64()?),
                b"bytesValue" | b"bytes_value" => {
                    let at = s.pos;
                    let text = s.string()?;
                    let bytes = decode_base64(&text).ok_or_else(|| ScanError {
                        at,
                        message: "bytesValue is not base64 (OTLP/JSON writes bytes as base64)"
                            .into(),
                    })?;
                    let start = self.b.blobs.len() as u32;
                    self.b.blobs.extend_from_slice(&bytes);
                    Value::Bytes {
                        start,
                        len: bytes.len() as u32,
                    }
                }
                b"arrayValue" | b"array_value" => {
                    let mut local = Vec::new();
                    s.object(|s, k| match k {
                        b"values" => s.array(|s, _| {
                            local.push(Attr::new(Sym::EMPTY, self.any_value(s, depth + 1)?));
                            Ok(())
                        }),
                        _ => s.skip(),
                    })?;
                    let start = self.b.values.len() as u32;
                    self.b.values.extend_from_slice(&local);
                    Value::Array {
                        start,
                        len: local.len() as u32,
                    }
                }
                b"kvlistValue" | b"kvlist_value" => {
                    let mut local = Vec::new();
                    s.object(|s, k| match k {
                        b"values" => s.array(|s, _| {
                            local.push(self.key_value(s, depth + 1)?);
                            Ok(())
                        }),
                        _ => s.skip(),
                    })?;
                    let start = self.b.nested.len() as u32;
                    self.b.nested.extend_from_slice(&local);
                    Value::KvList {
                        start,
                        len: local.len() as u32,
                    }
                }
                _ => {
                    s.skip()?;
                    v
                }
            };
            Ok(())
        })?;
        Ok(v)
    }
}

/// Whether a JSON object's first key says it is OTLP (`resourceSpans`), judged from its first
/// bytes; anything else (Jaeger, Zipkin) goes to the serde readers.
pub(crate) fn looks_like_otlp(head: &[u8]) -> bool {
    let mut s = Scan::new(head);
    if s.peek() != Some(b'{') {
        return false;
    }
    s.pos += 1;
    if s.peek() == Some(b'}') {
        return true;
    }
    match s.string() {
        Ok(k) => !matches!(
            &*k,
            b"data"
                | b"spans"
                | b"processes"
                | b"traceID"
                | b"warnings"
                | b"total"
                | b"limit"
                | b"offset"
                | b"errors"
        ),
        Err(_) => true,
    }
}
