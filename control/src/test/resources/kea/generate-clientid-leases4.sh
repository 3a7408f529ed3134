#!/bin/bash
# Regenerates kea-clientid-leases4.csv, the Kea-produced lease file whose client identifiers (option 61) are not of
# the usual form (type 1, then the MAC) and which LeaseAdminTest round-trips: kea-dhcp4 (2.2) serves subnet
# 10.77.0.0/24 (subnet id 7) in a namespace of its own; perfdhcp leases one address to each of two clients from
# another (busybox udhcpc, the MAC of its interface changed for each), one with an RFC 4361 identifier (type 255, IAID, DUID), one with a
# text identifier (type 0). Needs root, kea-dhcp4-server and busybox.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
tag=lkea$$
cleanup() {
  [ -n "${kea:-}" ] && kill "$kea" 2>/dev/null && wait "$kea" 2>/dev/null || true
  ip netns del "$tag-s" 2>/dev/null || true
  ip netns del "$tag-c" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
ip netns add "$tag-s"
ip netns add "$tag-c"
ip link add "$tag-a" type veth peer name "$tag-b"
ip link set "$tag-a" netns "$tag-s" name eth0
ip link set "$tag-b" netns "$tag-c" name eth0
ip -n "$tag-s" addr add 10.77.0.1/24 dev eth0
ip -n "$tag-c" addr add 10.77.0.2/24 dev eth0
for ns in "$tag-s" "$tag-c"; do ip -n "$ns" link set eth0 up; ip -n "$ns" link set lo up; done
cat > "$dir/kea.json" <<JSON
{ "Dhcp4": { "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "raw" },
  "lease-database": { "type": "memfile", "persist": true, "name": "$dir/leases4.csv", "lfc-interval": 0 },
  "valid-lifetime": 3600, "ddns-send-updates": false, "ddns-qualifying-suffix": "",
  "subnet4": [ { "id": 7, "subnet": "10.77.0.0/24", "pools": [ { "pool": "10.77.0.100 - 10.77.0.199" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ] } }
JSON
KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir ip netns exec "$tag-s" kea-dhcp4 -c "$dir/kea.json" > "$dir/kea.log" 2>&1 &
kea=$!
for _ in $(seq 50); do ip netns exec "$tag-s" ss -Hlun 'sport = :67' | grep -q :67 && break; sleep 0.2; done
for client in "02:77:00:00:01:00 ff0000002a000100012c3b4d5e0277000001ff" "02:77:00:00:01:01 007669726b6c2d3031"; do
  set -- $client
  ip -n "$tag-c" link set eth0 down
  ip -n "$tag-c" link set eth0 address "$1"
  ip -n "$tag-c" link set eth0 up
  # -q: quit once leased; -s /bin/true: leave the interface's addresses alone.
  ip netns exec "$tag-c" busybox udhcpc -i eth0 -q -n -t 5 -T 1 -s /bin/true -x "0x3d:$2" >> "$dir/udhcpc.log" 2>&1 \
    || { cat "$dir/udhcpc.log"; exit 1; }
done
cp "$dir/leases4.csv" "$here/kea-clientid-leases4.csv"
cat "$here/kea-clientid-leases4.csv"
