//! The span model: fixed-size ids, interned strings, compact attributes, spans in flat arenas.
//!
//! Every string a dump repeats (span names, event names, attribute keys and string values,
//! service names) is interned once into a [`Strings`] table and named by a [`Sym`]. Attributes
//! are 16 bytes each, events and links live in arenas of their own, and a [`Span`] refers to
//! them by ranges, so a span kept costs a fixed, small number of bytes whatever the input.

use hashbrown::HashTable;
use std::fmt;
use std::hash::{BuildHasher, Hasher};

/// A 16-byte trace id. All zeros is the invalid id of the W3C and OpenTelemetry specifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id. All zeros is invalid (and, as a parent id, means "no parent").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    pub const INVALID: TraceId = TraceId([0; 16]);
    pub fn is_valid(&self) -> bool {
        self.0 != [0; 16]
    }
    /// The id as a big-endian integer: cheap to compare and hash.
    pub fn as_u128(&self) -> u128 {
        u128::from_be_bytes(self.0)
    }
}

impl SpanId {
    pub const INVALID: SpanId = SpanId([0; 8]);
    pub fn is_valid(&self) -> bool {
        self.0 != [0; 8]
    }
    pub fn as_u64(&self) -> u64 {
        u64::from_be_bytes(self.0)
    }
}

fn hex(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 32];
    for (i, b) in bytes.iter().take(16).enumerate() {
        out[2 * i] = H[(b >> 4) as usize];
        out[2 * i + 1] = H[(b & 15) as usize];
    }
    let n = 2 * bytes.len().min(16);
    f.write_str(std::str::from_utf8(&out[..n]).unwrap_or(""))
}

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hex(&self.0, f)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        hex(&self.0, f)
    }
}

/// An interned string: an index into [`Strings`]. `Sym::EMPTY` is the empty string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

impl Sym {
    pub const EMPTY: Sym = Sym(0);
}

/// The intern table: every distinct string once, in one buffer.
#[derive(Clone)]
pub struct Strings {
    text: String,
    /// Start offset of each string in `text`; string `i` ends where `i + 1` starts.
    starts: Vec<u32>,
    table: HashTable<u32>,
}

impl fmt::Debug for Strings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Strings({} strings)", self.len())
    }
}

impl Default for Strings {
    fn default() -> Self {
        let mut s = Strings {
            text: String::new(),
            starts: vec![0],
            table: HashTable::new(),
        };
        s.intern("");
        s
    }
}

fn hash_str(s: &str) -> u64 {
    hash_bytes(s.as_bytes())
}

fn hash_bytes(s: &[u8]) -> u64 {
    let mut h = rustc_hash::FxBuildHasher.build_hasher();
    h.write(s);
    h.finish()
}

impl Strings {
    /// Number of distinct strings (the empty string included).
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The text of a symbol; the empty string for a symbol of another table.
    pub fn get(&self, sym: Sym) -> &str {
        let i = sym.0 as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.text.get(a as usize..b as usize).unwrap_or(""),
            _ => "",
        }
    }

    /// The symbol of a string, adding it when new.
    pub fn intern(&mut self, s: &str) -> Sym {
        let h = hash_str(s);
        self.find(h, s.as_bytes())
            .unwrap_or_else(|| self.insert_new(h, s))
    }

    /// The symbol of a byte string, adding it when new; `None` when it is new and not UTF-8.
    /// Bytes already in the table are valid by construction, so only new strings are checked.
    pub fn intern_bytes(&mut self, b: &[u8]) -> Option<Sym> {
        let h = hash_bytes(b);
        if let Some(sym) = self.find(h, b) {
            return Some(sym);
        }
        let s = std::str::from_utf8(b).ok()?;
        Some(self.insert_new(h, s))
    }

    /// The symbol of a string if it was interned.
    pub fn lookup(&self, s: &str) -> Option<Sym> {
        self.find(hash_str(s), s.as_bytes())
    }

    /// The symbol of `b`, whose hash is `h`, if it was interned.
    fn find(&self, h: u64, b: &[u8]) -> Option<Sym> {
        let (text, starts) = (self.text.as_bytes(), &self.starts);
        self.table
            .find(h, |&i| {
                let i = i as usize;
                &text[starts[i] as usize..starts[i + 1] as usize] == b
            })
            .map(|&i| Sym(i))
    }

    /// Whether the text reached what `u32` offsets index: new strings are then the empty one,
    /// and the builder stops reading at its next span.
    pub fn full(&self) -> bool {
        self.text.len() as u64 > u32::MAX as u64 / 2
    }

    /// The bytes the table has reserved.
    pub fn bytes(&self) -> u64 {
        (self.text.capacity() + self.starts.capacity() * 4 + self.table.capacity() * 4) as u64
    }

    /// Adds `s` (hash `h`), known not to be interned yet.
    fn insert_new(&mut self, h: u64, s: &str) -> Sym {
        // Offsets are `u32`: a text past them would wrap and slice backwards.
        if self.text.len() as u64 + s.len() as u64 > u32::MAX as u64 {
            return Sym::EMPTY;
        }
        let Strings {
            text,
            starts,
            table,
        } = self;
        let id = (starts.len() - 1) as u32;
        text.push_str(s);
        starts.push(text.len() as u32);
        let (text, starts) = (&*text, &*starts);
        table.insert_unique(h, id, |&i| {
            let i = i as usize;
            hash_str(&text[starts[i] as usize..starts[i + 1] as usize])
        });
        Sym(id)
    }

    /// Bytes held by the table (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.starts.capacity() * 4 + self.table.capacity() * 4
    }
}

