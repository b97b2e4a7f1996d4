#!/usr/bin/env bash
# Runs Harbormaster locally: the embedded Functions host (io.harbormaster.local.LocalHost) with the production
# AzureScaleSet, against the Azure emulator (io.harbormaster.emulator.AzureEmulator: ARM, managed identity, IMDS),
# whose scale set instances are dockerd nodes booted by cloud-init/agent.yml. Arguments go to LocalHost.
# Ctrl-C stops the host, then the emulator (its nodes go with it), then the services this run started.
set -euo pipefail
# shellcheck source=lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/services.sh"

t0=$(hm__now_ms)
hm_install_prereqs
hm_stop_on_exit
hm_services_up

# shellcheck source=/dev/null
source "$HM_ENV_FILE"

key_file="$HM_DEV/function-key"
# The master key opens the operator routes (drain, status, join, capacity pause, join token rotation); the function
# key only the autoscale webhook.
master_key_file="$HM_DEV/master-key"
for file in "$key_file" "$master_key_file"; do
    if [[ ! -s $file ]]; then
        # Created once so curl commands and saved requests keep working across restarts.
        (umask 077 && openssl rand -hex 24 >"$file.tmp" && mv -f "$file.tmp" "$file")
    fi
    chmod 600 "$file"
done

cd "$HM_ROOT"
echo "[dev] building (mvn -B -q -DskipTests package)" >&2
mvn -B -q -DskipTests -pl local -am package dependency:build-classpath \
    -Dmdep.outputFile="$HM_DEV/classpath" -Dmdep.includeScope=runtime
classpath="local/target/classes:$(cat "$HM_DEV/classpath")"

port=${HARBORMASTER_LOCAL_PORT:-7071}
emulator_dir="$HM_DEV/emulator"
app_env="$emulator_dir/app.env"
# The app and the emulator read the same three names, so the scale set's id is a real ARM id.
export HARBORMASTER_SUBSCRIPTION_ID=${HARBORMASTER_SUBSCRIPTION_ID:-00000000-0000-0000-0000-000000000000}
export HARBORMASTER_RESOURCE_GROUP=${HARBORMASTER_RESOURCE_GROUP:-harbormaster-cluster-rg}
# With HARBORMASTER_POOLS (one scale set per pool) the single scale set's name must stay unset: both are refused.
if [[ -z ${HARBORMASTER_POOLS:-} ]]; then
    export HARBORMASTER_SCALE_SET_NAME=${HARBORMASTER_SCALE_SET_NAME:-harbormaster-agents}
fi

