#!/usr/bin/env bash
# Runs the benchmarks (not part of mvn verify), each in its own JVM so heap and RSS figures are its
# own, prints their tables and writes JSON to bench/results/. Arguments: any of
# dispatch e2e scrape memory callback (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -Pbench -pl bench -am install -DskipTests
benchmarks=("$@")
[ ${#benchmarks[@]} -gt 0 ] || benchmarks=(dispatch e2e scrape memory callback)
for b in "${benchmarks[@]}"; do
  java -jar bench/target/batch-bench.jar "$b" 2>/dev/null
done
