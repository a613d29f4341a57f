//! `cspot check`: not built yet (scaffolding until its issue lands).

use super::Outcome;
use clap::Args;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run(_args: CheckArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`cspot check` is not built yet")
}

#[derive(Args, Debug)]
pub struct LtsArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run_lts(_args: LtsArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("not built yet")
}
