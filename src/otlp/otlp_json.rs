//! OTLP/JSON (`TracesData`, `ExportTraceServiceRequest`): serde seeds that push spans into the
//! builder as they are read, so a document of any size needs memory for the spans only.
//!
//! Accepts what the Collector accepts: lowerCamelCase and snake_case keys, enums as integers or
//! names, 64-bit integers as numbers or strings, hex ids in either case. Ids that cannot be read
//! are findings (`span.invalid-id`, `link.invalid`) with position and field path; malformed JSON
//! is a serde error, which the caller turns into a [`ReadError`](super::ReadError).

use super::error::Position;
use super::ids::IdError;
use super::jsonutil::*;
use super::model::*;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

/// A list whose elements are read by `E`, with the index kept in the field path.
pub(crate) struct ListSeed<'c, 'b, 's, E> {
    pub ctx: &'c mut Ctx<'b, 's>,
    pub _e: PhantomData<E>,
}

pub(crate) fn list<'c, 'b, 's, E>(ctx: &'c mut Ctx<'b, 's>) -> ListSeed<'c, 'b, 's, E> {
    ListSeed {
        ctx,
        _e: PhantomData,
    }
}

/// Reads one element of a list; `false` at its end.
pub(crate) trait Elem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error>;
}

impl<'de, E: Elem> DeserializeSeed<'de> for ListSeed<'_, '_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E: Elem> Visitor<'de> for ListSeed<'_, '_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.ctx.path.push_index(0);
        let mut i = 0;
        loop {
            self.ctx.path.set_index(i);
            if !E::next(self.ctx, &mut seq)? {
                break;
            }
            i += 1;
        }
        self.ctx.path.pop();
        Ok(())
    }
    fn visit_unit<E2: de::Error>(self) -> Result<(), E2> {
        Ok(())
    }
}

/// Reads a field's value with the field's canonical name pushed on the path.
macro_rules! field {
    ($ctx:expr, $name:expr, $map:expr, $seed:expr) => {{
        $ctx.path.push_field($name);
        // On error the path is left as it is: it names where reading failed.
        match $map.next_value_seed($seed) {
            Ok(v) => {
                $ctx.path.pop();
                Ok(v)
            }
            Err(e) => Err(e),
        }
    }};
}
pub(crate) use field;

// ---- TracesData / ExportTraceServiceRequest -------------------------------------------------

/// `resourceSpans`: the list of a `TracesData` or `ExportTraceServiceRequest`.
pub(crate) struct ResourceSpansElem;

impl Elem for ResourceSpansElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(ResourceSpansSeed(ctx))?.is_some())
    }
}

#[derive(Clone, Copy)]
enum RsField {
    Resource,
    ScopeSpans,
    Other,
}

fn rs_field(k: &str) -> RsField {
    match k {
        "resource" => RsField::Resource,
        "scopeSpans"
        | "scope_spans"
        | "instrumentationLibrarySpans"
        | "instrumentation_library_spans" => RsField::ScopeSpans,
        _ => RsField::Other,
    }
}

