#!/usr/bin/env bash
# Runs Harbormaster's embedded local host (io.harbormaster.local.LocalHost) in the foreground against
# the real local services. Arguments go to LocalHost. Ctrl-C stops the host, then the services that
# this run started.
set -euo pipefail
# shellcheck source=lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/lib/services.sh"

hm_install_prereqs
hm_stop_on_exit
hm_services_up

# shellcheck source=/dev/null
source "$HM_ENV_FILE"

key_file="$HM_DEV/function-key"
if [[ ! -s $key_file ]]; then
    # Created once so curl commands and saved requests keep working across restarts.
    (umask 077 && openssl rand -hex 24 >"$key_file.tmp" && mv -f "$key_file.tmp" "$key_file")
fi
chmod 600 "$key_file"

cd "$HM_ROOT"
echo "[dev] building (mvn -B -q -DskipTests package)" >&2
mvn -B -q -DskipTests -pl local -am package dependency:build-classpath \
    -Dmdep.outputFile="$HM_DEV/classpath" -Dmdep.includeScope=runtime

if [[ ! -f local/target/classes/io/harbormaster/local/LocalHost.class ]]; then
    echo "[dev] ERROR: io.harbormaster.local.LocalHost is not in local/target/classes (not written yet?)" >&2
    exit 1
fi

port=${HARBORMASTER_LOCAL_PORT:-7071}
workers=${HARBORMASTER_DEV_WORKERS:-2}
# The worker nodes are the local scale set's instances: hm-dev-<instance id>, with the scale set's state file
# (capacity, next id) beside their folders, so the host can grow and shrink the swarm it started with.
worker_prefix=hm-dev
nodes_script="$HM_ROOT/scripts/lib/worker-nodes.sh"
nodes_dir=${HM_NODES_DIR:-$HM_DEV/nodes}
scale_set_state="$nodes_dir/$worker_prefix.scale-set"
join_url="http://$HM_BRIDGE_ADDR:$port"

stop_dev_workers() {
    # Stopped workers go down; removing them keeps the manager's node list clean for the next run.
    local ids
    ids=$(hm_docker node ls --filter "name=$worker_prefix-" -q 2>/dev/null || true)
    bash "$nodes_script" stop-all "$worker_prefix-" >&2 || true
    if [[ -n $ids ]]; then
        # shellcheck disable=SC2086
        hm_docker node rm --force $ids >/dev/null 2>&1 || true
    fi
    rm -f "$scale_set_state" "$scale_set_state.lock"
}

# Leftovers of a run that was killed would otherwise count as instances of this one.
stop_dev_workers 2>/dev/null

scale_set_env=()
if [[ -n ${HARBORMASTER_SCALE_SET_NAME:-} ]]; then
    echo "[dev] HARBORMASTER_SCALE_SET_NAME is set: the host scales that Azure scale set, not the local nodes" >&2
else
    # Written before the nodes start, as a scale-out records its capacity before its VMs exist; ids 1..workers
    # are taken, so anything the host starts later continues after them.
    mkdir -p "$nodes_dir"
    printf 'capacity=%s\nnext=%s\nid=%s\nversion=1\n' "$workers" "$(( workers + 1 ))" "$(openssl rand -hex 4)" \
        >"$scale_set_state"
    scale_set_env=(
        HARBORMASTER_LOCAL_SCALE_SET="$nodes_script"
        HARBORMASTER_LOCAL_SCALE_SET_JOIN_URL="$join_url"
        HARBORMASTER_LOCAL_SCALE_SET_KEY_FILE="$key_file"
        HARBORMASTER_LOCAL_SCALE_SET_PREFIX="$worker_prefix"
    )
fi

rc=0
# HARBORMASTER_JAVA_OPTS is split into words on purpose (several -D/-X options).
# nodelay: the JDK HttpServer otherwise stalls ~40 ms per response on loopback (Nagle meeting
# delayed ACKs; shared/notes/http-on-loopback.md).
# The key is assigned before env, never one of its arguments: command lines are visible to every user.
# shellcheck disable=SC2086
HARBORMASTER_LOCAL_FUNCTION_KEY=$(cat "$key_file") \
HARBORMASTER_LOCAL_PORT=$port \
HARBORMASTER_CAPACITY_SCHEDULE=${HARBORMASTER_CAPACITY_SCHEDULE:-*/30 * * * * *} \
    env "${scale_set_env[@]}" java -Dsun.net.httpserver.nodelay=true ${HARBORMASTER_JAVA_OPTS:-} \
    -cp "local/target/classes:$(cat "$HM_DEV/classpath")" io.harbormaster.local.LocalHost "$@" &
host_pid=$!
trap 'kill "$host_pid" 2>/dev/null || true; stop_dev_workers' INT TERM

for _ in $(seq 1 300); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.2
done

if (( workers > 0 )) && kill -0 "$host_pid" 2>/dev/null; then
    echo "[dev] starting $workers worker node(s) that join through $join_url/api/join/worker" >&2
    for i in $(seq 1 "$workers"); do
        bash "$nodes_script" start "$worker_prefix-$i" "$join_url" "$key_file" >/dev/null \
            || echo "[dev] worker $worker_prefix-$i did not start (the reason is above)" >&2
    done
fi

cat >&2 <<INFO

[dev] Harbormaster local host on http://localhost:$port  (Ctrl-C to stop)
  without the key (expect 401):
    curl -i http://localhost:$port/api/join/worker
  with the function key:
    KEY=\$(cat $key_file)
    curl -s -H "x-functions-key: \$KEY" http://localhost:$port/api/join/worker
  the swarm ($workers worker node(s) named $worker_prefix-N, instance N of the local scale set; HARBORMASTER_DEV_WORKERS
  changes how many):
    docker -H $HARBORMASTER_DOCKER_HOSTS node ls
  a drain: a service, then drain a worker and watch its tasks move and the node go
    docker -H $HARBORMASTER_DOCKER_HOSTS service create --detach --name web --replicas 4 --no-resolve-image \\
        --constraint node.role==worker harbormaster/busybox:local sh -c 'trap "exit 0" TERM; sleep 1000000 & wait'
    curl -s -X POST -H "x-functions-key: \$KEY" -d '{"reason":"manual"}' http://localhost:$port/api/drain/$worker_prefix-1
    curl -s -H "x-functions-key: \$KEY" http://localhost:$port/api/drain/$worker_prefix-1
    docker -H $HARBORMASTER_DOCKER_HOSTS service ps web
  once it is drained, the node leaves as an agent would, and the drain removes it:
    docker -H unix://$nodes_dir/$worker_prefix-1/docker.sock swarm leave
  or a scale-in: the drain deletes the instance (the node stops and goes down) and then removes the node
    curl -s -X POST -H "x-functions-key: \$KEY" -d '{"reason":"scale-in","deleteInstance":true}' \\
        http://localhost:$port/api/drain/$worker_prefix-2

INFO

wait "$host_pid" || rc=$?
stop_dev_workers
exit "$rc"
