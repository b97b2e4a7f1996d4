#!/usr/bin/env bash
# Drain benchmark: the drain overhead on the local multi-node swarm, in one run.
#
# Usage: bench/drain.sh [ROUNDS]   (default 1; with more, the median round is summarised)
#
# Each round runs two scenarios on 3 fresh worker nodes (each its own dockerd in its own namespaces, joined
# with the manager's token: plain workers of no scale set, which cannot attest) with 6 SIGTERM-aware replicas, 2 per
# node, and drains one worker:
#   swarm alone:  docker node update --availability drain, until all 6 replicas run on the other workers;
#   harbormaster: POST /api/drain/{node} with reason shutdown (what the agent's drain-on-shutdown asks for), until
#                 the status is removed (a shutdown drain removes its node once drained); then the worker leaves,
#                 which only clears its local state.
# The overhead printed is (request -> node removed) minus (swarm alone: drain -> all running elsewhere).
# It also prints the time with fewer than 6 replicas running in each scenario (polled through the CLI,
# so shorter gaps than one poll may be missed).
# HARBORMASTER_JAVA_OPTS goes to the JVM; -DcheckInterval=2s sets HARBORMASTER_DRAIN_CHECK_INTERVAL (default 1s, its minimum).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

bench_run_main io.harbormaster.bench.DrainBenchmark "${1:-1}"
