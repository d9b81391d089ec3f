// Command test-apiserver runs a real kube-apiserver against an in-process etcd on loopback, for
// the Java integration tests (*RealApiIT). It is test tooling only: nothing of the product is Go.
//
// It generates its own CA, serving certificate, admin client certificate and ServiceAccount
// signing key in the data directory, writes an admin kubeconfig there, prints one JSON line
// starting with {"ready": once /readyz answers, and on SIGTERM/SIGINT stops and (unless
// --keep-data) removes the data directory.
//
//	test-apiserver [--data-dir D] [--keep-data] [--port P] [--etcd-port E] [--etcd-only | --etcd-url U]
//	               [--exit-on-stdin-eof] [-- extra kube-apiserver flags]
//
// Started again with the same --data-dir, --port and --etcd-port it reuses the certificates and
// the etcd data: that is how tests restart the API server without losing state. With
// --etcd-only it runs etcd alone; with --etcd-url the API server uses such an external etcd, so
// that the API server process can be restarted while etcd keeps running.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "test-apiserver:", err)
		os.Exit(1)
	}
}

func run() error {
	dataDir := flag.String("data-dir", "", "directory for certificates and etcd data (default: a new temporary directory)")
	keepData := flag.Bool("keep-data", false, "keep the data directory on exit (for restarts)")
	port := flag.Int("port", 0, "secure port of kube-apiserver on 127.0.0.1 (0: a free port)")
	etcdPort := flag.Int("etcd-port", 0, "client port of the embedded etcd on 127.0.0.1 (0: a free port)")
	etcdOnly := flag.Bool("etcd-only", false, "run only etcd")
	etcdURL := flag.String("etcd-url", "", "use this etcd instead of an embedded one")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "stop as on SIGTERM when standard input closes (the test JVM died)")
	flag.Parse()
	if *stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}()
	}
	extra := flag.Args()

	dir := *dataDir
	if dir == "" {
		d, err := os.MkdirTemp("", "test-apiserver-")
		if err != nil {
			return err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if !*keepData {
		defer os.RemoveAll(dir)
	}

	etcdEndpoint := *etcdURL
	var stopEtcd func()
	if etcdEndpoint == "" {
		p, err := portOrFree(*etcdPort)
		if err != nil {
			return err
		}
		e, err := startEtcd(filepath.Join(dir, "etcd"), p)
		if err != nil {
			return fmt.Errorf("etcd: %w", err)
		}
		stopEtcd = e
		etcdEndpoint = "http://127.0.0.1:" + strconv.Itoa(p)
	}
	if *etcdOnly {
		defer stopEtcd()
		printReady(map[string]any{"ready": true, "etcd": etcdEndpoint, "dataDir": dir})
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return nil
	}

	files, err := ensureCredentials(filepath.Join(dir, "pki"))
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	apiPort, err := portOrFree(*port)
	if err != nil {
		return err
	}
	server := "https://127.0.0.1:" + strconv.Itoa(apiPort)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, server, files); err != nil {
		return err
	}

	args := []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--advertise-address=127.0.0.1",
		"--etcd-servers=" + etcdEndpoint,
		"--cert-dir=" + filepath.Join(dir, "pki"),
		"--tls-cert-file=" + files.servingCert,
		"--tls-private-key-file=" + files.servingKey,
		"--client-ca-file=" + files.caCert,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + files.saPublic,
		"--service-account-signing-key-file=" + files.saPrivate,
		"--api-audiences=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16",
		// No controller-manager runs: nothing would reconcile the kubernetes Service endpoints
		// to a loopback address anyway.
		"--endpoint-reconciler-type=none",
		"--kubelet-client-certificate=" + files.adminCert,
		"--kubelet-client-key=" + files.adminKey,
		"--kubelet-preferred-address-types=InternalIP",
		"--profiling=false",
		"--v=0",
	}
	args = append(args, extra...)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		if err := waitReady(ctx, server, files); err == nil {
			printReady(map[string]any{"ready": true, "server": server, "kubeconfig": kubeconfig,
				"etcd": etcdEndpoint, "dataDir": dir, "caCert": files.caCert,
				"adminCert": files.adminCert, "adminKey": files.adminKey,
				"kubeletCert": files.kubeletCert, "kubeletKey": files.kubeletKey})
		}
	}()

	// The command installs its own SIGTERM/SIGINT handling and returns after a graceful stop.
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	runErr := cmd.Execute()
	cancel()
	if stopEtcd != nil {
		stopEtcd()
	}
	return runErr
}

func printReady(fields map[string]any) {
	b, _ := json.Marshal(fields)
	fmt.Fprintln(os.Stdout, string(b))
}

func portOrFree(p int) (int, error) {
	if p != 0 {
		return p, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitReady polls /readyz as the admin until it answers 200 (test tooling; a ready line is all
// the tests wait for).
func waitReady(ctx context.Context, server string, files credentialFiles) error {
	cert, err := tls.LoadX509KeyPair(files.adminCert, files.adminKey)
	if err != nil {
		return err
	}
	caPEM, err := os.ReadFile(files.caCert)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}
	for {
		resp, err := client.Get(server + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
