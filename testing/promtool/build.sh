#!/usr/bin/env bash
# Builds Prometheus' promtool (test tooling: the chart's alert rules are checked with
# `promtool test rules`) from Go modules, pinned by go.mod/go.sum through a `tool` directive, and
# caches the binary keyed by go.mod and go.sum: a rebuild with nothing changed is a copy. The
# tests (AlertRulesTest) find it at testing/promtool/bin/promtool.
#
#   testing/promtool/build.sh          # build or reuse
#   TEST_APISERVER_CACHE=/some/dir ... # where binaries are cached (default ~/.cache/batch-job-controller)
set -euo pipefail
cd "$(dirname "$0")"

command -v go >/dev/null 2>&1 || { echo "build.sh: Go is needed to build promtool (go 1.26+)" >&2; exit 1; }
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

key=$(cat go.mod go.sum | sha256sum | cut -c1-16)
cache="${TEST_APISERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batch-job-controller}/promtool-$key"
mkdir -p bin
if [ -x "$cache" ]; then
  cp -f "$cache" bin/promtool
  echo "promtool: cached build $key"
  exit 0
fi
echo "promtool: building $key (prometheus $(awk '$1=="github.com/prometheus/prometheus"{print $2}' go.mod), no service discovery plugins)"
start=$(date +%s)
mkdir -p "$(dirname "$cache")"
# remove_all_sd: promtool links every service discovery plugin (cloud SDKs) by default; rule tests
# need none of them, and leaving them out halves the build.
go build -trimpath -tags remove_all_sd -ldflags='-s -w' -o "$cache.tmp" github.com/prometheus/prometheus/cmd/promtool
mv -f "$cache.tmp" "$cache"
cp -f "$cache" bin/promtool
echo "promtool: built in $(( $(date +%s) - start )) s -> bin/promtool"
