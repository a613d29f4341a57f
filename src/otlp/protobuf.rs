//! OTLP protobuf, decoded without copying: a wire reader walks the bytes of a `TracesData` (or
//! `ExportTraceServiceRequest`, the same fields) and pushes spans into the builder as it meets
//! them. Strings are interned from the buffer, ids copied into fixed arrays; nothing else is
//! allocated. Unknown fields are skipped, as protobuf requires. Errors carry the byte offset
//! from the start of the stream and the field path.
//!
//! The prost messages of [`super::proto`] describe the same schema and write dumps (tests,
//! benches); this decoder is checked against them by property tests.

use super::build::Builder;
use super::error::{FieldPath, Position};
use super::ids::{IdError, id_from_bytes};
use super::model::*;

/// A decoding failure: where and what.
pub(crate) struct WireError {
    pub offset: u64,
    pub message: String,
}

type R<T> = Result<T, WireError>;

/// A field key's number and wire type. Field number 0 (and numbers past 2^29 - 1, which no
/// `.proto` can declare and `u32` holds anyway) is invalid wherever it appears: the one check
/// of the top level and of nested messages.
fn split_key(k: u64) -> Result<(u32, u8), String> {
    let field = k >> 3;
    if field == 0 || field > u32::MAX as u64 {
        return Err(format!("invalid field number {field}"));
    }
    Ok((field as u32, (k & 7) as u8))
}

const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

/// A cursor over one message's bytes; `base` is the offset of `buf[0]` in the stream.
#[derive(Clone, Copy)]
pub(crate) struct Wire<'a> {
    buf: &'a [u8],
    pos: usize,
    base: u64,
}

impl<'a> Wire<'a> {
    pub fn new(buf: &'a [u8], base: u64) -> Self {
        Wire { buf, pos: 0, base }
    }
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }
    fn err(&self, message: impl Into<String>) -> WireError {
        WireError {
            offset: self.offset(),
            message: message.into(),
        }
    }
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn varint(&mut self) -> R<u64> {
        let mut v = 0u64;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(self.err("truncated varint"));
            };
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(self.err("varint longer than 10 bytes"))
    }
    /// The next field's number and wire type.
    fn key(&mut self) -> R<(u32, u8)> {
        let at = self.offset();
        let k = self.varint()?;
        split_key(k).map_err(|message| WireError {
            offset: at,
            message,
        })
    }
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        if self.buf.len() - self.pos < n {
            return Err(self.err(format!(
                "truncated: {n} bytes announced, {} left",
                self.buf.len() - self.pos
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn bytes(&mut self) -> R<&'a [u8]> {
        let n = self.varint()?;
        let n = usize::try_from(n).map_err(|_| self.err("length too large"))?;
        self.take(n)
    }
    fn sub(&mut self) -> R<Wire<'a>> {
        let n = self.varint()?;
        let n = usize::try_from(n).map_err(|_| self.err("length too large"))?;
        let base = self.offset();
        Ok(Wire {
            buf: self.take(n)?,
            pos: 0,
            base,
        })
    }
    fn str(&mut self) -> R<&'a str> {
        let at = self.offset();
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| WireError {
            offset: at,
            message: "string is not valid UTF-8".into(),
        })
    }
    fn fixed64(&mut self) -> R<u64> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
    fn fixed32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
    }
    fn skip(&mut self, wire: u8) -> R<()> {
        match wire {
            VARINT => self.varint().map(|_| ()),
            FIXED64 => self.take(8).map(|_| ()),
            LEN => self.bytes().map(|_| ()),
            FIXED32 => self.take(4).map(|_| ()),
            w => Err(self.err(format!("unsupported wire type {w} (groups are not OTLP)"))),
        }
    }
    /// Checks the wire type of a known field.
    fn expect(&self, wire: u8, want: u8, what: &str) -> R<()> {
        if wire == want {
            Ok(())
        } else {
            Err(self.err(format!("{what} has wire type {wire}, expected {want}")))
        }
    }
}

/// The decoding context: the builder, the field path, scratch space reused across spans.
pub(crate) struct Decoder<'b> {
    pub b: &'b mut Builder,
    pub file: u16,
    pub path: FieldPath,
    span_attrs: Vec<Attr>,
}

