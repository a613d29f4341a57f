//! Data-driven checks: every `tests/data/check/*.csp` file states, in a `-- expect:` header
//! line, the verdict of each of its assertions in file order (`holds`, `violated`,
//! `inconclusive`, or `error` for one that cannot be checked: it is recorded with the error's
//! position as its reason, the others are still checked, and the exit code is 2), or `error`
//! alone when the file must be rejected with a source position.

use crate::support::cspot;
use std::path::{Path, PathBuf};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/check");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/check")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .collect();
    v.sort();
    v
}

fn expected(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("readable");
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("-- expect:"))
        .unwrap_or_else(|| panic!("{}: no `-- expect:` line", path.display()));
    line.split(',').map(|s| s.trim().to_string()).collect()
}

/// Runs `cspot check` on one file; returns (exit code, verdicts, stdout, stderr).
pub fn check(path: &Path, extra: &[&str]) -> (i32, Vec<String>, String, String) {
    let path = path.to_string_lossy();
    let mut args = vec!["check", &path, "--format", "json", "--no-timings", "-q"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = cspot(&args);
    let verdicts = serde_json::from_str::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|v| {
            v["results"].as_array().map(|rs| {
                rs.iter()
                    .map(|r| {
                        let errored = r["reason"]
                            .as_str()
                            .is_some_and(|s| s.contains("(error at "));
                        if errored {
                            "error".to_string()
                        } else {
                            r["verdict"].as_str().unwrap_or("?").to_string()
                        }
                    })
                    .collect()
            })
        })
        .unwrap_or_default();
    (code, verdicts, stdout, stderr)
}

#[test]
fn every_data_file_gets_its_expected_verdicts() {
    let files = cases();
    assert!(files.len() >= 60, "only {} data files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let want = expected(path);
        // A small leaf bound keeps the files that must be rejected (unbounded leaves) quick.
        let (code, got, stdout, stderr) = check(path, &["--max-leaf-states", "20000"]);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if want == ["error"] {
            // Rejected with a position: `file:line:col: error: ...`.
            let positioned = stderr.contains(&format!("{name}:")) && stderr.contains("error");
            if code != 2 || !positioned {
                failures.push(format!(
                    "{name}: expected an error with a position, got exit {code}\n{stderr}"
                ));
            }
            continue;
        }
        if got != want {
            failures.push(format!(
                "{name}: expected {want:?}, got {got:?} (exit {code})\n{stderr}{}",
                if stderr.is_empty() {
                    &stdout[..stdout.len().min(2000)]
                } else {
                    ""
                }
            ));
            continue;
        }
        let want_code = if want.iter().any(|v| v == "error") {
            let positioned = stderr.contains(&format!("{name}:")) && stderr.contains("error");
            if !positioned {
                failures.push(format!("{name}: no positioned error on stderr\n{stderr}"));
            }
            2
        } else if want.iter().any(|v| v == "violated") {
            1
        } else if want.iter().any(|v| v == "inconclusive") {
            3
        } else {
            0
        };
        if code != want_code {
            failures.push(format!("{name}: exit {code}, expected {want_code}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
