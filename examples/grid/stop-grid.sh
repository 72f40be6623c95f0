#!/usr/bin/env bash
# Stops what start-grid.sh started and removes its network namespace. Safe to
# run twice, and after a start that failed halfway.
ns=cors-lab-grid; host_if=clgrid-host
run=${CORS_LAB_GRID_RUN:-${TMPDIR:-/tmp}/cors-lab-grid}
stop() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
}
for name in grid webkitwebdriver xvfb; do
  [ -f "$run/$name.pid" ] && stop "$(cat "$run/$name.pid")"
done
if ip netns list | grep -qw "^$ns"; then
  # Whatever is left in the namespace (browsers the Grid started) is ours.
  left=$(ip netns pids "$ns")
  if [ -n "$left" ]; then kill -TERM $left 2>/dev/null; sleep 1; left=$(ip netns pids "$ns"); [ -n "$left" ] && kill -KILL $left 2>/dev/null; fi
  ip netns del "$ns"
fi
ip link show "$host_if" >/dev/null 2>&1 && ip link del "$host_if"
rm -f "$run"/*.pid
echo "Selenium Grid stopped; namespace $ns removed"
exit 0