struct ResourceSpansSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ResourceSpansSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ResourceSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let start = ctx.b.spans.len();
        let mut attrs = Range32::default();
        while let Some(k) = map.next_key_seed(KeySeed(rs_field))? {
            match k {
                RsField::Resource => {
                    attrs = field!(ctx, "resource", map, ResourceSeed(&mut *ctx))?;
                }
                RsField::ScopeSpans => {
                    field!(ctx, "scopeSpans", map, list::<ScopeSpansElem>(&mut *ctx))?;
                }
                RsField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let r = ctx.b.add_resource(attrs);
        for s in ctx.b.spans.get_mut(start..).unwrap_or(&mut []) {
            s.resource = r;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum AttrsField {
    Attributes,
    Name,
    Version,
    Other,
}

fn attrs_field(k: &str) -> AttrsField {
    match k {
        "attributes" => AttrsField::Attributes,
        "name" => AttrsField::Name,
        "version" => AttrsField::Version,
        _ => AttrsField::Other,
    }
}

/// `Resource`: its attributes, pushed into the attribute arena.
struct ResourceSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ResourceSeed<'_, '_, '_> {
    type Value = Range32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Range32, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSeed<'_, '_, '_> {
    type Value = Range32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Resource object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Range32, A::Error> {
        let ctx = self.0;
        let mut r = Range32::default();
        while let Some(k) = map.next_key_seed(KeySeed(attrs_field))? {
            match k {
                AttrsField::Attributes => {
                    r = field!(
                        ctx,
                        "attributes",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: false,
                        }
                    )?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(r)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Range32, E> {
        Ok(Range32::default())
    }
}

struct ScopeSpansElem;

impl Elem for ScopeSpansElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(ScopeSpansSeed(ctx))?.is_some())
    }
}

#[derive(Clone, Copy)]
enum SsField {
    Scope,
    Spans,
    Other,
}

fn ss_field(k: &str) -> SsField {
    match k {
        "scope" | "instrumentationLibrary" | "instrumentation_library" => SsField::Scope,
        "spans" => SsField::Spans,
        _ => SsField::Other,
    }
}

struct ScopeSpansSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ScopeSpansSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a ScopeSpans object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let start = ctx.b.spans.len();
        let mut scope = Scope::default();
        while let Some(k) = map.next_key_seed(KeySeed(ss_field))? {
            match k {
                SsField::Scope => scope = field!(ctx, "scope", map, ScopeSeed(&mut *ctx))?,
                SsField::Spans => field!(ctx, "spans", map, list::<SpanElem>(&mut *ctx))?,
                SsField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let id = ctx.b.add_scope(scope);
        for s in ctx.b.spans.get_mut(start..).unwrap_or(&mut []) {
            s.scope = id;
        }
        Ok(())
    }
}

struct ScopeSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ScopeSeed<'_, '_, '_> {
    type Value = Scope;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scope, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScopeSeed<'_, '_, '_> {
    type Value = Scope;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an InstrumentationScope object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scope, A::Error> {
        let ctx = self.0;
        let mut s = Scope::default();
        while let Some(k) = map.next_key_seed(KeySeed(attrs_field))? {
            match k {
                AttrsField::Name => s.name = map.next_value_seed(SymSeed(ctx.b))?,
                AttrsField::Version => s.version = map.next_value_seed(SymSeed(ctx.b))?,
                AttrsField::Attributes => {
                    s.attrs = field!(
                        ctx,
                        "attributes",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: false,
                        }
                    )?;
                }
                AttrsField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(s)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scope, E> {
        Ok(Scope::default())
    }
}

// ---- Span -------------------------------------------------------------------------------------

struct SpanElem;

impl Elem for SpanElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(SpanSeed(ctx))?.is_some())
    }
}

#[derive(Clone, Copy)]
enum SpanField {
    TraceId,
    SpanId,
    ParentSpanId,
    TraceState,
    Name,
    Kind,
    Start,
    End,
    Attributes,
    Events,
    Links,
    Status,
    Flags,
    Other,
}

fn span_field(k: &str) -> SpanField {
    match k {
        "traceId" | "trace_id" => SpanField::TraceId,
        "spanId" | "span_id" => SpanField::SpanId,
        "parentSpanId" | "parent_span_id" => SpanField::ParentSpanId,
        "traceState" | "trace_state" => SpanField::TraceState,
        "name" => SpanField::Name,
        "kind" => SpanField::Kind,
        "startTimeUnixNano" | "start_time_unix_nano" => SpanField::Start,
        "endTimeUnixNano" | "end_time_unix_nano" => SpanField::End,
        "attributes" => SpanField::Attributes,
        "events" => SpanField::Events,
        "links" => SpanField::Links,
        "status" => SpanField::Status,
        "flags" => SpanField::Flags,
        _ => SpanField::Other,
    }
}

pub(crate) const KIND_SEED: EnumSeed<SpanKind> = EnumSeed {
    what: "span kind",
    from_int: SpanKind::from_i64,
    from_name: SpanKind::from_name,
};

