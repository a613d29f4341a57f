//! The CSP checks: data-driven CSPM files, hand-built processes, laws and an oracle.

mod engine;
