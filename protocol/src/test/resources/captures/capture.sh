#!/usr/bin/env bash
# Regenerates the DHCP fixtures in this folder from real clients talking to a real server.
#
# Everything runs inside two network namespaces this script creates and removes again:
#   dvmccap-s  dnsmasq + tcpdump on veth dvmccap0 (192.0.2.1/24)
#   dvmccap-c  udhcpc, dhclient, dhcpcd on veth dvmccap1
# No DHCP client or server ever runs on the machine's own interfaces.
#
# Needs root, iproute2, tcpdump, tshark/editcap, dnsmasq (dnsmasq-base), udhcpc, isc-dhcp-client, dhcpcd5.
# Usage: capture.sh [output-dir]   (default: the folder of this script)
# Tagged frames are not captured: the kernel here has neither 8021q nor the tc vlan action, so the
# tests insert 802.1Q/802.1ad tags into these real frames instead.
# Output: one pcap per scenario, one raw Ethernet frame per fixture (*.bin: the pcap record's bytes, no FCS),
# and fixtures.tsv: what tshark reads in each frame. The tests check the codec against fixtures.tsv, so
# regenerated fixtures need no test edits; only xids and dhcpcd's DUID change run to run (the MACs, addresses
# and lease times the tests also name are fixed here, and dnsmasq picks addresses from the MAC).
set -euo pipefail

OUT=$(cd "${1:-$(dirname "$0")}" && pwd)
CNS=dvmccap-c
SNS=dvmccap-s
SIF=dvmccap0
CIF=dvmccap1
WORK=$(mktemp -d /tmp/dvmccap.XXXXXX)
SERVER_MAC=02:dc:00:00:00:fe

in_s() { ip netns exec "$SNS" "$@"; }
in_c() { ip netns exec "$CNS" "$@"; }

kill_pidfile() {
    local f=$1
    if [[ -s $f ]]; then
        local pid
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$f"
}

cleanup() {
    set +e
    kill_pidfile "$WORK/udhcpc.pid"
    kill_pidfile "$WORK/dhclient.pid"
    kill_pidfile "$WORK/dnsmasq.pid"
    kill_pidfile "$WORK/tcpdump.pid"
    ip netns del "$CNS" 2>/dev/null
    ip netns del "$SNS" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

# Waits until FILE contains PATTERN (at most ~10 s).
wait_for() {
    local file=$1 pattern=$2
    for _ in $(seq 100); do
        grep -q "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "timed out waiting for '$pattern' in $file" >&2
    cat "$file" >&2 || true
    return 1
}

start_capture() {
    local name=$1
    : >"$WORK/tcpdump.log"
    # not through in_s: $! must be tcpdump itself (ip netns exec execs it) so SIGINT reaches it
    ip netns exec "$SNS" tcpdump -i "$SIF" --immediate-mode -U -n -Z root -w "$WORK/$name.pcap" 'udp port 67 or udp port 68' \
        >"$WORK/tcpdump.log" 2>&1 &
    echo $! >"$WORK/tcpdump.pid"
    wait_for "$WORK/tcpdump.log" 'listening on'
}

stop_capture() {
    local name=$1
    local pid
    pid=$(cat "$WORK/tcpdump.pid")
    sleep 0.3 # a last reply may still be on its way
    kill -INT "$pid"
    wait "$pid" 2>/dev/null || true
    rm -f "$WORK/tcpdump.pid"
    cp "$WORK/$name.pcap" "$OUT/$name.pcap"
}

# extract PCAP FILTER NAME: writes the first frame of PCAP matching the display FILTER to NAME.bin
extract() {
    local pcap=$OUT/$1.pcap filter=$2 name=$3
    local n
    n=$(tshark -r "$pcap" -Y "$filter" -T fields -e frame.number | head -1)
    if [[ -z $n ]]; then
        echo "no frame matches '$filter' in $pcap" >&2
        return 1
    fi
    editcap -F pcap -r "$pcap" "$WORK/one.pcap" "$n"
    # classic pcap: 24-byte file header, 16-byte record header, then the frame
    tail -c +41 "$WORK/one.pcap" >"$OUT/$name.bin"
    # what tshark reads in the frame: the tests check the codec against this
    printf '%s\t' "$name" >>"$OUT/fixtures.tsv"
    tshark -r "$WORK/one.pcap" -T fields -E separator=/t -E aggregator=, -E occurrence=a \
        $(printf -- '-e %s ' "${TSV_FIELDS[@]}") 2>/dev/null >>"$OUT/fixtures.tsv"
    echo "$name.bin <- $1.pcap frame $n ($filter)"
}

TSV_FIELDS=(frame.len eth.src eth.dst ip.src ip.dst udp.srcport udp.dstport dhcp.type dhcp.option.dhcp dhcp.id
    dhcp.flags dhcp.hw.mac_addr dhcp.ip.client dhcp.ip.your dhcp.option.requested_ip_address
    dhcp.option.dhcp_server_id dhcp.option.request_list_item dhcp.option.hostname
    dhcp.option.ip_address_lease_time dhcp.option.renewal_time_value dhcp.option.rebinding_time_value
    dhcp.option.type)
(IFS=$'\t'; echo "name	${TSV_FIELDS[*]}") >"$OUT/fixtures.tsv"

set_client_mac() {
    in_c ip link set "$CIF" down
    in_c ip link set "$CIF" address "$1"
    in_c ip link set "$CIF" up
    in_c ip addr flush dev "$CIF"
}

# --- namespaces and links -------------------------------------------------------------------------------
ip netns add "$SNS"
ip netns add "$CNS"
ip link add "$SIF" netns "$SNS" type veth peer name "$CIF" netns "$CNS"
in_s ip link set "$SIF" address "$SERVER_MAC"
in_s ip link set lo up
in_c ip link set lo up
in_s ip link set "$SIF" up
in_c ip link set "$CIF" up
in_s ip addr add 192.0.2.1/24 dev "$SIF"

# --- the server --------------------------------------------------------------------------------------------
# Lease 1h: T1 1800 s, T2 3150 s. --port=0: DHCP only, no DNS.
ip netns exec "$SNS" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --user=root --group=root \
    --bind-interfaces --interface="$SIF" \
    --dhcp-authoritative --no-ping --dhcp-leasefile="$WORK/dnsmasq.leases" --pid-file="$WORK/dnsmasq.pid" \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h \
    --dhcp-option=option:router,192.0.2.1 \
    --dhcp-option=option:dns-server,192.0.2.53,192.0.2.54 \
    --dhcp-option=option:mtu,1400 \
    --dhcp-option=option:domain-name,example.test \
    --log-dhcp >"$WORK/dnsmasq.log" 2>&1 &
wait_for "$WORK/dnsmasq.log" 'DHCP, IP range'

# Client event scripts: record the event and configure the address inside the client namespace only
# (udhcpc renews over a kernel UDP socket bound to its address).
cat >"$WORK/udhcpc.sh" <<EOF
#!/bin/sh
echo "\$1 \$ip" >>"$WORK/udhcpc.events"
case "\$1" in
  bound|renew) ip addr replace "\$ip/\${mask:-24}" dev "\$interface" ;;
  deconfig) ip addr flush dev "\$interface" ;;