/// An id that could not be read, kept until the span's own ids are known.
struct PendingLink {
    index: usize,
    what: &'static str,
    err: IdError,
    pos: Position,
}

struct SpanSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for SpanSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpanSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Span object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut trace = IdText::<16>::default();
        let mut id = IdText::<8>::default();
        let mut parent: Option<IdText<8>> = None;
        let mut pending: Vec<PendingLink> = Vec::new();
        let mut s = Span {
            file: ctx.file,
            ..Span::default()
        };
        while let Some(k) = map.next_key_seed(KeySeed(span_field))? {
            match k {
                SpanField::TraceId => {
                    trace = field!(ctx, "traceId", map, IdSeed::<16>::new(ctx, false))?
                }
                SpanField::SpanId => id = field!(ctx, "spanId", map, IdSeed::<8>::new(ctx, false))?,
                SpanField::ParentSpanId => {
                    parent = Some(field!(
                        ctx,
                        "parentSpanId",
                        map,
                        IdSeed::<8>::new(ctx, false)
                    )?)
                }
                SpanField::TraceState => {
                    s.trace_state = field!(ctx, "traceState", map, SymSeed(ctx.b))?
                }
                SpanField::Name => s.name = field!(ctx, "name", map, SymSeed(ctx.b))?,
                SpanField::Kind => s.kind = field!(ctx, "kind", map, KIND_SEED)?,
                SpanField::Start => s.start = field!(ctx, "startTimeUnixNano", map, U64Seed)?,
                SpanField::End => s.end = field!(ctx, "endTimeUnixNano", map, U64Seed)?,
                SpanField::Flags => {
                    let f = field!(ctx, "flags", map, U64Seed)?;
                    s.flags = f as u32;
                }
                SpanField::Attributes => {
                    s.attrs = field!(
                        ctx,
                        "attributes",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: false,
                        }
                    )?;
                }
                SpanField::Events => {
                    let start = ctx.b.events.len();
                    field!(ctx, "events", map, list::<EventElem>(&mut *ctx))?;
                    s.events = Range32::new(start, ctx.b.events.len());
                }
                SpanField::Links => {
                    let start = ctx.b.links.len();
                    ctx.path.push_field("links");
                    map.next_value_seed(LinkList {
                        ctx: &mut *ctx,
                        pending: &mut pending,
                    })?;
                    ctx.path.pop();
                    s.links = Range32::new(start, ctx.b.links.len());
                }
                SpanField::Status => {
                    let (code, msg) = field!(ctx, "status", map, StatusSeed(&mut *ctx))?;
                    s.status = code;
                    s.status_message = msg;
                }
                SpanField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        finish_span(ctx, s, trace, id, parent, pending);
        Ok(())
    }
}

fn finish_span(
    ctx: &mut Ctx,
    mut s: Span,
    trace: IdText<16>,
    id: IdText<8>,
    parent: Option<IdText<8>>,
    pending: Vec<PendingLink>,
) {
    let mut problems: Vec<(&'static str, &'static str, IdError, Position)> = Vec::new();
    match trace.id {
        Ok(t) => s.trace = TraceId(t),
        Err(e) => problems.push((
            "traceId",
            "trace id",
            e,
            ctx.id_position(trace.ptr, trace.at),
        )),
    }
    match id.id {
        Ok(i) => s.id = SpanId(i),
        Err(e) => {
            s.marks |= marks::INVALID_ID;
            problems.push(("spanId", "span id", e, ctx.id_position(id.ptr, id.at)));
        }
    }
    if let Some(p) = parent {
        match p.id {
            Ok(i) => s.parent = SpanId(i),
            // An empty or all-zero parent id means "no parent", as the Collector reads it.
            Err(IdError::Empty) | Err(IdError::Zero) => {}
            Err(e) => {
                s.marks |= marks::INVALID_PARENT;
                problems.push((
                    "parentSpanId",
                    "parent span id",
                    e,
                    ctx.id_position(p.ptr, p.at),
                ));
            }
        }
    }
    let span = (s.marks & marks::INVALID_ID == 0).then_some(s.id);
    for (field, what, err, pos) in problems {
        let at = (pos, ctx.path_with(field));
        ctx.b
            .bad_id(s.trace, span, "span.invalid-id", what, &err, at);
    }
    for p in pending {
        let link = format!(
            "links[{}].{}",
            p.index,
            if p.what == "trace id" {
                "traceId"
            } else {
                "spanId"
            }
        );
        let at = (p.pos, ctx.path_with(&link));
        let what = format!("link's {}", p.what);
        ctx.b
            .bad_id(s.trace, span, "link.invalid", &what, &p.err, at);
    }
    ctx.b.spans.push(s);
}

