//! The sink every reader pushes into: arenas of spans, attributes, events and links, the intern
//! table, read-time findings and read errors. [`Builder::finish`] assembles the [`Forest`].

use super::error::{Position, ReadError};
use super::forest::{self, Forest};
use super::ids::IdError;
use super::model::*;

/// What readers accept beyond the specification, and the bounds of what they hold.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Read ids written in base64 (what some proto-to-JSON converters emit) instead of
    /// reporting them.
    pub accept_base64: bool,
    /// The most bytes one unit of a dump may take once decompressed: a length-prefixed
    /// message, a top-level protobuf field, a JSON line, a `resourceSpans` element of a JSON
    /// document, one JSON string. A reader holds at most one such unit at a time, so this
    /// (not the size of the file) bounds its buffers.
    pub max_message: u64,
    /// The most memory the spans read so far may take; reading stops with an error past it.
    /// `None`: no bound.
    pub max_memory: Option<u64>,
}

/// The default of [`ReadOptions::max_message`]: the largest message the file exporter's stream
/// was always read with. Real messages are batches of a few MiB.
pub const DEFAULT_MAX_MESSAGE: u64 = 1 << 30;

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            accept_base64: false,
            max_message: DEFAULT_MAX_MESSAGE,
            max_memory: None,
        }
    }
}

/// A size for messages: `1 GiB`, `512 MiB`, `3 KiB`, `12 bytes`.
pub fn fmt_size(n: u64) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Where the bytes being read come from, for messages about sizes: a zstd stream is named,
/// with how much of the compressed file had been read.
#[derive(Clone, Debug, Default)]
pub(crate) struct Source {
    /// Compressed bytes the zstd decoder has taken from the file so far, when reading through
    /// one (shared with the counting reader under the decoder).
    pub zstd: Option<std::rc::Rc<std::cell::Cell<u64>>>,
}

/// A finding the readers make while reading (an id that cannot be read), kept until the rules
/// run so that it lands in its trace's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    pub trace: TraceId,
    pub span: Option<SpanId>,
    pub rule: &'static str,
    pub message: String,
}

/// Arenas under construction.
#[derive(Debug)]
pub struct Builder {
    pub(crate) opts: ReadOptions,
    pub(crate) strings: Strings,
    pub(crate) spans: Vec<Span>,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) nested: Vec<Attr>,
    pub(crate) values: Vec<Attr>,
    pub(crate) blobs: Vec<u8>,
    pub(crate) events: Vec<Event>,
    pub(crate) links: Vec<Link>,
    pub(crate) resources: Vec<Resource>,
    pub(crate) scopes: Vec<Scope>,
    pub(crate) files: Vec<String>,
    pub(crate) issues: Vec<Issue>,
    pub(crate) errors: Vec<ReadError>,
    pub(crate) service_key: Sym,
    pub(crate) host_key: Sym,
    /// One resource per Zipkin service name.
    zipkin_resources: rustc_hash::FxHashMap<Sym, u32>,
    /// Recently seen attribute lists, by hash: equal lists share one range of the arena.
    attr_cache: Vec<(u64, Range32)>,
    /// Where the bytes being read come from (plain or through zstd).
    pub(crate) source: Source,
    /// Set once the memory bound is passed: every reader stops at its next unit, and later
    /// files are not read.
    stopped: bool,
}

/// The part of the memory bound the arenas may take: growing a full arena briefly holds it
/// twice, and assembling the forest (sort keys, parent and child indexes, the id maps) and
/// checking it take about as much again (measured: peak ≈ 3 × the arenas).
const ARENA_SHARE: u64 = 4;

/// How often (in spans) the arenas are measured against the memory bound: often enough that
/// one interval's growth is small, rarely enough to cost nothing.
const MEASURE_EVERY: usize = 1024;

/// Slots of the attribute-list cache (a direct-mapped cache: bounded memory, no eviction work).
const ATTR_CACHE_SLOTS: usize = 4096;

/// What reading produced: the forest of everything that could be read, and what could not.
#[derive(Debug)]
pub struct Dump {
    pub forest: Forest,
    pub errors: Vec<ReadError>,
}

impl Builder {
    pub fn new(opts: ReadOptions) -> Builder {
        let mut strings = Strings::default();
        let service_key = strings.intern("service.name");
        let host_key = strings.intern("host.name");
        Builder {
            opts,
            strings,
            spans: Vec::new(),
            attrs: Vec::new(),
            nested: Vec::new(),
            values: Vec::new(),
            blobs: Vec::new(),
            events: Vec::new(),
            links: Vec::new(),
            // Index 0 is the unknown resource and the empty scope: spans whose document broke
            // off before its resource was read keep them.
            resources: vec![Resource::default()],
            scopes: vec![Scope::default()],
            files: Vec::new(),
            issues: Vec::new(),
            errors: Vec::new(),
            service_key,
            host_key,
            zipkin_resources: Default::default(),
            attr_cache: vec![(0, Range32::default()); ATTR_CACHE_SLOTS],
            source: Source::default(),
            stopped: false,
        }
    }

