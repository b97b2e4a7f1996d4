#!/usr/bin/env bash
# Benchmarks what one attestation costs in CPU (trust.AttestationBenchmark): the first verification (chain built), later
# ones (chain cached), authentication by attestation and by credential, with in-memory storage and ARM stand-ins.
# Usage: bench/attestation.sh [runs]
set -euo pipefail
cd "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"

classpath_file=target/attestation-bench.classpath
mkdir -p target
mvn -o -B -q -pl functions test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/$classpath_file" \
    -Dmdep.includeScope=test
exec java -Xms256m -Xmx256m -XX:+UseG1GC \
    -cp "functions/target/test-classes:functions/target/classes:$(cat "$classpath_file")" \
    io.harbormaster.trust.AttestationBenchmark "$@"
