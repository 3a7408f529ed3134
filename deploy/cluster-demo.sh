#!/usr/bin/env bash
# dvmc distributed demo (`make run-cluster`, as root, after the jars are built).
#
# A 3-member etcd on loopback holds the policy, the bindings and the leases. Two dvmc service replicas share the
# leases of both domains; two hypervisor hosts (network namespaces dvmc-<pid>-host1 and -host2, each with its own
# dataplane, agent, lease store and key) carry three VMs each. Domains 100 "blue" and 200 "red" both use
# 10.0.0.0/24, and both span both hosts. Everything is configured the way an operator does it: `dvmc keygen`,
# `dvmc ctl domain create`, `dvmc ctl bind`. Real clients (udhcpc, dhclient) bind in the first four VMs; then one
# replica is killed with -9 and the last two VMs bind through the other; the table shows what each VM's own
# interface holds, which replica's lease it has and where the service locates it.
#
#   deploy/cluster-demo.sh              run, print, clean up
#   deploy/cluster-demo.sh --keep       ... and keep everything running until Ctrl-C
#
# Everything (processes, namespaces, veths, etcd's data, the state dir) is removed on exit. Nothing is configured on
# the machine's own interfaces; etcd and the services listen on 127.0.0.1 only.
set -Eeuo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
# shellcheck source=deploy/lab.sh
. "$top/deploy/lab.sh"

keep=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -E/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "cluster-demo.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

dvmc=${DVMC_BIN:-$top/bin/dvmc}
need() { command -v "$1" > /dev/null 2>&1 || lab_die "needs '$1' (apt-get install $2, or run deploy/install-deps.sh)"; }
need ip iproute2; need jq jq; need udhcpc udhcpc; need dhclient isc-dhcp-client; need ss iproute2
need etcd etcd-server; need etcdctl etcd-client
[ -x "$dvmc" ] || lab_die "no launcher at $dvmc"
ls "$top"/control/target/dvmc-control-*.jar > /dev/null 2>&1 || lab_die "the jars are not built: run 'make' first"

# The VMs: host, domain, MAC, client. VMs 5 and 6 bind after replica r1 is killed; each host starts each domain
# at a replica of its own (a hash of host and domain), and host 1 starts red at r1, so VM 5 shows the failover.
vm_host=([1]=1 [2]=1 [3]=2 [4]=2 [5]=1 [6]=2)
vm_domain=([1]=100 [2]=200 [3]=100 [4]=200 [5]=200 [6]=200)
vm_mac=([1]=02:00:00:64:01:01 [2]=02:00:00:c8:01:02 [3]=02:00:00:64:02:03 [4]=02:00:00:c8:02:04
        [5]=02:00:00:c8:01:05 [6]=02:00:00:c8:02:06)
vm_client=([1]=udhcpc [2]=dhclient [3]=dhclient [4]=udhcpc [5]=udhcpc [6]=udhcpc)
want_dns=([100]=10.0.0.53 [200]=10.0.0.54)
want_mtu=([100]=1450 [200]=1400)
dname=([100]=blue [200]=red)

lab_init
trap lab_cleanup EXIT
trap 'echo; echo "dvmc cluster demo: interrupted, cleaning up" >&2; exit 130' INT
trap 'exit 143' TERM
lab_sweep_stale
echo "dvmc cluster demo: state in $LAB_DIR"

tcp_free() { ! ss -Htln "sport = :$1" | grep -q .; }
udp_free() { ! ss -Huln "sport = :$1" | grep -q .; }
udp_listening() { ! udp_free "$1"; }
# Free loopback ports, from a base that differs between runs: take_port tcp|udp sets $port (not a subshell, so
# that the next call goes on from there).
next_port=$((20000 + (LAB_PID % 2000) * 10))
take_port() {
  while ! "${1}_free" "$next_port"; do next_port=$((next_port + 1)); done
  port=$next_port; next_port=$((next_port + 1))
}

# 1. etcd, three members.
cluster="" endpoints="" sep=""
declare -a etcd_client etcd_peer
for m in 0 1 2; do
  take_port tcp; etcd_client[$m]=$port
  take_port tcp; etcd_peer[$m]=$port
  cluster+="${sep}m$m=http://127.0.0.1:${etcd_peer[$m]}"
  endpoints+="${sep}http://127.0.0.1:${etcd_client[$m]}"
  sep=,
