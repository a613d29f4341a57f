//! The CSPM parser and pretty-printer: data-driven cases (tests/data/parse, each with its
//! expected outcome in its first line and its rendered diagnostics in an insta snapshot),
//! the shapes FDR's precedence gives, include resolution, the round trip, and the laws the
//! parser keeps whatever its input (no panic on bytes or token soups; generated trees print
//! and parse back to themselves).

pub(crate) mod generate;

use std::collections::HashMap;
use std::path::Path;

use cspot::cspm::ast::*;
use cspot::cspm::load::{self, Encoding};
use cspot::cspm::source::{FileId, Loader, SourceMap};
use cspot::cspm::{parse, pretty};
use proptest::prelude::*;

use crate::support::{cases, cspot_in};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/parse");

/// Reads files relative to a base folder, naming them by their path from it.
struct DirLoader {
    base: &'static str,
}

impl Loader for DirLoader {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let rel = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) => dir.join(path),
            None => Path::new(path).to_path_buf(),
        };
        let mut parts: Vec<String> = Vec::new();
        for c in rel.components() {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::CurDir => {}
                c => parts.push(c.as_os_str().to_string_lossy().into_owned()),
            }
        }
        let name = parts.join("/");
        let bytes =
            std::fs::read(Path::new(self.base).join(&name)).map_err(|e| e.kind().to_string())?;
        Ok((name, load::decode(&bytes).0))
    }
}

/// Loads a case and renders its diagnostics as the CLI does (without colour).
fn run_case(file: &str) -> (load::Loaded, SourceMap, Interner, String) {
    let mut map = SourceMap::default();
    let mut interner = Interner::default();
    let mut loader = DirLoader { base: DATA };
    let loaded = load::load(file, &mut loader, &mut map, &mut interner);
    let rendered: String = loaded.diagnostics.iter().map(|d| d.render(&map)).collect();
    (loaded, map, interner, rendered)
}

/// `-- expect: ok` or `-- expect: N error(s)`.
fn expected_errors(text: &str) -> usize {
    let line = text.lines().next().unwrap_or("");
    let what = line
        .strip_prefix("-- expect: ")
        .unwrap_or_else(|| panic!("case without an `-- expect:` header: {line}"));
    if what == "ok" {
        0
    } else {
        what.split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("bad header {line}"))
    }
}

#[test]
fn data_cases() {
    let mut names: Vec<String> = std::fs::read_dir(DATA)
        .expect("tests/data/parse")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csp"))
        .collect();
    names.sort();
    assert!(names.len() >= 15, "the data folder lost its cases");
    for name in names {
        let bytes = std::fs::read(Path::new(DATA).join(&name)).unwrap();
        let (text, _) = load::decode(&bytes);
        let want = expected_errors(&text);
        let (loaded, _map, interner, rendered) = run_case(&name);
        let got = loaded.diagnostics.len();
        assert_eq!(
            got, want,
            "{name}: expected {want} diagnostics, got:\n{rendered}"
        );
        if want == 0 {
            // A file that parses prints and parses back to the same tree.
            let mut interner = interner;
            assert_round_trip(&text, &mut interner, &name);
        } else {
            for line in rendered.lines().filter(|l| l.contains(": error: ")) {
                let pos = line.split(": error: ").next().unwrap_or("");
                assert!(
                    pos.split(':').count() >= 3,
                    "{name}: first line must be file:line:col: {line}"
                );
            }
            let stem = name.trim_end_matches(".csp");
            insta::assert_snapshot!(format!("parse_{stem}"), rendered);
        }
    }
}

/// `parse(fmt(parse(x))) == parse(x)` with spans erased, and fmt is idempotent.
fn assert_round_trip(text: &str, interner: &mut Interner, what: &str) {
    let (mut m1, d1) = parse(FileId(0), text, interner);
    assert!(d1.is_empty(), "{what}: {d1:?}");
    let out = pretty::module(&m1, interner);
    let (mut m2, d2) = parse(FileId(0), &out, interner);
    assert!(
        d2.is_empty(),
        "{what}: formatted text has errors {d2:?}\n{out}"
    );
    let again = pretty::module(&m2, interner);
    assert_eq!(out, again, "{what}: fmt is not idempotent");
    m1.erase_spans();
    m2.erase_spans();
    assert_eq!(m1, m2, "{what}: round trip changed the tree\n{out}");
}

