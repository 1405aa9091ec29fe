#!/usr/bin/env bash
# Authenticated reads against the same bytes from nginx, side by side in one run, with one load
# generator (Debian's wrk; `-t2 -c64`, loopback). The store (release build, a fresh SQLite file)
# answers GET /api/v1/records/{id}, /me, /records?since=0, /healthz (one database round trip, no
# session) and /platform (neither: the store's floor); Debian's nginx serves the record's body as
# a static file on another free port. Prints req/s, p50, p99 and the ratio to nginx.
# With XOPS_BASELINE_STORE=<a store binary> (e.g. built from an older revision), that store answers
# the same requests in the same run, in a column beside.
# Usage: scripts/bench-reads.sh [seconds per run, default 10]
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ensure_nginx
ensure_wrk
cd "$ROOT"
secs="${1:-10}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
cargo build --release -p xops-store --quiet
work="$(mktemp -d /tmp/xops-bench-reads.XXXXXX)"
pids=() nginx_conf=""
cleanup() {
    [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
    [ -n "$nginx_conf" ] && "$NGINX" -c "$nginx_conf" -s stop 2>/dev/null
    rm -rf "$work"
}
on_exit cleanup
id=5a4b3c2d-1e0f-4a1b-8c2d-3e4f5a6b7c8d

# Starts a store binary on a free port with its own database, signs a person up and makes one
# Microsoft 365 account record. Sets BASE and COOKIE (not in a subshell: the process must stay
# this shell's child, so the cleanup stops it).
start_bench_store() {
    local bin="$1" name="$2" base cookie
    "$bin" --listen 127.0.0.1:0 --database "$work/$name.sqlite3" > "$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q "listening on" "$work/$name.log" && break; sleep 0.1; done
    base="$(grep -o 'http://[0-9.:]*' "$work/$name.log" | head -1)"
    [ -n "$base" ] || die "the store $bin did not start: $(cat "$work/$name.log")"
    curl -fsS -c "$work/$name.cookies" -H 'content-type: application/json' -H "origin: $base" \
        -d '{"organization":"Contoso","email":"bench@contoso.com","password":"correct horse battery staple"}' \
        "$base/api/v1/auth/signup" > /dev/null || die "could not sign up on $base"
    cookie="$(awk '$6 == "xops_session" { print "xops_session=" $7 }' "$work/$name.cookies")"
    [ -n "$cookie" ] || die "no session cookie after sign-up on $base"
    curl -fsS -X PUT -H "cookie: $cookie" -H 'content-type: application/json' -H "origin: $base" -H 'if-none-match: *' \
        -d '{"kind":"integration","body":{"name":"Contoso M365","details":{"provider":"microsoft365","tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","application_id":"11111111-2222-3333-4444-555555555555","organization":"contoso.onmicrosoft.com"},"certificate":null,"status":"connected","created_at":1,"updated_at":1}}' \
        "$base/api/v1/records/$id" > /dev/null || die "could not create the record on $base"
    BASE="$base" COOKIE="$cookie"
}

start_bench_store "$ROOT/target/release/xops-store" store
store="$BASE" cookie="$COOKIE"
baseline=""
if [ -n "${XOPS_BASELINE_STORE:-}" ]; then
    start_bench_store "$XOPS_BASELINE_STORE" baseline
    baseline="$BASE" baseline_cookie="$COOKIE"
fi

mkdir -p "$work/www" "$work/tmp"
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
"$NGINX" -c "$nginx_conf" || die "nginx did not start"

# wrk's summary as "req/s p50 p99 non-2xx".
run() {
    wrk -t2 -c64 -d"${secs}s" --latency "$@" | awk '
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
        /Non-2xx/ { bad = $NF }
        END { printf "%.0f %s %s %s\n", rps, p50, p99, bad + 0 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

read -r nginx_rps nginx_p50 nginx_p99 _ < <(run "http://127.0.0.1:$port/record.json")
printf '\nreads (wrk -t2 -c64, %ss each; nginx serves the record body, %s bytes, as a file)\n' \
    "$secs" "$(wc -c < "$work/www/record.json")"
printf '%-34s %9s %8s %8s %8s' "GET" "req/s" "p50" "p99" "×nginx"
[ -n "$baseline" ] && printf ' | %9s %8s %8s %8s' "baseline" "p50" "×nginx" "now/base"
printf '\n%-34s %9s %8s %8s %8s\n' "nginx: the same bytes as a file" "$nginx_rps" "$nginx_p50" "$nginx_p99" "1.00"
for path in "/api/v1/records/$id" /api/v1/me "/api/v1/records?since=0" /api/v1/healthz /api/v1/platform; do
    read -r rps p50 p99 bad < <(run -H "cookie: $cookie" "$store$path")
    [ "$bad" = 0 ] || die "$path answered $bad non-2xx responses (or wrk failed)"
    printf '%-34s %9s %8s %8s %8s' "${path/$id/\{id\}}" "$rps" "$p50" "$p99" "$(ratio "$rps" "$nginx_rps")"
    if [ -n "$baseline" ]; then
        read -r brps bp50 _ bbad < <(run -H "cookie: $baseline_cookie" "$baseline$path")
        [ "$bbad" = 0 ] || die "the baseline's $path answered $bbad non-2xx responses"
        printf ' | %9s %8s %8s %8s' "$brps" "$bp50" "$(ratio "$brps" "$nginx_rps")" "$(ratio "$rps" "$brps")"
    fi
    printf '\n'
done
