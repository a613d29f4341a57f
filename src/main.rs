//! The `cspot` binary: parses the command line and hands each subcommand to `cli`.

mod cli;

/// Live heap bytes are counted so that `--max-memory` bounds evaluation and compilation too,
/// not only the search (`cspot::budget`).
#[global_allocator]
static ALLOC: cspot::budget::CountingAlloc = cspot::budget::CountingAlloc;

use clap::{Parser, Subcommand};

/// cspot: model checking for CSPM and verification of captured OpenTelemetry traces.
///
/// Exit codes: 0 every property holds, 1 a property is violated, 2 usage, parse, type or IO
/// error (an input that could not be checked is also a result with verdict `error` in every
/// report format), 3 a bound (states, memory, time) stopped a check before an answer. An
/// error beats a violation, which beats an inconclusive result.
///
/// Files read whole are capped: a CSPM source or included file at 256 MiB, a model or BSP
/// configuration file at 16 MiB, a saved report at 1 GiB; devices (`/dev/zero`) are refused.
#[derive(Parser)]
#[command(name = "cspot", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse CSPM files and check their scopes.
    Parse(cli::parse::ParseArgs),
    /// Evaluate an expression in the context of a CSPM file.
    Eval(cli::eval::EvalArgs),
    /// Pretty-print CSPM files, keeping their comments.
    Fmt(cli::parse::FmtArgs),
    /// Check the assertions of CSPM files.
    Check(cli::check::CheckArgs),
    /// Export the labelled transition system of a process (dot, aut, json).
    Lts(cli::check::LtsArgs),
    /// Read, assemble and check captured OpenTelemetry traces.
    Traces(cli::traces::TracesArgs),
    /// Explore the OpenTelemetry BatchSpanProcessor model.
    Bsp(cli::bsp::BspArgs),
    /// Render a saved JSON report again: human, JSON, JUnit, SARIF or HTML.
    Report(cli::render::RenderArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parse(a) => cli::parse::run(a),
        Command::Eval(a) => cli::eval::run(a),
        Command::Fmt(a) => cli::parse::run_fmt(a),
        Command::Check(a) => cli::check::run(a),
        Command::Lts(a) => cli::check::run_lts(a),
        Command::Traces(a) => cli::traces::run(a),
        Command::Bsp(a) => cli::bsp::run(a),
        Command::Report(a) => cli::render::run(a),
    };
    std::process::exit(cli::finish(result));
}
