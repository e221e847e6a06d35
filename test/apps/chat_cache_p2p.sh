#!/usr/bin/env bash
# chat-cache with one pod per process in a P2P mesh on loopback: three pods
# list each other, wait for each other, append at once, and must each end
# with the same nine messages in the same order.
# Usage: chat_cache_p2p.sh PATH_TO_CHAT_CACHE
set -uo pipefail
app=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../support/ports.sh"
base=$(free_ports 3) || exit 1
ports=($base $((base + 1)) $((base + 2)))
names=(A B C)
pids=()
for i in 0 1 2; do
  peers=()
  for j in 0 1 2; do
    [[ $j -ne $i ]] && peers+=(--peer "127.0.0.1:${ports[$j]}")
  done
  "$app" --listen "127.0.0.1:${ports[$i]}" "${peers[@]}" --pod "${names[$i]}" \
    --messages 3 --pods 3 >"$dir/${names[$i]}.out" 2>"$dir/${names[$i]}.err" &
  pids+=($!)
done
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"
for i in 0 1 2; do
  wait "${pids[$i]}" || fail "pod ${names[$i]} exited $?"
done
cat "$dir/A.out"
same_conversation 9 "$dir/A.out" "$dir/B.out" "$dir/C.out"
echo "chat_cache_p2p: $failures failures"
[[ $failures -eq 0 ]]
