#!/usr/bin/env bash
# dvmc under a real systemd (`make systemd-smoke`, as root, after `make package`): boots a systemd-nspawn container
# whose root is an overlay of this machine's own root (writes go to a tmpfs, nothing of the machine changes) with
# only a loopback network of its own (--private-network), and inside it, with systemd as PID 1:
#   1. installs the package (dpkg -i: the dvmc user, /etc/dvmc, no warning on a machine with a JDK 25),
#   2. configures a host and a service as deploy/examples does (one VM: a network namespace vm1 inside the
#      container whose eth0's peer dvh-vm1 is the dataplane's net_af_packet port; made by a oneshot unit, as
#      libvirt would make a VM's tap),
#   3. systemctl start dvmc-service dvmc-dataplane (the dataplane pulls the agent): each reaches active through its
#      READY=1 (Type=notify), and udhcpc in vm1 gets the policy's address, router, DNS and MTU through them,
#   4. systemctl reload of each (SIGHUP): same main PID, still active, the re-read in its journal,
#   5. kill -9 of the agent: systemd restarts it, and the VM is answered again,
#   6. systemd-analyze security of each (at most 2.5 of 10) and journalctl -u of each,
#   7. systemctl stop: each inactive with Result=success (not failed), no dvmc process left,
#   8. systemctl enable, then the container is powered off and booted again: the three come up by themselves,
#   9. dpkg -r stops them and purge removes the state.
# It prints what each step showed, `systemd-smoke: N passed, N failed` last, and exits 0 only if all passed: 25-40 s
# on 2 cores.
#
#   deploy/systemd-smoke.sh [DEB]   the package to test; default: the newest target/dvmc_*_amd64.deb
#
# Needs: root, systemd-nspawn (apt-get install systemd-container), a root file system that can be the lower layer
# of an overlay (/usr, /etc, /opt and /var on it, not on mounts of their own), a JDK 25 under /usr/lib/jvm, udhcpc,
# jq. Everything is undone on exit (Ctrl-C and kill included): the container is powered off, the overlay and its
# tmpfs unmounted. Nothing is configured on this machine's interfaces: the container has none but its loopback.
# Not part of `make test`: it depends on what this machine can boot (see docs/operations.md, "Under a real
# systemd").
# shellcheck disable=SC2317 # the checks are called through check()
set -Eeuo pipefail

top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
self=$(readlink -f "$0")

