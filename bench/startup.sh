#!/usr/bin/env bash
# make bench-startup: start-up times as bin/dvmc gives them, on the throw-away host `make` trained its caches on
# (control/target/aot-train, a net_null port). The agent is started RUNS times (exec to its READY file: it serves),
# and stopped with SIGTERM; then, with an agent running, the dataplane RUNS times: exec to its READY file, and exec
# to "lease stores open" in its log (the last step of its start-up: from then on the fast path answers); then each
# killed with SIGKILL beside the other and started again RUNS times (see below). Each in
# wall time and in the CPU the process used by then (the figure that depends least on what else the machine runs).
# Then each read-only CLI command RUNS times (bench/timed.sh): wall and CPU (user + system), its exit code and the
# bytes it wrote on stderr. Then the agent's kill -9 restarts over a full store (below). Last, the median of each line. DVMC_AOT=0 measures without caches; the load average is printed with each
# line. DVMC_BIN: another launcher for the CLI commands (an older bin/dvmc copied beside this one).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
runs=${RUNS:-5}
dvmc=${DVMC_BIN:-bin/dvmc}
host=control/target/aot-train/host.json
[ -s "$host" ] || { echo "bench/startup.sh: run 'make' first (it leaves $host)" >&2; exit 1; }
state=$(dirname "$host")/state
jdk=${JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/jdk-25* 2>/dev/null | head -n 1)}
[ -x "$jdk/bin/java" ] || { echo "bench/startup.sh: no JDK 25 under /usr/lib/jvm; set JAVA_HOME" >&2; exit 1; }
results=$(mktemp)
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$1/stat" 2>/dev/null; }
load() { cut -d' ' -f1 /proc/loadavg; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
# result LABEL VALUE...: kept for the medians.
result() { local label=$1; shift; echo "$label|$*" >> "$results"; }

agent=
pid=
trap 'kill -TERM $agent $pid 2>/dev/null; wait $agent $pid 2>/dev/null; rm -f "$results"' EXIT
log=/tmp/dvmc-startup-dataplane.log

# start_agent CONFIG: starts an agent; ready, ready_cpu: exec to its READY file.
start_agent() {
  rm -f "$state/agent.ready"
  local t0
  t0=$(date +%s%N)
  bin/dvmc agent --config "$1" > /tmp/dvmc-startup-agent.log 2>&1 &
  agent=$!
  while [ ! -e "$state/agent.ready" ]; do
    kill -0 $agent 2>/dev/null || { echo "agent died (/tmp/dvmc-startup-agent.log)" >&2; exit 1; }
    sleep 0.005
  done
  ready=$(ms_since "$t0") ready_cpu=$(cpu_ms $agent)
}

# start_dataplane CONFIG: starts a dataplane; ready, ready_cpu: exec to its READY file; open, open_cpu: exec to
# "lease stores open" in its log.
start_dataplane() {
  rm -f "$state/dataplane.ready"
  local t0
  t0=$(date +%s%N)
  bin/dvmc dataplane --config "$1" > "$log" 2>&1 &
  pid=$!
  while [ ! -e "$state/dataplane.ready" ]; do
    kill -0 $pid 2>/dev/null || { echo "dataplane died ($log)" >&2; exit 1; }
    sleep 0.005
  done
  ready=$(ms_since "$t0") ready_cpu=$(cpu_ms $pid)
  while ! grep -q 'lease stores open' "$log"; do sleep 0.005; done
  open=$(ms_since "$t0") open_cpu=$(cpu_ms $pid)
}

# stop PID SIGNAL: stops the process and waits for it.
stop() {
  kill "-$2" "$1"
  wait "$1" 2>/dev/null
}

for i in $(seq "$runs"); do
  start_agent "$host"
  echo "agent: exec->READY $ready ms (cpu $ready_cpu ms), load $(load)"
  result "agent exec->READY" "$ready" "$ready_cpu"
  [ "$i" -eq "$runs" ] || stop $agent TERM
done

for _ in $(seq "$runs"); do
  start_dataplane "$host"
  echo "dataplane: exec->READY $ready ms (cpu $ready_cpu ms), exec->stores open $open ms (cpu $open_cpu ms), load $(load)"
  result "dataplane exec->READY" "$ready" "$ready_cpu"
  result "dataplane exec->stores open" "$open" "$open_cpu"
  stop $pid TERM
done

# Crash restarts, as an operator meets them: the agent killed with SIGKILL and started again beside a running dataplane
# (its stores are recovered, the dataplane yields them and reopens them), then the dataplane likewise beside the agent.
# The null port is given no-rx here: a net_null port without it floods the poll loop, which then takes a core the
# starting process needs.
crash_host=$(dirname "$host")/host-crash.json
sed 's/"device": "net_null0"/"device": "net_null0,no-rx=1"/' "$host" > "$crash_host"
stop $agent TERM
start_agent "$crash_host"
start_dataplane "$crash_host"
for _ in $(seq "$runs"); do
  stop $agent KILL
  start_agent "$crash_host"
  echo "agent after kill -9, dataplane running: exec->READY $ready ms (cpu $ready_cpu ms), load $(load)"
  result "agent kill -9 exec->READY" "$ready" "$ready_cpu"
  sleep 1
done
for _ in $(seq "$runs"); do
  stop $pid KILL
  start_dataplane "$crash_host"
  echo "dataplane after kill -9: exec->READY $ready ms (cpu $ready_cpu ms), exec->stores open $open ms (cpu $open_cpu ms), load $(load)"
  result "dataplane kill -9 exec->READY" "$ready" "$ready_cpu"
  result "dataplane kill -9 exec->open" "$open" "$open_cpu"
  sleep 1
done
stop $pid TERM
pid=

for args in "--version" "ctl stat --config $host" "ctl stat --json --config $host" "ctl leases --config $host" \
    "ctl leases --json --config $host" "ctl domains --config $host" "ctl domains --json --config $host" \
    "ctl bindings --config $host" "ctl bindings --json --config $host"; do
  for _ in $(seq "$runs"); do
    # shellcheck disable=SC2086
    line=$(bench/timed.sh "$dvmc" $args)
    echo "dvmc $args: $line, load $(load)"
    read -r wall _ _ cpu _ <<< "$line"
    result "dvmc ${args/ --config $host/}" "$(awk -v w="$wall" -v c="$cpu" 'BEGIN { printf "%d %d", w * 1000, c * 1000 }')"
  done
done

# A full store (DVMC_BENCH_LEASES bound leases, 1,000,000 by default, in a store made for 2^20): its size, then the
# agent's kill -9 restarts beside a running dataplane, then the dataplane's beside the agent, as above. Its own state
# directory, removed at the end.
leases=${DVMC_BENCH_LEASES:-1000000}
if [ "$leases" -gt 0 ]; then
  stop $agent TERM
  agent=
  big_state=$top/control/target/aot-train/state-big
  state=$big_state
  big_host=$(dirname "$host")/host-big.json
  rm -rf "$big_state"
  sed -e "s|\"stateDir\": \"[^\"]*\"|\"stateDir\": \"$big_state\"|" \
    -e 's/"agent": { "listen": "127.0.0.1:0" }/"agent": { "listen": "127.0.0.1:0", "maxLeases": 1048576 }/' \
    "$crash_host" > "$big_host"
  "$jdk/bin/java" @deploy/jvm.options -cp "bench/target/classes:bench/target/lib/*" \
    io.dvmc.bench.HostLeaseFill "$big_host" "$leases" 2>&1 | grep -v WARNING
  start_agent "$big_host"
  echo "agent over $leases leases: exec->READY $ready ms (cpu $ready_cpu ms), RSS $(awk '/VmRSS/ {print int($2 / 1024)}' /proc/$agent/status) MiB, load $(load)"
  start_dataplane "$big_host"
  echo "dataplane over $leases leases: exec->READY $ready ms, exec->stores open $open ms, load $(load)"
  for _ in $(seq "$runs"); do
    stop $agent KILL
    start_agent "$big_host"
    echo "agent after kill -9 over $leases leases: exec->READY $ready ms (cpu $ready_cpu ms), load $(load)"
    result "agent kill -9 exec->READY, $leases leases" "$ready" "$ready_cpu"
    sleep 1
  done
  for _ in $(seq "$runs"); do
    stop $pid KILL
    start_dataplane "$big_host"
    echo "dataplane after kill -9 over $leases leases: exec->READY $ready ms, exec->stores open $open ms (cpu $open_cpu ms), load $(load)"
    result "dataplane kill -9 exec->open, $leases leases" "$open" "$open_cpu"
    sleep 1
  done
  stop $pid TERM
  pid=
  stop $agent TERM
  agent=
  rm -rf "$big_state"
fi

echo "median of $runs (ms wall, ms cpu):"
awk -F'|' '{ n[$1]++; split($2, v, " "); w[$1, n[$1]] = v[1]; c[$1, n[$1]] = v[2]; if (!($1 in seen)) { seen[$1] = ++k; order[k] = $1 } }
  function median(a, label, m,   i, j, t, x) {
    for (i = 1; i <= m; i++) x[i] = a[label, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (x[j] + 0 < x[i] + 0) { t = x[i]; x[i] = x[j]; x[j] = t }
    return m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
  }
  END { for (i = 1; i <= k; i++) printf "  %-32s %6d wall %6d cpu\n", order[i], median(w, order[i], n[order[i]]), median(c, order[i], n[order[i]]) }' "$results"