/// The kind of a span, numbered as in OTLP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum SpanKind {
    #[default]
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

impl SpanKind {
    pub fn from_i64(n: i64) -> Option<SpanKind> {
        Some(match n {
            0 => SpanKind::Unspecified,
            1 => SpanKind::Internal,
            2 => SpanKind::Server,
            3 => SpanKind::Client,
            4 => SpanKind::Producer,
            5 => SpanKind::Consumer,
            _ => return None,
        })
    }

    /// OTLP names (`SPAN_KIND_SERVER`), bare names (`SERVER`) in any case.
    pub fn from_name(s: &str) -> Option<SpanKind> {
        let bare = s
            .strip_prefix("SPAN_KIND_")
            .or_else(|| s.strip_prefix("span_kind_"))
            .unwrap_or(s);
        Some(match bare.to_ascii_lowercase().as_str() {
            "unspecified" => SpanKind::Unspecified,
            "internal" => SpanKind::Internal,
            "server" => SpanKind::Server,
            "client" => SpanKind::Client,
            "producer" => SpanKind::Producer,
            "consumer" => SpanKind::Consumer,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SpanKind::Unspecified => "UNSPECIFIED",
            SpanKind::Internal => "INTERNAL",
            SpanKind::Server => "SERVER",
            SpanKind::Client => "CLIENT",
            SpanKind::Producer => "PRODUCER",
            SpanKind::Consumer => "CONSUMER",
        }
    }

    /// PRODUCER and CONSUMER: the work they stand for outlives the call that made them.
    pub fn is_async(self) -> bool {
        matches!(self, SpanKind::Producer | SpanKind::Consumer)
    }
}

/// The status code of a span, numbered as in OTLP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum StatusCode {
    #[default]
    Unset = 0,
    Ok = 1,
    Error = 2,
}

impl StatusCode {
    pub fn from_i64(n: i64) -> Option<StatusCode> {
        Some(match n {
            0 => StatusCode::Unset,
            1 => StatusCode::Ok,
            2 => StatusCode::Error,
            _ => return None,
        })
    }

    pub fn from_name(s: &str) -> Option<StatusCode> {
        let bare = s.strip_prefix("STATUS_CODE_").unwrap_or(s);
        Some(match bare.to_ascii_lowercase().as_str() {
            "unset" => StatusCode::Unset,
            "ok" => StatusCode::Ok,
            "error" => StatusCode::Error,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StatusCode::Unset => "UNSET",
            StatusCode::Ok => "OK",
            StatusCode::Error => "ERROR",
        }
    }
}

/// An attribute value as read: small, `Copy`, with strings interned and nested values in arenas.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Empty,
    Str(Sym),
    Bool(bool),
    Int(i64),
    Double(f64),
    /// Raw bytes: a range of [`Forest::blobs`](super::Forest).
    Bytes {
        start: u32,
        len: u32,
    },
    /// A range of [`Forest::values`](super::Forest).
    Array {
        start: u32,
        len: u32,
    },
    /// A range of [`Forest::nested`](super::Forest) (key-value pairs).
    KvList {
        start: u32,
        len: u32,
    },
}

/// One key-value pair: 16 bytes (key, tag, payload), decoded by [`Attr::value`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Attr {
    pub key: Sym,
    tag: u8,
    bits: u64,
}

fn range_bits(start: u32, len: u32) -> u64 {
    ((start as u64) << 32) | len as u64
}

impl Attr {
    pub fn new(key: Sym, value: Value) -> Attr {
        let (tag, bits) = match value {
            Value::Empty => (0, 0),
            Value::Str(s) => (1, s.0 as u64),
            Value::Bool(b) => (2, b as u64),
            Value::Int(i) => (3, i as u64),
            Value::Double(d) => (4, d.to_bits()),
            Value::Bytes { start, len } => (5, range_bits(start, len)),
            Value::Array { start, len } => (6, range_bits(start, len)),
            Value::KvList { start, len } => (7, range_bits(start, len)),
        };
        Attr { key, tag, bits }
    }

