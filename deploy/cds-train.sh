#!/usr/bin/env bash
# Writes the class-data archives that bin/dvmc maps at the start of `dvmc agent` and `dvmc dataplane`: starts each
# once on a throw-away host (a net_null port, a temporary state directory) and stops it with SIGTERM, at which
# the JVM writes the archive. Best effort: without an archive the processes start as before, only slower, and
# write it themselves at their first normal exit.
set -uo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
work=$(mktemp -d /tmp/dvmc-cds.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/state"
cp "$top/deploy/examples/policy.json" "$work/policy.json"
"$top/bin/dvmc" keygen "$work/cluster.key" >/dev/null || exit 0
cat > "$work/host.json" <<JSON
{ "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "$work/state", "keyFile": "$work/cluster.key",
  "policyFile": "policy.json", "agent": { "listen": "127.0.0.1:0" },
  "dataplane": { "lcore": 0, "memoryMb": 128, "idle": "backoff", "extraEal": ["--log-level=*:warning"],
    "ports": [ { "name": "train", "device": "net_null0" } ] },
  "bindings": [] }
JSON
for what in agent dataplane; do
  "$top/bin/dvmc" "$what" --config "$work/host.json" > "$work/$what.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 600); do
    [ -e "$work/state/$what.ready" ] && break
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
done
# Time for the dataplane to open the stores after the agent's READY (Chronicle's classes are the archive's too).
sleep 3
# The dataplane first, so that the agent's store hand-over runs too; each writes its archive as it exits.
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
  kill -TERM "${pids[$i]}" 2>/dev/null
  wait "${pids[$i]}" 2>/dev/null
done
for what in agent dataplane; do
  module=$([ "$what" = dataplane ] && echo dataplane || echo control)
  [ -s "$top/$module/target/dvmc-$what.jsa" ] && echo "cds: $module/target/dvmc-$what.jsa" ||
    echo "cds: no archive for $what (see a start of it): it starts without one" >&2
done
exit 0
