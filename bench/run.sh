#!/usr/bin/env bash
# Runs the benchmarks (not part of mvn verify), each in its own JVM so heap and RSS figures are its
# own, prints their tables, writes JSON to bench/results/ and ends with one summary table over all
# result files. Arguments: any of dispatch e2e scrape series-memory memory floor callback dashboard summary (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
# batch-app too: the memory benchmark runs its packaged jar as the controller process.
mvn -B -ntp -q -Pbench -pl bench,batch-app -am install -DskipTests
benchmarks=("$@")
[ ${#benchmarks[@]} -gt 0 ] || benchmarks=(dispatch e2e scrape series-memory memory floor callback dashboard summary)
for b in "${benchmarks[@]}"; do
  # series-memory runs at the heap the goal names: 30 x 10,000 unique series in 512 MiB, with room to scrape.
  if [ "$b" = series-memory ]; then java -Xmx512m -jar bench/target/batch-bench.jar "$b"; else java -jar bench/target/batch-bench.jar "$b"; fi
done
