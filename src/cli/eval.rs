//! `cspot eval FILE EXPR`: evaluates an expression in the context of a CSPM file and prints
//! its value in FDR's display form. `--tests` evaluates every `test…` and `procTest…`
//! binding instead (libcspm's test convention).

use super::Outcome;
use crate::cspm::Script;
use crate::report::exit;
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The CSPM file whose definitions the expression sees.
    pub file: PathBuf,
    /// The expression to evaluate, e.g. `card(Events)` or `PHIL(0)`.
    #[arg(required_unless_present_any = ["tests", "assertions"], allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// Evaluate every top-level `test…` binding (each should be `true`) and every
    /// `procTest…` process, printing `name = value` per binding. Exit 0 when every test is
    /// `true`, 1 when one is not, 2 when one cannot be evaluated.
    #[arg(long, conflicts_with = "expr")]
    pub tests: bool,
    /// Evaluate every `assert` instead: print each one's property with its processes, and
    /// unfold up to N calls reachable from them to surface evaluation errors (0: none).
    #[arg(long, value_name = "N", conflicts_with_all = ["expr", "tests"])]
    pub assertions: Option<usize>,
    /// Stop after this long (seconds, or with a unit: 1.5s, 500ms, 5m), loading included:
    /// exit 3. No bound without it.
    #[arg(long, value_name = "DURATION", value_parser = super::units::parse_positive_duration)]
    pub timeout: Option<std::time::Duration>,
    /// Stop when the process would hold more memory than this (bytes, or with K, M, G, T,
    /// powers of 1024: 512M, 4GiB): exit 3. Default: 80% of the memory available (or of the
    /// container's limit).
    #[arg(long, value_name = "SIZE", value_parser = super::units::parse_size)]
    pub max_memory: Option<u64>,
}

/// Evaluation is bounded as in `check`: an expression that loops or grows without end ends
/// inconclusive (exit 3) at `--timeout` or `--max-memory`.
pub fn run(args: EvalArgs) -> anyhow::Result<Outcome> {
    super::common::within_bounds(
        args.timeout,
        args.max_memory,
        |_| run_within(args),
        |bound, hint| format!("inconclusive: evaluation {bound}; {hint}"),
    )
}

fn run_within(args: EvalArgs) -> anyhow::Result<Outcome> {
    let file = args.file.display().to_string();
    let mut script = match Script::load(&file, &mut crate::run::FsLoader::default()) {
        Ok(s) => s,
        Err(e) => {
            diag!("{e}");
            return Ok(Outcome::Code(exit::ERROR));
        }
    };
    if args.tests {
        let mut code = exit::HOLDS;
        let tests = script.tests();
        if tests.is_empty() {
            diagln!(
                "warning: {file} has no test… binding and no procTest… process: nothing was \
                 checked (exit code 4)"
            );
            return Ok(Outcome::Code(exit::NOTHING_CHECKED));
        }
        for t in tests {
            match (&t.result, t.passed) {
                (Ok(v), Some(true)) | (Ok(v), None) => outln!("{} = {v}", t.name),
                (Ok(v), Some(false)) => {
                    outln!("{} = {v}", t.name);
                    code = code.max(exit::VIOLATED);
                }
                (Err(d), _) => {
                    outln!("{} : error: {}", t.name, d.message);
                    diag!(
                        "{}",
                        d.render_styled(script.source_map(), super::color::stderr())
                    );
                    code = exit::ERROR;
                }
            }
        }
        return Ok(Outcome::Code(code));
    }
    if let Some(limit) = args.assertions {
        return Ok(Outcome::Code(assertions(&mut script, limit)?));
    }
    let expr = args.expr.unwrap_or_default();
    match script.eval(&expr) {
        Ok(v) => {
            outln!("{}", script.show(&v));
            Ok(Outcome::Code(exit::HOLDS))
        }
        Err(d) => {
            diag!(
                "{}",
                d.render_styled(script.source_map(), super::color::stderr())
            );
            Ok(Outcome::Code(exit::ERROR))
        }
    }
}

/// `--assertions`: every assertion's property, its processes' calls unfolded up to `limit`.
fn assertions(script: &mut Script, limit: usize) -> anyhow::Result<i32> {
    use crate::cspm::proc::Property;
    let mut code = exit::HOLDS;
    for (i, a) in script.assertions().into_iter().enumerate() {
        let a = match a {
            Ok(a) => a,
            Err(d) => {
                outln!("assert {}: error: {}", i + 1, d.message);
                diag!(
                    "{}",
                    d.render_styled(script.source_map(), super::color::stderr())
                );
                code = exit::ERROR;
                continue;
            }
        };
        let procs: Vec<_> = match &a.property {
            Property::Refinement { spec, imp, .. } => vec![*spec, *imp],
            Property::DeadlockFree { proc, .. }
            | Property::DivergenceFree { proc }
            | Property::Deterministic { proc, .. }
            | Property::HasTrace { proc, .. } => vec![*proc],
            Property::Bool(_) => Vec::new(),
        };
        let kind = match &a.property {
            Property::Refinement { model, .. } => format!("refinement {model:?}"),
            Property::DeadlockFree { model, .. } => format!("deadlock free {model:?}"),
            Property::DivergenceFree { .. } => "divergence free".to_string(),
            Property::Deterministic { model, .. } => format!("deterministic {model:?}"),
            Property::HasTrace { trace, .. } => format!("has trace of {} events", trace.len()),
            Property::Bool(b) => format!("boolean {b}"),
        };
        let mut failed = None;
        for p in &procs {
            if let Err(d) = script.unfold_reachable(*p, limit) {
                failed = Some(d);
                break;
            }
        }
        let shown: Vec<String> = procs.iter().map(|p| script.show_proc(*p, 2)).collect();
        match failed {
            None => outln!(
                "assert {}: {}{} : {kind} : {}",
                i + 1,
                if a.negated { "not " } else { "" },
                a.text,
                shown.join(" ; ")
            ),
            Some(d) => {
                outln!("assert {}: error: {}", i + 1, d.message);
                diag!(
                    "{}",
                    d.render_styled(script.source_map(), super::color::stderr())
                );
                code = exit::ERROR;
            }
        }
    }
    Ok(code)
}
