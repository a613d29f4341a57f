//! Shared pieces of the JSON readers: the reading context (builder, field path, where the text
//! comes from), positions of values, and seeds for the scalars OTLP/JSON writes loosely
//! (64-bit integers as strings or numbers, enums as integers or names).

use super::build::Builder;
use super::error::{FieldPath, Position};
use super::ids::{IdError, id_from_text};
use super::model::{SpanKind, StatusCode};
use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

/// The newlines in `data[..off]`, and the characters between the last of them (or the start)
/// and `off`: a position's line and column, counted from the slice's own.
pub fn lines_before(data: &[u8], off: usize) -> (u64, u64) {
    let before = &data[..off];
    let newlines = memchr::memchr_iter(b'\n', before).count() as u64;
    let start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let chars = String::from_utf8_lossy(&data[start..off]).chars().count() as u64;
    (newlines, chars)
}

/// Where the JSON text comes from, so a value can be given a line and column.
pub(crate) enum Src<'s> {
    /// Parsing from a slice: borrowed strings point into it. `line0` is the slice's first line.
    Slice { data: &'s [u8], line0: u64 },
    /// Parsing from a reader: the position of the reader, counted as bytes go by.
    Stream(Rc<StreamPos>),
}

/// Position of a counting reader: how far serde_json has read.
#[derive(Default)]
pub(crate) struct StreamPos {
    pub line: Cell<u64>,
    pub line_start: Cell<u64>,
    pub offset: Cell<u64>,
    /// A string passed the reader's cap (see [`CountingReader`]).
    pub over: Cell<bool>,
}

/// The reading context shared by all seeds of one document.
pub(crate) struct Ctx<'b, 's> {
    pub b: &'b mut Builder,
    pub path: FieldPath,
    pub src: Src<'s>,
    pub file: u16,
}

impl Ctx<'_, '_> {
    /// Line and column of a borrowed string (its opening quote), or of the reader's position.
    /// Position of an id read by [`IdSeed`].
    pub fn id_position(&self, ptr: Option<usize>, at: Option<(u64, u64)>) -> Position {
        match at {
            Some((line, col)) => Position::LineCol { line, col },
            None => self.position(ptr),
        }
    }

    pub fn position(&self, ptr: Option<usize>) -> Position {
        match (&self.src, ptr) {
            (Src::Slice { data, line0 }, Some(p)) => {
                let base = data.as_ptr() as usize;
                if p >= base && p <= base + data.len() {
                    let off = (p - base).saturating_sub(1);
                    let (line, col) = lines_before(data, off);
                    return Position::LineCol {
                        line: line0 + line,
                        col: col + 1,
                    };
                }
                Position::LineCol {
                    line: *line0,
                    col: 1,
                }
            }
            (Src::Slice { line0, .. }, None) => Position::LineCol {
                line: *line0,
                col: 1,
            },
            (Src::Stream(p), _) => Position::LineCol {
                line: p.line.get() + 1,
                col: p.offset.get().saturating_sub(p.line_start.get()) + 1,
            },
        }
    }

    /// The current path with one more field, as text.
    pub fn path_with(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.path)
        }
    }
}

/// An id read from text: its bytes or why not, and where it was (for the message).
pub(crate) struct IdText<const N: usize> {
    pub id: Result<[u8; N], IdError>,
    /// Where the string is: a pointer into the parsed slice, or a line and column of a stream.
    pub ptr: Option<usize>,
    pub at: Option<(u64, u64)>,
}

impl<const N: usize> Default for IdText<N> {
    fn default() -> Self {
        IdText {
            id: Err(IdError::Empty),
            ptr: None,
            at: None,
        }
    }
}

/// Seed for an id written as text.
pub(crate) struct IdSeed<'p, const N: usize> {
    pub base64: bool,
    /// Accept half-length hex, left-padded (Jaeger and Zipkin 64-bit trace ids).
    pub pad: bool,
    /// The stream's position, when parsing from a reader.
    pub stream: Option<&'p StreamPos>,
}

