#!/usr/bin/env bash
# podsharectl over Redis, each command its own process, against a throwaway
# redis-server: set in one process and get in another, watch --prefix prints
# exactly the matching events, dump shows versions and tombstones, load
# replays the watch's output into another topic (and a bad file writes
# nothing), keys --prefix, range and watch --from/--to keep to their bounds
# and key order, and a wrong password or an unreachable server is exit code 3;
# the coordination commands count, bump, list a serving pod as a member and
# name its owner; call and reply end in each outcome's exit code.
# Usage: podsharectl_redis.sh PATH_TO_PODSHARECTL
set -uo pipefail

ctl=$1
source "$(dirname "${BASH_SOURCE[0]}")/../support/redis_server.sh"
start_redis_server --requirepass secret
dir=$redis_dir
port=$redis_port
url="redis://:secret@127.0.0.1:$port"
r=(--redis "$url" --topic orders)
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"
expect_out() {
  [[ $(cat "$dir/out") == "$1" ]] || fail "printed '$(cat "$dir/out")', want '$1'"
}

run 0 "${r[@]}" set o/1 '{"item":"book","qty":2}'
run 0 "${r[@]}" get o/1 &&
  { [[ $(cat "$dir/out") == '{"item":"book","qty":2}' ]] ||
    fail "get printed $(cat "$dir/out")"; }

# A watcher in its own process sees exactly the o/ events.
"$ctl" "${r[@]}" watch --prefix o/ --count 2 --timeout 20 >"$dir/watch" &
watcher=$!
sleep 1 # Let the watcher subscribe; only pacing, nothing is timed.
run 0 "${r[@]}" set x/1 '{"other":true}'
run 0 "${r[@]}" set o/2 '{"item":"pen","qty":1}'
run 0 "${r[@]}" del o/1
wait $watcher || fail "watch exited $?"
if [[ $(wc -l <"$dir/watch") -ne 2 ]] || grep -q 'x/1' "$dir/watch" ||
   ! grep -q '"key":"o/2"' "$dir/watch" || ! grep -q '"kind":"delete"' "$dir/watch"; then
  fail "watch printed:"
  sed 's/^/  | /' "$dir/watch"
else
  echo "ok:   watch --prefix o/ printed exactly o/2 and the delete of o/1"
fi

run 1 "${r[@]}" get o/1
run 0 "${r[@]}" keys &&
  { [[ $(cat "$dir/out") == $'o/2\nx/1' ]] || fail "keys printed $(cat "$dir/out")"; }
run 0 "${r[@]}" dump --tombstones &&
  { grep -q '"o/1":{[^}]*"tombstone":true' "$dir/out" &&
    grep -q '"seq":' "$dir/out" && grep -q '"origin":' "$dir/out" ||
    fail "dump printed $(cat "$dir/out")"; }

# Read-your-writes across processes: set prints its write's token, and a
# get in another process reads once it has applied that write (here from
# the version vector of the snapshot the setter left). A token no pod wrote
# times out (exit 4); a malformed one is a usage error.
run 0 "${r[@]}" set o/3 '{"item":"ink"}' --print-token
token=$(cat "$dir/out")
[[ $token =~ ^[0-9]+\.[0-9]+\..+$ ]] || fail "set --print-token printed '$token'"
run 0 "${r[@]}" get o/3 --wait-for "$token" &&
  { [[ $(cat "$dir/out") == '{"item":"ink"}' ]] || fail "get printed $(cat "$dir/out")"; }
run 0 "${r[@]}" keys --wait-for "$token" &&
  { [[ $(cat "$dir/out") == $'o/2\no/3\nx/1' ]] || fail "keys printed $(cat "$dir/out")"; }
run 4 "${r[@]}" --timeout 1 get o/3 --wait-for "1.999999.nobody"
run 2 "${r[@]}" get o/3 --wait-for "not-a-token" &&
  { grep -q 'INCARNATION.SEQ.ORIGIN' "$dir/err" || fail "get said $(cat "$dir/err")"; }

