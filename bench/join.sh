#!/usr/bin/env bash
# Join benchmark: prints what the join path costs on this machine, next to what the machine can do at all.
#
# Usage: bench/join.sh [options]
#   --skip-build        use the existing target/ (no mvn package)
#   --runs N            cold starts to take the median of (default 5)
#   --threads N         wrk threads (default 2)
#   --connections N     wrk connections (default 16)
#   --duration S        seconds of measured load, each server (default 10)
#   --warmup S          seconds of unmeasured load before it (default 10: docker-java and Jackson
#                       need several thousand calls before the JIT has compiled them)
#   --wrk-cpus LIST     run wrk pinned to these CPUs (taskset -c LIST, e.g. 1), for the join and the ceiling
#                       alike; unpinned by default. On this 2-core machine an unpinned wrk that moves between the
#                       cores puts about 2 ms on the p99 of even the trivial server
#   --docker dev|tls    how the host reaches the manager: `dev` is HARBORMASTER_DOCKER_HOSTS as the dev
#                       setup has it (the manager's unix socket); `tls` is its mutual-TLS listener
#                       (HARBORMASTER_TEST_DOCKER_TLS_ENDPOINT), as in Azure (default dev)
#   --env FILE          source FILE for the services' settings, e.g. another checkout's .dev/env
#
# What it prints:
#   1. the deployment package: the staging folder functions/target/azure-functions/harbormaster-functions, as files
#      and zipped with the JDK's jar tool (the Maven plugin deploys a zip of that folder);
#   2. cold start: from launching the local host JVM, as scripts/dev.sh launches it, to the first 200 of
#      GET /api/join/worker (polled every 20 ms), median of --runs fresh JVMs; next to it the
#      "Host started in N ms" the host logs (its own start, after the JVM's, before the first join), and the
#      milestones of -Dharbormaster.startup.trace=true (main entered, control plane built, listening, first reply).
#      This is the keyed route. The attested one (GET /api/node/nonce, IMDS, POST /api/node/join) needs the Azure
#      emulator's ARM and IMDS and a VM of its scale set (EmulatedCluster), which this benchmark does not start; its
#      first join after JVM start adds a nonce round trip, the document's verification (bench/attestation.sh) and,
#      unless warmed by then, the trust container, key and machine list (warmed 1 s after the first ticket read);
#   3. join throughput and latency: wrk against /api/join/worker with the master key (an ADMIN route), after a warm-up;
#      joins come from the cached ticket (its background reads call the manager). Then the same wrk against a trivial JDK
#      HttpServer (bench/CeilingServer.java, TCP_NODELAY, same pool size) answering a constant body: the
#      ceiling of this machine, measured in the same run;
#   4. memory of the local host JVM: VmRSS (and its peak VmHWM) after the first join and after the load,
#      the heap in use after the load and, after a full GC, the live heap (jcmd GC.heap_info, GC.run).
#      Without -Xmx the JVM may grow its heap to a quarter of the RAM, so RSS shows how lazily it
#      collects as much as what it needs: try HARBORMASTER_JAVA_OPTS=-Xmx256m.
#   HARBORMASTER_JAVA_OPTS goes to both JVMs, as scripts/dev.sh passes it to the host.
#   A summary table ends the output. It exits 3 if any measured request failed, as the figures then lie.
#
# Services: with HARBORMASTER_DOCKER_HOSTS already in the environment (or --env FILE) it uses those
# services as they are. Otherwise it installs what is missing, starts or reuses this checkout's services
# with scripts/lib/services.sh, and on exit stops only what it started. It never stops services it found.
# Missing tools (wrk, curl, a JDK, Maven) are installed with apt-get; that needs root.
#
# Secrets: a fresh random master key per run reaches the JVM through its environment, curl through a
# 0600 header file and wrk through HM_BENCH_KEY, never a command line. No response body is printed. The
# host logs (kept in target/bench/logs) are checked for swarm tokens and the key; a hit deletes them and fails.
#
# Figures depend on the machine and on what else runs on it: the load average is printed with them.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR/.. source=scripts/lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/scripts/lib/services.sh"

