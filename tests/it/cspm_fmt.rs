//! `cspot fmt` with comments: the laws every formatting keeps (no comment lost, the same tree,
//! idempotent), checked on the data cases of tests/data/fmt (input `NAME.csp`, output
//! `NAME.expected` beside it), on every CSPM file the repository ships, on generated files
//! with comments at random token boundaries, and through the binary (many files, `--check`,
//! `--write`, `--verify`).

use std::path::{Path, PathBuf};

use cspot::cspm::ast::Interner;
use cspot::cspm::lexer::{self, Tok};
use cspot::cspm::parser::parse_with_comments;
use cspot::cspm::pretty;
use cspot::cspm::source::FileId;
use proptest::prelude::*;

use crate::cspm_parse::generate;
use crate::support::{cases, cspot_in};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Formats `text`, which must parse without errors, and checks the laws: the output parses to
/// the same tree (spans aside), has the same comments ([`pretty::comment_texts`]), and formats
/// to itself. Gives the output and the number of comments.
fn fmt_law(text: &str, what: &str) -> (String, usize) {
    let mut int = Interner::default();
    let (module, diags, comments) = parse_with_comments(FileId(0), text, &mut int);
    assert!(diags.is_empty(), "{what}: {diags:?}");
    let out = pretty::module_with_comments(&module, &int, text, &comments);
    if let Err(e) = pretty::verify(&module, text, &comments, &out, FileId(1), &mut int) {
        panic!("{what}: {e}\n--- input\n{text}\n--- formatted\n{out}");
    }
    (out, comments.len())
}

// ----- data cases -----

#[test]
fn data_cases_format_to_their_expected_text() {
    let dir = Path::new(ROOT).join("tests/data/fmt");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/data/fmt")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csp"))
        .collect();
    names.sort();
    assert!(names.len() >= 5, "the fmt data folder lost its cases");
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let (out, n) = fmt_law(&text, &name);
        assert!(n > 0, "{name}: a case without comments");
        let expected = path.with_extension("expected");
        // `CSPOT_UPDATE_EXPECT=1` writes the expected texts anew (then review the diff).
        if std::env::var_os("CSPOT_UPDATE_EXPECT").is_some() {
            std::fs::write(&expected, &out).unwrap();
        }
        let want = std::fs::read_to_string(&expected)
            .unwrap_or_else(|e| panic!("{}: {e}", expected.display()));
        assert_eq!(
            out, want,
            "{name}: formatted text differs from {name:?}.expected"
        );
    }
}

// ----- what the formatter must do with comments, case by case -----

/// The formatted text of `text` (which must keep the laws).
fn fmt(text: &str) -> String {
    fmt_law(text, text).0
}

#[test]
fn comments_above_beside_and_after_declarations_stay_there() {
    assert_eq!(
        fmt("-- top\nP = STOP   -- beside\n\n\n\n-- above Q\nQ = P\n-- at the end"),
        "-- top\nP = STOP -- beside\n\n-- above Q\nQ = P\n-- at the end\n"
    );
    // A file of comments only; an empty file stays empty.
    assert_eq!(fmt("{- a -}\n\n\n-- b"), "{- a -}\n\n-- b\n");
    assert_eq!(fmt(""), "");
}

#[test]
fn a_line_comment_inside_a_declaration_is_always_followed_by_a_soaked_line_break() {
    // After `[]` a line break is soaked up: the comment goes there.
    assert_eq!(
        fmt("P = a -> STOP -- one\n  [] b -> STOP"),
        "P = a -> STOP [] -- one\n  b -> STOP\n"
    );
    // After `f` a line break would end the declaration: the comment goes after the `.`.
    assert_eq!(fmt("x = f -- c\n  .g"), "x = f. -- c\n  g\n");
    // A one-line block comment stays inline where no break may go.
    assert_eq!(fmt("x = f{- c -}(1)"), "x = f({- c -} 1)\n");
    // Where no point inside is left, at the end of the declaration's last line.
    assert_eq!(fmt("x = (1 -- one\n )\ny = 2"), "x = 1 -- one\n\ny = 2\n");
}

#[test]
fn line_endings_trailing_spaces_and_a_byte_order_mark() {
    // CRLF and CR count as one line break each; the output is LF; a `--` comment loses its
    // trailing whitespace; the line breaks inside a block comment become LF.
    assert_eq!(
        fmt("\u{feff}-- a  \r\n\r\nP = STOP {- x\r\n y -}\rQ = P\r"),
        "-- a\n\nP = STOP {- x\n y -}\n\nQ = P\n"
    );
}

