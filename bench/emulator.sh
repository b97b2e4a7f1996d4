#!/usr/bin/env bash
# Azure emulator benchmark: the emulator's timing for each scale-set operation with real machines (dockerd nodes
# booted by cloud-init/agent.yml), or scripts/dev.sh's start-up time.
#
# Usage: bench/emulator.sh [ROUNDS]   (default 1; with more, the median of each figure is summarised)
#        HARBORMASTER_JAVA_OPTS=-Donly=scale-in bench/emulator.sh [ROUNDS]   only scale out, then the drain-first delete
#        bench/emulator.sh --dev      scripts/dev.sh from start to "2 of 2 agent(s) Ready"
#
# The default mode starts an emulated cluster (EmulatedCluster: the emulator in the benchmark's JVM, the local host
# with the production AzureScaleSet in a child JVM, a Spot scale set of capacity 1, terminate notice 60 s) and, after
# the first agent is Ready, times through the compute SDK against the emulator's ARM: scale out by 1, powerOff,
# start, restart, deallocate, start, reimage, a model change and manualUpgrade, simulateEviction and start, a
# scale-in through POST /api/drain/{node} with deleteInstance, and a plain deleteInstances that the agent's watcher
# drains on its own. Each line: ARM accepted, operation done (SDK polling at the Retry-After sent), node Ready/gone.
# Needs root (the nodes are namespaces). HARBORMASTER_JAVA_OPTS goes to the JVM.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib.sh"

# scripts/dev.sh as a developer runs it, 2 agents, until its "N of 2 agent(s) Ready" line (which carries dev.sh's
# own elapsed time, including its build); then Ctrl-C as a terminal would send it. dev.sh starts and stops its
# own services, so this mode starts none.
dev_startup() {
    local log line pid started rc=0
    mkdir -p "$HM_ROOT/target/bench/logs"
    log="$HM_ROOT/target/bench/logs/dev.log"
    started=$(hm__now_ms)
    # Under timeout rather than as a bare background job: this non-interactive shell would start a job with SIGINT
    # ignored, and an ignored signal cannot be trapped, so dev.sh's Ctrl-C clean-up would never run. timeout
    # forwards the INT to its process group, as a terminal's Ctrl-C reaches dev.sh and its children.
    HARBORMASTER_DEV_WORKERS=2 timeout -s INT "${DEV_TIMEOUT:-600}" "$HM_ROOT/scripts/dev.sh" >"$log" 2>&1 &
    pid=$!
    until line=$(grep -m1 'agent(s) Ready' "$log"); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    local seen=$(( $(hm__now_ms) - started ))
    kill -INT "$pid" 2>/dev/null || true
    wait "$pid" || rc=$?
    if [[ -z ${line:-} ]]; then
        echo "dev.sh ended (exit $rc) before its Ready line; last lines of $log:" >&2
        tail -n 30 "$log" >&2
        return 1
    fi
    echo "dev.sh: ${line#\[dev\] }"
    echo "seen here ${seen} ms after launching dev.sh; dev.sh stopped with exit $rc after Ctrl-C (130 expected)"
    [[ $line == *"2 of 2 agent(s) Ready"* ]]
}

if [[ ${1:-} == --dev ]]; then
    dev_startup
    exit
fi

bench_run_main io.harbormaster.bench.EmulatorBenchmark "${1:-1}"
