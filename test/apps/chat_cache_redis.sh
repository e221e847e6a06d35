#!/usr/bin/env bash
# chat-cache with one pod per process over a throwaway redis-server: three
# pods wait for each other, append at once, and must each end with the same
# nine messages in the same order.
# Usage: chat_cache_redis.sh PATH_TO_CHAT_CACHE
set -uo pipefail
app=$1
source "$(dirname "${BASH_SOURCE[0]}")/../support/redis_server.sh"
start_redis_server
dir=$redis_dir
port=$redis_port
pids=()
for pod in A B C; do
  "$app" --redis "redis://127.0.0.1:$port" --pod "$pod" --messages 3 \
    --pods 3 >"$dir/$pod.out" 2>&1 &
  pids+=($!)
done
failures=0
for i in 0 1 2; do
  wait "${pids[$i]}" || { echo "pod $i exited $?"; failures=$((failures + 1)); }
done
cat "$dir/A.out"
# The message ids in order must match (the times shown are per process).
ids() {
  awk '/^  \+/ { for (i = 1; i < NF; ++i) if ($i == "ms") { print $(i + 1); break } }' "$1"
}
for pod in B C; do
  if ! diff <(ids "$dir/A.out") <(ids "$dir/$pod.out") >/dev/null; then
    echo "pod $pod differs from pod A:"
    cat "$dir/$pod.out"
    failures=$((failures + 1))
  fi
done
lines=$(ids "$dir/A.out" | wc -l)
[[ $lines -eq 9 ]] || { echo "pod A shows $lines messages, want 9"; failures=$((failures + 1)); }
echo "chat_cache_redis: $failures failures"
[[ $failures -eq 0 ]]
