//! Reproducers for the CSPM front end and the CLI's file reads (issue 14): endless and
//! oversized files, long operator chains, line endings, huge string literals, large sets.

use super::{Ended, capped, scratch_dir};
use std::path::Path;
use std::time::Duration;

const MIB: u64 = 1 << 20;

/// Runs `args` in `dir` and asserts a quick, small error that says `needle`.
fn refused(dir: &Path, args: &[&str], needle: &str) -> Ended {
    let e = capped(dir, args, Duration::from_secs(30));
    e.assert_bounded(&args.join(" "));
    assert_eq!(e.code, 2, "{args:?}: {}", e.stderr);
    e.assert_within(
        Duration::from_secs(2),
        Duration::from_secs(3),
        &args.join(" "),
    );
    // Small, but a nesting error has grown the parser's stack to its limit first.
    e.assert_memory(256 * MIB, &args.join(" "));
    let said = format!("{}{}", e.stdout, e.stderr);
    assert!(said.contains(needle), "{args:?}: no `{needle}` in\n{said}");
    e
}

#[test]
fn an_endless_device_is_refused_by_every_reader() {
    let dir = scratch_dir("dev-zero");
    std::fs::write(dir.join("inc.csp"), "include \"/dev/zero\"\nP = STOP\n").unwrap();
    std::fs::write(
        dir.join("phi.toml"),
        "spec = \"/dev/zero\"\nsystem = \"P\"\n",
    )
    .unwrap();
    let device = "/dev/zero is a character device, not a regular file";
    refused(
        &dir,
        &["parse", "/dev/zero"],
        "a character device, not a regular file",
    );
    refused(&dir, &["fmt", "/dev/zero"], device);
    refused(
        &dir,
        &["check", "/dev/zero"],
        "a character device, not a regular file",
    );
    refused(
        &dir,
        &["parse", "inc.csp"],
        "cannot include `/dev/zero`: a character device",
    );
    refused(&dir, &["bsp", "/dev/zero"], device);
    refused(&dir, &["report", "/dev/zero"], device);
    refused(
        &dir,
        &["traces", "verify", "-m", "/dev/zero", "x.json"],
        device,
    );
}

#[test]
fn a_source_over_the_cap_is_refused_before_it_is_read() {
    let dir = scratch_dir("big-source");
    // Sparse: 300 MiB of length, no disk and no time to write.
    let f = std::fs::File::create(dir.join("big.csp")).unwrap();
    f.set_len(300 * MIB).unwrap();
    std::fs::write(dir.join("inc.csp"), "include \"big.csp\"\n").unwrap();
    let f = std::fs::File::create(dir.join("big.toml")).unwrap();
    f.set_len(17 * MIB).unwrap();
    let cap = "larger than the largest source file cspot reads (256 MiB)";
    refused(&dir, &["parse", "big.csp"], cap);
    refused(&dir, &["parse", "inc.csp"], cap);
    refused(&dir, &["bsp", "big.toml"], "(16 MiB)");
}

/// A script with `P = body` and a deadlock check of it.
fn script(body: &str) -> String {
    format!(
        "channel c : {{0..99999}}\nchannel a\nN = {body}\nP = a -> STOP\nassert P :[deadlock free]\n"
    )
}

fn chain(n: usize, term: impl Fn(usize) -> String, op: &str) -> String {
    (0..n).map(term).collect::<Vec<_>>().join(op)
}

#[test]
fn a_flat_chain_of_513_terms_is_read_as_fdr_reads_it() {
    let dir = scratch_dir("chain-513");
    let plus = chain(513, |_| "1".into(), " + ");
    let choice = chain(513, |i| format!("c.{i} -> STOP"), " [] ");
    let prefix = format!("{}STOP", "a -> ".repeat(513));
    for (name, body) in [("plus", &plus), ("choice", &choice), ("prefix", &prefix)] {
        let file = format!("{name}.csp");
        std::fs::write(dir.join(&file), script(body)).unwrap();
        let e = capped(&dir, &["parse", &file], Duration::from_secs(30));
        assert_eq!(e.code, 0, "{name}: {}", e.stderr);
    }
    std::fs::write(dir.join("sum.csp"), format!("x = {plus}\n")).unwrap();
    let e = capped(&dir, &["eval", "sum.csp", "x"], Duration::from_secs(30));
    assert_eq!((e.code, e.stdout.trim()), (0, "513"), "{}", e.stderr);
}

#[test]
fn real_nesting_past_the_limit_is_still_an_error() {
    let dir = scratch_dir("nest-513");
    let body = format!("{}1{}", "(".repeat(600), ")".repeat(600));
    std::fs::write(dir.join("n.csp"), format!("x = {body}\n")).unwrap();
    refused(&dir, &["parse", "n.csp"], "too deep");
}

