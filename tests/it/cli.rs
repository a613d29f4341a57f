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

/// Every duration option reads the same forms (a bare number is seconds) and refuses the
/// same mistakes with the same message (`--clock-skew`: `otlp::clock_skew_is_a_duration`).
#[test]
fn durations_parse_alike_in_every_option() {
    let options: [(&str, &[&str]); 4] = [
        ("--timeout", &["check", SPEC, "-q", "--no-timings"]),
        (
            "--progress-interval",
            &["check", SPEC, "-q", "--no-timings"],
        ),
        ("--timeout", &["eval", SPEC, "1 + 1"]),
        ("--timeout", &["lts", SPEC, "CELL", "--format=aut"]),
    ];
    for (flag, args) in options {
        for form in [
            "30", "30s", "5m", "500ms", "250us", "100ns", "1.5s", "1h", "0.5", " 2 s",
        ] {
            let (code, _, err) = cspot(&[args, &[flag, form]].concat());
            // A very short timeout may end the run inconclusive (3): the value was taken.
            assert!(
                matches!(code, 0 | 1 | 3),
                "{args:?} {flag} {form:?}: exit {code}\n{err}"
            );
        }
        for (bad, why) in [
            (
                "5x",
                "expected a number with an optional unit ns, us, ms, s, m, h",
            ),
            ("1e-9", "expected a number"),
            ("-5s", "expected a number"),
            ("0", "must be more than 0"),
        ] {
            let (code, _, err) = cspot(&[args, &[&format!("{flag}={bad}")]].concat());
            assert_eq!(code, 2, "{flag}={bad}: {err}");
            assert!(
                err.contains(&format!("invalid duration '{bad}': {why}")),
                "{flag}={bad}: {err}"
            );
        }
    }
}

/// Every size option reads the same forms: bytes, or K, M, G, T in any spelling (KB, KiB),
/// all powers of 1024, as the help says.
#[test]
fn sizes_parse_alike_in_every_option() {
    let dump = "fixtures/otlp/async-exempt.json";
    let options: [(&str, &[&str]); 5] = [
        ("--max-memory", &["check", SPEC, "-q", "--no-timings"]),
        ("--max-memory", &["eval", SPEC, "1 + 1"]),
        ("--max-memory", &["lts", SPEC, "CELL", "--format=aut"]),
        ("--max-memory", &["traces", "check", dump]),
        ("--max-message", &["traces", "check", dump]),
    ];
    for (flag, args) in options {
        for form in [
            "2147483648",
            "512M",
            "512MB",
            "512MiB",
            "512m",
            "1G",
            "1GiB",
            "1.5G",
            "4096K",
            "1T",
        ] {
            let (code, _, err) = cspot(&[args, &[flag, form]].concat());
            assert!(
                matches!(code, 0 | 1),
                "{args:?} {flag} {form}: exit {code}\n{err}"
            );
        }
        for (bad, why) in [
            ("5x", "expected a number with an optional unit K, M, G, T"),
            ("-1M", "expected a number"),
            ("0", "must be more than 0 bytes"),
            ("99999999T", "too large"),
        ] {
            let (code, _, err) = cspot(&[args, &[&format!("{flag}={bad}")]].concat());
            assert_eq!(code, 2, "{flag}={bad}: {err}");
            assert!(
                err.contains(&format!("invalid size '{bad}': {why}")),
                "{flag}={bad}: {err}"
            );
        }
    }
    let (_, help, _) = cspot(&["check", "--help"]);
    assert!(
        help.contains("512M, 512MB and 512MiB are the same"),
        "{help}"
    );
}

