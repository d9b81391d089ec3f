package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type credentialFiles struct {
	caCert, servingCert, servingKey, adminCert, adminKey, kubeletCert, kubeletKey, saPublic, saPrivate string
}

// ensureCredentials creates a CA, the API server's serving certificate, an admin client
// certificate (group system:masters), a serving certificate for a simulated kubelet and the
// ServiceAccount signing key, or reuses them when dir already holds them (a restart).
func ensureCredentials(dir string) (credentialFiles, error) {
	f := credentialFiles{
		caCert:      filepath.Join(dir, "ca.crt"),
		servingCert: filepath.Join(dir, "apiserver.crt"),
		servingKey:  filepath.Join(dir, "apiserver.key"),
		adminCert:   filepath.Join(dir, "admin.crt"),
		adminKey:    filepath.Join(dir, "admin.key"),
		kubeletCert: filepath.Join(dir, "kubelet.crt"),
		kubeletKey:  filepath.Join(dir, "kubelet.key"),
		saPublic:    filepath.Join(dir, "sa.pub"),
		saPrivate:   filepath.Join(dir, "sa.key"),
	}
	if _, err := os.Stat(f.saPrivate); err == nil {
		return f, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return f, err
	}
	caKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, err
	}
	now := time.Now().Add(-time.Hour)
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test-apiserver-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return f, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	if err := writePEM(f.caCert, "CERTIFICATE", caDER); err != nil {
		return f, err
	}
	serverNames := []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local"}
	loopback := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.96.0.1")}
	if err := issue(ca, caKey, 2, pkix.Name{CommonName: "kube-apiserver"}, serverNames, loopback,
		x509.ExtKeyUsageServerAuth, f.servingCert, f.servingKey); err != nil {
		return f, err
	}
	if err := issue(ca, caKey, 3, pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		nil, nil, x509.ExtKeyUsageClientAuth, f.adminCert, f.adminKey); err != nil {
		return f, err
	}
	if err := issue(ca, caKey, 4, pkix.Name{CommonName: "simulated-kubelet"}, []string{"localhost"}, loopback,
		x509.ExtKeyUsageServerAuth, f.kubeletCert, f.kubeletKey); err != nil {
		return f, err
	}
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return f, err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return f, err
	}
	if err := writePEM(f.saPublic, "PUBLIC KEY", pub); err != nil {
		return f, err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(saKey)
	if err != nil {
		return f, err
	}
	return f, writePEM(f.saPrivate, "PRIVATE KEY", priv)
}

func issue(ca *x509.Certificate, caKey *rsa.PrivateKey, serial int64, subject pkix.Name, dns []string,
	ips []net.IP, usage x509.ExtKeyUsage, certFile, keyFile string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      subject,
		NotBefore:    now,
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return err
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return writePEM(keyFile, "PRIVATE KEY", priv)
}

func writePEM(file, kind string, der []byte) error {
	return os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}

func writeKubeconfig(file, server string, f credentialFiles) error {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(name)
		return base64.StdEncoding.EncodeToString(b), err
	}
	ca, err := read(f.caCert)
	if err != nil {
		return err
	}
	cert, err := read(f.adminCert)
	if err != nil {
		return err
	}
	key, err := read(f.adminKey)
	if err != nil {
		return err
	}
	content := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: test
  context:
    cluster: test
    user: admin
current-context: test
`, server, ca, cert, key)
	return os.WriteFile(file, []byte(content), 0o600)
}
