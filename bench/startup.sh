#!/usr/bin/env bash
# make bench-startup: start-up times as bin/dvmc gives them, on the throw-away host `make` trained its caches on
# (control/target/aot-train, a net_null port). An agent runs throughout; the dataplane is started RUNS times and
# stopped with SIGTERM, each time: exec to its READY file, and exec to "lease stores open" in its log (the last
# step of its start-up: from then on the fast path answers), in wall time and in the CPU the process used by then
# (the figure that does not depend on what else the machine runs). Then each read-only CLI command RUNS times:
# wall and CPU (user + system). DVMC_AOT=0 measures without caches; the load average is printed with each line.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${RUNS:-3}
# The launcher measured: an older bin/dvmc copied beside this one measures the state before a change.
dvmc=${DVMC_BIN:-bin/dvmc}
host=control/target/aot-train/host.json
[ -s "$host" ] || { echo "bench/startup.sh: run 'make' first (it leaves $host)" >&2; exit 1; }
state=$(dirname "$host")/state
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat" 2>/dev/null; }
load() { cut -d' ' -f1 /proc/loadavg; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

rm -f "$state/agent.ready" "$state/dataplane.ready"
bin/dvmc agent --config "$host" > /tmp/dvmc-startup-agent.log 2>&1 &
agent=$!
trap 'kill -TERM $agent 2>/dev/null; wait $agent 2>/dev/null' EXIT
while [ ! -e "$state/agent.ready" ]; do kill -0 $agent 2>/dev/null || { echo "agent died" >&2; exit 1; }; sleep 0.05; done

log=/tmp/dvmc-startup-dataplane.log
for _ in $(seq "$runs"); do
  rm -f "$state/dataplane.ready"
  t0=$(date +%s%N)
  bin/dvmc dataplane --config "$host" > "$log" 2>&1 &
  pid=$!
  while [ ! -e "$state/dataplane.ready" ]; do sleep 0.005; done
  ready=$(ms_since "$t0") ready_cpu=$(cpu_ms $pid)
  while ! grep -q 'lease stores open' "$log"; do sleep 0.005; done
  open=$(ms_since "$t0") open_cpu=$(cpu_ms $pid)
  echo "dataplane: exec->READY $ready ms (cpu $ready_cpu ms), exec->stores open $open ms (cpu $open_cpu ms), load $(load)"
  kill -TERM $pid
  wait $pid
done

for args in "--version" "ctl stat --config $host" "ctl leases --config $host" "ctl domains --config $host"; do
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e %U %S" -o /tmp/dvmc-startup.time "$dvmc" $args > /dev/null 2> /tmp/dvmc-startup.err
    read -r wall user sys < /tmp/dvmc-startup.time
    echo "dvmc $args: ${wall} s wall, $(echo "$user + $sys" | bc) s cpu, stderr $(wc -c < /tmp/dvmc-startup.err) bytes, load $(load)"
  done
done
