#!/usr/bin/env bash
# podsharectl over P2P on loopback, each command its own process: a `serve`
# pod holds the topic; `set` in one process and `get` in another reach it
# through the mesh; `watch --prefix` prints exactly the matching events; a
# mutual-TLS mesh works and refuses a plaintext or wrong-CA pod (exit 3);
# an absent peer is exit 3 once a dial fails.
# Usage: podsharectl_p2p.sh PATH_TO_PODSHARECTL TLS_DIR
set -uo pipefail

ctl=$1
tls=$2
dir=$(mktemp -d)
serve_pids=()
trap 'kill ${serve_pids[*]} 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"

# serve PORT ARGS...: a long-running pod listening on PORT.
serve() {
  local port=$1
  shift
  "$ctl" --listen "127.0.0.1:$port" --topic t "$@" serve \
    >"$dir/serve-$port.out" 2>&1 &
  serve_pids+=($!)
}

source "$(dirname "${BASH_SOURCE[0]}")/../support/ports.sh"
port=$(free_ports 3) || exit 1
serve "$port"
p=(--listen 127.0.0.1:0 --peer "127.0.0.1:$port" --topic t --timeout 20)

run 0 "${p[@]}" set k '{"x":1}'
run 0 "${p[@]}" get k &&
  { [[ $(cat "$dir/out") == '{"x":1}' ]] || fail "get printed $(cat "$dir/out")"; }

# The mesh does not relay: a writer reaches the pods it lists, so the
# writers list the watcher too.
watch_port=$(( port + 1 ))
"$ctl" --listen "127.0.0.1:$watch_port" --peer "127.0.0.1:$port" --topic t \
  --timeout 30 watch --prefix p/ --count 2 >"$dir/watch" 2>"$dir/watch.err" &
watcher=$!
w=(--listen 127.0.0.1:0 --peer "127.0.0.1:$port" --peer "127.0.0.1:$watch_port"
   --wait-peers 2 --topic t --timeout 20)
run 0 "${w[@]}" set q/1 '{"other":true}'
run 0 "${w[@]}" set p/1 '{"n":1}'
run 0 "${w[@]}" del p/1
wait $watcher || fail "watch exited $?"
if [[ $(wc -l <"$dir/watch") -ne 2 ]] || grep -q 'q/1' "$dir/watch" ||
   ! grep -q '"key":"p/1"' "$dir/watch" || ! grep -q '"kind":"delete"' "$dir/watch"; then
  fail "watch printed:"
  sed 's/^/  | /' "$dir/watch" "$dir/watch.err"
else
  echo "ok:   watch --prefix p/ printed exactly the set and the delete of p/1"
fi
run 1 "${p[@]}" get p/1

# Nobody listens on the peer's port: the dial fails, exit 3.
run 3 --listen 127.0.0.1:0 --peer 127.0.0.1:1 --topic t --timeout 5 get k

# Mutual TLS.
tls_port=$((port + 2))
ours=(--tls-ca "$tls/ca.pem" --tls-cert "$tls/pod.pem" --tls-key "$tls/pod.key")
serve "$tls_port" "${ours[@]}"
t=(--listen 127.0.0.1:0 --peer "127.0.0.1:$tls_port" --topic t)
run 0 "${t[@]}" --timeout 20 "${ours[@]}" set secure '{"tls":true}'
run 0 "${t[@]}" --timeout 20 "${ours[@]}" get secure
run 3 "${t[@]}" --timeout 5 get secure
run 3 "${t[@]}" --timeout 5 --tls-ca "$tls/other_ca.pem" \
  --tls-cert "$tls/other.pem" --tls-key "$tls/other.key" get secure

echo "podsharectl_p2p: $failures failures"
[[ $failures -eq 0 ]]
