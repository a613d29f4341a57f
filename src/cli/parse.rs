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