    pub fn value(&self) -> Value {
        let (start, len) = ((self.bits >> 32) as u32, self.bits as u32);
        match self.tag {
            1 => Value::Str(Sym(self.bits as u32)),
            2 => Value::Bool(self.bits != 0),
            3 => Value::Int(self.bits as i64),
            4 => Value::Double(f64::from_bits(self.bits)),
            5 => Value::Bytes { start, len },
            6 => Value::Array { start, len },
            7 => Value::KvList { start, len },
            _ => Value::Empty,
        }
    }
}

/// A range of one of the forest's arenas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Range32 {
    pub start: u32,
    pub len: u32,
}

impl Range32 {
    pub fn new(start: usize, end: usize) -> Range32 {
        Range32 {
            start: start as u32,
            len: end.saturating_sub(start) as u32,
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.start as usize + self.len as usize
    }
}

/// The resource a span came from, with the two attributes every rule and drawing needs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Resource {
    /// `service.name`, or empty.
    pub service: Sym,
    /// `host.name`, or empty.
    pub host: Sym,
    /// The process the resource stands for, as the propagation rules compare processes: a
    /// key made of `service.namespace`, `service.name` and `service.instance.id` when the
    /// instance id is set, else of `service.name`, `host.name` and `process.pid` when both of
    /// the latter are, else `service.name` alone (empty when there is none). Two replicas of
    /// one service are two processes; a call between them is a remote call.
    pub process: Sym,
    pub attrs: Range32,
}

/// The instrumentation scope a span came from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Scope {
    pub name: Sym,
    pub version: Sym,
    pub attrs: Range32,
}

/// A span event.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Event {
    pub time: u64,
    pub name: Sym,
    pub attrs: Range32,
}

/// A span link.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Link {
    pub trace: TraceId,
    pub span: SpanId,
    pub trace_state: Sym,
    pub flags: u32,
    pub attrs: Range32,
    /// Why the link's ids could not be read, when they could not (`link.invalid`).
    pub invalid: bool,
}

/// W3C is-remote bits of `Span.flags`.
pub mod flags {
    /// The producer knew whether the parent was remote.
    pub const HAS_IS_REMOTE: u32 = 0x100;
    /// The parent was remote.
    pub const IS_REMOTE: u32 = 0x200;
}

/// Bits of [`Span::marks`]: facts the readers learned that the rules need.
pub mod marks {
    /// The span's own id could not be read: it can be no one's parent.
    pub const INVALID_ID: u8 = 1;
    /// Read from Zipkin: a CLIENT and a SERVER span may share an id.
    pub const ZIPKIN: u8 = 2;
    /// The parent id could not be read.
    pub const INVALID_PARENT: u8 = 4;
}

/// One span. Strings are symbols of the forest's table; attributes, events and links are ranges.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Span {
    pub trace: TraceId,
    pub id: SpanId,
    /// `SpanId::INVALID` when the span is a root.
    pub parent: SpanId,
    pub start: u64,
    pub end: u64,
    pub name: Sym,
    /// Index into [`Forest::resources`](super::Forest).
    pub resource: u32,
    /// Index into [`Forest::scopes`](super::Forest).
    pub scope: u32,
    pub flags: u32,
    pub trace_state: Sym,
    pub status_message: Sym,
    pub attrs: Range32,
    pub events: Range32,
    pub links: Range32,
    /// Index of the file it was read from (see [`Forest::files`](super::Forest)).
    pub file: u16,
    pub kind: SpanKind,
    pub status: StatusCode,
    /// [`marks`] bits.
    pub marks: u8,
    /// Line of the span in its (decompressed) file where the reader knows it (OTLP JSON and
    /// JSON Lines), 0 where it does not (protobuf, Jaeger, Zipkin): reports point at it.
    pub line: u32,
}

impl Span {
    pub fn has_parent(&self) -> bool {
        self.parent.is_valid() || self.marks & marks::INVALID_PARENT != 0
    }
    pub fn duration(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A span's size is the reader's memory per span; it grows only on purpose.
    #[test]
    fn a_span_takes_112_bytes() {
        assert_eq!(std::mem::size_of::<Span>(), 112);
    }

    #[test]
    fn interning_is_idempotent() {
        let mut s = Strings::default();
        let a = s.intern("GET /");
        let b = s.intern("POST /");
        assert_eq!(s.intern("GET /"), a);
        assert_ne!(a, b);
        assert_eq!(s.get(b), "POST /");
        assert_eq!(s.get(Sym::EMPTY), "");
        assert_eq!(s.lookup("POST /"), Some(b));
        assert_eq!(s.lookup("nope"), None);
    }

    #[test]
    fn attr_values_round_trip() {
        for v in [
            Value::Empty,
            Value::Str(Sym(7)),
            Value::Bool(true),
            Value::Int(-5),
            Value::Double(1.5),
            Value::Bytes { start: 3, len: 4 },
            Value::Array { start: 9, len: 2 },
            Value::KvList { start: 1, len: 1 },
        ] {
            assert_eq!(Attr::new(Sym(1), v).value(), v);
        }
        assert_eq!(std::mem::size_of::<Attr>(), 16);
    }
}
