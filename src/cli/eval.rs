//! `cspot eval`: not built yet (scaffolding until its issue lands).

use super::Outcome;
use clap::Args;

#[derive(Args, Debug)]
pub struct EvalArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run(_args: EvalArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`cspot eval` is not built yet")
}
