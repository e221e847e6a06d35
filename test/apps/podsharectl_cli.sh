#!/usr/bin/env bash
# Runs the real podsharectl binary and checks each exit code by its cause,
# the one-line reasons, --help on every command and a clean serve shutdown.
# Usage: podsharectl_cli.sh PATH_TO_PODSHARECTL
set -uo pipefail

ctl=$1
failures=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# expect CODE PATTERN ARGS...: runs podsharectl ARGS, wants exit CODE and, if
# PATTERN is not empty, stdout+stderr matching it.
expect() {
  local want=$1 pattern=$2
  shift 2
  "$ctl" "$@" >"$out" 2>"$err"
  local rc=$?
  if [[ $rc -ne $want ]]; then
    echo "FAIL: podsharectl $* exited $rc, want $want"
    sed 's/^/  | /' "$out" "$err"
    failures=$((failures + 1))
  elif [[ -n "$pattern" ]] && ! grep -qE -- "$pattern" "$out" "$err"; then
    echo "FAIL: podsharectl $*: output does not match /$pattern/"
    sed 's/^/  | /' "$out" "$err"
    failures=$((failures + 1))
  else
    echo "ok:   podsharectl $* -> $rc"
  fi
}

m=(--memory --topic t)

# 0: success.
expect 0 '' "${m[@]}" set k '{"a":[1,2]}'
expect 0 '' "${m[@]}" del k
expect 0 '^\{\}$' "${m[@]}" dump --tombstones
expect 0 '"writes_local":0' "${m[@]}" stats
expect 0 '' "${m[@]}" keys
expect 0 '' "${m[@]}" keys --prefix p --values
expect 0 '' "${m[@]}" range a ""
expect 0 '' "${m[@]}" range a b --values
# --timeout also bounds opening the store: generous for sanitizer builds.
expect 0 '' "${m[@]}" watch --prefix p --timeout 2
# 1: key absent.
expect 1 '' "${m[@]}" get k
# 2: usage errors, each with a one-line reason.
expect 2 'invalid JSON value' "${m[@]}" set k '{bad'
expect 2 'invalid JSON value' "${m[@]}" set k ''
expect 2 '--topic is required' --memory get k
expect 2 'choose a transport' --topic t get k
expect 2 'subcommand is required' "${m[@]}"
expect 2 'excludes' --memory --redis redis://127.0.0.1:1 --topic t keys
expect 2 'excludes' "${m[@]}" watch --key a --prefix b
expect 2 'excludes' "${m[@]}" watch --prefix a --from b
expect 2 'TO is required' "${m[@]}" range a
expect 2 'INCARNATION.SEQ.ORIGIN' "${m[@]}" range a b --wait-for nope
expect 2 'bad --redis URL' --redis http://127.0.0.1:1 --topic t keys
expect 3 'Connection refused' --redis redis://127.0.0.1:1 --topic t keys
expect 2 'bad --listen' --listen nowhere --topic t keys
expect 2 '' "${m[@]}" --wire yaml keys
expect 2 '' "${m[@]}" set k
expect 2 '' "${m[@]}" --no-such-flag keys
expect 2 'must be at least 1 byte' "${m[@]}" --ingest-budget 0 keys
expect 2 'unit not recognized' "${m[@]}" --ingest-budget 4furlongs keys
expect 0 '' "${m[@]}" --ingest-budget 4MiB keys
# 4: timeout.
expect 4 'timeout' "${m[@]}" watch --count 1 --timeout 2
# call: bad arguments are a usage error; a target nobody claims is exit 5.
expect 2 'invalid JSON arguments' --memory call ws:x send '{bad'
expect 5 'no route for ws:x' --memory call ws:x send '{}'
# --help on the tool and on every command.
expect 0 'Exit codes' --help
for cmd in get set del keys range dump watch stats serve counter gen members \
           owner call reply; do
  expect 0 "$cmd" "$cmd" --help
done

# serve stays up until SIGTERM, then closes cleanly with exit 0.
"$ctl" "${m[@]}" serve >"$out" 2>"$err" &
pid=$!
# Up once it says so (a loaded machine may take seconds to start it).
for _ in $(seq 300); do
  grep -q 'serving topic' "$err" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if ! kill -0 "$pid" 2>/dev/null; then
  echo "FAIL: serve exited before SIGTERM"
  failures=$((failures + 1))
else
  kill -TERM "$pid"
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "FAIL: serve still runs 10 s after SIGTERM"
    kill -KILL "$pid"
    failures=$((failures + 1))
  fi
  wait "$pid"
  rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL: serve exited $rc after SIGTERM"
    failures=$((failures + 1))
  else
    echo "ok:   serve exits 0 on SIGTERM"
  fi
fi

echo "podsharectl_cli: $failures failures"
[[ $failures -eq 0 ]]
