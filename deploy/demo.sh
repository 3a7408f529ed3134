#!/usr/bin/env bash
# dvmc demo (`make run`, as root, after the jars are built).
#
# One hypervisor host (network namespace dvmc-<pid>-host) with 4 VMs (namespaces dvmc-<pid>-vm1..4, each an eth0
# veth whose peer sits in the host namespace). VMs 1-2 are in domain 100 "blue", 3-4 in domain 200 "red"; both
# domains use 10.0.0.0/24. dvmc service and dvmc agent run in the root namespace on 127.0.0.1, dvmc dataplane in
# the host namespace with one net_af_packet port per VM. Real DHCP clients get addresses through dvmc: udhcpc in
# VMs 1 and 3, dhclient in VMs 2 and 4 (each kind in each domain). The table shows what each VM's own interface
# holds, the DNS its client reported, and the host lease store's record; then the dataplane's counters.
#
#   deploy/demo.sh              run, print, clean up
#   deploy/demo.sh --keep       ... and keep everything running until Ctrl-C
#   deploy/demo.sh --keep-state keep the state dir (configs, logs, lease store) after exit
#   deploy/demo.sh --selftest   same namespaces and clients, dnsmasq in the host namespace instead of dvmc:
#                               proves the lab (namespaces, clients, table, cleanup) without the launcher
#
# Everything (processes, namespaces, veths, the state dir) is removed on exit, Ctrl-C and kill included; a run
# killed with -9 is cleaned up by the next one. Nothing is configured on the machine's own interfaces.
set -Eeuo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=deploy/lab.sh
. "$top/deploy/lab.sh"

keep=0
selftest=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    --keep-state) LAB_KEEP_DIR=1 ;;
    --selftest) selftest=1 ;;
    -h|--help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

# DVMC_BIN: another launcher with the same subcommands (a wrapper, a stand-in while developing).
dvmc=${DVMC_BIN:-$top/bin/dvmc}
policy=${DVMC_DEMO_POLICY:-$top/deploy/examples/policy.json}
service_listen=127.0.0.1:6767
router=10.0.0.1
# Metrics endpoints (docs/metrics.md): dataplane (in the host namespace), agent, service, each on its loopback.
metrics_dataplane=9467
metrics_agent=9468
metrics_service=9469

# The VMs: domain, domain name, MAC, client.
vm_domain=([1]=100 [2]=100 [3]=200 [4]=200)
vm_dname=([1]=blue [2]=blue [3]=red [4]=red)
vm_mac=([1]=02:00:00:64:00:01 [2]=02:00:00:64:00:02 [3]=02:00:00:c8:00:03 [4]=02:00:00:c8:00:04)
vm_client=([1]=udhcpc [2]=dhclient [3]=udhcpc [4]=dhclient)
# What each domain hands out; a VM that gets something else fails the demo. Read from the policy when there is
# one (the selftest's dnsmasq is told the same), else the values of deploy/examples/policy.json.
want_dns=([100]=10.0.0.53 [200]=10.0.0.54)
want_mtu=([100]=1450 [200]=1400)
read_policy() {
  local d v
  [ -f "$policy" ] && command -v jq > /dev/null || return 0
  for d in 100 200; do
    v=$(jq -r --argjson d $d '.domains[] | select(.id == $d) | .dns // [] | join(" ")' "$policy") && [ -n "$v" ] && want_dns[$d]=$v
    v=$(jq -r --argjson d $d '.domains[] | select(.id == $d) | .mtu // empty' "$policy") && [ -n "$v" ] && want_mtu[$d]=$v
    v=$(jq -r --argjson d $d '.domains[] | select(.id == $d) | .name // empty' "$policy") && [ -n "$v" ] && vm_dname_of[$d]=$v
  done
  v=$(jq -r '[.domains[].router] | unique | if length == 1 then .[0] else empty end' "$policy") && [ -n "$v" ] && router=$v
  v=$(jq -r '[.domains[].services[]?] | unique | if length == 1 then .[0] else empty end' "$policy") && [ -n "$v" ] && service_listen=$v
  return 0
}
declare -A vm_dname_of=()

