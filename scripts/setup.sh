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
        cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary --locked
    fi
}

# The release wasm uses nightly's size levers when this machine has a nightly toolchain (this
# machine kind ships one): the standard library rebuilt for size, panics that abort at once with no
# message or location, and no Debug formatting. About a seventh off every module (see
# docs/first-load.md). Without a nightly toolchain the same app is built on stable, a little larger.
WASM_NIGHTLY_FLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"

wasm_nightly_usable() {
    [ -z "${XOPS_WASM_STABLE:-}" ] && rustup run nightly rustc --version >/dev/null 2>&1
}

ensure_wasm_nightly() {
    wasm_nightly_usable || return 0
    if ! rustup component list --toolchain nightly --installed 2>/dev/null | grep -q '^rust-src'; then
        say "adding rust-src to the nightly toolchain (the size-optimised wasm rebuilds std)"
        rustup component add rust-src --toolchain nightly
    fi
    if ! rustup target list --toolchain nightly --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target to the nightly toolchain"
        rustup target add wasm32-unknown-unknown --toolchain nightly
    fi
}

# The release bundle in dist/. Trunk builds the page, the stylesheet, the icon and config.json;
# the app's code is built here, because Trunk has no step between cargo and wasm-bindgen for the
# split: cargo (the size-optimised wasm-release profile, relocations kept for the splitter) →
# wasm-split-cli (the first download, one file per split point, and chunks of code they share) →
# wasm-bindgen on the first download → wasm-opt -Oz on every module → names with the build's hash
# → a loader in index.html. Every file and its brotli and gzip twins get an immutable name.
build_app() {
    say "building the app (trunk build --release, then the split wasm and the sign-in page)"
    (cd "$ROOT" && trunk --log error build --release)
    build_split_wasm "$ROOT/dist"
    build_signin_wasm "$ROOT/dist"
    write_loader "$ROOT/dist"
    write_service_worker "$ROOT/dist"
    # Precompressed twins: the store (and most CDNs) send brotli to browsers that take it, else
    # gzip; index.html's too (the store loads them with it, unless older). For the wasm, brotli
    # is about a fifth smaller than gzip -9 (see scripts/bench-size.sh).
    find "$ROOT/dist" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.svg' -o -name '*.html' \) \
        -exec gzip -9 -k -f {} \; -exec brotli -q 11 -k -f {} \;
}

# dist/sw.js: the service worker (src/service_worker.js) with this build's id and the exact list of
# the build's files it keeps on the device: the page, config.json, the stylesheet, the icons, the
# manifest and every module, those loaded later included. Any change to any file is a new id.
write_service_worker() {
    local dist="$1" files build list
    files="$(cd "$dist" && find . -type f ! -name '*.br' ! -name '*.gz' ! -name sw.js ! -name _headers \
        ! -name _redirects | sed 's#^\.##' | sort)"
    build="$(cd "$dist" && for f in $files; do sha256sum ".$f"; done | sha256sum | cut -c1-16)"
    list="[$(for f in $files; do printf "'%s'," "$f"; done)]"
    sed -e "s#__XOPS_BUILD__#$build#" -e "s#__XOPS_FILES__#$list#" "$ROOT/src/service_worker.js" > "$dist/sw.js"
    grep -q "$build" "$dist/sw.js" || die "could not write $dist/sw.js"
}

WASM_OPT_FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
    --enable-mutable-globals --enable-reference-types --enable-multivalue)

# How the release wasm is compiled, shared by the app and the sign-in page (one target folder, one
# set of flags, so neither build invalidates the other's compiled dependencies). Sets WASM_TARGET,
# WASM_CARGO (the cargo command line up to the package) and WASM_RUSTFLAGS.
wasm_build_env() {
    WASM_TARGET="$ROOT/target/split" WASM_RUSTFLAGS="-Clink-args=--emit-relocs"
    WASM_CARGO=(cargo)
    # XOPS_WASM_DEBUG=1 keeps function names, panic messages and locations (stable, no wasm-opt).
    if [ -z "${XOPS_WASM_DEBUG:-}" ] && wasm_nightly_usable; then
        WASM_CARGO=(cargo +nightly) WASM_RUSTFLAGS+=" $WASM_NIGHTLY_FLAGS"
        WASM_TARGET="$ROOT/target/split-nightly"
        WASM_CARGO+=(build --quiet -Zbuild-std=std,panic_abort)
    else
        WASM_CARGO+=(build --quiet)
    fi
    WASM_CARGO+=(--target wasm32-unknown-unknown --profile wasm-release --target-dir "$WASM_TARGET")
}

