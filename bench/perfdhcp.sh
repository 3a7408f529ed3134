#!/usr/bin/env bash
# make bench-perfdhcp (root): DHCP servers side by side under the same relay-speaking load, on the same topology: a
# client namespace per server, on a veth to it, with address 10.0.0.2/24 (the giaddr of every request). Servers
# (DVMC_PERF_SERVERS, default "dvmc kea kea-mt dnsmasq"), each started alone, measured, and stopped before the next
# one starts, so none pays for another's idle loop:
#   dvmc     dataplane (DPDK net_af_packet on its relay-facing port), agent and service; `workers: 1`,
#            `idle: wait` (DVMC_PERF_IDLE), as its docs advise on shared cores
#   kea      Kea 2.2 (Debian), single-threaded: memfile with persistence, logger severity WARN, raw sockets
#   kea-mt   the same with multi-threading: DVMC_PERF_KEA_THREADS threads (default the machine's cores, at least 2)
#            and a packet queue of DVMC_PERF_KEA_QUEUE (default 64, Kea's own default; 7 per thread, as Kea advises
#            for memfile, dropped 8 % at 500/s on a loaded 2-core machine where 64 dropped none)
#   dnsmasq  dnsmasq (Debian), no-ping, lease file, DHCP logging off (--quiet-dhcp), DNS off
# Modes (DVMC_PERF_MODE):
#   rates     (default) full DORA from perfdhcp at each offered rate (the arguments, default "200 1000") held
#             DVMC_PERF_SECONDS (default 60): DORA/s completed, % done, drops, the CPU of the server's processes
#             and of perfdhcp; then each server's highest rate with >= 99 % done and dvmc's ratio to each
#   latency   DORA at DVMC_PERF_LATENCY_RATE (default 1000) for DVMC_PERF_SECONDS, captured with tcpdump on the
#             client's veth and paired by chaddr with tshark: the server's time per DORA (OFFER - DISCOVER plus
#             ACK - REQUEST, as the client's interface saw them) and the client's (DISCOVER to ACK), p50/p99/p99.9
#             from HdrHistogram; DVMC_BENCH_SVG names the percentile plot of the server's times. For dvmc also
#             the DVMC messages on loopback, paired with the veth's frames by MAC: each leg's time split into
#             "in" (veth to the agent's request: dataplane and agent), "service" and "out" (the service's reply to
#             veth: agent and dataplane), and the run's journal fdatasyncs by duration (from the service's
#             dvmc_service_journal_sync_duration_seconds): every ACK waits for one. Before any server starts,
#             the platform's own stalls (bench/stalls.c on each CPU alone): a percentile that falls among them
#             measures the machine, not the server
#   renewals  DVMC_PERF_RENEW_CLIENTS (default 10000) clients bound, then renewing (relayed REQUEST with ciaddr) as
#             fast as answered, DVMC_PERF_RENEW_WINDOW (default 256) in flight, for DVMC_PERF_SECONDS
#             (io.dvmc.bench.RenewalStorm: perfdhcp's -f renews each lease once, no faster than it makes leases)
#   ceiling   perfdhcp against io.dvmc.bench.TrivialResponder (stateless, answers from the MAC) at each rate of
#             DVMC_PERF_CEILING_RATES (default "2000 5000 10000 20000"): where perfdhcp itself stops keeping up
#   restarts  dvmc only: the fast path's answers while the agent restarts. The host lease store is filled with
#             DVMC_PERF_LEASES leases (default DVMC_BENCH_LEASES, else 1,000,000; io.dvmc.bench.HostLeaseFill)
#             before the agent starts; DVMC_PERF_RENEW_CLIENTS clients are bound and renew, paced at
#             DVMC_PERF_RESTART_RATE a second (default 5000) whether answered or not; after DVMC_PERF_WARMUP s,
#             DVMC_PERF_RESTARTS (default 5) pairs of windows of DVMC_PERF_RESTART_PERIOD s (default 10): a quiet
#             one, then one that starts with the agent killed with SIGKILL and started again at once. Per window
#             (io.dvmc.bench.RestartGapReport): renewals sent, answered, lost, the longest time between two answers;
#             per restart the agent's READY and the dataplane's store hand-over, and the answers per 100 ms; first the
#             store's memory: its file's size, what of it the dataplane and the agent hold resident, their RSS
# Also: DVMC_PERF_LEASE_LOG (default OFF) dvmc's lease events (logger dvmc.lease), OFF like Kea's lease lines at WARN;
# DVMC_PERF_CONTROL_IDLE, the idle strategy of dvmc's agent and service (default theirs: wait); DVMC_PERF_WORKERS,
# the dataplane's worker threads (default 1; 0 runs the worker in the poll loop: one thread fewer on shared cores);
# DVMC_PERF_IDLE, the dataplane's idle strategy (default wait: it sleeps on its port's packet sockets and doorbells);
# DVMC_PERF_WARMUP (default 10) seconds of DORA at the lower of the run's rate and DVMC_PERF_WARMUP_RATE (default
# 1000) before each measured run, every server alike;
# DVMC_PERF_CLIENTS, the MACs perfdhcp cycles through (default more than a run's exchanges, so each is a new lease).
# Everything runs in network namespaces this script creates and removes; no server ever sees the machine's own
# interfaces.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=${DVMC_PERF_MODE:-rates}
rates=("$@")
[ ${#rates[@]} -gt 0 ] || rates=(200 1000)
seconds=${DVMC_PERF_SECONDS:-60}
lease_log=${DVMC_PERF_LEASE_LOG:-OFF}
control_idle=${DVMC_PERF_CONTROL_IDLE:-}
workers=${DVMC_PERF_WORKERS:-1}
dataplane_idle=${DVMC_PERF_IDLE:-wait}
warmup=${DVMC_PERF_WARMUP:-10}
warmup_rate=${DVMC_PERF_WARMUP_RATE:-1000}
clients=${DVMC_PERF_CLIENTS:-}
servers=(${DVMC_PERF_SERVERS:-dvmc kea kea-mt dnsmasq})
kea_threads=${DVMC_PERF_KEA_THREADS:-$(( $(nproc) > 2 ? $(nproc) : 2 ))}
kea_queue=${DVMC_PERF_KEA_QUEUE:-64}
jdk=${JAVA_HOME:-$( (ls -d /usr/lib/jvm/temurin-25-jdk* /usr/lib/jvm/jdk-25* 2>/dev/null || true) | head -n 1)}
[ -x "$jdk/bin/java" ] || { echo "bench/perfdhcp.sh: no JDK 25 under /usr/lib/jvm; set JAVA_HOME" >&2; exit 1; }
java=$jdk/bin/java
bench_java=("$java" "@$top/deploy/jvm.options" -cp "$top/bench/target/classes:$top/bench/target/lib/*")

# Prerequisites: each missing one is named, with the Debian package that brings it (deploy/install-deps.sh test).
need() {
  command -v "$1" > /dev/null || { echo "dvmc bench: $1 is missing (Debian package $2; deploy/install-deps.sh test)" >&2; exit 1; }
}
[ "$mode" = ceiling ] && servers=(responder)
[ "$mode" = restarts ] && servers=(dvmc)
case $mode in
  rates|latency|ceiling) need perfdhcp kea-admin ;;
esac
for s in "${servers[@]}"; do
  case $s in
    dvmc) [ -x bin/dvmc ] || { echo "dvmc bench: bin/dvmc is missing" >&2; exit 1; } ;;
    kea|kea-mt) need kea-dhcp4 kea-dhcp4-server ;;
    dnsmasq) need dnsmasq dnsmasq-base ;;
    responder) ;;
    *) echo "dvmc bench: unknown server '$s' (dvmc kea kea-mt dnsmasq)" >&2; exit 2 ;;
  esac
