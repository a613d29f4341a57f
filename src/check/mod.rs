//! The CSP checks: deadlock, divergence, determinism, normalisation, refinement, has-trace.
//!
//! `check` turns an assertion and the machines `lts` compiled into a model for the `explore`
//! engine, and the engine's answer into a `report::CheckResult` with a readable counterexample.
//! It must not do IO or print.
