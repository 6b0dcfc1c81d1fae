#!/usr/bin/env bash
# Every check of the project, in the order a failure is cheapest to see.
# CI (.ci/run) runs exactly this after installing what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step's start, for seeing where CI's time goes.
step() { printf '\n== %s (at %ss)\n' "$1" "$SECONDS"; }
windows_tests='binary_id(opi_bitrix24::windows)'

step "format and lint"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings
step "the release library for old Linux servers: glibc 2.17, no OpenSSL, and it loads"
bash .ci/portable
# The Windows build is ten minutes of compiling; at the lowest priority it
# takes only what the Linux suites leave idle (they wait on sockets, timers
# and each other much of the time), without slowing their timed checks.
step "the Windows DLLs (x64, x86), oint.exe and the Wine prefix: started in the background"
mkdir -p target
nice -n 19 bash .ci/windows >target/windows-build.log 2>&1 &
windows_build=$!
step "the shared library for the C tests (cargo test alone builds only the rlib)"
cargo build --locked --lib --bins --example demo
step "the Linux test suites"
cargo nextest run --locked --no-fail-fast -E "not $windows_tests"
step "the demo and the committed header"
target/debug/examples/demo >/dev/null
# build.rs has regenerated the header: it must be what is committed.
if [ -n "$(git status --porcelain -- include/)" ]; then
    git --no-pager diff -- include/
    echo "include/opi_bitrix24.h differs from what build.rs generates: commit the regenerated header" >&2
    exit 1
fi
step "waiting for the Windows build"
windows_status=0
wait "$windows_build" || windows_status=$?
grep -v '^ *Compiling ' target/windows-build.log
if [ "$windows_status" -ne 0 ]; then
    echo ".ci/windows failed (exit $windows_status)" >&2
    exit 1
fi
step "the Windows suites under Wine, and the 1C package"
cargo nextest run --locked --no-fail-fast -E "$windows_tests"
step "done"
