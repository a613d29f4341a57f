//! The CSPM front end over the example corpus (`../shared/corpus`, or `$CORPUS`, read at bench
//! time; the bench reports nothing when it is absent): lexing, parsing and printing every
//! `.csp` file, in MB/s.
//!
//! `cargo bench --bench cspm`

use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use cspot::cspm::ast::Interner;
use cspot::cspm::load::decode;
use cspot::cspm::source::FileId;
use cspot::cspm::{lexer, parse, pretty};

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

criterion_group!(benches, bench);
criterion_main!(benches);
