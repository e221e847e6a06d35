# Sourced by the shell tests that listen on fixed ports:
#
#   source test/support/ports.sh
#   base=$(free_ports 3)    # base, base + 1 and base + 2 are free now
#
# The ports lie below Linux's ephemeral range (32768 and up), where other
# tests' outgoing connections sit, and no TCP socket on the machine uses any
# of them when chosen. Another process may still take one before our bind:
# rare, and the test then says which pod did not start.

# used_ports: the local port of every TCP socket, one per line.
used_ports() {
  local local_address rest
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
    while read -r _ local_address rest; do
      # The header line's column name has no colon.
      [[ $local_address == *:* ]] && echo $((16#${local_address##*:}))
    done
}

# free_ports N: the first of N consecutive ports that no socket uses.
free_ports() {
  local n=$1 base port used taken
  used=" $(used_ports | sort -un | tr '\n' ' ') "
  for _ in $(seq 50); do
    base=$((20000 + RANDOM % (12000 - n)))
    taken=0
    for ((port = base; port < base + n; port++)); do
      [[ $used == *" $port "* ]] && { taken=1; break; }
    done
    [[ $taken == 0 ]] && { echo "$base"; return 0; }
  done
  echo "free_ports: no $n free consecutive ports in 20000-31999" >&2
  return 1
}
