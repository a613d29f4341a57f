//! Fuzz target `zipkin`: see `cspot_fuzz::readers::zipkin`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::zipkin(data));