say() { printf 'dvmc systemd-smoke: %s\n' "$*"; }
die() { printf 'dvmc systemd-smoke: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Inside the container (run through nsenter as `systemd-smoke.sh --guest STEP`), with systemd as PID 1.
# ---------------------------------------------------------------------------------------------------------------
units=(dvmc-service dvmc-agent dvmc-dataplane)
passes=0
failures=0
check() { # check WHAT COMMAND...: runs COMMAND, prints ok/FAIL WHAT
  local what=$1; shift
  if "$@"; then
    printf '  ok    %s\n' "$what"; passes=$((passes + 1))
  else
    printf '  FAIL  %s\n' "$what"; failures=$((failures + 1))
  fi
}
active() { [ "$(systemctl is-active "$1")" = active ]; }
wait_active() { # wait_active UNIT SECONDS
  local i
  for ((i = 0; i < $2 * 2; i++)); do active "$1" && return 0; sleep 0.5; done
  return 1
}
dhcp() { # dhcp: udhcpc in vm1, prints what it bound
  timeout 60 ip netns exec vm1 udhcpc -f -n -q -i eth0 -t 5 -T 2 -A 1 -O mtu -s /root/udhcpc-record.sh \
    > /root/udhcpc.log 2>&1 || true
  grep '^bound ' /root/udhcpc.log | tail -n 1
}
dhcp_ok() { [ "$(dhcp)" = "bound ip=10.0.0.100 router=10.0.0.1 dns=10.0.0.53 mtu=1450" ]; }
no_dvmc_process() { ! pgrep -u dvmc > /dev/null; }

guest_vm_up() {
  # The VM: a namespace vm1 whose eth0 (the MAC of host.json's binding) is the peer of dvh-vm1.
  ip netns del vm1 2> /dev/null || true
  ip link del dvh-vm1 2> /dev/null || true
  ip netns add vm1
  ip link add dvh-vm1 type veth peer name eth0 netns vm1
  ip netns exec vm1 ip link set eth0 address 02:00:00:64:00:01
  ip netns exec vm1 ip link set lo up
  ip netns exec vm1 ip link set eth0 up
  ip link set dvh-vm1 up
}

guest_install() {
  say "dpkg -i $(basename "$1")"
  dpkg -i "$1" 2>&1 | tee /root/dpkg.log | sed 's/^/  | /' || true
  check "the package installs" sh -c 'dpkg -s dvmc > /dev/null'
  check "postinst created the dvmc user" sh -c 'getent passwd dvmc > /dev/null'
  check "postinst finds the JDK 25 (no warning)" sh -c '! grep -q "no JDK 25" /root/dpkg.log'

  # The configuration: deploy/examples with one VM port and binding, a service on loopback.
  dvmc keygen /etc/dvmc/cluster.key > /dev/null
  chown dvmc:dvmc /etc/dvmc/cluster.key
  cp /usr/share/doc/dvmc/examples/policy.json /etc/dvmc/policy.json
  printf 'DVMC_LISTEN=127.0.0.1:6767\nDVMC_ADVERTISE=127.0.0.1:6767\n' > /etc/dvmc/service.env
  jq '.dataplane.ports = [{ "name": "vm1", "device": "net_af_packet0,iface=dvh-vm1" }] | .bindings = [.bindings[0]]' \
    /usr/share/doc/dvmc/examples/host.json > /etc/dvmc/host.json
  check "dvmc check accepts the configuration" \
    sh -c 'dvmc check --config /etc/dvmc/host.json --policy /etc/dvmc/policy.json > /dev/null'
  cat > /root/udhcpc-record.sh << 'EOF'
#!/bin/sh
echo "$1 ip=$ip router=$router dns=$dns mtu=$mtu"
EOF
  chmod +x /root/udhcpc-record.sh
  # The VM's interface as a unit, as libvirt would create it: ordered before the dataplane, which needs its port.
  cat > /etc/systemd/system/dvmc-smoke-vm.service << EOF
[Unit]
Description=dvmc systemd-smoke: VM vm1 (network namespace, veth dvh-vm1)
Before=dvmc-dataplane.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/bash $self --guest vm-up
[Install]
WantedBy=multi-user.target
EOF
  systemctl daemon-reload
  systemctl start dvmc-smoke-vm
}

guest_run() {
  local u t0 pid score
  say "systemctl start dvmc-service dvmc-dataplane (the dataplane wants the agent)"
  t0=$(date +%s%N)
  check "systemctl start returns 0" systemctl start dvmc-service dvmc-dataplane
  say "started in $((($(date +%s%N) - t0) / 1000000)) ms"
  for u in "${units[@]}"; do
    check "$u is active, status \"$(systemctl show -P StatusText "$u")\"" active "$u"
  done
  say "VM vm1: $(dhcp)"
  check "udhcpc in vm1 gets 10.0.0.100, router, DNS and MTU of domain 100" dhcp_ok
  check "dvmc ctl leases shows the lease BOUND" sh -c \
    'dvmc ctl leases --config /etc/dvmc/host.json | grep -q "02:00:00:64:00:01 10.0.0.100 *BOUND"'

  say "systemctl reload (SIGHUP)"
  for u in "${units[@]}"; do
    pid=$(systemctl show -P MainPID "$u")
    t0=$(date '+%Y-%m-%d %H:%M:%S')
    check "systemctl reload $u" systemctl reload "$u"
    sleep 1
    check "$u still active, main PID $pid kept" sh -c "[ \"\$(systemctl is-active $u)\" = active ] &&
      [ \"\$(systemctl show -P MainPID $u)\" = $pid ]"
    check "$u logged its SIGHUP re-read" sh -c "journalctl -u $u --since '$t0' -o cat | grep -q 'SIGHUP: re-reading'"
  done

  say "kill -9 of the agent's main PID"
  pid=$(systemctl show -P MainPID dvmc-agent)
  kill -9 "$pid"
  sleep 2
  check "systemd restarted the agent (NRestarts $(systemctl show -P NRestarts dvmc-agent))" wait_active dvmc-agent 120
  check "the agent has a new main PID" sh -c "[ \"\$(systemctl show -P MainPID dvmc-agent)\" != $pid ]"
  check "the dataplane stayed up" active dvmc-dataplane
  check "vm1 is answered again" dhcp_ok

  say "systemd-analyze security"
  for u in "${units[@]}"; do
    score=$(systemd-analyze security --no-pager "$u" | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
    check "$u exposure $score of 10 (at most 2.5)" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.5) }'
  done

  say "journalctl -u (the last lines of each)"
  for u in "${units[@]}"; do
    journalctl -u "$u" -b --no-pager -o short-monotonic | tail -n 3 | sed "s/^/  | /"
    check "$u has journal lines from its process" sh -c "journalctl -u $u -b -o cat _COMM=java | grep -q ."
  done

  say "systemctl stop"
  t0=$(date +%s%N)
  check "systemctl stop returns 0" systemctl stop dvmc-dataplane dvmc-agent dvmc-service
  say "stopped in $((($(date +%s%N) - t0) / 1000000)) ms"
  for u in "${units[@]}"; do
    check "$u inactive, Result=$(systemctl show -P Result "$u"), exit status $(systemctl show -P ExecMainStatus "$u")" \
      sh -c "[ \"\$(systemctl is-active $u)\" = inactive ] && [ \"\$(systemctl show -P Result $u)\" = success ]"
  done
  check "no process of the dvmc user is left" no_dvmc_process
  check "no dvmc unit is failed" sh -c '! systemctl --failed --no-legend | grep -q dvmc'

  say "systemctl enable (for the next boot)"
  check "systemctl enable dvmc-service dvmc-agent dvmc-dataplane dvmc-smoke-vm" \
    systemctl enable -q dvmc-service dvmc-agent dvmc-dataplane dvmc-smoke-vm
}

guest_after_boot() {
  local u
  say "after the boot: $(systemctl is-system-running --wait 2>/dev/null || true)"
  for u in "${units[@]}"; do
    check "$u came up at boot (active $(systemctl show -P ActiveEnterTimestampMonotonic "$u" |
      awk -v s="$(systemctl show -P UserspaceTimestampMonotonic)" '{ printf "%.1f", ($1 - s) / 1e6 }') s after systemd started)" \
      wait_active "$u" 180
  done
  check "vm1 is answered" dhcp_ok
  check "the service restored its lease from its journal" sh -c \
    'journalctl -u dvmc-service -b -o cat | grep -q "[1-9][0-9]* leases restored"'

  say "dpkg -r dvmc, then dpkg --purge dvmc"
  dpkg -r dvmc 2>&1 | sed 's/^/  | /' || true
  for u in "${units[@]}"; do
    check "$u stopped by prerm" sh -c "! systemctl is-active -q $u"
  done
  check "no process of the dvmc user is left" no_dvmc_process
  check "the state stays after remove" test -d /var/lib/dvmc/host
  dpkg --purge dvmc 2>&1 | sed 's/^/  | /' || true
  check "purge removed /var/lib/dvmc" test ! -e /var/lib/dvmc
  check "purge kept /etc/dvmc's key" test -f /etc/dvmc/cluster.key
}

