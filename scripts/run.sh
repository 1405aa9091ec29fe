#!/usr/bin/env bash
# Installs what is missing, builds the app, and runs the whole product on one local address:
# the store on http://127.0.0.1:8080 serving the app, with its SQLite file under ./data.
# Extra arguments go to the store and win over these defaults (see `target/release/xops-store
# --help`), e.g. `scripts/run.sh --listen 0.0.0.0:8080` or `--database postgres://…`.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

ensure_build_tools
build_app
say "building the store"
(cd "$ROOT" && cargo build --release -p xops-store --quiet)

# Defaults through the store's environment twins, so a flag given here replaces them.
export XOPS_LISTEN="${XOPS_LISTEN:-127.0.0.1:8080}"
export XOPS_DATABASE="${XOPS_DATABASE:-data/xops.sqlite3}"
export XOPS_STATIC_DIR="${XOPS_STATIC_DIR:-dist}"
# The key that seals sign-in tickets at rest (docs/tickets.md): made once, readable by this user only.
if [ -z "${XOPS_SECRETS_KEY_FILE:-}" ] && [[ " $* " != *" --secrets-key-file"* ]]; then
    export XOPS_SECRETS_KEY_FILE="data/secrets.key"
    if [ ! -s "$ROOT/$XOPS_SECRETS_KEY_FILE" ]; then
        mkdir -p "$ROOT/data"
        (umask 077 && head -c 32 /dev/urandom | base64 > "$ROOT/$XOPS_SECRETS_KEY_FILE")
        say "made $XOPS_SECRETS_KEY_FILE (0600): it seals sign-in tickets; keep it apart from database backups"
    fi
fi
listen="$XOPS_LISTEN"
for ((i = 1; i <= $#; i++)); do
    case "${!i}" in
        --listen) j=$((i + 1)); listen="${!j}" ;;
        --listen=*) listen="${!i#--listen=}" ;;
    esac
done
if [ -z "${XOPS_AWS_ACCOUNT_ID:-}" ] && [[ " $* " != *" --aws-account-id"* ]]; then
    say "AWS linking is off: add --aws-account-id <the 12-digit AWS account Xops works from> to turn it on"
fi
say "Xops Integrations: open http://$listen (Ctrl-C stops it)"
cd "$ROOT"
exec target/release/xops-store "$@"
