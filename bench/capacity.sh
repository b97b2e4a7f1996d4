#!/usr/bin/env bash
# Benchmarks the capacity planner: compiles the tests, then runs CapacityPlannerBenchmark on a synthetic cluster
# (1,000 nodes and 50,000 tasks unless given) with a fixed heap, and prints median and p90 planning time (by the clock
# and as the planning thread's CPU time, which is the figure to compare on a loaded machine) and heap;
# then the same cluster as 5 pools (FleetPlanner: the fleet's index, expander, partition, one plan per pool) and the port calls of one
# whole check of those pools on the in-memory fakes (Docker 3; ARM 2 per pool).
# Usage: bench/capacity.sh [nodes] [tasks] [runs]; HEAP=1g bench/capacity.sh for another heap size.
set -euo pipefail
cd "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

heap=${HEAP:-512m}
classpath_file=target/capacity-bench.classpath
mkdir -p target
mvn -B -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$classpath_file" \
    -Dmdep.includeScope=test
# A fixed heap (min = max) so that the figures do not depend on how far the JVM grew it.
exec java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC \
    -cp "functions/target/test-classes:functions/target/classes:$(cat "$classpath_file")" \
    io.harbormaster.capacity.CapacityPlannerBenchmark "$@"