done
case $mode in
  rates|ceiling|renewals|restarts) ;;
  latency) need tcpdump tcpdump; need tshark tshark; need gcc gcc ;;
  *) echo "dvmc bench: unknown DVMC_PERF_MODE '$mode' (rates latency renewals ceiling restarts)" >&2; exit 2 ;;
esac
# Leases put in the host store before dvmc starts (restarts only): the fast path looks up a full store.
fill_leases=0
[ "$mode" = restarts ] && fill_leases=${DVMC_PERF_LEASES:-${DVMC_BENCH_LEASES:-1000000}}
case $mode in
  renewals|ceiling|latency|restarts) [ -d bench/target/classes ] || { echo "dvmc bench: bench/ is not built; run 'make'" >&2; exit 1; } ;;
esac

# shellcheck source=deploy/lab.sh
. deploy/lab.sh
lab_init
trap lab_cleanup EXIT INT TERM
lab_sweep_stale

# Per server: the namespace of its client (perfdhcp, the renewal storm, the capture) and, but for dvmc, its own
# namespace and the server end of the veth (10.0.0.1/12).
declare -A client_ns server_ns server_if
i=0
for s in "${servers[@]}"; do
  i=$((i + 1))
  mac=02:00:00:64:00:$(printf %02x "$i")
  if [ "$s" = dvmc ]; then
    lab_host_add
    lab_vm_add "$i" "$mac"
    dvmc_if=${LAB_VM_HOSTIF[$i]}
  else
    lab_kea_add "$i" "$mac" 10.0.0.1/12 "${s//-/}"
    server_ns[$s]=$LAB_KEA_NS
    server_if[$s]=$LAB_KEA_IF
  fi
  client_ns[$s]=$LAB_TAG-vm$i
  ip -n "${client_ns[$s]}" addr add 10.0.0.2/24 dev eth0
done

# The dvmc service's DVMC port on loopback.
dvmc_port=$((20000 + LAB_PID % 20000))
dvmc_metrics_port=$((dvmc_port + 1))