// ---- Attributes -------------------------------------------------------------------------------

/// A list of `KeyValue`s: pushed straight into the attribute arena, or (nested in a `kvlist`)
/// collected and appended to the nested arena so that each list stays contiguous.
pub(crate) struct AttrList<'c, 'b, 's> {
    pub ctx: &'c mut Ctx<'b, 's>,
    pub nested: bool,
}

impl<'de> DeserializeSeed<'de> for AttrList<'_, '_, '_> {
    type Value = Range32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Range32, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for AttrList<'_, '_, '_> {
    type Value = Range32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of KeyValue objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Range32, A::Error> {
        let ctx = self.ctx;
        ctx.path.push_index(0);
        let mut i = 0;
        let r = if self.nested {
            let mut local = Vec::new();
            while let Some(a) = seq.next_element_seed(KeyValueSeed(ctx))? {
                local.push(a);
                i += 1;
                ctx.path.set_index(i);
            }
            let start = ctx.b.nested.len();
            ctx.b.nested.extend_from_slice(&local);
            Range32::new(start, ctx.b.nested.len())
        } else {
            let start = ctx.b.attrs.len();
            while let Some(a) = seq.next_element_seed(KeyValueSeed(ctx))? {
                ctx.b.attrs.push(a);
                i += 1;
                ctx.path.set_index(i);
            }
            Range32::new(start, ctx.b.attrs.len())
        };
        ctx.path.pop();
        Ok(r)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Range32, E> {
        Ok(Range32::default())
    }
}

#[derive(Clone, Copy)]
enum KvField {
    Key,
    Value,
    Other,
}

fn kv_field(k: &str) -> KvField {
    match k {
        "key" => KvField::Key,
        "value" => KvField::Value,
        _ => KvField::Other,
    }
}

struct KeyValueSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for KeyValueSeed<'_, '_, '_> {
    type Value = Attr;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Attr, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeyValueSeed<'_, '_, '_> {
    type Value = Attr;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a KeyValue object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attr, A::Error> {
        let ctx = self.0;
        let mut key = Sym::EMPTY;
        let mut value = Value::Empty;
        while let Some(k) = map.next_key_seed(KeySeed(kv_field))? {
            match k {
                KvField::Key => key = map.next_value_seed(SymSeed(ctx.b))?,
                KvField::Value => value = field!(ctx, "value", map, AnyValueSeed(&mut *ctx))?,
                KvField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Attr::new(key, value))
    }
}

#[derive(Clone, Copy)]
enum AnyField {
    Str,
    Bool,
    Int,
    Double,
    Array,
    KvList,
    Bytes,
    Other,
}

fn any_field(k: &str) -> AnyField {
    match k {
        "stringValue" | "string_value" => AnyField::Str,
        "boolValue" | "bool_value" => AnyField::Bool,
        "intValue" | "int_value" => AnyField::Int,
        "doubleValue" | "double_value" => AnyField::Double,
        "arrayValue" | "array_value" => AnyField::Array,
        "kvlistValue" | "kvlist_value" => AnyField::KvList,
        "bytesValue" | "bytes_value" => AnyField::Bytes,
        _ => AnyField::Other,
    }
}

