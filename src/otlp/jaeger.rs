//! Jaeger's JSON (the query API and the UI's "download"): `{"data":[{traceID, spans, processes}]}`
//! or one trace object. Times are microseconds; `span.kind`, `otel.status_code` and `error` tags
//! become the span's kind and status; the first `CHILD_OF` reference in the same trace is the
//! parent and the other references are links; logs are events.

use super::error::Position;
use super::ids::IdError;
use super::jsonutil::*;
use super::model::*;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Keys of a Jaeger trace object.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TraceField {
    Spans,
    Processes,
    Other,
}

pub(crate) fn trace_field(k: &str) -> TraceField {
    match k {
        "spans" => TraceField::Spans,
        "processes" => TraceField::Processes,
        _ => TraceField::Other,
    }
}

pub(crate) struct TraceElem;

impl Elem for TraceElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(TraceSeed(ctx))?.is_some())
    }
}

struct TraceSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for TraceSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TraceSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger trace object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        trace_map(self.0, map, None)
    }
}

/// The body of a trace object, when its first key may already have been read.
pub(crate) fn trace_map<'de, A: MapAccess<'de>>(
    ctx: &mut Ctx,
    mut map: A,
    mut first: Option<TraceField>,
) -> Result<(), A::Error> {
    let start = ctx.b.spans.len();
    let mut pending: Vec<(u32, Sym)> = Vec::new();
    let mut procs: Vec<(Sym, u32)> = Vec::new();
    loop {
        let k = match first.take() {
            Some(k) => k,
            None => match map.next_key_seed(KeySeed(trace_field))? {
                Some(k) => k,
                None => break,
            },
        };
        match k {
            TraceField::Spans => {
                ctx.path.push_field("spans");
                map.next_value_seed(SpanList {
                    ctx: &mut *ctx,
                    pending: &mut pending,
                })?;
                ctx.path.pop();
            }
            TraceField::Processes => {
                ctx.path.push_field("processes");
                map.next_value_seed(Processes {
                    ctx: &mut *ctx,
                    out: &mut procs,
                })?;
                ctx.path.pop();
            }
            TraceField::Other => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    for (i, pid) in pending {
        let r = procs.iter().find(|p| p.0 == pid).map(|p| p.1).unwrap_or(0);
        if let Some(s) = ctx.b.spans.get_mut(start + i as usize) {
            s.resource = r;
        }
    }
    Ok(())
}

struct Processes<'c, 'b, 's, 'o> {
    ctx: &'c mut Ctx<'b, 's>,
    out: &'o mut Vec<(Sym, u32)>,
}

impl<'de> DeserializeSeed<'de> for Processes<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Processes<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of process ids to processes")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key_seed(SymSeed(self.ctx.b))? {
            let r = map.next_value_seed(ProcessSeed(self.ctx))?;
            self.out.push((k, r));
        }
        Ok(())
    }
}

/// A process: `serviceName` and `tags`, as a resource.
struct ProcessSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for ProcessSeed<'_, '_, '_> {
    type Value = u32;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u32, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ProcessSeed<'_, '_, '_> {
    type Value = u32;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger process object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u32, A::Error> {
        let ctx = self.0;
        let start = ctx.b.attrs.len();
        let mut service = None;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*k {
                "serviceName" => service = Some(map.next_value_seed(SymSeed(ctx.b))?),
                "tags" => {
                    let mut tags = Vec::new();
                    map.next_value_seed(Tags {
                        ctx: &mut *ctx,
                        out: &mut tags,
                    })?;
                    for (k, v) in tags {
                        ctx.b.attrs.push(Attr::new(k, v));
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(s) = service {
            let key = ctx.b.service_key;
            ctx.b.attrs.push(Attr::new(key, Value::Str(s)));
        }
        let end = ctx.b.attrs.len();
        Ok(ctx.b.add_resource(Range32::new(start, end)))
    }
}

/// A list of tags `[{key, type, value}]`, collected as (key, value).
struct Tags<'c, 'b, 's, 'o> {
    ctx: &'c mut Ctx<'b, 's>,
    out: &'o mut Vec<(Sym, Value)>,
}

impl<'de> DeserializeSeed<'de> for Tags<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Tags<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of tags")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(kv) = seq.next_element_seed(TagSeed(self.ctx))? {
            self.out.push(kv);
        }
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

struct TagSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for TagSeed<'_, '_, '_> {
    type Value = (Sym, Value);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TagSeed<'_, '_, '_> {
    type Value = (Sym, Value);
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a tag object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut key = Sym::EMPTY;
        let mut value = Value::Empty;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*k {
                "key" => key = map.next_value_seed(SymSeed(self.0.b))?,
                "value" => value = map.next_value_seed(ScalarSeed(self.0.b))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok((key, value))
    }
}

