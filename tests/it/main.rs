//! The one integration-test binary: data-driven tests per pipeline stage and CLI tests.

mod bsp;
mod check;
mod cli;
mod cspm_eval;
mod cspm_fmt;
mod cspm_parse;
mod diag;
mod explore;
mod formats;
mod html;
mod jobs;
mod listen;
mod otlp;
mod phi;
mod readme;
mod report;
mod report_data;
mod report_matrix;
mod robust;
mod support;
