//! `cspot parse FILE...` and `cspot fmt FILE`, and the file-system [`FsLoader`] that every
//! command reading CSPM uses.

use std::path::{Component, Path, PathBuf};

use clap::Args;
use cspot::cspm::ast::Interner;
use cspot::cspm::load::{self, Encoding};
use cspot::cspm::source::{Diagnostic, Loader, Severity, SourceMap};
use cspot::cspm::{parse, pretty};
use cspot::report::exit;

use super::Outcome;

#[derive(Args, Debug)]
#[command(
    after_help = "Each file is read with the files it includes (resolved relative to the \
including file). Prints `FILE: N declarations` per file on stdout (N counts the declarations \
after includes are spliced in) and the diagnostics on stderr. Exit 0 when every file parses, \
2 otherwise."
)]
pub struct ParseArgs {
    /// CSPM files to parse.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Check the syntax only (lexing, parsing, includes, type annotations), not the scopes.
    #[arg(long)]
    pub syntax_only: bool,
}

pub fn run(args: ParseArgs) -> anyhow::Result<Outcome> {
    let color = super::color::stderr();
    let mut all_ok = true;
    for path in &args.files {
        let name = path.to_string_lossy().into_owned();
        let mut map = SourceMap::default();
        let mut interner = Interner::default();
        let mut loader = FsLoader::default();
        let loaded = load::load(&name, &mut loader, &mut map, &mut interner);
        // Scope checking (the evaluator's) plugs in here, on `loaded.module`.
        let extra: Vec<Diagnostic> = if loaded.has_errors() || args.syntax_only {
            Vec::new()
        } else {
            cspot::cspm::check_scopes(&loaded.module, &interner, &map)
        };
        loader.print_notes();
        let diags: Vec<&Diagnostic> = loaded.diagnostics.iter().chain(&extra).collect();
        for d in &diags {
            diag!("{}", d.render_styled(&map, color));
        }
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        if errors == 0 {
            outln!("{name}: {} declarations", loaded.module.decls.len());
        } else {
            all_ok = false;
            outln!(
                "{name}: {errors} error{}",
                if errors == 1 { "" } else { "s" }
            );
        }
    }
    Ok(Outcome::Code(if all_ok {
        exit::HOLDS
    } else {
        exit::ERROR
    }))
}

#[derive(Args, Debug)]
#[command(
    after_help = "The output is the canonical layout of the file: one declaration per \
line, operators spaced, parentheses only where FDR's precedence needs them. Comments are not \
kept (they are not part of the syntax tree), and includes are printed as `include` lines, not \
followed."
)]
pub struct FmtArgs {
    /// The CSPM file to pretty-print.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print nothing; exit 1 when the file is not already in canonical form.
    #[arg(long)]
    pub check: bool,
    /// Also parse the output again and fail (exit 1) unless it gives the same syntax tree as
    /// the input and formats to itself: a check of the formatter itself.
    #[arg(long)]
    pub verify: bool,
}

pub fn run_fmt(args: FmtArgs) -> anyhow::Result<Outcome> {
    let name = args.file.to_string_lossy().into_owned();
    let bytes = super::read::read_capped(&args.file, super::read::SOURCE)?;
    let (text, _) = load::decode_owned(bytes);
    let mut map = SourceMap::default();
    let id = map.add(name.clone(), text.clone());
    let mut interner = Interner::default();
    let (module, diags) = parse(id, &text, &mut interner);
    let color = super::color::stderr();
    for d in &diags {
        diag!("{}", d.render_styled(&map, color));
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Ok(Outcome::Code(exit::ERROR));
    }
    let out = pretty::module(&module, &interner);
    if args.verify {
        let again = map.add(format!("{name} (formatted)"), out.clone());
        let (mut reparsed, diags2) = parse(again, &out, &mut interner);
        for d in &diags2 {
            diag!("{}", d.render_styled(&map, color));
        }
        let mut original = module.clone();
        original.erase_spans();
        reparsed.erase_spans();
        reparsed.file = original.file;
        if !diags2.is_empty() || reparsed != original {
            diagln!("{name}: the formatted text does not parse back to the same syntax tree");
            return Ok(Outcome::Code(exit::VIOLATED));
        }
        if pretty::module(&reparsed, &interner) != out {
            diagln!("{name}: formatting the formatted text changes it again");
            return Ok(Outcome::Code(exit::VIOLATED));
        }
    }
    if args.check {
        let same = out == text;
        if !same {
            diagln!("{name}: not in canonical form (run `cspot fmt {name}`)");
        }
        return Ok(Outcome::Code(if same {
            exit::HOLDS
        } else {
            exit::VIOLATED
        }));
    }
    out!("{out}");
    Ok(Outcome::Code(exit::HOLDS))
}

/// Reads CSPM files from the file system: an include is resolved relative to the directory of
/// the including file; bytes that are not UTF-8 are read as Windows-1252 (a note is kept).
#[derive(Default)]
pub struct FsLoader {
    notes: Vec<String>,
}

impl FsLoader {
    /// Prints (on stderr) what the loader noticed, such as files read as Windows-1252.
    pub fn print_notes(&mut self) {
        for n in self.notes.drain(..) {
            diagln!("{n}");
        }
    }
}

impl Loader for FsLoader {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let joined = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) if Path::new(path).is_relative() => dir.join(path),
            _ => PathBuf::from(path),
        };
        let name = clean(&joined);
        let bytes = super::read::read_capped(&name, super::read::SOURCE).map_err(|e| e.reason())?;
        let (text, encoding) = load::decode_owned(bytes);
        let name = name.to_string_lossy().into_owned();
        if encoding == Encoding::Windows1252 {
            self.notes.push(format!(
                "{name}: warning: not valid UTF-8; read as Windows-1252"
            ));
        }
        Ok((name, text))
    }
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_parent =
                    matches!(out.components().next_back(), Some(Component::ParentDir));
                if last_is_parent || !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
