#!/usr/bin/env bash
# Installs the Debian packages dvmc needs, when any is missing, by role:
#   install-deps.sh runtime   a hypervisor host or a service machine: what the processes need to run (the .deb of
#                             `make package` depends on the same), and nothing else: no compiler, no DHCP client
#   install-deps.sh build     the above, and what builds the shim and the jars
#   install-deps.sh test      the above, and what the tests and demos run: DHCP clients and servers, etcd, QEMU,
#                             capture tools. Only for a build or CI machine, never a hypervisor host.
#   install-deps.sh           the same as test (`make deps`)
# Idempotent: a machine that has them all is left untouched and nothing is fetched.
set -euo pipefail

role=${1:-test}
runtime=(
  dpdk librte-net-af-packet23 librte-net-vhost23 librte-net-tap23 librte-net-null23
)
build=(
  build-essential pkg-config make maven
  dpdk-dev libdpdk-dev libpcap-dev
)
test=(
  iproute2 tcpdump tshark nftables jq librte-net-pcap23
  udhcpc busybox isc-dhcp-client dhcpcd5 systemd dnsmasq-base
  kea-dhcp4-server isc-dhcp-server
  etcd-server etcd-client
  kea-admin
  qemu-system-x86
)
case "$role" in
  runtime) packages=("${runtime[@]}") ;;
  build) packages=("${runtime[@]}" "${build[@]}") ;;
  test) packages=("${runtime[@]}" "${build[@]}" "${test[@]}") ;;
  *) echo "usage: $0 [runtime|build|test]" >&2; exit 2 ;;
esac

# kea-admin brings perfdhcp (no daemon), the relay-speaking load generator of PerfdhcpRelayTest and bench/perfdhcp.sh;
# that bench also runs Kea (single- and multi-threaded) and dnsmasq as references, and captures with tcpdump and tshark.
# The DHCP clients and servers are for the tests' namespaces only: dhcpcd5 enables and starts a unit that runs
# dhcpcd on every interface of the machine, and kea-dhcp4-server (the relay tests' tenant server and
# RfcComparisonTest's reference) and isc-dhcp-server (a tenant server) units that would serve DHCP on the host's
# networks. Masked before any install (a masked unit is neither enabled nor started by the package) and on every run,
# so a machine that already had them running is stopped too. No other role installs any of them.
if [ "$role" = test ] && command -v systemctl > /dev/null; then
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  for unit in dhcpcd.service kea-dhcp4-server.service isc-dhcp-server.service; do
    if [ "$(systemctl is-enabled "$unit" 2>/dev/null || true)" != masked ]; then
      if [ -d /run/systemd/system ]; then
        $sudo systemctl disable --now "$unit" > /dev/null 2>&1 || true
      fi
      # Without a running systemd (a container), mask still writes the /etc/systemd/system link.
      $sudo systemctl mask "$unit" > /dev/null
    fi
  done
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "dvmc: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's etcd-server starts a system etcd on 127.0.0.1:2379 at install. dvmc's tests and demos start their own
# members on free ports; a stray one would only take writes meant for another cluster.
if [[ " ${missing[*]:-} " == *" etcd-server "* ]] && command -v systemctl > /dev/null && [ -d /run/systemd/system ]; then
  $sudo systemctl disable --now etcd > /dev/null 2>&1 || true
fi

# The VM test's guest (a kernel and busybox from Debian's archive, unpacked, not installed); needs apt's lists.
if [ "$role" = test ]; then
  bash "$(dirname "$0")/guest-image.sh"
fi

# Socket receive buffers as large as dvmc asks for (deploy/sysctl/60-dvmc.conf); never lowers a larger limit.
want=$(awk '/^net.core.rmem_max/ {print $3}' "$(dirname "$0")/sysctl/60-dvmc.conf")
if [ "$(cat /proc/sys/net/core/rmem_max)" -lt "$want" ]; then
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo sysctl -q -w net.core.rmem_max="$want"
fi

jdk=$(ls -d /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/jdk-25* 2>/dev/null | head -n 1 || true)
if [ -z "$jdk" ]; then
  echo "dvmc: no JDK 25 under /usr/lib/jvm (Temurin 25 expected)" >&2
  exit 1
fi