// ----- shapes: what FDR's binding strengths make of an expression -----

/// A fully bracketed rendering of an expression, to state shapes compactly.
fn sx(e: &Expr, int: &Interner) -> String {
    let s = |e: &Expr| sx(e, int);
    let list = |es: &[Expr]| es.iter().map(s).collect::<Vec<_>>().join(" ");
    match &e.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Var(n) => int.resolve(n.sym).to_string(),
        ExprKind::Dot(a, b) => format!("(. {} {})", s(a), s(b)),
        ExprKind::Apply(f, args) => format!("(app {} {})", s(f), list(args)),
        ExprKind::Unary(op, a) => format!("({op:?} {})", s(a)),
        ExprKind::Binary(op, a, b) => format!("({op:?} {} {})", s(a), s(b)),
        ExprKind::If(c, a, b) => format!("(if {} {} {})", s(c), s(a), s(b)),
        ExprKind::Lambda(_, b) => format!("(lambda {})", s(b)),
        ExprKind::Seq(es) => format!("<{}>", list(es)),
        ExprKind::Set(es) => format!("{{{}}}", list(es)),
        ExprKind::Tuple(es) => format!("(tuple {})", list(es)),
        ExprKind::Prefix { chan, fields, body } => {
            let fs: Vec<String> = fields
                .iter()
                .map(|f| match f {
                    Field::Input { pat: p, set } => format!(
                        "?{}{}",
                        pretty::pat(p, int),
                        set.as_ref()
                            .map(|x| format!(":{}", s(x)))
                            .unwrap_or_default()
                    ),
                    Field::NondetInput { pat: p, .. } => format!("${}", pretty::pat(p, int)),
                    Field::Output(x) => format!("!{}", s(x)),
                    Field::Dot(x) => format!(".{}", s(x)),
                })
                .collect();
            format!("(-> {} [{}] {})", s(chan), fs.join(" "), s(body))
        }
        ExprKind::GenParallel(a, x, b) => format!("(par {} {} {})", s(a), s(x), s(b)),
        ExprKind::Rename(a, _) => format!("(rename {})", s(a)),
        ExprKind::Replicated(op, _, b) => format!("(repl {op:?} {})", s(b)),
        _ => format!("<<{}>>", pretty::expr(e, int)),
    }
}

fn shape(src: &str) -> String {
    let mut int = Interner::default();
    let (m, d) = parse(FileId(0), &format!("x = {src}"), &mut int);
    assert!(d.is_empty(), "{src}: {d:?}");
    match &m.decls[0].kind {
        DeclKind::Clause { body, .. } => sx(body, &int),
        other => panic!("{other:?}"),
    }
}

#[test]
fn binding_strengths_follow_fdr() {
    let cases = [
        ("a -> P [] b -> Q", "(ExtChoice (-> a [] P) (-> b [] Q))"),
        ("a -> b -> P", "(-> a [] (-> b [] P))"),
        ("g & a -> P", "(Guard g (-> a [] P))"),
        ("P ; Q [] R", "(ExtChoice (SeqComp P Q) R)"),
        ("P /\\ Q [] R", "(ExtChoice (Interrupt P Q) R)"),
        ("P [] Q |~| R", "(IntChoice (ExtChoice P Q) R)"),
        ("P ||| Q [| A |] R", "(Interleave P (par Q A R))"),
        ("P [] Q \\ A", "(Hide (ExtChoice P Q) A)"),
        ("P \\ A [] Q", "(ExtChoice (Hide P A) Q)"),
        ("P \\ A ||| Q", "(Interleave (Hide P A) Q)"),
        ("P \\ A \\ B", "(Hide (Hide P A) B)"),
        ("c.x + 1", "(. c (Add x 1))"),
        ("c.x == y", "(. c (Eq x y))"),
        ("a.b.c", "(. a (. b c))"),
        ("c!x.y -> P", "(-> c [!(. x y)] P)"),
        ("c?x.y -> P", "(-> c [?x.y] P)"),
        ("c.1?x:S!y -> P", "(-> (. c 1) [?x:S !y] P)"),
        ("c?x:S.1 -> P", "(-> c [?x:S .1] P)"),
        ("1 + 2 * 3 - 4", "(Sub (Add 1 (Mul 2 3)) 4)"),
        ("-x * y", "(Neg (Mul x y))"),
        ("-x + y", "(Add (Neg x) y)"),
        ("not a and b", "(And (Not a) b)"),
        ("not a == b", "(Not (Eq a b))"),
        ("a or b and c", "(Or a (And b c))"),
        ("#s ^ t", "(Length (Concat s t))"),
        ("#s + 1", "(Add (Length s) 1)"),
        ("<x> ^ s", "(Concat <x> s)"),
        ("s < t", "(Lt s t)"),
        ("<1, 2> < <3>", "(Lt <1 2> <3>)"),
        ("<x | x <- s, x < 2>", "<<<x | x <- s, x < 2>>>"),
        ("<(x > 1)>", "<(Gt x 1)>"),
        ("f(x)(y)", "(app (app f x) y)"),
        ("a.f(x)", "(. a (app f x))"),
        ("if b then P else Q [] R", "(if b P (ExtChoice Q R))"),
        ("\\ x @ x + 1", "(lambda (Add x 1))"),
        (
            "[] i : S @ a -> P [] Q",
            "(repl ExtChoice (ExtChoice (-> a [] P) Q))",
        ),
        ("P[[a <- b]] \\ A", "(Hide (rename P) A)"),
        ("x - -1", "(Sub x (Neg 1))"),
        ("(1, 2)", "(tuple 1 2)"),
        ("{}", "{}"),
        ("1 -\n  2", "(Sub 1 2)"),
        ("1 ==\n  2", "(Eq 1 2)"),
        ("P\n  [] Q", "(ExtChoice P Q)"),
    ];
    for (src, want) in cases {
        assert_eq!(shape(src), want, "{src}");
    }
}

