//! Resolving `include`: reads a root file and every file it includes through a [`Loader`]
//! (the CLI's reads the file system; tests use a map), parses each, and splices the included
//! declarations in place of each `include`, recursively (also inside module bodies and `Timed`
//! sections). Includes are resolved relative to the including file (the loader's job, given
//! the including file's name). A missing file is an error at the include's path; an include
//! cycle is reported with its chain and not followed.
//!
//! Also here: [`decode`], which turns a file's bytes into text as FDR reads it (UTF-8, or
//! Windows-1252 when the bytes are not UTF-8).

use super::ast::{Decl, DeclKind, Interner, Module};
use super::parser::{check_annotations, parse};
use super::source::{Diagnostic, FileId, Loader, SourceMap, Span};

/// Includes nested deeper than this are an error (a cycle the loader's names hide).
pub const MAX_INCLUDE_DEPTH: usize = 64;

/// A root file with its includes resolved.
#[derive(Debug)]
pub struct Loaded {
    /// The root file's declarations, each `include` replaced by the included file's
    /// declarations (which keep their own file's spans). No `Include` declaration remains
    /// except those that could not be resolved.
    pub module: Module,
    /// Every file read: the root first, then in the order their `include`s were met.
    pub files: Vec<FileId>,
    /// Lexical, syntactic and include errors of every file, and the type-annotation checks
    /// of the spliced top level; by file (in reading order), then position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == super::source::Severity::Error)
    }
}

/// Loads `root` and everything it includes. Never fails: a root that cannot be read gives an
/// empty module and a diagnostic in an empty file named `root`.
pub fn load(
    root: &str,
    loader: &mut dyn Loader,
    map: &mut SourceMap,
    interner: &mut Interner,
) -> Loaded {
    let mut st = State {
        loader,
        map,
        interner,
        files: Vec::new(),
        diagnostics: Vec::new(),
        stack: Vec::new(),
    };
    let (file, decls) = match st.loader.load(root, None) {
        Ok((name, text)) => st.read(name, text),
        Err(msg) => {
            let id = st.map.add(root, "");
            st.files.push(id);
            st.diagnostics.push(Diagnostic::error(
                Span::new(id, 0, 0),
                format!("cannot read `{root}`: {msg}"),
            ));
            (id, Vec::new())
        }
    };
    let annotation_errors = check_annotations(&decls, st.interner);
    st.diagnostics.extend(annotation_errors);
    st.diagnostics
        .sort_by_key(|d| (d.span.file, d.span.start, d.span.end));
    Loaded {
        module: Module { file, decls },
        files: st.files,
        diagnostics: st.diagnostics,
    }
}

struct State<'a> {
    loader: &'a mut dyn Loader,
    map: &'a mut SourceMap,
    interner: &'a mut Interner,
    files: Vec<FileId>,
    diagnostics: Vec<Diagnostic>,
    /// The names of the files being read, outermost first.
    stack: Vec<String>,
}

impl State<'_> {
    /// Parses one file and resolves its includes.
    fn read(&mut self, name: String, text: String) -> (FileId, Vec<Decl>) {
        let id = self.map.add(name.clone(), text);
        self.files.push(id);
        let text = self.map.file(id).text.clone();
        let (module, diags) = parse(id, &text, self.interner);
        self.diagnostics.extend(diags);
        self.stack.push(name);
        let decls = self.splice(module.decls);
        self.stack.pop();
        (id, decls)
    }

    fn splice(&mut self, decls: Vec<Decl>) -> Vec<Decl> {
        let mut out = Vec::with_capacity(decls.len());
        for d in decls {
            match d.kind {
                DeclKind::Include { path, path_span } => match self.include(&path, path_span) {
                    Some(included) => out.extend(included),
                    None => out.push(Decl {
                        kind: DeclKind::Include { path, path_span },
                        span: d.span,
                    }),
                },
                DeclKind::ModuleDef {
                    name,
                    params,
                    private,
                    exports,
                } => {
                    let private = self.splice(private);
                    let exports = self.splice(exports);
                    out.push(Decl {
                        kind: DeclKind::ModuleDef {
                            name,
                            params,
                            private,
                            exports,
                        },
                        span: d.span,
                    });
                }
                DeclKind::Timed { tock_fn, decls } => {
                    let decls = self.splice(decls);
                    out.push(Decl {
                        kind: DeclKind::Timed { tock_fn, decls },
                        span: d.span,
                    });
                }
                kind => out.push(Decl { kind, span: d.span }),
            }
        }
        out
    }

    /// The declarations of an included file, or `None` (reported) when it cannot be read.
    fn include(&mut self, path: &str, at: Span) -> Option<Vec<Decl>> {
        let from = self.stack.last().cloned();
        let (name, text) = match self.loader.load(path, from.as_deref()) {
            Ok(x) => x,
            Err(msg) => {
                self.diagnostics.push(
                    Diagnostic::error(at, format!("cannot include `{path}`: {msg}"))
                        .with_label("included here"),
                );
                return None;
            }
        };
        if let Some(k) = self.stack.iter().position(|f| *f == name) {
            let mut chain: Vec<&str> = self.stack[k..].iter().map(String::as_str).collect();
            chain.push(&name);
            self.diagnostics.push(
                Diagnostic::error(at, format!("include cycle: {}", chain.join(" -> ")))
                    .with_label("this include closes the cycle"),
            );
            return None;
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            self.diagnostics.push(Diagnostic::error(
                at,
                format!("includes nested more than {MAX_INCLUDE_DEPTH} deep"),
            ));
            return None;
        }
        let (_, decls) = self.read(name, text);
        Some(decls)
    }
}

/// How [`decode`] read a file's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// The bytes were not UTF-8; each byte was read as a Windows-1252 character (as FDR does).
    Windows1252,
}

/// Decodes a CSPM file: UTF-8 (without its byte-order mark) when valid, Windows-1252
/// otherwise. Never fails.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), Encoding::Utf8),
        Err(_) => (
            bytes.iter().map(|&b| windows_1252(b)).collect(),
            Encoding::Windows1252,
        ),
    }
}

/// As [`decode`], taking the bytes: valid UTF-8 becomes the text without a copy (a source
/// may be hundreds of megabytes).
pub fn decode_owned(mut bytes: Vec<u8>) -> (String, Encoding) {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, Encoding::Utf8),
        Err(e) => (
            e.as_bytes().iter().map(|&b| windows_1252(b)).collect(),
            Encoding::Windows1252,
        ),
    }
}

/// The character of one Windows-1252 byte (bytes the code page leaves undefined map to the
/// control character of the same number, as Latin-1 does).
fn windows_1252(b: u8) -> char {
    const HIGH: [u16; 32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
    ];
    match b {
        0x80..=0x9F => HIGH
            .get(usize::from(b - 0x80))
            .and_then(|&u| char::from_u32(u32::from(u)))
            .unwrap_or(char::from(b)),
        _ => char::from(b),
    }
}
