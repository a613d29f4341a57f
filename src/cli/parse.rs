//! `cspot parse FILE...` and `cspot fmt FILE...`.

use std::path::{Path, PathBuf};

use crate::cspm::ast::Interner;
use crate::cspm::load::{self, Encoding};
use crate::cspm::parser::parse_with_comments;
use crate::cspm::pretty;
use crate::cspm::source::{Diagnostic, Severity, SourceMap};
use crate::report::exit;
use crate::run::FsLoader;
use clap::Args;

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
            crate::cspm::check_scopes(&loaded.module, &interner, &map)
        };
        for n in loader.take_notes() {
            diagln!("{n}");
        }
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
    after_help = "The canonical layout: one declaration per line, operators spaced, \
parentheses only where FDR's precedence needs them. Comments are kept: above the declaration \
they precede, at the end of the line they end, at most one blank line where the source had \
any between top-level declarations and comments; a comment inside a declaration goes before \
the part it precedes, on its own line where a line break cannot end the declaration (else \
at the end of the declaration's last line, or inline for a one-line `{- -}` comment). \
Includes are printed as `include` lines, not followed. The output uses LF line breaks and \
UTF-8.

Without options the formatted text of each file goes to stdout; with more than one file each \
is headed by `==> FILE <==` (and a blank line separates them). A file that cannot be read or \
parsed gets its diagnostics on stderr and the others are still formatted. Exit 0 when every \
file was formatted (and, with --check, already was canonical), 1 when --check found a file to \
reformat or --verify failed, 2 when a file could not be read, parsed or written."
)]
pub struct FmtArgs {
    /// The CSPM files to format.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print no text; list on stderr every file that is not in canonical form (`would
    /// reformat: FILE`) and the command that formats them, and exit 1 when there is one.
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// Rewrite in place each file that is not in canonical form (through a temporary file in
    /// the same directory, renamed over it; its permissions are kept) and name it on stderr
    /// (`reformatted FILE`). A file that does not parse is left as it is.
    #[arg(long, short = 'w')]
    pub write: bool,
    /// Also parse each output again and fail (exit 1) unless it gives the same syntax tree as
    /// the input, keeps every comment and formats to itself: a check of the formatter itself.
    /// With --write, a file that fails it is not written.
    #[arg(long)]
    pub verify: bool,
}

/// What became of one file.
enum Formatted {
    /// Read, parsed and formatted: the text, and whether it differs from the file's bytes.
    Done { out: String, changed: bool },
    /// The formatter's own check failed (reported).
    Unverified,
    /// Could not be read or parsed (reported).
    Failed,
}

pub fn run_fmt(args: FmtArgs) -> anyhow::Result<Outcome> {
    let color = super::color::stderr();
    let many = args.files.len() > 1;
    let (mut errors, mut unverified) = (false, false);
    let mut to_reformat: Vec<String> = Vec::new();
    let mut printed = 0;
    for path in &args.files {
        let name = path.to_string_lossy().into_owned();
        let (out, changed) = match format_file(path, &name, args.verify, args.write, color) {
            Formatted::Done { out, changed } => (out, changed),
            Formatted::Unverified => {
                unverified = true;
                continue;
            }
            Formatted::Failed => {
                errors = true;
                continue;
            }
        };
        if args.check {
            if changed {
                diagln!("would reformat: {name}");
                to_reformat.push(name);
            }
        } else if args.write {
            if changed {
                match write_in_place(path, &out) {
                    Ok(()) => diagln!("reformatted {name}"),
                    Err(e) => {
                        diagln!("{name}: error: cannot write the formatted text: {e}");
                        errors = true;
                    }
                }
            }
        } else {
            if many {
                let sep = if printed > 0 { "\n" } else { "" };
                out!("{sep}==> {name} <==\n");
            }
            out!("{out}");
            printed += 1;
        }
    }
    if !to_reformat.is_empty() {
        let n = to_reformat.len();
        let files: Vec<String> = to_reformat.iter().map(|f| shell_quote(f)).collect();
        diagln!(
            "{n} file{} not in canonical form; run `cspot fmt --write {}` to format {}",
            if n == 1 { " is" } else { "s are" },
            files.join(" "),
            if n == 1 { "it" } else { "them" }
        );
    }
    Ok(Outcome::Code(if errors {
        exit::ERROR
    } else if unverified || !to_reformat.is_empty() {
        exit::VIOLATED
    } else {
        exit::HOLDS
    }))
}

/// Reads, parses and formats one file, reporting on stderr what went wrong.
fn format_file(path: &Path, name: &str, verify: bool, write: bool, color: bool) -> Formatted {
    let bytes = match crate::run::read::read_capped(path, crate::run::read::SOURCE) {
        Ok(b) => b,
        Err(e) => {
            diagln!("error: {e}");
            return Formatted::Failed;
        }
    };
    let (text, encoding) = load::decode(&bytes);
    if encoding == Encoding::Windows1252 {
        let also = if write { "; written back as UTF-8" } else { "" };
        diagln!("{name}: warning: not valid UTF-8; read as Windows-1252{also}");
    }
    let mut map = SourceMap::default();
    let id = map.add(name.to_string(), text.clone());
    let mut interner = Interner::default();
    let (module, diags, comments) = parse_with_comments(id, &text, &mut interner);
    for d in &diags {
        diag!("{}", d.render_styled(&map, color));
    }
    if diags.iter().any(|d| d.severity == Severity::Error) {
        return Formatted::Failed;
    }
    let out = pretty::module_with_comments(&module, &interner, &text, &comments);
    if verify {
        let again = map.add(format!("{name} (formatted)"), out.clone());
        if let Err(e) = pretty::verify(&module, &text, &comments, &out, again, &mut interner) {
            if let pretty::Mismatch::Unparsable(diags) = &e {
                for d in diags {
                    diag!("{}", d.render_styled(&map, color));
                }
            }
            diagln!("{name}: {e}");
            return Formatted::Unverified;
        }
    }
    let changed = out.as_bytes() != bytes.as_slice();
    Formatted::Done { out, changed }
}

/// Replaces the file at `path` (the target, when it is a symbolic link) with `text`: written
/// to a new file in the same directory, given the old file's permissions, then renamed over
/// it, so that a reader (or a crash) never sees half a file.
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let target = std::fs::canonicalize(path)?;
    let permissions = std::fs::metadata(&target)?.permissions();
    let dir = target.parent().unwrap_or(Path::new("."));
    let base = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut attempt = 0;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(
            ".{base}.cspot-fmt-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            // A leftover of an earlier run with the same process id.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1
            }
            Err(e) => return Err(e),
        }
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.set_permissions(permissions))
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, &target)
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// `name` as a shell word: as it is when it has only characters no shell treats specially,
/// else in single quotes.
fn shell_quote(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+,:@%=".contains(c));
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "'\\''"))
    }
}
