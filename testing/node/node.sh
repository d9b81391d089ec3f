#!/usr/bin/env bash
# A real Kubernetes node for the tests (*RealNodeIT): the kubelet, kube-proxy,
# kube-controller-manager and kube-scheduler of k8s.io/kubernetes (built here from Go modules,
# the same version as the test API server),
# Debian's containerd, runc and CNI plugins, and images written without a registry or a Docker
# daemon. Test tooling only: nothing of the product is Go.
#
#   testing/node/node.sh build
#       builds or reuses bin/test-node (kubelet, kube-proxy, controller-manager, scheduler, image
#       writer, forwarder; cached like
#       the API server, keyed by go.mod, go.sum and the sources) and writes the image archives
#       bin/pause.tar (batch-test/pause:1) and bin/job.tar (batch-test/job:1: busybox-static and
#       curl, from Debian packages).
#   testing/node/node.sh run --kubeconfig ADMIN_KUBECONFIG --token TOKEN [--state DIR] [--image ARCHIVE]...
#       starts one node, "bjc-node", against the test API server of ADMIN_KUBECONFIG, which must
#       have been started with --token-auth-file holding "TOKEN,system:node:bjc-node,bjc-node,system:nodes"
#       (the kubelet's identity: user system:node:bjc-node in group system:nodes). Prints one JSON
#       line starting with {"ready": once the node is Ready, then runs until SIGTERM, SIGINT or the
#       end of standard input, and stops everything it started and removes its state.
#
# Needs root, containerd, runc and containernetworking-plugins (Debian packages; .ci/run installs
# them). cgroups v1 and v2 both work (the kubelet runs with failCgroupV1: false). One node at a
# time per machine: it owns the addresses below.
#
# The node's address is 10.250.0.1 on bjc-node0, an empty bridge standing in for a dummy
# interface (the kubelet refuses a loopback node IP, the API server reaches the kubelet's log
# endpoint at the node's InternalIP, and a container cannot load the dummy module); pods get
# 10.244.0.0/24 on the bridge bjc0 that the CNI plugin makes, and reach 10.250.0.1 through their
# gateway, the machine itself; Services 10.96.0.0/16 through kube-proxy (iptables). Pods
# cannot reach the API server on 127.0.0.1, so the `kubernetes` Service's endpoint is a forwarder
# on 10.250.0.1:6443. Nothing binds to an outside address.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
NODE=bjc-node
NODE_IP=10.250.0.1
POD_CIDR=10.244.0.0/24
NODE_LINK=bjc-node0
BRIDGE=bjc0

log() { echo "node.sh: $*" >&2; }