# load replays the watch's lines into another topic: o/2 set, o/1 deleted.
# A file with one bad line writes nothing, and says which line.
l=(--redis "$url" --topic replay)
printf '{"key":"n/1","value":1}\n{"key":"n/2"}\n' >"$dir/bad.jsonl"
run 2 "${l[@]}" load "$dir/bad.jsonl" &&
  { grep -q 'line 2: no "value"' "$dir/err" || fail "load said $(cat "$dir/err")"; }
run 0 "${l[@]}" load "$dir/watch" &&
  { [[ $(cat "$dir/out") == '{"deleted":1,"set":1}' ]] ||
    fail "load printed $(cat "$dir/out")"; }
run 0 "${l[@]}" keys &&
  { [[ $(cat "$dir/out") == 'o/2' ]] || fail "keys printed $(cat "$dir/out")"; }
run 0 "${l[@]}" dump --tombstones &&
  { grep -q '"o/1":{[^}]*"tombstone":true' "$dir/out" ||
    fail "dump printed $(cat "$dir/out")"; }

# Sorted reads, each write its own process and out of key order: keys
# --prefix and range print exactly the live keys in their bounds, in order;
# b/2 is deleted, and a, b (before b/), b0 (the end of b/) and c (TO) lie
# just outside one of them. A watch of [b, c) sees only the events inside.
o=(--redis "$url" --topic sorted)
"$ctl" "${o[@]}" watch --from b --to c --count 5 --timeout 20 \
  >"$dir/range_watch" &
watcher=$!
sleep 1 # Let the watcher subscribe; only pacing, nothing is timed.
for k in d b/2 c a b0; do
  run 0 "${o[@]}" set "$k" "\"$k\""
done
run 0 "${o[@]}" del b/2
run 0 "${o[@]}" set b/1 '{"n":1}'
run 0 "${o[@]}" set b '"b"' --print-token
token=$(cat "$dir/out")
wait $watcher || fail "watch exited $?"
[[ $(grep -o '"key":"[^"]*"' "$dir/range_watch" | tr '\n' ' ') == \
  '"key":"b/2" "key":"b0" "key":"b/2" "key":"b/1" "key":"b" ' ]] &&
  [[ $(grep -c '"kind":"delete"' "$dir/range_watch") -eq 1 ]] ||
  fail "watch --from b --to c printed $(cat "$dir/range_watch")"
run 0 "${o[@]}" keys --prefix b/ && expect_out 'b/1'
run 0 "${o[@]}" range b c --wait-for "$token" && expect_out $'b\nb/1\nb0'
run 0 "${o[@]}" range b "" && expect_out $'b\nb/1\nb0\nc\nd'
b1='{"key":"b/1","value":{"n":1}}'
run 0 "${o[@]}" range a b0 --values &&
  expect_out "$(printf '%s\n' '{"key":"a","value":"a"}' \
                '{"key":"b","value":"b"}' "$b1")"
run 0 "${o[@]}" keys --prefix b/ --values && expect_out "$b1"

# The coordination commands (docs/coordination.md), each its own process:
# every process is a new writer, and what earlier ones wrote comes back from
# the snapshot in Redis.
c=(--redis "$url")
run 0 "${c[@]}" counter incr views --by 5 && expect_out 5
run 0 "${c[@]}" counter decr views && expect_out 4
run 0 "${c[@]}" counter get views && expect_out 4
run 0 "${c[@]}" counter get never && expect_out 0
run 2 "${c[@]}" counter incr views --by 0
run 0 "${c[@]}" gen bump user:42 && expect_out 1
run 0 "${c[@]}" gen bump user:42 && expect_out 2
run 0 "${c[@]}" gen get user:42 && expect_out 2
run 0 "${c[@]}" gen --atomic bump user:42 && expect_out 1
run 0 "${c[@]}" gen --atomic bump user:42 && expect_out 2
run 2 --memory gen --atomic bump user:42
# A serving pod is a member; it owns everything while alone, and leaves
# when it stops.
"$ctl" "${r[@]}" --node-id pod-x serve >"$dir/serve.out" 2>"$dir/serve.err" &
server=$!
for _ in $(seq 300); do
  grep -q 'serving topic' "$dir/serve.err" && break
  sleep 0.1
