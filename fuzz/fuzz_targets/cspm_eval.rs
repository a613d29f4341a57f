//! Fuzz target `cspm_eval`: see `cspot_fuzz::readers::cspm_eval`.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Live heap bytes are counted, as in the binary, so that the budget's memory bound is the
/// one `cspot check` applies.
#[global_allocator]
static ALLOC: cspot::budget::CountingAlloc = cspot::budget::CountingAlloc;

fuzz_target!(|data: &[u8]| cspot_fuzz::readers::cspm_eval(data));
