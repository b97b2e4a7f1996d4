#!/usr/bin/env bash
# Lifecycle benchmarks (issue 14): event-driven scale-out, and rebalance after a scale-out.
#
# Usage: bench/lifecycle.sh [RUNS] [scale-out|rebalance|all]   (default 5 runs of all)
#
# Boots manager VM 0 from cloud-init/master.yml in the Azure emulator (its harbormaster-swarm-events unit forwards the
# swarm's events), points a local control plane at it with the capacity timer at 30 s and one agent at least, then in
# each run creates a service whose one task (1.5 CPUs, workers only) fits on no agent there is. Prints, per run and as
# p50 and max: service create -> the scale request (the scale-out on GET /api/events) and -> the task running.
# Rebalance: on a fresh cluster per run (manager VM 0 forwarding node events, timer at 30 s, 2 agents under an
# 8-replica start-first service), the scale set's capacity goes from 2 to 4 from outside; prints new nodes Ready ->
# an even spread (2 per agent), and the time the service ran below 8 (sampled every ~100 ms), per run, p50 and max.
# Needs root (the emulator's machines are dockerd nodes in namespaces).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

bench_run_main io.harbormaster.bench.LifecycleBenchmark "${1:-5}" "${2:-all}"
