#!/usr/bin/env bash
# timed.sh COMMAND [ARGS...]: runs the command, its stdout discarded, and prints one line with time(1)'s figures:
#   "WALL s wall, CPU s cpu, exit CODE, stderr BYTES bytes"   (cpu: user + system)
# time(1) writes "Command exited with non-zero status N" before its figures when the command fails (ctl stat: 3 for
# a stopped process), so they are read from its last line.
set -uo pipefail
figures=$(mktemp) stderr=$(mktemp)
trap 'rm -f "$figures" "$stderr"' EXIT
/usr/bin/time -f "%e %U %S" -o "$figures" "$@" > /dev/null 2> "$stderr"
code=$?
read -r wall user sys < <(tail -n 1 "$figures")
echo "$wall s wall, $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s cpu, exit $code," \
  "stderr $(wc -c < "$stderr") bytes"