    /// Whether reading must stop (the memory bound was passed).
    pub(crate) fn stopped(&self) -> bool {
        self.stopped
    }

    /// Adds a span. Every [`MEASURE_EVERY`] spans the arenas are measured: past the memory
    /// bound (or past what the string table can index) reading stops, and the error says why;
    /// the caller reports it at its position and ends its unit.
    pub(crate) fn push_span(&mut self, s: Span) -> Result<(), String> {
        if self.stopped {
            return Err(self.stop_message());
        }
        self.spans.push(s);
        if self.spans.len().is_multiple_of(MEASURE_EVERY) && self.over_budget() {
            self.stopped = true;
            return Err(self.stop_message());
        }
        Ok(())
    }

    fn over_budget(&self) -> bool {
        self.strings.full()
            || self
                .opts
                .max_memory
                .is_some_and(|m| self.bytes() > m / ARENA_SHARE)
    }

    fn stop_message(&self) -> String {
        if self.strings.full() {
            return "the distinct strings of the dumps pass 4 GiB, more than the string table \
                    indexes; reading stops here"
                .into();
        }
        format!(
            "the {} spans read so far take about {}: with the forest built from them and its \
             check, more than --max-memory ({}); reading stops here (raise --max-memory, or \
             check the dump in parts)",
            self.spans.len(),
            fmt_size(self.bytes()),
            fmt_size(self.opts.max_memory.unwrap_or(0))
        )
    }

    /// The bytes the arenas have reserved (what the forest will hold, give or take the
    /// indexes assembly adds).
    pub(crate) fn bytes(&self) -> u64 {
        use std::mem::size_of;
        let arenas = self.spans.capacity() * size_of::<Span>()
            + (self.attrs.capacity() + self.nested.capacity() + self.values.capacity())
                * size_of::<Attr>()
            + self.blobs.capacity()
            + self.events.capacity() * size_of::<Event>()
            + self.links.capacity() * size_of::<Link>()
            + self.resources.capacity() * size_of::<Resource>()
            + self.scopes.capacity() * size_of::<Scope>();
        arenas as u64 + self.strings.bytes()
    }

    /// A unit (message, line, element, string) larger than `max_message`: the message says
    /// how large, the cap and the option that raises it, and for a zstd stream that the
    /// offset is in the decompressed bytes and how far the compressed file had been read.
    pub(crate) fn too_large(&self, what: &str, size: Option<u64>) -> String {
        let cap = fmt_size(self.opts.max_message);
        let size = match size {
            Some(n) => format!("of {n} bytes "),
            None => String::new(),
        };
        let mut m = format!(
            "{what} {size}is larger than {cap}, the most one message may take (--max-message)"
        );
        if let Some(z) = &self.source.zstd {
            m.push_str(&format!(
                "; the position is in the zstd-decompressed stream, after {} bytes of the \
                 compressed file",
                z.get()
            ));
        }
        m
    }

    /// Starts a new input file; spans pushed from now on carry its index.
    pub(crate) fn begin_file(&mut self, name: &str) -> u16 {
        self.files.push(name.to_string());
        (self.files.len() - 1).min(u16::MAX as usize) as u16
    }

    pub(crate) fn current_file(&self) -> &str {
        self.files.last().map(String::as_str).unwrap_or("-")
    }

    pub(crate) fn intern(&mut self, s: &str) -> Sym {
        // (A string that no longer fits the table is the empty one until `push_span` stops
        // reading at the next span, see `Strings::full`.)
        self.strings.intern(s)
    }

    /// A resource from attributes `attrs[start..]`, picking out `service.name` and `host.name`
    /// and keying the process it stands for ([`Resource::process`]).
    pub(crate) fn add_resource(&mut self, attrs: Range32) -> u32 {
        let mut r = Resource {
            attrs,
            ..Resource::default()
        };
        let (mut namespace, mut instance, mut pid) = (None, None, None);
        for a in self.attrs.get(attrs.range()).unwrap_or(&[]) {
            let key = self.strings.get(a.key);
            match (key, a.value()) {
                (_, Value::Str(s)) if a.key == self.service_key => r.service = s,
                (_, Value::Str(s)) if a.key == self.host_key => r.host = s,
                ("service.namespace", Value::Str(s)) => namespace = Some(s),
                ("service.instance.id", Value::Str(s)) => instance = Some(s),
                ("process.pid", Value::Int(n)) => pid = Some(n.to_string()),
                ("process.pid", Value::Str(s)) => pid = Some(self.strings.get(s).to_string()),
                _ => {}
            }
        }
        r.process = self.process_key(&r, namespace, instance, pid);
        self.resources.push(r);
        (self.resources.len() - 1) as u32
    }

