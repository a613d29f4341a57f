//! The CSP checks: data-driven CSPM files, hand-built processes, laws and an oracle.

mod cli;
mod data;
pub mod engine;
mod laws;
pub mod oracle;
