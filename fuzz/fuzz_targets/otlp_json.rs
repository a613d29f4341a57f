//! Fuzz target `otlp_json`: see `cspot_fuzz::readers::otlp_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::otlp_json(data));
