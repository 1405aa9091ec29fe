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

ensure_trunk() {
    if [ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]; then
        say "installing trunk $TRUNK_VERSION (about 9 minutes on 2 cores, once per machine)"
        cargo install trunk --version "$TRUNK_VERSION" --locked
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
        cargo install wasm-bindgen-cli --version "$want" --force
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

# A throwaway PostgreSQL cluster on a free loopback port in a temporary folder, for the tests
# and benchmarks; sets XOPS_TEST_POSTGRES (the admin URL) and stops and deletes it on exit.
start_test_postgres() {
    ensure_postgres
    local bin port
    bin="$(postgres_bin)"
    PG_TMP="$(mktemp -d /tmp/xops-pg.XXXXXX)"
    [ "$(id -u)" = 0 ] && chown postgres "$PG_TMP"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    say "starting a temporary PostgreSQL ($("$bin/postgres" --version | awk '{print $3}')) on 127.0.0.1:$port"
    as_postgres "$bin/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/log" -w \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
    export XOPS_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres"
    trap stop_test_postgres EXIT
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
}

# The release bundle in dist/: size-optimised wasm (wasm-release profile, wasm-opt -Oz).
build_app() {
    say "building the app (trunk build --release)"
    (cd "$ROOT" && trunk --log error build --release)
    # Precompressed twins: the store (and most CDNs) send brotli to browsers that take it, else
    # gzip. For the wasm, brotli is about a fifth smaller than gzip -9 (see scripts/bench-size.sh).
    find "$ROOT/dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) \
        -exec gzip -9 -k -f {} \; -exec brotli -q 11 -k -f {} \;
}
