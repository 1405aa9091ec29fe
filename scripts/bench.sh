#!/usr/bin/env bash
# Prints every benchmark's numbers (not tests; nothing here passes or fails on a number):
#   1. the first load's bytes (HTML + JS + wasm + CSS), raw and gzip
#   2. store throughput: authenticated record writes and reads over loopback HTTP, on SQLite and
#      on a temporary PostgreSQL with one and two store processes
#   3. sync in headless Chromium: initial sync of 1,000 and 10,000 records, reload, a 1-change delta
#   4. Generate Public Key in headless Chromium: click to download
#   5. the first load in headless Chromium: bytes on the wire for /login and for Home signed in,
#      the sign-in form against the same form as static HTML, a static file on a kept-alive
#      connection
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
ensure_chromium
npm_packages "$ROOT/tests/e2e"
cd "$ROOT"

"$ROOT/scripts/bench-size.sh"
start_test_postgres
cargo bench -p xops-store --bench throughput --quiet 2>/dev/null | sed -n '/store throughput/,$p'
cargo build --release -p xops-store --quiet
export XOPS_STORE_BIN="$ROOT/target/release/xops-store" XOPS_DIST="$ROOT/dist"
node tests/e2e/bench-sync.mjs
node tests/e2e/bench-credential.mjs
node tests/e2e/bench-first-load.mjs
