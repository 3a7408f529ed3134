#!/bin/bash
# Regenerates kea-leases4.csv, the Kea-produced lease file LeaseAdminTest imports: kea-dhcp4 (2.2) serves subnet
# 10.77.0.0/24 (subnet id 7) in a namespace of its own; perfdhcp leases four addresses to clients 02:77:00:00:00:0x
# from another, asking with host name "vm-kea" (option 12). Needs root, kea-dhcp4-server and kea-admin (perfdhcp).
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
# option 12 "vm-kea" in hex
ip netns exec "$tag-c" perfdhcp -4 -l eth0 -r 4 -R 4 -n 4 -p 3 -o 12,766d2d6b6561 -b mac=02:77:00:00:00:00 \
  > "$dir/perfdhcp.log" 2>&1 || [ $? -eq 3 ]
cp "$dir/leases4.csv" "$here/kea-leases4.csv"
cat "$here/kea-leases4.csv"