impl<'b> Decoder<'b> {
    pub fn new(b: &'b mut Builder, file: u16) -> Self {
        Decoder {
            b,
            file,
            path: FieldPath::default(),
            span_attrs: Vec::new(),
        }
    }

    /// Decodes a whole `TracesData` message; reports a failure and keeps what was read.
    pub fn traces_data(&mut self, buf: &[u8], base: u64) {
        let mut w = Wire::new(buf, base);
        self.path.clear();
        let mut i = 0;
        let r: R<()> = (|| {
            while !w.done() && !self.b.stopped() {
                let (f, wt) = w.key()?;
                if f == 1 {
                    w.expect(wt, LEN, "resourceSpans")?;
                    let sub = w.sub()?;
                    self.resource_spans_at(sub, i);
                    i += 1;
                } else {
                    w.skip(wt)?;
                }
            }
            Ok(())
        })();
        if let Err(e) = r {
            self.report(e);
        }
    }

    /// Decodes one `ResourceSpans` (the `i`-th of its message); a failure is reported and the
    /// spans read before it are kept.
    pub fn resource_spans_at(&mut self, w: Wire, i: usize) {
        self.path.clear();
        self.path.push_field("resourceSpans");
        self.path.push_index(i);
        if let Err(e) = self.resource_spans(w) {
            self.report(e);
        }
    }

    fn report(&mut self, e: WireError) {
        let path = self.path.to_string();
        self.b.error(Position::Offset(e.offset), path, e.message);
    }

    fn resource_spans(&mut self, mut w: Wire) -> R<()> {
        let start = self.b.spans.len();
        let mut attrs = Range32::default();
        let mut ss = 0;
        let result = (|| {
            while !w.done() {
                let (f, wt) = w.key()?;
                match f {
                    1 => {
                        w.expect(wt, LEN, "resource")?;
                        let sub = w.sub()?;
                        self.path.push_field("resource");
                        attrs = self.attr_holder(sub, 1)?;
                        self.path.pop();
                    }
                    2 | 1000 => {
                        w.expect(wt, LEN, "scopeSpans")?;
                        let sub = w.sub()?;
                        self.path.push_field("scopeSpans");
                        self.path.push_index(ss);
                        self.scope_spans(sub)?;
                        self.path.pop();
                        self.path.pop();
                        ss += 1;
                    }
                    _ => w.skip(wt)?,
                }
            }
            Ok(())
        })();
        let r = self.b.add_resource(attrs);
        for s in self.b.spans.get_mut(start..).unwrap_or(&mut []) {
            s.resource = r;
        }
        result
    }

    /// A message whose attributes are field `attr_field` (Resource); other fields skipped.
    fn attr_holder(&mut self, mut w: Wire, attr_field: u32) -> R<Range32> {
        let start = self.b.attrs.len();
        let mut n = 0;
        self.path.push_field("attributes");
        self.path.push_index(0);
        while !w.done() {
            let (f, wt) = w.key()?;
            if f == attr_field {
                w.expect(wt, LEN, "attributes")?;
                self.path.set_index(n);
                let sub = w.sub()?;
                let a = self.key_value(sub)?;
                self.b.attrs.push(a);
                n += 1;
            } else {
                w.skip(wt)?;
            }
        }
        self.path.pop();
        self.path.pop();
        Ok(Range32::new(start, self.b.attrs.len()))
    }

    fn scope_spans(&mut self, mut w: Wire) -> R<()> {
        let start = self.b.spans.len();
        let mut scope = Scope::default();
        let mut n = 0;
        let result = (|| {
            while !w.done() {
                let (f, wt) = w.key()?;
                match f {
                    1 => {
                        w.expect(wt, LEN, "scope")?;
                        let sub = w.sub()?;
                        self.path.push_field("scope");
                        scope = self.scope(sub)?;
                        self.path.pop();
                    }
                    2 => {
                        w.expect(wt, LEN, "spans")?;
                        let sub = w.sub()?;
                        self.path.push_field("spans");
                        self.path.push_index(n);
                        self.span(sub)?;
                        self.path.pop();
                        self.path.pop();
                        n += 1;
                    }
                    _ => w.skip(wt)?,
                }
            }
            Ok(())
        })();
        let id = self.b.add_scope(scope);
        for s in self.b.spans.get_mut(start..).unwrap_or(&mut []) {
            s.scope = id;
        }
        result
    }

