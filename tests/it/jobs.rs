//! Reports do not depend on `--jobs` where the parallel commit really runs: philosophers with
//! levels of thousands of states (the shipped specifications and test files, compared in
//! `check/cli.rs`, mostly have levels smaller than one parallel chunk), and every BSP
//! configuration that ships; at 1, 2 and 4 jobs, byte-identical JSON reports.

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(args: &[&str], jobs: usize) -> (Option<i32>, Vec<u8>) {
    let out = Command::new(env!("CARGO_BIN_EXE_cspot"))
        .args(args)
        .args([
            "--format",
            "json",
            "--no-timings",
            "-q",
            "--jobs",
            &jobs.to_string(),
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("cspot runs");
    (out.status.code(), out.stdout)
}

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn same_at_every_job_count(args: &[&str]) {
    let (code, one) = run(args, 1);
    assert!(!one.is_empty(), "{args:?} gave no report");
    for jobs in [2, 4] {
        let (c, other) = run(args, jobs);
        assert_eq!(c, code, "{args:?}: exit code at {jobs} jobs");
        assert!(
            one == other,
            "{args:?}: the report at {jobs} jobs differs from the one at 1 job"
        );
    }
}

#[test]
fn philosophers_with_levels_of_thousands_of_states_are_byte_identical_at_any_jobs() {
    // N = 7: 253,275 states (left-handed), levels far wider than one parallel chunk.
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/spin/phils.csp"),
    )
    .unwrap();
    assert!(src.contains("\nN = 5\n"));
    let dir = std::env::temp_dir().join(format!("cspot-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("phils7.csp");
    std::fs::write(&spec, src.replace("\nN = 5\n", "\nN = 7\n")).unwrap();
    let spec = spec.to_str().unwrap().to_string();
    same_at_every_job_count(&["check", &spec]);
    // A bound that stops the search mid-level stops it at the same state.
    same_at_every_job_count(&["check", &spec, "--max-states", "100000"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bsp_reports_are_byte_identical_at_1_2_and_4_jobs() {
    for f in files("models/bsp", "toml") {
        same_at_every_job_count(&["bsp", f.to_str().unwrap()]);
    }
}