# wasm-opt -Oz on each file given (not in a debug build).
wasm_opt_all() {
    local f
    [ -n "${XOPS_WASM_DEBUG:-}" ] && return 0
    for f in "$@"; do
        wasm-opt -Oz "${WASM_OPT_FEATURES[@]}" "$f" -o "$f" 2>"$f.wasm-opt.log" ||
            { cat "$f.wasm-opt.log" >&2; die "wasm-opt failed on $f"; }
        rm -f "$f.wasm-opt.log"
    done
}

# The app (Leptos), cut into chunks at its split points (src/split.rs). Sets APP_JS, APP_WASM and
# APP_LOADER (the files index.html's loader starts for every page but Sign in and Create account).
build_split_wasm() {
    local dist="$1" out
    wasm_build_env
    out="$WASM_TARGET/out"
    # A target folder of its own: the relocation flag would otherwise rebuild every dependency
    # each time the browser tests (built without it) run.
    (cd "$ROOT" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS" \
        "${WASM_CARGO[@]}" --features split -p xops-integrations --bin xops-integrations)
    rm -rf "$out" && mkdir -p "$out/split" "$out/web"
    wasm-split-cli "$WASM_TARGET/wasm32-unknown-unknown/wasm-release/xops-integrations.wasm" "$out/split"
    local debug=()
    [ -n "${XOPS_WASM_DEBUG:-}" ] && debug=(--keep-debug)
    wasm-bindgen --target web --no-typescript --keep-lld-exports "${debug[@]}" --out-dir "$out/web" --out-name main "$out/split/main.wasm"
    find "$out/split" -name '*.wasm' ! -name main.wasm -exec cp {} "$out/web/" \;
    cp "$out/split/__wasm_split.js" "$out/web/"
    wasm_opt_all "$out/web"/*.wasm
    # One hash for the whole build: the first module and the loader import each other, so no file's
    # name can carry a hash of its own content alone. Any change renames every file.
    local hash f
    hash="$(cat "$out/web"/* | sha256sum | cut -c1-16)"
    APP_JS="xops-$hash.js" APP_WASM="xops-${hash}_bg.wasm" APP_LOADER="xops-loader-$hash.js"
    # Only the `from "…"` of the imports: the wasm's own import names stay as the splitter wrote them.
    local seds=(-e "s#from \"\./__wasm_split\.js\"#from \"./$APP_LOADER\"#g" -e "s#from \"\./main\.js\"#from \"./$APP_JS\"#g"
        -e "s#'main_bg\.wasm'#'$APP_WASM'#g")
    for f in "$out/web"/*.wasm; do
        f="$(basename "$f" .wasm)"
        [ "$f" = main_bg ] || seds+=(-e "s#\./$f\.wasm#./xops-$f-$hash.wasm#g")
    done
    sed "${seds[@]}" "$out/web/main.js" > "$dist/$APP_JS"
    sed "${seds[@]}" "$out/web/__wasm_split.js" > "$dist/$APP_LOADER"
    cp "$out/web/main_bg.wasm" "$dist/$APP_WASM"
    for f in "$out/web"/*.wasm; do
        f="$(basename "$f" .wasm)"
        [ "$f" = main_bg ] || cp "$out/web/$f.wasm" "$dist/xops-$f-$hash.wasm"
    done
}

# Sign in and Create account (crates/signin): a small module of their own, without Leptos. Sets
# SIGNIN_JS and SIGNIN_WASM.
build_signin_wasm() {
    local dist="$1" out hash
    wasm_build_env
    out="$WASM_TARGET/out-signin"
    (cd "$ROOT" && CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS" \
        "${WASM_CARGO[@]}" -p xops-signin --bin xops-signin)
    rm -rf "$out" && mkdir -p "$out"
    local debug=()
    [ -n "${XOPS_WASM_DEBUG:-}" ] && debug=(--keep-debug)
    wasm-bindgen --target web --no-typescript "${debug[@]}" --out-dir "$out" --out-name signin \
        "$WASM_TARGET/wasm32-unknown-unknown/wasm-release/xops-signin.wasm"
    # It shares the app's link flags, so it carries relocations (4/5 of its bytes) no one reads.
    node "$ROOT/scripts/tools/strip-relocs.mjs" "$out/signin_bg.wasm"
    wasm_opt_all "$out/signin_bg.wasm"
    hash="$(cat "$out/signin.js" "$out/signin_bg.wasm" | sha256sum | cut -c1-16)"
    SIGNIN_JS="xops-signin-$hash.js" SIGNIN_WASM="xops-signin-${hash}_bg.wasm"
    sed "s#'signin_bg\.wasm'#'$SIGNIN_WASM'#g" "$out/signin.js" > "$dist/$SIGNIN_JS"
    cp "$out/signin_bg.wasm" "$dist/$SIGNIN_WASM"
}

# An inline script from src/loader/: its comment lines left out, the rest as it is.
inline_script() {
    grep -v '^[[:space:]]*//' "$1" || die "cannot read $1"
}

# What index.html gets besides Trunk's work, all inline (a request fewer each), allowed by their
# hashes in the Content-Security-Policy (the store and the deploy kit compute them):
# - above the stylesheet (an inline script after one waits for it, so the code would only start
#   downloading once the CSS is here): the loader (src/loader/start.js), which starts the sign-in
#   module on Sign in, Create account and Join (the paths come from the module itself) and the app
#   everywhere else; a preload of config.json, both modules' first request; and the app's first
#   files, which the sign-in page prefetches once the person types (crates/signin `prefetch_app`);
# - at the end of the body: the sign-in pages' markup (crates/signin `Page::markup`) and the script
#   that shows the one the address names (src/loader/signin_form.js).
write_loader() {
    local dist="$1" pages paths start signed_in tags
    pages="$(cd "$ROOT" && cargo run --quiet -p xops-signin --bin xops-signin-pages)" ||
        die "could not write the sign-in pages' markup"
    paths="$(cd "$ROOT" && cargo run --quiet -p xops-signin --bin xops-signin-pages -- --paths)" ||
        die "could not read the sign-in pages' paths"
    start="$(inline_script "$ROOT/src/loader/start.js" | sed -e "s#__XOPS_SIGNIN_PATHS__#$paths#" \
        -e "s#__XOPS_SIGNIN_JS__#$SIGNIN_JS#" -e "s#__XOPS_SIGNIN_WASM__#$SIGNIN_WASM#" -e "s#__XOPS_APP_JS__#$APP_JS#" \
        -e "s#__XOPS_APP_WASM__#$APP_WASM#" -e "s#__XOPS_APP_LOADER__#$APP_LOADER#")"
    ! grep -q "__XOPS_" <<<"$start" || die "src/loader/start.js names something write_loader does not fill in"
    signed_in="$(cd "$dist" && ls xops-split_signed_in-*.wasm 2>/dev/null | head -1)"
    tags="<link rel=\"preload\" href=\"/config.json\" as=\"fetch\" crossorigin><script>$start</script>"
    tags+="<meta name=\"xops-app-files\" content=\"/$APP_JS /$APP_LOADER /$APP_WASM${signed_in:+ /$signed_in}\">"
    local insert=(node "$ROOT/scripts/tools/insert-html.mjs" "$dist/index.html")
    "${insert[@]}" '<link rel="stylesheet"' "$tags" || die "could not add the loader above the stylesheet in $dist/index.html"
    sed -i '/<link data-trunk[^>]*data-trunk-skip/d' "$dist/index.html"
    "${insert[@]}" '</body>' "$pages<script>$(inline_script "$ROOT/src/loader/signin_form.js")</script>" ||
        die "could not add the sign-in pages to $dist/index.html"
    grep -q "$SIGNIN_JS" "$dist/index.html" && grep -q 'template data-path="/login"' "$dist/index.html" ||
        die "the loader or the sign-in pages are missing from $dist/index.html"
}
