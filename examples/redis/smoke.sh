#!/usr/bin/env bash
# Smoke test of examples/redis (ctest examples.redis): two pods on a
# throwaway redis-server each write three policies, and each must end up
# seeing both. Usage: smoke.sh path/to/redis
set -euo pipefail
pod=$1
source "$(dirname "${BASH_SOURCE[0]}")/../../test/support/redis_server.sh"
start_redis_server
dir=$redis_dir
port=$redis_port
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