done
for m in 0 1 2; do
  lab_spawn "etcd-m$m" - etcd --name "m$m" --data-dir "$LAB_DIR/etcd-m$m" --logger=zap --log-outputs=stderr \
    --listen-client-urls "http://127.0.0.1:${etcd_client[$m]}" --advertise-client-urls "http://127.0.0.1:${etcd_client[$m]}" \
    --listen-peer-urls "http://127.0.0.1:${etcd_peer[$m]}" --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer[$m]}" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token "dvmc-$LAB_PID"
done
LAB_WATCH="etcd-m0 etcd-m1 etcd-m2" lab_wait 60 "etcd to be healthy" \
  env ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health
echo "dvmc cluster demo: etcd $endpoints"
ctl() { "$dvmc" ctl "$@" --etcd "$endpoints"; }

# 2. Keys: one per host; the services hold both.
for h in 1 2; do
  "$dvmc" keygen --id $((100 + h)) --host "$h" "$LAB_DIR/host$h.keys" > /dev/null
  cat "$LAB_DIR/host$h.keys" >> "$LAB_DIR/service.keys"
done
chmod 600 "$LAB_DIR/service.keys"

# 3. The policy: two domains with one subnet, each served by both replicas.
declare -A replica_port
for r in r1 r2; do take_port udp; replica_port[$r]=$port; done
for d in 100 200; do
  ctl domain create --id "$d" --name "${dname[$d]}" --subnet 10.0.0.0/24 --router 10.0.0.1 \
    --pool 10.0.0.100-10.0.0.199 --dns "${want_dns[$d]}" --mtu "${want_mtu[$d]}" --lease-seconds 600 \
    --service "127.0.0.1:${replica_port[r1]},127.0.0.1:${replica_port[r2]}" > /dev/null
done
ctl domain list

# 4. Two service replicas sharing the leases in etcd.
for r in r1 r2; do
  mkdir -p "$LAB_DIR/$r"
  lab_spawn "service-$r" - "$dvmc" service --etcd "$endpoints" --replica-id "$r" \
    --listen "127.0.0.1:${replica_port[$r]}" --state-dir "$LAB_DIR/$r" --key-file "$LAB_DIR/service.keys"
done
for r in r1 r2; do
  LAB_WATCH="service-$r" lab_wait 120 "replica $r to listen" udp_listening "${replica_port[$r]}"
done

# 5. Two hosts, three VMs each, bound with dvmc ctl bind.
for h in 1 2; do
  lab_host_add "host$h"
  for i in 1 2 3 4 5 6; do
    [ "${vm_host[$i]}" = "$h" ] && lab_vm_add "$i" "${vm_mac[$i]}"
  done
  ports="" sep=""; n=0
  for i in 1 2 3 4 5 6; do
    [ "${vm_host[$i]}" = "$h" ] || continue
    ports+="$sep{ \"name\": \"vm$i\", \"device\": \"net_af_packet$n,iface=${LAB_VM_HOSTIF[$i]}\" }"; sep=", "; n=$((n + 1))
    ctl bind --host "$h" --port "vm$i" --mac "${vm_mac[$i]}" --domain "${vm_domain[$i]}" \
      --vm "6f1c1d2e-0000-4000-8000-00000000000$i" > /dev/null
  done
  mkdir -p "$LAB_DIR/host$h"
  jq . > "$LAB_DIR/host$h.json" <<JSON
{ "hostId": $h, "hostAddress": "127.0.0.1", "stateDir": "$LAB_DIR/host$h", "keyFile": "$LAB_DIR/host$h.keys",
  "policy": { "etcd": [ $(sed 's/[^,]*/"&"/g' <<< "$endpoints") ] },
  "agent": { "listen": "127.0.0.1:0" },
  "dataplane": { "lcore": 0, "memoryMb": 128, "idle": "wait", "extraEal": [], "ports": [ $ports ] },
  "bindings": [] }
JSON
  lab_spawn "agent$h" - "$dvmc" agent --config "$LAB_DIR/host$h.json"
  lab_spawn "dataplane$h" "$LAB_HOST_NS" "$dvmc" dataplane --config "$LAB_DIR/host$h.json"
