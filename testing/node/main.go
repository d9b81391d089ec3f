// Command test-node holds the Go parts of the test node (test tooling only: nothing of the product
// is Go): the real kubelet, kube-proxy, kube-controller-manager and kube-scheduler of
// k8s.io/kubernetes (a Deployment needs its ReplicaSet and a scheduler, a Service its
// EndpointSlices, a namespace its ServiceAccount and kube-root-ca.crt), an image writer that turns
// directories into image archives for `ctr images import` (no registry, no Docker daemon), and a
// TCP forwarder that lets pods reach the loopback-only test API server. node.sh starts and stops
// them together with containerd.
//
//	test-node kubelet [kubelet flags]
//	test-node kube-proxy [kube-proxy flags]
//	test-node kube-controller-manager [flags]
//	test-node kube-scheduler [flags]
//	test-node image --name N --out F --dir D [--dir D2] [--entrypoint '["/x"]'] [--user U] [--env K=V] [--workdir W]
//	test-node forward --listen A:P --to B:Q
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kubeproxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: test-node kubelet|kube-proxy|kube-controller-manager|kube-scheduler|image|forward ...")
		os.Exit(2)
	}
	command, args := os.Args[1], os.Args[2:]
	components := map[string]func() *cobra.Command{
		"kubelet":                 func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
		"kube-proxy":              kubeproxy.NewProxyCommand,
		"kube-controller-manager": controllermanager.NewControllerManagerCommand,
		"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	}
	if component, ok := components[command]; ok {
		cmd := component()
		cmd.SetArgs(args)
		os.Exit(cli.Run(cmd))
	}
	switch command {
	case "image":
		exitOn(writeImage(args))
	case "forward":
		exitOn(forward(args))
	default:
		fmt.Fprintln(os.Stderr, "test-node: unknown command "+command)
		os.Exit(2)
	}
}

func exitOn(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "test-node:", err)
		os.Exit(1)
	}
}
