#!/usr/bin/env bash
# Extra Docker Swarm worker nodes on this machine, for tests (SwarmWorkers), the dev host and the local
# scale set. Each node is its own dockerd as PID 1 of its own PID, mount and UTS namespaces, in its own
# network namespace plugged into the bridge hm-br0 (10.213.77.0/24), and joins the swarm through the
# join function over HTTP by running the agents' own harbormaster-join script from cloud-init/agent.yml.
#
# Usage (as root):
#   worker-nodes.sh start NAME JOIN_URL KEY_FILE
#       Starts node NAME (also its hostname, its swarm node name and its network namespace name) and
#       joins it as a worker. JOIN_URL is the function app's base URL as the node sees it, e.g.
#       http://10.213.77.1:7071 (loopback addresses do not reach out of a node's network namespace).
#       KEY_FILE holds the function key on its first line. Returns once the node is Ready in the
#       manager's node list and prints, one per line:
#         name= ip= pid= docker_host= node_id= state_dir= netns= veth= log= state=
#       On failure it prints the reason (with the end of the node's logs) on stderr, removes everything
#       it created, and exits non-zero (a node that had joined already stays in the swarm's node list,
#       as down). SIGTERM, SIGINT and SIGHUP are failures too.
#   worker-nodes.sh stop [--kill] NAME
#       Stops the node's dockerd by pid, which ends every process of the node, then deletes its network
#       namespace, veth, IP lease and folders. Without --kill dockerd gets SIGTERM and shuts down (a VM
#       shutting down: a few seconds), then SIGKILL after HM_NODE_STOP_TIMEOUT; with --kill it gets
#       SIGKILL at once (a VM deleted). It does not leave the swarm: the node just goes down; removing
#       it from the swarm is the control plane's job. A node that is not there is not an error.
#   worker-nodes.sh kill NAME
#       SIGKILLs the node's dockerd (a power cut). Its namespace, veth and folders stay until `stop`.
#   worker-nodes.sh info NAME      the start output again (state=running|dead)
#   worker-nodes.sh list [PREFIX]  one line per node: NAME STATE PID IP DOCKER_HOST
#   worker-nodes.sh stop-all [--kill] PREFIX
#       `stop` for every node whose name starts with PREFIX (non-empty), all in parallel.
#   worker-nodes.sh exec NAME -- COMMAND [ARG...]
#       Runs COMMAND as a process of the running node NAME, as an agent's systemd unit runs on its VM: in
#       the node's network, UTS, mount and PID namespaces (it reaches the bridge from the node's address,
#       `hostname` is NAME, and it dies with the node), with a clean environment (PATH, HOME, LANG and
#       DOCKER_HOST, the node's own socket; pass settings with `env VAR=value COMMAND`, secrets in a file).
#       Exits with COMMAND's status.
#   worker-nodes.sh join-script
#       Prints the agent join script that `start` runs in each node, as cut from cloud-init/agent.yml.
#
# Environment:
#   HM_NODES_DIR          state folder, one sub-folder per node (default: <checkout>/.dev/nodes);
#                         not under /run or /etc/docker, which each node replaces with its own
#   HM_NODES_MANAGER      the manager's Docker endpoint, unix:// only (default: the first entry of
#                         HARBORMASTER_DOCKER_HOSTS, else this checkout's manager socket)
#   HM_NODE_START_TIMEOUT seconds for dockerd to answer, and for the node to be Ready (default 30)
#   HM_NODE_JOIN_TIMEOUT  seconds for the whole join script (default 90)
#   HM_NODE_JOIN_ATTEMPTS join attempts of the agent script (default 3; agents make 20)
#   HM_NODE_STOP_TIMEOUT  seconds between SIGTERM and SIGKILL on stop (default 15)
#   HM_NODE_OWNER         optional one-line text naming who started the node (stored as `owner`), so
#                         that a caller can find and stop nodes whose owner died without stopping them
#
# Per node, in $HM_NODES_DIR/NAME: pid (host pid of dockerd), launcher.pid (unshare), ip, netns, veth,
# docker.sock, node_id, owner, data/ (--data-root), etc-docker/ (its /etc/docker), dockerd.log, join.log.
# The exec-root (/run/docker), the pidfile and containerd's sockets live in the node's private /run.
#
# Node IPs come from 10.213.77.10 upwards. The leases are machine-wide (/run/harbormaster-nodes), not
# per checkout, because every checkout plugs its nodes into the same bridge.
#
# Secrets: the function key reaches the join script through a 0600 env file that is deleted right after
# the join, never a command line. Neither the key nor the join token reaches our output or a log we
# print (the token is on `docker swarm join`'s command line inside the node, as on an agent VM).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/services.sh"