    fn scope(&mut self, mut w: Wire) -> R<Scope> {
        let mut s = Scope::default();
        let start = self.b.attrs.len();
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    w.expect(wt, LEN, "name")?;
                    s.name = self.b.intern(w.str()?);
                }
                2 => {
                    w.expect(wt, LEN, "version")?;
                    s.version = self.b.intern(w.str()?);
                }
                3 => {
                    w.expect(wt, LEN, "attributes")?;
                    let sub = w.sub()?;
                    let a = self.key_value(sub)?;
                    self.b.attrs.push(a);
                }
                _ => w.skip(wt)?,
            }
        }
        s.attrs = Range32::new(start, self.b.attrs.len());
        Ok(s)
    }

    fn span(&mut self, mut w: Wire) -> R<()> {
        let mut s = Span {
            file: self.file,
            ..Span::default()
        };
        let mut trace: (Result<[u8; 16], IdError>, u64) = (Err(IdError::Empty), w.offset());
        let mut id: (Result<[u8; 8], IdError>, u64) = (Err(IdError::Empty), w.offset());
        let mut parent: Option<(Result<[u8; 8], IdError>, u64)> = None;
        let mut bad_links: Vec<(usize, &'static str, IdError, u64)> = Vec::new();
        let mut attrs = std::mem::take(&mut self.span_attrs);
        attrs.clear();
        let ev_start = self.b.events.len();
        let link_start = self.b.links.len();
        let result = (|| {
            while !w.done() {
                let (f, wt) = w.key()?;
                match f {
                    1 | 2 | 4 => {
                        w.expect(wt, LEN, "id")?;
                        let at = w.offset();
                        let b = w.bytes()?;
                        match f {
                            1 => trace = (id_from_bytes::<16>(b), at),
                            2 => id = (id_from_bytes::<8>(b), at),
                            _ => parent = Some((id_from_bytes::<8>(b), at)),
                        }
                    }
                    3 => {
                        w.expect(wt, LEN, "traceState")?;
                        s.trace_state = self.b.intern(w.str()?);
                    }
                    5 => {
                        w.expect(wt, LEN, "name")?;
                        s.name = self.b.intern(w.str()?);
                    }
                    6 => {
                        w.expect(wt, VARINT, "kind")?;
                        let k = w.varint()? as i64;
                        s.kind = SpanKind::from_i64(k)
                            .ok_or_else(|| w.err(format!("{k} is not a span kind")))?;
                    }
                    7 => {
                        w.expect(wt, FIXED64, "startTimeUnixNano")?;
                        s.start = w.fixed64()?;
                    }
                    8 => {
                        w.expect(wt, FIXED64, "endTimeUnixNano")?;
                        s.end = w.fixed64()?;
                    }
                    9 => {
                        w.expect(wt, LEN, "attributes")?;
                        let sub = w.sub()?;
                        self.path.push_field("attributes");
                        self.path.push_index(attrs.len());
                        let a = self.key_value(sub)?;
                        self.path.pop();
                        self.path.pop();
                        attrs.push(a);
                    }
                    11 => {
                        w.expect(wt, LEN, "events")?;
                        let sub = w.sub()?;
                        self.path.push_field("events");
                        self.path.push_index(self.b.events.len() - ev_start);
                        let e = self.event(sub)?;
                        self.path.pop();
                        self.path.pop();
                        self.b.events.push(e);
                    }
                    13 => {
                        w.expect(wt, LEN, "links")?;
                        let sub = w.sub()?;
                        let index = self.b.links.len() - link_start;
                        self.path.push_field("links");
                        self.path.push_index(index);
                        let (l, bad) = self.link(sub)?;
                        self.path.pop();
                        self.path.pop();
                        for (what, e, at) in bad {
                            bad_links.push((index, what, e, at));
                        }
                        self.b.links.push(l);
                    }
                    15 => {
                        w.expect(wt, LEN, "status")?;
                        let sub = w.sub()?;
                        self.path.push_field("status");
                        self.status(sub, &mut s)?;
                        self.path.pop();
                    }
                    16 => {
                        w.expect(wt, FIXED32, "flags")?;
                        s.flags = w.fixed32()?;
                    }
                    _ => w.skip(wt)?,
                }
            }
            Ok(())
        })();
        let a0 = self.b.attrs.len();
        self.b.attrs.extend_from_slice(&attrs);
        s.attrs = self.b.share_attrs(a0);
        self.span_attrs = attrs;
        s.events = Range32::new(ev_start, self.b.events.len());
        s.links = Range32::new(link_start, self.b.links.len());
        result?;

        let mut problems: Vec<(&'static str, &'static str, IdError, u64)> = Vec::new();
        match trace.0 {
            Ok(t) => s.trace = TraceId(t),
            Err(e) => problems.push(("traceId", "trace id", e, trace.1)),
        }
        match id.0 {
            Ok(t) => s.id = SpanId(t),
            Err(e) => {
                s.marks |= marks::INVALID_ID;
                problems.push(("spanId", "span id", e, id.1));
            }
        }
        if let Some((p, at)) = parent {
            match p {
                Ok(t) => s.parent = SpanId(t),
                Err(IdError::Empty) | Err(IdError::Zero) => {}
                Err(e) => {
                    s.marks |= marks::INVALID_PARENT;
                    problems.push(("parentSpanId", "parent span id", e, at));
                }
            }
        }
        let span = (s.marks & marks::INVALID_ID == 0).then_some(s.id);
        for (field, what, err, at) in problems {
            let path = format!("{}.{field}", self.path);
            self.b.bad_id(
                s.trace,
                span,
                "span.invalid-id",
                what,
                &err,
                (Position::Offset(at), path),
            );
        }
        for (index, what, err, at) in bad_links {
            let field = if what == "trace id" {
                "traceId"
            } else {
                "spanId"
            };
            let path = format!("{}.links[{index}].{field}", self.path);
            let what = format!("link's {what}");
            self.b.bad_id(
                s.trace,
                span,
                "link.invalid",
                &what,
                &err,
                (Position::Offset(at), path),
            );
        }
        self.b.push_span(s).map_err(|m| w.err(m))
    }

    fn event(&mut self, mut w: Wire) -> R<Event> {
        let mut e = Event::default();
        let start = self.b.attrs.len();
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    w.expect(wt, FIXED64, "timeUnixNano")?;
                    e.time = w.fixed64()?;
                }
                2 => {
                    w.expect(wt, LEN, "name")?;
                    e.name = self.b.intern(w.str()?);
                }
                3 => {
                    w.expect(wt, LEN, "attributes")?;
                    let sub = w.sub()?;
                    let a = self.key_value(sub)?;
                    self.b.attrs.push(a);
                }
                _ => w.skip(wt)?,
            }
        }
        e.attrs = self.b.share_attrs(start);
        Ok(e)
    }

    #[allow(clippy::type_complexity)]
    fn link(&mut self, mut w: Wire) -> R<(Link, Vec<(&'static str, IdError, u64)>)> {
        let mut l = Link::default();
        let start = self.b.attrs.len();
        let mut trace = (Err(IdError::Empty), w.offset());
        let mut span = (Err(IdError::Empty), w.offset());
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    w.expect(wt, LEN, "traceId")?;
                    let at = w.offset();
                    trace = (id_from_bytes::<16>(w.bytes()?), at);
                }
                2 => {
                    w.expect(wt, LEN, "spanId")?;
                    let at = w.offset();
                    span = (id_from_bytes::<8>(w.bytes()?), at);
                }
                3 => {
                    w.expect(wt, LEN, "traceState")?;
                    l.trace_state = self.b.intern(w.str()?);
                }
                4 => {
                    w.expect(wt, LEN, "attributes")?;
                    let sub = w.sub()?;
                    let a = self.key_value(sub)?;
                    self.b.attrs.push(a);
                }
                6 => {
                    w.expect(wt, FIXED32, "flags")?;
                    l.flags = w.fixed32()?;
                }
                _ => w.skip(wt)?,
            }
        }
        l.attrs = Range32::new(start, self.b.attrs.len());
        let mut bad = Vec::new();
        match trace.0 {
            Ok(t) => l.trace = TraceId(t),
            Err(e) => bad.push(("trace id", e, trace.1)),
        }
        match span.0 {
            Ok(t) => l.span = SpanId(t),
            Err(e) => bad.push(("span id", e, span.1)),
        }
        l.invalid = !bad.is_empty();
        Ok((l, bad))
    }

    fn status(&mut self, mut w: Wire, s: &mut Span) -> R<()> {
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                2 => {
                    w.expect(wt, LEN, "message")?;
                    s.status_message = self.b.intern(w.str()?);
                }
                3 => {
                    w.expect(wt, VARINT, "code")?;
                    let c = w.varint()? as i64;
                    s.status = StatusCode::from_i64(c)
                        .ok_or_else(|| w.err(format!("{c} is not a status code")))?;
                }
                _ => w.skip(wt)?,
            }
        }
        Ok(())
    }

    fn key_value(&mut self, mut w: Wire) -> R<Attr> {
        let mut key = Sym::EMPTY;
        let mut value = Value::Empty;
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    w.expect(wt, LEN, "key")?;
                    key = self.b.intern(w.str()?);
                }
                2 => {
                    w.expect(wt, LEN, "value")?;
                    let sub = w.sub()?;
                    value = self.any_value(sub, 0)?;
                }
                _ => w.skip(wt)?,
            }
        }
        Ok(Attr::new(key, value))
    }

    fn any_value(&mut self, mut w: Wire, depth: u32) -> R<Value> {
        if depth > 64 {
            return Err(w.err("values nested more than 64 deep"));
        }
        let mut v = Value::Empty;
        while !w.done() {
            let (f, wt) = w.key()?;
            v = match f {
                1 => {
                    w.expect(wt, LEN, "stringValue")?;
                    Value::Str(self.b.intern(w.str()?))
                }
                2 => {
                    w.expect(wt, VARINT, "boolValue")?;
                    Value::Bool(w.varint()? != 0)
                }
                3 => {
                    w.expect(wt, VARINT, "intValue")?;
                    Value::Int(w.varint()? as i64)
                }
                4 => {
                    w.expect(wt, FIXED64, "doubleValue")?;
                    Value::Double(f64::from_bits(w.fixed64()?))
                }
                5 | 6 => {
                    w.expect(wt, LEN, "arrayValue")?;
                    let mut sub = w.sub()?;
                    let mut local = Vec::new();
                    while !sub.done() {
                        let (g, gt) = sub.key()?;
                        if g == 1 {
                            sub.expect(gt, LEN, "values")?;
                            let inner = sub.sub()?;
                            local.push(if f == 5 {
                                Attr::new(Sym::EMPTY, self.any_value(inner, depth + 1)?)
                            } else {
                                self.key_value_nested(inner, depth + 1)?
                            });
                        } else {
                            sub.skip(gt)?;
                        }
                    }
                    let arena = if f == 5 {
                        &mut self.b.values
                    } else {
                        &mut self.b.nested
                    };
                    let start = arena.len() as u32;
                    arena.extend_from_slice(&local);
                    let len = local.len() as u32;
                    if f == 5 {
                        Value::Array { start, len }
                    } else {
                        Value::KvList { start, len }
                    }
                }
                7 => {
                    w.expect(wt, LEN, "bytesValue")?;
                    let b = w.bytes()?;
                    let start = self.b.blobs.len() as u32;
                    self.b.blobs.extend_from_slice(b);
                    Value::Bytes {
                        start,
                        len: b.len() as u32,
                    }
                }
                _ => {
                    w.skip(wt)?;
                    v
                }
            };
        }
        Ok(v)
    }

    fn key_value_nested(&mut self, mut w: Wire, depth: u32) -> R<Attr> {
        let mut key = Sym::EMPTY;
        let mut value = Value::Empty;
        while !w.done() {
            let (f, wt) = w.key()?;
            match f {
                1 => {
                    w.expect(wt, LEN, "key")?;
                    key = self.b.intern(w.str()?);
                }
                2 => {
                    w.expect(wt, LEN, "value")?;
                    let sub = w.sub()?;
                    value = self.any_value(sub, depth)?;
                }
                _ => w.skip(wt)?,
            }
        }
        Ok(Attr::new(key, value))
    }
}

