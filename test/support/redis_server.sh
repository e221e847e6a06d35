# Sourced by the shell tests that need Redis: starts a throwaway
# redis-server on 127.0.0.1 and a random high port, with no persistence and
# its own temporary directory, and stops it when the script exits.
#
#   source test/support/redis_server.sh
#   start_redis_server [extra redis-server arguments]
#   ... "$redis_port" "$redis_dir" ...

start_redis_server() {
  redis_dir=$(mktemp -d)
  trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null; rm -rf "$redis_dir"' EXIT
  local attempt
  for attempt in 1 2 3 4 5; do
    # Below Linux's ephemeral ports (32768 and up), which other tests'
    # outgoing connections hold; a port still taken is tried again.
    redis_port=$((20000 + RANDOM % 12000))
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
      --appendonly no --dir "$redis_dir" --logfile "$redis_dir/redis.log" \
      "$@" &
    redis_pid=$!
    for _ in $(seq 100); do
      # Ours must be the one that answers: a server that could not bind
      # exits, while another one may hold the port.
      kill -0 "$redis_pid" 2>/dev/null || break
      if grep -q "Ready to accept connections" "$redis_dir/redis.log" \
        2>/dev/null; then
        return 0
      fi
      sleep 0.1
    done
    kill "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
    echo "redis-server did not start on port $redis_port (try $attempt)" >&2
    cat "$redis_dir/redis.log" >&2
    rm -f "$redis_dir/redis.log"
  done
  exit 1
}
