# Sourced by the shell tests that run the real binaries: counts failures
# and runs a command expecting an exit code. Set `ctl` (the binary) and
# `dir` (a scratch directory) first.

failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# run WANT_CODE ARGS...: runs $ctl ARGS, leaves stdout in $dir/out.
run() {
  local want=$1
  shift
  "$ctl" "$@" >"$dir/out" 2>"$dir/err"
  local rc=$?
  if [[ $rc -ne $want ]]; then
    fail "$(basename "$ctl") $* exited $rc, want $want"
    sed 's/^/  | /' "$dir/out" "$dir/err"
    return 1
  fi
  echo "ok:   $(basename "$ctl") $* -> $rc"
}

# chat_ids FILE: the message ids chat-cache printed, in order (the times
# shown next to them are per process).
chat_ids() {
  awk '/^  \+/ { for (i = 1; i < NF; ++i) if ($i == "ms") { print $(i + 1); break } }' "$1"
}

# same_conversation WANT FILE...: every chat-cache output shows the same
# WANT message ids in the same order as the first.
same_conversation() {
  local want=$1 first=$2
  shift 2
  local other
  for other in "$@"; do
    if ! diff <(chat_ids "$first") <(chat_ids "$other") >/dev/null; then
      fail "$other differs from $first:"
      cat "$other"
    fi
  done
  local lines
  lines=$(chat_ids "$first" | wc -l)
  [[ $lines -eq $want ]] || fail "$first shows $lines messages, want $want"
}
