//! Evaluation throughput over FDR's example corpus (`../shared/corpus/fdr-examples`, or
//! `CSPOT_CORPUS`): every file is loaded (parsed, includes spliced, lowered, channel and
//! datatype declarations evaluated, `Events` interned), every `assert` is evaluated to its
//! property, and (second figure) up to 200 calls reachable from each assertion's processes
//! are unfolded.
//! Files that use `Timed` sections or modules (unsupported) are skipped. Reported in MB/s of
//! source text.
//!
//! `cargo bench --bench eval`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cspot::cspm::Script;
use cspot::cspm::proc::Property;
use cspot::cspm::source::Loader;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};

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

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out)
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

fn bench(c: &mut Criterion) {
    let dir = std::env::var("CSPOT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            ["../shared/corpus/fdr-examples", "../../shared/corpus/fdr-examples"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_dir())
                .unwrap_or_default()
        });
    let mut paths = Vec::new();
    collect(&dir, &mut paths);
    paths.sort();
    let mut corpus = Corpus {
        files: BTreeMap::new(),
    };
    for p in &paths {
        if let Ok(bytes) = std::fs::read(p) {
            let (text, _) = cspot::cspm::load::decode(&bytes);
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

criterion_group!(benches, bench);
criterion_main!(benches);