#[test]
fn the_lexer_records_comments_with_their_spans() {
    let text = "x = 1 -- one\n\n{- two {- nested -} -}\ny = {- three -} 2";
    let lexed = lexer::lex(FileId(0), text);
    let got: Vec<(&str, bool, u8)> = lexed
        .comments
        .iter()
        .map(|c| {
            (
                &text[c.start as usize..c.end as usize],
                c.block,
                c.breaks_before,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("-- one", false, 0),
            ("{- two {- nested -} -}", true, 2),
            ("{- three -}", true, 0),
        ]
    );
    // The tokens are those of the text without its comments.
    let kinds = |t: &str| -> Vec<Tok> {
        lexer::lex(FileId(0), t)
            .tokens
            .iter()
            .map(|t| t.kind)
            .collect()
    };
    assert_eq!(kinds(text), kinds("x = 1\n\ny = 2"));
}

// ----- every CSPM file of the repository -----

/// Every `.csp` file under `dir`, recursively.
fn csp_files(dir: &Path, into: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            csp_files(&p, into);
        } else if p.extension().is_some_and(|x| x == "csp") {
            into.push(p);
        }
    }
}

#[test]
fn every_shipped_cspm_file_formats_with_its_comments_and_round_trips() {
    let mut files = Vec::new();
    csp_files(&Path::new(ROOT).join("specs"), &mut files);
    csp_files(&Path::new(ROOT).join("tests/data"), &mut files);
    files.sort();
    let (mut checked, mut comments) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let (text, _) = cspot::cspm::load::decode(&bytes);
        let mut int = Interner::default();
        let (_, diags, _) = parse_with_comments(FileId(0), &text, &mut int);
        if !diags.is_empty() {
            // The parser's error cases.
            continue;
        }
        let (_, n) = fmt_law(&text, &path.display().to_string());
        checked += 1;
        comments += n;
    }
    assert!(checked >= 100, "only {checked} files checked");
    assert!(comments >= 300, "only {comments} comments met");
}

/// The reference corpus (read-only, outside the repository), when it is there: every file
/// that parses formats with all its comments and round-trips.
#[test]
fn the_reference_corpus_formats_with_its_comments_when_present() {
    let corpus = Path::new(ROOT).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return;
    }
    let mut files = Vec::new();
    csp_files(&corpus, &mut files);
    files.sort();
    let mut checked = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let (text, _) = cspot::cspm::load::decode(&bytes);
        let mut int = Interner::default();
        let (_, diags, _) = parse_with_comments(FileId(0), &text, &mut int);
        if diags.is_empty() {
            fmt_law(&text, &path.display().to_string());
            checked += 1;
        }
    }
    assert!(checked > 0);
}

// ----- generated files with comments -----

/// Where a comment goes between two tokens, and what it is.
const SHAPES: [&str; 6] = [
    " {- c# -} ",
    " -- c#\n",
    "\n-- c#\n",
    "\n\n-- c#\n\n",
    " {- c#\n  {- nested -} over lines -}\n",
    "{- c# -}",
];

/// `text` with a comment (`SHAPES[shape]`, numbered) inserted before token `at` (an index into
/// the tokens, `Eof` included) for each `(at, shape)`. A comment with a line break goes only
/// where the lexer soaks the break up or a line already ends, so the tree stays the same;
/// elsewhere a one-line block comment goes instead.
fn insert_comments(text: &str, inserts: &[(prop::sample::Index, usize)]) -> String {
    let toks = lexer::lex(FileId(0), text).tokens;
    let mut at: Vec<(usize, usize, String)> = Vec::new();
    for (n, (idx, shape)) in inserts.iter().enumerate() {
        let k = idx.index(toks.len());
        let (pos, breakable) = if k == 0 {
            (0, true)
        } else {
            let (prev, next) = (toks[k - 1], toks[k]);
            let prev_soaks = lexer::soaks_after(prev.kind)
                || (prev.kind == Tok::Prop && prev.text(text).ends_with(':'));
            let breakable = prev_soaks
                || lexer::soaks_before(next.kind)
                || matches!(next.kind, Tok::Newline | Tok::Eof);
            (prev.end as usize, breakable)
        };
        let shape = if breakable || *shape == 0 || *shape == 5 {
            SHAPES[*shape]
        } else {
            SHAPES[0]
        };
        at.push((pos, n, shape.replace('#', &n.to_string())));
    }
    at.sort();
    let mut out = String::new();
    let mut from = 0;
    for (pos, _, c) in at {
        out.push_str(&text[from..pos]);
        out.push_str(&c);
        from = pos;
    }
    out.push_str(&text[from..]);
    out
}

