//! Fuzz target `otlp_protobuf`: see `cspot_fuzz::readers::otlp_protobuf`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::otlp_protobuf(data));
