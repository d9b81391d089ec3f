#!/usr/bin/env bash
# Proves the enforcer rule in batch-core/pom.xml bites: in a scratch copy of the build, give
# batch-core each banned dependency in turn and expect the build to fail with our message.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp "$top/pom.xml" "$scratch/"
mkdir -p "$scratch/batch-core"
cp "$top/batch-core/pom.xml" "$scratch/batch-core/"

# The untouched scratch build must pass, so every failure below is the ban's doing.
if ! out=$(cd "$scratch" && mvn -B -ntp -q -f batch-core/pom.xml validate 2>&1); then
  echo "FAIL: the scratch copy of batch-core does not build even without a banned dependency:" >&2
  echo "$out" | tail -20 >&2
  exit 1
fi

for coordinates in io.undertow:undertow-core:2.4.4.Final io.prometheus:prometheus-metrics-core:1.10.0 \
                   io.fabric8:kubernetes-client-api:7.9.0 io.netty:netty-buffer:4.1.118.Final io.vertx:vertx-core:4.5.14; do
  IFS=: read -r group artifact version <<<"$coordinates"
  cp "$top/batch-core/pom.xml" "$scratch/batch-core/pom.xml"
  python3 - "$scratch/batch-core/pom.xml" "$group" "$artifact" "$version" <<'PY'
import sys
path, g, a, v = sys.argv[1:]
s = open(path).read()
dep = f"    <dependency>\n      <groupId>{g}</groupId>\n      <artifactId>{a}</artifactId>\n      <version>{v}</version>\n    </dependency>\n"
s = s.replace("  <dependencies>\n", "  <dependencies>\n" + dep, 1)
open(path, "w").write(s)
PY
  # Build the core POM alone: the scratch copy holds no other module.
  if out=$(cd "$scratch" && mvn -B -ntp -q -f batch-core/pom.xml validate 2>&1); then
    echo "FAIL: batch-core accepted a dependency on $coordinates" >&2
    exit 1
  fi
  if ! grep -q "batch-core must not depend on" <<<"$out"; then
    echo "FAIL: the build failed for another reason with $coordinates:" >&2
    echo "$out" | tail -20 >&2
    exit 1
  fi
  echo "ok: batch-core refuses $coordinates"
done