proptest! {
    #![proptest_config(cases(512))]

    /// Comments at random token boundaries of a generated file: the commented file parses to
    /// the generated tree, and formatting it keeps every comment, the tree, and is idempotent.
    #[test]
    fn generated_files_with_comments_format_and_keep_them(
        module in generate::module(),
        inserts in proptest::collection::vec((any::<prop::sample::Index>(), 0..SHAPES.len()), 0..10),
    ) {
        let int = generate::interner();
        let plain = pretty::module(&module, &int);
        let text = insert_comments(&plain, &inserts);
        let mut int2 = int.clone();
        let (mut parsed, diags, comments) = parse_with_comments(FileId(0), &text, &mut int2);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, text);
        prop_assert_eq!(comments.len(), inserts.len(), "{}", text);
        parsed.erase_spans();
        prop_assert_eq!(&parsed, &module, "{}", text);
        fmt_law(&text, "generated file");
    }
}

/// The shipped CSPM files that parse without errors, with their texts.
fn parsing_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    csp_files(&Path::new(ROOT).join("specs"), &mut files);
    csp_files(&Path::new(ROOT).join("tests/data"), &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let (text, _) = cspot::cspm::load::decode(&std::fs::read(&path).ok()?);
            let (_, diags, _) = parse_with_comments(FileId(0), &text, &mut Interner::default());
            diags.is_empty().then(|| (path.display().to_string(), text))
        })
        .collect()
}

proptest! {
    #![proptest_config(cases(256))]

    /// Comments at random token boundaries of the shipped files, laid out as people write
    /// them (modules, `Timed` sections, `let` blocks, lines broken inside declarations).
    #[test]
    fn shipped_files_with_more_comments_format_and_keep_them(
        file in any::<prop::sample::Index>(),
        inserts in proptest::collection::vec((any::<prop::sample::Index>(), 0..SHAPES.len()), 1..12),
    ) {
        thread_local! {
            static FILES: Vec<(String, String)> = parsing_files();
        }
        let (name, text) = FILES.with(|f| f[file.index(f.len())].clone());
        let commented = insert_comments(&text, &inserts);
        let mut int = Interner::default();
        let (mut before, _, _) = parse_with_comments(FileId(0), &text, &mut int);
        let (mut after, diags, _) = parse_with_comments(FileId(0), &commented, &mut int);
        prop_assert!(diags.is_empty(), "{}: {:?}\n{}", name, diags, commented);
        before.erase_spans();
        after.erase_spans();
        prop_assert_eq!(&before, &after, "{}", commented);
        fmt_law(&commented, &name);
    }
}

// ----- the command line -----

