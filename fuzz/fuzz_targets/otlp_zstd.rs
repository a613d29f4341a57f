//! Fuzz target `otlp_zstd`: see `cspot_fuzz::readers::otlp_zstd`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::otlp_zstd(data));