impl<'p, const N: usize> IdSeed<'p, N> {
    pub fn new(ctx: &'p Ctx, pad: bool) -> Self {
        IdSeed {
            base64: ctx.b.opts.accept_base64,
            pad,
            stream: match &ctx.src {
                Src::Stream(p) => Some(p),
                Src::Slice { .. } => None,
            },
        }
    }
}

impl<'de, const N: usize> DeserializeSeed<'de> for IdSeed<'_, N> {
    type Value = IdText<N>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for IdSeed<'_, N> {
    type Value = IdText<N>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a hex id of {} digits", 2 * N)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(IdText {
            id: id_from_text::<N>(v.as_bytes(), self.base64, self.pad),
            ptr: Some(v.as_ptr() as usize),
            at: None,
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        // The reader has just passed the closing quote: the opening one is `len + 2` back.
        let at = self.stream.map(|p| {
            let open = p.offset.get().saturating_sub(v.len() as u64 + 2);
            (
                p.line.get() + 1,
                open.saturating_sub(p.line_start.get()) + 1,
            )
        });
        Ok(IdText {
            id: id_from_text::<N>(v.as_bytes(), self.base64, self.pad),
            ptr: None,
            at,
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(IdText::default())
    }
}

/// An unsigned 64-bit integer written as a number or a string of digits.
pub(crate) struct U64Seed;

impl<'de> DeserializeSeed<'de> for U64Seed {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for U64Seed {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an unsigned integer (a number or a string of digits)")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::custom(format!("{v} is negative")))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        if v >= 0.0 && v.fract() == 0.0 && v < 1.9e19 {
            Ok(v as u64)
        } else {
            Err(E::custom(format!("{v} is not an unsigned integer")))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::custom(format!("`{v}` is not an unsigned integer")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Ok(0)
    }
}

/// A time or duration in microseconds (Jaeger, Zipkin), read as nanoseconds. Past what `u64`
/// nanoseconds hold (2^64 - 1 ns, in the year 2554) it is an error at the value, never a
/// saturated or wrapped time that would make a wrong span silently.
pub(crate) struct MicrosSeed;

impl<'de> DeserializeSeed<'de> for MicrosSeed {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        let us = U64Seed.deserialize(d)?;
        us.checked_mul(1000).ok_or_else(|| {
            de::Error::custom(format!(
                "{us} µs is past the largest time in u64 nanoseconds (18446744073709551 µs)"
            ))
        })
    }
}

/// The end of a span from its start and duration in nanoseconds; an end past `u64`
/// nanoseconds is an error (see [`MicrosSeed`]).
pub(crate) fn span_end<E: de::Error>(start: u64, duration: u64) -> Result<u64, E> {
    start.checked_add(duration).ok_or_else(|| {
        E::custom(format!(
            "start {start} ns + duration {duration} ns is past the largest time in u64 \
             nanoseconds"
        ))
    })
}

/// An enum written as an integer or a name, mapped by the two functions.
pub(crate) struct EnumSeed<T> {
    pub what: &'static str,
    pub from_int: fn(i64) -> Option<T>,
    pub from_name: fn(&str) -> Option<T>,
}

impl<'de, T> DeserializeSeed<'de> for EnumSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T> Visitor<'de> for EnumSeed<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a {} (an integer or a name)", self.what)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.visit_i64(v.min(i64::MAX as u64) as i64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        (self.from_int)(v).ok_or_else(|| E::custom(format!("{v} is not a {}", self.what)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.from_name)(v).ok_or_else(|| E::custom(format!("`{v}` is not a {}", self.what)))
    }
}

/// A string, interned as it is read (no allocation when it was seen before).
pub(crate) struct SymSeed<'a>(pub &'a mut Builder);

impl<'de> DeserializeSeed<'de> for SymSeed<'_> {
    type Value = super::model::Sym;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for SymSeed<'_> {
    type Value = super::model::Sym;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(self.0.intern(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(super::model::Sym::EMPTY)
    }
}

/// Reads a map key without allocating, as one of a message's fields (or `Other`).
pub(crate) struct KeySeed<F>(pub fn(&str) -> F);

impl<'de, F> DeserializeSeed<'de> for KeySeed<F> {
    type Value = F;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<F, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de, F> Visitor<'de> for KeySeed<F> {
    type Value = F;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<F, E> {
        Ok((self.0)(v))
    }
}