#[test]
fn the_printer_brackets_only_where_precedence_needs_it() {
    let cases = [
        ("((a -> P)) [] (b -> Q)", "a -> P [] b -> Q"),
        ("a -> (P [] Q)", "a -> (P [] Q)"),
        ("-(a + b)", "-(a + b)"),
        ("(-a) + b", "-a + b"),
        ("(-a) * b", "(-a) * b"),
        ("- (- 1)", "-(-1)"),
        ("{ -1 }", "{ -1}"),
        ("< -1 >", "< -1>"),
        ("(P \\ A) ||| Q", "(P \\ A) ||| Q"),
        ("P \\ (A ; B)", "P \\ (A ; B)"),
        ("(if b then P else Q) [] R", "(if b then P else Q) [] R"),
        ("R [] (if b then P else Q)", "R [] if b then P else Q"),
        ("f((\\ x @ x))", "f(\\ x @ x)"),
        ("(\\ x @ x)(1)", "(\\ x @ x)(1)"),
        ("<(x > 1), x < 2>", "<(x > 1), x < 2>"),
        ("(a.b).c", "(a.b).c"),
        ("a.(b.c)", "a.b.c"),
        ("c!(x.y) -> P", "c!x.y -> P"),
        ("c?x:(A.B) -> P", "c?x:(A.B) -> P"),
        ("(1 < 2) == true", "(1 < 2) == true"),
        ("not (a and b)", "not (a and b)"),
        ("(not a) and b", "not a and b"),
        ("#(s ^ t)", "#s ^ t"),
        ("(#s) ^ t", "(#s) ^ t"),
        ("(| |)", "(| |)"),
        ("{| |}", "{| |}"),
        ("(P [| A |] Q) [| B |] R", "P [| A |] Q [| B |] R"),
        ("P [| A |] (Q [| B |] R)", "P [| A |] (Q [| B |] R)"),
    ];
    for (src, want) in cases {
        let mut int = Interner::default();
        let (m, d) = parse(FileId(0), &format!("x = {src}"), &mut int);
        assert!(d.is_empty(), "{src}: {d:?}");
        let DeclKind::Clause { body, .. } = &m.decls[0].kind else {
            panic!()
        };
        assert_eq!(pretty::expr(body, &int), want, "{src}");
    }
    let mut int = Interner::default();
    let (m, _) = parse(FileId(0), "assert (not a) and b\nassert not a", &mut int);
    assert_eq!(
        pretty::module(&m, &int),
        "assert (not a and b)\nassert not a\n"
    );
}

