#!/usr/bin/env bash
# make bench-e2e (root): how long a real udhcpc takes to bind (DISCOVER, OFFER, REQUEST, ACK, then RELEASE on
# exit) through dvmc (DPDK af_packet dataplane, agent, service: the slow path every time, since each RELEASE
# removes the lease) and, in the same run and alternating with it, against Kea on a veth. HdrHistogram report with
# the ratio dvmc / Kea. Everything runs in network namespaces this script creates and removes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
binds=${DVMC_BENCH_BINDS:-100}
java=${JAVA_HOME:?JAVA_HOME}/bin/java


# shellcheck source=deploy/lab.sh
. deploy/lab.sh
lab_init
trap lab_cleanup EXIT INT TERM
lab_sweep_stale
lab_kea_install

# dvmc: a host namespace running the dataplane, one VM on it; agent and service on loopback.
lab_host_add
lab_vm_add 1 02:00:00:64:00:01
# Kea: its own namespace, one VM on a veth to it.
lab_kea_add 2 02:00:00:64:00:02 10.0.0.1/24

port=$((20000 + LAB_PID % 20000))
cat > "$LAB_DIR/policy.json" <<JSON
{ "domains": [ { "id": 100, "name": "blue", "subnet": "10.0.0.0/24", "router": "10.0.0.1",
  "pools": [ { "start": "10.0.0.100", "end": "10.0.0.199" } ], "dns": [ "10.0.0.53" ], "mtu": 1450,
  "leaseSeconds": 600, "services": [ "127.0.0.1:$port" ] } ] }
JSON
cat > "$LAB_DIR/host.json" <<JSON
{ "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "host", "keyFile": "cluster.key", "policyFile": "policy.json",
  "dataplane": { "idle": "wait", "ports": [ { "name": "vm1", "device": "net_af_packet0,iface=${LAB_VM_HOSTIF[1]}" } ] },
  "bindings": [ { "port": "vm1", "vlan": 0, "mac": "02:00:00:64:00:01", "domain": 100,
                  "vm": "6f1c1d2e-0000-4000-8000-000000000001" } ] }
JSON
cat > "$LAB_DIR/kea.json" <<JSON
{ "Dhcp4": { "interfaces-config": { "interfaces": [ "$LAB_KEA_IF" ], "dhcp-socket-type": "raw",
                                    "service-sockets-max-retries": 10, "service-sockets-retry-wait-time": 500 },
  "lease-database": { "type": "memfile", "persist": false },
  "valid-lifetime": 600,
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/24", "pools": [ { "pool": "10.0.0.100 - 10.0.0.199" } ],
    "option-data": [ { "name": "routers", "data": "10.0.0.1" }, { "name": "domain-name-servers", "data": "10.0.0.53" },
                     { "name": "interface-mtu", "data": "1450" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ] } }
JSON

bin/dvmc keygen "$LAB_DIR/cluster.key" > /dev/null
lab_spawn service - bin/dvmc service --policy "$LAB_DIR/policy.json" --listen "127.0.0.1:$port" \
  --state-dir "$LAB_DIR/service" --key-file "$LAB_DIR/cluster.key"
lab_spawn agent - bin/dvmc agent --config "$LAB_DIR/host.json"
lab_spawn dataplane "$LAB_HOST_NS" "$top/bin/dvmc" dataplane --config "$LAB_DIR/host.json"
KEA_PIDFILE_DIR=$LAB_DIR KEA_LOCKFILE_DIR=$LAB_DIR lab_spawn kea "$LAB_KEA_NS" kea-dhcp4 -c "$LAB_DIR/kea.json"
LAB_WATCH="service agent dataplane kea" lab_wait 120 "dvmc to start" test -e "$LAB_DIR/host/dataplane.ready"
LAB_WATCH="service agent dataplane kea" lab_wait 120 "dvmc to start" test -e "$LAB_DIR/host/agent.ready"

bind() {
  ip netns exec "$1" udhcpc -f -n -q -R -i eth0 -s /bin/true -t 5 -T 1 -A 1 > /dev/null 2>&1
}

echo "dvmc bench: $binds binds each through dvmc and Kea, alternating (warm-up: 10 each)" >&2
for i in $(seq 10); do
  bind "$LAB_TAG-vm1" || lab_die "udhcpc got no lease through dvmc (logs in $LAB_DIR)"
  bind "$LAB_TAG-vm2" || { lab_tail kea; lab_die "udhcpc got no lease from Kea"; }
done
: > "$LAB_DIR/times"
for i in $(seq "$binds"); do
  for target in dvmc kea; do
    ns=$LAB_TAG-vm1; [ $target = kea ] && ns=$LAB_TAG-vm2
    t0=$(date +%s%N)
    if bind "$ns"; then
      echo "$target $(( ($(date +%s%N) - t0) / 1000 ))" >> "$LAB_DIR/times"
    else
      echo "$target failed" >> "$LAB_DIR/times"
    fi
  done
done
# DVMC_BENCH_SVG: where to draw the latency-by-percentile plot (make bench's report sets it).
"$java" ${DVMC_BENCH_SVG:+-Ddvmc.bench.svg="$DVMC_BENCH_SVG"} -Ddvmc.bench.title="udhcpc bind time, dvmc beside Kea" \
  -cp "bench/target/classes:bench/target/lib/*" io.dvmc.bench.LatencyReport "$LAB_DIR/times" dvmc kea
