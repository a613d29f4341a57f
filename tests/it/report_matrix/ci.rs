//! The CI recipe `examples/ci/github-actions.yml`: well-formed YAML (read by PyYAML when the
//! machine has it, checked line by line otherwise) with the steps the README promises.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workflow_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ci/github-actions.yml")
}

fn workflow() -> String {
    std::fs::read_to_string(workflow_path()).expect("examples/ci/github-actions.yml")
}

/// What the recipe must do, as text: install, both checking commands with every extra
/// output, both uploads, and the final verdict on the exit codes.
#[test]
fn workflow_has_the_promised_steps() {
    let text = workflow();
    for needle in [
        "cargo install --locked --path .",
        "cargo install --locked --git ",
        "cspot check specs/*.csp --sarif cspot-check.sarif --report cspot-check.html --json cspot-check.json",
        "cspot traces verify ",
        "--model models/phi/",
        "--sarif cspot-traces.sarif --report cspot-traces.html",
        "github/codeql-action/upload-sarif@",
        "actions/upload-artifact@",
        "set +e",
        "1) ",
        "2) ",
        "3) ",
    ] {
        assert!(text.contains(needle), "the workflow lacks `{needle}`");
    }
}

/// Without a YAML parser: no tabs, indentation in steps of two, every `uses:` pinned.
#[test]
fn workflow_is_plausible_yaml_line_by_line() {
    for (i, line) in workflow().lines().enumerate() {
        let n = i + 1;
        assert!(!line.contains('\t'), "line {n}: a tab");
        let indent = line.len() - line.trim_start().len();
        assert!(indent % 2 == 0, "line {n}: odd indentation");
        if let Some(uses) = line
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses: ")
        {
            assert!(
                uses.contains('@'),
                "line {n}: `{uses}` is not pinned to a version"
            );
        }
    }
}

/// The workflow as JSON through PyYAML, or `None` (and a note) when python3 or PyYAML is
/// missing: this check then skips rather than fails.
fn parsed_with_pyyaml() -> Option<Value> {
    let script = "import json, sys, yaml\n\
                  doc = yaml.safe_load(open(sys.argv[1]))\n\
                  print(json.dumps(doc, default=str))";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(workflow_path())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && stderr.contains("No module named") {
        eprintln!("skipped: PyYAML is not installed");
        return None;
    }
    assert!(out.status.success(), "the workflow is not YAML:\n{stderr}");
    Some(serde_json::from_slice(&out.stdout).expect("PyYAML's JSON"))
}

#[test]
fn workflow_parses_as_a_github_workflow() {
    let Some(doc) = parsed_with_pyyaml() else {
        return;
    };
    // YAML 1.1 reads the key `on` as true; GitHub reads it as `on`.
    assert!(
        doc.get("on").or_else(|| doc.get("true")).is_some(),
        "no trigger: {doc}"
    );
    assert_eq!(doc["permissions"]["security-events"], "write");
    let steps = doc["jobs"]["cspot"]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let uses = |prefix: &str| {
        steps
            .iter()
            .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .count()
    };
    assert_eq!(uses("github/codeql-action/upload-sarif@"), 2);
    assert_eq!(uses("actions/upload-artifact@"), 1);
    // Uploads run whatever the checks answered; the last step alone decides the job.
    for s in &steps {
        if s["uses"].as_str().is_some_and(|u| u.contains("upload")) {
            assert!(
                s["if"].as_str().is_some_and(|c| c.contains("always()")),
                "{s}"
            );
        }
    }
    let last = steps.last().cloned().unwrap_or_default();
    let run = last["run"].as_str().unwrap_or_default();
    assert!(run.contains("exit \"$status\""), "{last}");
}
