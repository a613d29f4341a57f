//! The `cspot` binary: everything but the allocator is [`cspot::cli`].

/// Live heap bytes are counted so that `--max-memory` bounds evaluation and compilation too,
/// not only the search (`cspot::budget`).
#[global_allocator]
static ALLOC: cspot::budget::CountingAlloc = cspot::budget::CountingAlloc;

fn main() {
    std::process::exit(cspot::cli::main());
}