BENCH_OUT="$HM_ROOT/target/bench"
BENCH_LOGS="$BENCH_OUT/logs"
STAGING="$HM_ROOT/functions/target/azure-functions/harbormaster-functions"
LUA="$HM_ROOT/bench/wrk-report.lua"

skip_build=
runs=5
wrk_threads=2
wrk_connections=16
duration=10
warmup=10
docker_mode=dev
env_file=
wrk_cpus=

bench_log() { printf '[bench] %s\n' "$*" >&2; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

while (( $# > 0 )); do
    case $1 in
        --skip-build) skip_build=1 ;;
        --runs) runs=${2:?}; shift ;;
        --threads) wrk_threads=${2:?}; shift ;;
        --connections) wrk_connections=${2:?}; shift ;;
        --duration) duration=${2:?}; shift ;;
        --warmup) warmup=${2:?}; shift ;;
        --docker) docker_mode=${2:?}; shift ;;
        --wrk-cpus) wrk_cpus=${2:?}; shift ;;
        --env) env_file=${2:?}; shift ;;
        -h | --help) usage ;;
        *) bench_log "unknown argument: $1"; usage ;;
    esac
    shift
done
for n in "$runs" "$wrk_threads" "$wrk_connections" "$duration" "$warmup"; do
    [[ $n =~ ^[0-9]+$ ]] || hm_die "not a whole number: $n"
done
(( runs >= 1 && duration >= 1 && wrk_threads >= 1 && wrk_connections >= wrk_threads )) ||
    hm_die "need --runs >= 1, --duration >= 1 and --connections >= --threads >= 1"
[[ $docker_mode == dev || $docker_mode == tls ]] || hm_die "--docker is dev or tls, not '$docker_mode'"
[[ -z $wrk_cpus || $wrk_cpus =~ ^[0-9]+([,-][0-9]+)*$ ]] || hm_die "--wrk-cpus is a CPU list such as 1 or 0-1, not '$wrk_cpus'"
wrk_pin=()
[[ -z $wrk_cpus ]] || wrk_pin=(taskset -c "$wrk_cpus")

# ---------------------------------------------------------------------------------------------
# Tools and services
# ---------------------------------------------------------------------------------------------

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v ss >/dev/null 2>&1 || missing+=(iproute2)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# jar and jcmd are in the JDK, not the JRE.
{ command -v javac >/dev/null 2>&1 && command -v jar >/dev/null 2>&1 && command -v jcmd >/dev/null 2>&1; } ||
    missing+=(openjdk-17-jdk-headless)
hm__apt_install "${missing[@]}"

host_pid=
ceiling_pid=
tmp=
started_services=

bench_stop_pid() {
    local pid=$1 waited=0
    hm__pid_alive "$pid" || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    while hm__pid_alive "$pid" && (( waited < 150 )); do sleep 0.1; waited=$(( waited + 1 )); done
    hm__pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
}

bench_cleanup() {
    [[ -z $host_pid ]] || bench_stop_pid "$host_pid"
    [[ -z $ceiling_pid ]] || bench_stop_pid "$ceiling_pid"
    [[ -z $tmp ]] || rm -rf "$tmp"
    [[ -z $started_services ]] || hm_services_down
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if [[ -n $env_file ]]; then
    [[ -r $env_file ]] || hm_die "cannot read $env_file"
    # shellcheck source=/dev/null
    source "$env_file"
fi
if [[ -n ${HARBORMASTER_DOCKER_HOSTS:-} ]]; then
    services_note="already running, settings from ${env_file:-the environment}"
else
    hm_install_prereqs
    started_services=1
    hm_services_up
    # shellcheck source=/dev/null
    source "$HM_ENV_FILE"
    services_note="this checkout's, via scripts/lib/services.sh (stops on exit only what it started)"
fi

if [[ $docker_mode == dev ]]; then
    docker_hosts=$HARBORMASTER_DOCKER_HOSTS
    case $docker_hosts in
        unix://*,* | tcp://*,*) docker_note="several endpoints" ;;
        unix://*) docker_note="unix socket" ;;
        tcp://*) docker_note="TCP with mutual TLS" ;;
        *) docker_note="?" ;;
    esac
