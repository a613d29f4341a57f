//! One function per reader of cspot, each taking arbitrary bytes through the library's public
//! API the way the command line does, and asserting what must hold whatever the bytes: nothing
//! panics, and the laws that can be checked on any input (the CSPM round trip, reading a dump
//! in small pieces gives what reading it whole gives).
//!
//! The fuzz targets (`fuzz/fuzz_targets/*.rs`) call these functions, and so does the test
//! suite (`tests/it/robust/hostile.rs` includes this file), which replays every recorded crash
//! input of `tests/data/hostile/<target>/` and the proptest generators of hostile inputs
//! through the same code. It uses nothing but cspot, `toml` and `zstd`, which cspot's tests
//! reach too.

use cspot::bsp::{Config, ConfigFile, Variant};
use cspot::cspm::ast::Interner;
use cspot::cspm::parser::parse_with_comments;
use cspot::cspm::source::{FileId, Loader, SourceMap};
use cspot::cspm::{load, pretty};
use cspot::otlp::rules::{self, RuleConfig};
use cspot::otlp::{self, Detected, ReadOptions};
use cspot::phi::{Model, ModelFile};
use std::io::Read;

/// A reader driven on arbitrary bytes.
pub type Drive = fn(&[u8]);

/// The readers, by fuzz-target name (also the folder names under `tests/data/hostile/`).
pub const TARGETS: [(&str, Drive); 10] = [
    ("cspm", cspm),
    ("cspm_eval", cspm_eval),
    ("otlp_json", otlp_json),
    ("otlp_jsonl", otlp_jsonl),
    ("otlp_protobuf", otlp_protobuf),
    ("otlp_zstd", otlp_zstd),
    ("jaeger", jaeger),
    ("zipkin", zipkin),
    ("phi_model", phi_model),
    ("bsp_config", bsp_config),
];

/// The reader of a target name.
pub fn reader(target: &str) -> Option<Drive> {
    TARGETS.iter().find(|(n, _)| *n == target).map(|&(_, f)| f)
}

// ----- CSPM -----

/// A loader that holds one file, `fuzz.csp`; an `include` of it is a cycle, of anything
/// else a missing file.
struct OneFile(String);

impl Loader for OneFile {
    fn load(&mut self, path: &str, _from: Option<&str>) -> Result<(String, String), String> {
        if path == "fuzz.csp" {
            Ok((path.to_string(), self.0.clone()))
        } else {
            Err("no such file".into())
        }
    }
}

/// CSPM source as `cspot parse` reads it: decoded (UTF-8 or Windows-1252), loaded (includes,
/// type annotations), scope-checked when it loads without errors, every diagnostic rendered.
/// Nothing is evaluated here (see [`cspm_eval`]). Then the round trip: text that
/// parses without errors prints in the canonical layout, which parses without errors to the
/// same tree (spans erased) and prints the same again.
pub fn cspm(data: &[u8]) {
    let (text, _) = load::decode(data);
    let mut map = SourceMap::default();
    let mut names = Interner::default();
    let mut loader = OneFile(text.clone());
    let loaded = load::load("fuzz.csp", &mut loader, &mut map, &mut names);
    let scopes = if loaded.has_errors() {
        Vec::new()
    } else {
        cspot::cspm::check_scopes(&loaded.module, &names, &map)
    };
    for d in loaded.diagnostics.iter().chain(&scopes) {
        let _ = d.render(&map);
    }
    round_trip(&text);
}

/// CSPM source as `cspot check` runs it: loaded, every assertion evaluated and checked,
/// under a small budget (0.5 s, 256 MiB, 10 000 states per check). Evaluation and compilation
/// must end with a verdict, an error or a bound, never a panic, a hang or an abort.
pub fn cspm_eval(data: &[u8]) {
    use cspot::budget::{Bounds, scope};
    use cspot::check::{CheckOptions, Checker};
    use std::time::{Duration, Instant};
    let (text, _) = load::decode(data);
    let time = Duration::from_millis(500);
    let memory = 256 << 20;
    let bounds = Bounds {
        deadline: Some(Instant::now() + time),
        max_bytes: Some(memory),
    };
    scope(bounds, || {
        let Ok(mut script) = cspot::cspm::Script::load("fuzz.csp", &mut OneFile(text)) else {
            return;
        };
        let asserts = script.assertions();
        let opts = CheckOptions {
            explore: cspot::explore::Options {
                jobs: 1,
                max_states: Some(10_000),
                max_memory: Some(memory),
                timeout: Some(time),
            },
            ..CheckOptions::default()
        };
        let mut checker = Checker::new(
            &mut script,
            opts,
            Box::new(|s| cspot::report::Location::file(format!("{s:?}"))),
        );
        for a in asserts.iter().flatten() {
            let _ = checker.check(a, "fuzz".into(), &mut |_| {});
        }
    });
}

/// `parse(fmt(parse(x))) == parse(x)` (spans erased), `fmt` keeps every comment and is
/// idempotent, for text that parses without errors; otherwise only that printing the partial
/// tree (with the comments) does not panic.
fn round_trip(text: &str) {
    let mut names = Interner::default();
    let (m1, d1, comments) = parse_with_comments(FileId(0), text, &mut names);
    let out = pretty::module_with_comments(&m1, &names, text, &comments);
    if !d1.is_empty() {
        return;
    }
    if let Err(e) = pretty::verify(&m1, text, &comments, &out, FileId(1), &mut names) {
        panic!("{e}\n--- input\n{text}\n--- printed\n{out}");
    }
}

// ----- trace dumps -----

/// Hands out the input a few bytes at a time (sizes drawn from the input itself), so that
/// every boundary a streaming reader has falls somewhere else than with one big read.
struct Dribble<'a> {
    data: &'a [u8],
    at: usize,
    seed: u32,
}

