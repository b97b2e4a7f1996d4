#!/usr/bin/env bash
# Local services for Harbormaster's tests and dev host: a swarm manager dockerd (unix socket plus a
# TLS listener on loopback) and Azurite (blob + queue, in memory).
#
# Sourced by scripts/test.sh, scripts/dev.sh and scripts/services.sh; safe under `set -euo pipefail`.
#
#   hm_install_prereqs    apt/npm installs of whatever is missing (idempotent)
#   hm_services_up        start, or reuse, every service; writes .dev/env
#   hm_services_down      stop only what this shell started (by pid), unless another run still uses it
#   hm_services_stop_all  stop this checkout's services whoever started them (scripts/services.sh down)
#   hm_stop_on_exit       install the traps that call hm_services_down
#
# Layout under $ROOT/.dev (git-ignored):
#   env                       `export NAME=value` lines for tests and the dev host
#   logs/*.log                service output (never the terminal)
#   run/manager.pid           host pid of the manager namespace's PID 1 (= dockerd)
#   run/azurite-{blob,queue}.pid
#   run/start.lock            serialises start/stop between concurrent runs
#   run/users.lock            shared-locked by every run using the services
#   manager/docker.sock       the manager's API socket (a symlink into /tmp if the path is too long)
#   manager/data              dockerd --data-root (swarm state and the test image survive restarts)
#   manager/etc-docker        bind-mounted over /etc/docker inside the manager's namespace
#   tls/                      ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem (+ ca-key.pem);
#                             truststore.p12 (ca.pem for JVMs) when Azurite runs with OAuth over https
#
# Outside the checkout, under $HM_CACHE (~/.cache/harbormaster unless set): azurite-<version>/, the npm prefix with
# the pinned Azurite. Its install takes about 15 s; kept there, like Maven's ~/.m2, a fresh clone (CI) reuses it.
#
# The manager's exec-root (containerd and swarm control sockets, netns mounts) lives in the private
# tmpfs /run of its mount namespace, so those socket paths stay short whatever the checkout path is.

HM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
HM_LIB="$HM_ROOT/scripts/lib"
HM_DEV="$HM_ROOT/.dev"
HM_LOGS="$HM_DEV/logs"
HM_RUN="$HM_DEV/run"
HM_TLS_DIR="$HM_DEV/tls"
HM_ENV_FILE="$HM_DEV/env"
HM_MANAGER_DIR="$HM_DEV/manager"
HM_MANAGER_PIDFILE="$HM_RUN/manager.pid"
HM_MANAGER_LOG="$HM_LOGS/manager.log"
HM_MANAGER_HOSTNAME=hm-manager

# Private /24 that the multi-node harness plugs worker namespaces into; never anything else.
HM_BRIDGE=hm-br0
HM_BRIDGE_ADDR=10.213.77.1
HM_BRIDGE_CIDR=10.213.77.1/24
HM_SWARM_PORT=2377
HM_TLS_PORT=23760
HM_TLS_ENDPOINT="tcp://127.0.0.1:$HM_TLS_PORT"

HM_IMAGE=harbormaster/busybox:local

# 3.36+ declare node >= 21/22; Debian 12's own nodejs (the fallback install) is 18.
HM_AZURITE_VERSION=3.35.0
HM_CACHE=${HM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harbormaster}
HM_AZURITE_PREFIX="$HM_CACHE/azurite-$HM_AZURITE_VERSION"
HM_AZURITE_DATA="$HM_DEV/azurite-data"
HM_BLOB_PORT=10000
HM_QUEUE_PORT=10001
# 1 (the default): Azurite runs the way identity-based clients need it, OAuth ("--oauth basic") over https
# with the server certificate of .dev/tls (its CA: ca.pem, also in tls/truststore.p12 for JVMs, named by
# HARBORMASTER_LOCAL_TRUST_OPTS in .dev/env). The account key still works there, over https. 0: plain http.
HM_AZURITE_OAUTH=${HM_AZURITE_OAUTH:-1}
HM_TRUST_STORE="$HM_TLS_DIR/truststore.p12"
# A trust store holds public certificates only; its password guards integrity, not a secret.
HM_TRUST_STORE_PASSWORD=harbormaster-local
# The published well-known development account key of Azurite and the storage emulator.
HM_AZURITE_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

HM_START_TIMEOUT=${HM_START_TIMEOUT:-60}
HM_STOP_TIMEOUT=${HM_STOP_TIMEOUT:-30}
# Azurite keeps everything in memory (--inMemoryPersistence), so its orderly close saves nothing; after a test run it
# took 10 s per service (CI's last 20 s). It gets this long, then SIGKILL.
HM_AZURITE_STOP_GRACE=${HM_AZURITE_STOP_GRACE:-2}

# sun_path in struct sockaddr_un is 108 bytes including the terminating NUL.
HM_SOCKET_PATH_MAX=107

# "name pid pidfile" for every process this shell started, in start order.
HM__STARTED=()
HM__START_FD=
HM__USERS_FD=
HM__APT_UPDATED=

hm_log() { printf '[services] %s\n' "$*" >&2; }

hm_die() {
    printf '[services] ERROR: %s\n' "$*" >&2
    exit 1
}