#[test]
fn line_breaks_end_declarations_unless_an_operator_continues() {
    let mut int = Interner::default();
    let text = "x = 1\n-2\ny = a ->\n  b\nz = f\n(1)\nw = 3";
    let (m, d) = parse(FileId(0), text, &mut int);
    // `-2` and `(1)` start new (broken) declarations; `->` at a line's end continues it.
    assert_eq!(d.len(), 2, "{d:?}");
    let names: Vec<&str> = m
        .decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Clause { name, .. } => Some(int.resolve(name.sym)),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["x", "y", "z", "w"]);
}

#[test]
fn an_assertion_option_may_put_its_argument_on_the_next_line() {
    let mut int = Interner::default();
    let text = "assert P [T= Q\n  :[tau priority]:\n  {tock}\nR = 1";
    let (m, d) = parse(FileId(0), text, &mut int);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(m.decls.len(), 2);
}

#[test]
fn comments_nest_and_strings_keep_their_escapes() {
    let mut int = Interner::default();
    let text = "{- a {- nested -} comment -}\nx = \"a\\tb\\\"c\" -- trailing\ny = '\\n'";
    let (m, d) = parse(FileId(0), text, &mut int);
    assert!(d.is_empty(), "{d:?}");
    let bodies: Vec<&ExprKind> = m
        .decls
        .iter()
        .map(|d| match &d.kind {
            DeclKind::Clause { body, .. } => &body.kind,
            k => panic!("{k:?}"),
        })
        .collect();
    assert_eq!(bodies[0], &ExprKind::String("a\tb\"c".into()));
    assert_eq!(bodies[1], &ExprKind::Char('\n'));
}

#[test]
fn spans_point_at_the_source() {
    let mut int = Interner::default();
    let text = "channel c\nP = c -> STOP [] SKIP";
    let (m, _) = parse(FileId(3), text, &mut int);
    let d = &m.decls[1];
    assert_eq!(
        &text[d.span.start as usize..d.span.end as usize],
        "P = c -> STOP [] SKIP"
    );
    let DeclKind::Clause { body, .. } = &d.kind else {
        panic!()
    };
    assert_eq!(body.span.file, FileId(3));
    assert_eq!(
        &text[body.span.start as usize..body.span.end as usize],
        "c -> STOP [] SKIP"
    );
}

// ----- includes -----

/// Files in memory.
struct MapLoader(HashMap<&'static str, &'static str>);

impl Loader for MapLoader {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let name = match from.and_then(|f| f.rsplit_once('/')) {
            Some((dir, _)) => format!("{dir}/{path}"),
            None => path.to_string(),
        };
        self.0
            .get(name.as_str())
            .map(|t| (name.clone(), t.to_string()))
            .ok_or_else(|| "no such file".to_string())
    }
}

fn load_map(
    root: &str,
    files: &[(&'static str, &'static str)],
) -> (load::Loaded, SourceMap, Interner) {
    let mut map = SourceMap::default();
    let mut int = Interner::default();
    let mut loader = MapLoader(files.iter().copied().collect());
    let loaded = load::load(root, &mut loader, &mut map, &mut int);
    (loaded, map, int)
}