build() {
  command -v go >/dev/null 2>&1 || { log "Go is needed to build the test node (go 1.26+)"; exit 1; }
  export GOFLAGS=-buildvcs=false GOTOOLCHAIN=local
  cd "$here"
  local version key cache start
  version=$(awk '$1=="k8s.io/kubernetes"{print $2}' go.mod)
  key=$(cat go.mod go.sum ./*.go pause/*.go | sha256sum | cut -c1-16)
  cache="${TEST_APISERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batch-job-controller}/test-node-$key"
  mkdir -p bin "$(dirname "$cache")"
  if [ -x "$cache/test-node" ]; then
    log "test node: cached build $key"
  else
    log "test node: building $key (kubelet, kube-proxy, kube-controller-manager, kube-scheduler $version; minutes on 2 cores with the API server's Go caches)"
    start=$(date +%s)
    rm -rf "$cache.tmp" && mkdir -p "$cache.tmp"
    go build -trimpath -ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$(echo "$version" | cut -d. -f2)" \
      -o "$cache.tmp/test-node" .
    CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$cache.tmp/pause" ./pause
    rm -rf "$cache" && mv "$cache.tmp" "$cache"
    log "test node: built in $(( $(date +%s) - start )) s"
  fi
  cp -f "$cache/test-node" "$cache/pause" bin/
  images
}

# The pause image (our own pause binary) and the job image (busybox-static for the shell and
# tools, curl with the shared libraries it links, both from Debian packages).
images() {
  local work
  work=$(mktemp -d)
  mkdir -p "$work/pause"
  cp bin/pause "$work/pause/pause"
  bin/test-node image --name batch-test/pause:1 --out bin/pause.tar --dir "$work/pause" --entrypoint '["/pause"]' --user 65535:65535

  # apt's package lists may be empty on a fresh machine: update them once if the download fails.
  (cd "$work" && { apt-get download busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get download busybox-static >/dev/null; }; }) \
    || { log "apt-get download busybox-static failed"; exit 1; }
  dpkg -x "$work"/busybox-static_*.deb "$work/deb"
  local root="$work/job"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  chmod 1777 "$root/tmp"
  cp "$work/deb/bin/busybox" "$root/bin/busybox"
  for tool in sh ls cat echo sleep env wget head tail dd true false test printf mkdir rm; do
    ln -s busybox "$root/bin/$tool"
  done
  command -v curl >/dev/null || { log "curl is needed for the job image (apt-get install -y curl)"; exit 1; }
  with_libraries "$(command -v curl)" "$root" /bin/curl
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$root/etc/passwd"
  [ -d /etc/ssl/certs ] && mkdir -p "$root/etc/ssl" && cp -rL /etc/ssl/certs "$root/etc/ssl/" 2>/dev/null || true
  bin/test-node image --name batch-test/job:1 --out bin/job.tar --dir "$root" --entrypoint '["/bin/sh"]'
  rm -rf "$work"
  log "images: bin/pause.tar (batch-test/pause:1), bin/job.tar (batch-test/job:1)"
}

# Copies a dynamically linked program and every library `ldd` names into an image root.
with_libraries() {
  local program=$1 root=$2 target=$3 lib
  mkdir -p "$root$(dirname "$target")"
  cp "$program" "$root$target"
  for lib in $(ldd "$program" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

state=""
containerd_pid=""
others=() # forwarder, kube-proxy, kubelet
cleanup() {
  set +e
  trap - EXIT INT TERM
  log "stopping the node"
  # The kubelet and kube-proxy first, so that nothing starts or routes what is being removed.
  for ((i = ${#others[@]} - 1; i >= 0; i--)); do kill "${others[i]}" 2>/dev/null; done
  for pid in "${others[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "$containerd_pid" ]; then
    local ctr="ctr --address $state/containerd/containerd.sock -n k8s.io" task c
    for task in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks kill -s KILL "$task" >/dev/null 2>&1; done
    for task in $($ctr tasks ls -q 2>/dev/null); do $ctr tasks delete -f "$task" >/dev/null 2>&1; done
    for c in $($ctr containers ls -q 2>/dev/null); do $ctr containers delete "$c" >/dev/null 2>&1; done
    kill "$containerd_pid" 2>/dev/null
    wait "$containerd_pid" 2>/dev/null
  fi
  "$here/bin/test-node" kube-proxy --cleanup >/dev/null 2>&1
  remove_kube_chains
  if [ -n "$state" ]; then
    grep -o " $state[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    grep -o ' /run/netns/cni-[^ ]*' /proc/mounts | while read -r m; do umount -l "$m" 2>/dev/null; rm -f "$m"; done
    rm -rf "$state"
  fi
  for hierarchy in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$hierarchy" ] && find "$hierarchy" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  ip link delete "$BRIDGE" 2>/dev/null
  ip link delete "$NODE_LINK" 2>/dev/null
  log "node stopped, state removed"
}

# The kubelet's own chains (KUBE-FIREWALL, canaries), which kube-proxy --cleanup leaves: the
# jumps to them first, then the chains. Every KUBE-* chain is the node's: one node per machine.
remove_kube_chains() {
  local cmd table rule chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      $cmd -t "$table" -S 2>/dev/null | grep -E '^-A (INPUT|OUTPUT|FORWARD|PREROUTING|POSTROUTING) .*-j KUBE-' | sed 's/^-A/-D/' |
        while read -r rule; do eval "$cmd -t $table $rule" 2>/dev/null; done
      for chain in $($cmd -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do $cmd -t "$table" -F "$chain" 2>/dev/null; done
      for chain in $($cmd -t "$table" -S 2>/dev/null | awk '/^-N KUBE-/{print $2}'); do $cmd -t "$table" -X "$chain" 2>/dev/null; done
    done
  done
}

wait_for() { # seconds, description, command...
  local deadline=$(( $(date +%s) + $1 )) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "$what did not happen in time"
      return 1
    fi
    sleep 0.5
  done
}

run() {
  local kubeconfig="" token="" extra_images=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --kubeconfig) kubeconfig=$2; shift 2 ;;
      --token) token=$2; shift 2 ;;
      --state) state=$2; shift 2 ;;
      --image) extra_images+=("$2"); shift 2 ;;
      *) log "unknown option $1"; exit 2 ;;
    esac
  done
  [ -n "$kubeconfig" ] && [ -n "$token" ] || { log "run needs --kubeconfig and --token"; exit 2; }
  [ "$(id -u)" = 0 ] || { log "the node needs root (containers, network namespaces, cgroups)"; exit 1; }
  for tool in containerd runc ctr ip iptables kubectl; do
    command -v "$tool" >/dev/null || { log "$tool is missing: apt-get install -y containerd runc containernetworking-plugins iptables"; exit 1; }
  done
  [ -x /usr/lib/cni/bridge ] || { log "CNI plugins are missing: apt-get install -y containernetworking-plugins"; exit 1; }
  [ -x "$here/bin/test-node" ] && [ -f "$here/bin/pause.tar" ] || { log "build it first: testing/node/node.sh build"; exit 1; }
  if ip link show "$NODE_LINK" >/dev/null 2>&1; then
    log "another test node runs on this machine (interface $NODE_LINK exists); stop it or run: ip link delete $NODE_LINK"
    exit 1
  fi
  state=${state:-$(mktemp -d /tmp/test-node-XXXXXX)}
  mkdir -p "$state"
  trap cleanup EXIT
  trap 'exit 0' INT TERM

  local k="kubectl --kubeconfig $kubeconfig" server ca apiport
  server=$($k config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
  apiport=${server##*:}
  mkdir -p "$state"
  ca="$state/ca.crt"
  $k config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$ca"
  [ -s "$ca" ] || cp "$($k config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority}')" "$ca"

  ip link add "$NODE_LINK" type bridge
  ip addr add "$NODE_IP/32" dev "$NODE_LINK"
  ip link set "$NODE_LINK" up

  # Pods reach the API server through the kubernetes Service (10.96.0.1:443) -> this forwarder.
  "$here/bin/test-node" forward --listen "$NODE_IP:6443" --to "127.0.0.1:$apiport" &
  others+=($!)
  $k apply -f - >/dev/null <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes, endpointslice.kubernetes.io/managed-by: test-node}}
addressType: IPv4
endpoints: [{addresses: ["$NODE_IP"], conditions: {ready: true}}]
ports: [{name: https, port: 6443, protocol: TCP}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: test-node}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:nodes}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: test-node-proxier}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:node-proxier}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: system:nodes}]
EOF

  mkdir -p "$state/containerd" "$state/cni/net.d" "$state/kubelet" "$state/kube-proxy"
  cat >"$state/node.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "$server", certificate-authority: "$ca"}}]
users: [{name: node, user: {token: "$token"}}]
contexts: [{name: node, context: {cluster: test, user: node}}]
current-context: node
EOF
  cat >"$state/cni/net.d/10-bjc.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bjc", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$state/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "loopback"}]}
EOF
  cat >"$state/containerd/config.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$state/containerd/state"
[grpc]
  address = "$state/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "batch-test/pause:1"
  # Without CAP_SYS_RESOURCE (a container, as here) runc cannot lower oom_score_adj below its own,
  # and every pod sandbox fails with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
  containerd --config "$state/containerd/config.toml" >"$state/containerd.log" 2>&1 &
  containerd_pid=$!
  wait_for 30 "containerd serving" test -S "$state/containerd/containerd.sock"
  local image
  for image in "$here/bin/pause.tar" "$here/bin/job.tar" "${extra_images[@]}"; do
    ctr --address "$state/containerd/containerd.sock" -n k8s.io images import --no-unpack=false "$image" >/dev/null \
      || { log "importing $image failed"; exit 1; }
  done

  cat >"$state/kube-proxy/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: "$state/node.kubeconfig"}
hostnameOverride: $NODE
clusterCIDR: $POD_CIDR
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  "$here/bin/test-node" kube-proxy --config "$state/kube-proxy/config.yaml" >"$state/kube-proxy.log" 2>&1 &
  others+=($!)
  # What a cluster's control plane does besides the API server: ReplicaSets and their pods,
  # EndpointSlices of Services, each namespace's ServiceAccount and kube-root-ca.crt, garbage
  # collection; and a scheduler for pods without a node.
  "$here/bin/test-node" kube-controller-manager --kubeconfig "$kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=10257 --root-ca-file="$ca" --use-service-account-credentials=false \
    --controllers='*,-nodeipam' --cluster-name=bjc >"$state/kube-controller-manager.log" 2>&1 &
  others+=($!)
  "$here/bin/test-node" kube-scheduler --kubeconfig "$kubeconfig" --leader-elect=false \
    --bind-address=127.0.0.1 --secure-port=10259 >"$state/kube-scheduler.log" 2>&1 &
  others+=($!)

  cat >"$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$state/containerd/containerd.sock
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: "$ca"}
authorization: {mode: AlwaysAllow}
failSwapOn: false
resolvConf: ""
evictionHard: {"memory.available": "0%", "nodefs.available": "0%", "imagefs.available": "0%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
enforceNodeAllocatable: []
localStorageCapacityIsolation: false
serializeImagePulls: false
podCIDR: $POD_CIDR
EOF
  "$here/bin/test-node" kubelet --config "$state/kubelet/config.yaml" --kubeconfig "$state/node.kubeconfig" \
    --hostname-override "$NODE" --node-ip "$NODE_IP" --root-dir "$state/kubelet/root" --cert-dir "$state/kubelet/pki" \
    >"$state/kubelet.log" 2>&1 &
  others+=($!)
  if ! wait_for 120 "node $NODE Ready" $k wait --for=condition=Ready "node/$NODE" --timeout=2s; then
    tail -20 "$state/kubelet.log" >&2
    exit 1
  fi
  echo "{\"ready\":true,\"node\":\"$NODE\",\"nodeIP\":\"$NODE_IP\",\"podCIDR\":\"$POD_CIDR\",\"state\":\"$state\",\"kubeletLog\":\"$state/kubelet.log\",\"containerdSocket\":\"$state/containerd/containerd.sock\"}"
  # Until SIGTERM/SIGINT (trap) or the end of standard input (the test JVM is gone); `wait` lets the traps run.
  cat <&0 >/dev/null &
  wait $! || true
}

case "${1:-}" in
  build) build ;;
  run) shift; run "$@" ;;
  *) log "usage: node.sh build | node.sh run --kubeconfig K --token T [--state DIR] [--image ARCHIVE]..."; exit 2 ;;
esac