need() {
  command -v "$1" > /dev/null 2>&1 || lab_die "needs '$1' (apt-get install $2, or run deploy/install-deps.sh)"
}
need ip iproute2
need jq jq
need udhcpc udhcpc
need dhclient isc-dhcp-client
need ss iproute2
need timeout coreutils
if [ $selftest = 1 ]; then
  need dnsmasq dnsmasq
  need unshare util-linux
else
  [ -x "$dvmc" ] || lab_die "no launcher at $dvmc"
  ls "$top"/control/target/dvmc-control-*.jar > /dev/null 2>&1 || lab_die "the jars are not built: run 'make' first"
  [ -f "$policy" ] || lab_die "no policy file at $policy"
fi

read_policy
for i in 1 2 3 4; do vm_dname[$i]=${vm_dname_of[${vm_domain[$i]}]:-${vm_dname[$i]}}; done

lab_init
trap lab_cleanup EXIT
trap 'echo; echo "dvmc demo: interrupted, cleaning up" >&2; exit 130' INT
trap 'exit 143' TERM
lab_sweep_stale

echo "dvmc demo: state in $LAB_DIR"
lab_host_add
for i in 1 2 3 4; do lab_vm_add "$i" "${vm_mac[$i]}"; done
echo "dvmc demo: host namespace $LAB_HOST_NS, VMs ${LAB_VM_NS[*]}"

udp_listening() { ss -Huln "sport = :$1" | grep -q .; }
tcp_listening() { ss -Htln "sport = :$1" | grep -q .; }

