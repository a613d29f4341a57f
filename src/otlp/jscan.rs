//! A JSON scanner over bytes in memory, for the OTLP/JSON reader: the reader drives it field by
//! field, strings stay borrowed (unescaped only when they hold escapes), and UTF-8 is checked
//! only for strings that are new to the intern table. Every error carries its byte offset.

use std::borrow::Cow;

/// A scanning failure: where (byte offset into the scanned slice) and what.
#[derive(Debug)]
pub(crate) struct ScanError {
    pub at: usize,
    pub message: String,
}

pub(crate) type R<T> = Result<T, ScanError>;

pub(crate) struct Scan<'a> {
    pub buf: &'a [u8],
    pub pos: usize,
}

impl<'a> Scan<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Scan { buf, pos: 0 }
    }

    pub fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(ScanError {
            at: self.pos,
            message: message.into(),
        })
    }

    #[inline]
    pub fn ws(&mut self) {
        while let Some(&c) = self.buf.get(self.pos) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The next significant byte, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.buf.get(self.pos).copied()
    }

    fn what(&mut self) -> String {
        match self.peek() {
            None => "the end of the input".into(),
            Some(c) if c.is_ascii_graphic() => format!("`{}`", c as char),
            Some(c) => format!("byte 0x{c:02x}"),
        }
    }

    pub fn expect(&mut self, c: u8) -> R<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            let w = self.what();
            self.err(format!("expected `{}`, found {w}", c as char))
        }
    }

    /// `null`, consumed when it is next.
    pub fn null(&mut self) -> bool {
        if self.peek() == Some(b'n') && self.buf[self.pos..].starts_with(b"null") {
            self.pos += 4;
            true
        } else {
            false
        }
    }

    /// Iterates over an object's members: `f` gets each key (raw bytes, unescaped) and must
    /// consume the value. `null` is an empty object.
    pub fn object(&mut self, mut f: impl FnMut(&mut Self, &[u8]) -> R<()>) -> R<()> {
        if self.peek() != Some(b'{') {
            if self.null() {
                return Ok(());
            }
            let w = self.what();
            return self.err(format!("expected an object, found {w}"));
        }
        self.pos += 1;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            // Fast path: most writers put the colon right after the key.
            if self.buf.get(self.pos) == Some(&b':') {
                self.pos += 1;
            } else {
                self.expect(b':')?;
            }
            f(self, &key)?;
            let next = match self.buf.get(self.pos) {
                Some(&c) if c == b',' || c == b'}' => Some(c),
                _ => self.peek(),
            };
            match next {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {
                    let w = self.what();
                    return self.err(format!("expected `,` or `}}`, found {w}"));
                }
            }
        }
    }

    /// Iterates over an array's elements: `f` gets each index and must consume the element.
    /// `null` is an empty array.
    pub fn array(&mut self, mut f: impl FnMut(&mut Self, usize) -> R<()>) -> R<()> {
        if self.peek() != Some(b'[') {
            if self.null() {
                return Ok(());
            }
            let w = self.what();
            return self.err(format!("expected a list, found {w}"));
        }
        self.pos += 1;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            f(self, i)?;
            i += 1;
            let next = match self.buf.get(self.pos) {
                Some(&c) if c == b',' || c == b']' => Some(c),
                _ => self.peek(),
            };
            match next {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {
                    let w = self.what();
                    return self.err(format!("expected `,` or `]`, found {w}"));
                }
            }
        }
    }

    /// A string's bytes, unescaped (not yet checked to be UTF-8).
    pub fn string(&mut self) -> R<Cow<'a, [u8]>> {
        if self.buf.get(self.pos) != Some(&b'"') && self.peek() != Some(b'"') {
            let w = self.what();
            return self.err(format!("expected a string, found {w}"));
        }
        self.pos += 1;
        let start = self.pos;
        let rest = &self.buf[start..];
        let Some(n) = find_special(rest) else {
            self.pos = self.buf.len();
            return self.err("unterminated string");
        };
        if rest[n] == b'"' {
            self.pos = start + n + 1;
            return Ok(Cow::Borrowed(&rest[..n]));
        }
        if rest[n] < 0x20 {
            self.pos = start + n;
            return self.err("control character in a string");
        }
        let mut out = rest[..n].to_vec();
        self.pos = start + n;
        loop {
            let Some(&c) = self.buf.get(self.pos) else {
                return self.err("unterminated string");
            };
            self.pos += 1;
            match c {
                b'"' => return Ok(Cow::Owned(out)),
                b'\\' => {
                    let Some(&e) = self.buf.get(self.pos) else {
                        return self.err("unterminated string");
                    };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xd800..0xdc00).contains(&cp)
                                && self.buf[self.pos..].starts_with(b"\\u")
                            {
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                                } else {
                                    return self.err("invalid surrogate pair");
                                }
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut b = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                        }
                        _ => {
                            self.pos -= 1;
                            return self.err("invalid escape");
                        }
                    }
                }
                c if c < 0x20 => {
                    self.pos -= 1;
                    return self.err("control character in a string");
                }
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let Some(h) = self.buf.get(self.pos..self.pos + 4) else {
            return self.err("truncated \\u escape");
        };
        let s = std::str::from_utf8(h).ok();
        match s.and_then(|s| u32::from_str_radix(s, 16).ok()) {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => self.err("invalid \\u escape"),
        }
    }

    /// The raw text of a number, consumed.
    fn number_text(&mut self) -> R<&'a [u8]> {
        self.ws();
        let start = self.pos;
        while let Some(&c) = self.buf.get(self.pos) {
            if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E') {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            let w = self.what();
            return self.err(format!("expected a number, found {w}"));
        }
        Ok(&self.buf[start..self.pos])
    }

    /// An unsigned integer written as a number or a string of digits; `null` is 0.
    pub fn u64(&mut self) -> R<u64> {
        let at = self.pos;
        let (text, quoted) = self.numeric()?;
        if let Some(v) = digits(&text) {
            return Ok(v);
        }
        let s = String::from_utf8_lossy(&text);
        match s.trim().parse::<f64>() {
            Ok(f) if !quoted && f >= 0.0 && f.fract() == 0.0 && f < 1.9e19 => Ok(f as u64),
            _ => Err(ScanError {
                at,
                message: format!("`{s}` is not an unsigned integer"),
            }),
        }
    }

    /// A signed integer written as a number or a string of digits; `null` is 0.
    pub fn i64(&mut self) -> R<i64> {
        let at = self.pos;
        let (text, quoted) = self.numeric()?;
        let s = String::from_utf8_lossy(&text);
        if let Ok(v) = s.trim().parse::<i64>() {
            return Ok(v);
        }
        match s.trim().parse::<f64>() {
            Ok(f) if !quoted && f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
            _ => Err(ScanError {
                at,
                message: format!("`{s}` is not an integer"),
            }),
        }
    }

    /// A double: a number, or a string (`"NaN"`, `"Infinity"`, `"-Infinity"`, digits).
    pub fn f64(&mut self) -> R<f64> {
        let at = self.pos;
        let (text, _) = self.numeric()?;
        let s = String::from_utf8_lossy(&text);
        match &*s {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            t => t.trim().parse().map_err(|_| ScanError {
                at,
                message: format!("`{t}` is not a number"),
            }),
        }
    }

    /// A number's text, or a string's; whether it was quoted.
    fn numeric(&mut self) -> R<(Cow<'a, [u8]>, bool)> {
        match self.peek() {
            Some(b'"') => Ok((self.string()?, true)),
            Some(b'n') if self.null() => Ok((Cow::Borrowed(b"0"), false)),
            _ => Ok((Cow::Borrowed(self.number_text()?), false)),
        }
    }

    pub fn bool(&mut self) -> R<bool> {
        self.ws();
        let rest = &self.buf[self.pos..];
        if rest.starts_with(b"true") {
            self.pos += 4;
            Ok(true)
        } else if rest.starts_with(b"false") {
            self.pos += 5;
            Ok(false)
        } else if self.null() {
            Ok(false)
        } else {
            let w = self.what();
            self.err(format!("expected a boolean, found {w}"))
        }
    }

    /// Skips any value, checking its syntax.
    pub fn skip(&mut self) -> R<()> {
        self.skip_depth(0)
    }

    fn skip_depth(&mut self, depth: u32) -> R<()> {
        if depth > 128 {
            return self.err("values nested more than 128 deep");
        }
        match self.peek() {
            Some(b'{') => self.object(|s, _| s.skip_depth(depth + 1)),
            Some(b'[') => self.array(|s, _| s.skip_depth(depth + 1)),
            Some(b'"') => self.string().map(|_| ()),
            Some(b't') | Some(b'f') => self.bool().map(|_| ()),
            Some(b'n') if self.null() => Ok(()),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number_text().map(|_| ()),
            _ => {
                let w = self.what();
                self.err(format!("expected a value, found {w}"))
            }
        }
    }

    /// Checks that only whitespace is left.
    pub fn end(&mut self) -> R<()> {
        match self.peek() {
            None => Ok(()),
            Some(_) => {
                let w = self.what();
                self.err(format!(
                    "trailing {w} after the document (several documents must be one per line, as JSON Lines)"
                ))
            }
        }
    }
}