done
for h in 1 2; do
  LAB_WATCH="agent$h dataplane$h" lab_wait 180 "host $h's dataplane to open the lease store" \
    sh -c "'$dvmc' ctl stat --json --config '$LAB_DIR/host$h.json' | jq -e '.processes.dataplane.counters.store_handovers > 0' > /dev/null"
done
echo "dvmc cluster demo: hosts up"

declare -A bind_ms
run_client() {
  local i=$1 t0
  t0=$(date +%s%N)
  if "lab_${vm_client[$i]}" "${LAB_VM_NS[$i]}" eth0; then
    bind_ms[$i]=$((($(date +%s%N) - t0) / 1000000))
    echo "  vm$i (host ${vm_host[$i]}, ${dname[${vm_domain[$i]}]}) ${vm_client[$i]}: $(lab_lease "${LAB_VM_NS[$i]}" ip) in ${bind_ms[$i]} ms"
  else
    bind_ms[$i]=-
    echo "  vm$i ${vm_client[$i]}: no address" >&2
  fi
}
echo "dvmc cluster demo: DHCP clients, both replicas up"
for i in 1 2 3 4; do run_client "$i"; done
echo "dvmc cluster demo: kill -9 replica r1 ($(lab_pid_of service-r1))"
r1_pid=$(lab_pid_of service-r1)
kill -KILL "$r1_pid"
wait "$r1_pid" 2> /dev/null || true
for i in 5 6; do run_client "$i"; done

# 6. Who got what.
leases_json=$(ctl leases list --json)
echo
fmt='%-4s %-5s %-10s %-17s %-8s %-16s %-10s %-5s %-8s %-7s %s\n'
# shellcheck disable=SC2059
printf "$fmt" VM host domain MAC client address DNS MTU bind-ms replica "service's location"
failed=()
for i in 1 2 3 4 5 6; do
  ns=${LAB_VM_NS[$i]}; d=${vm_domain[$i]}
  addr=$(lab_if_addr "$ns"); dns=$(lab_lease "$ns" dns); mtu=$(lab_if_mtu "$ns")
  row=$(jq -r --arg mac "${vm_mac[$i]}" --arg d "$d" \
    '[.. | objects | select((.mac // "" | ascii_downcase) == $mac and ((.domain // "") | tostring) == $d)] | first
     | if . == null then "- -" else "\(.replica // "-") \(.location // "-")" end' <<< "$leases_json" 2> /dev/null || echo "? ?")
  # shellcheck disable=SC2059
  printf "$fmt" "vm$i" "${vm_host[$i]}" "$d ${dname[$d]}" "${vm_mac[$i]}" "${vm_client[$i]}" "${addr:--}" "${dns:--}" \
    "${mtu:--}" "${bind_ms[$i]}" ${row}
  [ -n "$addr" ] || { failed+=("vm$i got no address"); continue; }
  [ "$dns" = "${want_dns[$d]}" ] || failed+=("vm$i: DNS ${dns:-none}, expected ${want_dns[$d]}")
  [ "$mtu" = "${want_mtu[$d]}" ] || failed+=("vm$i: MTU $mtu, expected ${want_mtu[$d]}")
done
# What the VMs' own interfaces hold: no address on two VMs of one domain.
declare -A holder=()
for i in 1 2 3 4 5 6; do
  a=$(lab_if_addr "${LAB_VM_NS[$i]}"); [ -n "$a" ] || continue
  k="${vm_domain[$i]} ${a%/*}"
  [ -z "${holder[$k]:-}" ] || failed+=("vm${holder[$k]} and vm$i both hold ${a%/*} in domain ${vm_domain[$i]}")
  holder[$k]=$i
done
echo
echo "service replicas (dvmc ctl service list):"
ctl service list 2>&1 | sed 's/^/  /' || true

if [ ${#failed[@]} -gt 0 ]; then
  echo; echo "dvmc cluster demo FAILED:" >&2; printf '  %s\n' "${failed[@]}" >&2
  for n in service-r1 service-r2 agent1 agent2 dataplane1 dataplane2; do lab_tail "$n"; done
  exit 1
fi
echo
echo "dvmc cluster demo: every VM got its domain's configuration on both hosts, through a replica kill."
if [ $keep = 1 ]; then
  echo "dvmc cluster demo: running; state in $LAB_DIR. Ctrl-C stops everything and cleans up."
  while sleep 1; do :; done
fi
