//! cspot: a model checker for CSPM and a verifier of captured OpenTelemetry traces.
//!
//! The library gives what the `cspot` command does, as functions that return the one
//! [`Report`]: a result per assertion, trace or property, each with a verdict
//! ([`report::Verdict`]), rendered in any format by [`report::render`].
//!
//! - CSPM: [`check_file`] and [`check_str`] check every assertion of a script.
//! - Captured traces: [`traces::check_bytes`] checks the structure and context propagation
//!   of the span trees in an OTLP, Jaeger or Zipkin dump; [`traces::verify`] checks each
//!   trace against a CSP model through Φ.
//! - The OpenTelemetry BatchSpanProcessor: [`bsp::explore`] explores a configuration for
//!   deadlocks, hangs and lost spans.
//!
//! ```no_run
//! let report = cspot::check_file("specs/phils.csp", &cspot::Options::default());
//! for r in &report.results {
//!     println!("{} {}", r.id, r.verdict.as_str());
//! }
//! assert_eq!(report.exit_code(), cspot::report::exit::VIOLATED);
//! ```
//!
//! Inside, one module per pipeline stage (see `ARCHITECTURE.md`): `cspm` reads and evaluates
//! CSPM, `lts` gives process values their operational semantics, `explore` is the one
//! state-space engine, `check` answers the CSP assertions, `otlp` reads span dumps and checks
//! span forests, `phi` maps span trees to CSP, `bsp` models the BatchSpanProcessor, `report`
//! holds the result model and its renderers, and `run` runs whole jobs into a report. The
//! stages are public only with the `internals` feature, which cspot's own tests, benchmarks
//! and fuzz targets use and which carries no stability promise. The `cli` feature (on by
//! default) adds the command line, [`cli`].
#![cfg_attr(not(feature = "internals"), warn(missing_docs))]

/// Declares pipeline stages: public with the `internals` feature, crate-private otherwise.
macro_rules! stages {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[cfg(feature = "internals")]
        pub mod $name;
        $(#[$meta])*
        #[cfg(not(feature = "internals"))]
        // Without `internals`, what only the tests and benchmarks call is unused here.
        #[allow(dead_code, unused_imports)]
        mod $name;
    )*};
}

stages! {
    check;
    cspm;
    explore;
    lts;
    otlp;
    phi;
    #[cfg(feature = "listen")]
    receive;
    run;
}

pub mod bsp;
pub mod budget;
#[cfg(feature = "cli")]
#[allow(missing_docs)]
pub mod cli;
pub mod report;
pub mod traces;

pub use explore::Progress;
pub use report::Report;
pub use run::check::{Options, check_file, check_files, check_str};
pub use run::{Limits, Observer, Quiet};
