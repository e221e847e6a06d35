#!/usr/bin/env bash
# podsharectl over P2P on loopback, each command its own process: a `serve`
# pod holds the topic; `set` in one process and `get` in another reach it
# through the mesh; `watch --prefix` prints exactly the matching events; a
# mutual-TLS mesh works and refuses a plaintext or wrong-CA pod (exit 3);
# an absent peer is exit 3 once a dial fails; call reaches a reply pod.
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
port=$(free_ports 4) || exit 1
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

# callreply: a reply pod answers a caller that lists it as its peer; the
# call and its reply cross that one link (docs/callreply.md).
reply_port=$((port + 3))
"$ctl" --listen "127.0.0.1:$reply_port" --node-id replier reply ws:eve shout \
  --command 'tr a-z A-Z' >"$dir/reply.out" 2>"$dir/reply.err" &
serve_pids+=($!)
for _ in $(seq 300); do
  grep -q 'answering' "$dir/reply.err" && break
  sleep 0.1
done
c=(--listen 127.0.0.1:0 --peer "127.0.0.1:$reply_port" --timeout 20)
# The caller loads the routes from its peer's snapshot, stored a moment
# after the reply pod announced itself: until then, exit 5 (no route).
for _ in $(seq 100); do
  "$ctl" "${c[@]}" call ws:eve shout '"hello"' >/dev/null 2>&1
  [[ $? -ne 5 ]] && break
  sleep 0.1
done
run 0 "${c[@]}" call ws:eve shout '"hello"' &&
  { [[ $(cat "$dir/out") == '"HELLO"' ]] || fail "call printed $(cat "$dir/out")"; }
run 6 "${c[@]}" call ws:eve whisper '"hello"'
run 5 "${c[@]}" call ws:nobody shout '"hello"'

echo "podsharectl_p2p: $failures failures"
[[ $failures -eq 0 ]]