esac
exit 0
EOF
cat >"$WORK/dhclient.sh" <<EOF
#!/bin/sh
echo "\$reason \$new_ip_address" >>"$WORK/dhclient.events"
exit 0
EOF
cat >"$WORK/dhcpcd.sh" <<EOF
echo "\$reason \$new_ip_address" >>"$WORK/dhcpcd.events"
EOF
chmod +x "$WORK/udhcpc.sh" "$WORK/dhclient.sh"
: >"$WORK/udhcpc.events"; : >"$WORK/dhclient.events"; : >"$WORK/dhcpcd.events"

# --- udhcpc: DISCOVER, OFFER, REQUEST (selecting), ACK --------------------------------------------------
set_client_mac 02:dc:00:00:00:01
start_capture udhcpc
in_c timeout 30 udhcpc -f -n -q -i "$CIF" -s "$WORK/udhcpc.sh" -t 3 -T 2 -A 1 -x hostname:vm-udhcpc
stop_capture udhcpc
extract udhcpc 'dhcp.option.dhcp == 1' udhcpc-discover
extract udhcpc 'dhcp.option.dhcp == 2' dnsmasq-offer
extract udhcpc 'dhcp.option.dhcp == 3' udhcpc-request-selecting
extract udhcpc 'dhcp.option.dhcp == 5' dnsmasq-ack