done
run 0 "${c[@]}" --timeout 10 members && expect_out pod-x
run 0 "${c[@]}" --timeout 10 owner --entity acme user-1 && expect_out pod-x
run 0 "${c[@]}" --timeout 10 owner 255 && expect_out pod-x
run 2 "${c[@]}" owner 256
run 2 "${c[@]}" owner
kill -TERM "$server"
wait "$server" || fail "serve exited $? after SIGTERM"
run 1 "${c[@]}" --timeout 10 owner 0
run 0 "${c[@]}" --timeout 10 members && expect_out ""

# callreply (docs/callreply.md): reply pods answer, call exits with the
# outcome's code. A reply pod announces itself once its route is written;
# a caller in another process reads routes from the snapshot Redis holds,
# a moment later: until then it is exit 5, no route.
start_reply() { # OUT_NAME ARGS...: starts `reply ARGS` in the background
  local name=$1
  shift
  "$ctl" "${c[@]}" reply "$@" >"$dir/$name.out" 2>"$dir/$name.err" &
  eval "$name=$!"
  for _ in $(seq 300); do
    grep -q 'answering' "$dir/$name.err" && return 0
    sleep 0.1
  done
  fail "reply $* did not start: $(cat "$dir/$name.err")"
}
call_when_routed() { # WANT ARGS...: `call ARGS` once the route is known
  local want=$1
  shift
  for _ in $(seq 100); do
    "$ctl" "${c[@]}" call "$@" >/dev/null 2>&1
    [[ $? -ne 5 ]] && break
    sleep 0.1
  done
  run "$want" "${c[@]}" call "$@"
}
start_reply echo_pod ws:alice send --node-id pod-echo
call_when_routed 0 ws:alice send '{"text":"hi"}' &&
  expect_out '{"text":"hi"}'
run 6 "${c[@]}" call ws:alice kick '{}'
run 5 "${c[@]}" call ws:nobody send '{}'
run 2 "${c[@]}" call ws:alice send '{bad'
start_reply upper_pod ws:bob shout --command 'tr a-z A-Z'
call_when_routed 0 ws:bob shout '"quiet please"' && expect_out '"QUIET PLEASE"'
start_reply failing_pod ws:carol fail --command 'echo oops >&2; exit 3'
call_when_routed 9 ws:carol fail '{}' &&
  { grep -q 'the command failed (status 3)' "$dir/err" ||
    fail "handler error said $(cat "$dir/err")"; }
start_reply slow_pod ws:dave wait --max-handlers 1 --command 'sleep 3; echo done'
call_when_routed 4 --timeout 1 ws:dave wait '{}'
# One call holds the only slot for 3 s; another meanwhile is turned away.
"$ctl" "${c[@]}" call ws:dave wait '{}' >"$dir/held.out" 2>&1 &
held=$!
sleep 1 # Let the first call arrive; only pacing, nothing is timed.
run 7 "${c[@]}" call ws:dave wait '{}'
wait "$held" || fail "the held call exited $?: $(cat "$dir/held.out")"
# A reply pod killed outright leaves its route behind; its inbox has no
# listener, so a call fails at once, and drops the dead route.
kill -KILL "$echo_pod"
wait "$echo_pod" 2>/dev/null
run 8 "${c[@]}" --timeout 30 call ws:alice send '{}'
run 5 "${c[@]}" call ws:alice send '{}'
for p in "$upper_pod" "$failing_pod" "$slow_pod"; do
  kill -TERM "$p"
  wait "$p" || fail "reply exited $? after SIGTERM"
done
# Stopped cleanly, a reply pod gives its target up.
run 5 "${c[@]}" call ws:bob shout '"x"'

run 3 --redis "redis://:wrong@127.0.0.1:$port" --topic orders get o/2
run 3 --redis "redis://127.0.0.1:1" --topic orders get o/2

echo "podsharectl_redis: $failures failures"
[[ $failures -eq 0 ]]
