#!/usr/bin/env bash
# Lifecycle benchmarks (issue 14): event-driven scale-out, rebalance after a scale-out, and the rolling upgrade.
#
# Usage: bench/lifecycle.sh [RUNS] [scale-out|rebalance|all]   (default 5 runs of all)
#        bench/lifecycle.sh upgrade [AGENTS] [MODE]            rolling upgrade of AGENTS (default 4) agents; MODE
#                                                              in-place (default: the scale set at its maximum),
#                                                              surge (one below) or image (in place, a newer image
#                                                              published under the model's latest: reimage)
#
# Scale-out: boots manager VM 0 from cloud-init/master.yml in the Azure emulator (its harbormaster-swarm-events unit
# forwards the swarm's events), points a local control plane at it with the capacity timer at 30 s and one agent at
# least, then in each run creates a service whose one task (1.5 CPUs, workers only) fits on no agent there is. Prints,
# per run and as p50 and max: service create -> the scale request (the scale-out on GET /api/events) and -> the task
# running.
# Rebalance: on a fresh cluster per run (manager VM 0 forwarding node events, timer at 30 s, 2 agents under an
# 8-replica start-first service), the scale set's capacity goes from 2 to 4 from outside; prints new nodes Ready ->
# an even spread (2 per agent), and the time the service ran below 8 (sampled every ~100 ms), per run, p50 and max.
# Upgrade: AGENTS agents under an 8-replica start-first service (label io.harbormaster.drain=surge); the scale set's
# custom data changes and POST /api/upgrade starts the rolling upgrade. Prints the total time, the time below 8 running
# (sampled about every 100 ms), the tasks lost, each agent's boot (VM operation -> its new node Ready) and the control
# plane's own share beyond the boots.
# Needs root (the emulator's machines are dockerd nodes in namespaces).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

if [[ ${1:-} == upgrade ]]; then
    bench_run_main io.harbormaster.bench.UpgradeBenchmark "${2:-4}" "${3:-in-place}"
else
    bench_run_main io.harbormaster.bench.LifecycleBenchmark "${1:-5}" "${2:-all}"
fi
