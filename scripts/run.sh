#!/usr/bin/env bash
# Installs what is missing, builds the app, and runs the whole product on one local address:
# the store on http://127.0.0.1:8080 serving the app, with its SQLite file under ./data.
# Extra arguments go to the store (see `target/release/xops-store --help`).
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
build_app
say "building the store"
(cd "$ROOT" && cargo build --release -p xops-store --quiet)

LISTEN="${XOPS_LISTEN:-127.0.0.1:8080}"
say "Xops Integrations: open http://$LISTEN (Ctrl-C stops it)"
cd "$ROOT"
exec target/release/xops-store --listen "$LISTEN" --database "${XOPS_DATABASE:-data/xops.sqlite3}" --static-dir dist "$@"
