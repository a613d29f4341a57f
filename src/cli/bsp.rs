//! `cspot bsp`: not built yet (scaffolding until its issue lands).

use super::Outcome;
use clap::Args;

#[derive(Args, Debug)]
pub struct BspArgs {
    /// Arguments, once the command exists.
    pub rest: Vec<String>,
}

pub fn run(_args: BspArgs) -> anyhow::Result<Outcome> {
    anyhow::bail!("`cspot bsp` is not built yet")
}
