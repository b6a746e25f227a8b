package apnstest

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"os"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
)

func TestDemoWorld(t *testing.T) {
	d, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, p := range []string{d.CertPath, d.P8Path, d.ServerCAPath} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", p, err, fi)
		}
	}
	cert, err := tls.LoadX509KeyPair(d.CertPath, d.CertPath)
	if err != nil {
		t.Fatalf("ck.pem does not load: %v", err)
	}
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	if envs := certs.EnvironmentsOf(leaf); len(envs) != 2 {
		t.Fatalf("demo certificate environments %v, want both", envs)
	}
	if n := len(certs.TopicsOf(leaf)); n != 3 {
		t.Fatalf("demo certificate has %d topics, want 3", n)
	}
	caPEM, _ := os.ReadFile(d.ServerCAPath)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("server-ca.pem does not parse")
	}
	p8, _ := os.ReadFile(d.P8Path)
	blk, _ := pem.Decode(p8)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf(".p8: %v", err)
	}
	key := k.(*ecdsa.PrivateKey)

	mk := func(c *tls.Certificate) *http.Client {
		tc := &tls.Config{RootCAs: pool}
		if c != nil {
			tc.Certificates = []tls.Certificate{*c}
		}
		tr := &http2.Transport{TLSClientConfig: tc}
		t.Cleanup(tr.CloseIdleConnections)
		return &http.Client{Transport: tr}
	}
	certClient, tokenClient := mk(&cert), mk(nil)
	bearer := "bearer " + jwtFor(t, key, d.KeyID, d.TeamID, time.Now())

	perEnv := map[certs.Environment]map[string]bool{}
	for _, dd := range d.Devices {
		if dd.Label == "" || dd.Note == "" {
			t.Fatalf("device without label or note: %+v", dd)
		}
		if perEnv[dd.Environment] == nil {
			perEnv[dd.Environment] = map[string]bool{}
		}
		perEnv[dd.Environment][dd.Expect] = true
		s := d.Server(dd.Environment)
		for name, c := range map[string]struct {
			cl *http.Client
			h  map[string]string
		}{
			"certificate": {certClient, h("apns-topic", d.Topic)},
			"token":       {tokenClient, h("apns-topic", d.Topic, "authorization", bearer)},
		} {
			r := do(t, c.cl, s, req{token: dd.Token, header: c.h})
			want := 200
			if dd.Expect != "" {
				want = StatusOf(dd.Expect)
			}
			if r.status != want || r.reason != dd.Expect {
				t.Errorf("%s on %s by %s: got %d %s, want %d %s", dd.Label, dd.Environment, name, r.status, r.reason, want, dd.Expect)
			}
			if dd.Expect == ReasonUnregistered && r.timestamp != demoUnregistered[dd.Label].UnixMilli() {
				t.Errorf("%s: timestamp %d", dd.Label, r.timestamp)
			}
		}
	}
	for _, env := range []certs.Environment{certs.Development, certs.Production} {
		for _, want := range []string{"", ReasonUnregistered, ReasonBadDeviceToken} {
			if !perEnv[env][want] {
				t.Errorf("%s has no demo device expecting %q", env, want)
			}
		}
	}
	// The voip topic works with the universal certificate.
	if r := do(t, certClient, d.Production, req{token: d.Devices[4].Token, header: h("apns-topic", d.Topic+".voip", "apns-push-type", "voip")}); r.status != 200 {
		t.Errorf("voip push: %d %s", r.status, r.reason)
	}

	dir := d.Dir
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("demo folder still there after Close: %v", err)
	}
}
