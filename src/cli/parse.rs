//! `cspot parse`: not built yet (scaffolding until its issue lands).

use super::Outcome;
use clap::Args;

#[derive(Args, Debug)]
pub struct ParseArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run(_args: ParseArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`cspot parse` is not built yet")
}

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run_fmt(_args: FmtArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not built yet")
}
