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

ensure_build_tools() {
    ensure_wasm_target
    ensure_trunk
    ensure_wasm_bindgen
    ensure_wasm_opt
}

# The release bundle in dist/: size-optimised wasm (wasm-release profile, wasm-opt -Oz).
build_app() {
    say "building the app (trunk build --release)"
    (cd "$ROOT" && trunk --log error build --release)
    # Precompressed twins: the store (and most CDNs) send them to browsers that accept gzip.
    find "$ROOT/dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' \) \
        -exec gzip -9 -k -f {} \;
}
