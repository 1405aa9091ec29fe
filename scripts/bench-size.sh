#!/usr/bin/env bash
# Prints the bytes a browser fetches for the first load of each kind of page (HTML, JS, wasm, CSS
# and config.json): raw, gzip -9, and brotli -q 11 (the twins the build writes; browsers that take
# brotli get that one). Sign in and Create account start the sign-in module; every other page
# starts the app's first module (then the chunks its page needs: docs/first-load.md).
# Builds the release bundle first unless --no-build is given.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
if [ "${1:-}" != "--no-build" ]; then ensure_build_tools; build_app; else ensure_brotli; fi
[ -f dist/index.html ] || die "no dist/index.html; run without --no-build"

# The files index.html names: the stylesheet, and each module's script and code.
named="$(grep -oE "[\"'](/[^\"' ]+\.(js|wasm|css))[\"']" dist/index.html | tr -d "\"'" | sed 's#^/##' | sort -u)"
css="$(grep '\.css$' <<<"$named")"
signin="$(grep -E '^xops-signin-' <<<"$named")"
app="$(grep -E '^xops-' <<<"$named" | grep -v '^xops-signin-')"

table() {
    local title="$1" f raw gz br total_raw=0 total_gz=0 total_br=0
    shift
    printf '\n%-48s %10s %10s %10s\n' "$title" "raw B" "gzip B" "brotli B"
    for f in "$@"; do
        raw=$(wc -c < "dist/$f"); gz=$(gzip -9 -c "dist/$f" | wc -c); br=$(brotli -q 11 -c "dist/$f" | wc -c)
        total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
        printf '%-48s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
    done
    printf '%-48s %10d %10d %10d\n' "TOTAL" "$total_raw" "$total_gz" "$total_br"
}
# shellcheck disable=SC2086 # one file name per word
table "Sign in, Create account (first load)" index.html config.json $css $signin
# shellcheck disable=SC2086
table "every other page (first module, before its chunk)" index.html config.json $css $app
