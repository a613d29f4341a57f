#!/usr/bin/env bash
# The library as a user gets it (issue 11), checked in CI:
#  1. examples/spec_in_test.rs, copied into a fresh crate that depends on cspot with
#     `default-features = false`, builds and its tests pass: the facade is enough (no
#     `internals`), and neither clap nor indicatif is compiled (checked in `cargo tree`);
#  2. `cargo doc --no-deps` gives no warning (broken links, missing docs);
#  3. `cargo publish --dry-run` packages the crate and builds it from the package.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
user=target/library-user
rm -rf "$user" && mkdir -p "$user/src"
cat > "$user/Cargo.toml" <<TOML
[package]
name = "library-user"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
cspot = { path = "$root", default-features = false }

[workspace]
TOML
cp examples/spec_in_test.rs "$user/src/main.rs"
# The example reads the shipped specs/, fixtures/ and models/ from its working directory, which
# `cargo test` sets to the crate's own.
for d in specs fixtures models; do ln -s "$root/$d" "$user/$d"; done
(cd "$user" && CARGO_TARGET_DIR="$root/target/library-user-target" cargo test --release --offline -q 2>&1 | grep -E "test result|error|FAILED" )
if (cd "$user" && cargo tree -e normal --offline | grep -E '^(├|└|│).*\b(clap|indicatif|clap_complete|clap_mangen) v'); then
  echo "error: the library without its cli feature still compiles command-line crates" >&2
  exit 1
fi
echo "library user crate: builds with default-features = false, tests pass, no clap/indicatif"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -q
echo "cargo doc: no warnings"
cargo publish --dry-run --allow-dirty -q 2>&1 | tail -3
echo "cargo publish --dry-run: ok"
