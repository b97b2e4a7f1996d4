#!/usr/bin/env bash
# Shared by the benchmarks that run a main from the local module's test classes against the real local services.
# shellcheck source-path=SCRIPTDIR/.. source=scripts/lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/scripts/lib/services.sh"

# bench_run_main CLASS [ARG...]: installs what is missing, starts (or reuses) the services, builds, runs CLASS with
# HARBORMASTER_JAVA_OPTS, and stops on exit only the services it started.
bench_run_main() {
    local main=$1
    shift
    hm_install_prereqs
    hm_stop_on_exit
    hm_services_up
    # shellcheck source=/dev/null
    source "$HM_ENV_FILE"
    cd "$HM_ROOT"
    mkdir -p target/bench
    mvn -B -q -DskipTests -pl local -am package dependency:build-classpath \
        -Dmdep.outputFile="$HM_ROOT/target/bench/test-classpath" -Dmdep.includeScope=test
    # shellcheck disable=SC2086
    java ${HARBORMASTER_JAVA_OPTS:-} \
        -cp "local/target/test-classes:local/target/classes:$(cat "$HM_ROOT/target/bench/test-classpath")" "$main" "$@"
}