/// Marks the bytes of `v` that are zero: exact for the lowest one (borrows only run upward).
#[inline]
fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(0x0101_0101_0101_0101) & !v & 0x8080_8080_8080_8080
}

/// The first `"`, `\\` or control byte, eight bytes at a time.
#[inline]
pub(crate) fn find_special(s: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 8 <= s.len() {
        let mut a = [0u8; 8];
        a.copy_from_slice(&s[i..i + 8]);
        let w = u64::from_le_bytes(a);
        let quote = zero_bytes(w ^ 0x2222_2222_2222_2222);
        let backslash = zero_bytes(w ^ 0x5c5c_5c5c_5c5c_5c5c);
        let control = w.wrapping_sub(0x2020_2020_2020_2020) & !w & 0x8080_8080_8080_8080;
        let m = quote | backslash | control;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// Plain decimal digits to u64, without overflow.
#[inline]
fn digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_special_agrees_with_a_plain_search() {
        let mut state = 7u64;
        for len in 0..64 {
            for _ in 0..50 {
                let v: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        match (state >> 60) as u8 {
                            0 => b'"',
                            1 => b'\\',
                            2 => (state >> 40) as u8 & 0x1f,
                            _ => 0x20 + ((state >> 33) as u8 % 0xdf),
                        }
                    })
                    .collect();
                let want = v.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
                assert_eq!(find_special(&v), want, "{v:?}");
            }
        }
    }

    #[test]
    fn strings_numbers_and_skipping() {
        let mut s = Scan::new(br#" {"a\"b": "x\u00e9\ud83d\ude00", "n": "12", "m": 3.0, "z": [1, {"q": null}, true]} "#);
        let mut seen = Vec::new();
        s.object(|s, k| {
            seen.push(String::from_utf8_lossy(k).into_owned());
            match k {
                b"a\"b" => {
                    let v = s.string()?;
                    assert_eq!(std::str::from_utf8(&v).unwrap(), "xé😀");
                    Ok(())
                }
                b"n" => {
                    assert_eq!(s.u64()?, 12);
                    Ok(())
                }
                b"m" => {
                    assert_eq!(s.u64()?, 3);
                    Ok(())
                }
                _ => s.skip(),
            }
        })
        .unwrap();
        s.end().unwrap();
        assert_eq!(seen, ["a\"b", "n", "m", "z"]);
        let mut bad = Scan::new(b"{\"a\" 1}");
        let e = bad.object(|s, _| s.skip()).unwrap_err();
        assert_eq!(e.at, 5);
        assert!(Scan::new(b"\"x").string().is_err());
        assert!(Scan::new(b"\"-5\"").u64().is_err());
        assert_eq!(Scan::new(b"-5").i64().unwrap(), -5);
    }
}
