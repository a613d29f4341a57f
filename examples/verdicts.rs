//! Reads a `cspot ... --format json` report on stdin and prints one line per result:
//! `source<TAB>verdict<TAB>reason` (tabs and newlines in the reason become spaces). The
//! conformance scripts read verdicts with it, so they need nothing beyond cargo.
//! Exits 1 when stdin is not a JSON report.

use std::io::Read;

fn main() {
    let mut text = String::new();
    if std::io::stdin().read_to_string(&mut text).is_err() {
        std::process::exit(1);
    }
    let Ok(report) = serde_json::from_str::<serde_json::Value>(&text) else {
        std::process::exit(1);
    };
    let Some(results) = report["results"].as_array() else {
        std::process::exit(1);
    };
    let field = |r: &serde_json::Value, k: &str| {
        r[k].as_str()
            .unwrap_or_default()
            .replace(['\t', '\n', '\r'], " ")
    };
    for r in results {
        println!(
            "{}\t{}\t{}",
            field(r, "source"),
            field(r, "verdict"),
            field(r, "reason")
        );
    }
}
