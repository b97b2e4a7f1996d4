#!/usr/bin/env bash
# Warm pool benchmark (issue 13): scale-out from a warm (deallocated) instance against scale-out with a new one, in
# the same run, with the Azure emulator's timings.
#
# Usage: bench/warm.sh [ROUNDS]   (default 3)
#
# An emulated cluster on the local swarm with the capacity check every 2 s and HARBORMASTER_CAPACITY_SCALE_IN_MODE=
# deallocate. Each round creates a one-task service that fits on no running agent twice: first with no warm instance
# (a new instance is created, boots from agent.yml and joins), then with the one the scale-in in between deallocated
# (it is started, boots from its disk and joins afresh). Prints service create -> task running for each, and p50 and
# max. Needs root (the emulator's machines are dockerd nodes in namespaces).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

bench_run_main io.harbormaster.bench.WarmStartBenchmark "${1:-3}"
