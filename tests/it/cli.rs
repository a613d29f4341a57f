//! Command-line edges shared by every subcommand: bounds given on the command line, closed
//! pipes, exit codes of bounded runs, positions in command-line expressions.

use crate::support::cspot;

const SPEC: &str = "specs/buffer.csp";

/// A `--timeout` that `Duration` cannot hold (negative, NaN, infinite, huge) or that means
/// nothing (0) is a usage error naming the flag, never a panic (exit 101).
#[test]
fn bad_timeouts_are_usage_errors() {
    for t in ["-1", "NaN", "inf", "1e300", "0", "abc", ""] {
        let flag = format!("--timeout={t}");
        let (code, _, err) = cspot(&["check", SPEC, "-q", &flag]);
        assert_eq!(code, 2, "{flag}: exit {code}\n{err}");
        assert!(err.contains("--timeout"), "{flag}: {err}");
        assert!(!err.contains("panicked"), "{flag}: {err}");
    }
    let (code, _, err) = cspot(&["check", SPEC, "-q", "--timeout", "600"]);
    assert!(code == 0 || code == 1, "exit {code}\n{err}");
}
