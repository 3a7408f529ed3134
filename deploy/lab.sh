# shellcheck shell=bash
# Shell side of the dvmc lab (the Java side is control/src/test/java/io/dvmc/lab): network namespaces standing in
# for a hypervisor host and its VMs, veth pairs between them, real DHCP clients whose scripts only record what they
# got (and apply it to the VM's own interface), and a cleanup that removes everything, Ctrl-C and kill included.
# Source it, then: lab_init; trap lab_cleanup EXIT; ...
#
# Names: namespaces dvmc-<pid of this shell>-<role>, host-end veths dv<pid>v<i> (<= 15 characters), the work dir
# /tmp/dvmc-demo-<pid>-XXXXXX. The pid lets lab_sweep_stale recognise what a killed run left behind, and leave a
# running one alone (the Java fixture uses the same dvmc-<pid>- scheme).
#
# Safety: nothing here configures an interface of the machine itself. Addresses, routes and MTUs are only ever set
# inside namespaces created here; DHCP clients and servers only run inside them.

LAB_PID=$$
LAB_TAG=dvmc-$$
LAB_DIR=
LAB_NS=()            # namespaces created, in order
LAB_VM_NS=()         # per VM index (1-based): its namespace
LAB_VM_HOSTIF=()     # per VM index: the veth end in the host namespace
LAB_VM_MAC=()        # per VM index: the MAC of its eth0
LAB_HOST_NS=
LAB_QUIET=${LAB_QUIET:-0}

lab_log() { [ "$LAB_QUIET" = 1 ] || printf '%s\n' "$*" >&2; }
lab_die() { printf 'dvmc lab: %s\n' "$*" >&2; exit 1; }

lab_init() {
  [ "$(id -u)" -eq 0 ] || lab_die "needs root (network namespaces, veth pairs, af_packet)"
  LAB_DIR=$(mktemp -d "/tmp/dvmc-demo-$LAB_PID-XXXXXX")
  mkdir -p "$LAB_DIR/clients"
  : > "$LAB_DIR/pids"
}

# Kills what runs of this lab left when they were killed without cleaning up: namespaces dvmc-<pid>-* and work dirs
# /tmp/dvmc-demo-<pid>-* whose pid is gone. Root-namespace processes of such a run are found through the pids file
# of its work dir and killed only if their command line still names that dir (a pid may have been reused).
lab_sweep_stale() {
  local ns pid dir name p
  for ns in $(ip netns list | awk '{print $1}'); do
    case $ns in dvmc-*-*) ;; *) continue ;; esac
    pid=${ns#dvmc-}; pid=${pid%%-*}
    case $pid in ''|*[!0-9]*) continue ;; esac
    { [ "$pid" = "$LAB_PID" ] || kill -0 "$pid" 2>/dev/null; } && continue
    lab_log "removing namespace $ns of a run that is gone (pid $pid)"
    lab_kill_ns "$ns"
    ip netns del "$ns" 2>/dev/null || true
  done
  for dir in /tmp/dvmc-demo-*-*; do
    [ -d "$dir" ] || continue
    pid=${dir#/tmp/dvmc-demo-}; pid=${pid%%-*}
    case $pid in ''|*[!0-9]*) continue ;; esac
    { [ "$pid" = "$LAB_PID" ] || kill -0 "$pid" 2>/dev/null; } && continue
    if [ -f "$dir/pids" ]; then
      while read -r name p; do
        [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] || continue
        tr '\0' ' ' < "/proc/$p/cmdline" | grep -qF "$dir" || continue
        lab_log "stopping $name (pid $p) of a run that is gone"
        lab_stop_pid "$p"
      done < "$dir/pids"
    fi
    rm -rf "$dir"
  done
}

# Sends TERM to a pid, then KILL if it has not exited after ${2:-5} seconds.
lab_stop_pid() {
  local p=$1 grace=${2:-5} deadline
  kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null || return 0
  deadline=$((SECONDS + grace))
  while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt "$deadline" ]; do sleep 0.1; done
  if kill -0 "$p" 2>/dev/null; then kill -KILL "$p" 2>/dev/null || true; fi
}