start_dvmc() {
  local host_json=$LAB_DIR/host.json ports="" bindings="" i sep=""
  local service_port=${service_listen##*:}
  udp_listening "$service_port" && lab_die "UDP port $service_port is already in use (another dvmc service?)"
  for i in $metrics_agent $metrics_service; do
    tcp_listening "$i" && lab_die "TCP port $i is already in use (another dvmc demo?)"
  done
  mkdir -p "$LAB_DIR/host" "$LAB_DIR/service"
  "$dvmc" keygen "$LAB_DIR/cluster.key" > "$LAB_DIR/keygen.log" 2>&1 || { lab_tail keygen; lab_die "dvmc keygen failed"; }
  for i in 1 2 3 4; do
    ports+="$sep{ \"name\": \"vm$i\", \"device\": \"net_af_packet$((i - 1)),iface=${LAB_VM_HOSTIF[$i]}\" }"
    bindings+="$sep{ \"port\": \"vm$i\", \"vlan\": 0, \"mac\": \"${vm_mac[$i]}\", \"domain\": ${vm_domain[$i]}, \"vm\": \"6f1c1d2e-0000-4000-8000-00000000000$i\" }"
    sep=", "
  done
  jq . > "$host_json" <<EOF
{ "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "$LAB_DIR/host", "keyFile": "$LAB_DIR/cluster.key",
  "policyFile": "$policy",
  "agent": { "listen": "127.0.0.1:0", "metrics": "127.0.0.1:$metrics_agent" },
  "dataplane": { "lcore": 0, "memoryMb": 128, "idle": "wait", "extraEal": [], "ports": [ $ports ],
                 "metrics": "127.0.0.1:$metrics_dataplane" },
  "bindings": [ $bindings ] }
EOF
  echo "dvmc demo: starting dvmc service, agent, dataplane (logs in $LAB_DIR)"
  lab_spawn service - "$dvmc" service --policy "$policy" --listen "$service_listen" \
    --state-dir "$LAB_DIR/service" --key-file "$LAB_DIR/cluster.key" --metrics "127.0.0.1:$metrics_service"
  LAB_WATCH="service" lab_wait 120 "dvmc service to listen on $service_listen" udp_listening "$service_port"
  lab_spawn agent - "$dvmc" agent --config "$host_json"
  # The dataplane must live where the VMs' veth peers are: the host namespace.
  lab_spawn dataplane "$LAB_HOST_NS" "$dvmc" dataplane --config "$host_json"
  LAB_WATCH="service agent dataplane" lab_wait 180 "the dataplane's counters (dvmc ctl stat)" \
    "$dvmc" ctl stat --config "$host_json"
  # Ready for the fast path once the dataplane has the lease store open; the first VMs would otherwise meet
  # three JVMs still starting on a small machine (they would be answered, a client retransmission later).
  LAB_WATCH="service agent dataplane" lab_wait 180 "the dataplane to open the lease store" \
    sh -c "'$dvmc' ctl stat --json --config '$host_json' | jq -e '.processes.dataplane.counters.store_handovers > 0' > /dev/null"
}

# Stand-in for dvmc in --selftest: one dnsmasq on a bridge over the host ends, telling the two domains apart by
# MAC (tags) and giving each its DNS and MTU, so the table and its checks run unchanged.
start_dnsmasq() {
  local br=dv${LAB_PID}br i args=()
  ip -n "$LAB_HOST_NS" link add "$br" type bridge
  ip -n "$LAB_HOST_NS" addr add "$router/24" dev "$br"
  ip -n "$LAB_HOST_NS" link set "$br" up
  for i in 1 2 3 4; do
    ip -n "$LAB_HOST_NS" link set "${LAB_VM_HOSTIF[$i]}" master "$br"
    args+=("--dhcp-host=${vm_mac[$i]},set:d${vm_domain[$i]}")
  done
  lab_spawn dnsmasq "$LAB_HOST_NS" unshare -m --propagation private sh -c \
    'mount -t tmpfs tmpfs /run && exec dnsmasq "$@"' sh \
    --keep-in-foreground --conf-file=/dev/null --port=0 --no-resolv --no-hosts --no-ping --dhcp-authoritative \
    --bind-interfaces --interface="$br" --user=root --group=root --pid-file= --log-facility=- --log-dhcp \
    --dhcp-leasefile="$LAB_DIR/dnsmasq.leases" "${args[@]}" \
    --dhcp-range=tag:d100,10.0.0.100,10.0.0.149,255.255.255.0,1h \
    --dhcp-range=tag:d200,10.0.0.150,10.0.0.199,255.255.255.0,1h \
    --dhcp-option=option:router,"$router" \
    --dhcp-option=tag:d100,option:dns-server,"${want_dns[100]// /,}" --dhcp-option=tag:d100,option:mtu,"${want_mtu[100]}" \
    --dhcp-option=tag:d200,option:dns-server,"${want_dns[200]// /,}" --dhcp-option=tag:d200,option:mtu,"${want_mtu[200]}"
  LAB_WATCH=dnsmasq lab_wait 20 "dnsmasq" grep -q "DHCP, sockets bound exclusively" "$LAB_DIR/dnsmasq.log"
}

if [ $selftest = 1 ]; then start_dnsmasq; else start_dvmc; fi

echo "dvmc demo: DHCP clients"
failed=()
for i in 1 2 3 4; do
  ns=${LAB_VM_NS[$i]}
  t0=$(date +%s%N)
  if "lab_${vm_client[$i]}" "$ns" eth0; then
    echo "  vm$i ${vm_client[$i]}: $(lab_lease "$ns" ip) in $((($(date +%s%N) - t0) / 1000000)) ms"
  else
    echo "  vm$i ${vm_client[$i]}: no address" >&2
    failed+=("vm$i (${vm_client[$i]}, domain ${vm_domain[$i]}) got no address")
    sed 's/^/    | /' "$LAB_DIR/clients/$ns/client.log" >&2 || true
  fi
done

# The host lease store: dvmc ctl leases --json (an array of {domain, mac, ip, state, expiry}, or {"leases": [...]}).
if [ $selftest = 1 ]; then
  store_json=$(awk '{ printf "%s{\"domain\":\"-\",\"mac\":\"%s\",\"ip\":\"%s\",\"state\":\"dnsmasq\"}", (NR > 1 ? "," : "["), $2, $3 } END { if (NR == 0) printf "["; print "]" }' "$LAB_DIR/dnsmasq.leases")
else
  store_json=$("$dvmc" ctl leases --config "$LAB_DIR/host.json" --json 2> "$LAB_DIR/ctl-leases.err") \
    || { sed 's/^/  ctl leases: /' "$LAB_DIR/ctl-leases.err" >&2; store_json='[]'; }
fi
store_of() {
  jq -r --arg mac "$1" --arg d "$2" --arg selftest "$selftest" '
    (if type == "array" then . elif type == "object" then (.leases // []) else [] end)
    | map(select(((.mac // "") | tostring | ascii_downcase) == ($mac | ascii_downcase)
                 and ($selftest == "1" or ((.domain // "") | tostring) == $d)))
    | first | if . == null then "-" else "\(.state // "?") \(.ip // "?")" end' <<< "$store_json" 2> /dev/null || echo "?"
}

echo
fmt='%-4s %-11s %-17s %-8s %-16s %-9s %-20s %-5s %s\n'
# shellcheck disable=SC2059
printf "$fmt" VM domain MAC client address router DNS MTU "lease store"
for i in 1 2 3 4; do
  ns=${LAB_VM_NS[$i]}
  d=${vm_domain[$i]}
  addr=$(lab_if_addr "$ns"); gw=$(lab_if_router "$ns"); mtu=$(lab_if_mtu "$ns"); dns=$(lab_lease "$ns" dns)
  store=$(store_of "${vm_mac[$i]}" "$d")
  # shellcheck disable=SC2059
  printf "$fmt" "vm$i" "$d ${vm_dname[$i]}" "${vm_mac[$i]}" "${vm_client[$i]}" "${addr:--}" "${gw:--}" \
    "${dns:--}" "${mtu:--}" "$store"
  [ -n "$addr" ] || continue
  [ "$gw" = "$router" ] || failed+=("vm$i: router ${gw:-none}, expected $router")
  [ "$dns" = "${want_dns[$d]}" ] || failed+=("vm$i: DNS ${dns:-none}, expected ${want_dns[$d]}")
  [ "$mtu" = "${want_mtu[$d]}" ] || failed+=("vm$i: MTU $mtu, expected ${want_mtu[$d]}")
  [ "${store#* }" = "${addr%/*}" ] || failed+=("vm$i: lease store has '$store', interface has $addr")
done

echo
if [ $selftest = 1 ]; then
  echo "per-port counters (host ends, kernel view):"
  ip -n "$LAB_HOST_NS" -s -j link show | jq -r '.[] | select(.ifname | test("^dv[0-9]+v[0-9]+$")) |
    "  \(.ifname): rx \(.stats64.rx.packets) pkts \(.stats64.rx.bytes) B, tx \(.stats64.tx.packets) pkts \(.stats64.tx.bytes) B"'
else
  echo "dataplane counters (dvmc ctl stat):"
  "$dvmc" ctl stat --config "$LAB_DIR/host.json" 2>&1 | sed 's/^/  /' || true
  echo
  # The same counters as Prometheus scrapes them, with what only the endpoints have: latency, pools, rings.
  echo "metrics (an excerpt of each process's /metrics; the dataplane's is on the host namespace's loopback):"
  {
    ip netns exec "$LAB_HOST_NS" curl -sf "http://127.0.0.1:$metrics_dataplane/metrics" |
      grep -E '^dvmc_dataplane_(port_rx_dhcp_total|port_tx_total|slow_path_to_agent_total|fast_path_acks_total|ring_used_bytes|queue_frames)|^dvmc_dataplane_dropped_total\{reason="unbound_mac"'
    curl -sf "http://127.0.0.1:$metrics_agent/metrics" |
      grep -E '^dvmc_agent_(dvmc_offers|dvmc_acks)|^dvmc_agent_exchange_duration_seconds_(count|sum)\{request="(discover|request)"|^dvmc_agent_exchange_duration_seconds_bucket\{request="(discover|request)",le="0\.0(1|25|5)"|^dvmc_agent_dropped_total\{reason="exchange_(table_full|timeouts)"'
    curl -sf "http://127.0.0.1:$metrics_service/metrics" |
      grep -E '^dvmc_service_(offers|acks)_total|^dvmc_service_pool_'
  } 2>&1 | sed 's/^/  /' || true
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo
  echo "dvmc demo FAILED:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  if [ $selftest = 1 ]; then lab_tail dnsmasq; else lab_tail service; lab_tail agent; lab_tail dataplane; fi
  exit 1
fi
echo
if [ $selftest = 1 ]; then
  echo "dvmc demo selftest: every VM got its domain's configuration from dnsmasq through the lab."
else
  echo "dvmc demo: every VM got its domain's configuration (two domains, one subnet, no broadcast left the host)."
fi

if [ $keep = 1 ]; then
  echo "dvmc demo: running; state in $LAB_DIR. Ctrl-C stops everything and cleans up."
  while :; do
    for n in $(awk '{print $1}' "$LAB_DIR/pids"); do
      lab_alive "$n" || { lab_tail "$n"; lab_die "$n exited"; }
    done
    sleep 1
  done
fi
