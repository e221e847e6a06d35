#!/usr/bin/env bash
# podsharectl over Redis, each command its own process, against a throwaway
# redis-server: set in one process and get in another, watch --prefix prints
# exactly the matching events, dump shows versions and tombstones, load
# replays the watch's output into another topic (and a bad file writes
# nothing), and a wrong password or an unreachable server is exit code 3;
# the coordination commands count, bump, list a serving pod as a member and
# name its owner.
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

# The coordination commands (docs/coordination.md), each its own process:
# every process is a new writer, and what earlier ones wrote comes back from
# the snapshot in Redis.
c=(--redis "$url")
expect_out() {
  [[ $(cat "$dir/out") == "$1" ]] || fail "printed '$(cat "$dir/out")', want '$1'"
}
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

run 3 --redis "redis://:wrong@127.0.0.1:$port" --topic orders get o/2
run 3 --redis "redis://127.0.0.1:1" --topic orders get o/2

echo "podsharectl_redis: $failures failures"
[[ $failures -eq 0 ]]