/// A plain JSON scalar as an attribute value (Jaeger tags, Zipkin tags).
pub(crate) struct ScalarSeed<'a>(pub &'a mut super::build::Builder);

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, number or boolean")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(self.0.intern(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(i64::try_from(v).map_or(Value::Double(v as f64), Value::Int))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Double(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Empty)
    }
}

struct SpanList<'c, 'b, 's, 'p> {
    ctx: &'c mut Ctx<'b, 's>,
    pending: &'p mut Vec<(u32, Sym)>,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Jaeger spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let base = self.ctx.b.spans.len();
        self.ctx.path.push_index(0);
        let mut i = 0;
        while let Some(pid) = seq.next_element_seed(SpanSeed(self.ctx))? {
            if let Some(pid) = pid {
                let at = (self.ctx.b.spans.len() - 1).saturating_sub(base) as u32;
                self.pending.push((at, pid));
            }
            i += 1;
            self.ctx.path.set_index(i);
        }
        self.ctx.path.pop();
        Ok(())
    }
}

struct Ref {
    parent: bool,
    trace: IdText<16>,
    span: IdText<8>,
}

struct RefElem;

struct SpanSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for SpanSeed<'_, '_, '_> {
    type Value = Option<Sym>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SpanSeed<'_, '_, '_> {
    type Value = Option<Sym>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger span object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let ctx = self.0;
        let mut s = Span {
            file: ctx.file,
            ..Span::default()
        };
        let mut trace = IdText::<16>::default();
        let mut id = IdText::<8>::default();
        let mut parent: Option<IdText<8>> = None;
        let mut refs: Vec<Ref> = Vec::new();
        let mut tags: Vec<(Sym, Value)> = Vec::new();
        let mut pid = None;
        let mut duration = 0;
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*k {
                "traceID" => trace = map.next_value_seed(IdSeed::<16>::new(ctx, true))?,
                "spanID" => id = map.next_value_seed(IdSeed::<8>::new(ctx, false))?,
                "parentSpanID" => parent = Some(map.next_value_seed(IdSeed::<8>::new(ctx, false))?),
                "operationName" => s.name = map.next_value_seed(SymSeed(ctx.b))?,
                "flags" => s.flags = field!(ctx, "flags", map, U64Seed)? as u32,
                "startTime" => s.start = field!(ctx, "startTime", map, MicrosSeed)?,
                "duration" => duration = field!(ctx, "duration", map, MicrosSeed)?,
                "references" => {
                    ctx.path.push_field("references");
                    refs = map.next_value_seed(RefList(&*ctx))?;
                    ctx.path.pop();
                }
                "tags" => {
                    ctx.path.push_field("tags");
                    map.next_value_seed(Tags {
                        ctx: &mut *ctx,
                        out: &mut tags,
                    })?;
                    ctx.path.pop();
                }
                "logs" => {
                    let start = ctx.b.events.len();
                    field!(ctx, "logs", map, list::<RefElem>(&mut *ctx))?;
                    s.events = Range32::new(start, ctx.b.events.len());
                }
                "processID" => pid = Some(map.next_value_seed(SymSeed(ctx.b))?),
                "process" => {
                    s.resource = field!(ctx, "process", map, ProcessSeed(&mut *ctx))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        s.end = span_end::<A::Error>(s.start, duration)?;
        let start = ctx.b.attrs.len();
        for (k, v) in tags {
            let key = ctx.b.strings.get(k);
            match (key, v) {
                ("span.kind", Value::Str(kind)) => {
                    s.kind = SpanKind::from_name(ctx.b.strings.get(kind)).unwrap_or_default();
                }
                ("otel.status_code", Value::Str(code)) => {
                    s.status = StatusCode::from_name(ctx.b.strings.get(code)).unwrap_or_default();
                }
                ("otel.status_description", Value::Str(m)) => s.status_message = m,
                ("error", Value::Bool(true)) => s.status = StatusCode::Error,
                _ => ctx.b.attrs.push(Attr::new(k, v)),
            }
        }
        s.attrs = Range32::new(start, ctx.b.attrs.len());
        let link_start = ctx.b.links.len();
        let mut problems: Vec<(&str, &str, IdError, Position, &'static str)> = Vec::new();
        for (i, r) in refs.into_iter().enumerate() {
            let same_trace = matches!((&r.trace.id, &trace.id), (Ok(a), Ok(b)) if a == b);
            if r.parent && same_trace && parent.is_none() {
                parent = Some(r.span);
                continue;
            }
            let mut l = Link::default();
            match r.trace.id {
                Ok(t) => l.trace = TraceId(t),
                Err(e) => {
                    l.invalid = true;
                    problems.push((
                        "reference",
                        "trace id",
                        e,
                        ctx.id_position(r.trace.ptr, r.trace.at),
                        "link.invalid",
                    ));
                }
            }
            match r.span.id {
                Ok(t) => l.span = SpanId(t),
                Err(e) => {
                    l.invalid = true;
                    problems.push((
                        "reference",
                        "span id",
                        e,
                        ctx.id_position(r.span.ptr, r.span.at),
                        "link.invalid",
                    ));
                }
            }
            let _ = i;
            ctx.b.links.push(l);
        }
        s.links = Range32::new(link_start, ctx.b.links.len());
        match trace.id {
            Ok(t) => s.trace = TraceId(t),
            Err(e) => problems.push((
                "traceID",
                "trace id",
                e,
                ctx.id_position(trace.ptr, trace.at),
                "span.invalid-id",
            )),
        }
        match id.id {
            Ok(t) => s.id = SpanId(t),
            Err(e) => {
                s.marks |= marks::INVALID_ID;
                problems.push((
                    "spanID",
                    "span id",
                    e,
                    ctx.id_position(id.ptr, id.at),
                    "span.invalid-id",
                ));
            }
        }
        if let Some(p) = parent {
            match p.id {
                Ok(t) => s.parent = SpanId(t),
                Err(IdError::Empty) | Err(IdError::Zero) => {}
                Err(e) => {
                    s.marks |= marks::INVALID_PARENT;
                    problems.push((
                        "references",
                        "parent span id",
                        e,
                        ctx.id_position(p.ptr, p.at),
                        "span.invalid-id",
                    ));
                }
            }
        }
        let span = (s.marks & marks::INVALID_ID == 0).then_some(s.id);
        for (field, what, err, pos, rule) in problems {
            let at = (pos, ctx.path_with(field));
            ctx.b.bad_id(s.trace, span, rule, what, &err, at);
        }
        ctx.b
            .push_span(s)
            .map_err(<A::Error as serde::de::Error>::custom)?;
        Ok(if s.resource == 0 { pid } else { None })
    }
}

/// `references`: `[{refType, traceID, spanID}]`.
struct RefList<'c, 'b, 's>(&'c Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for RefList<'_, '_, '_> {
    type Value = Vec<Ref>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Ref>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RefList<'_, '_, '_> {
    type Value = Vec<Ref>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of references")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Ref>, A::Error> {
        let mut out = Vec::new();
        while let Some(r) = seq.next_element_seed(RefSeed(self.0))? {
            out.push(r);
        }
        Ok(out)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<Ref>, E> {
        Ok(Vec::new())
    }
}

