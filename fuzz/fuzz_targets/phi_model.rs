//! Fuzz target `phi_model`: see `cspot_fuzz::readers::phi_model`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::phi_model(data));
