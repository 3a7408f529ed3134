#!/usr/bin/env bash
# Installs the Debian packages dvmc needs to build, test and run its demo, when any is missing.
# Idempotent: a machine that has them all is left untouched and nothing is fetched.
set -euo pipefail

packages=(
  build-essential pkg-config make maven
  dpdk dpdk-dev libdpdk-dev libpcap-dev
  iproute2 tcpdump tshark
  udhcpc isc-dhcp-client dhcpcd5 dnsmasq-base jq
  etcd-server etcd-client
)

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