/// Runs `cspot` with its stdout (and, with `stderr_too`, its stderr) on a pipe whose reading
/// end is closed before it starts, as `cspot … | head -1` ends up; gives (exit code, stderr).
fn closed_pipe(args: &[&str], stderr_too: bool) -> (i32, String) {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cspot"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null());
    if stderr_too {
        cmd.stderr(writer.try_clone().expect("pipe"));
        cmd.stdout(writer);
        let status = cmd.status().expect("cspot runs");
        (status.code().unwrap_or(-1), String::new())
    } else {
        cmd.stdout(writer).stderr(std::process::Stdio::piped());
        let out = cmd.output().expect("cspot runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// Every subcommand that prints: a closed stdout (or stdout and stderr, `2>&1 | head`) is
/// not a panic (exit 101) and not a message; the exit code is the one of the results.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let runs: &[&[&str]] = &[
        &["check", "specs/buffer.csp", "specs/phils.csp", "-q"],
        &["check", "specs/buffer.csp", "-q", "--format", "json"],
        &["lts", "specs/phils.csp", "PHIL(0)"],
        &["eval", "specs/phils.csp", "<1..200>"],
        &["parse", "specs/phils.csp"],
        &["fmt", "specs/phils.csp"],
        &["traces", "check", "fixtures/otlp/async-exempt.json"],
        &["traces", "check", "fixtures/otlp/malformed.json"],
        &["traces", "tree", "fixtures/otlp/async-exempt.json"],
        &["traces", "check", "--rules", "list", "x"],
        &["bsp", "--spans", "1", "-q"],
        &["bsp", "--list-variants"],
    ];
    for args in runs {
        let (expected, _, _) = cspot(args);
        let (code, err) = closed_pipe(args, false);
        assert_eq!(code, expected, "{args:?} with stdout closed\n{err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("standard output"), "{args:?}: {err}");
        let (code, _) = closed_pipe(args, true);
        assert_eq!(code, expected, "{args:?} with stdout and stderr closed");
    }
}

/// A stdout that cannot take the report for another reason (a full disk) is an error (exit
/// 2), not a panic and not a silent success: a truncated report must not pass for one.
#[test]
fn a_full_stdout_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return;
    };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cspot"))
        .args(["bsp", "--spans", "1", "-q"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .expect("cspot runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write to standard output"), "{err}");
}

/// `--jobs` beyond 1024 (or negative, or not a number) is refused at once, naming the flag,
/// by every checking command (100 000 threads used to take minutes to start); 0 is one per
/// core and gives the report one job gives.
#[test]
fn jobs_are_bounded() {
    let commands: &[&[&str]] = &[
        &["check", SPEC, "-q", "--no-timings"],
        &[
            "traces",
            "check",
            "fixtures/otlp/async-exempt.json",
            "--no-timings",
        ],
        &["bsp", "--spans", "1", "-q", "--no-timings"],
    ];
    for base in commands {
        for bad in ["1025", "100000", "-1", "many"] {
            let mut args = base.to_vec();
            args.extend(["--jobs", bad]);
            let started = std::time::Instant::now();
            let (code, _, err) = cspot(&args);
            assert_eq!(code, 2, "{args:?}: exit {code}\n{err}");
            assert!(err.contains("--jobs"), "{args:?}: {err}");
            assert!(
                started.elapsed().as_secs() < 10,
                "{args:?} took long to refuse"
            );
        }
        let run = |j: &str| {
            let mut args = base.to_vec();
            args.extend(["-j", j]);
            cspot(&args)
        };
        let (one, all) = (run("1"), run("0"));
        assert!(one.0 == 0 || one.0 == 1, "{base:?} -j 1: {}", one.2);
        assert_eq!(one, all, "{base:?}: -j 0 and -j 1 differ");
        assert_eq!(run("4").0, one.0, "{base:?} -j 4");
    }
}

/// `lts` stopped by `--max-states` is inconclusive (exit 3), as `check` is at a bound, not an
/// error (exit 2); it prints no partial system. Within the bound it exports (exit 0).
#[test]
fn lts_at_its_state_bound_is_inconclusive() {
    let (code, out, err) = cspot(&["lts", "specs/phils.csp", "SYSTEM", "--max-states", "10"]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("more than 10 states"), "{err}");
    let (code, out, err) = cspot(&["lts", "specs/phils.csp", "PHIL(0)", "--max-states", "7"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("digraph"), "{out}");
    let (code, _, err) = cspot(&["check", "specs/phils.csp", "-q", "--max-states", "10"]);
    assert_eq!(code, 3, "check at the same bound: {err}");
}

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README")
}

/// The summary line the README quotes for `cspot check specs/*.csp` is the one the binary
/// prints (exit 1: three example assertions are violated on purpose).
#[test]
fn readme_quotes_the_check_summary_of_the_specs() {
    let mut specs: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/specs"))
        .expect("specs")
        .filter_map(|e| e.ok())
        .map(|e| format!("specs/{}", e.file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".csp"))
        .collect();
    specs.sort();
    let mut args = vec!["check", "-q", "--no-timings"];
    args.extend(specs.iter().map(String::as_str));
    let (code, out, err) = cspot(&args);
    assert_eq!(code, 1, "{err}");
    let summary = out.lines().last().unwrap_or_default();
    let text = readme();
    assert!(
        text.contains(&format!("`{summary}`")),
        "README does not quote `{summary}`"
    );
    let count = summary.split_whitespace().next().unwrap_or_default();
    assert!(
        text.contains(&format!("answer\n{count} assertions")),
        "README's assertion count is not {count}"
    );
}

/// The README's table of BatchSpanProcessor variants lists, for each, exactly the properties
/// `cspot bsp --variant all` finds violated with the default configuration.
#[test]
fn readme_variant_table_matches_the_binary() {
    use std::collections::{BTreeMap, BTreeSet};
    let (code, out, err) = cspot(&[
        "bsp",
        "--variant",
        "all",
        "-q",
        "--no-timings",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in v["results"].as_array().into_iter().flatten() {
        let id = r["id"].as_str().unwrap_or_default();
        let mut words = id.split_whitespace();
        let (variant, prop) = (
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default(),
        );
        let set = found.entry(variant.to_string()).or_default();
        if r["verdict"] == "violated" {
            set.insert(prop.to_string());
        }
    }
    let text = readme();
    let mut table: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() == 5
            && cells[1].starts_with('`')
            && found.contains_key(cells[1].trim_matches('`'))
        {
            let props = cells[2]
                .split(',')
                .map(|p| p.trim().trim_matches('*').to_string())
                .filter(|p| p.starts_with('P'))
                .collect();
            table.insert(cells[1].trim_matches('`').to_string(), props);
        }
    }
    assert_eq!(
        table, found,
        "README table (left) and `cspot bsp --variant all` (right)"
    );
}

/// A file with no assertion checks nothing: a warning naming it and exit 4, never a silent
/// 0; beside a file whose assertions hold, still 4; beside a violation, the violation's 1.
#[test]
fn a_file_with_no_assertion_is_nothing_checked() {
    let empty = "tests/data/check/nothing/no-assertion.csp";
    let (code, out, err) = cspot(&["check", empty, "--no-timings"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        err.contains("warning:") && err.contains("no-assertion.csp has no assertion"),
        "{err}"
    );
    let (code, _, err) = cspot(&["check", "specs/queue.csp", empty, "-q", "--no-timings"]);
    assert_eq!(code, 4, "{err}");
    let (code, _, _) = cspot(&["check", "specs/phils.csp", empty, "-q", "--no-timings"]);
    assert_eq!(code, 1);
    let (code, _, _) = cspot(&["check", "specs/queue.csp", "-q", "--no-timings"]);
    assert_eq!(code, 0);
}

/// `eval --tests` on a file with no test: a warning and exit 4.
#[test]
fn eval_tests_with_no_test_is_nothing_checked() {
    let (code, out, err) = cspot(&["eval", "tests/data/check/nothing/no-test.csp", "--tests"]);
    assert_eq!(code, 4, "{out}{err}");
    assert!(
        err.contains("warning:") && err.contains("nothing was checked"),
        "{err}"
    );
}

/// Shell completions for every shell clap knows, and man pages: the main one on stdout, one
/// per subcommand with `--dir`.
#[test]
fn completions_and_man_pages() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, out, err) = cspot(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(
            out.contains("cspot") && out.contains("traces"),
            "{shell}: {out}"
        );
    }
    let (code, out, _) = cspot(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(".TH cspot 1") && out.contains("check"),
        "{out}"
    );
    let dir = std::env::temp_dir().join(format!("cspot-man-{}", std::process::id()));
    let (code, _, err) = cspot(&["man", "--dir", &dir.display().to_string()]);
    assert_eq!(code, 0, "{err}");
    for page in [
        "cspot.1",
        "cspot-check.1",
        "cspot-traces-verify.1",
        "cspot-bsp.1",
    ] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap_or_default();
        assert!(text.contains(".TH"), "{page} missing or empty");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
