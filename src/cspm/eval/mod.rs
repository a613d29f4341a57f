//! The evaluator of CSPM's functional language, and the process values it hands to `lts`.
//!
//! `eval` owns values (`value`, `set`, `seq`), name resolution and scope checks (`lower`,
//! which turns the AST into a [`program::Program`]), pattern matching, dotted values and
//! channel types (`dot`), builtins (`builtins`, `library`), processes (`prefix`, and the
//! hash-consed `arena` behind [`crate::cspm::proc::ProcSource`]) and assertions. [`Script`] is
//! the seam the CLI and the checking engine use.
//!
//! It must not do IO (files come through a [`Loader`]), and it must not panic or overflow the
//! stack on any input: runtime errors are diagnostics with positions, deep recursion grows the
//! stack on the heap and stops at [`interp::MAX_DEPTH`] nested calls. Recursive processes stay
//! finite because named processes and process-valued applications become `Call` nodes that are
//! unfolded on demand and cached by (definition, argument values).

// Values hash and compare by content; the lazy cells inside infinite sequences take no part.
#![allow(clippy::mutable_key_type)]

mod arena;
pub mod builtins;
mod display;
mod dot;
mod env;
pub mod interp;
mod library;
mod lower;
mod pattern;
mod prefix;
pub mod program;
mod script;
pub mod seq;
mod seqops;
pub mod set;
pub mod value;

pub use script::{Script, ScriptErrors, TestOutcome, check_scopes};
pub use value::Value;
