//! JUnit: Jenkins' schema on the whole document and Surefire's on each suite (`xmllint`), and
//! the grouping, naming and failure bodies CI servers show.

use super::samples::samples;
use super::{PLAIN, real_runs, schema, scratch};
use crate::support::cspot;
use cspot::report::{self, Format};
use std::path::Path;
use std::process::Command;

fn xmllint() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "SKIPPED: xmllint is not installed (apt-get install libxml2-utils); JUnit not validated"
        );
    }
    ok
}

/// `xmllint --noout --schema XSD FILE`; panics with its output when the file is invalid.
fn lint(xsd: &Path, file: &Path) {
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(file)
        .output()
        .expect("xmllint runs");
    assert!(
        out.status.success(),
        "{} against {}:\n{}",
        file.display(),
        xsd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Each `<testsuite>` element of `xml` as a document of its own.
fn suites(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<testsuite ") {
        let Some(len) = rest[start..].find("</testsuite>") else {
            break;
        };
        let end = start + len + "</testsuite>".len();
        out.push(format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
            &rest[start..end]
        ));
        rest = &rest[end..];
    }
    out
}

fn validate_junit(dir: &Path, name: &str, xml: &str) {
    let (Some(jenkins), Some(surefire)) = (
        schema("jenkins-junit-10.xsd"),
        schema("surefire-test-report-3.0.xsd"),
    ) else {
        return;
    };
    let whole = dir.join(format!("{name}.xml"));
    std::fs::write(&whole, xml).expect("write");
    lint(&jenkins, &whole);
    for (i, s) in suites(xml).iter().enumerate() {
        let p = dir.join(format!("{name}.suite{i}.xml"));
        std::fs::write(&p, s).expect("write");
        lint(&surefire, &p);
    }
}

#[test]
fn formats_junit_of_every_kind_and_verdict() {
    let dir = scratch("junit-samples");
    let lint_ok = xmllint();
    for (name, report) in samples() {
        let xml = report::render(&report, Format::Junit, PLAIN);
        assert_eq!(xml, report::render(&report, Format::Junit, PLAIN), "{name}");
        let cases = xml.matches("<testcase ").count();
        assert_eq!(cases, report.results.len(), "{name}: {xml}");
        assert_eq!(
            xml.matches("<failure type=\"").count(),
            report.summary().violated,
            "{name}"
        );
        assert_eq!(
            xml.matches("<error type=\"").count(),
            report.summary().errors,
            "{name}"
        );
        assert_eq!(
            xml.matches("<skipped message=\"").count(),
            report.summary().inconclusive,
            "{name}"
        );
        assert_eq!(
            xml.matches(" time=\"").count(),
            cases + suites(&xml).len() + 1,
            "{name}"
        );
        assert!(!xml.contains('\u{1}'), "{name}: a control character");
        if lint_ok {
            validate_junit(&dir, name, &xml);
        }
    }
    // One suite per input in order, then the command's for the result without one.
    let (_, every) = samples().into_iter().next().expect("sample");
    let xml = report::render(&every, Format::Junit, PLAIN);
    let names: Vec<&str> = xml
        .split("<testsuite name=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(names, ["specs/a b.csp", "specs/other.csp", "check"]);
    // Names lose the `<input> ` prefix.
    assert!(
        xml.contains(
            "<testcase name=\"assert 1: refinement.traces &lt;title&gt; &amp; &apos;quotes&apos;\""
        ),
        "{xml}"
    );
    // The counterexample is in the failure's body.
    assert!(
        xml.contains("pickup.1.1") && xml.contains("refused: {a, b}"),
        "{xml}"
    );
}

#[test]
fn formats_junit_of_real_runs() {
    let dir = scratch("junit-real");
    let lint_ok = xmllint();
    for (name, xml) in real_runs("junit") {
        assert!(xml.contains("<testsuites"), "{name}: {xml}");
        assert!(!xml.contains(" time=\"\""), "{name}");
        if lint_ok {
            validate_junit(&dir, &name, &xml);
        }
    }
}

#[test]
fn formats_junit_names_do_not_depend_on_file_count() {
    let names = |args: &[&str]| -> Vec<String> {
        let mut argv = vec!["check"];
        argv.extend(args);
        argv.extend(["--format", "junit", "--no-timings", "-q"]);
        let (_, xml, _) = cspot(&argv);
        xml.split("<testcase name=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .map(String::from)
            .collect()
    };
    let one = names(&["specs/phils.csp"]);
    let two = names(&["specs/phils.csp", "specs/buffer.csp"]);
    assert!(!one.is_empty());
    assert_eq!(one[..], two[..one.len()]);
}
