//! Captured traces, from a library: [`check_bytes`] checks the structure and context
//! propagation of the span trees of a dump (what `cspot traces check` does) and [`verify`]
//! checks each trace against a CSP model through Φ (`cspot traces verify`). Both return the
//! one [`Report`](crate::Report), a result per trace.

pub use crate::otlp::rules::{RULES, RuleConfig};
pub use crate::run::traces::{Options, check_bytes};
pub use crate::run::verify::{Options as VerifyOptions, verify};

/// proptest strategies over Φ forward: random complete runs of a model as OTLP dumps, for
/// property tests of code that consumes traces.
#[cfg(feature = "proptest")]
pub use crate::phi::strategy;