# Starts server $1 and records its processes' pids in server_pids.
server_pids=()
listening() { ip netns exec "$1" ss -Hlnu 'sport = :67' | grep -q .; }
start_dvmc() {
  local port=$dvmc_port
  cat > "$LAB_DIR/policy.json" <<JSON
{ "domains": [ { "id": 100, "name": "bench", "subnet": "10.0.0.0/12", "router": "10.0.0.1",
  "pools": [ { "start": "10.1.0.0", "end": "10.15.255.250" } ], "dns": [ "10.0.0.53" ],
  "leaseSeconds": 3600, "services": [ "127.0.0.1:$port" ] } ] }
JSON
  # The agent's rate limits are for VMs; perfdhcp is one relay speaking for thousands of clients. The host lease
  # store holds one rate's new leases (one per MAC) with room to spare: the default, or more for long, fast holds;
  # filled, the leases put in and the renewing clients with room to spare.
  local max_rate=0 max_leases=262144 r need
  for r in "${rates[@]}"; do [ "$r" -gt "$max_rate" ] && max_rate=$r; done
  need=$(( max_rate * seconds * 5 / 4 + 1000 ))
  [ "$fill_leases" -eq 0 ] || need=$(( fill_leases + ${DVMC_PERF_RENEW_CLIENTS:-10000} * 5 / 4 + 1000 ))
  while [ "$max_leases" -lt "$need" ]; do max_leases=$(( max_leases * 2 )); done
  # Empty state for every start: one rate's leases do not fill the next rate's stores.
  rm -rf "$LAB_DIR/host" "$LAB_DIR/service"
  cat > "$LAB_DIR/host.json" <<JSON
{ "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "host", "keyFile": "cluster.key", "policyFile": "policy.json",
  "agent": { "listen": "127.0.0.1:0", "limits": { "portPerSecond": 1000000, "portBurst": 1000000,
             "vmPerSecond": 1000, "vmBurst": 1000 }, "maxLeases": $max_leases },
  "dataplane": { "idle": "$dataplane_idle", "workers": $workers, "ports": [ { "name": "relay",
    "device": "net_af_packet0,iface=$dvmc_if", "role": "relay",
    "relay": { "serverIp": "10.0.0.1", "links": [ { "subnet": "10.0.0.0/24", "domain": 100 } ] } } ] },
  "bindings": [] }
JSON
  # One key for the whole run: keygen never overwrites one, and each rate starts dvmc again.
  [ -e "$LAB_DIR/cluster.key" ] || bin/dvmc keygen "$LAB_DIR/cluster.key" > /dev/null
  if [ "$fill_leases" -gt 0 ]; then
    "${bench_java[@]}" io.dvmc.bench.HostLeaseFill "$LAB_DIR/host.json" "$fill_leases" > "$LAB_DIR/fill.log" 2>&1 ||
      { cat "$LAB_DIR/fill.log" >&2; lab_die "cannot fill the host lease store"; }
    grep '^filled' "$LAB_DIR/fill.log"
  fi
  DVMC_JAVA_OPTS="${DVMC_JAVA_OPTS:-} -Ddvmc.log.leases=$lease_log" lab_spawn service - bin/dvmc service \
    --policy "$LAB_DIR/policy.json" --listen "127.0.0.1:$port" --state-dir "$LAB_DIR/service" \
    --key-file "$LAB_DIR/cluster.key" --metrics "127.0.0.1:$dvmc_metrics_port" ${control_idle:+--idle "$control_idle"}
  lab_spawn agent - bin/dvmc agent --config "$LAB_DIR/host.json" ${control_idle:+--idle "$control_idle"}
  # The dataplane opens the host state the agent creates.
  LAB_WATCH="service agent" lab_wait 120 "the agent to start" test -e "$LAB_DIR/host/agent.ready"
  lab_spawn dataplane "$LAB_HOST_NS" "$top/bin/dvmc" dataplane --config "$LAB_DIR/host.json"
  LAB_WATCH="service agent dataplane" lab_wait 120 "dvmc to start" test -e "$LAB_DIR/host/dataplane.ready"
  server_pids=("$(lab_pid_of service)" "$(lab_pid_of agent)" "$(lab_pid_of dataplane)")
}

start_kea() {
  local name=$1 threading=false
  [ "$name" = kea-mt ] && threading=true
  cat > "$LAB_DIR/$name.json" <<JSON
{ "Dhcp4": { "interfaces-config": { "interfaces": [ "${server_if[$name]}" ], "dhcp-socket-type": "raw",
                                    "service-sockets-max-retries": 10, "service-sockets-retry-wait-time": 500 },
  "multi-threading": { "enable-multi-threading": $threading, "thread-pool-size": $kea_threads,
                       "packet-queue-size": $kea_queue },
  "lease-database": { "type": "memfile", "persist": true, "name": "$LAB_DIR/$name-leases4.csv", "lfc-interval": 0 },
  "valid-lifetime": 3600,
  "subnet4": [ { "id": 1, "subnet": "10.0.0.0/12", "pools": [ { "pool": "10.1.0.0 - 10.15.255.250" } ],
    "option-data": [ { "name": "routers", "data": "10.0.0.1" }, { "name": "domain-name-servers", "data": "10.0.0.53" } ] } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ] } }
JSON
  mkdir -p "$LAB_DIR/$name"
  KEA_PIDFILE_DIR=$LAB_DIR/$name KEA_LOCKFILE_DIR=$LAB_DIR/$name lab_spawn "$name" "${server_ns[$name]}" \
    kea-dhcp4 -c "$LAB_DIR/$name.json"
  server_pids=("$LAB_LAST_PID")
  # Kea logs nothing at WARN when it starts well.
  LAB_WATCH=$name lab_wait 60 "$name to listen" listening "${server_ns[$name]}"
}

