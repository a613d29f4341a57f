//! `cspot parse FILE...` and `cspot fmt FILE`.

use std::path::PathBuf;
use crate::cspm::load;

use clap::Args;
use crate::cspm::ast::Interner;
use crate::cspm::source::{Diagnostic, Severity, SourceMap};
use crate::run::FsLoader;
use crate::cspm::{parse, pretty};
use crate::report::exit;

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
    let bytes = crate::run::read::read_capped(&args.file, crate::run::read::SOURCE)?;
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

