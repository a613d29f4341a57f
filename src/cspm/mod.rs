//! CSPM, the machine-readable CSP of FDR: lexer, parser, AST with byte spans, pretty-printer
//! and evaluator of the functional language.
//!
//! `cspm` owns everything that turns CSPM text into values: the AST, diagnostics with source
//! positions, the evaluator, and the process values (`proc`) that `lts` compiles into machines.
//! It must not do IO: files (including `include`d ones) reach it through the [`source::Loader`]
//! trait that the CLI implements. Parsing never panics, whatever the bytes.

pub mod ast;
mod erase;
pub mod eval;
pub mod lexer;
pub mod load;
pub mod parser;
pub mod pretty;
pub mod proc;
pub mod source;

pub use eval::{Script, ScriptErrors, Value, check_scopes};
pub use parser::parse;
