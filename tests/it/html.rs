//! The HTML report (`--format html`): one self-contained page, safe against hostile names,
//! small at scale, deterministic, and (in headless Chromium) free of script errors with the
//! marked span and state laid out where a reader sees them.
//!
//! The reports are built by hand (`benches/support/report_synth.rs`), shaped like what the
//! commands print. Screenshots under `tests/screenshots/` are rewritten only when
//! `CSPOT_UPDATE_SCREENSHOTS=1`.

use cspot::report::{self, Format, RenderOptions, Report};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../../benches/support/report_synth.rs"]
mod report_synth;

fn html(r: &Report) -> String {
    report::render(r, Format::Html, RenderOptions::default())
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn html_pages_are_self_contained() {
    for r in [
        report_synth::csp_report(),
        report_synth::phi_report(),
        report_synth::bsp_report(),
        report_synth::many_traces(300, 3, 20),
    ] {
        let page = html(&r);
        let lower = page.to_ascii_lowercase();
        for forbidden in [
            "http://", "https://", "<link", " src=", "@import", "url(http", "//fonts",
        ] {
            assert!(
                !lower.contains(forbidden),
                "{} page contains {forbidden:?}",
                r.command
            );
        }
        // The only `url(` references are to markers inside the page.
        assert_eq!(count(&lower, "url("), count(&lower, "url(#"));
        assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert_eq!(count(&page, "<script>"), 2, "only the two inline scripts");
    }
}

#[test]
fn html_escapes_hostile_names() {
    let page = html(&report_synth::hostile_report());
    assert_eq!(count(&page, "<script"), 2, "only the page's own scripts");
    assert!(!page.contains("<img"));
    assert!(!page.contains("alert('x')"), "quotes are escaped");
    assert!(page.contains("&lt;/title&gt;&lt;script&gt;alert(&#39;x&#39;)"));
    for raw in ['\u{0}', '\u{1b}', '\u{7f}', '\u{85}', '\u{202e}'] {
        assert!(!page.contains(raw), "{raw:?} reaches the page raw");
    }
    assert!(page.contains("␀␛[31m␡\\u{85}\\u{202e}"));
    // Every element the page opens is one it meant to open: titles pair up, and the page
    // title is the escaped command.
    assert_eq!(count(&page, "<title>"), count(&page, "</title>"));
    assert!(page.contains("<title>cspot &lt;/title&gt;"));
}

#[test]
fn html_of_ten_thousand_traces_stays_under_20_mb() {
    let r = report_synth::many_traces(10_000, 100, 50);
    assert_eq!(r.summary().violated, 100);
    let page = html(&r);
    eprintln!(
        "html: 10000 traces, 100 violated with 50 spans: {} bytes",
        page.len()
    );
    assert!(page.len() < 20_000_000, "{} bytes", page.len());
    // Violations in full, the ones that hold only as rows, 200 to a page.
    assert_eq!(count(&page, "<section class=\"result "), 100);
    assert_eq!(count(&page, "data-marked=\"span\""), 100);
    assert_eq!(count(&page, "<tbody data-page="), 50);
    assert_eq!(count(&page, "<tr><td class=\"v-holds\">✓ holds"), 9_900);
}

#[test]
fn html_shows_every_verdict() {
    let mut r = report_synth::csp_report();
    r.results.extend(report_synth::phi_report().results);
    let s = r.summary();
    assert!(s.holds > 0 && s.violated > 0 && s.inconclusive > 0 && s.errors > 0);
    let page = html(&r);
    let counts = format!(
        "<td class=\"v-holds\">{}</td><td class=\"v-violated\">{}</td>\
         <td class=\"v-inconclusive\">{}</td><td class=\"v-error\">{}</td><td>{}</td>",
        s.holds,
        s.violated,
        s.inconclusive,
        s.errors,
        r.results.len()
    );
    assert!(page.contains(&counts), "the counts row");
    assert!(
        page.contains("<p class=\"overall v-error\">"),
        "errors win the headline"
    );
    for (class, word) in [
        ("v-holds", "✓ holds"),
        ("v-violated", "✗ violated"),
        ("v-inconclusive", "? inconclusive"),
        ("v-error", "⚠ error"),
    ] {
        assert!(page.contains(&format!("<tr><td class=\"{class}\">{word}</td>")));
    }
    // Sections for everything that does not hold, with the reason or message.
    assert!(page.contains("<section class=\"result v-error\""));
    assert!(page.contains("<section class=\"result v-inconclusive\""));
    assert!(page.contains("state bound reached"));
    assert!(page.contains("expected `=` after the name of a definition"));
    // Errors are listed before anything else in the results table.
    let table = &page[page.find("<table class=\"results\"").unwrap_or(0)..];
    let first_row = table.find("<tr><td class=").map(|i| &table[i..]);
    assert!(first_row.is_some_and(|row| row.starts_with("<tr><td class=\"v-error\">⚠ error</td>")));
}

#[test]
fn html_draws_csp_paths_traces_and_bsp_states() {
    let csp = html(&report_synth::csp_report());
    // The deadlock: 11 states, the last marked; the lasso's loop-back edge; the long path.
    assert_eq!(count(&csp, "data-marked=\"state\""), 3);
    assert_eq!(count(&csp, "class=\"loop-edge\""), 1);
    assert!(csp.contains("<title>Path through 141 states</title>"));
    assert!(
        csp.contains("PHIL(0) = picks.0.1 -&gt; eats.0"),
        "states on hover"
    );
    assert!(
        csp.contains("<th scope=\"col\" class=\"part\">FORK(4)</th>"),
        "and beside"
    );
    assert!(csp.contains("↻ The loop starts here"));
    let phi = html(&report_synth::phi_report());
    assert_eq!(count(&phi, "data-marked=\"span\""), 1);
    assert_eq!(count(&phi, "data-marked=\"event\""), 1);
    assert!(
        phi.contains("<li><code>payment.refunded</code></li>"),
        "allowed events"
    );
    assert!(phi.contains("the model allowed: payment.refunded | terminate"));
    assert!(
        phi.contains("propagation.server-parent"),
        "findings without a timeline"
    );
    let bsp = html(&report_synth::bsp_report());
    assert!(bsp.contains("<td class=\"part chg\" title=\"was: []\">[p1s1]</td>"));
    assert!(bsp.contains("data-marked=\"state-row\""));
}

#[test]
fn html_renders_paths_of_hundreds_of_steps() {
    let mut r = report_synth::csp_report();
    r.results.truncate(1);
    if let report::Verdict::Violated(cx) = &mut r.results[0].verdict {
        let step = cx.steps[0].clone();
        cx.steps = vec![step; 600];
    }
    let page = html(&r);
    assert_eq!(count(&page, "<g class=\"node"), 601);
    // Six states to a row: 101 rows of 100 pixels.
    assert!(page.contains("height=\"10106\""), "rows wrap");
}

#[test]
fn html_is_byte_identical_for_the_same_report_and_after_a_json_round_trip() {
    let r = report_synth::phi_report();
    let first = html(&r);
    assert_eq!(first, html(&r));
    let json = report::render(&r, Format::Json, RenderOptions::default());
    let back = report::parse_json(&json).expect("the JSON reads back");
    assert_eq!(first, html(&back));
}

// ---- Headless Chromium ----------------------------------------------------------------

const CHROMIUM: &str = "/usr/bin/chromium";

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("cspot-html-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs headless Chromium on `args` with the flags that keep it offline and quiet; gives its
/// stdout and stderr. A run past a minute is killed.
fn chromium(profile: &Path, args: &[&str]) -> (String, String) {
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes from threads, so that a chatty browser cannot block on a full pipe.
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > Duration::from_secs(60) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("chromium ran for more than a minute");
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => panic!("waiting for chromium: {e}"),
        }
    }
    (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    )
}