# Stops every process whose network namespace is $1.
lab_kill_ns() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do lab_stop_pid "$p" 3; done
}

lab_ns_add() {
  local ns=$1
  ip netns add "$ns" || lab_die "cannot create namespace $ns"
  LAB_NS+=("$ns")
  # IPv6 off inside our namespaces only: no router solicitations or MLD reports in the VMs' traffic.
  ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
}

# lab_host_add [NAME]: a host namespace dvmc-<pid>-NAME (default "host"); VMs added next hang off it.
lab_host_add() {
  LAB_HOST_NS=$LAB_TAG-${1:-host}
  lab_ns_add "$LAB_HOST_NS"
}

# lab_vm_add INDEX MAC: namespace dvmc-<pid>-vmINDEX with eth0 (MAC), veth peer dv<pid>vINDEX up in the host ns.
lab_vm_add() {
  local i=$1 mac=$2 ns hostif
  ns=$LAB_TAG-vm$i
  hostif=dv${LAB_PID}v$i
  [ ${#hostif} -le 15 ] || lab_die "interface name $hostif is too long"
  lab_ns_add "$ns"
  # Both ends are born in their namespaces: no name ever appears in the root namespace.
  ip -n "$LAB_HOST_NS" link add "$hostif" type veth peer name eth0 netns "$ns" || lab_die "cannot create veth $hostif"
  ip -n "$ns" link set eth0 address "$mac"
  ip -n "$ns" link set eth0 up
  ip -n "$LAB_HOST_NS" link set "$hostif" up
  LAB_VM_NS[$i]=$ns
  LAB_VM_HOSTIF[$i]=$hostif
  LAB_VM_MAC[$i]=$mac
}

# lab_kea_install: kea-dhcp4-server for a reference Kea inside a namespace, its packaged service kept from starting
# on this machine (a bench may run where install-deps.sh, which masks the unit, did not).
lab_kea_install() {
  dpkg-query -W -f='${Status}' kea-dhcp4-server 2>/dev/null | grep -q 'ok installed' && return 0
  local guard=/usr/sbin/policy-rc.d made=
  [ -e "$guard" ] || { printf '#!/bin/sh\nexit 101\n' > "$guard"; chmod +x "$guard"; made=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kea-dhcp4-server || {
    [ -z "$made" ] || rm -f "$guard"; lab_die "cannot install kea-dhcp4-server"; }
  [ -z "$made" ] || rm -f "$guard"
}

# lab_kea_add INDEX MAC ADDR/PREFIX [NAME]: a namespace dvmc-<pid>-NAME (default kea) for a reference server, and VM
# INDEX (MAC) on a veth to it whose server end has ADDR/PREFIX, carrier up. Sets LAB_KEA_NS and LAB_KEA_IF; the dvmc
# host namespace stays current.
lab_kea_add() {
  local host=${LAB_HOST_NS:-}
  lab_host_add "${4:-kea}"
  lab_vm_add "$1" "$2"
  LAB_KEA_NS=$LAB_HOST_NS
  LAB_KEA_IF=${LAB_VM_HOSTIF[$1]}
  LAB_HOST_NS=$host
  ip -n "$LAB_KEA_NS" addr add "$3" dev "$LAB_KEA_IF"
  # Kea skips an interface that has no carrier yet when it starts.
  lab_wait 10 "the server's veth to come up" sh -c "ip -n '$LAB_KEA_NS' link show dev '$LAB_KEA_IF' | grep -q LOWER_UP"
}

# lab_spawn NAME NS|- CMD...: starts CMD in the background (inside NS unless "-"), output to $LAB_DIR/NAME.log;
# remembers the pid for lab_cleanup. Sets LAB_LAST_PID.
lab_spawn() {
  local name=$1 ns=$2
  shift 2
  if [ "$ns" = - ]; then
    "$@" > "$LAB_DIR/$name.log" 2>&1 < /dev/null &
  else
    ip netns exec "$ns" "$@" > "$LAB_DIR/$name.log" 2>&1 < /dev/null &
  fi
  LAB_LAST_PID=$!
  echo "$name $LAB_LAST_PID" >> "$LAB_DIR/pids"
}

lab_pid_of() { awk -v n="$1" '$1 == n { p = $2 } END { print p }' "$LAB_DIR/pids"; }

lab_alive() { local p; p=$(lab_pid_of "$1"); [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }

# lab_wait SECONDS WHAT CMD...: until CMD succeeds; fails after SECONDS. Processes named in LAB_WATCH must stay
# alive meanwhile (a crash is reported at once, with the end of its log, instead of after the deadline).
lab_wait() {
  local secs=$1 what=$2 deadline n
  shift 2
  deadline=$((SECONDS + secs))
  until "$@" > /dev/null 2>&1; do
    for n in ${LAB_WATCH:-}; do
      lab_alive "$n" || { lab_tail "$n"; lab_die "$n exited while waiting for $what"; }
    done
    [ $SECONDS -lt "$deadline" ] || { for n in ${LAB_WATCH:-}; do lab_tail "$n"; done; lab_die "timed out after ${secs}s waiting for $what"; }
    sleep 0.2
  done
}

lab_tail() {
  [ -f "$LAB_DIR/$1.log" ] || return 0
  printf -- '--- last lines of %s\n' "$LAB_DIR/$1.log" >&2
  tail -n "${2:-25}" "$LAB_DIR/$1.log" >&2
}

# The client script: records the client's event (udhcpc's $1, dhclient's $reason) under the run dir it is
# generated for, and applies a lease to the interface it was called for. It runs inside the VM's namespace, so
# "the interface" is the VM's eth0; it never touches /etc/resolv.conf or any other file of the machine.
lab_write_script() {
  local run=$1 client=$2
  cat > "$run/record.sh" <<EOF
#!/bin/sh
dir='$run'
client=$client
EOF
  cat >> "$run/record.sh" <<'EOF'
if [ "$client" = udhcpc ]; then
  event=$1; addr=$ip; netmask=$subnet; prefix=$mask; routers=$router; servers=$dns
  ifmtu=$mtu; leasetime=$lease; server=$serverid
else
  event=$(printf '%s' "$reason" | tr 'A-Z' 'a-z'); addr=$new_ip_address; netmask=$new_subnet_mask
  prefix=$new_subnet_cidr; routers=$new_routers; servers=$new_domain_name_servers
  ifmtu=$new_interface_mtu; leasetime=$new_dhcp_lease_time; server=$new_dhcp_server_identifier
fi
iface=$interface
case $event in
  bound|renew|rebind|reboot)
    if [ -n "$addr" ]; then
      ip -4 -o addr show dev "$iface" | grep -q " $addr/" || ip -4 addr flush dev "$iface"
      ip addr replace "$addr/${prefix:-$netmask}" dev "$iface"
      if [ -n "$ifmtu" ]; then ip link set dev "$iface" mtu "$ifmtu"; fi
      if [ -n "$routers" ]; then ip route replace default via "${routers%% *}" dev "$iface"; fi
    fi ;;
  deconfig|expire|release|stop|nak) ip -4 addr flush dev "$iface" ;;
esac
tmp="$dir/.$$.tmp"
{
  echo "event=$event"; echo "client=$client"; echo "interface=$iface"; echo "ip=$addr"; echo "mask=$netmask"
  echo "prefix=$prefix"; echo "router=${routers%% *}"; echo "dns=$servers"; echo "mtu=$ifmtu"
  echo "lease=$leasetime"; echo "serverid=$server"
} > "$tmp"
# "lease" is the latest event that carried an address; renames keep readers from seeing half a file.
case $event in
  bound|renew|rebind|reboot) [ -z "$addr" ] || { cp "$tmp" "$dir/.lease.$$" && mv "$dir/.lease.$$" "$dir/lease"; } ;;
esac
mv "$tmp" "$dir/$(date +%s%N)-$$.ev"
exit 0
EOF
  chmod 700 "$run/record.sh"
}

lab_client_run_dir() {
  local ns=$1 client=$2 run
  run=$LAB_DIR/clients/$ns
  rm -rf "$run"
  mkdir -p "$run"
  lab_write_script "$run" "$client"
  echo "$run"
}

# lab_udhcpc NS IF [TRIES]: udhcpc -q in NS (DESIGN §7 command line), retried up to TRIES times (default 2).
lab_udhcpc() {
  local ns=$1 ifname=$2 tries=${3:-2} run n=1
  run=$(lab_client_run_dir "$ns" udhcpc)
  while :; do
    timeout 30 ip netns exec "$ns" udhcpc -f -n -q -i "$ifname" -s "$run/record.sh" -t 3 -T 2 -A 1 -O mtu \
      >> "$run/client.log" 2>&1 && [ -f "$run/lease" ] && return 0
    [ $n -lt "$tries" ] || return 1
    n=$((n + 1))
  done
}

# lab_dhclient NS IF [TRIES]: dhclient -4 -1 in NS; it daemonizes once bound and is stopped by its pid file in
# lab_cleanup.
lab_dhclient() {
  local ns=$1 ifname=$2 tries=${3:-2} run n=1
  run=$(lab_client_run_dir "$ns" dhclient)
  cat > "$run/dhclient.conf" <<'EOF'
timeout 10;
retry 1;
request subnet-mask, broadcast-address, routers, domain-name-servers, domain-name, interface-mtu;
EOF
  while :; do
    timeout 30 ip netns exec "$ns" dhclient -4 -1 -v -cf "$run/dhclient.conf" -sf "$run/record.sh" \
      -pf "$run/dhclient.pid" -lf "$run/dhclient.leases" "$ifname" >> "$run/client.log" 2>&1 \
      && [ -f "$run/lease" ] && return 0
    [ $n -lt "$tries" ] || return 1
    n=$((n + 1))
  done
}

# lab_lease NS KEY: a field (ip, mask, prefix, router, dns, mtu, lease, serverid, client) of the lease NS's client
# recorded last; empty if none.
lab_lease() {
  local f=$LAB_DIR/clients/$1/lease
  [ -f "$f" ] || return 0
  sed -n "s/^$2=//p" "$f" | head -n 1
}

# What the VM's own interface says, read inside its namespace.
lab_if_addr() { ip netns exec "$1" ip -4 -j addr show dev "${2:-eth0}" | jq -r '[.[].addr_info[]? | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | first // empty'; }
lab_if_router() { ip netns exec "$1" ip -4 -j route show default | jq -r --arg d "${2:-eth0}" '[.[] | select(.dev == $d) | .gateway // empty] | first // empty'; }
lab_if_mtu() { ip netns exec "$1" ip -j link show dev "${2:-eth0}" | jq -r '.[0].mtu'; }

# Removes everything: processes (dhclient daemons, spawned processes, whatever else runs in our namespaces),
# namespaces (with their veths), the work dir. Safe to call twice; ignores Ctrl-C while it runs.
lab_cleanup() {
  local f p name i
  trap '' INT TERM
  if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
    for f in "$LAB_DIR"/clients/*/dhclient.pid; do
      [ -f "$f" ] && p=$(cat "$f") && [ -n "$p" ] && lab_stop_pid "$p" 3
    done
    if [ -f "$LAB_DIR/pids" ]; then
      # Last started first: the dataplane before the agent before the service.
      tac "$LAB_DIR/pids" | while read -r name p; do lab_stop_pid "$p" 10; done
    fi
  fi
  for ((i = ${#LAB_NS[@]} - 1; i >= 0; i--)); do
    lab_kill_ns "${LAB_NS[$i]}"
    ip netns del "${LAB_NS[$i]}" 2>/dev/null || true
  done
  LAB_NS=()
  if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
    if [ "${LAB_KEEP_DIR:-0}" = 1 ]; then
      lab_log "kept $LAB_DIR"
    else
      rm -rf "$LAB_DIR"
    fi
  fi
}
