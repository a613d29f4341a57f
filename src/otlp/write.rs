//! Writing OTLP/JSON as the Collector's file exporter does: one `TracesData` document per
//! call, spans grouped by resource (service and host), ids in lowercase hex, 64-bit integers
//! as decimal strings. Used to write synthesised dumps; the readers read it back.

use super::model::{SpanId, SpanKind, TraceId};
use serde_json::{Value as J, json};
use std::collections::BTreeMap;

/// A span to write.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanOut {
    pub trace: TraceId,
    pub id: SpanId,
    /// `None` for a root.
    pub parent: Option<SpanId>,
    pub name: String,
    pub kind: SpanKind,
    pub start: u64,
    pub end: u64,
    pub service: String,
    pub host: String,
    /// String attributes of the span.
    pub attrs: Vec<(String, String)>,
    /// (time, name) of each span event.
    pub events: Vec<(u64, String)>,
}

fn kind_number(k: SpanKind) -> u32 {
    match k {
        SpanKind::Unspecified => 0,
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn attrs(kv: &[(String, String)]) -> J {
    J::Array(
        kv.iter()
            .map(|(k, v)| json!({"key": k, "value": {"stringValue": v}}))
            .collect(),
    )
}

/// One OTLP/JSON document holding `spans`, grouped by (service, host) in first-seen order.
pub fn otlp_json(spans: &[SpanOut], scope: &str) -> J {
    let mut groups: BTreeMap<(usize, &str, &str), Vec<J>> = BTreeMap::new();
    let mut order: Vec<(&str, &str)> = Vec::new();
    for s in spans {
        let key = (s.service.as_str(), s.host.as_str());
        let pos = match order.iter().position(|&k| k == key) {
            Some(p) => p,
            None => {
                order.push(key);
                order.len() - 1
            }
        };
        let mut span = json!({
            "traceId": s.trace.to_string(),
            "spanId": s.id.to_string(),
            "name": s.name,
            "kind": kind_number(s.kind),
            "startTimeUnixNano": s.start.to_string(),
            "endTimeUnixNano": s.end.to_string(),
            "attributes": attrs(&s.attrs),
            "events": s.events.iter().map(|(t, n)| json!({"timeUnixNano": t.to_string(), "name": n})).collect::<Vec<_>>(),
            "status": {},
        });
        if let (Some(p), J::Object(m)) = (s.parent, &mut span) {
            m.insert("parentSpanId".into(), J::String(p.to_string()));
        }
        groups.entry((pos, key.0, key.1)).or_default().push(span);
    }
    let resource_spans: Vec<J> = groups
        .into_iter()
        .map(|((_, service, host), spans)| {
            json!({
                "resource": {"attributes": attrs(&[
                    ("service.name".to_string(), service.to_string()),
                    ("host.name".to_string(), host.to_string()),
                ])},
                "scopeSpans": [{"scope": {"name": scope}, "spans": spans}],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
}
