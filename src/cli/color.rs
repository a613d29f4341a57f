//! `--color auto|always|never`: the one place that decides whether output is coloured.
//!
//! Every writer of colour (diagnostics on stderr, the human report and the trace trees on
//! stdout) asks [`stdout`] or [`stderr`], so that `--color`, `NO_COLOR` and `CLICOLOR_FORCE`
//! mean the same for every subcommand.

use clap::ValueEnum;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// The value of `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when the stream written is a terminal, unless `NO_COLOR` is set to a non-empty
    /// value; `CLICOLOR_FORCE` set to a value other than `0` colours pipes too.
    #[default]
    Auto,
    /// Colour even into a pipe or a file.
    Always,
    /// Never colour.
    Never,
}

/// The choice of this run. It is a property of the whole invocation, which every writer of
/// colour needs, deep in every subcommand: set once by `main` before the subcommand runs and
/// only read after, rather than threaded through every function that may print.
static CHOICE: OnceLock<ColorChoice> = OnceLock::new();

/// Records `--color` for the run (a second call changes nothing).
pub fn init(choice: ColorChoice) {
    let _ = CHOICE.set(choice);
}

/// Whether what is written to standard output is coloured.
pub fn stdout() -> bool {
    decide(std::io::stdout().is_terminal())
}

/// Whether what is written to standard error (diagnostics) is coloured.
pub fn stderr() -> bool {
    decide(std::io::stderr().is_terminal())
}

fn decide(terminal: bool) -> bool {
    wants(
        CHOICE.get().copied().unwrap_or_default(),
        terminal,
        std::env::var_os("NO_COLOR"),
        std::env::var_os("CLICOLOR_FORCE"),
    )
}

/// The rule: `always` and `never` are obeyed whatever the environment; `auto` colours a
/// terminal, and a pipe when `CLICOLOR_FORCE` asks for it, but never when `NO_COLOR` is
/// present and not empty (<https://no-color.org>), which wins over `CLICOLOR_FORCE` as it
/// does in other tools (a user's "no colour" beats a script's "force").
fn wants(
    choice: ColorChoice,
    terminal: bool,
    no_color: Option<OsString>,
    force: Option<OsString>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |v: &Option<OsString>| v.as_ref().is_some_and(|v| !v.is_empty());
            if set(&no_color) {
                false
            } else if set(&force) && force.as_deref() != Some("0".as_ref()) {
                true
            } else {
                terminal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        let v = |s: &str| Some(OsString::from(s));
        use ColorChoice::*;
        // (choice, terminal, NO_COLOR, CLICOLOR_FORCE) -> colour
        let cases = [
            (Auto, true, None, None, true),
            (Auto, false, None, None, false),
            (Auto, true, v("1"), None, false),
            (Auto, true, v(""), None, true),
            (Auto, false, None, v("1"), true),
            (Auto, false, None, v("0"), false),
            (Auto, false, None, v(""), false),
            (Auto, false, v("1"), v("1"), false),
            (Always, false, v("1"), None, true),
            (Never, true, None, v("1"), false),
        ];
        for (choice, terminal, no_color, force, want) in cases {
            assert_eq!(
                wants(choice, terminal, no_color.clone(), force.clone()),
                want,
                "{choice:?} terminal={terminal} NO_COLOR={no_color:?} CLICOLOR_FORCE={force:?}"
            );
        }
    }
}