/// A fresh scratch folder for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cspot-fmt-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const MESSY: &str = "-- a comment\nchannel a   -- the event\nP = a ->\n  -- loop\n  P\n";
const MESSY_FMT: &str = "-- a comment\nchannel a -- the event\n\nP = a ->\n  -- loop\n  P\n";
const CANON: &str = "-- canonical\nchannel b\n";
const BROKEN: &str = "-- broken\nP = (a\n";

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn cli_fmt_prints_each_file_with_its_comments() {
    let dir = scratch("print");
    std::fs::write(dir.join("messy.csp"), MESSY).unwrap();
    std::fs::write(dir.join("canon.csp"), CANON).unwrap();
    std::fs::write(dir.join("broken.csp"), BROKEN).unwrap();
    // One file: its text alone.
    let (code, out, err) = cspot_in(&dir, &["fmt", "messy.csp"]);
    assert_eq!((code, out.as_str()), (0, MESSY_FMT), "{err}");
    // Several: each under a header; a broken one is reported and the others still printed.
    let (code, out, err) = cspot_in(&dir, &["fmt", "messy.csp", "broken.csp", "canon.csp"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        out,
        format!("==> messy.csp <==\n{MESSY_FMT}\n==> canon.csp <==\n{CANON}")
    );
    assert!(err.starts_with("broken.csp:2:6: error:"), "{err}");
    // --verify, per file.
    let (code, out, err) = cspot_in(&dir, &["fmt", "--verify", "messy.csp", "canon.csp"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("-- loop"), "{out}");
    let (code, _, err) = cspot_in(&dir, &["fmt", "no_such.csp", "canon.csp"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read no_such.csp"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cli_fmt_check_lists_every_file_to_reformat_and_the_command_that_does_it() {
    let dir = scratch("check");
    std::fs::write(dir.join("messy.csp"), MESSY).unwrap();
    std::fs::write(dir.join("two words.csp"), MESSY).unwrap();
    std::fs::write(dir.join("canon.csp"), CANON).unwrap();
    std::fs::write(dir.join("formatted.csp"), MESSY_FMT).unwrap();
    let (code, out, err) = cspot_in(
        &dir,
        &["fmt", "--check", "messy.csp", "canon.csp", "two words.csp"],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "would reformat: messy.csp\nwould reformat: two words.csp\n2 files are not in \
         canonical form; run `cspot fmt --write messy.csp 'two words.csp'` to format them\n"
    );
    // The command it names makes them canonical.
    let (code, _, err) = cspot_in(&dir, &["fmt", "--write", "messy.csp", "two words.csp"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = cspot_in(
        &dir,
        &[
            "fmt",
            "--check",
            "messy.csp",
            "canon.csp",
            "two words.csp",
            "formatted.csp",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // A file that does not parse is an error (exit 2), the others are still checked.
    std::fs::write(dir.join("broken.csp"), BROKEN).unwrap();
    std::fs::write(dir.join("messy2.csp"), MESSY).unwrap();
    let (code, _, err) = cspot_in(&dir, &["fmt", "--check", "broken.csp", "messy2.csp"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("would reformat: messy2.csp"), "{err}");
    assert!(err.contains("broken.csp:2:6: error:"), "{err}");
    // --check and --write together make no sense.
    let (code, _, _) = cspot_in(&dir, &["fmt", "--check", "--write", "canon.csp"]);
    assert_eq!(code, 2);
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(unix)]
#[test]
fn cli_fmt_write_rewrites_changed_files_in_place_and_leaves_the_rest() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = scratch("write");
    std::fs::write(dir.join("messy.csp"), MESSY).unwrap();
    std::fs::write(dir.join("canon.csp"), CANON).unwrap();
    std::fs::write(dir.join("broken.csp"), BROKEN).unwrap();
    std::fs::set_permissions(
        dir.join("messy.csp"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    std::os::unix::fs::symlink("canon.csp", dir.join("link.csp")).unwrap();
    let inode = |name: &str| std::fs::metadata(dir.join(name)).unwrap().ino();
    let (messy_before, canon_before) = (inode("messy.csp"), inode("canon.csp"));
    let (code, out, err) = cspot_in(&dir, &["fmt", "-w", "messy.csp", "broken.csp", "canon.csp"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("reformatted messy.csp\nbroken.csp:2:6: error:"),
        "{err}"
    );
    assert!(!err.contains("canon.csp"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("messy.csp")).unwrap(),
        MESSY_FMT
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.csp")).unwrap(),
        BROKEN
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("canon.csp")).unwrap(),
        CANON
    );
    // Replaced by a rename (a new inode), with the old permissions; an unchanged file is not
    // touched; no temporary file is left behind.
    assert_ne!(inode("messy.csp"), messy_before);
    assert_eq!(inode("canon.csp"), canon_before);
    let mode = std::fs::metadata(dir.join("messy.csp"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640);
    assert_eq!(
        files(&dir),
        ["broken.csp", "canon.csp", "link.csp", "messy.csp"]
    );
    // Through a symbolic link the target is rewritten and the link stays a link.
    std::fs::write(dir.join("canon.csp"), MESSY).unwrap();
    let (code, _, err) = cspot_in(&dir, &["fmt", "--write", "--verify", "link.csp"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "reformatted link.csp\n");
    assert!(
        std::fs::symlink_metadata(dir.join("link.csp"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("canon.csp")).unwrap(),
        MESSY_FMT
    );
    let _ = std::fs::remove_dir_all(dir);
}
