//! Escaping of report text for HTML and inline SVG, text nodes and quoted attributes alike.
//!
//! Owns the one rule every renderer of the page goes through: whatever came from an input
//! (span names, process states, file names) is written through [`Esc`]. It must not know
//! about the page's layout.

use std::fmt;

/// Text made safe for an HTML or SVG text node and for a double- or single-quoted
/// attribute value.
///
/// Markup characters become entities. Control characters and the bidirectional overrides
/// become visible stand-ins, because a hostile name must neither break the markup nor
/// reorder or hide the text a reader sees.
pub struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut clean_from = 0;
        for (i, c) in s.char_indices() {
            let Some(replacement) = replacement(c) else {
                continue;
            };
            f.write_str(&s[clean_from..i])?;
            match replacement {
                Replacement::Entity(e) => f.write_str(e)?,
                Replacement::Picture(p) => f.write_fmt(format_args!("{p}"))?,
                Replacement::CodePoint(n) => f.write_fmt(format_args!("\\u{{{n:x}}}"))?,
            }
            clean_from = i + c.len_utf8();
        }
        f.write_str(&s[clean_from..])
    }
}

enum Replacement {
    Entity(&'static str),
    /// The Unicode "control picture" of a C0 control or DEL, e.g. `␀`.
    Picture(char),
    /// Written as `\u{..}` text.
    CodePoint(u32),
}

fn replacement(c: char) -> Option<Replacement> {
    Some(match c {
        '&' => Replacement::Entity("&amp;"),
        '<' => Replacement::Entity("&lt;"),
        '>' => Replacement::Entity("&gt;"),
        '"' => Replacement::Entity("&quot;"),
        '\'' => Replacement::Entity("&#39;"),
        // Line breaks and tabs are kept: tooltips and multi-line facts use them.
        '\n' | '\t' => return None,
        '\u{0}'..='\u{1f}' => Replacement::Picture(char::from_u32(0x2400 + c as u32)?),
        '\u{7f}' => Replacement::Picture('\u{2421}'),
        '\u{80}'..='\u{9f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{fff9}'..='\u{fffb}' => Replacement::CodePoint(c as u32),
        _ => return None,
    })
}

/// `s` cut to at most `max` characters, ending in `…` when something was cut (drawings
/// have fixed room for labels; the full text goes into the element's `<title>`).
pub fn clip(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if s.char_indices().nth(max).is_none() {
        return s.into();
    }
    let cut = s
        .char_indices()
        .nth(max.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    format!("{}…", &s[..cut]).into()
}
