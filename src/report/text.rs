//! Text bound for a terminal: the one escaping of what came from input (span and service
//! names, attribute values, ids, file names, messages that quote them). A captured dump can
//! hold escape sequences that recolour, retitle or clear the terminal, and bidi overrides that
//! show text in another order than it is; every human and tree renderer passes such text
//! through [`clean`]. JSON, JUnit, SARIF and HTML escape by their own formats instead.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal raw: C0 controls (newline included: a name must not
/// fake a line of output), DEL, C1 controls, and the bidi embeddings, overrides and isolates.
fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every hostile character written as a visible escape: `\e` for ESC, `\n`, `\r`,
/// `\t`, and `\u{..}` for the others. Borrowed when there is nothing to escape (the usual case).
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hostile(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`clean`] line by line, keeping the line breaks: for messages written on several lines.
pub fn clean_lines(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_hostile(c)) {
        return Cow::Borrowed(s);
    }
    let lines: Vec<Cow<str>> = s.split('\n').map(clean).collect();
    Cow::Owned(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert!(matches!(clean("plain ünïcode"), Cow::Borrowed(_)));
        assert_eq!(clean("\u{1b}[2Jx\u{7}"), "\\e[2Jx\\u{7}");
        assert_eq!(
            clean("a\u{9b}31m\u{202e}b\u{7f}"),
            "a\\u{9b}31m\\u{202e}b\\u{7f}"
        );
        assert_eq!(clean("two\nlines"), "two\\nlines");
        assert_eq!(clean_lines("one\u{1b}\ntwo"), "one\\e\ntwo");
    }
}
