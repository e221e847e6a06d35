#!/usr/bin/env bash
# podsharectl serve --http as an operator meets it: a pod on a real
# redis-server whose /metrics, after known activity from other processes,
# has the Go podshare's twelve metric names with the right values and passes
# promtool; then a P2P pod whose /readyz is 503 with the reason until its
# peer comes up, then 200.
# Usage: podsharectl_http.sh PATH_TO_PODSHARECTL
set -uo pipefail

ctl=$1
source "$(dirname "${BASH_SOURCE[0]}")/../support/redis_server.sh"
start_redis_server
dir=$redis_dir
r=(--redis "redis://127.0.0.1:$redis_port" --topic shop)
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"
pids=()
trap 'kill ${pids[*]} $redis_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT

# serve_http NAME HTTP_PORT ARGS...: a long-running pod; waits until it says
# it serves.
serve_http() {
  local name=$1 http=$2
  shift 2
  "$ctl" "$@" serve --http "127.0.0.1:$http" >"$dir/$name.out" \
    2>"$dir/$name.err" &
  pids+=($!)
  for _ in $(seq 300); do
    grep -q 'serving topic' "$dir/$name.err" && return 0
    sleep 0.1
  done
  fail "$name did not start:"
  sed 's/^/  | /' "$dir/$name.err"
  return 1
}

source "$(dirname "${BASH_SOURCE[0]}")/../support/ports.sh"
first_port=$(free_ports 4) || exit 1

# metric NAME VALUE: the scraped line of NAME for this pod has VALUE.
metric() {
  if grep -q "^$1{topic=\"shop\",pod=\"watcher\"} $2\$" "$dir/metrics"; then
    echo "ok:   $1 = $2"
  else
    fail "$1 is not $2: $(grep "^$1{" "$dir/metrics")"
  fi
}

web=$first_port
serve_http watcher "$web" "${r[@]}" --node-id watcher
base="http://127.0.0.1:$web"
# Three writes from other pods: two sets and a delete.
run 0 "${r[@]}" set a '{"n":1}'
run 0 "${r[@]}" set b '{"n":2}'
run 0 "${r[@]}" del a
for _ in $(seq 100); do
  [[ $(curl -s "$base/api/state") == *'"state":{"b":'* ]] && break
  sleep 0.1
done
# Five reads on the serving pod.
for _ in 1 2 3 4 5; do
  curl -sf "$base/api/get?key=b" >/dev/null || fail "GET /api/get?key=b failed"
done
curl -sf "$base/metrics" >"$dir/metrics" || fail "GET /metrics failed"
metric podshare_writes_local_total 0
metric podshare_writes_applied_total 3
metric podshare_writes_rejected_total 0
metric podshare_reads_total 5
metric podshare_keys 1
metric podshare_tombstones 1
metric podshare_watchers_active 1
metric podshare_tombstones_gced_total 0
for name in podshare_events_dispatched_total podshare_watchers_dropped_total \
            podshare_snapshots_total podshare_snapshot_bytes; do
  grep -q "^$name{topic=\"shop\",pod=\"watcher\"} " "$dir/metrics" ||
    fail "no $name"
done
if promtool check metrics <"$dir/metrics" >"$dir/promtool" 2>&1; then
  echo "ok:   promtool check metrics found nothing"
else
  fail "promtool check metrics:"
  sed 's/^/  | /' "$dir/promtool"
fi
grep -q '^podshare_transport_ready{pod="watcher",transport="redis"} 1$' \
  "$dir/metrics" || fail "the redis transport is not ready in /metrics"

# A P2P pod with a peer that is not up yet: not ready, and it says why.
peer=$((first_port + 1))
web2=$((first_port + 2))
serve_http lonely "$web2" --listen 127.0.0.1:0 --peer "127.0.0.1:$peer" \
  --topic shop
code=$(curl -s -o "$dir/readyz" -w '%{http_code}' "http://127.0.0.1:$web2/readyz")
if [[ $code == 503 ]] && grep -q 'no peer connected' "$dir/readyz"; then
  echo "ok:   /readyz is 503: $(cat "$dir/readyz")"
else
  fail "/readyz answered $code: $(cat "$dir/readyz")"
fi
serve_http peer "$((first_port + 3))" --listen "127.0.0.1:$peer" --topic shop
for _ in $(seq 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$web2/readyz")
  [[ $code == 200 ]] && break
  sleep 0.1
done
[[ $code == 200 ]] && echo "ok:   /readyz is 200 once the peer is up" ||
  fail "/readyz still answers $code with the peer up"

echo "podsharectl_http: $failures failures"
[[ $failures -eq 0 ]]
