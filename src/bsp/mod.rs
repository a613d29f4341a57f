//! The native model of the OpenTelemetry BatchSpanProcessor, its bug variants and properties.
//!
//! `bsp` owns the actors (producers ending spans, the bounded queue, the worker, the exporter,
//! the timer, a ForceFlush caller and a Shutdown caller), the packed state, the variants that
//! reproduce real SDK bugs and the properties P1–P5. It explores through the shared `explore`
//! engine, runs the hang pass of P2 over the explored graph, and turns violations into
//! `report::Counterexample`s whose steps name actor, action and what changed. It must not do
//! IO or print: configuration text comes in as a string, results go out as values.
//!
//! Files: `config` (parameters and their TOML form), `variant` (which processor), `state`
//! (decoded state and bit packing), `model` (transitions and per-state properties), `props`
//! (the properties and violation kinds), `hang` (terminal-cycle pass), `explain`
//! (counterexamples), `check` (one verdict per property).

// Without `internals`, what only the tests and benchmarks call (the full hang pass, the
// layout report) is unused here.
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
mod check;
mod config;
mod explain;
mod hang;
mod model;
mod props;
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
mod state;
mod variant;

pub use crate::run::bsp::{Options, explore};
pub use config::{Config, ConfigError, ConfigFile, When};
pub use props::{Property, PropertySet};
pub use variant::Variant;

// The search's parts, for cspot's own tests and benchmarks (feature `internals`).
#[cfg(feature = "internals")]
pub use check::{HangCheck, PropertyResult, Search, check_variant, check_variant_with};
#[cfg(not(feature = "internals"))]
pub(crate) use check::{Search, check_variant_with};
#[cfg(feature = "internals")]
pub use model::{Action, BspModel};
#[cfg(feature = "internals")]
pub use props::{Violation, ViolationKind};
#[cfg(feature = "internals")]
pub use state::{Layout, St};