struct RefSeed<'c, 'b, 's>(&'c Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for RefSeed<'_, '_, '_> {
    type Value = Ref;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Ref, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RefSeed<'_, '_, '_> {
    type Value = Ref;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a reference object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ref, A::Error> {
        let mut r = Ref {
            parent: false,
            trace: IdText::default(),
            span: IdText::default(),
        };
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*k {
                "refType" => {
                    let t: std::borrow::Cow<'de, str> = map.next_value()?;
                    r.parent = t == "CHILD_OF";
                }
                "traceID" => r.trace = map.next_value_seed(IdSeed::<16>::new(self.0, true))?,
                "spanID" => r.span = map.next_value_seed(IdSeed::<8>::new(self.0, false))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(r)
    }
}

/// A log: `{timestamp, fields}`, as an event named by its `event` field.
impl Elem for RefElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(LogSeed(ctx))?.is_some())
    }
}

struct LogSeed<'c, 'b, 's>(&'c mut Ctx<'b, 's>);

impl<'de> DeserializeSeed<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut e = Event::default();
        let mut fields = Vec::new();
        while let Some(k) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*k {
                "timestamp" => e.time = map.next_value_seed(MicrosSeed)?,
                "fields" => map.next_value_seed(Tags {
                    ctx: &mut *ctx,
                    out: &mut fields,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let start = ctx.b.attrs.len();
        for (k, v) in fields {
            match (ctx.b.strings.get(k), v) {
                ("event", Value::Str(name)) if e.name == Sym::EMPTY => e.name = name,
                _ => ctx.b.attrs.push(Attr::new(k, v)),
            }
        }
        e.attrs = Range32::new(start, ctx.b.attrs.len());
        ctx.b.events.push(e);
        Ok(())
    }
}
