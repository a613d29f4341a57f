//! Where a SARIF result points: locations turned into physical locations with a
//! region (code-scanning UIs reject a location without one), and file names turned into URI
//! references. It only formats; it must not look at the file system.

use crate::report::Location;
use serde_json::{Value, json};

/// A physical location for `source`; line 1 when the line is not known, since GitHub
/// requires a region.
pub fn physical(source: &Location) -> Value {
    let mut region = json!({ "startLine": source.line.filter(|&l| l > 0).unwrap_or(1) });
    if let Some(c) = source.col.filter(|&c| c > 0) {
        region["startColumn"] = json!(c);
    }
    json!({
        "artifactLocation": { "uri": uri(&source.file) },
        "region": region,
    })
}

/// A file name as a relative (or absolute-path) URI reference: bytes outside the unreserved
/// set and `/` are percent-encoded, so that a space, a colon or `<stdin>` still gives a valid
/// `uri-reference`. Backslashes become slashes (a Windows path is still a path).
pub fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for b in file.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            b'\\' => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.is_empty() {
        // An empty reference would point at the log itself.
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_of_every_shape_get_a_region() {
        assert_eq!(
            physical(&Location::at("specs/a.csp", 3, 7)),
            json!({"artifactLocation": {"uri": "specs/a.csp"}, "region": {"startLine": 3, "startColumn": 7}})
        );
        assert_eq!(
            physical(&Location::line("d.json", 12))["region"],
            json!({"startLine": 12})
        );
        assert_eq!(
            physical(&Location::file("d.json"))["region"],
            json!({"startLine": 1})
        );
        assert_eq!(
            physical(&Location::byte("d.pb", 40))["artifactLocation"]["uri"],
            "d.pb"
        );
        assert_eq!(uri("my dir/<stdin>:x"), "my%20dir/%3Cstdin%3E%3Ax");
    }
}
