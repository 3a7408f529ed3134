#!/usr/bin/env bash
# make jmh: JMH micro benchmarks of the per-frame work (ReplyBenchmark, FrameBenchmark, LeaseLookupBenchmark) and of a
# service's lease event (LeaseEventBenchmark), each beside its reference method in the same run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
exec "${JAVA_HOME:?JAVA_HOME}/bin/java" @deploy/jvm.options -cp "bench/target/classes:bench/target/lib/*" \
  org.openjdk.jmh.Main "${@:-io.dvmc.bench.jmh}"
