#!/usr/bin/env bash
# Every check of the project, in the order a failure is cheapest to see.
# CI (.ci/run) runs exactly this after installing what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
# The release library for old Linux servers: glibc 2.17, no OpenSSL, and it loads.
bash .ci/portable
# The Windows DLLs (x64, x86) and oint.exe, and the Wine prefix tests/windows.rs runs them in.
bash .ci/windows
# The shared library for the C tests: `cargo test` alone builds only the rlib.
cargo build --locked --lib --bins --example demo
cargo nextest run --locked --no-fail-fast
target/debug/examples/demo >/dev/null
# build.rs has regenerated the header: it must be what is committed.
if [ -n "$(git status --porcelain -- include/)" ]; then
    git --no-pager diff -- include/
    echo "include/opi_bitrix24.h differs from what build.rs generates: commit the regenerated header" >&2
    exit 1
fi
