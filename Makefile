# dvmc build. `make` builds the native shim and the jars, `make test` runs every test,
# `make run` runs the demo, `make run-cluster` the distributed one, `make bench` every benchmark as a report in
# bench/results/ (`make bench-fastpath`, `bench-perfdhcp`, `bench-restarts`, `bench-e2e`, `bench-alloc` run one each), `make jmh` the micro benchmarks,
# `make bench-startup` the start-up times, `make fuzz` the Jazzer targets for FUZZ_SECONDS each, `make package` the
# Debian package (target/dvmc_*.deb), `make systemd-smoke` that package's units under a real systemd (a container).
SHELL := /bin/bash
JAVA_HOME ?= $(firstword $(wildcard /usr/lib/jvm/temurin-25-jdk*) $(wildcard /usr/lib/jvm/jdk-25*))
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
MVN := mvn -B -q -Dstyle.color=never
# The test run is not quiet: its "Tests run:" lines are the record of what ran.
MVN_TEST := mvn -B -ntp -Dstyle.color=never

NATIVE_LIB := native/build/libdvmcshim.so

.PHONY: all deps native jars package systemd-smoke format test fuzz run run-cluster bench bench-fastpath bench-alloc bench-e2e bench-perfdhcp bench-restarts bench-startup jmh bindings clean

all: deps native jars

deps:
	@bash deploy/install-deps.sh

native: $(NATIVE_LIB)

$(NATIVE_LIB): $(wildcard native/*.c native/*.h) native/Makefile
	$(MAKE) -C native

jars: native
	$(MVN) -DskipTests install
	@bash deploy/aot-train.sh

# The .deb of a host or service machine: jars, shim, launcher, units, the dvmc user (deploy/package.sh).
package: native jars
	bash deploy/package.sh

# The package installed, started, reloaded, restarted, stopped and booted under systemd as PID 1 of a systemd-nspawn
# container over this machine's root (deploy/systemd-smoke.sh; root, systemd-container). Not part of `make test`.
systemd-smoke: package
	bash deploy/systemd-smoke.sh

# Applies the tree's code format (deploy/format/eclipse-java.xml); every build checks it.
format:
	$(MVN) spotless:apply

test: deps native
	$(MVN_TEST) install

# Fuzzes each Jazzer target (fuzz/) for FUZZ_SECONDS; `make test` gives each only a few seconds. New findings
# land in fuzz/target/jazzer/; a fixed one goes into the target's corpus under fuzz/src/test/resources.
FUZZ_SECONDS ?= 300
fuzz:
	$(MVN_TEST) -pl fuzz test -Dfuzz.seconds=$(FUZZ_SECONDS) -Dfuzz.seed=0

run: all
	bash deploy/demo.sh

run-cluster: all
	bash deploy/cluster-demo.sh

bench: all
	bash bench/report.sh

bench-fastpath: all
	bash bench/run.sh

jmh: all
	bash bench/jmh.sh

bench-perfdhcp: all
	bash bench/perfdhcp.sh

bench-restarts: all
	DVMC_PERF_MODE=restarts bash bench/perfdhcp.sh

bench-e2e: all
	bash bench/bind-latency.sh

bench-alloc: all
	bash bench/allocation.sh

bench-startup: all
	bash bench/startup.sh

# Regenerates bindings/ from native/dvmc_shim.h where jextract is on PATH; the committed
# bindings are hand-written in jextract's layout and checked by BindingsCoverageTest.
bindings:
	@command -v jextract >/dev/null || { echo "jextract is not on PATH; bindings/ is maintained by hand"; exit 1; }
	jextract --output bindings/src/main/java --target-package io.dvmc.bindings.shim \
	  --header-class-name dvmc_shim_h -l dvmcshim $$(pkg-config --cflags-only-I libdpdk) native/dvmc_shim.h

clean:
	$(MAKE) -C native clean
	$(MVN) clean
