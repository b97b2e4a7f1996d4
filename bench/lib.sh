#!/usr/bin/env bash
# Shared by the benchmarks that run a main from the local module's test classes against the real local services.
# shellcheck source-path=SCRIPTDIR/.. source=scripts/lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/scripts/lib/services.sh"

# bench_run_main CLASS [ARG...]: installs what is missing, starts (or reuses) the services, builds, runs CLASS with
# HARBORMASTER_JAVA_OPTS, and stops on exit only the services it started.
bench_run_main() {
    local main=$1
    shift
    bench_prepare
    bench_java "$main" "$@"
}

# bench_prepare: the services and the build, for a script that runs several mains. With BENCH_USE_ENV=1 and
# HARBORMASTER_DOCKER_HOSTS set, the services that environment names are used as they are (none is started or
# stopped) and Maven runs offline: for a machine whose services someone else runs.
bench_prepare() {
    if [[ ${BENCH_USE_ENV:-} == 1 && -n ${HARBORMASTER_DOCKER_HOSTS:-} ]]; then
        cd "$HM_ROOT"
        mkdir -p target/bench
        mvn -o -B -q -DskipTests -pl local -am package dependency:build-classpath \
            -Dmdep.outputFile="$HM_ROOT/target/bench/test-classpath" -Dmdep.includeScope=test
        return
    fi
    hm_install_prereqs
    hm_stop_on_exit
    hm_services_up
    # shellcheck source=/dev/null
    source "$HM_ENV_FILE"
    cd "$HM_ROOT"
    mkdir -p target/bench
    mvn -B -q -DskipTests -pl local -am package dependency:build-classpath \
        -Dmdep.outputFile="$HM_ROOT/target/bench/test-classpath" -Dmdep.includeScope=test
}

# bench_java CLASS [ARG...]: runs CLASS from the local module's test classes, after bench_prepare.
bench_java() {
    local main=$1
    shift
    # shellcheck disable=SC2086
    # HARBORMASTER_LOCAL_TRUST_OPTS (.dev/env): trust the local CA, for Azurite over https.
    java ${HARBORMASTER_LOCAL_TRUST_OPTS:-} ${HARBORMASTER_JAVA_OPTS:-} \
        -cp "$HM_ROOT/local/target/test-classes:$HM_ROOT/local/target/classes:$(cat "$HM_ROOT/target/bench/test-classpath")" \
        "$main" "$@"
}
