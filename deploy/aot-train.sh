#!/usr/bin/env bash
# Writes the ahead-of-time caches that bin/dvmc hands the JVM (dvmc-dataplane.aot, dvmc-agent.aot, dvmc-cli.aot):
# each from one training run of its role (-XX:AOTCacheOutput), at whose exit the JVM writes the cache.
#   aot-train.sh        all three (`make` runs it): an agent and a dataplane on a throw-away host (a net_null port, a
#                       state directory under control/target/aot-train), stopped with SIGTERM once the dataplane
#                       has opened the stores; then the CLI's read-only commands on that host, each once in one
#                       JVM (io.dvmc.cli.CliTraining).
#   aot-train.sh cli    the CLI's only, on the host the last full run left (bin/dvmc starts it in the background
#                       when it finds the CLI's cache stale).
# Best effort: without a cache the processes start as before, only slower. Each cache is written under a temporary
# name and renamed, so bin/dvmc never hands the JVM a half-written one; one training at a time (a lock file).
set -uo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
what=${1:-all}
work="$top/control/target/aot-train"
mkdir -p "$work" 2>/dev/null || exit 0
exec 9>"$work/.lock"
flock -n 9 || exit 0

# train ROLE MODULE ARGS...: runs `dvmc ARGS` with the role's cache as output, in the background ($!).
train() {
  local role=$1 module=$2
  shift 2
  rm -f "$top/$module/target/dvmc-$role.aot.tmp"
  DVMC_AOT_OUTPUT="$top/$module/target/dvmc-$role.aot.tmp" "$top/bin/dvmc" "$@" > "$work/$role.log" 2>&1 &
}

# finish ROLE MODULE: puts the cache the training wrote in place.
finish() {
  local role=$1 module=$2
  local out="$top/$module/target/dvmc-$role.aot"
  if [ -s "$out.tmp" ]; then
    mv -f "$out.tmp" "$out" && echo "aot: $module/target/dvmc-$role.aot"
  else
    rm -f "$out.tmp"
    echo "aot: no cache for $role (see $work/$role.log): it starts without one" >&2
  fi
}

cli() {
  if [ -s "$work/host.json" ]; then
    DVMC_CLI_TRAINING=1 train cli control "$work/host.json"
  else
    train cli control --version
  fi
  wait $!
  finish cli control
}

if [ "$what" = cli ]; then
  cli
  exit 0
fi

rm -rf "$work/state"
mkdir -p "$work/state"
cp "$top/deploy/examples/policy.json" "$work/policy.json"
rm -f "$work/cluster.key"
DVMC_AOT=0 "$top/bin/dvmc" keygen "$work/cluster.key" >/dev/null || exit 0
cat > "$work/host.json" <<JSON
{ "hostId": 1, "hostAddress": "127.0.0.1", "stateDir": "$work/state", "keyFile": "$work/cluster.key",
  "policyFile": "$work/policy.json", "agent": { "listen": "127.0.0.1:0" },
  "dataplane": { "lcore": 0, "memoryMb": 128, "idle": "wait", "extraEal": ["--log-level=*:warning"],
    "ports": [ { "name": "train", "device": "net_null0" } ] },
  "bindings": [] }
JSON
pids=()
train agent control agent --config "$work/host.json"
pids+=($!)
for _ in $(seq 1200); do
  [ -e "$work/state/agent.ready" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.1
done
train dataplane dataplane dataplane --config "$work/host.json"
pids+=($!)
# The dataplane's last start-up step: the stores opened after the agent's READY.
for _ in $(seq 1200); do
  grep -q 'lease stores open' "$work/dataplane.log" 2>/dev/null && break
  kill -0 "${pids[1]}" 2>/dev/null || break
  sleep 0.1
done
# The dataplane first, so that the agent's store hand-over runs too; each writes its cache as it exits.
for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
  kill -TERM "${pids[$i]}" 2>/dev/null
  wait "${pids[$i]}" 2>/dev/null
done
finish agent control
finish dataplane dataplane
cli
exit 0