    /// [`Resource::process`]: the parts joined by NUL (which no attribute value of a real
    /// resource holds), each prefixed by which rule chose them, so that an instance id never
    /// equals a host and pid by accident.
    fn process_key(
        &mut self,
        r: &Resource,
        namespace: Option<Sym>,
        instance: Option<Sym>,
        pid: Option<String>,
    ) -> Sym {
        let service = self.strings.get(r.service).to_string();
        let key = match (instance, pid) {
            (Some(i), _) => {
                let ns = namespace.map_or("", |n| self.strings.get(n));
                format!("i\0{ns}\0{service}\0{}", self.strings.get(i))
            }
            (None, Some(pid)) if r.host != Sym::EMPTY => {
                format!("p\0{service}\0{}\0{pid}", self.strings.get(r.host))
            }
            _ => return r.service,
        };
        self.strings.intern(&key)
    }

    /// The resource of a Zipkin service (shared by all its spans).
    pub(crate) fn zipkin_resource(&mut self, service: Sym) -> u32 {
        if let Some(&r) = self.zipkin_resources.get(&service) {
            return r;
        }
        let start = self.attrs.len();
        self.attrs
            .push(Attr::new(self.service_key, Value::Str(service)));
        let r = self.add_resource(Range32::new(start, self.attrs.len()));
        self.zipkin_resources.insert(service, r);
        r
    }

    /// The attributes pushed since `start`, as a range: when an equal list was stored recently,
    /// the new copy is dropped and the earlier range shared. Spans of one kind of operation carry
    /// the same attributes, so this keeps memory to the distinct lists.
    pub(crate) fn share_attrs(&mut self, start: usize) -> Range32 {
        let end = self.attrs.len();
        let Some(new) = self.attrs.get(start..end) else {
            return Range32::default();
        };
        if new.is_empty() {
            return Range32::default();
        }
        let mut h = rustc_hash::FxHasher::default();
        std::hash::Hash::hash(new, &mut h);
        let hash = std::hash::Hasher::finish(&h);
        let slot = (hash as usize) & (ATTR_CACHE_SLOTS - 1);
        let (old_hash, old) = self.attr_cache[slot];
        if old_hash == hash
            && old.len as usize == new.len()
            && self.attrs.get(old.range()) == Some(new)
        {
            self.attrs.truncate(start);
            return old;
        }
        let r = Range32::new(start, end);
        self.attr_cache[slot] = (hash, r);
        r
    }

    /// Lengths of the arenas, to undo a document that turned out not to be one.
    pub(crate) fn mark(&self) -> [usize; 10] {
        [
            self.spans.len(),
            self.attrs.len(),
            self.nested.len(),
            self.values.len(),
            self.blobs.len(),
            self.events.len(),
            self.links.len(),
            self.resources.len(),
            self.scopes.len(),
            self.issues.len(),
        ]
    }

    pub(crate) fn rollback(&mut self, m: [usize; 10]) {
        self.spans.truncate(m[0]);
        self.attrs.truncate(m[1]);
        self.nested.truncate(m[2]);
        self.values.truncate(m[3]);
        self.blobs.truncate(m[4]);
        self.events.truncate(m[5]);
        self.links.truncate(m[6]);
        self.resources.truncate(m[7]);
        self.scopes.truncate(m[8]);
        self.issues.truncate(m[9]);
        let n = self.resources.len() as u32;
        self.zipkin_resources.retain(|_, r| *r < n);
        self.attr_cache.fill((0, Range32::default()));
    }

    pub(crate) fn add_scope(&mut self, scope: Scope) -> u32 {
        if scope == Scope::default() {
            return 0;
        }
        self.scopes.push(scope);
        (self.scopes.len() - 1) as u32
    }

    pub(crate) fn issue(
        &mut self,
        trace: TraceId,
        span: Option<SpanId>,
        rule: &'static str,
        message: String,
    ) {
        self.issues.push(Issue {
            trace,
            span,
            rule,
            message,
        });
    }

    /// Reports an id that could not be read, at a position and a field path.
    pub(crate) fn bad_id(
        &mut self,
        trace: TraceId,
        span: Option<SpanId>,
        rule: &'static str,
        what: &str,
        err: &IdError,
        at: (Position, String),
    ) {
        let (pos, path) = at;
        let file = self.current_file();
        let place = match pos {
            Position::File => file.to_string(),
            Position::LineCol { .. } => format!("{file}:{pos}"),
            Position::Offset(_) => format!("{file} {pos}"),
        };
        let message = format!("{what} {err} ({place} {path})");
        self.issue(trace, span, rule, message);
    }

    pub(crate) fn error(&mut self, position: Position, path: String, message: String) {
        let file = self.current_file().to_string();
        self.errors.push(ReadError {
            file,
            position,
            path,
            message,
        });
    }

    /// Spans read so far.
    pub fn span_count(&self) -> usize {
        self.spans.len()
    }

    /// Sorts the spans into traces and links them into trees.
    pub fn finish(self) -> Dump {
        let Builder {
            strings,
            spans,
            attrs,
            nested,
            values,
            blobs,
            events,
            links,
            resources,
            scopes,
            files,
            issues,
            errors,
            ..
        } = self;
        let forest = forest::assemble(forest::Parts {
            strings,
            spans,
            attrs,
            nested,
            values,
            blobs,
            events,
            links,
            resources,
            scopes,
            files,
            issues,
        });
        Dump { forest, errors }
    }
}