start_dnsmasq() {
  lab_spawn dnsmasq "${server_ns[dnsmasq]}" dnsmasq --keep-in-foreground --conf-file=/dev/null --port=0 \
    --user=root --interface="${server_if[dnsmasq]}" --bind-interfaces --no-ping --quiet-dhcp --log-facility=- \
    --dhcp-range=10.1.0.0,10.15.255.250,255.240.0.0,1h --dhcp-lease-max=4000000 \
    --dhcp-option=3,10.0.0.1 --dhcp-option=6,10.0.0.53 \
    --dhcp-leasefile="$LAB_DIR/dnsmasq.leases" --pid-file="$LAB_DIR/dnsmasq.pid"
  server_pids=("$LAB_LAST_PID")
  LAB_WATCH=dnsmasq lab_wait 30 "dnsmasq to listen" listening "${server_ns[dnsmasq]}"
}

start_responder() {
  lab_spawn responder "${server_ns[responder]}" "${bench_java[@]}" io.dvmc.bench.TrivialResponder 10.0.0.1
  server_pids=("$LAB_LAST_PID")
  LAB_WATCH=responder lab_wait 60 "the responder to listen" listening "${server_ns[responder]}"
}

start_server() {
  echo "dvmc bench: starting $1" >&2
  case $1 in
    dvmc) start_dvmc ;;
    kea|kea-mt) start_kea "$1" ;;
    dnsmasq) start_dnsmasq ;;
    responder) start_responder ;;
  esac
}