# Prints the end of a service's log, so a timeout explains itself without opening files.
hm__log_tail() {
    local log=$1
    if [[ -s $log ]]; then
        printf '[services] --- last lines of %s ---\n' "$log" >&2
        tail -n 25 "$log" >&2 || true
        printf '[services] ---\n' >&2
    else
        printf '[services] (%s is empty or missing)\n' "$log" >&2
    fi
}

hm__now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# ---------------------------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------------------------

hm__dpkg_installed() {
    command -v dpkg-query >/dev/null 2>&1 &&
        [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true) == "install ok installed" ]]
}

hm__apt_install() {
    (( $# > 0 )) || return 0
    [[ $EUID -eq 0 ]] || hm_die "missing packages ($*) and not root; install them or run as root"
    mkdir -p "$HM_LOGS"
    local log="$HM_LOGS/install.log"
    hm_log "installing with apt-get: $* (log: $log)"
    if [[ -z $HM__APT_UPDATED ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 ||
            { hm__log_tail "$log"; hm_die "apt-get update failed"; }
        HM__APT_UPDATED=1
    fi
    # docker.io's postinst would start the host's own dockerd, whose docker0, iptables rules and
    # FORWARD policy would then sit beside our bridge; we only want the binaries.
    local policy=/usr/sbin/policy-rc.d made_policy=
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    local rc=0
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y \
        --no-install-recommends "$@" >>"$log" 2>&1 || rc=$?
    [[ -z $made_policy ]] || rm -f "$policy"
    if (( rc != 0 )); then
        hm__log_tail "$log"
        hm_die "apt-get install $* failed (exit $rc)"
    fi
}

# The version of the Azurite installed under the cache's prefix, or nothing.
hm__azurite_installed_version() {
    local pkg="$HM_AZURITE_PREFIX/node_modules/azurite/package.json"
    [[ -f $pkg ]] || return 0
    node -p 'require(process.argv[1]).version' "$pkg" 2>/dev/null || true
}

hm__ensure_azurite_installed() {
    [[ $(hm__azurite_installed_version) != "$HM_AZURITE_VERSION" ]] || return 0
    mkdir -p "$HM_CACHE" "$HM_LOGS"
    local log="$HM_LOGS/install.log" fd staging
    # The cache is shared by every checkout: one install at a time, into a folder of its own, renamed into place
    # whole, so no run ever sees half an install.
    exec {fd}>>"$HM_AZURITE_PREFIX.lock"
    flock "$fd"
    if [[ $(hm__azurite_installed_version) != "$HM_AZURITE_VERSION" ]]; then
        staging=$(mktemp -d "$HM_AZURITE_PREFIX.installing.XXXXXX")
        chmod 755 "$staging"
        hm_log "installing azurite@$HM_AZURITE_VERSION into $HM_AZURITE_PREFIX (log: $log)"
        if ! npm install --prefix "$staging" --no-audit --no-fund --save-exact --loglevel=error \
            "azurite@$HM_AZURITE_VERSION" >>"$log" 2>&1 </dev/null; then
            rm -rf "$staging"
            exec {fd}>&-
            hm__log_tail "$log"
            hm_die "npm install azurite@$HM_AZURITE_VERSION failed"
        fi
        # The folder is per version, so one already there is a broken install: replaced whole.
        rm -rf "$HM_AZURITE_PREFIX"
        mv -T "$staging" "$HM_AZURITE_PREFIX"
    fi
    exec {fd}>&-
}

hm_install_prereqs() {
    local pkgs=()
    command -v dockerd >/dev/null 2>&1 || pkgs+=(docker.io)
    if ! command -v docker >/dev/null 2>&1 && [[ " ${pkgs[*]-} " != *" docker.io "* ]]; then
        pkgs+=(docker.io)
    fi
    # The test image is this binary alone, so it must be the static build, not Debian's `busybox`.
    if ! command -v busybox >/dev/null 2>&1 || { command -v dpkg-query >/dev/null 2>&1 && ! hm__dpkg_installed busybox-static; }; then
        pkgs+=(busybox-static)
    fi
    { command -v ip >/dev/null 2>&1 && command -v ss >/dev/null 2>&1; } || pkgs+=(iproute2)
    command -v openssl >/dev/null 2>&1 || pkgs+=(openssl)
    # The infra tests validate our cloud-config with cloud-init's own schema and read JSON in the agent scripts with python3.
    command -v cloud-init >/dev/null 2>&1 || pkgs+=(cloud-init)
    command -v python3 >/dev/null 2>&1 || pkgs+=(python3)
    command -v curl >/dev/null 2>&1 || pkgs+=(curl)
    # Nodes (node-init.sh, DockerdMachines) run in namespaces made by unshare and entered with nsenter.
    { command -v nsenter >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; } || pkgs+=(util-linux)
    if ! command -v node >/dev/null 2>&1; then
        pkgs+=(nodejs)
        command -v npm >/dev/null 2>&1 || pkgs+=(npm)
    elif ! command -v npm >/dev/null 2>&1; then
        pkgs+=(npm)
    fi
    command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
    command -v javac >/dev/null 2>&1 || pkgs+=(openjdk-17-jdk-headless)
    # The status page's browser tests and render benchmark drive Debian's chromium through Playwright, which never
    # downloads a browser of its own here (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, below).
    [[ -x /usr/bin/chromium ]] || pkgs+=(chromium)
    hm__apt_install "${pkgs[@]}"
    export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

    local tool
    for tool in unshare nsenter setsid flock timeout dockerd docker busybox ip ss openssl curl node npm mvn javac cloud-init python3; do
        command -v "$tool" >/dev/null 2>&1 || hm_die "'$tool' is still missing after installing prerequisites"
    done

    hm__lock_start
    hm__ensure_azurite_installed
    hm__unlock_start
}

# ---------------------------------------------------------------------------------------------
# Locks and process helpers
# ---------------------------------------------------------------------------------------------

hm__open_locks() {
    [[ -z $HM__START_FD ]] || return 0
    mkdir -p "$HM_RUN"
    exec {HM__START_FD}>>"$HM_RUN/start.lock"
    exec {HM__USERS_FD}>>"$HM_RUN/users.lock"
}

hm__lock_start() {
    hm__open_locks
    flock -w 900 "$HM__START_FD" ||
        hm_die "another run has held $HM_RUN/start.lock for 15 minutes; is one stuck?"
}

hm__unlock_start() { flock -u "$HM__START_FD"; }

# Alive and not a zombie: a process this shell started stays visible to kill -0 until reaped.
hm__pid_alive() {
    local pid=$1 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

hm__cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

hm__read_pid() {
    if [[ -f $1 ]]; then tr -dc '0-9' <"$1" || true; fi
}

# A pid from a pidfile only counts if it is still the program we started, not a reused pid.
hm__pid_is() {
    local pid=$1 needle=$2
    hm__pid_alive "$pid" && [[ $(hm__cmdline "$pid") == *"$needle"* ]]
}

# Runs "$@" detached: own session (so a terminal's Ctrl-C or hang-up reaches only the script, which
# then stops it in order), stdin closed, output to a log, lock descriptors not inherited (a
# long-lived child holding them would block or confuse every later run). The child writes its own
# pid before exec, so the recorded pid is right even if setsid has to fork.
hm__spawn() {
    local pidfile=$1 log=$2
    shift 2
    rm -f "$pidfile"
    # shellcheck disable=SC2016 # expanded by the inner bash
    setsid bash -c 'echo $$ >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
        </dev/null >>"$log" 2>&1 {HM__START_FD}>&- {HM__USERS_FD}>&- &
    local deadline=$(( $(hm__now_ms) + 5000 ))
    while [[ ! -s $pidfile ]]; do
        (( $(hm__now_ms) < deadline )) || hm_die "could not launch: $*"
        sleep 0.02
    done
}

hm__first_child() {
    local parent=$1 children='' stat f
    if [[ -r /proc/$parent/task/$parent/children ]]; then
        read -r children _ <"/proc/$parent/task/$parent/children" || true
    else
        # Kernels without CONFIG_PROC_CHILDREN: find it by parent pid.
        for f in /proc/[0-9]*/stat; do
            stat=$(cat "$f" 2>/dev/null) || continue
            stat=${stat##*) }
            read -r _ stat _ <<<"$stat"
            if [[ $stat == "$parent" ]]; then
                children=${f#/proc/}
                children=${children%/stat}
                break
            fi
        done
    fi
    echo "$children"
}

hm__listener_pid() {
    local port=$1 line
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -n 1) || true
    [[ -n $line ]] || return 1
    [[ $line =~ pid=([0-9]+) ]] && echo "${BASH_REMATCH[1]}" || echo "?"
}

hm__port_in_use() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# Seconds a service has between SIGTERM and SIGKILL.
hm__stop_grace() {
    if [[ $1 == azurite-* ]]; then echo "$HM_AZURITE_STOP_GRACE"; else echo "$HM_STOP_TIMEOUT"; fi
}

# SIGTERM, a bounded wait, then SIGKILL; removes the pidfile if it still names this pid.
hm__stop_pid() {
    local name=$1 pid=$2 pidfile=$3 grace=$4
    if hm__pid_alive "$pid"; then
        hm_log "stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$(( $(hm__now_ms) + grace * 1000 ))
        while hm__pid_alive "$pid" && (( $(hm__now_ms) < deadline )); do sleep 0.1; done
        if hm__pid_alive "$pid"; then
            hm_log "$name (pid $pid) ignored SIGTERM for ${grace}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            deadline=$(( $(hm__now_ms) + 10000 ))
            while hm__pid_alive "$pid" && (( $(hm__now_ms) < deadline )); do sleep 0.1; done
            hm__pid_alive "$pid" && hm_log "WARNING: $name (pid $pid) survived SIGKILL"
        fi
    fi
    # Reap it if it is this shell's child; never block on one that is somehow still alive.
    hm__pid_alive "$pid" || wait "$pid" 2>/dev/null || true
    if [[ -n $pidfile && $(hm__read_pid "$pidfile") == "$pid" ]]; then
        rm -f "$pidfile"
    fi
}

hm__wait_until() {
    local what=$1 log=$2 pid=$3
    shift 3
    local deadline=$(( $(hm__now_ms) + HM_START_TIMEOUT * 1000 ))
    until "$@"; do
        if [[ -n $pid ]] && ! hm__pid_alive "$pid"; then
            hm__log_tail "$log"
            hm_die "$what exited before it came up (pid $pid); log: $log"
        fi
        if (( $(hm__now_ms) >= deadline )); then
            hm__log_tail "$log"
            hm_die "$what did not come up within ${HM_START_TIMEOUT}s; log: $log"
        fi
        sleep 0.2
    done
}

# ---------------------------------------------------------------------------------------------
# TLS material for the manager's tcp listener
# ---------------------------------------------------------------------------------------------

hm__ensure_tls() {
    local f missing=
    for f in ca.pem ca-key.pem server-cert.pem server-key.pem cert.pem key.pem; do
        [[ -s $HM_TLS_DIR/$f ]] || missing=1
    done
    [[ -n $missing ]] || return 0

    mkdir -p "$HM_DEV" "$HM_LOGS"
    local tmp log="$HM_LOGS/tls.log"
    tmp=$(mktemp -d "$HM_DEV/tls.XXXXXX")
    hm_log "generating TLS CA, server and client certificates into $HM_TLS_DIR"
    (
        set -euo pipefail
        cd "$tmp"
        umask 077
        # genpkey writes PKCS#8 ("BEGIN PRIVATE KEY"): the JDK's PKCS8EncodedKeySpec reads it
        # without BouncyCastle, and Go and the docker CLI accept it too.
        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-key.pem
        openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -subj "/CN=Harbormaster local CA" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out server-key.pem
        openssl req -new -key server-key.pem -subj "/CN=localhost" -out server.csr
        printf '%s\n' "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectAltName=IP:127.0.0.1,IP:$HM_BRIDGE_ADDR,DNS:localhost" >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
            -days 3650 -sha256 -extfile server.ext -out server-cert.pem

        openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem
        openssl req -new -key key.pem -subj "/CN=harbormaster-client" -out client.csr
        printf '%s\n' "basicConstraints=CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=clientAuth" >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -set_serial "0x$(openssl rand -hex 16)" \
            -days 3650 -sha256 -extfile client.ext -out cert.pem

        rm -f server.csr server.ext client.csr client.ext
        chmod 644 ca.pem server-cert.pem cert.pem
        chmod 600 ca-key.pem server-key.pem key.pem
    ) >>"$log" 2>&1 || { rm -rf "$tmp"; hm__log_tail "$log"; hm_die "generating TLS certificates failed"; }
    chmod 755 "$tmp"
    # All or nothing: a half-written set would be taken as complete by the next run.
    rm -rf "$HM_TLS_DIR"
    mv "$tmp" "$HM_TLS_DIR"
}

# ---------------------------------------------------------------------------------------------
# Bridge
# ---------------------------------------------------------------------------------------------

hm__ensure_bridge() {
    if ! ip link show "$HM_BRIDGE" >/dev/null 2>&1; then
        # Another checkout may create it at the same moment; "exists" is success.
        ip link add "$HM_BRIDGE" type bridge 2>/dev/null || ip link show "$HM_BRIDGE" >/dev/null 2>&1 ||
            hm_die "could not create bridge $HM_BRIDGE"
    fi
    # Nothing but 10.213.77.0/24 goes over this bridge: no IPv6 link-local chatter either.
    if [[ -w /proc/sys/net/ipv6/conf/$HM_BRIDGE/disable_ipv6 ]]; then
        echo 1 >"/proc/sys/net/ipv6/conf/$HM_BRIDGE/disable_ipv6" || true
    fi
    if ! ip -4 -o addr show dev "$HM_BRIDGE" | grep -q " inet $HM_BRIDGE_CIDR "; then
        local other
        other=$(ip -4 -o addr show to "$HM_BRIDGE_ADDR/32" | awk '{print $2}' | head -n 1)
        [[ -z $other ]] || hm_die "$HM_BRIDGE_ADDR is already on interface $other, not on $HM_BRIDGE"
        ip addr add "$HM_BRIDGE_CIDR" dev "$HM_BRIDGE" 2>/dev/null ||
            ip -4 -o addr show dev "$HM_BRIDGE" | grep -q " inet $HM_BRIDGE_CIDR " ||
            hm_die "could not add $HM_BRIDGE_CIDR to $HM_BRIDGE"
    fi
    ip link set "$HM_BRIDGE" up
}

# ---------------------------------------------------------------------------------------------
# Manager dockerd
# ---------------------------------------------------------------------------------------------

# The API socket normally sits in .dev/manager; a deep checkout would overflow sun_path, so then it
# lives in a short per-checkout folder under /tmp and .dev/manager/docker.sock links to it.
hm__resolve_manager_socket() {
    local preferred="$HM_MANAGER_DIR/docker.sock"
    if (( ${#preferred} <= HM_SOCKET_PATH_MAX )); then
        HM_MANAGER_SOCK=$preferred
    else
        local short
        short="/tmp/hm-$(printf '%s' "$HM_ROOT" | sha256sum | cut -c1-12)"
        HM_MANAGER_SOCK="$short/docker.sock"
        (( ${#HM_MANAGER_SOCK} <= HM_SOCKET_PATH_MAX )) ||
            hm_die "socket path $HM_MANAGER_SOCK is longer than $HM_SOCKET_PATH_MAX bytes"
    fi
    HM_MANAGER_HOST="unix://$HM_MANAGER_SOCK"
}

hm__resolve_manager_socket

hm_docker() {
    env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
        docker -H "$HM_MANAGER_HOST" "$@"
}

hm__manager_answers() { hm_docker info --format '{{.ID}}' >/dev/null 2>&1; }

hm__manager_pid_ours() { hm__pid_is "$1" "dockerd --data-root $HM_MANAGER_DIR/data "; }

# Another checkout's manager uses the same bridge address and TLS port; name it instead of failing
# with dockerd's "address already in use" deep in a log.
hm__check_manager_ports_free() {
    local port pid cmd data_root
    for port in "$HM_TLS_PORT" "$HM_SWARM_PORT"; do
        hm__port_in_use "$port" || continue
        pid=$(hm__listener_pid "$port" || true)
        cmd=$(hm__cmdline "${pid:-0}")
        if [[ $cmd =~ --data-root\ ([^ ]+)/\.dev/manager/data ]]; then
            data_root="${BASH_REMATCH[1]}"
            if [[ $data_root == "$HM_ROOT" ]]; then
                # Ours, but its pidfile was lost: adopt it rather than start a second one.
                echo "$pid" >"$HM_MANAGER_PIDFILE"
                return 0
            fi
            hm_die "port $port is held by the swarm manager of another checkout: pid $pid," \
                "pidfile $data_root/.dev/run/manager.pid. Only one manager can own" \
                "$HM_BRIDGE_ADDR:$HM_SWARM_PORT and 127.0.0.1:$HM_TLS_PORT; stop it with" \
                "'bash $data_root/scripts/services.sh down' (or kill -TERM $pid) first."
        fi
        hm_die "port $port (needed for the manager: ${HM_BRIDGE_ADDR}:$HM_SWARM_PORT swarm," \
            "127.0.0.1:$HM_TLS_PORT TLS) is in use by pid ${pid:-?}: ${cmd:-unknown process}"
    done
}

hm__start_manager() {
    mkdir -p "$HM_MANAGER_DIR/data" "$HM_MANAGER_DIR/etc-docker" "$HM_LOGS" "$HM_RUN" "$(dirname "$HM_MANAGER_SOCK")"
    # The bind-mount target must exist; on a machine without the docker.io package it may not.
    mkdir -p /etc/docker
    if [[ $HM_MANAGER_SOCK != "$HM_MANAGER_DIR/docker.sock" ]]; then
        ln -sfn "$HM_MANAGER_SOCK" "$HM_MANAGER_DIR/docker.sock"
    fi
    [[ ! -f $HM_MANAGER_LOG ]] || mv -f "$HM_MANAGER_LOG" "$HM_MANAGER_LOG.1"
    printf '=== %s starting manager dockerd for %s\n' "$(date -Is)" "$HM_ROOT" >"$HM_MANAGER_LOG"

    local launcher_pidfile="$HM_RUN/manager-unshare.pid"
    # --bridge=none/--iptables=false/--ip-forward=false: the manager shares the host's network
    # namespace, and must not add docker0, iptables rules or turn the host into a router.
    hm__spawn "$launcher_pidfile" "$HM_MANAGER_LOG" \
        unshare --pid --fork --kill-child --mount-proc --mount --uts \
        bash "$HM_LIB/node-init.sh" "$HM_MANAGER_HOSTNAME" "$HM_MANAGER_DIR/etc-docker" \
        --data-root "$HM_MANAGER_DIR/data" \
        --exec-root /run/docker \
        --pidfile /run/docker.pid \
        -H "$HM_MANAGER_HOST" \
        -H "tcp://127.0.0.1:$HM_TLS_PORT" \
        --tlsverify \
        --tlscacert "$HM_TLS_DIR/ca.pem" \
        --tlscert "$HM_TLS_DIR/server-cert.pem" \
        --tlskey "$HM_TLS_DIR/server-key.pem" \
        --bridge=none --iptables=false --ip-forward=false
    local launcher pid='' deadline
    launcher=$(hm__read_pid "$launcher_pidfile")
    rm -f "$launcher_pidfile"

    # dockerd's own pidfile would say "1"; what can be signalled from the host is unshare's child.
    deadline=$(( $(hm__now_ms) + 5000 ))
    while [[ -z $pid ]]; do
        pid=$(hm__first_child "$launcher")
        [[ -n $pid ]] && break
        if ! hm__pid_alive "$launcher" || (( $(hm__now_ms) >= deadline )); then
            hm__log_tail "$HM_MANAGER_LOG"
            hm_die "the manager's namespace did not start (unshare pid $launcher); log: $HM_MANAGER_LOG"
        fi
        sleep 0.02
    done
    echo "$pid" >"$HM_MANAGER_PIDFILE"
    HM__STARTED+=("manager-dockerd $pid $HM_MANAGER_PIDFILE $launcher")
    hm_log "started manager dockerd (host pid $pid, PID 1 of its namespace; log: $HM_MANAGER_LOG)"
    hm__wait_until "the manager dockerd ($HM_MANAGER_HOST)" "$HM_MANAGER_LOG" "$pid" hm__manager_answers
}

hm__swarm_state() {
    hm_docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}}' 2>/dev/null ||
        echo "unreachable"
}

hm__ensure_swarm() {
    local deadline=$(( $(hm__now_ms) + HM_START_TIMEOUT * 1000 )) state node_state control addr
    while :; do
        state=$(hm__swarm_state)
        read -r node_state control addr <<<"$state" || true
        case $node_state in
            active)
                if [[ $control == true && $addr == "$HM_BRIDGE_ADDR" ]]; then
                    # After a restart the node is active before raft has a leader; node ls needs one.
                    hm_docker node ls -q >/dev/null 2>&1 && return 0
                elif [[ $control == true && -n $addr && $addr != "<no value>" ]]; then
                    # Local test state only: a swarm on another address is rebuilt, not debugged.
                    hm_log "swarm advertises $addr, not $HM_BRIDGE_ADDR; leaving it and initialising a new one"
                    hm_docker swarm leave --force >>"$HM_MANAGER_LOG" 2>&1 || true
                fi
                ;;
            inactive)
                hm_log "initialising swarm on $HM_BRIDGE_ADDR:$HM_SWARM_PORT"
                hm_docker swarm init --advertise-addr "$HM_BRIDGE_ADDR" \
                    --listen-addr "$HM_BRIDGE_ADDR:$HM_SWARM_PORT" >>"$HM_MANAGER_LOG" 2>&1 ||
                    { hm__log_tail "$HM_MANAGER_LOG"; hm_die "docker swarm init failed"; }
                ;;
            error | locked)
                hm_log "swarm state is '$state'; leaving it and initialising a new one"
                hm_docker swarm leave --force >>"$HM_MANAGER_LOG" 2>&1 || true
                ;;
            *) ;; # pending, or dockerd busy restoring: wait
        esac
        if (( $(hm__now_ms) >= deadline )); then
            hm__log_tail "$HM_MANAGER_LOG"
            hm_die "the manager did not become an active swarm manager with a leader on $HM_BRIDGE_ADDR" \
                "within ${HM_START_TIMEOUT}s (last state '$state': node state, is manager, address);" \
                "log: $HM_MANAGER_LOG"
        fi
        sleep 0.3
    done
}

# Writes the test image's root filesystem as a tar stream: /bin/busybox from busybox-static plus its
# applet links. Every node (the manager here, DockerdMachines' machines) imports this same
# tarball, since no registry is reachable. Fixed names, owners and times keep the stream identical
# from one call to the next.
hm_busybox_rootfs_tar() {
    local busybox tmp applet rc=0
    busybox=$(command -v busybox) || { hm_log "busybox is not installed (busybox-static)"; return 1; }
    tmp=$(mktemp -d) || return 1
    mkdir -p "$tmp/bin" "$tmp/tmp" "$tmp/usr"
    cp "$busybox" "$tmp/bin/busybox"
    for applet in $("$busybox" --list); do
        [[ $applet == busybox || -e $tmp/bin/$applet ]] || ln -s busybox "$tmp/bin/$applet"
    done
    # Applets are all in /bin; these keep /usr/bin/env, /sbin/... style paths working.
    ln -s ../bin "$tmp/usr/bin"
    ln -s ../bin "$tmp/usr/sbin"
    ln -s bin "$tmp/sbin"
    chmod 1777 "$tmp/tmp"
    tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -c . || rc=$?
    rm -rf "$tmp"
    return "$rc"
}

# hm_import_busybox_image DOCKER_HOST LOG: imports $HM_IMAGE into that daemon; output goes to LOG.
hm_import_busybox_image() {
    local host=$1 log=$2 rc=0
    hm_busybox_rootfs_tar | env -u DOCKER_HOST -u DOCKER_CONTEXT -u DOCKER_TLS_VERIFY -u DOCKER_CERT_PATH \
        docker -H "$host" import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' - "$HM_IMAGE" >>"$log" 2>&1 || rc=$?
    return "$rc"
}

hm__ensure_image() {
    hm_docker image inspect "$HM_IMAGE" >/dev/null 2>&1 && return 0
    hm_log "importing $HM_IMAGE from $(command -v busybox)"
    hm_import_busybox_image "$HM_MANAGER_HOST" "$HM_MANAGER_LOG" ||
        { hm__log_tail "$HM_MANAGER_LOG"; hm_die "docker import of $HM_IMAGE failed"; }
}

hm__manager_up() {
    hm__ensure_bridge
    hm__ensure_tls

    local pid
    pid=$(hm__read_pid "$HM_MANAGER_PIDFILE")
    if [[ -n $pid ]] && hm__manager_pid_ours "$pid"; then
        hm_log "reusing the running manager dockerd (pid $pid)"
        hm__wait_until "the running manager dockerd ($HM_MANAGER_HOST)" "$HM_MANAGER_LOG" "$pid" hm__manager_answers
    else
        rm -f "$HM_MANAGER_PIDFILE"
        hm__check_manager_ports_free
        pid=$(hm__read_pid "$HM_MANAGER_PIDFILE")
        if [[ -n $pid ]] && hm__manager_pid_ours "$pid"; then
            hm_log "adopting manager dockerd of this checkout that had lost its pidfile (pid $pid)"
            hm__wait_until "the running manager dockerd ($HM_MANAGER_HOST)" "$HM_MANAGER_LOG" "$pid" hm__manager_answers
        else
            hm__start_manager
        fi
    fi
    hm__ensure_swarm
    hm__ensure_image
}

# ---------------------------------------------------------------------------------------------
# Azurite
# ---------------------------------------------------------------------------------------------

hm__http_answers() {
    local code tls=()
    [[ $1 != https://* ]] || tls=(--cacert "$HM_TLS_DIR/ca.pem")
    code=$(curl -s "${tls[@]}" -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null) || true
    [[ -n $code && $code != 000 ]]
}

hm__azurite_scheme() { if [[ $HM_AZURITE_OAUTH == 1 ]]; then echo https; else echo http; fi; }
# hm_azurite_endpoint PORT: the account's endpoint of the Azurite service on PORT (blob or queue).
hm_azurite_endpoint() { echo "$(hm__azurite_scheme)://127.0.0.1:$1/devstoreaccount1"; }

# The local CA as a PKCS#12 trust store, for a JVM's -Djavax.net.ssl.trustStore.
hm__ensure_trust_store() {
    [[ ! -s $HM_TRUST_STORE || $HM_TLS_DIR/ca.pem -nt $HM_TRUST_STORE ]] || return 0
    local tmp="$HM_TRUST_STORE.tmp.$$"
    rm -f "$tmp"
    keytool -importcert -noprompt -storetype PKCS12 -alias harbormaster-local-ca -file "$HM_TLS_DIR/ca.pem" \
        -keystore "$tmp" -storepass "$HM_TRUST_STORE_PASSWORD" >>"$HM_LOGS/tls.log" 2>&1 ||
        { rm -f "$tmp"; hm_die "keytool could not write $HM_TRUST_STORE"; }
    chmod 644 "$tmp"
    mv -f "$tmp" "$HM_TRUST_STORE"
}

# One Azurite service (blob or queue) per process, each with its own pidfile and log.
hm__azurite_service_up() {
    local kind=$1 port=$2
    local name="azurite-$kind" pidfile="$HM_RUN/azurite-$kind.pid" log="$HM_LOGS/azurite-$kind.log"
    local url
    url="$(hm_azurite_endpoint "$port")?comp=list"
    local oauth=()
    [[ $HM_AZURITE_OAUTH != 1 ]] ||
        oauth=(--oauth basic --cert "$HM_TLS_DIR/server-cert.pem" --key "$HM_TLS_DIR/server-key.pem")
    local pid
    pid=$(hm__read_pid "$pidfile")
    if hm__http_answers "$url"; then
        if [[ -n $pid ]] && hm__pid_is "$pid" "$name"; then
            hm_log "reusing the running $name on 127.0.0.1:$port (pid $pid)"
        else
            hm_log "reusing the Azurite $kind service already answering on 127.0.0.1:$port (not started here)"
        fi
        return 0
    fi
    if [[ -n $pid ]] && hm__pid_is "$pid" "$name"; then
        hm_log "$name (pid $pid) is running but not answering yet; waiting"
        hm__wait_until "$name on 127.0.0.1:$port" "$log" "$pid" hm__http_answers "$url"
        return 0
    fi
    rm -f "$pidfile"
    if hm__port_in_use "$port"; then
        local owner
        owner=$(hm__listener_pid "$port" || true)
        hm_die "127.0.0.1:$port is taken by pid ${owner:-?} ($(hm__cmdline "${owner:-0}")) which does not" \
            "answer $(hm__azurite_scheme) like Azurite (HM_AZURITE_OAUTH=$HM_AZURITE_OAUTH; after changing it," \
            "run scripts/services.sh down first); free the port"
    fi

    mkdir -p "$HM_AZURITE_DATA" "$HM_LOGS" "$HM_RUN"
    [[ ! -f $log ]] || mv -f "$log" "$log.1"
    # Azurite refuses --location together with --inMemoryPersistence; running it from a folder
    # under .dev keeps anything it still writes relative to its working directory out of the tree.
    # Telemetry is on by default and posts to Application Insights: nothing may leave loopback.
    hm__spawn "$pidfile" "$log" \
        env -C "$HM_AZURITE_DATA" "$HM_AZURITE_PREFIX/node_modules/.bin/$name" \
        "--${kind}Host" 127.0.0.1 "--${kind}Port" "$port" \
        --inMemoryPersistence --skipApiVersionCheck --loose --silent \
        --disableTelemetry "${oauth[@]}"
    pid=$(hm__read_pid "$pidfile")
    HM__STARTED+=("$name $pid $pidfile")
    hm_log "started $name on 127.0.0.1:$port (pid $pid; log: $log)"
    hm__wait_until "$name on 127.0.0.1:$port" "$log" "$pid" hm__http_answers "$url"
}

hm__azurite_up() {
    [[ $HM_AZURITE_OAUTH != 1 ]] || hm__ensure_trust_store
    hm__azurite_service_up blob "$HM_BLOB_PORT"
    hm__azurite_service_up queue "$HM_QUEUE_PORT"
}

# ---------------------------------------------------------------------------------------------
# .dev/env
# ---------------------------------------------------------------------------------------------

# Single quotes keep ';' and '/' literal for `source` and stay readable for anything else.
hm__sh_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

hm__write_env() {
    local scheme
    scheme=$(hm__azurite_scheme)
    local storage="DefaultEndpointsProtocol=$scheme;AccountName=devstoreaccount1;AccountKey=$HM_AZURITE_KEY;BlobEndpoint=$(hm_azurite_endpoint "$HM_BLOB_PORT");QueueEndpoint=$(hm_azurite_endpoint "$HM_QUEUE_PORT");"
    local tmp="$HM_ENV_FILE.tmp.$$"
    {
        echo "# Written by scripts/lib/services.sh; regenerated on every start."
        echo "export HARBORMASTER_DOCKER_HOSTS=$(hm__sh_quote "$HM_MANAGER_HOST")"
        echo "export HARBORMASTER_TEST_DOCKER_TLS_ENDPOINT=$(hm__sh_quote "$HM_TLS_ENDPOINT")"
        echo "export HARBORMASTER_TEST_TLS_DIR=$(hm__sh_quote "$HM_TLS_DIR")"
        echo "export AzureWebJobsStorage=$(hm__sh_quote "$storage")"
        # IdentityStorageIT starts an Azurite of its own with OAuth over https.
        echo "export HARBORMASTER_TEST_AZURITE_BIN=$(hm__sh_quote "$HM_AZURITE_PREFIX/node_modules/.bin/azurite")"
        if [[ $HM_AZURITE_OAUTH == 1 ]]; then
            # JVM options that trust the local CA (Azurite's server certificate); every JVM that reaches Azurite
            # takes them: the tests (Maven reads them from here), the dev host, the emulator, the benchmarks.
            echo "export HARBORMASTER_LOCAL_TRUST_OPTS=$(hm__sh_quote "-Djavax.net.ssl.trustStore=$HM_TRUST_STORE -Djavax.net.ssl.trustStorePassword=$HM_TRUST_STORE_PASSWORD")"
        else
            echo "export HARBORMASTER_LOCAL_TRUST_OPTS=''"
        fi
    } >"$tmp"
    mv -f "$tmp" "$HM_ENV_FILE"
}

# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------

hm_services_up() {
    [[ $EUID -eq 0 ]] || hm_die "the local services need root (dockerd, namespaces, the $HM_BRIDGE bridge)"
    local t0
    t0=$(hm__now_ms)
    mkdir -p "$HM_DEV" "$HM_LOGS" "$HM_RUN"
    hm__lock_start
    hm__manager_up
    hm__azurite_up
    hm__write_env
    # Taken before the start lock is released, so a stopping run cannot miss this one.
    flock -s "$HM__USERS_FD"
    hm__unlock_start
    hm_log "services ready in $(( $(hm__now_ms) - t0 )) ms; environment in $HM_ENV_FILE"
}

# Stops what this shell started, newest first. If another run is still using the services (it
# holds users.lock shared) they are left running for it; scripts/services.sh down stops them.
hm_services_down() {
    (( ${#HM__STARTED[@]} > 0 )) || return 0
    [[ -n $HM__START_FD ]] || return 0
    if ! flock -w 120 "$HM__START_FD"; then
        hm_log "WARNING: start.lock busy for 120s; leaving the services this run started running"
        return 0
    fi
    if ! flock -x -n "$HM__USERS_FD"; then
        hm_log "another run is using the services this run started; leaving them running" \
            "(stop with: bash $HM_ROOT/scripts/services.sh down)"
        HM__STARTED=()
        flock -u "$HM__START_FD"
        return 0
    fi
    local i entry name pid pidfile launcher
    for (( i = ${#HM__STARTED[@]} - 1; i >= 0; i-- )); do
        entry=${HM__STARTED[$i]}
        read -r name pid pidfile launcher <<<"$entry"
        hm__stop_pid "$name" "$pid" "$pidfile" "$(hm__stop_grace "$name")"
        # unshare exits once its child is gone; reap it so no zombie is left behind.
        [[ -z ${launcher:-} ]] || wait "$launcher" 2>/dev/null || true
    done
    HM__STARTED=()
    flock -u "$HM__USERS_FD"
    flock -u "$HM__START_FD"
}

# For scripts/services.sh down: this checkout's services by pidfile, whoever started them.
hm_services_stop_all() {
    hm__lock_start
    local pid name
    for name in azurite-queue azurite-blob; do
        pid=$(hm__read_pid "$HM_RUN/$name.pid")
        if [[ -n $pid ]] && hm__pid_is "$pid" "$name"; then
            hm__stop_pid "$name" "$pid" "$HM_RUN/$name.pid" "$(hm__stop_grace "$name")"
        else
            rm -f "$HM_RUN/$name.pid"
        fi
    done
    pid=$(hm__read_pid "$HM_MANAGER_PIDFILE")
    if [[ -n $pid ]] && hm__manager_pid_ours "$pid"; then
        hm__stop_pid manager-dockerd "$pid" "$HM_MANAGER_PIDFILE" "$HM_STOP_TIMEOUT"
    else
        rm -f "$HM_MANAGER_PIDFILE"
    fi
    hm__unlock_start
}

hm_services_status() {
    local pid name rc=0
    pid=$(hm__read_pid "$HM_MANAGER_PIDFILE")
    if [[ -n $pid ]] && hm__manager_pid_ours "$pid" && hm__manager_answers; then
        echo "manager dockerd: running, pid $pid, $HM_MANAGER_HOST, swarm: $(hm__swarm_state)"
    else
        echo "manager dockerd: not running (from this checkout)"
        rc=1
    fi
    for name in blob:"$HM_BLOB_PORT" queue:"$HM_QUEUE_PORT"; do
        pid=$(hm__read_pid "$HM_RUN/azurite-${name%%:*}.pid")
        if hm__http_answers "$(hm_azurite_endpoint "${name#*:}")?comp=list"; then
            if [[ -n $pid ]] && hm__pid_is "$pid" "azurite-${name%%:*}"; then
                echo "azurite ${name%%:*}: answering on 127.0.0.1:${name#*:}, pid $pid"
            else
                echo "azurite ${name%%:*}: answering on 127.0.0.1:${name#*:} (not started by this checkout)"
            fi
        else
            echo "azurite ${name%%:*}: not answering on 127.0.0.1:${name#*:}"
            rc=1
        fi
    done
    return "$rc"
}

# For scripts/services.sh up: what this run started stays running after it exits.
hm_services_keep() { HM__STARTED=(); }

hm_stop_on_exit() {
    trap 'hm_services_down' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
}
