#!/usr/bin/env bash
# Authenticated reads against the same bytes from nginx, side by side in one run, with one load
# generator (Debian's wrk; `-t2 -c64`, loopback): the store (release build, a fresh SQLite file)
# answering GET /api/v1/records/{id}, /me, /records?since=0 and /healthz, and Debian's nginx
# serving the record's body as a static file on another free port. Prints req/s, p50, p99 and the
# store's ratio to nginx. Usage: scripts/bench-reads.sh [seconds per run, default 10]
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_nginx
ensure_wrk
cd "$ROOT"
secs="${1:-10}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
cargo build --release -p xops-store --quiet
work="$(mktemp -d /tmp/xops-bench-reads.XXXXXX)"
store_pid="" nginx_conf=""
cleanup() {
    [ -n "$store_pid" ] && kill "$store_pid" 2>/dev/null
    [ -n "$nginx_conf" ] && "$NGINX" -c "$nginx_conf" -s stop 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

target/release/xops-store --listen 127.0.0.1:0 --database "$work/xops.sqlite3" > "$work/store.log" 2>&1 &
store_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/store.log" && break; sleep 0.1; done
store="$(grep -o 'http://[0-9.:]*' "$work/store.log" | head -1)"
[ -n "$store" ] || die "the store did not start: $(cat "$work/store.log")"

# A person, a session, and one Microsoft 365 account record (478 bytes as served).
curl -fsS -c "$work/cookies" -H 'content-type: application/json' -H "origin: $store" \
    -d '{"organization":"Contoso","email":"bench@contoso.com","password":"correct horse battery staple"}' \
    "$store/api/v1/auth/signup" > /dev/null
cookie="$(awk '$6 == "xops_session" { print "xops_session=" $7 }' "$work/cookies")"
[ -n "$cookie" ] || die "no session cookie after sign-up"
id=5a4b3c2d-1e0f-4a1b-8c2d-3e4f5a6b7c8d
curl -fsS -X PUT -H "cookie: $cookie" -H 'content-type: application/json' -H "origin: $store" -H 'if-none-match: *' \
    -d '{"kind":"integration","body":{"provider":"microsoft_365","name":"Contoso M365","details":{"tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","application_id":"0b7c2f55-1d3e-4b6a-9c8d-7e6f5a4b3c2d","organization_name":"Contoso Ltd"},"status":"connected","connected_at":"2026-11-30T05:00:00Z"}}' \
    "$store/api/v1/records/$id" > /dev/null || die "could not create the record"
mkdir -p "$work/www"
curl -fsS -H "cookie: $cookie" "$store/api/v1/records/$id" > "$work/www/record.json"

port="$(free_port)"
nginx_conf="$work/nginx.conf"
cat > "$nginx_conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
    uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
    server { listen 127.0.0.1:$port; root $work/www; keepalive_requests 100000; }
}
CONF
mkdir -p "$work/tmp"
"$NGINX" -c "$nginx_conf" || die "nginx did not start"

# wrk's summary as "req/s p50 p99".
run() {
    wrk -t2 -c64 -d"${secs}s" --latency "$@" | awk '
        /Requests\/sec/ { rps = $2 }
        $1 == "50.000%" { p50 = $2 } $1 == "99.000%" { p99 = $2 }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %s %s %s\n", rps, p50, p99, bad + 0 }'
}
read -r nginx_rps nginx_p50 nginx_p99 _ < <(run "http://127.0.0.1:$port/record.json")
printf '\nauthenticated reads (wrk -t2 -c64, %ss each; nginx serves the record body, %s bytes, as a file)\n' \
    "$secs" "$(wc -c < "$work/www/record.json")"
printf '%-42s %10s %9s %9s %8s\n' "request" "req/s" "p50" "p99" "× nginx"
printf '%-42s %10s %9s %9s %8s\n' "nginx, the same bytes as a static file" "$nginx_rps" "$nginx_p50" "$nginx_p99" "1.00"
for path in "/api/v1/records/$id" /api/v1/me "/api/v1/records?since=0" /api/v1/healthz; do
    read -r rps p50 p99 bad < <(run -H "cookie: $cookie" "$store$path")
    [ "$bad" = 0 ] || die "$path answered $bad non-2xx responses"
    printf '%-42s %10s %9s %9s %8s\n' "GET ${path/$id/\{id\}}" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')"
done
