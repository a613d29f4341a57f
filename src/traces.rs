//! Captured traces, from a library: [`check_bytes`] checks the structure and context
//! propagation of the span trees of a dump (what `cspot traces check` does) and [`verify`]
//! checks each trace against a CSP model through Φ (`cspot traces verify`). Both return the
//! one [`Report`](crate::Report), a result per trace.
//!
//! With the `proptest` feature, `otlp_dumps` generates OTLP/JSON dumps of random complete
//! runs of a model (Φ forward), for property tests of code that consumes traces.

pub use crate::otlp::rules::{RULES, RuleConfig};
pub use crate::run::traces::{Options, check_bytes};
pub use crate::run::verify::{Options as VerifyOptions, verify};

/// A proptest strategy of OTLP/JSON dumps (`TracesData` documents, as the Collector's file
/// exporter writes), each of `count` random complete runs of the system of the Φ model file
/// at `model`: a span per activation under the activation that made the call, span events
/// for its events, overlapping siblings where the model runs them in parallel. Every dump
/// conforms to the model ([`verify`] holds on it); it shrinks towards seed 0. The error is
/// the model file's, with its position.
#[cfg(feature = "proptest")]
pub fn otlp_dumps(
    model: impl AsRef<std::path::Path>,
    count: usize,
) -> Result<impl proptest::strategy::Strategy<Value = Vec<u8>>, String> {
    use proptest::strategy::Strategy as _;
    let path = model.as_ref().display().to_string();
    let src = crate::run::verify::ModelSource::read(&path)?;
    let model = src.load(&mut crate::run::Quiet)?;
    let model = std::rc::Rc::new(std::cell::RefCell::new(model));
    Ok(crate::phi::strategy::dumps(model, count).prop_map(|spans| {
        crate::otlp::write::otlp_json(&spans, "cspot.synth")
            .to_string()
            .into_bytes()
    }))
}
