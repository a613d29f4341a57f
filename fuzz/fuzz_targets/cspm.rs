//! Fuzz target `cspm`: see `cspot_fuzz::readers::cspm`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::cspm(data));
