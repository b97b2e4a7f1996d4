#!/usr/bin/env bash
# First process of a swarm node's own PID, mount and UTS namespaces (started by
# `unshare --pid --fork --kill-child --mount-proc --mount --uts`); it becomes that node's dockerd.
#
# Usage: node-init.sh HOSTNAME ETC_DOCKER_DIR [dockerd arguments...]
#
# dockerd must end up as PID 1 of the namespace: when PID 1 dies the kernel kills every other
# process in it, so stopping the node by that one pid also ends its containerd, the shims and the
# task containers instead of orphaning them.
set -euo pipefail

if (( $# < 2 )); then
    echo "usage: $0 HOSTNAME ETC_DOCKER_DIR [dockerd arguments...]" >&2
    exit 2
fi
node_hostname=$1
etc_docker=$2
shift 2

if [[ $$ != 1 ]]; then
    echo "node-init.sh: must run as PID 1 of a new PID namespace (got pid $$)" >&2
    exit 2
fi

# A private /run keeps dockerd's managed containerd, the shim sockets and the netns mounts off the
# host, keeps this dockerd away from any system containerd, and vanishes with the namespace.
mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run

# dockerd 20.10 keeps its identity (key.json) and daemon.json in /etc/docker, with no flag to move
# them; every node needs its own, and the host's daemon.json must not leak into a test node.
mount --bind "$etc_docker" /etc/docker

# An emulated VM's own files (cloud-init's write_files, kept on its disk at their real paths under
# $HM_NODE_FILES) appear at those paths inside the node only: a read-only overlay over a folder the host
# has, a bind mount where it has none (its empty mount point is all the host gets).
# A folder under one mounted already is skipped: it shows through its parent (a bind mount shows the disk's folder,
# an overlay merges subfolders), and mounting it again would overlay a folder onto itself (/etc/docker/tls under
# /etc/docker, on a manager).
if [[ -n ${HM_NODE_FILES:-} ]]; then
    mounted=()
    while IFS= read -r dir; do
        real=${dir#"$HM_NODE_FILES"}
        for above in "${mounted[@]}"; do
            [[ $real == "$above"/* ]] && continue 2
        done
        if [[ -d $real && -n $(ls -A "$real") ]]; then
            mount -t overlay overlay -o "ro,lowerdir=$dir:$real" "$real"
        else
            mkdir -p "$real"
            mount --bind "$dir" "$real"
        fi
        mounted+=("$real")
    done < <(find "$HM_NODE_FILES" -mindepth 1 -type f -printf '%h\n' | sort -u)
fi

# Swarm names the node after the hostname, and drain requests address nodes by that name.
printf '%s\n' "$node_hostname" >/proc/sys/kernel/hostname

# docker.service's ExecStartPre commands (its drop-ins on the machine's disk; one a line, "-" first when a failure is
# ignored), run here because this dockerd is no systemd unit: as systemd runs them before every start of dockerd, and
# a failure leaves dockerd unstarted. An agent's harbormaster-docker-config writes its pool's generic resources into
# /etc/docker/daemon.json this way. Their stdin is not the list.
if [[ -n ${HM_NODE_START_PRE:-} ]]; then
    while IFS= read -r pre; do
        [[ -n $pre ]] || continue
        ignore=false
        if [[ $pre == -* ]]; then
            ignore=true
            pre=${pre#-}
        fi
        read -r -a argv <<<"$pre"
        if ! "${argv[@]}" </dev/null; then
            if ! $ignore; then
                echo "node-init.sh: docker.service's ExecStartPre ${argv[*]} failed: dockerd not started" >&2
                exit 1
            fi
        fi
    done <<<"$HM_NODE_START_PRE"
fi
unset HM_NODE_START_PRE

# Without it a swarm node tries to pull a tagged image from a registry that cannot be reached,
# even though the image is present locally.
export DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1

exec dockerd "$@"
