//! Fuzz target `otlp_jsonl`: see `cspot_fuzz::readers::otlp_jsonl`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::otlp_jsonl(data));
