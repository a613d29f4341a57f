//! The README's examples run as written: every `cspot …` command (and `cargo run --release --
//! …`) of its `sh` and `console` blocks is run in a scratch directory that sees the shipped
//! `specs/`, `fixtures/`, `models/`, `tests/` and `examples/`, with this build's `cspot` on
//! the PATH. A command passes when it exits with the code its comment states (`# … (exit
//! N)`), or, without one, when it does not fail to run: no usage or input error (2), no
//! panic (101), no missing file or command (126, 127).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One example: its line in the README, the command, the exit code its comment states.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
    exit: Option<i32>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut lang: Option<String> = None;
    for (k, line) in readme.lines().enumerate() {
        if let Some(fence) = line.strip_prefix("```") {
            lang = match lang {
                Some(_) => None,
                None => Some(fence.trim().to_string()),
            };
            continue;
        }
        let Some(l) = lang.as_deref() else { continue };
        let text = match l {
            "sh" | "bash" => line,
            "console" => match line.strip_prefix("$ ") {
                Some(cmd) => cmd,
                None => continue,
            },
            _ => continue,
        };
        // A comment starts at ` #` after the command (never inside one of ours).
        let (cmd, comment) = match text.find("  #") {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        };
        let cmd = cmd.trim();
        let cmd = match cmd.strip_prefix("cargo run --release -- ") {
            Some(rest) => format!("cspot {rest}"),
            None if cmd.starts_with("cspot ") => cmd.to_string(),
            None => continue,
        };
        let exit = comment
            .find("(exit ")
            .and_then(|i| comment[i + 6..].split(')').next())
            .and_then(|n| n.trim().parse().ok());
        out.push(Example {
            line: k + 1,
            command: cmd,
            exit,
        });
    }
    out
}

/// A scratch directory that sees the shipped folders (as symbolic links), so that the
/// commands' output files land outside the repository.
fn scratch() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("cspot-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    for shipped in ["specs", "fixtures", "models", "tests", "examples"] {
        std::os::unix::fs::symlink(root.join(shipped), dir.join(shipped)).expect("symlink");
    }
    // `target/release/examples/…`: the example programs `cargo test --release` built.
    let bin = Path::new(env!("CARGO_BIN_EXE_cspot"));
    if let Some(target) = bin.parent().and_then(Path::parent) {
        std::os::unix::fs::symlink(target, dir.join("target")).expect("symlink");
    }
    dir
}

#[test]
fn every_readme_command_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let all = examples(&readme);
    assert!(
        all.len() >= 30,
        "only {} examples found in the README",
        all.len()
    );
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cspot"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = scratch();
    let mut failures = Vec::new();
    for e in &all {
        let out = Command::new("sh")
            .arg("-c")
            .arg(&e.command)
            .current_dir(&dir)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            // `~` in a command (the man pages' directory) is the scratch directory.
            .env("HOME", &dir)
            .stdin(Stdio::null())
            .output()
            .expect("sh runs");
        let code = out.status.code().unwrap_or(-1);
        let ok = match e.exit {
            Some(want) => code == want,
            None => ![2, 101, 126, 127, -1].contains(&code),
        };
        if !ok {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(4).collect();
            failures.push(format!(
                "README.md:{}: `{}` exited {code} (want {})\n    {}",
                e.line,
                e.command,
                e.exit.map_or("not 2".to_string(), |n| n.to_string()),
                tail.into_iter().rev().collect::<Vec<_>>().join("\n    ")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        failures.is_empty(),
        "{} of {} README commands fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

/// The extractor finds commands in both block kinds, strips comments and reads stated exit
/// codes (so that the test above cannot pass by finding nothing).
#[test]
fn readme_examples_are_extracted() {
    let text = "```sh\ncspot check a.csp   # the main job (exit 1)\ncargo test\n```\n\
                ```console\n$ cspot parse b.csp\nb.csp: 1 error\n```\n```text\ncspot x\n```\n";
    let got = examples(text);
    let cmds: Vec<(&str, Option<i32>)> = got.iter().map(|e| (e.command.as_str(), e.exit)).collect();
    assert_eq!(
        cmds,
        [("cspot check a.csp", Some(1)), ("cspot parse b.csp", None)]
    );
}
