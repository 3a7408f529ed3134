#!/usr/bin/env bash
# make bench: every benchmark in one run, written as a report, bench/results/<date>-<host>.md, each figure beside
# the reference measured in the same run, with latency-by-percentile plots beside it (<date>-<host>-bind.svg, the
# bind times; <date>-<host>-dora.svg, DORA at 1,000/s). A progress line per stage goes to the terminal; each stage's
# own output is kept in the report. docs/benchmarks.md describes every stage. Stages (DVMC_BENCH_STAGES, default all
# of them; all but the first two need root, for network namespaces):
#   jmh       per-frame work: classify, parse, reply build, lease lookup in stores of 1,000 and 1,000,000 leases
#             (ns/op and B/op, JMH -prof gc), each beside its reference method
#   fastpath  fast-path replies per second on one lcore beside rx+tx echo and raw rx of the same loop, with
#             DVMC_BENCH_LEASES (default 1,000,000) leases in the store
#   ceiling   perfdhcp against a stateless responder at each rate of DVMC_BENCH_CEILING_RATES (default "2000 5000
#             10000 20000"): the generator's own limit, so a reader knows when a figure below measures perfdhcp
#   perfdhcp  new leases: full DORA from perfdhcp into dvmc's relay-facing port beside Kea 2.2 single- and
#             multi-threaded and dnsmasq, same topology and settings, each rate of DVMC_BENCH_RATES (default
#             "2000 4000 8000") held DVMC_BENCH_HOLD seconds (default 60), each rate on a freshly started server
#             (dvmc with empty state): done %, drops, CPU per server
#   latency   DORA at 1,000/s for DVMC_BENCH_HOLD seconds, captured on the client's veth: p50/p99/p99.9 per server
#   renewals  DVMC_BENCH_RENEW_CLIENTS (default 10,000) bound clients renewing as fast as answered, DVMC_BENCH_HOLD
#             seconds: renewals/s, done %, p99, CPU per renewal
#   restarts  the fast path's answers while the agent is killed with SIGKILL and started again RUNS times (default
#             5), with DVMC_BENCH_LEASES (default 1,000,000) leases in the store and DVMC_BENCH_RENEW_CLIENTS clients
#             renewing at DVMC_BENCH_RESTART_RATE a second (default 5,000): per window renewals sent, answered and
#             lost, and the longest time between two answers, each restart beside a quiet window of the same run
#   bind      a real udhcpc's bind time through dvmc beside Kea, DVMC_BENCH_BINDS binds each (default 200)
#   alloc     the service's new allocations per second: journal, 1 and 2 replicas on etcd
# DVMC_BENCH_SERVERS (default "dvmc kea kea-mt dnsmasq") picks the servers of perfdhcp, latency and renewals.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
all_stages="jmh fastpath ceiling perfdhcp latency renewals restarts bind alloc"
stages=(${DVMC_BENCH_STAGES:-$all_stages})
host=$(hostname -s)
day=$(date -u +%Y-%m-%d)
mkdir -p bench/results
report=bench/results/$day-$host.md
plot=bench/results/$day-$host-bind.svg
dora_plot=bench/results/$day-$host-dora.svg
work=$(mktemp -d /tmp/dvmc-bench-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

progress() { printf '[%s %s] %s\n' "$(date -u +%H:%M:%S)" "$(date -u -d @$(( $(date +%s) - start )) +%M:%S)" "$*" >&2; }

# stage NAME TITLE COMMAND...: runs one stage, its output into the report as a block; a failed stage is reported
# as failed with its last lines, and the others still run.
failed=0
stage() {
  local name=$1 title=$2 rc
  shift 2
  progress "stage $name: $title"
  "$@" > "$work/$name.out" 2> "$work/$name.err"
  rc=$?
  {
    printf '\n## %s\n\n`%s`\n\n' "$title" "$*"
    if [ $rc -ne 0 ]; then
      failed=$((failed + 1))
      printf '**Failed (exit %d).** Last lines of its output:\n\n```\n' "$rc"
      tail -n 20 "$work/$name.err"
      printf '```\n'
    else
      cat "$work/$name.body" 2>/dev/null || { printf '```\n'; cat "$work/$name.out"; printf '```\n'; }
    fi
  } >> "$report"
  progress "stage $name: $([ $rc -eq 0 ] && echo done || echo "FAILED (exit $rc)")"
}

needs_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "needs root (network namespaces)" >&2
    return 1
  fi
}

jmh() {
  bash bench/jmh.sh io.dvmc.bench.jmh -wi 3 -i 5 -w 1 -r 1 -prof gc \
    -rf json -rff "$work/jmh.json" >&2 || return
  "$JAVA_HOME/bin/java" -cp "bench/target/classes:bench/target/lib/*" io.dvmc.bench.JmhTable "$work/jmh.json" \
    > "$work/jmh.body"
}