/// The value of attribute `name` of the element whose tag starts at `tag_start` in `dom`.
fn attribute<'a>(dom: &'a str, tag_start: usize, name: &str) -> Option<&'a str> {
    let end = dom[tag_start..].find('>')? + tag_start;
    let tag = &dom[tag_start..end];
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// Loads `report` as a page in headless Chromium with `#selftest` and checks: the page's
/// scripts ran with no uncaught error or console error, and every marked element (with
/// `expect_marked` among them) has a box inside the document and its scrolling frames.
/// Also takes a screenshot, kept under `tests/screenshots/<name>.png` when asked.
fn check_in_chromium(name: &str, report: &Report, expect_marked: &[&str]) {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("skipped: chromium not found at {CHROMIUM}");
        return;
    }
    let dir = TempDir::new(name);
    let page = dir.0.join(format!("{name}.html"));
    std::fs::write(&page, html(report)).expect("the page is written");
    let url = format!("file://{}#selftest", page.display());
    let profile = dir.0.join("profile");
    let (dom, stderr) = chromium(
        &profile,
        &[
            "--window-size=1280,1600",
            "--virtual-time-budget=3000",
            "--dump-dom",
            &url,
        ],
    );
    let html_tag = dom.find("<html").expect("chromium dumped the DOM");
    assert_eq!(
        attribute(&dom, html_tag, "data-selftest"),
        Some("ok"),
        "{name}: errors: {:?}",
        attribute(&dom, html_tag, "data-errors")
    );
    assert_eq!(attribute(&dom, html_tag, "data-script"), Some("ran"));
    for line in stderr.lines().filter(|l| l.contains(":CONSOLE")) {
        assert!(
            !line.contains("Uncaught") && !line.contains("Error"),
            "{name}: {line}"
        );
    }
    let mut seen = Vec::new();
    for (at, _) in dom.match_indices("data-marked=\"") {
        let tag_start = dom[..at].rfind('<').expect("an element");
        let kind = attribute(&dom, tag_start, "data-marked").unwrap_or("");
        let visible = attribute(&dom, tag_start, "data-visible");
        let bbox = attribute(&dom, tag_start, "data-box");
        assert_eq!(visible, Some("yes"), "{name}: marked {kind} at {bbox:?}");
        seen.push(kind.to_string());
    }
    for kind in expect_marked {
        assert!(seen.iter().any(|k| k == kind), "{name}: no {kind} marked");
    }
    let shot = dir.0.join(format!("{name}.png"));
    let _ = chromium(
        &profile,
        &[
            "--window-size=1280,1600",
            &format!("--screenshot={}", shot.display()),
            &format!("file://{}", page.display()),
        ],
    );
    let png = std::fs::read(&shot).expect("chromium wrote a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: a PNG");
    if std::env::var_os("CSPOT_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1") {
        let keep = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/screenshots")
            .join(format!("{name}.png"));
        std::fs::write(&keep, &png).expect("the screenshot is kept");
        eprintln!("updated {}", keep.display());
    }
}

#[test]
fn html_csp_check_in_chromium() {
    check_in_chromium(
        "csp-check",
        &report_synth::csp_report(),
        &["state", "state-row"],
    );
}

#[test]
fn html_trace_violation_in_chromium() {
    check_in_chromium("trace-phi", &report_synth::phi_report(), &["span", "event"]);
}

#[test]
fn html_bsp_counterexample_in_chromium() {
    check_in_chromium("bsp", &report_synth::bsp_report(), &["state-row"]);
}
