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
mvn -B -q -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile="$HM_DEV/classpath" -Dmdep.includeScope=runtime

if [[ ! -f target/classes/io/harbormaster/local/LocalHost.class ]]; then
    echo "[dev] ERROR: io.harbormaster.local.LocalHost is not in target/classes (not written yet?)" >&2
    exit 1
fi

port=${HARBORMASTER_LOCAL_PORT:-7071}
cat >&2 <<INFO

[dev] Harbormaster local host on http://localhost:$port  (Ctrl-C to stop)
  without the key (expect 401):
    curl -i http://localhost:$port/api/join/worker
  with the function key:
    curl -s -H "x-functions-key: \$(cat $key_file)" http://localhost:$port/api/join/worker
  the swarm manager:
    docker -H $HARBORMASTER_DOCKER_HOSTS node ls

INFO

rc=0
# HARBORMASTER_JAVA_OPTS is split into words on purpose (several -D/-X options).
# nodelay: the JDK HttpServer otherwise stalls ~40 ms per response on loopback (Nagle meeting
# delayed ACKs; shared/notes/http-on-loopback.md).
# shellcheck disable=SC2086
HARBORMASTER_LOCAL_FUNCTION_KEY=$(cat "$key_file") \
HARBORMASTER_LOCAL_PORT=$port \
    java -Dsun.net.httpserver.nodelay=true ${HARBORMASTER_JAVA_OPTS:-} \
    -cp "target/classes:$(cat "$HM_DEV/classpath")" io.harbormaster.local.LocalHost "$@" || rc=$?
exit "$rc"
