#!/usr/bin/env bash
# make bench: the dataplane's fast-path reply rate against the raw rx+free rate of the same loop, same core,
# same vdev (net_pcap replaying renewal REQUESTs of VMs whose leases are in the store), in one run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
vms=${DVMC_BENCH_VMS:-1000}
seconds=${DVMC_BENCH_SECONDS:-5}
template=protocol/src/test/resources/captures/udhcpc-request-renewing.bin
java=${JAVA_HOME:?JAVA_HOME}/bin/java
cp="bench/target/classes:bench/target/lib/*"

run() {
  "$java" @deploy/jvm.options -Ddvmc.native.dir="$top/native/build" -Xmx1g -cp "$cp" \
    io.dvmc.bench.FastPathBench "$1" "$template" "$vms" "$seconds" 2>&1 | tee /dev/stderr | awk '/^RESULT/ {print $3}'
}

echo "dvmc bench: $vms VMs, ${seconds}s per figure, net_pcap infinite_rx, one lcore ($(nproc) cores on this machine)" >&2
raw=$(run raw)
echo_=$(run echo)
fast=$(run fastpath)
printf '\n%-52s %14s\n' "figure" "per second"
printf '%-52s %14.0f\n' "raw rx + bulk free (reference)" "$raw"
printf '%-52s %14.0f\n' "rx + tx of the same frames, no processing" "$echo_"
printf '%-52s %14.0f\n' "fast path: renewal REQUEST -> DHCPACK (replies)" "$fast"
awk -v f="$fast" -v r="$raw" -v e="$echo_" 'BEGIN {
  printf "%-52s %14.3f\n", "fast path / raw", f / r
  printf "%-52s %14.3f\n", "fast path / rx+tx", f / e }'
