//! cspot: a model checker for CSPM and a verifier of captured OpenTelemetry traces.
//!
//! The library is organised as one module per pipeline stage (see `ARCHITECTURE.md`):
//! `cspm` reads and evaluates CSPM, `lts` gives process values their operational semantics,
//! `explore` is the one state-space engine, `check` answers the CSP assertions, `otlp` reads
//! span dumps and checks span forests, `phi` maps span trees to CSP, `bsp` models the
//! OpenTelemetry BatchSpanProcessor and `report` holds the one result model and its renderers.
//! Only the binary (`src/main.rs`, `src/cli`) and the `otlp` readers touch files.

pub mod bsp;
pub mod budget;
pub mod check;
pub mod cspm;
pub mod explore;
pub mod lts;
pub mod otlp;
pub mod phi;
pub mod report;
