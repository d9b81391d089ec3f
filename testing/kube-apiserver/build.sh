#!/usr/bin/env bash
# Builds the test API server (kube-apiserver + embedded etcd, see main.go) and caches the binary
# keyed by go.mod, go.sum and the sources: a rebuild with nothing changed is a copy. The tests
# (*RealApiIT) find it at testing/kube-apiserver/bin/test-apiserver.
#
#   testing/kube-apiserver/build.sh          # build or reuse
#   TEST_APISERVER_CACHE=/some/dir ...       # where binaries are cached (default ~/.cache/batch-job-controller)
set -euo pipefail
cd "$(dirname "$0")"

command -v go >/dev/null 2>&1 || { echo "build.sh: Go is needed to build the test API server (go 1.26+)" >&2; exit 1; }
export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local

key=$(cat go.mod go.sum ./*.go | sha256sum | cut -c1-16)
cache="${TEST_APISERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batch-job-controller}/test-apiserver-$key"
mkdir -p bin
if [ -x "$cache" ]; then
  cp -f "$cache" bin/test-apiserver
  echo "test API server: cached build $key"
  exit 0
fi
echo "test API server: building $key (kube-apiserver $(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod) with embedded etcd; ~15 min and ~3 GB of Go caches on 2 cores the first time)"
start=$(date +%s)
mkdir -p "$(dirname "$cache")"
go build -trimpath -ldflags='-s -w' -o "$cache.tmp" .
mv -f "$cache.tmp" "$cache"
cp -f "$cache" bin/test-apiserver
echo "test API server: built in $(( $(date +%s) - start )) s -> bin/test-apiserver"
