#!/usr/bin/env bash
# Status page benchmark: the render time of 100 nodes and 1,000 tasks in Debian's headless chromium, from the data's
# arrival to the paint (performance.now()), and the status data's cost on the server at that size.
#
# Usage: bench/page.sh [NODES] [TASKS] [RUNS]   (defaults 100 1000 15)
#
# Needs no service: the page's files come from the jar and its data is synthetic (io.harbormaster.status.SyntheticCluster).
# Installs chromium (and a JDK, Maven) if missing; MAVEN_ARGS=-o builds offline. HARBORMASTER_JAVA_OPTS goes to the JVM.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR/.. source=scripts/lib/services.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)/scripts/lib/services.sh"

pkgs=()
[[ -x /usr/bin/chromium ]] || pkgs+=(chromium)
command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
command -v javac >/dev/null 2>&1 || pkgs+=(openjdk-17-jdk-headless)
hm__apt_install "${pkgs[@]}"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

cd "$HM_ROOT"
mkdir -p target/bench
mvn -B -q -DskipTests -pl functions,local package dependency:build-classpath \
    -Dmdep.outputFile="$HM_ROOT/target/bench/test-classpath" -Dmdep.includeScope=test
# shellcheck disable=SC2086
exec java ${HARBORMASTER_JAVA_OPTS:-} \
    -cp "$HM_ROOT/local/target/test-classes:$HM_ROOT/local/target/classes:$(cat "$HM_ROOT/target/bench/test-classpath")" \
    io.harbormaster.bench.StatusPageBenchmark "${1:-100}" "${2:-1000}" "${3:-15}"