else
    docker_hosts=${HARBORMASTER_TEST_DOCKER_TLS_ENDPOINT:?--docker tls needs HARBORMASTER_TEST_DOCKER_TLS_ENDPOINT (from .dev/env)}
    tls_dir=${HARBORMASTER_TEST_TLS_DIR:?--docker tls needs HARBORMASTER_TEST_TLS_DIR (from .dev/env)}
    for f in ca.pem cert.pem key.pem; do [[ -r $tls_dir/$f ]] || hm_die "cannot read $tls_dir/$f"; done
    docker_note="TCP with mutual TLS"
fi

# A manager that does not answer would show up as a cold start that never ends; say so at once instead.
if [[ $docker_hosts == unix://* && $docker_hosts != *,* ]]; then
    curl -s -m 5 --unix-socket "${docker_hosts#unix://}" http://docker/_ping >/dev/null ||
        hm_die "the manager does not answer on $docker_hosts"
fi

# ---------------------------------------------------------------------------------------------
# Build and package size
# ---------------------------------------------------------------------------------------------

cd "$HM_ROOT"
mkdir -p "$BENCH_OUT"
rm -rf "$BENCH_LOGS"
mkdir -p "$BENCH_LOGS"
tmp=$(mktemp -d /tmp/hm-bench.XXXXXX)
chmod 700 "$tmp"

if [[ -z $skip_build ]]; then
    bench_log "building (mvn -o -B -q -DskipTests package)"
    mvn -o -B -q -DskipTests -pl local -am package dependency:build-classpath \
        -Dmdep.outputFile="$BENCH_OUT/classpath" -Dmdep.includeScope=runtime >&2
elif [[ ! -s $BENCH_OUT/classpath ]]; then
    mvn -o -B -q -pl local dependency:build-classpath -Dmdep.outputFile="$BENCH_OUT/classpath" -Dmdep.includeScope=runtime >&2
fi
[[ -f local/target/classes/io/harbormaster/local/LocalHost.class ]] ||
    hm_die "local/target/classes has no LocalHost; run without --skip-build"
[[ -f functions/target/classes/io/harbormaster/functions/ControlPlane.class ]] ||
    hm_die "functions/target/classes has no ControlPlane; run without --skip-build"
[[ -d $STAGING ]] || hm_die "no staging folder $STAGING; run without --skip-build"
# This checkout's classes, never a harbormaster jar that the classpath file may name from ~/.m2: resolved without
# the reactor (--skip-build), the functions module is whatever was last installed there, not the code under test.
classpath="local/target/classes:functions/target/classes:$(tr ':' '\n' <"$BENCH_OUT/classpath" |
    grep -v '/io/harbormaster/' | paste -sd: -)"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

package_bytes=$(find "$STAGING" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
package_files=$(find "$STAGING" -type f | wc -l)
rm -f "$BENCH_OUT/package.zip"
jar --create --no-manifest --file "$BENCH_OUT/package.zip" -C "$STAGING" .
zip_bytes=$(stat -c %s "$BENCH_OUT/package.zip")
echo "package: $(mib "$package_bytes") MiB in $package_files files, $(mib "$zip_bytes") MiB zipped ($STAGING)"

# ---------------------------------------------------------------------------------------------
# The local host
# ---------------------------------------------------------------------------------------------

# The master key: /api/join/{role} is an operator (ADMIN) route. The function key only has to exist.
key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
function_key=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
header_file="$tmp/key-header"
(umask 077 && printf 'x-functions-key: %s\n' "$key" >"$header_file")
host_threads=${HARBORMASTER_LOCAL_THREADS:-32}

free_port() {
    local port _
    for _ in $(seq 100); do
        port=$(( 20000 + RANDOM % 20000 ))
        hm__port_in_use "$port" || { echo "$port"; return 0; }
    done
    hm_die "found no free port between 20000 and 40000"
}

# Starts the host the way scripts/dev.sh does; sets host_pid and host_port. The key and PEMs reach it
# through exported variables, which `ps` does not show.
start_host() {
    local log=$1
    host_port=$(free_port)
    (
        export HARBORMASTER_DOCKER_HOSTS=$docker_hosts
        export HARBORMASTER_LOCAL_FUNCTION_KEY=$function_key
        export HARBORMASTER_LOCAL_MASTER_KEY=$key
        export HARBORMASTER_LOCAL_PORT=$host_port
        export HARBORMASTER_LOCAL_BIND_ADDRESS=127.0.0.1
        export HARBORMASTER_LOCAL_THREADS=$host_threads
        export HARBORMASTER_CAPACITY_SCHEDULE=${HARBORMASTER_CAPACITY_SCHEDULE:-*/30 * * * * *}
        if [[ $docker_mode == tls ]]; then
            HARBORMASTER_DOCKER_TLS_CA_PEM=$(cat "$tls_dir/ca.pem")
            HARBORMASTER_DOCKER_TLS_CERT_PEM=$(cat "$tls_dir/cert.pem")
            HARBORMASTER_DOCKER_TLS_KEY_PEM=$(cat "$tls_dir/key.pem")
            export HARBORMASTER_DOCKER_TLS_CA_PEM HARBORMASTER_DOCKER_TLS_CERT_PEM HARBORMASTER_DOCKER_TLS_KEY_PEM
        fi
        # Split into words on purpose, as in scripts/dev.sh (several -D/-X options).
        # shellcheck disable=SC2086
        # The startup trace prints milestones since JVM start to stderr (the log), nothing after the first reply.
        exec java -Dsun.net.httpserver.nodelay=true -Dharbormaster.startup.trace=true ${HARBORMASTER_LOCAL_TRUST_OPTS:-} \
            ${HARBORMASTER_JAVA_OPTS:-} \
            -cp "$classpath" \
            io.harbormaster.local.LocalHost
    ) </dev/null >"$log" 2>&1 &
    host_pid=$!
}

# Polls until GET $1 answers 200; prints the milliseconds since $2 (epoch ms). Dies with the log if the
# process ($3) exits or 60 s pass.
await_200() {
    local url=$1 since=$2 pid=$3 log=$4 code=000 deadline authority
    deadline=$(( since + 60000 ))
    authority=${url#http://}
    authority=${authority%%/*}
    while :; do
        # Until the port is open, test it with bash's /dev/tcp: no process per try to slow the booting JVM.
        if { : <>"/dev/tcp/${authority%:*}/${authority##*:}"; } 2>/dev/null; then
            code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' -H @"$header_file" "$url" 2>/dev/null) || true
            [[ $code != 200 ]] || break
        fi
        if ! hm__pid_alive "$pid"; then
            hm__log_tail "$log"
            hm_die "the server exited before answering $url (last HTTP status $code)"
        fi
        if (( $(hm__now_ms) >= deadline )); then
            hm__log_tail "$log"
            hm_die "no 200 from $url within 60 s (last HTTP status $code)"
        fi
        sleep 0.02
    done
    echo $(( $(hm__now_ms) - since ))
}

proc_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

median() { sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print (NR % 2) ? v[m] : int((v[m] + v[m + 1]) / 2) }'; }

# Runs wrk with the report script and prints its HM_WRK line; the full wrk output goes to $2.
run_wrk() {
    local url=$1 out=$2 seconds=$3
    HM_BENCH_KEY=$key "${wrk_pin[@]}" wrk -t"$wrk_threads" -c"$wrk_connections" -d"${seconds}s" --latency -s "$LUA" "$url" >"$out" 2>&1 ||
        { cat "$out" >&2; hm_die "wrk failed against $url"; }
    grep '^HM_WRK ' "$out" || { cat "$out" >&2; hm_die "wrk printed no HM_WRK line"; }
}

field() { local line=$1 name=$2; [[ $line =~ (^|\ )$name=([0-9]+) ]] && echo "${BASH_REMATCH[2]}"; }
rps() { awk -v r="$(field "$1" requests)" -v d="$(field "$1" duration_us)" 'BEGIN { printf "%.0f", r / d * 1e6 }'; }
ms() { awk -v us="$(field "$1" "$2")" 'BEGIN { printf "%.2f", us / 1000 }'; }
failures() { echo $(( $(field "$1" non2xx) + $(field "$1" connect) + $(field "$1" read) + $(field "$1" write) + $(field "$1" timeout) )); }

# ---------------------------------------------------------------------------------------------
# Cold starts
# ---------------------------------------------------------------------------------------------

# After the build, whose own load is not what the reader needs to know about.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench_log "docker endpoint: $docker_note ($docker_hosts); services: $services_note"
cold=()
host_start=()
for (( i = 1; i <= runs; i++ )); do
    log="$BENCH_LOGS/host-$i.log"
    t0=$(hm__now_ms)
    start_host "$log"
    elapsed=$(await_200 "http://127.0.0.1:$host_port/api/join/worker" "$t0" "$host_pid" "$log")
    cold+=("$elapsed")
    own=$(sed -n 's/^Host started in \([0-9]*\) ms$/\1/p' "$log" | head -n 1)
    host_start+=("${own:-0}")
    rss_idle_kib=$(proc_kib "$host_pid" VmRSS)
    echo "cold start $i/$runs: ${elapsed} ms to the first 200 (host's own start ${own:-?} ms; RSS then $(mib $(( rss_idle_kib * 1024 ))) MiB)"
    # Since JVM start, from the host's startup trace: main entered, listening, first reply sent.
    trace() { sed -n "s/^\[startup\] +\([0-9]*\) ms $1.*/\1/p" "$log" | head -n 1; }
    echo "  trace since JVM start: main $(trace 'local host: start') ms, control plane built $(trace 'control plane: built') ms," \
        "listening $(trace 'local host: listening') ms, first reply $(trace 'local host: first reply') ms"
    # The last host stays up for the load.
    (( i == runs )) || { bench_stop_pid "$host_pid"; host_pid=; }
done
cold_median=$(printf '%s\n' "${cold[@]}" | median)
cold_min=$(printf '%s\n' "${cold[@]}" | sort -n | head -n 1)
cold_max=$(printf '%s\n' "${cold[@]}" | sort -n | tail -n 1)
host_start_median=$(printf '%s\n' "${host_start[@]}" | median)

# ---------------------------------------------------------------------------------------------
# Load: the host, then the ceiling
# ---------------------------------------------------------------------------------------------

join_url="http://127.0.0.1:$host_port/api/join/worker"
if (( warmup > 0 )); then
    bench_log "warming up the host for ${warmup}s"
    run_wrk "$join_url" "$BENCH_LOGS/wrk-join-warmup.txt" "$warmup" >/dev/null
fi
bench_log "measuring join for ${duration}s: wrk -t$wrk_threads -c$wrk_connections --latency${wrk_cpus:+ on CPU(s) $wrk_cpus}"
join=$(run_wrk "$join_url" "$BENCH_LOGS/wrk-join.txt" "$duration")
echo "join:    $(rps "$join") requests/s, p50 $(ms "$join" p50_us) ms, p99 $(ms "$join" p99_us) ms, failed $(failures "$join")"

rss_load_kib=$(proc_kib "$host_pid" VmRSS)
hwm_kib=$(proc_kib "$host_pid" VmHWM)
# "used" as found includes garbage the collector has not needed to reclaim; after GC.run it is the live set.
heap_info() {
    jcmd "$host_pid" GC.heap_info 2>/dev/null | awk '/ heap +total/ {
        for (i = 1; i <= NF; i++) { if ($i == "total") t = $(i + 1); if ($i == "used") u = $(i + 1) }
        gsub(/[K,]/, "", t); gsub(/[K,]/, "", u); printf "%.1f MiB used of %.1f MiB committed", u / 1024, t / 1024; exit }'
}
heap=$(heap_info) || true
heap_max=$(jcmd "$host_pid" VM.flags 2>/dev/null | tr ' ' '\n' | sed -n 's/^-XX:MaxHeapSize=//p') || true
jcmd "$host_pid" GC.run >/dev/null 2>&1 || true
heap_live=$(heap_info) || true
heap=${heap:-n/a}
heap_live=${heap_live:-n/a}
heap_max=$([[ -n $heap_max ]] && mib "$heap_max" || echo "?")
echo "host memory after load: RSS $(mib $(( rss_load_kib * 1024 ))) MiB (peak $(mib $(( hwm_kib * 1024 ))) MiB)," \
    "heap $heap (max $heap_max MiB), after a full GC $heap_live"
bench_stop_pid "$host_pid"
host_pid=

ceiling_log="$BENCH_LOGS/ceiling.log"
ceiling_port=$(free_port)
# shellcheck disable=SC2086 # as for the host
java -Dsun.net.httpserver.nodelay=true ${HARBORMASTER_JAVA_OPTS:-} "$HM_ROOT/bench/CeilingServer.java" \
    "$ceiling_port" "$host_threads" </dev/null >"$ceiling_log" 2>&1 &
ceiling_pid=$!
ceiling_url="http://127.0.0.1:$ceiling_port/"
await_200 "$ceiling_url" "$(hm__now_ms)" "$ceiling_pid" "$ceiling_log" >/dev/null
if (( warmup > 0 )); then
    run_wrk "$ceiling_url" "$BENCH_LOGS/wrk-ceiling-warmup.txt" "$warmup" >/dev/null
fi
bench_log "measuring the ceiling for ${duration}s"
ceiling=$(run_wrk "$ceiling_url" "$BENCH_LOGS/wrk-ceiling.txt" "$duration")
ceiling_rss_kib=$(proc_kib "$ceiling_pid" VmRSS)
echo "ceiling: $(rps "$ceiling") requests/s, p50 $(ms "$ceiling" p50_us) ms, p99 $(ms "$ceiling" p99_us) ms, failed $(failures "$ceiling")"
bench_stop_pid "$ceiling_pid"
ceiling_pid=
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
# No secret in what we keep
# ---------------------------------------------------------------------------------------------

# Patterns from a 0600 file: as a grep argument the key would show in `ps`.
(umask 077 && printf 'SWMTKN\n%s\n' "$key" >"$tmp/secrets")
if grep -rlqF -f "$tmp/secrets" "$BENCH_LOGS"; then
    rm -rf "$BENCH_LOGS"
    hm_die "a swarm token or the master key reached the logs; they were deleted. This is a bug in the host."
fi

# ---------------------------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------------------------

row() { printf '  %-44s %s\n' "$1" "$2"; }
echo
echo "== join benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $load_before before / $load_after after =="
echo "   $(java -version 2>&1 | head -n 1); JVM options: -Dsun.net.httpserver.nodelay=true ${HARBORMASTER_JAVA_OPTS:-}"
echo "   docker endpoint: $docker_note ($docker_hosts); host threads $host_threads"
echo "   load: wrk -t$wrk_threads -c$wrk_connections -d${duration}s --latency after a ${warmup}s warm-up${wrk_cpus:+, wrk pinned to CPU(s) $wrk_cpus}"
row "deployment package, uncompressed" "$(mib "$package_bytes") MiB ($package_files files)"
row "deployment package, zipped (jar)" "$(mib "$zip_bytes") MiB"
row "cold start to first join 200, median of $runs" "$cold_median ms (min $cold_min, max $cold_max)"
row "  of which the host's own start (its log)" "$host_start_median ms"
row "join: requests/s" "$(rps "$join")"
row "join: latency p50 / p99" "$(ms "$join" p50_us) / $(ms "$join" p99_us) ms"
row "ceiling (trivial JDK HttpServer): requests/s" "$(rps "$ceiling")"
row "ceiling: latency p50 / p99" "$(ms "$ceiling" p50_us) / $(ms "$ceiling" p99_us) ms"
row "join throughput / ceiling" "$(awk -v j="$(rps "$join")" -v c="$(rps "$ceiling")" 'BEGIN { printf "%.1f %%", 100 * j / c }')"
row "host RSS after first join (last cold start)" "$(mib $(( rss_idle_kib * 1024 ))) MiB"
row "host RSS after load (peak)" "$(mib $(( rss_load_kib * 1024 ))) MiB ($(mib $(( hwm_kib * 1024 ))) MiB)"
row "host heap after load (max heap $heap_max MiB)" "$heap"
row "host heap after load and a full GC" "$heap_live"
row "ceiling server RSS after load" "$(mib $(( ceiling_rss_kib * 1024 ))) MiB"
row "failed requests: join / ceiling" "$(failures "$join") / $(failures "$ceiling")"
echo "   wrk output and host logs: $BENCH_LOGS"

if (( $(failures "$join") + $(failures "$ceiling") > 0 )); then
    bench_log "some measured requests failed (non-2xx or socket errors): the figures above are not valid"
    exit 3
fi
