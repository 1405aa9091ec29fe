#!/usr/bin/env bash
# Installs what is missing and runs every test, layer by layer (after formatting, a check that
# no modules import each other in a circle, and clippy):
#   1. native: the model crate and the store (real HTTP, real SQLite in temp folders), then the
#      store's HTTP tests again on a throwaway PostgreSQL server, with a two-process test
#   2. browser: wasm-bindgen-test in headless Chromium
#   3. end-to-end: the real store on a free port with a temporary database, serving the real
#      release build, driven in Chromium by Playwright
# Every layer runs even when an earlier one fails; the exit status is non-zero if any failed.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
ensure_chromium
ensure_nginx
ensure_sqlite3
npm_packages "$ROOT/tests/e2e"
cd "$ROOT"

# Whatever the tests leave in the temporary folder goes with the run. chromedriver, as
# wasm-bindgen-test stops it, leaves each browser profile behind (up to 100 MB per test binary);
# hundreds of them once filled the disk and failed CI.
RUN_TMP="$(mktemp -d "${TMPDIR:-/tmp}/xops-test.XXXXXX")"
remove_run_tmp() { rm -rf "$RUN_TMP"; }
on_exit remove_run_tmp
export TMPDIR="$RUN_TMP"

export CHROMEDRIVER=/usr/bin/chromedriver
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json"
export WASM_BINDGEN_TEST_TIMEOUT=120

failed=()
# Each layer says how long it took (CI should stay under 30 minutes from a fresh clone).
layer() {
    local name="$1" started=$SECONDS; shift
    say "$name"
    if "$@"; then say "$name: passed ($((SECONDS - started)) s)"; else say "$name: FAILED ($((SECONDS - started)) s)"; failed+=("$name"); fi
}

layer "formatting (cargo fmt --check; fix with cargo fmt)" cargo fmt --all -- --check
layer "module structure (no modules importing each other in a circle)" \
    node scripts/tools/module-cycles.mjs src crates/*/src xtask/src
# clippy.toml's rules (no unwrap on what a user or the network controls, among others), as errors.
clippy() {
    cargo clippy --workspace --exclude xops-integrations --all-targets --quiet -- -D warnings &&
        cargo clippy -p xops-integrations --target wasm32-unknown-unknown --all-targets --quiet -- -D warnings
}
layer "lints (cargo clippy, native and wasm)" clippy
# The native packages. Every cargo command of the native layers names the same ones: another
# selection (`-p xops-store`) unifies the dependencies' features differently and compiled ~70
# crates again (100 s of the PostgreSQL layer).
NATIVE=(--workspace --exclude xops-integrations)
layer "native tests" cargo test "${NATIVE[@]}"
postgres_tests() {
    start_test_postgres
    cargo test "${NATIVE[@]}" --test accounts --test records --test web --test verify --test multiprocess --test team \
        --test health --test devices --test tickets
}
layer "store tests on PostgreSQL (a temporary server; two store processes)" postgres_tests
layer "browser tests (wasm-bindgen-test, headless Chromium)" \
    cargo test -p xops-integrations -p xops-signin --target wasm32-unknown-unknown
e2e() {
    # The store binary and the sign-in pages' program, as the native layer's `cargo test` built
    # them (nothing to do when it ran; a plain `cargo build`, or the xtask's `cargo run -p
    # xops-signin`, has other features, from no dev-dependencies, and would compile them again).
    cargo test "${NATIVE[@]}" --no-run --quiet || return 1
    XOPS_SIGNIN_PAGES_BIN="$ROOT/target/debug/xops-signin-pages" build_app
    # The byte budgets (tests/e2e/first-load.test.mjs: Sign in, Home's heading signed in, and the
    # whole app's code); larger on stable.
    wasm_nightly_usable ||
        export XOPS_SIGN_IN_BUDGET=$((86 * 1024)) XOPS_HOME_BUDGET=$((170 * 1024)) XOPS_WHOLE_APP_BUDGET=$((700 * 1024))
    XOPS_STORE_BIN="$ROOT/target/debug/xops-store" XOPS_DIST="$ROOT/dist" \
        node --test --test-concurrency=1 tests/e2e/
}
layer "end-to-end tests (real store + release build + Chromium)" e2e

if [ "${#failed[@]}" -ne 0 ]; then
    printf 'FAILED layers: %s\n' "${failed[*]}" >&2
    exit 1
fi
say "all test layers passed ($SECONDS s in all)"
