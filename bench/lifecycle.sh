#!/usr/bin/env bash
# Lifecycle benchmark, its first part: event-driven scale-out (issue 14).
#
# Usage: bench/lifecycle.sh [RUNS]   (default 5)
#
# Boots manager VM 0 from cloud-init/master.yml in the Azure emulator (its harbormaster-swarm-events unit forwards the
# swarm's events), points a local control plane at it with the capacity timer at 30 s and one agent at least, then in
# each run creates a service whose one task (1.5 CPUs, workers only) fits on no agent there is. Prints, per run and as
# p50 and max: service create -> the scale request (the scale-out on GET /api/events) and -> the task running.
# Needs root (the emulator's machines are dockerd nodes in namespaces).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

bench_run_main io.harbormaster.bench.LifecycleBenchmark "${1:-5}"
