#!/usr/bin/env bash
# podsharectl over P2P on loopback, each command its own process: a `serve`
# pod holds the topic; `set` in one process and `get` in another reach it
# through the mesh; `watch --prefix` prints exactly the matching events; a
# mutual-TLS mesh works and refuses a plaintext or wrong-CA pod (exit 3);
# an absent peer is exit 3 once a dial fails; call ends in each outcome's
# exit code against reply pods in the mesh.
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
port=$(free_ports 6) || exit 1
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

# callreply: reply pods answer a caller that lists one of them as its peer;
# a call and its reply cross one link (docs/callreply.md). The reply pods
# after the first dial it, so each hears every route.
reply_port=$((port + 3))
fail_port=$((port + 4))
slow_port=$((port + 5))
start_reply() { # NAME PORT ARGS...: a reply pod in the background
  local name=$1 port=$2
  shift 2
  "$ctl" --listen "127.0.0.1:$port" --node-id "$name" reply "$@" \
    >"$dir/$name.out" 2>"$dir/$name.err" &
  serve_pids+=($!)
  eval "${name}_pid=$!"
  for _ in $(seq 300); do
    grep -q 'answering' "$dir/$name.err" && return
    sleep 0.1
  done
  fail "reply pod $name did not start: $(cat "$dir/$name.err")"
}
# call_when_routed WANT ARGS...: `call ARGS` once the route has arrived (the
# caller loads routes from its peer's snapshot, stored a moment after the
# reply pod announced itself: until then, exit 5).
call_when_routed() {
  local want=$1
  shift
  for _ in $(seq 100); do
    "$ctl" "$@" >/dev/null 2>&1
    [[ $? -ne 5 ]] && break
    sleep 0.1
  done
  run "$want" "$@"
}
start_reply replier "$reply_port" ws:eve shout --command 'tr a-z A-Z'
start_reply failer "$fail_port" --peer "127.0.0.1:$reply_port" ws:fay fail \
  --command 'exit 3'
# Its handler says when it runs, then holds the only slot for 12 s.
start_reply sleeper "$slow_port" --peer "127.0.0.1:$reply_port" ws:gus wait \
  --max-handlers 1 --command "touch $dir/gus.started; sleep 12; echo done"
c=(--listen 127.0.0.1:0 --peer "127.0.0.1:$reply_port" --timeout 20)
f=(--listen 127.0.0.1:0 --peer "127.0.0.1:$fail_port" --timeout 20)
s=(--listen 127.0.0.1:0 --peer "127.0.0.1:$slow_port" --timeout 20)
call_when_routed 0 "${c[@]}" call ws:eve shout '"hello"' &&
  { [[ $(cat "$dir/out") == '"HELLO"' ]] || fail "call printed $(cat "$dir/out")"; }
run 6 "${c[@]}" call ws:eve whisper '"hello"'
run 5 "${c[@]}" call ws:nobody shout '"hello"'
call_when_routed 9 "${f[@]}" call ws:fay fail '{}'
# One call holds the sleeper's only slot; another meanwhile is busy.
"$ctl" "${s[@]}" call ws:gus wait '{}' >"$dir/held.out" 2>&1 &
held=$!
for _ in $(seq 300); do
  [[ -e "$dir/gus.started" ]] && break
  sleep 0.1
done
run 7 "${s[@]}" call ws:gus wait '{}'
wait "$held" || fail "the held call exited $?: $(cat "$dir/held.out")"
# A call that waits 6 s for the 12 s handler ends in a timeout.
t=(--listen 127.0.0.1:0 --peer "127.0.0.1:$slow_port" --timeout 6)
run 4 "${t[@]}" call ws:gus wait '{}' &&
  { grep -q 'no reply in time' "$dir/err" || fail "timeout said $(cat "$dir/err")"; }
# Inboxes are not relayed: a caller whose only peer is the failer has no
# session with eve's pod, and a call to eve is unreachable at once.
run 8 "${f[@]}" call ws:eve shout '"anyone?"'

echo "podsharectl_p2p: $failures failures"
[[ $failures -eq 0 ]]
