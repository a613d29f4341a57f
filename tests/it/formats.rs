//! Reports (issue 10): SARIF and JUnit as CI systems read them. Every SARIF document produced
//! here (hand-built reports of every kind and verdict, and real runs of the binary) is checked
//! against the OASIS schema with `jsonschema` and by Microsoft's SARIF multitool with GitHub's
//! ingestion rules; every JUnit document against Jenkins' schema whole and Surefire's per suite
//! with `xmllint`. The schemas live in `../shared/schemas` and the tools outside the project:
//! a check whose schema or tool is missing says so on stderr and is skipped.

mod junit;
mod samples;
mod sarif;

use crate::support::cspot;
use cspot::report::RenderOptions;
use std::path::{Path, PathBuf};

pub const PLAIN: RenderOptions = RenderOptions {
    timings: false,
    color: false,
};

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/schemas/NAME`, or `None` (said on stderr) when the schemas are not there.
pub fn schema(name: &str) -> Option<PathBuf> {
    let p = root().join("../shared/schemas").join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; schema validation not run",
            p.display()
        );
        None
    }
}

/// A fresh directory for the files a test writes.
pub fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("formats")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch directory");
    d
}

// ---------------------------------------------------------------------------------------------
// Real runs of the binary.

/// Runs of every command over the project's specs, models and fixtures in `format`, each
/// with a name for messages and files. The two acceptance BSP models take minutes and are left
/// to the bsp tests; `--max-states` runs give inconclusive results.
pub fn real_runs(format: &str) -> Vec<(String, String)> {
    let mut runs: Vec<(String, Vec<String>)> = Vec::new();
    let files = |dir: &str, ext: &str| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root().join(dir))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(ext))
                    .map(|n| format!("{dir}/{n}"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    let specs = files("specs", ".csp");
    let mut all = vec!["check".to_string()];
    all.extend(specs.iter().cloned());
    runs.push(("check-all".into(), all));
    for s in &specs {
        runs.push((
            format!("check-{}", s.replace('/', "_")),
            vec!["check".into(), s.clone()],
        ));
    }
    runs.push((
        "check-bounded".into(),
        vec![
            "check".into(),
            "specs/phils.csp".into(),
            "--max-states".into(),
            "3".into(),
        ],
    ));
    for m in files("models/bsp", ".toml") {
        if m.contains("acceptance") {
            continue;
        }
        runs.push((
            format!("bsp-{}", m.replace('/', "_")),
            vec!["bsp".into(), m.clone(), "--variant".into(), "all".into()],
        ));
    }
    runs.push((
        "bsp-bounded".into(),
        vec![
            "bsp".into(),
            "models/bsp/small.toml".into(),
            "--variant".into(),
            "all".into(),
            "--max-states".into(),
            "50".into(),
        ],
    ));
    for f in files("fixtures/otlp", "") {
        if f.ends_with(".expect") || f.ends_with(".args") {
            continue;
        }
        let mut args = vec!["traces".to_string(), "check".into()];
        if let Ok(extra) = std::fs::read_to_string(root().join(format!("{f}.args"))) {
            args.extend(extra.split_whitespace().map(String::from));
        }
        args.push(f.clone());
        runs.push((format!("traces-{}", f.replace('/', "_")), args));
    }
    let mut verify = vec![
        "traces".to_string(),
        "verify".into(),
        "--model".into(),
        "models/phi/checkout.toml".into(),
    ];
    verify.extend(files("fixtures/phi/checkout", ".json"));
    runs.push(("verify-checkout".into(), verify));
    runs.into_iter()
        .map(|(name, mut args)| {
            args.extend([
                "--format".into(),
                format.into(),
                "--no-timings".into(),
                "-q".into(),
            ]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, out, err) = cspot(&argv);
            assert!((0..=3).contains(&code), "{name}: exit {code}: {err}");
            assert!(!out.is_empty(), "{name}: no output; stderr: {err}");
            (name, out)
        })
        .collect()
}

#[test]
fn formats_reruns_are_byte_identical() {
    for args in [
        &["check", "specs/phils.csp", "specs/buffer.csp"][..],
        &["bsp", "models/bsp/small.toml", "--variant", "all"][..],
        &[
            "traces",
            "verify",
            "--model",
            "models/phi/checkout.toml",
            "fixtures/phi/checkout/synth-bad-wrong-parent.json",
        ][..],
    ] {
        for format in ["sarif", "junit"] {
            let mut argv = args.to_vec();
            argv.extend(["--format", format, "--no-timings", "-q"]);
            let (_, a, _) = cspot(&argv);
            let (_, b, _) = cspot(&argv);
            assert_eq!(a, b, "{argv:?}");
        }
    }
}