NODES_DIR=${HM_NODES_DIR:-$HM_DEV/nodes}
START_TIMEOUT=${HM_NODE_START_TIMEOUT:-30}
JOIN_TIMEOUT=${HM_NODE_JOIN_TIMEOUT:-90}
JOIN_ATTEMPTS=${HM_NODE_JOIN_ATTEMPTS:-3}
STOP_TIMEOUT=${HM_NODE_STOP_TIMEOUT:-15}
LEASES_DIR=/run/harbormaster-nodes
SUBNET_PREFIX=${HM_BRIDGE_ADDR%.*}
FIRST_HOST=10
LAST_HOST=254
AGENT_CLOUD_CONFIG="$HM_ROOT/cloud-init/agent.yml"
JOIN_SCRIPT_PATH=/usr/local/bin/harbormaster-join
NODE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

log() { printf '[worker-nodes] %s\n' "$*" >&2; }

die() {
    printf '[worker-nodes] ERROR: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '/^# Usage/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

# Swarm tokens must never reach our output, whatever a daemon chose to print.
redact() { sed -E 's/SWMTKN-[A-Za-z0-9-]+/SWMTKN-<redacted>/g'; }

log_tail() {
    local file=$1
    if [[ -s $file ]]; then
        printf '[worker-nodes] --- last lines of %s ---\n' "$file" >&2
        tail -n 20 "$file" | redact >&2 || true
        printf '[worker-nodes] ---\n' >&2
    fi
}

now_ms() { hm__now_ms; }

valid_name() { [[ $1 =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; }

node_dir() { printf '%s/%s' "$NODES_DIR" "$1"; }

read_file() { if [[ -f $1 ]]; then cat "$1"; fi; }

require_root() { [[ $EUID -eq 0 ]] || die "worker nodes need root (network namespaces, veths, dockerd)"; }

require_tools() {
    local tool missing=()
    for tool in ip nsenter unshare setsid flock dockerd docker busybox tar awk sed sh timeout; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
    (( ${#missing[@]} == 0 )) ||
        die "missing tools: ${missing[*]} (scripts/test.sh and scripts/dev.sh install them: hm_install_prereqs)"
}

manager_host() {
    local host=${HM_NODES_MANAGER:-}
    if [[ -z $host ]]; then
        host=${HARBORMASTER_DOCKER_HOSTS:-$HM_MANAGER_HOST}
        host=${host%%,*}
    fi
    [[ $host == unix://* ]] ||
        die "the manager endpoint '$host' is not unix://...; set HM_NODES_MANAGER to the manager's socket"
    printf '%s' "$host"
}

docker_at() {
    local host=$1
    shift
    env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH docker -H "$host" "$@"
}

# The node's dockerd, by the pid in its state folder, only while that pid is still our dockerd.
node_pid() {
    local dir=$1 pid
    pid=$(hm__read_pid "$dir/pid")
    [[ -n $pid ]] && hm__pid_is "$pid" "dockerd --data-root $dir/data " && printf '%s' "$pid"
}

wait_gone() {
    local pid=$1 seconds=$2 deadline
    deadline=$(( $(now_ms) + seconds * 1000 ))
    while hm__pid_alive "$pid"; do
        (( $(now_ms) < deadline )) || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------
# IP leases: one file per address, holding the state folder of the node that uses it
# ---------------------------------------------------------------------------------------------

lease_is_live() {
    local lease=$1 owner ip
    owner=$(read_file "$lease")
    ip=${lease##*/}
    # A node that was never stopped cleanly (machine reset, state folder deleted) leaves a lease whose
    # folder no longer names this address: that address is free again.
    [[ -n $owner && $(read_file "$owner/ip") == "$ip" ]]
}

# Prints the address leased to DIR. The lock is held in a subshell, so no child started later
# (dockerd above all) inherits it.
lease_ip() {
    local dir=$1
    mkdir -p "$LEASES_DIR"
    (
        exec {lock}>>"$LEASES_DIR/lock"
        flock -w 60 "$lock" || die "$LEASES_DIR/lock has been held for 60 s; is a worker-nodes.sh stuck?"
        local n ip lease
        for (( n = FIRST_HOST; n <= LAST_HOST; n++ )); do
            ip="$SUBNET_PREFIX.$n"
            lease="$LEASES_DIR/$ip"
            if [[ -e $lease ]] && lease_is_live "$lease"; then
                continue
            fi
            printf '%s\n' "$dir" >"$lease"
            printf '%s\n' "$ip" >"$dir/ip"
            printf '%s' "$ip"
            exit 0
        done
        die "no free address in $SUBNET_PREFIX.$FIRST_HOST-$LAST_HOST (leases in $LEASES_DIR)"
    )
}

release_ip() {
    local dir=$1 ip
    ip=$(read_file "$dir/ip")
    [[ -n $ip && -d $LEASES_DIR ]] || return 0
    (
        exec {lock}>>"$LEASES_DIR/lock"
        flock -w 60 "$lock" || die "$LEASES_DIR/lock has been held for 60 s; is a worker-nodes.sh stuck?"
        if [[ $(read_file "$LEASES_DIR/$ip") == "$dir" ]]; then
            rm -f "$LEASES_DIR/$ip"
        fi
    )
}

# ---------------------------------------------------------------------------------------------
# start
# ---------------------------------------------------------------------------------------------

# The socket sits in the node's folder unless that path would overflow sun_path; then in /tmp.
node_socket() {
    local dir=$1 sock
    sock="$dir/docker.sock"
    if (( ${#sock} > HM_SOCKET_PATH_MAX )); then
        sock="/tmp/hm-node-$(printf '%s' "$dir" | sha256sum | cut -c1-12)/docker.sock"
    fi
    printf '%s' "$sock"
}

# Every node imports the same tarball; building it forks once per applet, so it is built once.
busybox_tarball() {
    local cache="$HM_DEV/cache" sum tarball tmp
    sum=$(sha256sum "$(command -v busybox)" | cut -c1-16)
    tarball="$cache/busybox-rootfs-$sum.tar"
    if [[ ! -s $tarball ]]; then
        mkdir -p "$cache"
        tmp=$(mktemp "$tarball.XXXXXX")
        hm_busybox_rootfs_tar >"$tmp" || { rm -f "$tmp"; die "could not build the busybox root filesystem"; }
        mv -f "$tmp" "$tarball"
    fi
    printf '%s' "$tarball"
}

# The harbormaster-join entry of cloud-init/agent.yml, cut out by the layout CloudInitFiles also
# relies on: "  - path: X" opens an entry, "    content: |" its script, whose lines are indented six.
extract_join_script() {
    local out=$1
    awk -v want="  - path: $JOIN_SCRIPT_PATH" '
        $0 == want { in_entry = 1; next }
        in_entry && /^  - / { exit }
        in_entry && $0 == "    content: |" { in_content = 1; next }
        in_content && /^    [^ ]/ { exit }
        in_content { print (length($0) >= 6 ? substr($0, 7) : "") }
    ' "$AGENT_CLOUD_CONFIG" >"$out"
    grep -q '^#!/bin/sh' "$out" || die "could not find $JOIN_SCRIPT_PATH in $AGENT_CLOUD_CONFIG"
    chmod 700 "$out"
}

start_dir=
start_ok=

on_start_exit() {
    local rc=$?
    [[ -z $start_ok && -n $start_dir ]] || return 0
    log "start of ${start_dir##*/} failed; removing what it created"
    ( stop_node "${start_dir##*/}" KILL ) >/dev/null 2>&1 || log "WARNING: cleaning up ${start_dir##*/} failed; run: $0 stop ${start_dir##*/}"
    exit "$rc"
}

cmd_start() {
    (( $# == 3 )) || usage
    local name=$1 url=$2 key_file=$3
    require_root
    require_tools
    valid_name "$name" ||
        die "node name '$name' must be a hostname label: lowercase letters, digits and '-', at most 63"
    [[ $url =~ ^https?://([^/:]+)(:[0-9]+)?/?$ ]] ||
        die "JOIN_URL '$url' must look like http://10.213.77.1:7071 (scheme, host, optional port, no path)"
    case ${BASH_REMATCH[1]} in
        localhost | 127.* | ::1 | '[::1]')
            die "JOIN_URL '$url' is a loopback address, which a node's network namespace does not reach;" \
                "use $HM_BRIDGE_ADDR (the bridge) with the host's port" ;;
    esac
    url=${url%/}
    [[ -r $key_file && -s $key_file ]] || die "KEY_FILE '$key_file' is missing, unreadable or empty"
    local key
    IFS= read -r key <"$key_file" || true
    key=${key%$'\r'}
    # The agent script writes the key into a curl config line between double quotes.
    [[ $key =~ ^[A-Za-z0-9_.~+/=-]+$ ]] || die "KEY_FILE '$key_file' does not hold a function key on its first line"
    [[ -f $AGENT_CLOUD_CONFIG ]] || die "$AGENT_CLOUD_CONFIG is missing"

    ip -4 -o addr show dev "$HM_BRIDGE" 2>/dev/null | grep -q " inet $HM_BRIDGE_CIDR " ||
        die "bridge $HM_BRIDGE with $HM_BRIDGE_CIDR is missing: start the manager first (scripts/services.sh up)"
    local manager swarm
    manager=$(manager_host)
    swarm=$(docker_at "$manager" info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}' 2>/dev/null) ||
        die "the manager at $manager does not answer (scripts/services.sh up starts it)"
    [[ $swarm == "active true" ]] || die "the daemon at $manager is not an active swarm manager ($swarm)"

    # Each node mounts its own /run and /etc/docker over the host's; its socket and data-root must be
    # where both the node and this host see the same folder.
    case $NODES_DIR/ in
        /run/* | /var/run/* | /etc/docker/*) die "HM_NODES_DIR ($NODES_DIR) must not be under /run or /etc/docker" ;;
    esac
    local dir t0 tarball
    dir=$(node_dir "$name")
    t0=$(now_ms)
    tarball=$(busybox_tarball)
    mkdir -p "$NODES_DIR"
    # A caller that gives up on us (SIGTERM on timeout) still gets the clean-up of the EXIT trap.
    trap on_start_exit EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    trap 'exit 129' HUP
    mkdir -m 700 "$dir" 2>/dev/null ||
        die "node $name already exists ($dir); stop it first: $0 stop $name"
    start_dir=$dir
    [[ -z ${HM_NODE_OWNER:-} ]] || printf '%s\n' "${HM_NODE_OWNER//$'\n'/ }" >"$dir/owner"

    local node_ip veth sock
    node_ip=$(lease_ip "$dir")

    # The network: a namespace with one veth into the bridge, the node's address, and no default
    # route, so nothing leaves 10.213.77.0/24. No IPv6 either, not even link-local chatter.
    ip netns list | grep -qx -- "$name\( .*\)\{0,1\}" &&
        die "a network namespace named $name already exists: another checkout's node, or a leftover" \
            "(ip netns del $name)"
    ip netns add "$name" || die "ip netns add $name failed"
    printf '%s\n' "$name" >"$dir/netns"
    veth="hmw${node_ip##*.}"
    # An address is only leased again once its last holder is gone; a veth of that name is its leftover.
    if ip link show "$veth" >/dev/null 2>&1; then ip link del "$veth" 2>/dev/null || true; fi
    ip link add "$veth" type veth peer name eth0 netns "$name" || die "could not create veth $veth"
    printf '%s\n' "$veth" >"$dir/veth"
    echo 1 >"/proc/sys/net/ipv6/conf/$veth/disable_ipv6"
    ip link set "$veth" master "$HM_BRIDGE"
    ip link set "$veth" up
    # /proc/sys/net belongs to the network namespace of whoever opens it.
    # shellcheck disable=SC2016 # expanded by the inner sh
    nsenter --net="/run/netns/$name" sh -c '
        for f in all default eth0; do echo 1 >"/proc/sys/net/ipv6/conf/$f/disable_ipv6"; done' ||
        die "could not turn IPv6 off in $name"
    nsenter --net="/run/netns/$name" ip link set lo up
    nsenter --net="/run/netns/$name" ip addr add "$node_ip/24" dev eth0
    nsenter --net="/run/netns/$name" ip link set eth0 up

    # The daemon.
    sock=$(node_socket "$dir")
    mkdir -p "$dir/data" "$dir/etc-docker" "$(dirname "$sock")" /etc/docker
    [[ $sock == "$dir/docker.sock" ]] || ln -sfn "$sock" "$dir/docker.sock"
    printf 'unix://%s\n' "$sock" >"$dir/docker_host"
    local node_log="$dir/dockerd.log"
    printf '=== %s starting worker %s (%s)\n' "$(date -Is)" "$name" "$node_ip" >"$node_log"
    # setsid: the node outlives this script, and a Ctrl-C or hang-up of the caller's terminal does not
    # reach it. The pid written first is that of unshare (bash execs nsenter, which execs unshare).
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c 'echo $$ >"$0" && exec "$@"' "$dir/launcher.pid" \
        nsenter --net="/run/netns/$name" \
        unshare --pid --fork --kill-child --mount-proc --mount --uts \
        bash "$HM_LIB/node-init.sh" "$name" "$dir/etc-docker" \
        --data-root "$dir/data" \
        --exec-root /run/docker \
        --pidfile /run/docker.pid \
        -H "unix://$sock" \
        --bridge=none --iptables=false \
        </dev/null >>"$node_log" 2>&1 &
    local launcher='' pid='' deadline
    deadline=$(( $(now_ms) + 5000 ))
    until [[ -n $pid ]]; do
        launcher=$(hm__read_pid "$dir/launcher.pid")
        [[ -n $launcher ]] && pid=$(hm__first_child "$launcher")
        [[ -n $pid ]] && break
        if (( $(now_ms) >= deadline )); then
            log_tail "$node_log"
            die "the node's namespaces did not start (unshare pid ${launcher:-?})"
        fi
        sleep 0.02
    done
    printf '%s\n' "$pid" >"$dir/pid"

    deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
    until docker_at "unix://$sock" version --format '{{.Server.Version}}' >/dev/null 2>&1; do
        if ! hm__pid_alive "$pid"; then
            log_tail "$node_log"
            die "the node's dockerd exited before it answered (pid $pid)"
        fi
        if (( $(now_ms) >= deadline )); then
            log_tail "$node_log"
            die "the node's dockerd did not answer on $sock within ${START_TIMEOUT}s"
        fi
        sleep 0.1
    done
    node_pid "$dir" >/dev/null || { log_tail "$node_log"; die "pid $pid is not the node's dockerd"; }
    local t_dockerd t_image t_join
    t_dockerd=$(now_ms)

    # The image, before the join, so that the first task placed here finds it.
    local rc=0
    timeout "$START_TIMEOUT" env -u DOCKER_HOST -u DOCKER_CONTEXT docker -H "unix://$sock" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' "$tarball" "$HM_IMAGE" >>"$node_log" 2>&1 || rc=$?
    (( rc == 0 )) || { log_tail "$node_log"; die "docker import of $HM_IMAGE into $name failed (exit $rc)"; }
    t_image=$(now_ms)

    # The join, as an agent VM makes it: the agent's script, inside the node's namespaces (so its
    # request leaves from the node's address), with the settings it reads from its env file.
    local script="$dir/harbormaster-join" env_file="$dir/agent.env" join_log="$dir/join.log"
    extract_join_script "$script"
    (
        umask 077
        printf 'HARBORMASTER_FUNCTION_URL=%s\nHARBORMASTER_FUNCTION_KEY=%s\n' "$url" "$key" >"$env_file"
    )
    key=
    rc=0
    # env -i: nothing of the caller's environment (a HARBORMASTER_FUNCTION_URL, a DOCKER_HOST) may
    # override what the node's own env file says.
    timeout --kill-after=5 "$JOIN_TIMEOUT" \
        nsenter --target "$pid" --net --uts --mount --pid -- \
        env -i PATH="$NODE_PATH" HOME=/root LANG=C.UTF-8 \
        HARBORMASTER_AGENT_ENV="$env_file" \
        HARBORMASTER_JOIN_ATTEMPTS="$JOIN_ATTEMPTS" \
        HARBORMASTER_JOIN_INITIAL_DELAY_SECONDS=1 \
        HARBORMASTER_JOIN_MAX_DELAY_SECONDS=4 \
        DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$dir/docker-cli" \
        sh "$script" </dev/null >>"$join_log" 2>&1 || rc=$?
    rm -f "$env_file"
    if (( rc != 0 )); then
        local why
        why=$(grep -h 'FAILED' "$join_log" | tail -n 1 | redact)
        (( rc != 124 )) || why="it did not finish within ${JOIN_TIMEOUT}s"
        log_tail "$join_log"
        die "node $name could not join the swarm through $url/api/join/worker: ${why:-exit $rc}"
    fi

    t_join=$(now_ms)
    local node_id state=''
    node_id=$(docker_at "unix://$sock" info --format '{{.Swarm.NodeID}}' 2>/dev/null) || node_id=
    [[ -n $node_id ]] || die "node $name says it joined but has no swarm node id"
    printf '%s\n' "$node_id" >"$dir/node_id"
    deadline=$(( $(now_ms) + START_TIMEOUT * 1000 ))
    while :; do
        state=$(docker_at "$manager" node inspect "$node_id" \
            --format '{{.Status.State}} {{.Spec.Role}} {{.Description.Hostname}}' 2>/dev/null) || state=
        [[ $state == "ready worker $name" ]] && break
        if (( $(now_ms) >= deadline )); then
            die "node $name ($node_id) is not a Ready worker named $name in the manager's node list" \
                "within ${START_TIMEOUT}s (state, role, hostname: '${state:-not listed}')"
        fi
        sleep 0.2
    done
    start_ok=1
    log "node $name ($node_ip, node id $node_id) is a Ready worker, $(( $(now_ms) - t0 )) ms after start" \
        "(dockerd answering $(( t_dockerd - t0 )) ms, image $(( t_image - t_dockerd )) ms," \
        "join $(( t_join - t_image )) ms, Ready $(( $(now_ms) - t_join )) ms)"
    print_info "$name"
}

# ---------------------------------------------------------------------------------------------
# stop, kill, info, list
# ---------------------------------------------------------------------------------------------

print_info() {
    local name=$1 dir pid state=dead
    dir=$(node_dir "$name")
    pid=$(node_pid "$dir") && state=running
    printf 'name=%s\n' "$name"
    printf 'ip=%s\n' "$(read_file "$dir/ip")"
    printf 'pid=%s\n' "${pid:-$(hm__read_pid "$dir/pid")}"
    printf 'docker_host=%s\n' "$(read_file "$dir/docker_host")"
    printf 'node_id=%s\n' "$(read_file "$dir/node_id")"
    printf 'state_dir=%s\n' "$dir"
    printf 'netns=%s\n' "$(read_file "$dir/netns")"
    printf 'veth=%s\n' "$(read_file "$dir/veth")"
    printf 'log=%s\n' "$dir/dockerd.log"
    printf 'state=%s\n' "$state"
}

# Kills the node's dockerd and waits until it is gone with every process of its PID namespace.
kill_node() {
    local dir=$1 signal=$2 grace=$3 pid launcher
    launcher=$(hm__read_pid "$dir/launcher.pid")
    if pid=$(node_pid "$dir"); then
        kill "-$signal" "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" "$grace"; then
            log "dockerd of ${dir##*/} (pid $pid) still running after ${grace}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 10 || die "dockerd of ${dir##*/} (pid $pid) survived SIGKILL"
        fi
    fi
    # unshare exits once its child, and with it the whole PID namespace, is gone.
    if [[ -n $launcher ]] && hm__pid_is "$launcher" "unshare --pid"; then
        wait_gone "$launcher" 10 || log "WARNING: unshare (pid $launcher) of ${dir##*/} is still running"
    fi
}

# stop_node NAME SIGNAL: TERM lets dockerd shut down (a VM shutting down), KILL is a VM deleted.
stop_node() {
    local name=$1 signal=$2 dir netns veth sock_dir deadline
    dir=$(node_dir "$name")
    if [[ ! -d $dir ]]; then
        log "no node $name in $NODES_DIR; nothing to stop"
        return 0
    fi
    kill_node "$dir" "$signal" "$STOP_TIMEOUT"
    netns=$(read_file "$dir/netns")
    if [[ -n $netns && -e /run/netns/$netns ]]; then
        ip netns del "$netns" || log "WARNING: ip netns del $netns failed"
    fi
    # The veth goes with the namespace, which the kernel tears down a moment later. Other nodes'
    # mount namespaces hold copies of /run/netns/NAME, but unlinking it detached those copies too.
    veth=$(read_file "$dir/veth")
    if [[ -n $veth ]]; then
        deadline=$(( $(now_ms) + 3000 ))
        while ip link show "$veth" >/dev/null 2>&1 && (( $(now_ms) < deadline )); do sleep 0.05; done
        if ip link show "$veth" >/dev/null 2>&1; then
            ip link del "$veth" 2>/dev/null || ! ip link show "$veth" >/dev/null 2>&1 ||
                log "WARNING: could not delete veth $veth"
        fi
    fi
    sock_dir=$(dirname "$(read_file "$dir/docker_host" | sed 's|^unix://||')")
    if [[ $sock_dir == /tmp/hm-node-* ]]; then rm -rf "$sock_dir"; fi
    release_ip "$dir"
    # The data-root's mounts lived in the node's mount namespace, which went with its last process;
    # the kernel may take a moment to let go of them.
    deadline=$(( $(now_ms) + 10000 ))
    until rm -rf "$dir" 2>/dev/null; do
        (( $(now_ms) < deadline )) || die "could not remove $dir: $(rm -rf "$dir" 2>&1 | head -n 1)"
        sleep 0.2
    done
    log "stopped node $name"
}

# Prints the signal for `stop`: KILL after --kill, else TERM.
stop_signal() { if [[ ${1:-} == --kill ]]; then echo KILL; else echo TERM; fi; }

cmd_stop() {
    local signal
    signal=$(stop_signal "${1:-}")
    [[ $signal == TERM ]] || shift
    (( $# == 1 )) || usage
    require_root
    valid_name "$1" || die "'$1' is not a node name"
    stop_node "$1" "$signal"
}

cmd_kill() {
    (( $# == 1 )) || usage
    require_root
    valid_name "$1" || die "'$1' is not a node name"
    local dir
    dir=$(node_dir "$1")
    [[ -d $dir ]] || die "no node $1 in $NODES_DIR"
    node_pid "$dir" >/dev/null || die "node $1 is not running"
    kill_node "$dir" KILL 10
    log "killed dockerd of node $1; its namespace and folders stay until: $0 stop $1"
}

cmd_info() {
    (( $# == 1 )) || usage
    valid_name "$1" || die "'$1' is not a node name"
    [[ -d $(node_dir "$1") ]] || die "no node $1 in $NODES_DIR"
    print_info "$1"
}

node_names() {
    local prefix=$1 dir
    [[ -d $NODES_DIR ]] || return 0
    for dir in "$NODES_DIR"/"$prefix"*/; do
        [[ -d $dir ]] || continue
        dir=${dir%/}
        printf '%s\n' "${dir##*/}"
    done
}

cmd_list() {
    (( $# <= 1 )) || usage
    [[ ${1:-x} =~ ^[a-z0-9-]+$ ]] || die "'$1' is not a node name prefix"
    local name dir pid state
    while IFS= read -r name; do
        dir=$(node_dir "$name")
        state=dead
        pid=$(node_pid "$dir") && state=running
        printf '%s %s %s %s %s\n' "$name" "$state" "${pid:-$(hm__read_pid "$dir/pid")}" \
            "$(read_file "$dir/ip")" "$(read_file "$dir/docker_host")"
    done < <(node_names "${1:-}")
}

cmd_exec() {
    if (( $# < 3 )) || [[ $2 != -- ]]; then usage; fi
    local name=$1 dir pid
    shift 2
    require_root
    valid_name "$name" || die "'$name' is not a node name"
    dir=$(node_dir "$name")
    [[ -d $dir ]] || die "no node $name in $NODES_DIR"
    pid=$(node_pid "$dir") || die "node $name is not running"
    # env -i: nothing of the caller's environment (a HARBORMASTER_FUNCTION_URL, a DOCKER_HOST) may stand in
    # for what the command is given explicitly, as with the join.
    exec nsenter --target "$pid" --net --uts --mount --pid -- \
        env -i PATH="$NODE_PATH" HOME=/root LANG=C.UTF-8 DOCKER_HOST="$(read_file "$dir/docker_host")" "$@"
}

# All at once: a dockerd's shutdown takes seconds, and nodes do not wait for each other.
cmd_stop_all() {
    local signal
    signal=$(stop_signal "${1:-}")
    [[ $signal == TERM ]] || shift
    if (( $# != 1 )) || [[ -z $1 ]]; then usage; fi
    [[ $1 =~ ^[a-z0-9-]+$ ]] || die "'$1' is not a node name prefix"
    require_root
    local name pid rc=0 pids=()
    while IFS= read -r name; do
        ( stop_node "$name" "$signal" ) &
        pids+=("$!")
    done < <(node_names "$1")
    for pid in "${pids[@]}"; do
        wait "$pid" || rc=1
    done
    return "$rc"
}

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    kill) shift; cmd_kill "$@" ;;
    info) shift; cmd_info "$@" ;;
    list) shift; cmd_list "$@" ;;
    stop-all) shift; cmd_stop_all "$@" ;;
    exec) shift; cmd_exec "$@" ;;
    join-script)
        shift
        (( $# == 0 )) || usage
        out=$(mktemp)
        extract_join_script "$out"
        cat "$out"
        rm -f "$out"
        ;;
    *) usage ;;
esac
