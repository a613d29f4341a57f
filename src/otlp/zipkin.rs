//! Zipkin v2 JSON: an array of spans with `localEndpoint.serviceName`, microsecond times,
//! `kind` names, `annotations` (events) and string `tags`. Spans are marked as read from Zipkin,
//! so that assembly can tell a CLIENT/SERVER pair sharing one id (Zipkin's `shared` spans) from
//! a duplicate.

use super::error::Position;
use super::ids::IdError;
use super::jaeger::ScalarSeed;
use super::jsonutil::*;
use super::model::*;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;

pub(crate) struct SpanElem;

impl Elem for SpanElem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error> {
        Ok(seq.next_element_seed(SpanSeed(ctx))?.is_some())
    }
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
        f.write_str("a Zipkin v2 span object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let ctx = self.0;
        let mut s = Span {
            file: ctx.file,
            marks: marks::ZIPKIN,
            ..Span::default()
        };
        let mut trace = IdText::<16>::default();
        let mut id = IdText::<8>::default();
        let mut parent: Option<IdText<8>> = None;
        let mut duration = 0u64;
        let mut service: Option<Sym> = None;
        let mut tags: Vec<(Sym, Value)> = Vec::new();
        let ev_start = ctx.b.events.len();
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            match &*k {
                "traceId" => trace = map.next_value_seed(IdSeed::<16>::new(ctx, true))?,
                "id" => id = map.next_value_seed(IdSeed::<8>::new(ctx, false))?,
                "parentId" => parent = Some(map.next_value_seed(IdSeed::<8>::new(ctx, false))?),
                "name" => s.name = map.next_value_seed(SymSeed(ctx.b))?,
                "kind" => {
                    ctx.path.push_field("kind");
                    s.kind = map.next_value_seed(KIND_SEED)?;
                    ctx.path.pop();
                }
                "timestamp" => {
                    ctx.path.push_field("timestamp");
                    s.start = map.next_value_seed(MicrosSeed)?;
                    ctx.path.pop();
                }
                "duration" => {
                    ctx.path.push_field("duration");
                    duration = map.next_value_seed(MicrosSeed)?;
                    ctx.path.pop();
                }
                "localEndpoint" => {
                    ctx.path.push_field("localEndpoint");
                    service = map.next_value_seed(Endpoint(ctx.b))?;
                    ctx.path.pop();
                }
                "annotations" => {
                    ctx.path.push_field("annotations");
                    map.next_value_seed(Annotations(ctx.b))?;
                    ctx.path.pop();
                }
                "tags" => {
                    ctx.path.push_field("tags");
                    map.next_value_seed(TagMap {
                        b: ctx.b,
                        out: &mut tags,
                    })?;
                    ctx.path.pop();
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        s.end = span_end::<A::Error>(s.start, duration)?;
        s.events = Range32::new(ev_start, ctx.b.events.len());
        let start = ctx.b.attrs.len();
        for (k, v) in tags {
            match (ctx.b.strings.get(k), v) {
                ("otel.status_code", Value::Str(c)) => {
                    s.status = StatusCode::from_name(ctx.b.strings.get(c)).unwrap_or_default()
                }
                ("error", _) => s.status = StatusCode::Error,
                _ => ctx.b.attrs.push(Attr::new(k, v)),
            }
        }
        s.attrs = Range32::new(start, ctx.b.attrs.len());
        s.resource = ctx.b.zipkin_resource(service.unwrap_or(Sym::EMPTY));
        let mut problems: Vec<(&str, &str, IdError, Position)> = Vec::new();
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
            Ok(t) => s.id = SpanId(t),
            Err(e) => {
                s.marks |= marks::INVALID_ID;
                problems.push(("id", "span id", e, ctx.id_position(id.ptr, id.at)));
            }
        }
        if let Some(p) = parent {
            match p.id {
                Ok(t) => s.parent = SpanId(t),
                Err(IdError::Empty) | Err(IdError::Zero) => {}
                Err(e) => {
                    s.marks |= marks::INVALID_PARENT;
                    problems.push((
                        "parentId",
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
        ctx.b
            .push_span(s)
            .map_err(<A::Error as de::Error>::custom)?;
        Ok(())
    }
}

struct Endpoint<'a>(&'a mut super::build::Builder);

impl<'de> DeserializeSeed<'de> for Endpoint<'_> {
    type Value = Option<Sym>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Endpoint<'_> {
    type Value = Option<Sym>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an endpoint object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut service = None;
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            if k == "serviceName" {
                service = Some(map.next_value_seed(SymSeed(self.0))?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(service)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

struct Annotations<'a>(&'a mut super::build::Builder);

impl<'de> DeserializeSeed<'de> for Annotations<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Annotations<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of annotations")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(e) = seq.next_element_seed(Annotation(&mut *self.0))? {
            self.0.events.push(e);
        }
        Ok(())
    }
}

struct Annotation<'a>(&'a mut super::build::Builder);

impl<'de> DeserializeSeed<'de> for Annotation<'_> {
    type Value = Event;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Event, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Annotation<'_> {
    type Value = Event;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an annotation object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
        let mut e = Event::default();
        while let Some(k) = map.next_key::<Cow<'de, str>>()? {
            match &*k {
                "timestamp" => e.time = map.next_value_seed(MicrosSeed)?,
                "value" => e.name = map.next_value_seed(SymSeed(self.0))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(e)
    }
}

struct TagMap<'a, 'o> {
    b: &'a mut super::build::Builder,
    out: &'o mut Vec<(Sym, Value)>,
}

impl<'de> DeserializeSeed<'de> for TagMap<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TagMap<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a map of tags")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(k) = map.next_key_seed(SymSeed(&mut *self.b))? {
            let v = map.next_value_seed(ScalarSeed(&mut *self.b))?;
            self.out.push((k, v));
        }
        Ok(())
    }
}