if [ "${1:-}" = --guest ]; then
  case ${2:-} in
    vm-up) guest_vm_up ;;
    install) guest_install "$3" ;;
    run) guest_run ;;
    after-boot) guest_after_boot ;;
    *) die "unknown guest step ${2:-}" ;;
  esac
  # The counts of every step, for the summary outside.
  echo "$passes $failures" >> /root/systemd-smoke.counts
  [ "$failures" = 0 ] || { say "$failures check(s) failed"; exit 1; }
  exit 0
fi

# ---------------------------------------------------------------------------------------------------------------
# On this machine: the overlay, the container, and cleanup.
# ---------------------------------------------------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || die "needs root (an overlay mount and a container)"
command -v systemd-nspawn > /dev/null || die "needs systemd-nspawn: apt-get install systemd-container"
command -v udhcpc > /dev/null || die "needs udhcpc: apt-get install udhcpc"
command -v jq > /dev/null || die "needs jq: apt-get install jq"
compgen -G '/usr/lib/jvm/temurin-25-jdk*' > /dev/null || compgen -G '/usr/lib/jvm/jdk-25*' > /dev/null ||
  die "needs a JDK 25 under /usr/lib/jvm"
deb=${1:-$(ls -t "$top"/target/dvmc_*_amd64.deb 2> /dev/null | head -n 1 || true)}
[ -n "$deb" ] && [ -f "$deb" ] || die "no package: run 'make package' first, or name a .deb"
deb=$(readlink -f "$deb")

work=
nspawn_pid=
machine=dvmc-smoke-$$

leader() { # the container's PID 1 (systemd), a child of systemd-nspawn
  [ -n "$nspawn_pid" ] && pgrep -P "$nspawn_pid" -x systemd | head -n 1
}
in_container() { # in_container COMMAND...: in every namespace of the container, with a clean environment
  nsenter -t "$(leader)" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= "$@"
}

boot() {
  local args=(--directory="$work/root" --private-network --boot --register=no --machine="$machine"
    --console=pipe) i
  # Without systemd as this machine's PID 1 there is nobody to ask for a scope: the container stays in ours.
  [ -d /run/systemd/system ] || args+=(--keep-unit)
  # nspawn gives the container only part of /sys; DPDK's EAL refuses to start without /sys/module (its VFIO probe).
  [ -d /sys/module ] && args+=(--bind-ro=/sys/module)
  systemd-nspawn "${args[@]}" < /dev/null >> "$work/nspawn.log" 2>&1 &
  nspawn_pid=$!
  echo "$nspawn_pid" > "$work/nspawn.pid"
  for ((i = 0; i < 120; i++)); do
    if [ -n "$(leader)" ] && in_container timeout 300 systemctl is-system-running --wait > /dev/null 2>&1; then
      say "container $machine booted: systemd $(in_container systemctl --version | head -n 1 | awk '{print $2}') as PID 1, $(in_container systemctl is-system-running)"
      return 0
    fi
    kill -0 "$nspawn_pid" 2> /dev/null || break
    sleep 0.5
  done
  in_container systemctl --failed --no-pager 2> /dev/null || true
  sed 's/^/  nspawn | /' "$work/nspawn.log" >&2
  die "the container did not boot (state: $(in_container systemctl is-system-running 2> /dev/null || echo none))"
}

