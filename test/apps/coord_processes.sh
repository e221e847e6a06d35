#!/usr/bin/env bash
# The coordination library across real processes, over a real redis-server
# and over a P2P mesh on loopback:
#  - counters: three pods increment one counter 2,000 times each; one is
#    killed with SIGKILL mid-way and restarted (a new generation, nothing
#    kept) to count 2,000 more. Every pod must end reading at least the
#    increments acknowledged before the kill plus all after, and at most
#    those it counted before the kill (acknowledged or not) plus one in
#    flight at the kill.
#  - generations: three pods bump one key 500 times each at once; every pod
#    ends at 1,500 and none ever reads its generation go down.
#  - membership (P2P, then Redis): three members split 256 partitions; one
#    is killed, the survivors own every partition, each once (the bound is
#    TTL + heartbeat + settle = 2 s + 0.5 s + 0.5 s; the test prints the time
#    taken and allows 10 s, so that a loaded machine does not fail it: speed
#    is not what it checks); it comes back and gets its share again.
# Usage: coord_processes.sh PATH_TO_COORD_POD
set -uo pipefail

pod=$1
source "$(dirname "${BASH_SOURCE[0]}")/../support/redis_server.sh"
source "$(dirname "${BASH_SOURCE[0]}")/../support/cli_checks.sh"
start_redis_server
dir=$redis_dir
declare -A pid
cleanup() {
  # Everything at once: a bare `wait` waits for redis-server too.
  kill "${pid[@]}" "$redis_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
# Each phase's three P2P pods listen on base + 10 * phase + 0, 1, 2.
source "$(dirname "${BASH_SOURCE[0]}")/../support/ports.sh"
base=$(free_ports 70) || exit 1

# last_of FILE PREFIX: the rest of FILE's last line that starts with PREFIX.
last_of() { grep "^$2 " "$1" 2>/dev/null | tail -1 | cut -d' ' -f2-; }

# start NAME ARGS...: a pod in the background, its output in $dir/NAME.
start() {
  local name=$1
  shift
  "$pod" "$@" >>"$dir/$name" 2>>"$dir/$name.err" &
  pid[$name]=$!
}

stop_all() {
  kill "${pid[@]}" 2>/dev/null
  wait "${pid[@]}" 2>/dev/null
  pid=()
}

# flags KIND I: the transport flags of pod I (0-2) over KIND; pods of one
# phase share a prefix (Redis) or ports (P2P) of their own.
flags() {
  local kind=$1 i=$2 j
  if [[ $kind == redis ]]; then
    echo "--redis redis://127.0.0.1:$redis_port --prefix p$phase"
  else
    echo -n "--listen 127.0.0.1:$((base + 10 * phase + i))"
    for j in 0 1 2; do
      [[ $j -ne $i ]] && echo -n " --peer 127.0.0.1:$((base + 10 * phase + j))"
    done
    echo
  fi
}

# same_value LO HI NAMES...: every pod's last value is equal and in
# [LO, HI]. Waits as long as some pod's output moves (thousands of
# acknowledged increments take a minute under ASan on a loaded machine) and
# gives up after 60 s in which nothing changed.
same_value() {
  local lo=$1 hi=$2 first v n ok seen="" now quiet=0
  shift 2
  while (( quiet < 600 )); do
    ok=1
    first=$(last_of "$dir/$1" value)
    [[ -n $first && $first -ge $lo && $first -le $hi ]] || ok=0
    now=""
    for n in "$@"; do
      v=$(last_of "$dir/$n" value)
      now+="$v/$(last_of "$dir/$n" acked) "
      [[ $v == "$first" ]] || ok=0
    done
    [[ $ok == 1 ]] && { echo "$first"; return 0; }
    if [[ $now == "$seen" ]]; then
      quiet=$((quiet + 1))
    else
      seen=$now quiet=0
    fi
    sleep 0.1
  done
  # To stderr: the caller captures stdout.
  for n in "$@"; do
    echo "  | $n: value $(last_of "$dir/$n" value), acked $(last_of "$dir/$n" acked)"
    tail -3 "$dir/$n" | sed 's/^/  | out: /'
    tail -3 "$dir/$n.err" | sed 's/^/  | err: /'
  done >&2
  return 1
}

phase=0
# Each pod's increments in the counters phases; pod 1 dies after a third of
# them (more made each phase minutes longer under ASan, and caught nothing
# more).
times=2000

counters_under_kill() {
  local kind=$1 i acked counted
  phase=$((phase + 1))
  for i in 0 1 2; do
    # shellcheck disable=SC2046
    start "c$phase$i" $(flags "$kind" "$i") count --times "$times"
  done
  for _ in $(seq 1200); do
    acked=$(last_of "$dir/c${phase}1" acked)
    [[ -n $acked && $acked -ge $((times * 3 / 10)) ]] && break
    kill -0 "${pid[c${phase}1]}" 2>/dev/null || break
    sleep 0.05
  done
  kill -KILL "${pid[c${phase}1]}"
  wait "${pid[c${phase}1]}" 2>/dev/null
  acked=$(last_of "$dir/c${phase}1" acked)
  acked=${acked:-0}
  counted=$(last_of "$dir/c${phase}1" counted)
  counted=${counted:-0}
  echo "killed pod 1 after $counted counted increments, $acked acknowledged"
  # The same pod again: a new process, a new generation, nothing kept.
  # shellcheck disable=SC2046
  start "r$phase" $(flags "$kind" 1) count --times "$times"
  local want=$((2 * times + acked + times))
  local most=$((2 * times + counted + times + 1))
  local got
  if got=$(same_value "$want" "$most" "c${phase}0" "c${phase}2" "r$phase"); then
    echo "ok:   counters over $kind: every pod reads $got (acknowledged: $want)"
  else
    fail "counters over $kind did not converge on $want"
  fi
  stop_all
}

generations_at_once() {
  local kind=$1 i n
  phase=$((phase + 1))
  for i in 0 1 2; do
    # shellcheck disable=SC2046
    start "g$phase$i" $(flags "$kind" "$i") bump --times 500
  done
  if got=$(same_value 1500 1500 "g${phase}0" "g${phase}1" "g${phase}2"); then
    echo "ok:   generations over $kind: every pod ends at $got"
  else
    fail "generations over $kind did not reach 1500 everywhere"
  fi
  for i in 0 1 2; do
    n=$(last_of "$dir/g$phase$i" bumped)
    [[ $n == "500 down 0" ]] || fail "pod $i of generations over $kind: $n"
  done
  stop_all
}

# split NAMES...: the pods' last held lists cover 0-255, each partition once.
split() {
  local n all=""
  for n in "$@"; do
    all+="$(last_of "$dir/$n" held | tr ',' '\n')"$'\n'
  done
  local listed distinct
  listed=$(grep -c . <<<"$all")
  distinct=$(grep . <<<"$all" | sort -un | wc -l)
  [[ $listed == 256 && $distinct == 256 ]]
}

# wait_split SECONDS NAMES...: until `split` holds; prints the time taken.
wait_split() {
  local limit=$1 start_ns now
  shift
  start_ns=$(date +%s%N)
  while true; do
    split "$@" && { echo $(( ($(date +%s%N) - start_ns) / 1000000 )); return 0; }
    now=$(date +%s%N)
    (( (now - start_ns) / 1000000000 >= limit )) && return 1
    sleep 0.05
  done
}

membership_under_kill() {
  local kind=$1 i ms
  phase=$((phase + 1))
  for i in 0 1 2; do
    # shellcheck disable=SC2046
    start "m$phase$i" $(flags "$kind" "$i") member --name "member-$i"
  done
  if ms=$(wait_split 30 "m${phase}0" "m${phase}1" "m${phase}2"); then
    echo "ok:   membership over $kind: three members split 256 partitions"
  else
    fail "membership over $kind: three members never split the partitions"
  fi
  kill -KILL "${pid[m${phase}2]}"
  wait "${pid[m${phase}2]}" 2>/dev/null
  unset "pid[m${phase}2]"
  if ms=$(wait_split 10 "m${phase}0" "m${phase}1"); then
    echo "ok:   membership over $kind: survivors own all 256, each once, ${ms} ms after the kill"
  else
    fail "membership over $kind: survivors did not take over within 10 s"
  fi
  # shellcheck disable=SC2046
  start "b$phase" $(flags "$kind" 2) member --name "member-2"
  if ms=$(wait_split 30 "m${phase}0" "m${phase}1" "b$phase"); then
    echo "ok:   membership over $kind: the member that came back has its share again"
  else
    fail "membership over $kind: the member that came back got no share"
  fi
  stop_all
}

counters_under_kill redis
counters_under_kill p2p
generations_at_once redis
generations_at_once p2p
membership_under_kill p2p
membership_under_kill redis

echo "coord_processes: $failures failures"
[[ $failures -eq 0 ]]
