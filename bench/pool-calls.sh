#!/usr/bin/env bash
# ARM calls per capacity check for a Uniform and a Flexible scale set of the same size, through the production
# AzureScaleSet against the emulator's ARM server (in-memory machines: no services, no root needed), with the median
# and p90 time of the reads. The README's ARM budget: Uniform 2 per pool, Flexible 3 per pool, plus pages.
# Usage: bench/pool-calls.sh [VMS] [PAGE_SIZE] [RUNS]   (defaults 1000, 1000, 20)
set -euo pipefail
cd "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
mkdir -p target/bench
mvn -o -B -q -DskipTests -pl local -am package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/target/bench/test-classpath" -Dmdep.includeScope=test
exec java -cp "local/target/test-classes:local/target/classes:$(cat target/bench/test-classpath)" \
    io.harbormaster.bench.PoolCallsBenchmark "$@"