impl Read for Dribble<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let want = 1 + (self.seed >> 16) as usize % 97;
        let n = want.min(buf.len()).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Reads a dump as `cspot traces check` does (format detected from the bytes), runs every
/// rule over the forest and renders the errors; then reads it again in small pieces and
/// asserts the same spans and errors came out.
pub fn dump(data: &[u8]) {
    // Caps well under the fuzzer's 2 GiB: a small input that claims a huge message or
    // decompresses without end must be refused by them, not by libFuzzer's memory limit.
    let opts = ReadOptions {
        accept_base64: data.len() % 2 == 1,
        max_message: 64 << 20,
        max_memory: Some(512 << 20),
    };
    let whole = otlp::read("fuzz", data, opts);
    let findings = rules::check(&whole.forest, &RuleConfig::all());
    for t in &whole.forest.traces {
        let _ = otlp::view::trace_view(&whole.forest, t, None);
    }
    for e in &whole.errors {
        let _ = e.to_string();
    }
    let seed = data.iter().fold(7u32, |h, &b| h.rotate_left(5) ^ b as u32);
    let pieces = otlp::read("fuzz", Dribble { data, at: 0, seed }, opts);
    assert_eq!(
        whole.forest.spans.len(),
        pieces.forest.spans.len(),
        "reading in pieces gives other spans"
    );
    assert_eq!(
        whole.errors, pieces.errors,
        "reading in pieces gives other errors"
    );
    assert_eq!(
        findings,
        rules::check(&pieces.forest, &RuleConfig::all()),
        "reading in pieces gives other findings"
    );
}

/// The first byte that is not JSON white space (or a UTF-8 byte-order mark).
fn first_char(data: &[u8]) -> Option<u8> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    data.iter()
        .copied()
        .find(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
}

/// One OTLP/JSON document (inputs that are not JSON are left to the other targets).
pub fn otlp_json(data: &[u8]) {
    if otlp::detect(data) == Detected::Json {
        dump(data);
    }
}

/// OTLP/JSON Lines: JSON with at least two lines.
pub fn otlp_jsonl(data: &[u8]) {
    let lines = data.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    if otlp::detect(data) == Detected::Json && lines.count() >= 2 {
        dump(data);
    }
}

/// OTLP protobuf: one `TracesData` message or the file exporter's length-prefixed stream.
pub fn otlp_protobuf(data: &[u8]) {
    if matches!(
        otlp::detect(data),
        Detected::ProtoMessage | Detected::ProtoStream
    ) {
        dump(data);
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// zstd-compressed dumps: input that starts with a zstd frame is read as it is (corrupt
/// frames); anything else is compressed first and the frame read (any content, compressed).
pub fn otlp_zstd(data: &[u8]) {
    if data.starts_with(&ZSTD_MAGIC) {
        dump(data);
    } else if let Ok(z) = zstd::encode_all(data, 1) {
        dump(&z);
    }
}

/// Jaeger JSON: a document that is an object (`{"data": [...]}`).
pub fn jaeger(data: &[u8]) {
    if otlp::detect(data) == Detected::Json && first_char(data) == Some(b'{') {
        dump(data);
    }
}

/// Zipkin JSON v2: a document that is a list of spans.
pub fn zipkin(data: &[u8]) {
    if otlp::detect(data) == Detected::Json && first_char(data) == Some(b'[') {
        dump(data);
    }
}

// ----- TOML -----

/// The specifications a fuzzed Φ model can name (by the file name at the end of `spec`).
const SPECS: [(&str, &str); 3] = [
    ("checkout.csp", include_str!("../../specs/checkout.csp")),
    ("pipeline.csp", include_str!("../../specs/pipeline.csp")),
    ("queue.csp", include_str!("../../specs/queue.csp")),
];

/// Serves the shipped specifications by file name, nothing else.
struct Specs;

impl Loader for Specs {
    fn load(&mut self, path: &str, _from: Option<&str>) -> Result<(String, String), String> {
        let name = path.rsplit('/').next().unwrap_or(path);
        SPECS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .ok_or_else(|| "no such file".into())
    }
}

/// The Φ model file of `traces verify --model`: parsed, and when it names one of the shipped
/// specifications, loaded against it (its process built, its span processes and events
/// resolved), as each verifier thread does.
pub fn phi_model(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = ModelFile::parse(text) else {
        return;
    };
    if Specs.load(&file.spec, None).is_ok() {
        let spec = file.spec.clone();
        match Model::from_file(file, text, &spec, &mut Specs) {
            Ok(mut m) => drop(m.verifier()),
            Err(e) => drop(e.to_string()),
        }
    }
}

/// The configuration file of `cspot bsp --config`: parsed, each key applied over the
/// defaults, validated, the variant looked up; and read as a table of spanned values, as the
/// CLI does for the positions of its errors.
pub fn bsp_config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spans: Result<std::collections::BTreeMap<String, toml::Spanned<toml::Value>>, _> =
        toml::from_str(text);
    if let Ok(spans) = spans {
        for v in spans.values() {
            let _ = (v.span(), v.get_ref().to_string());
        }
    }
    let file = match ConfigFile::parse(text) {
        Ok(f) => f,
        Err(e) => return drop(e.to_string()),
    };
    if let Some(v) = &file.variant {
        let _ = Variant::from_name(v);
    }
    match file.apply(Config::default()) {
        Ok(c) => match c.validate() {
            Ok(()) => drop((c.total_spans(), c.describe())),
            Err(e) => drop(e.to_string()),
        },
        Err(e) => drop(e.to_string()),
    }
}
