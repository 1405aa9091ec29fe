#!/usr/bin/env bash
# Prints every benchmark's numbers (not tests; nothing here passes or fails on a number):
#   1. the first load's bytes (HTML + JS + wasm + CSS), raw and gzip
#   2. store throughput: authenticated record writes and reads over loopback HTTP, on SQLite and
#      on a temporary PostgreSQL with one and two store processes
#   3. sync in headless Chromium: initial sync of 0, 1,000 and 10,000 records, reload, a 1-change
#      delta (with `--baseline REV` also for that build, side by side)
#   4. Generate Public Key in headless Chromium: click to download; signing a week of tickets
#      ahead (main-thread time per 100 tickets, the longest task)
#   5. reads against nginx serving the same bytes, one load generator (scripts/bench-reads.sh)
#   6. the first load in headless Chromium: bytes on the wire for /login and for Home signed in,
#      the sign-in form against the same form as static HTML, a static file on a kept-alive
#      connection; with `--baseline REV`, also for the build of git revision REV, side by side in
#      the same run, with the ratios (e.g. `scripts/bench.sh --baseline origin/main`)
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
ensure_chromium
npm_packages "$ROOT/tests/e2e"
cd "$ROOT"

if [ "${1:-}" = "--baseline" ]; then
    [ -n "${2:-}" ] || die "--baseline needs a git revision"
    BASELINE_TREE="$(mktemp -d /tmp/xops-baseline.XXXXXX)"
    say "building the baseline $2 in $BASELINE_TREE"
    git worktree add --detach --force "$BASELINE_TREE" "$2" >/dev/null
    ln -s "$ROOT/scripts/tools/node_modules" "$BASELINE_TREE/scripts/tools/node_modules"
    # Its own setup script and build, in a target folder of its own: cargo records a workspace
    # crate's sources relative to the crate, so a baseline built in this clone's target/ looks
    # up to date for this clone's older files, and the "current" build then reused the
    # baseline's crates (it did, until 2026-11-30). Then only its dist/ and its store binary are
    # kept (in target/, so the next run replaces them). The sync bench runs each build against
    # its own store, so a change on either side is measured.
    BASELINE_TARGET="$ROOT/target/baseline-build"
    (cd "$BASELINE_TREE" && CARGO_TARGET_DIR="$BASELINE_TARGET" bash -c 'source scripts/setup.sh; build_app' &&
        CARGO_TARGET_DIR="$BASELINE_TARGET" cargo build --release -p xops-store --quiet)
    rm -rf "$ROOT/target/baseline-dist" && cp -a "$BASELINE_TREE/dist" "$ROOT/target/baseline-dist"
    cp "$BASELINE_TARGET/release/xops-store" "$ROOT/target/baseline-xops-store"
    git worktree remove --force "$BASELINE_TREE"
    export XOPS_BASELINE_DIST="$ROOT/target/baseline-dist" XOPS_BASELINE_STORE_BIN="$ROOT/target/baseline-xops-store"
fi

"$ROOT/scripts/bench-size.sh"
start_test_postgres
cargo bench -p xops-store --bench throughput --quiet 2>/dev/null | sed -n '/store throughput/,$p'
"$ROOT/scripts/bench-reads.sh"
cargo build --release -p xops-store --quiet
export XOPS_STORE_BIN="$ROOT/target/release/xops-store" XOPS_DIST="$ROOT/dist"
node tests/e2e/bench-sync.mjs
node tests/e2e/bench-credential.mjs
node tests/e2e/bench-tickets.mjs
node tests/e2e/bench-first-load.mjs
