#!/usr/bin/env bash
# Prints the bytes a browser fetches on the first load (HTML + JS + wasm + CSS): raw, gzip -9, and
# brotli -q 11 (the twins the build writes; browsers that take brotli get that one).
# Builds the release bundle first unless --no-build is given.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$ROOT"
if [ "${1:-}" != "--no-build" ]; then ensure_build_tools; build_app; else ensure_brotli; fi
[ -f dist/index.html ] || die "no dist/index.html; run without --no-build"

files=(index.html)
while IFS= read -r f; do files+=("$f"); done < <(
    grep -oE "[\"'](/[^\"' ]+\.(js|wasm|css))[\"']" dist/index.html | tr -d "\"'" | sed 's#^/##' | sort -u)

printf '%-48s %10s %10s %10s\n' "first-load file" "raw B" "gzip B" "brotli B"
total_raw=0; total_gz=0; total_br=0
for f in "${files[@]}"; do
    raw=$(wc -c < "dist/$f"); gz=$(gzip -9 -c "dist/$f" | wc -c); br=$(brotli -q 11 -c "dist/$f" | wc -c)
    total_raw=$((total_raw + raw)); total_gz=$((total_gz + gz)); total_br=$((total_br + br))
    printf '%-48s %10d %10d %10d\n' "$f" "$raw" "$gz" "$br"
done
printf '%-48s %10d %10d %10d\n' "TOTAL" "$total_raw" "$total_gz" "$total_br"
