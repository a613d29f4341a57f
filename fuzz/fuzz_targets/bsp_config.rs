//! Fuzz target `bsp_config`: see `cspot_fuzz::readers::bsp_config`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::bsp_config(data));