poweroff() {
  local i
  [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2> /dev/null || { nspawn_pid=; return 0; }
  [ -n "$(leader)" ] && in_container systemctl poweroff --no-block > /dev/null 2>&1 || kill -TERM "$nspawn_pid"
  for ((i = 0; i < 60; i++)); do kill -0 "$nspawn_pid" 2> /dev/null || break; sleep 0.5; done
  if kill -0 "$nspawn_pid" 2> /dev/null; then
    say "the container did not power off in 30 s: killing it"
    kill -KILL "$nspawn_pid" 2> /dev/null || true
  fi
  wait "$nspawn_pid" 2> /dev/null || true
  nspawn_pid=
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  poweroff || true
  if [ -n "$work" ]; then
    umount "$work/root" 2> /dev/null || umount -l "$work/root" 2> /dev/null || true
    umount "$work" 2> /dev/null || umount -l "$work" 2> /dev/null || true
    rmdir "$work" 2> /dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run killed with -9 leaves its container running and its overlay mounted: stop and unmount those whose script
# is gone (a container's systemd-nspawn ends it on SIGTERM).
for stale in /run/dvmc-smoke.*; do
  [ -d "$stale" ] || continue
  pid=${stale##*.}
  kill -0 "$pid" 2> /dev/null && continue
  say "removing $stale of a run that is gone"
  if [ -f "$stale/nspawn.pid" ] && p=$(cat "$stale/nspawn.pid") && [ "$(cat "/proc/$p/comm" 2> /dev/null)" = systemd-nspawn ]; then
    kill -TERM "$p" 2> /dev/null || true
    for ((i = 0; i < 60; i++)); do kill -0 "$p" 2> /dev/null || break; sleep 0.5; done
    kill -KILL "$p" 2> /dev/null || true
  fi
  umount "$stale/root" 2> /dev/null || umount -l "$stale/root" 2> /dev/null || true
  umount "$stale" 2> /dev/null || umount -l "$stale" 2> /dev/null || true
  rmdir "$stale" 2> /dev/null || true
done

work=/run/dvmc-smoke.$$
mkdir -p "$work"
mount -t tmpfs -o size=4G,mode=0700 dvmc-smoke "$work"
mkdir -p "$work/upper" "$work/ovl-work" "$work/root"
mount -t overlay dvmc-smoke-root -o "lowerdir=/,upperdir=$work/upper,workdir=$work/ovl-work" "$work/root"
root=$work/root
[ -d "$root/usr/lib/jvm" ] && [ -x "$root/usr/lib/systemd/systemd" ] ||
  die "the overlay of / lacks /usr/lib/jvm or systemd: /usr is on a mount of its own here"

# The container boots this machine's root: what it has enabled (databases, etcd, DHCP servers, timers) stays
# masked in the overlay, so the container runs systemd's own units and dvmc's.
mapfile -t enabled < <(systemctl --root="$root" list-unit-files --state=enabled --no-legend --type=service,timer |
  awk '{print $1}' | grep -v -e '^systemd-' -e '^dbus' || true)
[ ${#enabled[@]} -eq 0 ] || systemctl --root="$root" mask -q "${enabled[@]}" console-getty.service \
  container-getty@.service 2> /dev/null || true
say "masked in the container: ${enabled[*]:-nothing}"

cp "$deb" "$root/root/dvmc.deb"
cp "$self" "$root/root/systemd-smoke.sh"
self=/root/systemd-smoke.sh

boot
rc=0
in_container bash /root/systemd-smoke.sh --guest install /root/dvmc.deb || rc=1
in_container bash /root/systemd-smoke.sh --guest run || rc=1
say "powering the container off and booting it again"
poweroff
boot
in_container bash /root/systemd-smoke.sh --guest after-boot || rc=1
read -r passes failures < <(awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }' "$root/root/systemd-smoke.counts")
[ "$failures" = 0 ] || rc=1
if [ $rc = 0 ]; then
  say "every check passed: the units start, reload, restart, stop and come up at boot under systemd"
else
  say "FAILED; the dvmc units' journal of this boot:"
  in_container journalctl -b --no-pager -o short-monotonic -u 'dvmc*' 2>&1 | tail -n 60 | sed 's/^/  | /' || true
fi
echo "systemd-smoke: $passes passed, $failures failed"
exit $rc
