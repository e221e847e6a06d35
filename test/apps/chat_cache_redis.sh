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
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"
for i in 0 1 2; do
  wait "${pids[$i]}" || fail "pod $i exited $?"
done
cat "$dir/A.out"
same_conversation 9 "$dir/A.out" "$dir/B.out" "$dir/C.out"
echo "chat_cache_redis: $failures failures"
[[ $failures -eq 0 ]]