/// `AnyValue`, with nested arrays and lists in their arenas.
pub(crate) struct AnyValueSeed<'c, 'b, 's>(pub &'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for AnyValueSeed<'_, '_, '_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AnyValueSeed<'_, '_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an AnyValue object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let ctx = self.0;
        let mut v = Value::Empty;
        while let Some(k) = map.next_key_seed(KeySeed(any_field))? {
            v = match k {
                AnyField::Str => Value::Str(map.next_value_seed(SymSeed(ctx.b))?),
                AnyField::Bool => Value::Bool(map.next_value::<bool>()?),
                AnyField::Int => Value::Int(field!(ctx, "intValue", map, I64Seed)?),
                AnyField::Double => Value::Double(field!(ctx, "doubleValue", map, F64Seed)?),
                AnyField::Bytes => {
                    let text: std::borrow::Cow<'de, str> = map.next_value()?;
                    let bytes = super::ids::decode_base64(text.as_bytes()).ok_or_else(|| {
                        de::Error::custom(
                            "bytesValue is not base64 (OTLP/JSON writes bytes as base64)",
                        )
                    })?;
                    let start = ctx.b.blobs.len();
                    ctx.b.blobs.extend_from_slice(&bytes);
                    Value::Bytes {
                        start: start as u32,
                        len: bytes.len() as u32,
                    }
                }
                AnyField::Array => {
                    let r = field!(
                        ctx,
                        "arrayValue",
                        map,
                        Wrapped {
                            ctx: &mut *ctx,
                            kv: false,
                        }
                    )?;
                    Value::Array {
                        start: r.start,
                        len: r.len,
                    }
                }
                AnyField::KvList => {
                    let r = field!(
                        ctx,
                        "kvlistValue",
                        map,
                        Wrapped {
                            ctx: &mut *ctx,
                            kv: true
                        }
                    )?;
                    Value::KvList {
                        start: r.start,
                        len: r.len,
                    }
                }
                AnyField::Other => {
                    map.next_value::<IgnoredAny>()?;
                    v
                }
            };
        }
        Ok(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Empty)
    }
}

/// `ArrayValue` / `KeyValueList`: an object whose `values` is the list.
struct Wrapped<'c, 'b, 's> {
    ctx: &'c mut Ctx<'b, 's>,
    kv: bool,
}

impl<'de> DeserializeSeed<'de> for Wrapped<'_, '_, '_> {
    type Value = Range32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Range32, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Wrapped<'_, '_, '_> {
    type Value = Range32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with `values`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Range32, A::Error> {
        let ctx = self.ctx;
        let mut r = Range32::default();
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if k == "values" {
                r = if self.kv {
                    field!(
                        ctx,
                        "values",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: true,
                        }
                    )?
                } else {
                    field!(ctx, "values", map, ValueList(&mut *ctx))?
                };
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(r)
    }
}

struct ValueList<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ValueList<'_, '_, '_> {
    type Value = Range32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Range32, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ValueList<'_, '_, '_> {
    type Value = Range32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of AnyValue objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Range32, A::Error> {
        let ctx = self.0;
        let mut local = Vec::new();
        ctx.path.push_index(0);
        while let Some(v) = seq.next_element_seed(AnyValueSeed(ctx))? {
            local.push(Attr::new(Sym::EMPTY, v));
            ctx.path.set_index(local.len());
        }
        ctx.path.pop();
        let start = ctx.b.values.len();
        ctx.b.values.extend_from_slice(&local);
        Ok(Range32::new(start, ctx.b.values.len()))
    }
}

// ---- Events, links, status --------------------------------------------------------------------

struct EventElem;

impl Elem for EventElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(EventSeed(ctx))?.is_some())
    }
}

#[derive(Clone, Copy)]
enum EvField {
    Time,
    Name,
    Attributes,
    Other,
}

fn ev_field(k: &str) -> EvField {
    match k {
        "timeUnixNano" | "time_unix_nano" => EvField::Time,
        "name" => EvField::Name,
        "attributes" => EvField::Attributes,
        _ => EvField::Other,
    }
}

