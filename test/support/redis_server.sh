# Sourced by the shell tests that need Redis: starts a throwaway
# redis-server on 127.0.0.1 and a random high port, with no persistence and
# its own temporary directory, and stops it when the script exits.
#
#   source test/support/redis_server.sh
#   start_redis_server [extra redis-server arguments]
#   ... "$redis_port" "$redis_dir" ...

start_redis_server() {
  redis_dir=$(mktemp -d)
  redis_port=$(( 20000 + RANDOM % 40000 ))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' \
    --appendonly no --dir "$redis_dir" --logfile "$redis_dir/redis.log" "$@" &
  redis_pid=$!
  trap 'kill $redis_pid 2>/dev/null; wait $redis_pid 2>/dev/null; rm -rf "$redis_dir"' EXIT
  for _ in $(seq 100); do
    # An error reply (NOAUTH) shows the server is up too.
    [[ -n $(redis-cli -p "$redis_port" ping 2>/dev/null) ]] && return 0
    sleep 0.1
  done
  echo "redis-server did not start on port $redis_port" >&2
  cat "$redis_dir/redis.log" >&2
  exit 1
}