fn clause_names(decls: &[Decl], int: &Interner) -> Vec<String> {
    decls
        .iter()
        .filter_map(|d| match &d.kind {
            DeclKind::Clause { name, .. } => Some(int.resolve(name.sym).to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn includes_are_spliced_in_place_relative_to_the_including_file() {
    let (loaded, map, int) = load_map(
        "top.csp",
        &[
            ("top.csp", "A = 1\ninclude \"lib/one.csp\"\nD = 4"),
            ("lib/one.csp", "B = 2\ninclude \"two.csp\""),
            ("lib/two.csp", "C = 3"),
        ],
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(
        clause_names(&loaded.module.decls, &int),
        ["A", "B", "C", "D"]
    );
    assert_eq!(loaded.files.len(), 3);
    // Spliced declarations keep their own file's positions.
    assert_eq!(map.position(loaded.module.decls[2].span), "lib/two.csp:1:1");
}

#[test]
fn a_missing_include_is_an_error_at_its_path() {
    let (loaded, map, _) = load_map("a.csp", &[("a.csp", "x = 1\ninclude \"gone.csp\"")]);
    assert_eq!(loaded.diagnostics.len(), 1);
    let d = &loaded.diagnostics[0];
    assert_eq!(map.position(d.span), "a.csp:2:9");
    assert!(d.message.contains("gone.csp"), "{}", d.message);
}

#[test]
fn an_include_cycle_is_reported_with_its_chain() {
    let (loaded, _, int) = load_map(
        "a.csp",
        &[
            ("a.csp", "include \"b.csp\"\nx = 1"),
            ("b.csp", "include \"c.csp\""),
            ("c.csp", "include \"a.csp\"\ny = 2"),
        ],
    );
    assert_eq!(loaded.diagnostics.len(), 1, "{:?}", loaded.diagnostics);
    assert_eq!(
        loaded.diagnostics[0].message,
        "include cycle: a.csp -> b.csp -> c.csp -> a.csp"
    );
    assert_eq!(clause_names(&loaded.module.decls, &int), ["y", "x"]);
}

#[test]
fn includes_inside_modules_are_spliced_too() {
    let (loaded, _, int) = load_map(
        "m.csp",
        &[
            ("m.csp", "module M\nexports\n  include \"e.csp\"\nendmodule"),
            ("e.csp", "y = 2"),
        ],
    );
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let DeclKind::ModuleDef { exports, .. } = &loaded.module.decls[0].kind else {
        panic!()
    };
    assert_eq!(clause_names(exports, &int), ["y"]);
}

#[test]
fn bytes_that_are_not_utf8_read_as_windows_1252() {
    let (text, enc) = load::decode(b"x = \"\x80\xe9\x93\"");
    assert_eq!(enc, Encoding::Windows1252);
    assert_eq!(text, "x = \"\u{20ac}\u{e9}\u{201c}\"");
    let (text, enc) = load::decode("\u{feff}y = 1".as_bytes());
    assert_eq!((text.as_str(), enc), ("y = 1", Encoding::Utf8));
}

// ----- limits -----

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for text in [
        format!("x = {}1{}", "(".repeat(20_000), ")".repeat(20_000)),
        format!("x = {}1", "-".repeat(20_000).replace('-', "- ")),
        format!("f({}x{}) = 1", "<".repeat(20_000), ">".repeat(20_000)),
    ] {
        let mut int = Interner::default();
        let (_, d) = parse(FileId(0), &text, &mut int);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("too deep"), "{}", d[0].message);
    }
    // A chain is one level however long (FDR reads them; issue 14): it parses, prints and
    // compares, on the test thread's small stack.
    for (text, what) in [
        (
            format!("P = {}STOP", "a -> ".repeat(20_000)),
            "20000 prefixes",
        ),
        (format!("x = 1{}", " + 1".repeat(20_000)), "20000 sums"),
        (
            format!("P = STOP{}", " [] STOP".repeat(20_000)),
            "20000 choices",
        ),
        (format!("x = c{}", ".1".repeat(20_000)), "20000 dots"),
    ] {
        let mut int = Interner::default();
        assert_round_trip(&text, &mut int, what);
    }
}

#[test]
fn errors_are_capped_per_file() {
    let text = "x = )\n".repeat(500);
    let mut int = Interner::default();
    let (_, d) = parse(FileId(0), &text, &mut int);
    assert_eq!(d.len(), cspot::cspm::parser::MAX_ERRORS + 1);
    // Also inside a `Timed` section, which recovers on its own.
    let text = format!("Timed {{\n{}}}", "x = )\n".repeat(500));
    let (_, d) = parse(FileId(0), &text, &mut int);
    let max = cspot::cspm::parser::MAX_ERRORS;
    assert!((max..=max + 2).contains(&d.len()), "{}", d.len());
    assert!(
        d.iter().any(|x| x.message.starts_with("too many errors")),
        "{d:?}"
    );
}

// ----- laws -----

/// The token vocabulary of CSPM, for token soups.
const VOCAB: &[&str] = &[
    "x",
    "P",
    "c",
    "f",
    "M::y",
    "0",
    "42",
    "'a'",
    "\"s\"",
    "true",
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "let",
    "within",
    "channel",
    "datatype",
    "subtype",
    "nametype",
    "assert",
    "external",
    "transparent",
    "module",
    "exports",
    "endmodule",
    "instance",
    "Timed",
    "include",
    "print",
    "(",
    ")",
    "{",
    "}",
    "{|",
    "|}",
    "(|",
    "|)",
    "[[",
    "]]",
    "[|",
    "|]",
    "[",
    "]",
    "[]",
    "|~|",
    "|||",
    "/\\",
    "->",
    "[>",
    "|>",
    "||",
    ";",
    "&",
    "|\\",
    "[+",
    "+]",
    "/+",
    "+\\",
    "\\",
    "==",
    "!=",
    "<=",
    ">=",
    "<",
    ">",
    "<>",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "#",
    "|",
    ",",
    "..",
    ".",
    "?",
    "!",
    "$",
    "<-",
    "<->",
    ":",
    "::",
    "=>",
    "=>*",
    "@@",
    "@",
    "=",
    "_",
    "[T=",
    "[FD=",
    ":[deadlock free [F]]",
    ":[tau priority]:",
    ":[has trace]:",
    "\n",
    "\n\n",
    "--c\n",
    "{-",
    "-}",
    "~",
    "\u{e9}",
];

fn soup() -> impl Strategy<Value = String> {
    proptest::collection::vec((0..VOCAB.len(), any::<bool>()), 0..80).prop_map(|toks| {
        let mut s = String::new();
        for (k, space) in toks {
            s.push_str(VOCAB[k]);
            if space {
                s.push(' ');
            }
        }
        s
    })
}

/// Whatever the input, parsing returns; and whatever parses without errors prints and parses
/// back to the same tree.
fn parse_law(text: &str) {
    let mut int = Interner::default();
    let (m, d) = parse(FileId(0), text, &mut int);
    if d.is_empty() {
        assert_round_trip(text, &mut int, "generated text");
    } else {
        let _ = pretty::module(&m, &int);
    }
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let (text, _) = load::decode(&bytes);
        parse_law(&text);
    }

    #[test]
    fn token_soups_never_panic(text in soup()) {
        parse_law(&text);
    }

    #[test]
    fn generated_trees_print_and_parse_back(module in generate::module()) {
        let int = generate::interner();
        let text = pretty::module(&module, &int);
        let mut int2 = int.clone();
        let (mut back, d) = parse(FileId(0), &text, &mut int2);
        prop_assert!(d.is_empty(), "{:?}\n{}", d, text);
        back.erase_spans();
        prop_assert_eq!(&back, &module, "{}", text);
    }
}

// ----- the command line -----

/// Runs the binary in the data folder, so that file names in messages are short.
fn parse_cli(args: &[&str]) -> (i32, String, String) {
    cspot_in(Path::new(DATA), args)
}

#[test]
fn cli_parse_reports_each_file_and_exits_2_on_errors() {
    let (code, out, err) = parse_cli(&["parse", "ok_include.csp", "ok_asserts.csp"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "ok_include.csp: 3 declarations\nok_asserts.csp: 18 declarations\n"
    );
    let (code, out, err) = parse_cli(&["parse", "ok_asserts.csp", "recovery.csp"]);
    assert_eq!(code, 2);
    assert_eq!(
        out,
        "ok_asserts.csp: 18 declarations\nrecovery.csp: 3 errors\n"
    );
    assert!(
        err.starts_with("recovery.csp:4:15: error: expected `)`"),
        "{err}"
    );
    let (code, _, err) = parse_cli(&["parse", "no_such.csp"]);
    assert_eq!(code, 2);
    assert!(err.contains("no_such.csp:1:1: error: cannot read"), "{err}");
}

#[test]
fn cli_parse_reads_windows_1252_with_a_warning() {
    let (code, out, err) = parse_cli(&["parse", "ok_windows_1252.csp"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ok_windows_1252.csp: 1 declarations\n");
    assert!(err.contains("read as Windows-1252"), "{err}");
}

#[test]
fn cli_fmt_prints_canonical_text_and_checks_it() {
    let (code, out, err) = parse_cli(&["fmt", "--verify", "ok_processes.csp"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Q = c?x:{0, 1}!x -> SKIP ; Q\n"), "{out}");
    assert!(
        out.starts_with("-- expect: ok\n-- Processes of every form"),
        "comments are kept: {out}"
    );
    let (code, _, err) = parse_cli(&["fmt", "--check", "ok_processes.csp"]);
    assert_eq!(code, 1, "the case file is not laid out canonically");
    assert!(
        err.contains("run `cspot fmt --write ok_processes.csp`"),
        "{err}"
    );
    let dir = std::env::temp_dir().join(format!("cspot-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let canon = dir.join("canon.csp");
    std::fs::write(&canon, &out).unwrap();
    let (code, _, err) = parse_cli(&["fmt", "--check", canon.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = parse_cli(&["fmt", "unclosed_paren.csp"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("unclosed_paren.csp:2:11: error:"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
