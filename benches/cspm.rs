//! The CSPM front end over the example corpus (`../shared/corpus`, or `$CORPUS`, read at bench
//! time; the bench reports nothing when it is absent): lexing, parsing and printing every
//! `.csp` file, in MB/s; and evaluation of FDR's examples (`fdr-examples`): every file that
//! loads (files with `Timed` sections are unsupported and skipped) is parsed, its includes
//! spliced, lowered, its channel and datatype declarations evaluated and `Events` interned, and
//! every `assert` evaluated to its property; the second evaluation figure also unfolds up to
//! 200 calls reachable from each assertion's processes.
//!
//! `cargo bench --bench cspm`

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cspot::cspm::ast::Interner;
use cspot::cspm::load::decode;
use cspot::cspm::proc::Property;
use cspot::cspm::source::FileId;
use cspot::cspm::source::Loader;
use cspot::cspm::{Script, lexer, parse, pretty};
use std::collections::BTreeMap;
use std::hint::black_box;

fn corpus_files() -> Vec<(PathBuf, String)> {
    let root = std::env::var_os("CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "csp")
                && let Ok(bytes) = std::fs::read(&p)
            {
                out.push((p, decode(&bytes).0));
            }
        }
    }
    out.sort();
    out
}

fn bench(c: &mut Criterion) {
    let files = corpus_files();
    if files.is_empty() {
        eprintln!("cspm bench: no corpus at ../shared/corpus; nothing to measure");
        return;
    }
    let bytes: u64 = files.iter().map(|(_, t)| t.len() as u64).sum();
    let mut g = c.benchmark_group("cspm corpus");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function(format!("lex {} files", files.len()), |b| {
        b.iter(|| {
            let mut n = 0;
            for (k, (_, text)) in files.iter().enumerate() {
                n += lexer::lex(FileId(k as u32), text).tokens.len();
            }
            n
        })
    });
    g.bench_function(format!("parse {} files", files.len()), |b| {
        b.iter(|| {
            let mut int = Interner::default();
            let mut n = 0;
            for (k, (_, text)) in files.iter().enumerate() {
                let (m, d) = parse(FileId(k as u32), text, &mut int);
                n += m.decls.len() + d.len();
            }
            n
        })
    });
    let mut int = Interner::default();
    let modules: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(k, (_, text))| parse(FileId(k as u32), text, &mut int).0)
        .collect();
    g.bench_function(format!("print {} files", files.len()), |b| {
        b.iter(|| {
            modules
                .iter()
                .map(|m| pretty::module(m, &int).len())
                .sum::<usize>()
        })
    });
    g.finish();
}

/// Every file of the corpus, in memory, so the bench measures no IO.
struct Corpus {
    files: BTreeMap<String, String>,
}

impl Loader for Corpus {
    fn load(&mut self, path: &str, from: Option<&str>) -> Result<(String, String), String> {
        let p = match from.and_then(|f| Path::new(f).parent()) {
            Some(dir) => dir.join(path),
            None => PathBuf::from(path),
        };
        let key = p.display().to_string();
        self.files
            .get(&key)
            .map(|t| (key, t.clone()))
            .ok_or_else(|| "not in the corpus".to_string())
    }
}

fn collect_csp(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_csp(&p, out)
        } else if p.extension().is_some_and(|x| x == "csp") {
            out.push(p)
        }
    }
}

/// Loads and evaluates one file; `None` when it does not load.
fn evaluate(corpus: &mut Corpus, root: &str, unfolds: usize) -> Option<usize> {
    let mut s = Script::load(root, corpus).ok()?;
    let mut work = 0;
    for a in s.assertions().into_iter().flatten() {
        let procs = match a.property {
            Property::Refinement { spec, imp, .. } => vec![spec, imp],
            Property::DeadlockFree { proc, .. }
            | Property::DivergenceFree { proc }
            | Property::Deterministic { proc, .. }
            | Property::HasTrace { proc, .. } => vec![proc],
            Property::Bool(_) => Vec::new(),
        };
        for p in procs {
            let _ = s.unfold_reachable(p, unfolds);
        }
        work += 1;
    }
    Some(work + s.arena_size().0)
}

fn bench_eval(c: &mut Criterion) {
    // `$CORPUS`, else `../shared/corpus` beside the package (or beside its worktree folder).
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("CORPUS")
        .map(PathBuf::from)
        .or_else(|| {
            [
                manifest.join("../shared/corpus"),
                manifest.join("../../shared/corpus"),
            ]
            .into_iter()
            .find(|p| p.is_dir())
        })
        .unwrap_or_default()
        .join("fdr-examples");
    let mut paths = Vec::new();
    collect_csp(&dir, &mut paths);
    paths.sort();
    let mut corpus = Corpus {
        files: BTreeMap::new(),
    };
    for p in &paths {
        if let Ok(bytes) = std::fs::read(p) {
            let (text, _) = decode(&bytes);
            corpus.files.insert(p.display().to_string(), text);
        }
    }
    // Only the files that evaluate (timed and module files are unsupported).
    let roots: Vec<String> = paths
        .iter()
        .map(|p| p.display().to_string())
        .filter(|r| evaluate(&mut corpus, r, 200).is_some())
        .collect();
    let bytes: usize = roots.iter().map(|r| corpus.files[r].len()).sum();
    if roots.is_empty() {
        eprintln!("eval bench: no corpus at {}", dir.display());
        return;
    }
    eprintln!(
        "eval bench: {} of {} files, {} bytes",
        roots.len(),
        paths.len(),
        bytes
    );
    let mut g = c.benchmark_group("eval");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sample_size(10);
    for (name, unfolds) in [
        ("fdr-examples: load + assertions", 0),
        ("fdr-examples: load + assertions + 200 unfolds each", 200),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut total = 0;
                for r in &roots {
                    total += evaluate(&mut corpus, r, unfolds).unwrap_or(0);
                }
                black_box(total)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_eval);
criterion_main!(benches);
