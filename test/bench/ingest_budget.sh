#!/usr/bin/env bash
# A pod with a small ingest budget under bursts of 200,000 messages on its
# Redis channel (issue 23), real processes and a real redis-server, Release
# binaries (the `ingest` step of scripts/test):
#
# 1. A writer publishes as fast as Redis takes it and Redis may buffer for
#    the pod without limit. The pod stops reading while its budget is spent
#    (pauses counted), holds at most the budget plus two reads and their
#    messages unhandled, and ends with every key, having lost nothing and
#    never reconnected. Its RSS is printed, not asserted: the peak comes
#    from snapshot builds and the JSON values (docs/operations.md, "Ingest
#    budget"), which the budget does not govern.
# 2. Redis drops subscribers 1 MB behind, and the pod is stopped (SIGSTOP)
#    during a second burst: Redis cuts it off, the pod counts the overrun,
#    reports ingest_overrun, resyncs from the writer's snapshot and ends
#    with every key at the second burst's value.
#
# INGEST_BUDGET=bytes runs it with another budget (1 MiB by default); with
# a budget larger than the burst, part 1 shows what the pod held without.
# Usage: ingest_budget.sh PATH_TO_PODSHARECTL PATH_TO_BURST
set -uo pipefail

ctl=$1
burst=$2
n=200000
budget=${INGEST_BUDGET:-$((1024 * 1024))}
source "$(dirname "${BASH_SOURCE[0]}")/../support/redis_server.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../support/ports.sh"
# No output-buffer limit for subscribers in part 1: Redis holds the backlog.
start_redis_server --client-output-buffer-limit "pubsub 0 0 0"
dir=$redis_dir
url="redis://127.0.0.1:$redis_port"
http_port=$(free_ports 1)
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

metric() {
  curl -sf "http://127.0.0.1:$http_port/metrics" |
    awk -v m="$1" 'index($0, m "{") == 1 { print $2; exit }'
}
kb_of() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

# wait_until SECONDS COMMAND...: polls every 0.1 s.
wait_until() {
  local limit=$(($1 * 10))
  shift
  for _ in $(seq "$limit"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}
every_key_at() {
  [[ $(metric podshare_keys) == "$n" ]] &&
    [[ $("$ctl" --redis "$url" --topic burst get key:00199999) == "{\"i\":199999,\"round\":$1}" ]]
}

"$ctl" --redis "$url" --topic burst --ingest-budget "$budget" --timeout 120 \
  serve --http "127.0.0.1:$http_port" 2>"$dir/serve.err" &
pod=$!
trap 'kill $pod 2>/dev/null; kill $redis_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
wait_until 20 grep -q 'serving topic' "$dir/serve.err" ||
  { cat "$dir/serve.err"; exit 1; }
base_kb=$(kb_of "$pod" VmRSS)

# -- 1: the budget holds while Redis keeps the backlog -------------------------
ms=$("$burst" "$redis_port" podshare burst "$n" 1) || exit 1
echo "info: 200,000 messages published in $ms ms"
wait_until 120 every_key_at 1 ||
  fail "the pod has $(metric podshare_keys) of $n keys after 120 s"
pauses=$(metric podshare_transport_ingest_pauses_total)
peak=$(metric podshare_transport_ingest_peak_bytes)
echo "info: RSS $base_kb kB at the start, $(kb_of "$pod" VmRSS) kB now," \
  "$(kb_of "$pod" VmHWM) kB at most; held unhandled at most $peak B;" \
  "$pauses pauses"
if ((budget < n * 100)); then
  [[ ${pauses:-0} -gt 0 ]] || fail "the pod never paused reading"
  # Two reads of 64 KiB may be on their way to the stores, each charged
  # with the messages made of it: 3.4 times its size with these messages.
  ((${peak:-0} <= budget + 2 * 65536 * 4)) ||
    fail "the pod held $peak unhandled bytes; budget $budget"
fi
[[ $(metric podshare_transport_ingest_overruns_total) == 0 ]] ||
  fail "an overrun without any output-buffer limit"
[[ $(metric podshare_transport_reconnects_total) == 0 ]] ||
  fail "the pod reconnected during part 1"
((failures == 0)) && echo "ok:   part 1"

# -- 2: Redis cuts the stopped pod off; it resyncs -----------------------------
redis-cli -p "$redis_port" config set client-output-buffer-limit \
  "pubsub 1mb 0 0" >/dev/null || exit 1
kill -STOP "$pod"
"$burst" "$redis_port" podshare burst "$n" 2 --snapshot >/dev/null || exit 1
kill -CONT "$pod"
wait_until 60 every_key_at 2 ||
  fail "after the overrun the pod has not every key at round 2 within 60 s"
overruns=$(metric podshare_transport_ingest_overruns_total)
[[ $overruns -ge 1 ]] || fail "no overrun counted ($overruns)"
grep -q 'ingest_overrun' "$dir/serve.err" ||
  fail "the error handler did not hear ingest_overrun"
echo "ok:   part 2 ($overruns overrun(s), every key at round 2)"

kill "$pod"
wait "$pod" 2>/dev/null
exit $((failures > 0))
