//! Captured OpenTelemetry traces: readers, the span model, span forests and structural rules.
//!
//! `otlp` owns every dump format cspot reads (OTLP/JSON and JSON Lines, OTLP protobuf as one
//! message or the Collector file exporter's length-prefixed stream, zstd per message or per file,
//! Jaeger JSON, Zipkin v2 JSON), detected by content; the span model (fixed-size ids, interned
//! names, compact attributes); the assembly of span forests (spans in one arena, `u32` ids,
//! children sorted by start time then span id); and the rules that check them. Its readers are
//! the only library code that reads bytes; it must not print or render, and it knows nothing of
//! CSP (that is `phi`'s job, on top of [`Forest`]).
//!
//! ```no_run
//! use cspot::otlp::{self, ReadOptions, rules::{self, RuleConfig}};
//! let dump = otlp::read("dump.jsonl", std::fs::File::open("dump.jsonl")?, ReadOptions::default());
//! for e in &dump.errors { eprintln!("{e}"); }
//! for t in rules::check(&dump.forest, &RuleConfig::all()) {
//!     println!("{} {} findings", t.trace, t.findings.len());
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod build;
pub mod draw;
mod error;
mod forest;
pub mod ids;
mod jaeger;
mod jscan;
mod json;
mod jsonutil;
mod model;
mod otlp_json;
pub mod proto;
mod protobuf;
mod read;
pub mod rules;
pub mod view;
pub mod write;
mod zipkin;

pub use build::{DEFAULT_MAX_MESSAGE, Dump, Issue, ReadOptions, fmt_size};
pub use error::{Position, ReadError};
pub use forest::{Forest, NONE, Trace};
pub use model::*;
pub use read::{Detected, Reader, detect, read};