/// Every stage on a 100,000-term chain: parse (with the scope check), the formatter and its
/// round trip, evaluation and a check.
#[test]
fn chains_of_100k_terms_go_through_every_stage() {
    const N: usize = 100_000;
    let dir = scratch_dir("chain-100k");
    let plus = chain(N, |_| "1".into(), " + ");
    let choice = chain(N, |i| format!("c.{i} -> STOP"), " [] ");
    let prefix = format!("{}STOP", "a -> ".repeat(N));
    for (name, body) in [("plus", &plus), ("choice", &choice), ("prefix", &prefix)] {
        let file = format!("{name}.csp");
        let text = if name == "plus" {
            format!("N = {body}\nassert N == 100000\n")
        } else {
            format!("channel c : {{0..99999}}\nchannel a\nN = {body}\nassert N :[deadlock free]\n")
        };
        std::fs::write(dir.join(&file), text).unwrap();
        for args in [
            vec!["parse", &file],
            vec!["fmt", "--verify", &file],
            vec!["check", &file],
        ] {
            let e = capped(&dir, &args, Duration::from_secs(60));
            let what = format!("{name}: {}", args.join(" "));
            assert!(
                e.code <= 3,
                "{what}: exit {} ({:.2?})\n{}",
                e.code,
                e.wall,
                e.stderr
            );
            assert!(!e.stderr.contains("too deep"), "{what}: {}", e.stderr);
            e.assert_within(Duration::from_secs(10), Duration::from_secs(5), &what);
            e.assert_memory(1 << 30, &what);
            match (name, args[0]) {
                (_, "parse") | (_, "fmt") => assert_eq!(e.code, 0, "{what}: {}", e.stderr),
                ("plus", _) => assert_eq!(e.code, 0, "{what}: {}", e.stdout),
                // Each branch ends in STOP: a deadlock, found after one event.
                _ => assert_eq!(e.code, 1, "{what}: {}{}", e.stdout, e.stderr),
            }
        }
    }
}

/// The choice's initial transitions are built once, not once per prefix of the chain, and
/// the check ends within a second of its time limit whatever it was doing.
#[test]
fn a_100k_branch_choice_ends_within_its_timeout() {
    let dir = scratch_dir("choice-timeout");
    let choice = chain(100_000, |i| format!("c.{i} -> STOP"), " [] ");
    std::fs::write(
        dir.join("c.csp"),
        format!(
            "channel c : {{0..99999}}\nN = {choice}\nassert N [T= N\nassert N :[deadlock free]\n"
        ),
    )
    .unwrap();
    let e = capped(
        &dir,
        &["check", "--timeout", "2", "c.csp"],
        Duration::from_secs(60),
    );
    // Both assertions are decided (about 1.2 s alone on one core): N [T= N holds, N deadlocks.
    assert_eq!(e.code, 1, "exit {}: {}{}", e.code, e.stdout, e.stderr);
    // Parsing and evaluating the 3 MB script is outside the check's clock, and the other
    // tests share the cores: 3 s of slack rather than 1.
    e.assert_within(
        Duration::from_secs(2),
        Duration::from_secs(3),
        "100k choice",
    );
}

/// One error in a file with LF, CRLF and CR line endings: one position.
#[test]
fn crlf_cr_and_lf_files_give_one_position() {
    let dir = scratch_dir("line-endings");
    let lines = [
        "-- a comment",
        "channel a",
        "",
        "P = a -> STOP",
        "Q = a -> -> STOP",
        "R = P",
    ];
    let mut seen = Vec::new();
    for (name, eol) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        let file = format!("{name}.csp");
        std::fs::write(dir.join(&file), lines.join(eol) + eol).unwrap();
        let e = capped(&dir, &["parse", &file], Duration::from_secs(20));
        assert_eq!(e.code, 2, "{name}: {}", e.stderr);
        let first = e.stderr.lines().next().unwrap_or("").to_string();
        let pos = first
            .strip_prefix(&format!("{file}:"))
            .and_then(|r| r.split(": ").next())
            .unwrap_or("")
            .to_string();
        assert_eq!(pos, "5:10", "{name}: {first}");
        seen.push((name, pos, e.stderr.matches("error:").count()));
    }
    assert!(seen.iter().all(|s| s.2 == seen[0].2), "{seen:?}");
}

/// A string literal costs about a byte per character to read and check, not a value per
/// character.
#[test]
fn a_64_mb_string_literal_parses_and_checks_in_bounded_memory() {
    let dir = scratch_dir("string-literal");
    let size = 64 * MIB as usize;
    let mut text = String::with_capacity(size + 64);
    text.push_str("s = \"");
    text.extend(std::iter::repeat_n('x', size));
    text.push_str("\"\nn = 1\n");
    std::fs::write(dir.join("s.csp"), &text).unwrap();
    drop(text);
    let e = capped(&dir, &["parse", "s.csp"], Duration::from_secs(60));
    assert_eq!(e.code, 0, "{}", e.stderr);
    // The file, its decoded text, the literal's value in the tree and in the lowered program.
    e.assert_memory(8 * 64 * MIB, "64 MB literal");
    let e = capped(&dir, &["eval", "s.csp", "n"], Duration::from_secs(60));
    assert_eq!(e.code, 0, "{}", e.stderr);
    e.assert_memory(8 * 64 * MIB, "64 MB literal, evaluation of another name");
}

/// A finite set too large to enumerate is called what it is.
#[test]
fn a_large_finite_set_is_not_called_infinite() {
    let dir = scratch_dir("large-set");
    std::fs::write(
        dir.join("s.csp"),
        "S = {0..20000000}\nchannel c : {0..20000000}\nT = Set({0..40})\n",
    )
    .unwrap();
    for (expr, needle) in [
        ("seq(S)", "20000001 elements"),
        ("<x | x <- S>", "20000001 elements"),
        ("extensions(c)", "20000001 elements"),
        ("seq(T)", "2199023255552 elements"),
    ] {
        let e = capped(&dir, &["eval", "s.csp", expr], Duration::from_secs(30));
        assert_eq!(e.code, 2, "{expr}: {}", e.stdout);
        assert!(!e.stderr.contains("infinite"), "{expr}: {}", e.stderr);
        assert!(e.stderr.contains(needle), "{expr}: {}", e.stderr);
    }
    let e = capped(&dir, &["eval", "s.csp", "card(S)"], Duration::from_secs(30));
    assert_eq!((e.code, e.stdout.trim()), (0, "20000001"), "{}", e.stderr);
    let e = capped(
        &dir,
        &["eval", "s.csp", "seq({0..})"],
        Duration::from_secs(30),
    );
    assert!(e.stderr.contains("infinite"), "{}", e.stderr);
}