struct EventSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for EventSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EventSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an Event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut e = Event::default();
        while let Some(k) = map.next_key_seed(KeySeed(ev_field))? {
            match k {
                EvField::Time => e.time = field!(ctx, "timeUnixNano", map, U64Seed)?,
                EvField::Name => e.name = map.next_value_seed(SymSeed(ctx.b))?,
                EvField::Attributes => {
                    e.attrs = field!(
                        ctx,
                        "attributes",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: false,
                        }
                    )?
                }
                EvField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        ctx.b.events.push(e);
        Ok(())
    }
}

struct LinkList<'c, 'b, 's, 'p> {
    ctx: &'c mut Ctx<'b, 's>,
    pending: &'p mut Vec<PendingLink>,
}

impl<'de> DeserializeSeed<'de> for LinkList<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LinkList<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Link objects")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let ctx = self.ctx;
        ctx.path.push_index(0);
        let mut i = 0;
        while let Some((mut link, bad)) = seq.next_element_seed(LinkSeed(ctx))? {
            for (what, err, pos) in bad {
                link.invalid = true;
                self.pending.push(PendingLink {
                    index: i,
                    what,
                    err,
                    pos,
                });
            }
            ctx.b.links.push(link);
            i += 1;
            ctx.path.set_index(i);
        }
        ctx.path.pop();
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

type BadIds = Vec<(&'static str, IdError, Position)>;

struct LinkSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for LinkSeed<'_, '_, '_> {
    type Value = (Link, BadIds);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LinkSeed<'_, '_, '_> {
    type Value = (Link, BadIds);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Link object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.0;
        let mut l = Link::default();
        let mut trace = IdText::<16>::default();
        let mut span = IdText::<8>::default();
        while let Some(k) = map.next_key_seed(KeySeed(span_field))? {
            match k {
                SpanField::TraceId => {
                    trace = field!(ctx, "traceId", map, IdSeed::<16>::new(ctx, false))?
                }
                SpanField::SpanId => span = map.next_value_seed(IdSeed::<8>::new(ctx, false))?,
                SpanField::TraceState => l.trace_state = map.next_value_seed(SymSeed(ctx.b))?,
                SpanField::Flags => l.flags = field!(ctx, "flags", map, U64Seed)? as u32,
                SpanField::Attributes => {
                    l.attrs = field!(
                        ctx,
                        "attributes",
                        map,
                        AttrList {
                            ctx: &mut *ctx,
                            nested: false,
                        }
                    )?
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let mut bad = Vec::new();
        match trace.id {
            Ok(t) => l.trace = TraceId(t),
            Err(e) => bad.push(("trace id", e, ctx.id_position(trace.ptr, trace.at))),
        }
        match span.id {
            Ok(s) => l.span = SpanId(s),
            Err(e) => bad.push(("span id", e, ctx.id_position(span.ptr, span.at))),
        }
        Ok((l, bad))
    }
}

#[derive(Clone, Copy)]
enum StField {
    Code,
    Message,
    Other,
}

fn st_field(k: &str) -> StField {
    match k {
        "code" => StField::Code,
        "message" => StField::Message,
        _ => StField::Other,
    }
}

struct StatusSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for StatusSeed<'_, '_, '_> {
    type Value = (StatusCode, Sym);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StatusSeed<'_, '_, '_> {
    type Value = (StatusCode, Sym);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Status object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.0;
        let mut code = StatusCode::Unset;
        let mut msg = Sym::EMPTY;
        while let Some(k) = map.next_key_seed(KeySeed(st_field))? {
            match k {
                StField::Code => {
                    code = field!(
                        ctx,
                        "code",
                        map,
                        EnumSeed {
                            what: "status code",
                            from_int: StatusCode::from_i64,
                            from_name: StatusCode::from_name,
                        }
                    )?
                }
                StField::Message => msg = map.next_value_seed(SymSeed(ctx.b))?,
                StField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((code, msg))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok((StatusCode::Unset, Sym::EMPTY))
    }
}
