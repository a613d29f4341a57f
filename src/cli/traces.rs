//! `cspot traces`: not built yet (scaffolding until its issue lands).

use super::Outcome;
use clap::Args;

#[derive(Args, Debug)]
pub struct TracesArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run(_args: TracesArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`cspot traces` is not built yet")
}
