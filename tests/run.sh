#!/usr/bin/env bash
# Every check of the project, in the order a failure is cheapest to see.
# CI (.ci/run) runs exactly this after installing what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's start, for seeing where CI's time goes.
step() { printf '\n== %s (at %ss)\n' "$1" "$SECONDS"; }

step "format and lint"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
step "the release library for old Linux servers: glibc 2.17, no OpenSSL, and it loads"
bash .ci/portable
step "the Windows DLLs and oint.exe (x64 release, x86 dev profile), their imports, and the Wine prefixes"
bash .ci/windows --ci
step "the shared library for the C tests (cargo test alone builds only the rlib)"
cargo build --locked --lib --bins --example demo
step "the test suites (the Windows ones under Wine reporting Windows 10)"
cargo nextest run --locked --no-fail-fast
step "the Windows tests again, under Wine reporting Windows 7 SP1"
OPI_BITRIX24_TEST_WINDOWS=7 cargo nextest run --locked --no-fail-fast --test windows
step "the demo, and the committed files build.rs generates"
target/debug/examples/demo >/dev/null
# build.rs has regenerated the header, the OneScript and 1C modules and
# docs/functions.md: each must be what is committed.
generated=(include/ onescript/src/OPI_Bitrix24.os onescript/1c/ docs/functions.md)
if [ -n "$(git status --porcelain -- "${generated[@]}")" ]; then
    git --no-pager diff -- "${generated[@]}"
    git status --short -- "${generated[@]}"
    echo "these differ from what build.rs generates (from src/capi.rs and src/functions/table/): commit the regenerated files" >&2
    exit 1
fi
step "done"
