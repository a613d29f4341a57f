//! Fuzz target `jaeger`: see `cspot_fuzz::readers::jaeger`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::jaeger(data));