# --- udhcpc: renewal (SIGUSR1 -> unicast REQUEST with ciaddr), then release (SIGUSR2) ------------------
set_client_mac 02:dc:00:00:00:01
: >"$WORK/udhcpc.events"
ip netns exec "$CNS" udhcpc -f -i "$CIF" -s "$WORK/udhcpc.sh" -t 3 -T 2 -A 1 -p "$WORK/udhcpc.pid" &
UDHCPC_JOB=$!
wait_for "$WORK/udhcpc.events" '^bound'
start_capture udhcpc-renew
kill -USR1 "$(cat "$WORK/udhcpc.pid")"
wait_for "$WORK/udhcpc.events" '^renew'
kill -USR2 "$(cat "$WORK/udhcpc.pid")"
wait_for "$WORK/udhcpc.events" '^deconfig'
kill_pidfile "$WORK/udhcpc.pid"
wait "$UDHCPC_JOB" 2>/dev/null || true
stop_capture udhcpc-renew
extract udhcpc-renew 'dhcp.option.dhcp == 3 && dhcp.ip.client != 0.0.0.0' udhcpc-request-renewing
extract udhcpc-renew 'dhcp.option.dhcp == 5' dnsmasq-ack-renewing
extract udhcpc-renew 'dhcp.option.dhcp == 7' udhcpc-release

# --- dhclient: DISCOVER, REQUEST; then INIT-REBOOT of an address the server refuses -> NAK ----------------
set_client_mac 02:dc:00:00:00:02
cat >"$WORK/dhclient.conf" <<EOF
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
send host-name "vm-dhclient";
request subnet-mask, broadcast-address, time-offset, routers, domain-name, domain-name-servers, host-name, interface-mtu, rfc3442-classless-static-routes, ntp-servers;
EOF
: >"$WORK/dhclient.leases"
start_capture dhclient
in_c timeout 30 dhclient -4 -1 -v -cf "$WORK/dhclient.conf" -sf "$WORK/dhclient.sh" -pf "$WORK/dhclient.pid" \
    -lf "$WORK/dhclient.leases" "$CIF" >"$WORK/dhclient.log" 2>&1
wait_for "$WORK/dhclient.events" '^BOUND'
kill_pidfile "$WORK/dhclient.pid"
stop_capture dhclient
extract dhclient 'dhcp.option.dhcp == 1' dhclient-discover
extract dhclient 'dhcp.option.dhcp == 3' dhclient-request-selecting

# A remembered lease outside the server's range: dhclient asks for it (INIT-REBOOT), dnsmasq refuses.
cat >"$WORK/dhclient.leases" <<EOF
lease {
  interface "$CIF";
  fixed-address 192.0.2.250;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 192.0.2.1;
  renew 4 2037/12/31 00:00:00;
  rebind 4 2037/12/31 00:00:00;
  expire 4 2037/12/31 00:00:00;
}
EOF
: >"$WORK/dhclient.events"
start_capture dhclient-nak
in_c timeout 30 dhclient -4 -1 -v -cf "$WORK/dhclient.conf" -sf "$WORK/dhclient.sh" -pf "$WORK/dhclient.pid" \
    -lf "$WORK/dhclient.leases" "$CIF" >"$WORK/dhclient.log" 2>&1
wait_for "$WORK/dhclient.events" '^BOUND'
kill_pidfile "$WORK/dhclient.pid"
stop_capture dhclient-nak
extract dhclient-nak 'dhcp.option.dhcp == 3 && dhcp.option.requested_ip_address == 192.0.2.250' dhclient-request-init-reboot
extract dhclient-nak 'dhcp.option.dhcp == 6' dnsmasq-nak

# --- dhcpcd: DUID client id (RFC 4361), private /run and state folder ----------------------------------
set_client_mac 02:dc:00:00:00:03
mkdir -p "$WORK/dhcpcd-state"
printf 'duid\nnoipv6\nnoipv6rs\nhostname vm-dhcpcd\noption interface_mtu, classless_static_routes\n' >"$WORK/dhcpcd.conf"
start_capture dhcpcd
in_c unshare -m sh -c "mount -t tmpfs tmpfs /run && mount --bind '$WORK/dhcpcd-state' /var/lib/dhcpcd && \
    timeout 30 dhcpcd -1 -4 -B --noarp --nodelay -f '$WORK/dhcpcd.conf' -c '$WORK/dhcpcd.sh' -t 10 $CIF" \
    >"$WORK/dhcpcd.log" 2>&1 || true
stop_capture dhcpcd
extract dhcpcd 'dhcp.option.dhcp == 1' dhcpcd-discover
extract dhcpcd 'dhcp.option.dhcp == 3' dhcpcd-request-selecting

# arp.pcap / arp-request-for-server.bin: the VM (02:dc:00:00:00:01, 192.0.2.147) asking for the server's MAC, as a
# RENEWING client does before its unicast REQUEST. Made in the same pair of namespaces with the client address set
# and `tcpdump -i $SIF -U -w arp.pcap arp` running in the server namespace while the client namespace ran
# `bash -c 'echo x > /dev/udp/192.0.2.1/9'`; the .bin is the first frame.

echo "fixtures written to $OUT"
