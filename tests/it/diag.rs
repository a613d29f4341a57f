//! One renderer for every diagnostic, coloured or not (issue 11): a coloured rendering is the
//! plain one with escape codes around some of its pieces, for CSPM and OTLP alike, and
//! `--color`, `NO_COLOR` and `CLICOLOR_FORCE` decide the colour of every subcommand.

use crate::support::cases;
use cspot::cspm::source::{Diagnostic, Loader};
use cspot::cspm::{Script, ScriptErrors};
use cspot::report::snippet::{self, Level, Location, Snippet, Source};
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// `s` without its SGR escape sequences (`ESC [ params m`), the only ones cspot writes.
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\x1b[") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find(|c: char| !(c.is_ascii_digit() || c == ';')) {
            Some(j) if after[j..].starts_with('m') => rest = &after[j + 1..],
            // Not an SGR sequence: kept, so that the comparison fails on it.
            _ => {
                out.push_str("\x1b[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Runs the binary from the crate root with `env` set and every other colour variable
/// removed, so that the test sees only what it sets; gives (exit code, stdout, stderr).
fn cspot_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cspot"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("cspot runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Reads CSPM files from the file system, an include relative to its includer.
struct Files;

impl Loader for Files {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let p = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) if Path::new(path).is_relative() => dir.join(path),
            _ => PathBuf::from(path),
        };
        let bytes = std::fs::read(&p).map_err(|e| e.to_string())?;
        let name = p.to_string_lossy().into_owned();
        Ok((name, cspot::cspm::load::decode(&bytes).0))
    }
}

fn csp_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("test data")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            csp_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "csp") {
            out.push(p);
        }
    }
}

/// Every diagnostic that loading and evaluating the test files gives (parse and scope errors,
/// evaluation errors of their tests) is coloured, and is its plain rendering once the escape
/// codes are removed.
#[test]
fn real_diagnostics_strip_to_their_plain_rendering() {
    let mut files = Vec::new();
    csp_files(Path::new("tests/data"), &mut files);
    let mut seen = 0;
    let mut check = |d: &Diagnostic, map: &cspot::cspm::source::SourceMap, file: &Path| {
        let plain = d.render(map);
        let colored = d.render_styled(map, true);
        assert!(!plain.contains('\x1b'), "{}: {plain}", file.display());
        assert!(colored.contains("\x1b["), "{}: {colored}", file.display());
        assert_eq!(strip_ansi(&colored), plain, "{}", file.display());
        seen += 1;
    };
    for file in &files {
        let name = file.to_string_lossy().into_owned();
        match Script::load(&name, &mut Files) {
            Err(ScriptErrors {
                diagnostics,
                source_map,
            }) => {
                for d in &diagnostics {
                    check(d, &source_map, file);
                }
            }
            Ok(mut script) => {
                for t in script.tests() {
                    if let Err(d) = &t.result {
                        check(d, script.source_map(), file);
                    }
                }
            }
        }
    }
    assert!(seen >= 50, "only {seen} diagnostics in tests/data");
}

/// Source text with what makes drawing it hard: line endings of every kind, tabs, wide and
/// combining characters, lines longer than the window, escape sequences and controls.
fn source_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => "[a-z ]{1,8}",
        3 => Just("\n".to_string()),
        1 => Just("\r\n".to_string()),
        1 => Just("\r".to_string()),
        1 => Just("\t".to_string()),
        1 => Just("中文".to_string()),
        1 => Just("e\u{301}".to_string()),
        1 => Just("\x1b[2J\x07".to_string()),
        1 => Just("\u{202e}".to_string()),
        1 => Just("z".repeat(1200)),
        1 => Just("\n".repeat(65)),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

fn words() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "[a-z `()]{0,20}",
        Just("two\nlines".to_string()),
        Just("an \x1b[31mescape".to_string()),
        Just("long help text to wrap ".repeat(8)),
    ])
}

proptest! {
    #![proptest_config(cases(500))]

    /// Any diagnostic, coloured, strips to its plain rendering, which has no escape at all
    /// (what came from the file is escaped).
    #[test]
    fn colour_only_decorates(
        text in source_text(),
        a in any::<prop::sample::Index>(),
        b in any::<prop::sample::Index>(),
        warning in any::<bool>(),
        message in "[a-z `\x1b]{0,30}",
        label in words(),
        help in words(),
        first_line in 0usize..100_000,
    ) {
        let (a, b) = (a.index(text.len() + 1), b.index(text.len() + 1));
        let snippet = Snippet {
            level: if warning { Level::Warning } else { Level::Error },
            message: &message,
            location: Some(Location {
                file: "f\x1b.csp",
                line: first_line + 1,
                col: 1,
                source: Some(Source {
                    text: &text,
                    first_line,
                    span: a.min(b)..a.max(b),
                }),
            }),
            label: label.as_deref(),
            help: help.as_deref(),
        };
        let plain = snippet::render(&snippet, false);
        let colored = snippet::render(&snippet, true);
        prop_assert!(!plain.contains('\x1b'), "{}", plain);
        prop_assert_eq!(strip_ansi(&colored), plain);
    }
}

const BROKEN: &str = "tests/data/parse/recovery.csp";

