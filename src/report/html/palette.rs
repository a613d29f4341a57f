//! Colours of services in span timelines: a fixed palette indexed by a hash of the name.
//!
//! Owns only the choice of colour; it must not depend on the order in which services
//! appear, so that a service keeps its colour across every trace of a report and across runs.

/// Distinct, mid-light colours that stay readable behind dark event ticks and outlines.
const PALETTE: [&str; 12] = [
    "#4e79c4", "#e8883a", "#5aa55a", "#c9504f", "#8c6bb8", "#8a6a52", "#d873b5", "#7f7f7f",
    "#b5b536", "#3fb2c0", "#2f5d8a", "#b07a1e",
];

/// The colour of `service`: FNV-1a over its bytes, so that it is the same on every run and
/// platform (std's hasher is seeded per process).
pub fn service_colour(service: &str) -> &'static str {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in service.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    PALETTE[(hash % PALETTE.len() as u64) as usize]
}
