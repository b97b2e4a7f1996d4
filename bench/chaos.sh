#!/usr/bin/env bash
# Chaos benchmark (issue 12): faults injected mid-drain and mid-scale-out on the local cluster, with what they cost.
#
# Usage: [ROUNDS=3] [SCENARIOS=abcdefghi] [CHAOS_LOCK=FILE] bench/chaos.sh
#
# Each scenario (a letter) gets its own emulated cluster (io.harbormaster.bench.chaos.ChaosRun: the Azure emulator,
# the local host with the production AzureScaleSet in a child JVM, 3 dockerd agents booted by cloud-init/agent.yml),
# a service of 8 replicas reserving 0.5 CPU and a ballast of 1 CPU, and ROUNDS rounds of
#   scale-in:  ballast to 0, the capacity check drains and deletes the agent that carried it;
#   scale-out: ballast to 1, the capacity check adds an agent (then the replicas are spread again).
# Its fault starts in each phase once a drain is seen (scale-in) or the host's PATCH of the scale set (scale-out):
#   (a) manager API down 20 s   (b) host killed and restarted   (c) duplicate and reordered queue messages
#   (d) storage down 20 s       (e) ARM 429/5xx storm 20 s       (f) another agent rebooting
#   (g) timer and webhook checks overlapping   (h) a Terminate cancelled mid-drain   (i) a Terminate listing 2 VMs
# Per phase and per scenario it prints: tasks lost, instances wrongly deleted, live nodes removed (all three must be
# 0), the longest time the 8-replica service ran below 8, and whether and how fast the cluster converged.
# Each scenario runs in its own JVM; with CHAOS_LOCK set, under `flock CHAOS_LOCK` (held per scenario, so that
# other users of the machine's swarm can run between scenarios). Needs root. HARBORMASTER_JAVA_OPTS goes to the JVM;
# BENCH_USE_ENV=1 uses the services of the current environment (see bench/lib.sh).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

rounds=${ROUNDS:-3}
scenarios=${SCENARIOS:-abcdefghi}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive whole number: $rounds" >&2; exit 2; }
[[ $scenarios =~ ^[a-i]+$ ]] || { echo "SCENARIOS must be letters a to i: $scenarios" >&2; exit 2; }

bench_prepare
mkdir -p "$HM_ROOT/target/bench/logs"
summary="$HM_ROOT/target/bench/chaos-summary.txt"
: >"$summary"
started=$(date +%s)
for (( i = 0; i < ${#scenarios}; i++ )); do
    letter=${scenarios:i:1}
    if [[ -n ${CHAOS_LOCK:-} ]]; then
        flock "$CHAOS_LOCK" bash -c "$(declare -f bench_java); HM_ROOT='$HM_ROOT' bench_java io.harbormaster.bench.chaos.ChaosBenchmark '$letter' '$rounds'" \
            | tee -a "$HM_ROOT/target/bench/logs/chaos.log" | tee >(grep '^SUMMARY' >>"$summary")
    else
        bench_java io.harbormaster.bench.chaos.ChaosBenchmark "$letter" "$rounds" \
            | tee -a "$HM_ROOT/target/bench/logs/chaos.log" | tee >(grep '^SUMMARY' >>"$summary")
    fi
done
sleep 1
echo
echo "chaos benchmark: $rounds round(s) of a scale-in and a scale-out per scenario, $(( $(date +%s) - started )) s in all"
echo "| scenario | tasks lost | wrongly deleted | live nodes removed | longest below desired | converged | median | slowest |"
echo "|---|---|---|---|---|---|---|---|"
sed -e 's/^SUMMARY //' "$summary"
