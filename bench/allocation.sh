#!/usr/bin/env bash
# make bench-alloc: new allocations per second (DISCOVER + REQUEST per MAC, many MACs in flight) through one
# service on its file journal, then 1 and 2 replicas sharing their leases on a 3-member etcd on loopback, in one
# run on this machine. The etcd members are started here, on free loopback ports, and removed at the end. Each
# figure follows DVMC_BENCH_WARMUP (20,000) allocations from other MACs, not counted, and comes with the CPU per
# allocation of the bench's process (services and load) and of the etcd members.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
macs=${DVMC_BENCH_MACS:-20000}
java=${JAVA_HOME:?JAVA_HOME}/bin/java
cp="bench/target/classes:bench/target/lib/*"
work=$(mktemp -d /tmp/dvmc-alloc-bench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free loopback TCP ports, each call going on from the last (no subshell: it sets $port).
next_port=$((30000 + $$ % 5000))
take_port() {
  while ss -Htln "sport = :$next_port" | grep -q .; do next_port=$((next_port + 1)); done
  port=$next_port; next_port=$((next_port + 1))
}
names=(m0 m1 m2); client=(); peer=()
for i in 0 1 2; do take_port; client[i]=$port; take_port; peer[i]=$port; done
cluster=$(for i in 0 1 2; do printf '%s=http://127.0.0.1:%s,' "${names[i]}" "${peer[i]}"; done); cluster=${cluster%,}
for i in 0 1 2; do
  etcd --name "${names[i]}" --data-dir "$work/${names[i]}" \
    --listen-client-urls "http://127.0.0.1:${client[i]}" --advertise-client-urls "http://127.0.0.1:${client[i]}" \
    --listen-peer-urls "http://127.0.0.1:${peer[i]}" --initial-advertise-peer-urls "http://127.0.0.1:${peer[i]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "$(basename "$work")" \
    --logger=zap --log-outputs=stderr >"$work/${names[i]}.log" 2>&1 &
  pids+=($!)
done
endpoints=$(for i in 0 1 2; do printf 'http://127.0.0.1:%s,' "${client[i]}"; done); endpoints=${endpoints%,}
for i in 0 1 2; do
  for _ in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints "http://127.0.0.1:${client[i]}" endpoint health > /dev/null 2>&1 && break
    sleep 0.2
  done
done

run() {
  # Lease events off: at this rate they would measure the terminal (docs/operations.md, "Logs").
  "$java" @deploy/jvm.options -Ddvmc.log.leases=OFF -Xmx1g -Ddvmc.bench.inflight="${DVMC_BENCH_INFLIGHT:-1024}" -Ddvmc.bench.warmup="${DVMC_BENCH_WARMUP:-20000}" \
    -Ddvmc.bench.pids="$(IFS=,; echo "${pids[*]}")" -cp "$cp" \
    io.dvmc.bench.AllocationBench "$@" 2>&1 | tee /dev/stderr |
    awk '/^RESULT/ {$1 = $2 = ""; print substr($0, 3)}'
}
echo "dvmc allocation bench: $macs MACs per figure, 3-member etcd on loopback ($(nproc) cores on this machine)" >&2
journal=$(run journal "$macs")
etcd1=$(run etcd "$macs" 1 "$endpoints")
etcd2=$(run etcd "$macs" 2 "$endpoints")
printf '\n%-52s %14s\n' "figure" "allocations/s"
printf '%-52s %14s\n' "1 service, file journal (embedded default)" "$journal"
printf '%-52s %14s\n' "1 replica, leases in 3-member etcd" "$etcd1"
printf '%-52s %14s\n' "2 replicas, leases in 3-member etcd" "$etcd2"
