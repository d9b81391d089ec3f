#!/usr/bin/env bash
# Runs the benchmarks (not part of mvn verify) and prints their tables; results go to bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -Pbench -pl bench -am install -DskipTests
java -Xlog:disable -jar bench/target/batch-bench.jar "${1:-5}" bench/results/engine-dispatch.json
