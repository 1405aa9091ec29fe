# Sourced by run.sh and test.sh: each `ensure_*` installs one missing tool and is quick (a
# version check) when it is already there. Safe to run again and again.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/scripts/tools/node_modules/.bin:$PATH"
# Trunk must use the wasm-bindgen and wasm-opt found on PATH, never download its own.
export TRUNK_SKIP_VERSION_CHECK=true

TRUNK_VERSION="0.21.14"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        die "'$*' needs root; run it as root or install sudo"
    fi
}

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown Rust target"
        rustup target add wasm32-unknown-unknown
    fi
    if ! cargo fmt --version >/dev/null 2>&1; then
        say "adding rustfmt (the test command checks formatting)"
        rustup component add rustfmt
    fi
}

# cargo install, without the tool's own release profile's fat LTO in one codegen unit: that last
# step runs on one core for minutes (Trunk's: 309 s of its 675 on a fresh machine here, 109 s
# without), to make a build tool a few percent faster. docs/operations.md has the measured times.
install_tool() {
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

ensure_trunk() {
    if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
        say "installing trunk $TRUNK_VERSION (about 8 minutes on 2 cores, once per machine)"
        install_tool trunk --version "$TRUNK_VERSION" --locked
    fi
}

# wasm-bindgen-cli must be exactly the version of the wasm-bindgen crate in Cargo.lock.
wasm_bindgen_lock_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_bindgen() {
    local want
    want="$(wasm_bindgen_lock_version)"
    [ -n "$want" ] || die "cannot find the wasm-bindgen version in Cargo.lock"
    if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $want" ] ||
        ! command -v wasm-bindgen-test-runner >/dev/null; then
        say "installing wasm-bindgen-cli $want (about 3 minutes, once per machine)"
        # Not --locked: its lockfile names a webpki-roots release the registry no longer serves.
        install_tool wasm-bindgen-cli --version "$want" --force
    fi
}

ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
}

# `npm ci` in a folder, only when its lockfile changed since the last install.
npm_packages() {
    local dir="$1"
    ensure_node
    if ! [ "$dir/node_modules/.installed" -nt "$dir/package-lock.json" ]; then
        say "installing npm packages in ${dir#"$ROOT"/}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        touch "$dir/node_modules/.installed"
    fi
}

ensure_wasm_opt() {
    npm_packages "$ROOT/scripts/tools"
    wasm-opt --version >/dev/null || die "wasm-opt from the npm binaryen package does not run"
    esbuild --version >/dev/null || die "esbuild from the npm esbuild package does not run"
}

ensure_chromium() {
    if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
        apt_install chromium chromium-driver
    fi
}

# Debian's nginx, for the end-to-end test of the deploy kit (the app on its own origin).
ensure_nginx() {
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_install nginx-light
}

# The benchmarks' load generator (scripts/bench-reads.sh).
# The end-to-end tests age a kept connection test in the store's database (health.test.mjs).
ensure_sqlite3() {
    command -v sqlite3 >/dev/null || apt_install sqlite3
}

ensure_wrk() {
    command -v wrk >/dev/null || apt_install wrk
}

# A loopback port no one listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

postgres_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1
}

ensure_postgres() {
    if [ -z "$(postgres_bin)" ] || ! [ -x "$(postgres_bin)/initdb" ]; then
        apt_install postgresql
    fi
}

# PostgreSQL refuses to run as root; as root, run its tools as the postgres user.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Runs a function when the script exits, after the ones added before it (one EXIT trap for all).
EXIT_TASKS=()
on_exit() {
    EXIT_TASKS+=("$1")
    trap 'for task in "${EXIT_TASKS[@]}"; do "$task" || true; done' EXIT
}

# A throwaway PostgreSQL cluster on a free loopback port in a temporary folder, for the tests
# and benchmarks; sets XOPS_TEST_POSTGRES (the admin URL) and stops and deletes it on exit.
start_test_postgres() {
    ensure_postgres
    local bin port
    bin="$(postgres_bin)"
    PG_TMP="$(mktemp -d /tmp/xops-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
    port="$(free_port)"
    say "starting a temporary PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) on 127.0.0.1:$port"
    as_postgres "$bin/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
    export XOPS_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
    on_exit stop_test_postgres
}

stop_test_postgres() {
    if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
        as_postgres "$(postgres_bin)/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_TMP"
    fi
}

ensure_brotli() {
    command -v brotli >/dev/null || apt_install brotli
}

ensure_build_tools() {
    ensure_brotli
    ensure_wasm_target
    ensure_trunk
    ensure_wasm_bindgen
    ensure_wasm_opt
    ensure_wasm_split
    ensure_wasm_nightly
}

WASM_SPLIT_VERSION="0.2.4"

# wasm-split-cli cuts the linked app into the first download and its chunks (see src/split.rs).
ensure_wasm_split() {
    if [ "$(cargo install --list 2>/dev/null | awk '/^wasm_split_cli_support /{print $2}')" != "v$WASM_SPLIT_VERSION:" ]; then
        say "installing wasm-split-cli $WASM_SPLIT_VERSION (about 1 minute, once per machine)"
        install_tool wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
    fi
}

# The release wasm uses nightly's size levers when this machine has a nightly toolchain (this
# machine kind ships one; `cargo xtask build-app` decides, see xtask/src/toolchain.rs). Without one
# the same app is built on stable, a little larger.
wasm_nightly_usable() {
    [ -z "${XOPS_WASM_STABLE:-}" ] && rustup run nightly rustc --version >/dev/null 2>&1
}

ensure_wasm_nightly() {
    wasm_nightly_usable || return 0
    if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
        say "adding rust-src to the nightly toolchain (the release wasm rebuilds std for size)"
        rustup component add rust-src --toolchain nightly
    fi
    if ! rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target to the nightly toolchain"
        rustup target add wasm32-unknown-unknown --toolchain nightly
    fi
}

# The release bundle in dist/: `cargo xtask build-app` (xtask/) runs Trunk (the page, the
# stylesheet, the icon, config.json), then cargo → wasm-split-cli → wasm-bindgen → wasm-opt → one
# hash for the build → the sign-in module → the loader in index.html → the service worker →
# brotli and gzip twins, each a step that says its name when it fails (docs/first-load.md).
# This script only installs the tools it runs (ensure_build_tools).
build_app() {
    (cd "$ROOT" && cargo xtask build-app) || die "the app's build failed (above: which step, and why)"
}
