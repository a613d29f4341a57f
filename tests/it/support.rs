//! What the test modules share: running the built binary, and the proptest configuration.

use proptest::prelude::ProptestConfig;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `cspot` with `args` from the crate root; gives (exit code, stdout, stderr). A run
/// killed by a signal gives -1.
pub fn cspot(args: &[&str]) -> (i32, String, String) {
    cspot_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// As [`cspot`], from the directory `dir` (relative file names resolve there).
pub fn cspot_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(dir, args, None)
}

/// As [`cspot`], with `input` on standard input.
pub fn cspot_stdin(args: &[&str], input: &[u8]) -> (i32, String, String) {
    run(Path::new(env!("CARGO_MANIFEST_DIR")), args, Some(input))
}

fn run(dir: &Path, args: &[&str], input: Option<&[u8]>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cspot"))
        .args(args)
        .current_dir(dir)
        // Reports are compared as plain text.
        .env("NO_COLOR", "1")
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cspot runs");
    // Written from a thread, so that a child writing much before it reads all its input
    // cannot block both ends.
    let writer = match (input, child.stdin.take()) {
        (Some(bytes), Some(mut stdin)) => {
            let bytes = bytes.to_vec();
            // The child may stop reading early (an error); a closed pipe is its answer.
            Some(std::thread::spawn(move || {
                let _ = stdin.write_all(&bytes);
            }))
        }
        _ => None,
    };
    let out = child.wait_with_output().expect("cspot ends");
    if let Some(w) = writer {
        let _ = w.join();
    }
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `default` cases per property, or `PROPTEST_CASES` when it is set (to raise them locally).
pub fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(n)
}

/// A JSON report's results, one fact per line: `result ID VERDICT TITLE`, then `  RULE SPAN:
/// MESSAGE` per finding (the `.expect` files of the trace fixtures).
pub fn results_text(v: &serde_json::Value) -> String {
    let mut text = String::new();
    for r in v["results"].as_array().into_iter().flatten() {
        text.push_str(&format!(
            "result {} {} {}\n",
            r["id"].as_str().unwrap_or("?"),
            r["verdict"].as_str().unwrap_or("?"),
            r["title"].as_str().unwrap_or("?")
        ));
        for f in r["findings"].as_array().into_iter().flatten() {
            text.push_str(&format!(
                "  {} {}: {}\n",
                f["rule"].as_str().unwrap_or("?"),
                f["span_id"].as_str().unwrap_or("-"),
                f["message"].as_str().unwrap_or("?")
            ));
        }
    }
    text
}
