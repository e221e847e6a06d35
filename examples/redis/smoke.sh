#!/usr/bin/env bash
# Smoke test of examples/redis (ctest examples.redis): two pods on a
# throwaway redis-server each write three policies, and each must end up
# seeing both. Usage: smoke.sh path/to/redis
set -euo pipefail
pod=$1
dir=$(mktemp -d)
port=$(( 20000 + RANDOM % 40000 ))
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$dir" --logfile "$dir/redis.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
url="redis://127.0.0.1:$port"
"$pod" --url "$url" --node a --interval 1 --count 3 >"$dir/a.out" &
a=$!
"$pod" --url "$url" --node b --interval 1 --count 3 >"$dir/b.out"
wait $a
cat "$dir/a.out" "$dir/b.out"
for node in a b; do
  last=$(grep "sees" "$dir/$node.out" | tail -n 1)
  if [[ "$last" != *"rate-limit/a="* || "$last" != *"rate-limit/b="* ]]; then
    echo "pod $node did not converge: $last" >&2
    exit 1
  fi
done
echo "both pods see both policies"
