//! The report matrix: one small input per kind of result and of violation (CSP assertions,
//! captured-trace rules, Φ, BSP properties), run through the binary in every format, its
//! verdict and kind asserted from the JSON, each rendering snapshotted; the JSON Schema of
//! the report; the CI recipe.
//!
//! Snapshots are in `report_matrix/snapshots/`. After a deliberate change of a renderer,
//! re-bless them all with
//! `INSTA_UPDATE=always cargo test --release --test it report_matrix`
//! and review the diff in git.

mod bsp;
mod ci;
mod csp;
mod harness;
mod schema;
mod traces;