pids=()
stop_all() {
    local pid ids
    # Newest first: the host, then the emulator, which destroys its machines: deleted VMs, down in the swarm.
    for (( i = ${#pids[@]} - 1; i >= 0; i-- )); do
        pid=${pids[i]}
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    # Removing them keeps the manager's node list clean for the next run.
    ids=$(hm_docker node ls --filter role=worker --filter "name=${HARBORMASTER_EMULATOR_COMPUTER_NAME_PREFIX:-agent}" -q \
        2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -z $ids ]] || hm_docker node rm --force $ids >/dev/null 2>&1 || true
}
trap 'stop_all; exit 130' INT TERM

mkdir -p "$emulator_dir"
rm -f "$app_env"
# The agents hold no key: they prove who they are to /api/node/* with the emulator's IMDS attested document.
# HARBORMASTER_JAVA_OPTS is split into words on purpose (several -D/-X options).
# nodelay: the JDK HttpServer otherwise stalls ~40 ms per response on loopback (shared/notes/http-on-loopback.md).
# shellcheck disable=SC2086
HARBORMASTER_EMULATOR_DIR="$emulator_dir" \
HARBORMASTER_EMULATOR_CAPACITY=${HARBORMASTER_DEV_WORKERS:-2} \
HARBORMASTER_EMULATOR_FUNCTION_URL="http://$HM_BRIDGE_ADDR:$port" \
HARBORMASTER_EMULATOR_CLOUD_CONFIG="$HM_ROOT/cloud-init/agent.yml" \
    java -Dsun.net.httpserver.nodelay=true ${HARBORMASTER_LOCAL_TRUST_OPTS:-} ${HARBORMASTER_JAVA_OPTS:-} -cp "$classpath" \
    io.harbormaster.emulator.AzureEmulator >>"$HM_LOGS/emulator.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 300); do
    [[ -s $app_env ]] && break
    kill -0 "${pids[0]}" 2>/dev/null || { tail -n 30 "$HM_LOGS/emulator.log" >&2; echo "[dev] the emulator exited" >&2; exit 1; }
    sleep 0.1
done
[[ -s $app_env ]] || { echo "[dev] the emulator did not start within 30 s ($HM_LOGS/emulator.log)" >&2; exit 1; }
t_emulator=$(hm__now_ms)
# IDENTITY_ENDPOINT, IDENTITY_HEADER, HARBORMASTER_AZURE_CLOUD and the trust store of the emulator's CA.
# shellcheck source=/dev/null
source "$app_env"

# Storage as in Azure (infra/functions.json): an identity-based connection, tokens from the emulator's managed
# identity endpoint, Azurite in OAuth mode over https. With HM_AZURITE_OAUTH=0 (plain http Azurite), the
# connection string of .dev/env instead.
if [[ $HM_AZURITE_OAUTH == 1 ]]; then
    AzureWebJobsStorage__blobServiceUri=$(hm_azurite_endpoint "$HM_BLOB_PORT")
    AzureWebJobsStorage__queueServiceUri=$(hm_azurite_endpoint "$HM_QUEUE_PORT")
    export AzureWebJobsStorage__blobServiceUri AzureWebJobsStorage__queueServiceUri
    unset AzureWebJobsStorage
    echo "[dev] storage: identity-based, Azurite in OAuth mode over https" >&2
else
    echo "[dev] storage: the connection string of .dev/env, Azurite over http" >&2
fi

# The key is assigned before env, never one of its arguments: command lines are visible to every user.
# shellcheck disable=SC2086
HARBORMASTER_LOCAL_FUNCTION_KEY=$(cat "$key_file") \
HARBORMASTER_LOCAL_MASTER_KEY=$(cat "$master_key_file") \
HARBORMASTER_LOCAL_PORT=$port \
HARBORMASTER_CAPACITY_SCHEDULE=${HARBORMASTER_CAPACITY_SCHEDULE:-*/30 * * * * *} \
    java -Dsun.net.httpserver.nodelay=true $HARBORMASTER_EMULATOR_TRUST_OPTS ${HARBORMASTER_JAVA_OPTS:-} \
    -cp "$classpath" io.harbormaster.local.LocalHost "$@" &
pids+=("$!")

workers=${HARBORMASTER_DEV_WORKERS:-2}
prefix=${HARBORMASTER_EMULATOR_COMPUTER_NAME_PREFIX:-agent}
if (( workers > 0 )); then
    echo "[dev] waiting for the scale set's $workers instance(s) to boot and join through /api/node/join (attested)" >&2
    for _ in $(seq 1 600); do
        ready=$(hm_docker node ls --filter role=worker --filter "name=$prefix" --format '{{.Status}}' 2>/dev/null \
            | grep -c '^Ready$' || true)
        (( ready >= workers )) && break
        kill -0 "${pids[1]}" 2>/dev/null || break
        sleep 0.2
    done
    echo "[dev] ${ready:-0} of $workers agent(s) Ready, $(( $(hm__now_ms) - t0 )) ms after dev.sh started" \
        "($(( $(hm__now_ms) - t_emulator )) ms after the emulator answered)" >&2
fi

scale_set_id="/subscriptions/$HARBORMASTER_SUBSCRIPTION_ID/resourceGroups/$HARBORMASTER_RESOURCE_GROUP/providers/Microsoft.Compute/virtualMachineScaleSets/${HARBORMASTER_SCALE_SET_NAME:-the-first-pool}"
cat >&2 <<INFO

[dev] Harbormaster local host on http://localhost:$port  (Ctrl-C to stop)
  the emulator: ARM ${HARBORMASTER_AZURE_CLOUD}, IMDS http://$HM_BRIDGE_ADDR:${HARBORMASTER_EMULATOR_IMDS_PORT:-7445},
  its controls http://127.0.0.1:${HARBORMASTER_EMULATOR_CONTROL_PORT:-7446}/ (faults, scheduled events); log $HM_LOGS/emulator.log
  without the key (expect 401):
    curl -i http://localhost:$port/api/join/worker
  the operator's routes take the master key:
    MASTER=\$(cat $master_key_file)
    curl -s -H "x-functions-key: \$MASTER" http://localhost:$port/api/status
  the status page in a browser: sign in with that key (the contents of $master_key_file) once
    http://localhost:$port/api/ui/
  rotate the swarm's join tokens (both, or {"role":"worker"}); the reply names the roles, never the tokens:
    curl -s -X POST -H "x-functions-key: \$MASTER" http://localhost:$port/api/swarm/rotate-join-tokens
  the swarm (the scale set's instances join as agents; HARBORMASTER_DEV_WORKERS changes how many):
    docker -H $HARBORMASTER_DOCKER_HOSTS node ls
  a service, then a scale-in drain: the drain deletes the instance, Azure's Terminate event reaches the agent, whose
  watcher approves it once the node is drained
    docker -H $HARBORMASTER_DOCKER_HOSTS service create --detach --name web --replicas 4 --no-resolve-image \\
        --constraint node.role==worker harbormaster/busybox:local sh -c 'trap "exit 0" TERM; sleep 1000000 & wait'
    curl -s -X POST -H "x-functions-key: \$MASTER" -d '{"reason":"scale-in","deleteInstance":true}' \\
        http://localhost:$port/api/drain/<agent hostname>
  an autoscale notification exactly as Azure Monitor sends it, with the function key (202, and a capacity check runs):
    KEY=\$(cat $key_file)
    curl -s -X POST -H "x-functions-key: \$KEY" -H 'Content-Type: application/json' http://localhost:$port/api/autoscale \\
        -d '{"version":"1.0","status":"Activated","operation":"Scale Out","context":{"resourceId":"$scale_set_id","oldCapacity":"2","newCapacity":"3","resourceType":"microsoft.compute/virtualmachinescalesets"}}'

INFO

rc=0
wait "${pids[1]}" || rc=$?
stop_all
exit "$rc"
