#!/usr/bin/env bash
# make bench-fastpath: the dataplane's fast-path reply rate against the raw rx+free rate of the same loop, same core,
# same vdev (net_pcap replaying renewal REQUESTs of VMs whose leases are in the store), in one run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
vms=${DVMC_BENCH_VMS:-1000}
leases=${DVMC_BENCH_LEASES:-$vms}
seconds=${DVMC_BENCH_SECONDS:-5}
# The fast path again on this many lanes (dataplane.lanes, a queue pair each), to show how it spreads over cores.
lanes=${DVMC_BENCH_LANES:-$(( $(nproc) > 1 ? 2 : 1 ))}
template=protocol/src/test/resources/captures/udhcpc-request-renewing.bin
java=${JAVA_HOME:?JAVA_HOME}/bin/java
cp="bench/target/classes:bench/target/lib/*"

# Prints the mode's rate per wall second and per second of the process's CPU time (what a shared core leaves it).
run() {
  "$java" @deploy/jvm.options -Ddvmc.native.dir="$top/native/build" -Xmx1g -Ddvmc.bench.leases="$leases" \
    -Ddvmc.bench.lanes="${2:-1}" -cp "$cp" \
    io.dvmc.bench.FastPathBench "$1" "$template" "$vms" "$seconds" 2>&1 | tee /dev/stderr |
    awk '/^RESULT/ {r = $3} /^PER_CPU_SECOND/ {c = $3} END {print r, c}'
}

echo "dvmc bench: $vms VMs renewing, $leases leases in the store, ${seconds}s per figure, net_pcap infinite_rx, one lcore ($(nproc) cores on this machine)" >&2
read -r raw raw_cpu <<< "$(run raw)"
read -r echo_ echo_cpu <<< "$(run echo)"
read -r fast fast_cpu <<< "$(run fastpath)"
if (( lanes > 1 )); then
  read -r fast_lanes fast_lanes_cpu <<< "$(run fastpath "$lanes")"
fi
printf '\n%-52s %14s %18s\n' "figure" "per second" "per CPU second"
printf '%-52s %14.0f %18.0f\n' "raw rx + bulk free (reference)" "$raw" "$raw_cpu"
printf '%-52s %14.0f %18.0f\n' "rx + tx of the same frames, no processing" "$echo_" "$echo_cpu"
printf '%-52s %14.0f %18.0f\n' "fast path: renewal REQUEST -> DHCPACK (replies)" "$fast" "$fast_cpu"
awk -v f="$fast" -v r="$raw" -v e="$echo_" -v fc="$fast_cpu" -v rc="$raw_cpu" -v ec="$echo_cpu" 'BEGIN {
  printf "%-52s %14.3f %18.3f\n", "fast path / raw", f / r, fc / rc
  printf "%-52s %14.3f %18.3f\n", "fast path / rx+tx", f / e, fc / ec }'
if (( lanes > 1 )); then
  printf '%-52s %14.0f %18.0f\n' "fast path on $lanes lanes (replies)" "$fast_lanes" "$fast_lanes_cpu"
  awk -v l="$fast_lanes" -v f="$fast" -v lc="$fast_lanes_cpu" -v fc="$fast_cpu" -v n="$lanes" 'BEGIN {
    printf "%-52s %14.3f %18.3f\n", "fast path on " n " lanes / on 1", l / f, lc / fc }'
fi
