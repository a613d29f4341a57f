//! Reproducers: placeholder until the first case lands.

use super::{capped, scratch_dir};
use std::time::Duration;

#[test]
fn the_harness_sees_a_normal_run() {
    let dir = scratch_dir("harness");
    std::fs::write(
        dir.join("ok.csp"),
        "channel a\nP = a -> P\nassert P :[deadlock free]\n",
    )
    .unwrap();
    let e = capped(&dir, &["check", "ok.csp"], Duration::from_secs(20));
    assert_eq!(e.code, 0, "{}", e.stderr);
    assert!(e.peak > 0 && e.peak < 1 << 30, "peak {}", e.peak);
}