# Stops the server's processes, last started first (the dataplane before the agent before the service).
stop_server() {
  local k
  for ((k = ${#server_pids[@]} - 1; k >= 0; k--)); do lab_stop_pid "${server_pids[$k]}" 10; done
  server_pids=()
}

# CPU time (clock ticks, USER_HZ) of the server's processes, every thread.
server_ticks() {
  local p t=0
  for p in "${server_pids[@]}"; do
    [ -r "/proc/$p/stat" ] && t=$((t + $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  echo "$t"
}

# Per process of the server: "<pid> <user ticks> <system ticks>", a line each.
process_ticks() {
  local p
  for p in "${server_pids[@]}"; do
    [ -r "/proc/$p/stat" ] && echo "$p $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12, $13}')"
  done
}

# process_cpu NAMES SECONDS BEFORE AFTER: each process's share of a core over the run, user + system, from two
# process_ticks snapshots; NAMES in the order of server_pids.
process_cpu() {
  local names=$1 secs=$2
  paste -d' ' <(printf '%s\n' "$3") <(printf '%s\n' "$4") | awk -v names="$names" -v t="$secs" '
    BEGIN { n = split(names, name, " ") }
    NF == 6 { i++; u = $5 - $2; k = $6 - $3
      printf "%s%s %.0f%% (system %.0f%%)", (i > 1 ? ", " : ""), (i <= n ? name[i] : $1), (u + k) / t, k / t }
    END { print "" }'
}

# perf SERVER RATE SECONDS RUN: perfdhcp from the server's client namespace; prints "<ACKs> <DISCOVERs sent>
# <drops> <perfdhcp CPU s> <server CPU ticks>". Each RUN has its own base MAC, so no run meets the clients of an
# earlier one. perfdhcp's output is kept in $LAB_DIR.
run=1
perf() {
  local server=$1 rate=$2 secs=$3 out rc t0 cpu
  t0=$(server_ticks)
  process_ticks > "$LAB_DIR/ticks-$server-$rate-$4.0"
  rc=0
  out=$( { TIMEFORMAT='perfdhcp-cpu %U %S'; time ip netns exec "${client_ns[$server]}" perfdhcp -4 -r "$rate" \
    -R "${clients:-$(( rate * secs * 11 / 10 + 100 ))}" -p "$secs" -b "mac=02:$(printf %02x "$4"):00:00:00:00" \
    -l eth0; } 2>&1) || rc=$?
  [ $rc -eq 0 ] || [ $rc -eq 3 ] || lab_die "perfdhcp failed against $server: $out"
  cpu=$(( $(server_ticks) - t0 ))
  process_ticks > "$LAB_DIR/ticks-$server-$rate-$4.1"
  printf '%s\n' "$out" > "$LAB_DIR/perfdhcp-$server-$rate-$4.log"
  printf '%s\n' "$out" | awk -v cpu="$cpu" '
    /Statistics for: DISCOVER-OFFER/ { s = "do" } /Statistics for: REQUEST-ACK/ { s = "ra" }
    /^sent packets:/ && s == "do" { sent = $3 } /^received packets:/ && s == "ra" { acks = $3 }
    /^drops:/ { drops += $2 }
    /^perfdhcp-cpu/ { pcpu = $2 + $3 }
    END { print acks + 0, sent + 0, drops + 0, pcpu + 0, cpu }'
}

next_run() { run=$((run + 1)); [ $run -le 255 ] || run=2; }

# warm_up SERVER RATE: DORA at the lower of RATE and $warmup_rate for $warmup seconds before a measured run, the same
# for every server: a JVM's JIT compiles its hot paths only after thousands of exchanges (dvmc's first 7 s at
# 1,000/s ran at several times its later latency), and a server is measured as it runs for days, not as it starts.
warm_up() {
  local r=$2
  [ "$r" -le "$warmup_rate" ] || r=$warmup_rate
  [ "$warmup" -le 0 ] || perf "$1" "$r" "$warmup" 1 > /dev/null
}

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }'; }

rates_mode() {
  declare -A best
  printf '%-8s %9s %12s %8s %8s %11s %13s\n' server offered "DORA/s done" "done %" drops "server CPU" "perfdhcp CPU"
  for s in "${servers[@]}"; do
    best[$s]=0
    for rate in "${rates[@]}"; do
      # Each rate on a fresh server (dvmc with empty state), warmed up: the JIT, a server's lease file.
      start_server "$s"
      warm_up "$s" "$rate"
      next_run
      res=$(perf "$s" "$rate" "$seconds" "$run")
      read -r acks sent drops pcpu ticks <<< "$res"
      done_pct=$(pct "$acks" "$sent")
      printf '%-8s %9d %12.0f %8s %8d %10.0f%% %12.0f%%\n' "$s" "$rate" \
        "$(awk -v a="$acks" -v t="$seconds" 'BEGIN { print a / t }')" "$done_pct" "$drops" \
        "$(awk -v c="$ticks" -v t="$seconds" 'BEGIN { print c / t }')" \
        "$(awk -v c="$pcpu" -v t="$seconds" 'BEGIN { print 100 * c / t }')"
      if awk -v p="$done_pct" 'BEGIN { exit !(p >= 99) }' && [ "$rate" -gt "${best[$s]}" ]; then
        best[$s]=$rate
      fi
      if [ "$s" = dvmc ]; then
        printf '  dvmc at %s/s: CPU %s\n' "$rate" "$(process_cpu "service agent dataplane" "$seconds" \
          "$(cat "$LAB_DIR/ticks-$s-$rate-$run.0")" "$(cat "$LAB_DIR/ticks-$s-$rate-$run.1")")" >&2
        bin/dvmc ctl stat --config "$LAB_DIR/host.json" > "$LAB_DIR/stat-$rate.txt" 2>&1 || true
        grep -E 'lease store full|exchange table full|errors' "$LAB_DIR/stat-$rate.txt" | sed "s/^/  dvmc at $rate\/s: /" >&2 || true
      fi
      stop_server
    done
  done
  printf 'highest offered rate with >= 99 %% done:'
  for s in "${servers[@]}"; do printf ' %s %d/s;' "$s" "${best[$s]}"; done
  echo
  if [ -n "${best[dvmc]:-}" ]; then
    for s in "${servers[@]}"; do
      [ "$s" = dvmc ] && continue
      echo "dvmc / $s: $(awk -v d="${best[dvmc]}" -v k="${best[$s]}" 'BEGIN { if (k > 0) printf "%.2f", d / k; else print "n/a" }')"
    done
  fi
}

ceiling_mode() {
  local r
  r=(${DVMC_PERF_CEILING_RATES:-2000 5000 10000 20000})
  rates=("${r[@]}")
  servers=(responder)
  rates_mode
  echo "perfdhcp's ceiling here: the highest rate above; a server's figure near it measures perfdhcp, not the server"
}

# platform_stalls: each CPU's own stalls with no server running (bench/stalls.c, DVMC_PERF_STALL_SECONDS, default 5):
# how often any thread here is stopped by what is not the program, which no server's percentiles can beat.
platform_stalls() {
  local cpu
  gcc -O2 -o "$LAB_DIR/stalls" bench/stalls.c
  echo "the platform's own stalls, each CPU spun on alone for ${DVMC_PERF_STALL_SECONDS:-5} s before any server starts:"
  for ((cpu = 0; cpu < $(nproc); cpu++)); do
    "$LAB_DIR/stalls" "$cpu" "${DVMC_PERF_STALL_SECONDS:-5}" > "$LAB_DIR/stalls-$cpu" &
  done
  wait
  sed 's/^/  /' "$LAB_DIR"/stalls-*
  echo
}

latency_mode() {
  local rate=${DVMC_PERF_LATENCY_RATE:-1000} s pcap labels=() dora=() sync_before=
  : > "$LAB_DIR/times"
  platform_stalls
  for s in "${servers[@]}"; do
    start_server "$s"
    warm_up "$s" "$rate"
    next_run
    pcap=$LAB_DIR/$s.pcap
    lab_spawn "tcpdump-$s" "${client_ns[$s]}" tcpdump -i eth0 -n -s 400 -B 32768 -w "$pcap" udp port 67
    lab_wait 30 "tcpdump to capture on $s's client" grep -q "listening on" "$LAB_DIR/tcpdump-$s.log"
    if [ "$s" = dvmc ]; then
      # Only the agent's and the service's own port: a passive capture, nothing else of loopback.
      lab_spawn tcpdump-lo - tcpdump -i lo -n -s 200 -B 32768 -w "$LAB_DIR/dvmc-lo.pcap" udp port "$dvmc_port"
      lab_wait 30 "tcpdump to capture DVMC on loopback" grep -q "listening on" "$LAB_DIR/tcpdump-lo.log"
    fi
    [ "$s" != dvmc ] || sync_before=$(journal_syncs)
    res=$(perf "$s" "$rate" "$seconds" "$run")
    read -r acks sent drops pcpu ticks <<< "$res"
    [ "$s" != dvmc ] || journal_sync_report "$sync_before" "$(journal_syncs)"
    lab_stop_pid "$(lab_pid_of "tcpdump-$s")" 10
    [ "$s" != dvmc ] || lab_stop_pid "$(lab_pid_of tcpdump-lo)" 10
    stop_server
    echo "$s: $acks of $sent DORA done ($(pct "$acks" "$sent") %), $drops drops; capture: $(
      grep -E "packets (captured|dropped by kernel)" "$LAB_DIR/tcpdump-$s.log" | paste -sd, -)"
    # Per MAC (each DORA has its own): the first DISCOVER, OFFER, REQUEST and ACK as the client's veth saw them.
    tshark -r "$pcap" -T fields -E separator=' ' -E occurrence=f -e frame.time_epoch -e dhcp.option.dhcp -e dhcp.hw.mac_addr \
      2>/dev/null | awk -v label="$s" '
        NF == 3 && !(($3, $2) in t) { t[$3, $2] = $1; if ($2 == 1) macs[$3] = 1 }
        END {
          for (m in macs) {
            if (((m, 5) in t) && ((m, 2) in t) && ((m, 3) in t)) {
              printf "%s %d\n", label, ((t[m, 2] - t[m, 1]) + (t[m, 5] - t[m, 3])) * 1e6
              printf "%s:dora %d\n", label, (t[m, 5] - t[m, 1]) * 1e6
            } else {
              printf "%s failed\n%s:dora failed\n", label, label
            }
          }
        }' >> "$LAB_DIR/times"
    [ "$s" != dvmc ] || dvmc_parts "$pcap" "$LAB_DIR/dvmc-lo.pcap" >> "$LAB_DIR/times"
    labels+=("$s")
    dora+=("$s:dora")
  done
  echo "server's time per DORA at $rate/s (OFFER - DISCOVER + ACK - REQUEST on the client's veth):"
  "${bench_java[@]}" ${DVMC_BENCH_SVG:+-Ddvmc.bench.svg="$DVMC_BENCH_SVG"} \
    -Ddvmc.bench.title="server's time per DORA at $rate/s, perfdhcp through a relay" io.dvmc.bench.LatencyReport "$LAB_DIR/times" "${labels[@]}"
  echo
  echo "client's time per DORA (DISCOVER to ACK, with perfdhcp's own turn-around between OFFER and REQUEST):"
  "${bench_java[@]}" io.dvmc.bench.LatencyReport "$LAB_DIR/times" "${dora[@]}"
  if [[ " ${servers[*]} " == *" dvmc "* ]]; then
    echo
    echo "where dvmc's time per leg (DISCOVER to OFFER, REQUEST to ACK) goes: in = veth to the agent's DVMC request" \
      "(dataplane, agent), service = request to reply on loopback, out = reply to veth (agent, dataplane):"
    "${bench_java[@]}" -Ddvmc.bench.parts=true io.dvmc.bench.LatencyReport "$LAB_DIR/times" dvmc:in dvmc:service \
      dvmc:out
  fi
}

# The buckets of dvmc's journal sync histogram ("LE COUNT" lines), read from the service's metrics endpoint with
# bash's own /dev/tcp (no HTTP client needed).
journal_syncs() {
  local line
  exec 3<> "/dev/tcp/127.0.0.1/$dvmc_metrics_port" || return 0
  printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  while IFS= read -r line <&3; do
    [[ $line == dvmc_service_journal_sync_duration_seconds_bucket* ]] || continue
    line=${line#*,le=\"}
    echo "${line%%\"*} ${line##* }"
  done
  exec 3<&-
}

# journal_sync_report BEFORE AFTER: the fdatasyncs of the measured run, by bucket: every ACK waits for one, so their
# tail is a floor under the DORA's.
journal_sync_report() {
  paste -d' ' <(printf '%s\n' "$1") <(printf '%s\n' "$2") | awk '
    NF == 4 { le[++n] = $1; c[n] = $4 - $2 }
    END {
      if (n == 0) { print "dvmc journal syncs: no figures from the service'"'"'s metrics"; exit }
      total = c[n]
      printf "dvmc journal syncs in the run: %d (fdatasync, each ACK waits for one); share done within:", total
      for (i = 1; i < n; i++) if (le[i] + 0 <= 0.01) printf " %g ms %.2f %%", le[i] * 1000, total ? 100 * c[i] / total : 0
      print ""
    }'
}

# Each leg of dvmc's DORAs split at the DVMC messages on loopback: "dvmc:in|service|out MICROSECONDS" lines. The
# veth capture gives the DHCP frames (DISCOVER 1, OFFER 2, REQUEST 3, ACK 5), the loopback capture the DVMC messages
# (type at byte 5: DISCOVER 1, OFFER 2, REQUEST 3, ACK 4; the MAC in bytes 50-55, the low six of MAC_OFFSET's 8),
# paired by MAC, first of each kind.
dvmc_parts() {
  {
    tshark -r "$1" -T fields -E separator=' ' -E occurrence=f -e frame.time_epoch -e dhcp.option.dhcp \
      -e dhcp.hw.mac_addr 2>/dev/null | awk 'NF == 3 { gsub(":", "", $3); print "veth", $3, $2, $1 }'
    tshark -r "$2" -d "udp.port==$dvmc_port,data" -T fields -E separator=' ' -e frame.time_epoch -e data.data \
      2>/dev/null | awk 'NF == 2 { print "lo", substr($2, 101, 12), substr($2, 11, 2) + 0, $1 }'
  } | awk '
    !(($1, $2, $3) in t) { t[$1, $2, $3] = $4; if ($1 == "veth" && $3 == 1) macs[$2] = 1 }
    END {
      for (m in macs) {
        leg(m, 1, 1, 2, 2)
        leg(m, 3, 3, 4, 5)
      }
    }
    function leg(m, vq, lq, lr, vr) {
      if (!(("veth", m, vq) in t && ("lo", m, lq) in t && ("lo", m, lr) in t && ("veth", m, vr) in t)) {
        print "dvmc:in failed\ndvmc:service failed\ndvmc:out failed"
        return
      }
      printf "dvmc:in %d\ndvmc:service %d\ndvmc:out %d\n", (t["lo", m, lq] - t["veth", m, vq]) * 1e6,
        (t["lo", m, lr] - t["lo", m, lq]) * 1e6, (t["veth", m, vr] - t["lo", m, lr]) * 1e6
    }'
}

renewals_mode() {
  local n=${DVMC_PERF_RENEW_CLIENTS:-10000} window=${DVMC_PERF_RENEW_WINDOW:-256} s line
  printf '%-8s %8s %10s %8s %6s %8s %9s %9s %9s %15s %15s\n' server bound "renewals/s" "done %" naks lost \
    "p50 ms" "p99 ms" "p99.9 ms" "server µs/renew" "storm µs/renew"
  for s in "${servers[@]}"; do
    start_server "$s"
    next_run
    line=$(ip netns exec "${client_ns[$s]}" "${bench_java[@]}" -Ddvmc.bench.pids="$(IFS=,; echo "${server_pids[*]}")" \
      io.dvmc.bench.RenewalStorm "$s" 10.0.0.1 10.0.0.2 "$n" "$seconds" "$window" "$run") ||
      lab_die "the renewal storm against $s failed"
    stop_server
    printf '%s\n' "$line" | awk '
      { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
      END {
        printf "%-8s %8d %10.0f %8.2f %6d %8d %9.3f %9.3f %9.3f %15s %15s\n", $1, v["bound"],
          v["answered"] / v["seconds"], v["renewals"] ? 100 * v["answered"] / v["renewals"] : 0, v["naks"], v["lost"],
          v["p50_ms"], v["p99_ms"], v["p99.9_ms"], v["server"], v["this-process"]
      }'
  done
  echo "$n clients per server, at most $window renewals in flight, each held $seconds s"
}

# Epoch milliseconds, without a fork; sleep_until EPOCH_MS.
now_ms() { local t=${EPOCHREALTIME/./}; echo $(( t / 1000 )); }
sleep_until() {
  local d=$(( $1 - $(now_ms) ))
  [ "$d" -le 0 ] || sleep "$(( d / 1000 )).$(printf %03d $(( d % 1000 )))"
}

# The host lease store's memory after the renewals: its file's size, how much of it each process that maps it
# holds resident (its pages in the mappings of the file, from /proc/PID/smaps), and each process's whole RSS.
store_memory() {
  local file="$LAB_DIR/host/leases.dat" role pid line=
  for role in dataplane agent service; do
    pid=$(lab_pid_of "$role")
    line+=" $role $(awk '/^VmRSS:/ {printf "%d", $2 / 1024}' "/proc/$pid/status" 2>/dev/null) MiB"
    [ "$role" = service ] && continue
    line+=" (store resident $(awk -v f="$file" '/^[0-9a-f]+-[0-9a-f]+ / {m = index($0, f) > 0} m && /^Rss:/ {k += $2}
      END {printf "%d", k / 1024}' "/proc/$pid/smaps" 2>/dev/null) MiB),"
  done
  echo "store memory: $(basename "$file") $(( $(stat -c %s "$file") >> 20 )) MiB on disk; RSS:${line%,}"
}

restarts_mode() {
  local n=${DVMC_PERF_RENEW_CLIENTS:-10000} rate=${DVMC_PERF_RESTART_RATE:-5000}
  local restarts=${DVMC_PERF_RESTARTS:-${RUNS:-5}}
  local period_ms=$(( ${DVMC_PERF_RESTART_PERIOD:-10} * 1000 )) i t kill ready agent deadline stat watcher
  echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
  start_server dvmc
  next_run
  # The storm outlasts the windows by a few seconds: a gap at the end of the last one is measured whole. It binds
  # with at most DVMC_PERF_RENEW_WINDOW exchanges in flight, as in the renewals mode.
  lab_spawn storm "${client_ns[dvmc]}" "${bench_java[@]}" -Ddvmc.bench.rate="$rate" \
    -Ddvmc.bench.timeline="$LAB_DIR/timeline" \
    io.dvmc.bench.RenewalStorm dvmc 10.0.0.1 10.0.0.2 "$n" $(( warmup + 2 * restarts * period_ms / 1000 + 4 )) \
    "${DVMC_PERF_RENEW_WINDOW:-256}" "$run"
  LAB_WATCH="service agent dataplane storm" lab_wait 900 "the renewing clients to bind" \
    grep -q 'renewing for' "$LAB_DIR/storm.log"
  grep 'clients bound' "$LAB_DIR/storm.log"
  : > "$LAB_DIR/marks"
  # The dataplane prints "lease stores open" without a time: stamped as it reaches the log, until the storm ends.
  tail -n 0 --pid="$(lab_pid_of storm)" -F "$LAB_DIR/dataplane.log" 2> /dev/null | while IFS= read -r line; do
    case $line in *'lease stores open'*) echo "open $(now_ms)" >> "$LAB_DIR/marks" ;; esac
  done &
  watcher=$!
  t=$(( $(now_ms) + warmup * 1000 ))
  for ((i = 1; i <= restarts; i++)); do
    echo "quiet $t $(( t + period_ms ))" >> "$LAB_DIR/marks"
    t=$(( t + period_ms ))
    sleep_until "$t"
    agent=$(lab_pid_of agent)
    rm -f "$LAB_DIR/host/agent.ready"
    kill=$(now_ms)
    kill -KILL "$agent"
    wait "$agent" 2> /dev/null || true
    mv "$LAB_DIR/agent.log" "$LAB_DIR/agent-killed-$i.log"
    lab_spawn agent - bin/dvmc agent --config "$LAB_DIR/host.json" ${control_idle:+--idle "$control_idle"}
    server_pids[1]=$LAB_LAST_PID
    deadline=$(( kill + 120000 ))
    until [ -e "$LAB_DIR/host/agent.ready" ]; do
      lab_alive agent || { lab_tail agent; lab_die "the agent exited after restart $i"; }
      [ "$(now_ms)" -lt "$deadline" ] || lab_die "the agent was not READY 120 s after restart $i"
      sleep 0.01
    done
    ready=$(date -r "$LAB_DIR/host/agent.ready" +%s%3N)
    echo "restart $kill $(( t + period_ms )) $ready" >> "$LAB_DIR/marks"
    echo "restart $i: agent READY $(( ready - kill )) ms after its kill -9, load $(cut -d' ' -f1 /proc/loadavg)" >&2
    t=$(( t + period_ms ))
    sleep_until "$t"
  done
  wait "$(lab_pid_of storm)" || { lab_tail storm; lab_die "the renewal storm failed"; }
  wait "$watcher"
  grep '^dvmc bound=' "$LAB_DIR/storm.log"
  store_memory
  stat=$(bin/dvmc ctl stat --config "$LAB_DIR/host.json" 2>&1 || true)
  printf '%s\n' "$stat" > "$LAB_DIR/stat.txt"
  stop_server
  echo
  "${bench_java[@]}" io.dvmc.bench.RestartGapReport "$LAB_DIR/timeline" "$LAB_DIR/marks" "$LAB_DIR/dataplane.log"
  echo
  printf '%s\n' "$stat" | grep -Ei 'hand-over|fast path (ACK|NAK) |slow path|stale|rx frames|imissed' || true
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
}

case $mode in
  restarts) generator="RenewalStorm -Ddvmc.bench.rate=${DVMC_PERF_RESTART_RATE:-5000} over $fill_leases leases, ${DVMC_PERF_RENEW_CLIENTS:-10000} clients, ${DVMC_PERF_RESTARTS:-${RUNS:-5}} x (quiet, agent kill -9) windows of ${DVMC_PERF_RESTART_PERIOD:-10} s" ;;
  renewals) generator="RenewalStorm LABEL 10.0.0.1 10.0.0.2 ${DVMC_PERF_RENEW_CLIENTS:-10000} $seconds ${DVMC_PERF_RENEW_WINDOW:-256} RUN (bench/)" ;;
  *) generator="perfdhcp -4 -r RATE -R CLIENTS -p $seconds -b mac=02:RUN:00:00:00:00 -l eth0 (its default threading)" ;;
esac
printf 'settings: %s, servers %s, %s s per run after %s s of warm-up; %s; Kea memfile persist, WARN, raw sockets; kea-mt %s threads, queue %s; dvmc workers %s, idle %s (agent and service %s), lease log %s; dnsmasq no-ping, quiet-dhcp, lease file\n\n' \
  "$mode" "${servers[*]}" "$seconds" "$warmup" "$generator" "$kea_threads" "$kea_queue" "$workers" "$dataplane_idle" "${control_idle:-wait}" "$lease_log"
"${mode}_mode"
echo "perfdhcp outputs and process logs: $LAB_DIR (removed on exit; LAB_KEEP_DIR=1 keeps them)" >&2