/// Counts lines and bytes as serde_json reads them (for positions in streamed documents), and
/// bounds its strings: serde_json holds a whole string (or key) in memory, so one longer than
/// `cap` bytes ends the read with an IO error carrying `over` (the reader's message).
pub(crate) struct CountingReader<R> {
    pub inner: R,
    pub pos: Rc<StreamPos>,
    pub strings: StringCap,
}

/// The lexical state of the bytes read so far: inside a string, after a backslash, how long
/// the current string is.
pub(crate) struct StringCap {
    pub cap: u64,
    pub over: String,
    in_str: bool,
    esc: bool,
    run: u64,
}

impl StringCap {
    pub fn new(cap: u64, over: String) -> Self {
        StringCap {
            cap,
            over,
            in_str: false,
            esc: false,
            run: 0,
        }
    }

    /// Follows one byte; `false` when the string it is in has passed the cap.
    fn step(&mut self, c: u8) -> bool {
        if !self.in_str {
            if c == b'"' {
                self.in_str = true;
                self.run = 0;
            }
            return true;
        }
        if self.esc {
            self.esc = false;
        } else if c == b'\\' {
            self.esc = true;
        } else if c == b'"' {
            self.in_str = false;
            return true;
        }
        self.run += 1;
        self.run <= self.cap
    }
}

impl<R: std::io::Read> std::io::Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let off = self.pos.offset.get();
        for (i, &c) in buf[..n].iter().enumerate() {
            if c == b'\n' {
                self.pos.line.set(self.pos.line.get() + 1);
                self.pos.line_start.set(off + i as u64 + 1);
            }
            if !self.strings.step(c) {
                self.pos.offset.set(off + i as u64);
                self.pos.over.set(true);
                return Err(std::io::Error::other(self.strings.over.clone()));
            }
        }
        self.pos.offset.set(off + n as u64);
        Ok(n)
    }
}

/// A list whose elements are read by `E`, with the index kept in the field path.
pub(crate) struct ListSeed<'c, 'b, 's, E> {
    pub ctx: &'c mut Ctx<'b, 's>,
    pub _e: PhantomData<E>,
}

pub(crate) fn list<'c, 'b, 's, E>(ctx: &'c mut Ctx<'b, 's>) -> ListSeed<'c, 'b, 's, E> {
    ListSeed {
        ctx,
        _e: PhantomData,
    }
}

/// Reads one element of a list; `false` at its end.
pub(crate) trait Elem {
    fn next<'de, A: SeqAccess<'de>>(ctx: &mut Ctx, seq: &mut A) -> Result<bool, A::Error>;
}

impl<'de, E: Elem> DeserializeSeed<'de> for ListSeed<'_, '_, '_, E> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E: Elem> Visitor<'de> for ListSeed<'_, '_, '_, E> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.ctx.path.push_index(0);
        let mut i = 0;
        loop {
            self.ctx.path.set_index(i);
            if !E::next(self.ctx, &mut seq)? {
                break;
            }
            i += 1;
        }
        self.ctx.path.pop();
        Ok(())
    }
    fn visit_unit<E2: de::Error>(self) -> Result<(), E2> {
        Ok(())
    }
}

/// Reads a field's value with the field's canonical name pushed on the path.
macro_rules! field {
    ($ctx:expr, $name:expr, $map:expr, $seed:expr) => {{
        $ctx.path.push_field($name);
        // On error the path is left as it is: it names where reading failed.
        match $map.next_value_seed($seed) {
            Ok(v) => {
                $ctx.path.pop();
                Ok(v)
            }
            Err(e) => Err(e),
        }
    }};
}
pub(crate) use field;

pub(crate) const KIND_SEED: EnumSeed<SpanKind> = EnumSeed {
    what: "span kind",
    from_int: SpanKind::from_i64,
    from_name: SpanKind::from_name,
};

pub(crate) const STATUS_SEED: EnumSeed<StatusCode> = EnumSeed {
    what: "status code",
    from_int: StatusCode::from_i64,
    from_name: StatusCode::from_name,
};