/// Reads the top level of a `TracesData` from a stream without holding all of it: each
/// `resourceSpans` field is read into a reused buffer and decoded on its own.
pub(crate) fn read_message_stream<Rd: std::io::Read>(
    b: &mut Builder,
    file: u16,
    r: &mut Rd,
    base: u64,
    len_limit: Option<u64>,
) {
    use std::io::Read;
    let mut d = Decoder::new(b, file);
    let mut buf = Vec::new();
    let mut offset = base;
    let mut i = 0;
    let cap = d.b.opts.max_message;
    loop {
        if len_limit.is_some_and(|l| offset - base >= l) || d.b.stopped() {
            return;
        }
        let at = offset;
        let key = match read_varint(r, &mut offset) {
            Ok(None) => return,
            Ok(Some(k)) => k,
            Err(m) => return d.b.error(Position::Offset(at), String::new(), m),
        };
        let fail = |d: &mut Decoder, m: String| d.b.error(Position::Offset(at), String::new(), m);
        let (field, wire) = match split_key(key) {
            Ok(k) => k,
            Err(m) => return fail(&mut d, m),
        };
        match wire {
            LEN => {
                let n = match read_varint(r, &mut offset) {
                    Ok(Some(n)) => n,
                    Ok(None) => return fail(&mut d, "truncated length".into()),
                    Err(m) => return fail(&mut d, m),
                };
                if n > cap {
                    // Too large to hold: reported and skipped; the next field is read.
                    let m = d.b.too_large(&format!("field {field}"), Some(n));
                    fail(&mut d, m);
                    if std::io::copy(&mut r.by_ref().take(n), &mut std::io::sink())
                        .is_ok_and(|k| k == n)
                    {
                        offset += n;
                        continue;
                    }
                    return;
                }
                buf.clear();
                if let Err(e) = super::read::reserve(&mut buf, n as usize) {
                    return fail(&mut d, e.to_string());
                }
                match r.by_ref().take(n).read_to_end(&mut buf) {
                    Ok(got) if got as u64 == n => {}
                    Ok(got) => {
                        return fail(
                            &mut d,
                            format!("truncated: {n} bytes announced, {got} left"),
                        );
                    }
                    Err(e) => return fail(&mut d, e.to_string()),
                }
                let start = offset;
                offset += n;
                if field == 1 {
                    d.resource_spans_at(Wire::new(&buf, start), i);
                    i += 1;
                }
            }
            VARINT => {
                if let Err(m) = read_varint(r, &mut offset) {
                    return fail(&mut d, m);
                }
            }
            FIXED64 | FIXED32 => {
                let n = if wire == FIXED64 { 8 } else { 4 };
                let mut tmp = [0u8; 8];
                if r.read_exact(&mut tmp[..n]).is_err() {
                    return fail(&mut d, "truncated fixed-width field".into());
                }
                offset += n as u64;
            }
            w => {
                return fail(
                    &mut d,
                    format!("unsupported wire type {w}: not OTLP protobuf"),
                );
            }
        }
    }
}

/// A varint from a stream; `None` at a clean end of stream.
fn read_varint<Rd: std::io::Read>(r: &mut Rd, offset: &mut u64) -> Result<Option<u64>, String> {
    let mut v = 0u64;
    for i in 0..10 {
        let mut b = [0u8; 1];
        match r.read(&mut b) {
            Ok(0) if i == 0 => return Ok(None),
            Ok(0) => return Err("truncated varint".into()),
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
        *offset += 1;
        v |= ((b[0] & 0x7f) as u64) << (7 * i);
        if b[0] < 0x80 {
            return Ok(Some(v));
        }
    }
    Err("varint longer than 10 bytes".into())
}
