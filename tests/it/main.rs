//! The one integration-test binary: data-driven tests per pipeline stage and CLI tests.

mod cspm_parse;
mod report;