# servers MODE [ARGS...]: bench/perfdhcp.sh in MODE, each run held DVMC_BENCH_HOLD seconds.
servers() {
  needs_root || return
  DVMC_PERF_MODE=$1 DVMC_PERF_SECONDS=${DVMC_BENCH_HOLD:-60} \
    DVMC_PERF_SERVERS=${DVMC_BENCH_SERVERS:-dvmc kea kea-mt dnsmasq} bash bench/perfdhcp.sh "${@:2}"
}

perfdhcp() {
  servers rates ${DVMC_BENCH_RATES:-2000 4000 8000}
}

ceiling() {
  DVMC_PERF_CEILING_RATES=${DVMC_BENCH_CEILING_RATES:-2000 5000 10000 20000} servers ceiling
}

latency() {
  DVMC_PERF_LATENCY_RATE=1000 DVMC_BENCH_SVG="$top/$dora_plot" servers latency || return
  printf '\n![DORA time by percentile at 1,000/s](%s)\n' "$(basename "$dora_plot")" > "$work/latency.plot"
}

renewals() {
  DVMC_PERF_RENEW_CLIENTS=${DVMC_BENCH_RENEW_CLIENTS:-10000} servers renewals
}

restarts() {
  needs_root || return
  DVMC_PERF_MODE=restarts DVMC_PERF_LEASES=${DVMC_BENCH_LEASES:-1000000} \
    DVMC_PERF_RESTART_RATE=${DVMC_BENCH_RESTART_RATE:-5000} DVMC_PERF_RESTARTS=${RUNS:-5} \
    DVMC_PERF_RENEW_CLIENTS=${DVMC_BENCH_RENEW_CLIENTS:-10000} bash bench/perfdhcp.sh
}

bind() {
  needs_root || return
  DVMC_BENCH_SVG="$top/$plot" DVMC_BENCH_BINDS=${DVMC_BENCH_BINDS:-200} bash bench/bind-latency.sh || return
  printf '\n![bind time by percentile](%s)\n' "$(basename "$plot")" > "$work/bind.plot"
}

alloc() {
  needs_root || return
  DVMC_BENCH_MACS=${DVMC_BENCH_MACS:-100000} bash bench/allocation.sh
}

{
  printf '# dvmc benchmark report, %s\n\n' "$day"
  printf 'Every figure is beside a reference measured in the same run on the same machine; compare ratios, not\n'
  printf 'absolute figures, across machines.\n\n'
  printf '| | |\n|---|---|\n'
  printf '| host | %s, %s cores, %s |\n' "$host" "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  printf '| CPU | %s |\n' "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
  printf '| kernel | %s |\n' "$(uname -r)"
  printf '| JDK | %s |\n' "$("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  printf '| commit | %s |\n' "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (modified)')"
  printf '| load average at start | %s |\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
} > "$report"

progress "dvmc bench report: stages ${stages[*]} -> $report"
for s in "${stages[@]}"; do
  case $s in
    jmh) stage jmh "Per-frame work (JMH, ns/op and B/op; × reference = ratio to the reference method)" jmh ;;
    fastpath) stage fastpath "Fast path on one lcore with ${DVMC_BENCH_LEASES:-1000000} leases in the store" \
      env DVMC_BENCH_LEASES="${DVMC_BENCH_LEASES:-1000000}" bash bench/run.sh ;;
    ceiling) stage ceiling "perfdhcp's own ceiling: DORA against a stateless responder" ceiling ;;
    perfdhcp) stage perfdhcp "New leases: perfdhcp DORA into dvmc beside Kea 2.2 (single- and multi-threaded) and dnsmasq" perfdhcp ;;
    latency) stage latency "DORA latency at 1,000/s: dvmc beside Kea 2.2 (single- and multi-threaded) and dnsmasq" latency
      [ -s "$work/latency.plot" ] && cat "$work/latency.plot" >> "$report" ;;
    renewals) stage renewals "Renewal storm: ${DVMC_BENCH_RENEW_CLIENTS:-10000} bound clients renewing, dvmc's fast path beside the references" renewals ;;
    restarts) stage restarts "The fast path's answers while the agent restarts (kill -9), ${DVMC_BENCH_LEASES:-1000000} leases in the store" restarts ;;
    bind) stage bind "Bind time of a real udhcpc through dvmc beside Kea" bind
      [ -s "$work/bind.plot" ] && cat "$work/bind.plot" >> "$report" ;;
    alloc) stage alloc "Service allocations per second: journal, 1 and 2 replicas on etcd" alloc ;;
    *) echo "unknown stage '$s' ($all_stages)" >&2; exit 2 ;;
  esac
done
printf '\nLoad average at the end: %s. Took %s.\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
  "$(date -u -d @$(( $(date +%s) - start )) +%H:%M:%S)" >> "$report"
progress "report: $report ($failed stage(s) failed)"
[ "$failed" -eq 0 ]