/// `--color always` colours the whole diagnostic, snippet, caret, label and help included,
/// even into a pipe, and strips to `--color never`, which is what a pipe gets by default.
#[test]
fn parse_colours_the_whole_diagnostic_on_request() {
    let (code, _, colored) = cspot_env(&["parse", BROKEN, "--color", "always"], &[]);
    assert_eq!(code, 2, "{colored}");
    let plain = strip_ansi(&colored);
    for part in [
        "recovery.csp:4:15: error: expected `)`",
        "   ╭─[tests/data/parse/recovery.csp:4:15]",
        " 4 │ P = a -> (STOP",
        "   ·               ┬",
        "   ·               ╰── unexpected end of line",
        "  help: the `(` at 4:10 is not closed",
    ] {
        assert!(plain.contains(part), "{part:?} missing from\n{plain}");
    }
    assert!(colored.contains("\x1b[1;31merror:\x1b[0m"), "{colored:?}");
    assert!(colored.contains("\x1b[1;36mhelp:\x1b[0m"), "{colored:?}");
    let (code, _, never) = cspot_env(&["parse", BROKEN, "--color", "never"], &[]);
    assert_eq!(code, 2);
    assert!(!never.contains('\x1b'), "{never}");
    assert_eq!(plain, never);
    let (_, _, default) = cspot_env(&["parse", BROKEN], &[]);
    assert_eq!(default, never, "a pipe is not coloured by default");
    // The flag is global: before the subcommand too.
    let (_, _, before) = cspot_env(&["--color=always", "parse", BROKEN], &[]);
    assert_eq!(before, colored);
}

/// `auto` follows the environment: `NO_COLOR` present and not empty turns colour off (it
/// would be off in a pipe anyway), `CLICOLOR_FORCE` turns it on in a pipe, and `NO_COLOR`
/// wins; an empty `NO_COLOR` is as good as none. An explicit `--color` beats both.
#[test]
fn auto_follows_no_color_and_clicolor_force() {
    let colored = |env: &[(&str, &str)], choice: &str| {
        let (code, _, err) = cspot_env(&["parse", BROKEN, "--color", choice], env);
        assert_eq!(code, 2, "{err}");
        err.contains('\x1b')
    };
    assert!(!colored(&[("NO_COLOR", "1")], "auto"));
    assert!(colored(&[("CLICOLOR_FORCE", "1")], "auto"));
    assert!(colored(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")],
        "auto"
    ));
    assert!(!colored(
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        "auto"
    ));
    assert!(!colored(&[("CLICOLOR_FORCE", "0")], "auto"));
    assert!(colored(&[("NO_COLOR", "1")], "always"));
    assert!(!colored(&[("CLICOLOR_FORCE", "1")], "never"));
    let (code, _, err) = cspot_env(&["parse", BROKEN, "--color", "sometimes"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("--color"), "{err}");
}

/// Every subcommand takes `--color`; the human report and the trace trees on stdout, and
/// diagnostics of every command on stderr, are coloured with `always` and not with `never`.
#[test]
fn every_subcommand_takes_color() {
    let (_, json, _) = cspot_env(&["check", "specs/buffer.csp", "-q", "--format=json"], &[]);
    let saved = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diag-color-report.json");
    std::fs::write(&saved, json).expect("write the report");
    let saved = saved.to_string_lossy().into_owned();
    let runs: [(&[&str], bool); 9] = [
        (&["check", "specs/buffer.csp", "-q", "--no-timings"], true),
        (
            &["eval", "tests/data/eval/err_overflow.csp", "--tests"],
            false,
        ),
        (&["fmt", "tests/data/parse/ok_asserts.csp"], false),
        (&["lts", "specs/buffer.csp", "NOPE"], false),
        (
            &[
                "traces",
                "check",
                "fixtures/otlp/cycle.json",
                "--no-timings",
            ],
            true,
        ),
        (
            &[
                "traces",
                "tree",
                "fixtures/otlp/child-ends-after-parent.json",
            ],
            true,
        ),
        (&["bsp", "--list-variants"], false),
        (&["report", &saved, "--no-timings"], true),
        (&["parse", "specs/buffer.csp"], false),
    ];
    for (args, stdout_colored) in runs {
        let mut never = args.to_vec();
        never.extend(["--color", "never"]);
        let (code, out, err) = cspot_env(&never, &[]);
        assert!(
            !err.contains("unexpected argument") && code != 101,
            "{args:?}: exit {code}\n{err}"
        );
        assert!(!out.contains('\x1b') && !err.contains('\x1b'), "{args:?}");
        let mut always = args.to_vec();
        always.extend(["--color", "always"]);
        let (code2, out2, err2) = cspot_env(&always, &[]);
        assert_eq!(code, code2, "{args:?}");
        assert_eq!(out2.contains('\x1b'), stdout_colored, "{args:?}: {out2}");
        assert_eq!(strip_ansi(&out2), out, "{args:?}");
        assert_eq!(strip_ansi(&err2), err, "{args:?}");
    }
}

/// A JSON dump's read error is drawn as a CSPM error is, by the same renderer: the position
/// first, the lines around it, a caret under the column.
#[test]
fn an_otlp_read_error_is_drawn_like_a_cspm_one() {
    let args = ["traces", "check", "fixtures/otlp/malformed.json"];
    let (code, _, never) = cspot_env(&[&args[..], &["--color", "never"]].concat(), &[]);
    assert_eq!(code, 2, "{never}");
    let (_, _, always) = cspot_env(&[&args[..], &["--color", "always"]].concat(), &[]);
    assert!(always.contains('\x1b'), "{always}");
    assert_eq!(strip_ansi(&always), never);
    insta::assert_snapshot!("otlp_read_error", never);
}
