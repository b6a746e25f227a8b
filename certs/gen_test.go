package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

const fixtures = "../testdata/fixtures"

func newCA(t *testing.T) *certgen.CA {
	t.Helper()
	ca, err := certgen.NewCA("Test Push CA")
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func client(t *testing.T, ca *certgen.CA, spec certgen.ClientSpec) tls.Certificate {
	t.Helper()
	if spec.Topic == "" {
		spec.Topic = "com.example.gen"
	}
	if spec.Environments == nil {
		spec.Environments = []certs.Environment{certs.Development}
	}
	c, err := ca.Client(spec)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ckPEM(t *testing.T, c tls.Certificate) []byte {
	t.Helper()
	b, err := certgen.PEM(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func codes(fs []certs.Finding) []certs.Code {
	var out []certs.Code
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func has(fs []certs.Finding, c certs.Code) bool {
	for _, f := range fs {
		if f.Code == c {
			return true
		}
	}
	return false
}

// TestValidityWindow uses certificates made now, so the days are exact.
func TestValidityWindow(t *testing.T) {
	ca := newCA(t)
	now := time.Now()
	cases := []struct {
		name       string
		nb, na     time.Time
		usable     bool
		code       certs.Code
		warn       bool
		msgContain string
	}{
		{"valid for a year", now.Add(-time.Hour), now.AddDate(1, 0, 0), true, "", false, ""},
		{"expires in 10 days", now.Add(-time.Hour), now.Add(10*24*time.Hour + time.Hour), true, certs.CodeExpiresSoon, true, "in 10 days"},
		{"expires in 31 days", now.Add(-time.Hour), now.Add(31*24*time.Hour + time.Hour), true, "", false, ""},
		{"expired 3 days ago", now.AddDate(-1, 0, 0), now.Add(-3*24*time.Hour - time.Hour), false, certs.CodeExpired, false, now.Add(-3*24*time.Hour - time.Hour).UTC().Format("2006-01-02")},
		{"not yet valid", now.Add(5 * 24 * time.Hour), now.AddDate(1, 0, 0), false, certs.CodeNotYetValid, false, now.Add(5 * 24 * time.Hour).UTC().Format("2006-01-02")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := client(t, ca, certgen.ClientSpec{NotBefore: tc.nb, NotAfter: tc.na})
			cred, err := certs.LoadBytes(ckPEM(t, c), "ck.pem", certs.Options{})
			r := cred.Report
			if r.Usable != tc.usable || (err == nil) != tc.usable {
				t.Fatalf("usable %v err %v, want usable %v", r.Usable, err, tc.usable)
			}
			list := r.Problems
			if tc.warn {
				list = r.Warnings
			}
			if tc.code == "" {
				if len(r.Problems)+len(r.Warnings) != 0 {
					t.Fatalf("unexpected findings %v %v", r.Problems, r.Warnings)
				}
				return
			}
			if len(list) != 1 || list[0].Code != tc.code || !strings.Contains(list[0].Message, tc.msgContain) {
				t.Fatalf("findings %+v, want one %s saying %q", list, tc.code, tc.msgContain)
			}
		})
	}
}

// TestOptionsNow moves the clock instead of the certificate.
func TestOptionsNow(t *testing.T) {
	path := filepath.Join(fixtures, "dev-modern.p12")
	cred, _ := certs.Load(path, certs.Options{Password: "hello123"})
	na := cred.Report.Certificate.NotAfter
	cred, err := certs.Load(path, certs.Options{Password: "hello123", Now: na.Add(-5 * 24 * time.Hour)})
	if err != nil || !has(cred.Report.Warnings, certs.CodeExpiresSoon) || cred.Report.Certificate.DaysLeft != 5 {
		t.Fatalf("5 days before expiry: err %v warnings %v days %d", err, codes(cred.Report.Warnings), cred.Report.Certificate.DaysLeft)
	}
	// Days count whole days toward zero (certs.DaysLeft): an hour after
	// expiry is day 0, and the problem still says it has expired.
	cred, err = certs.Load(path, certs.Options{Password: "hello123", Now: na.Add(time.Hour)})
	if err == nil || !has(cred.Report.Problems, certs.CodeExpired) || cred.Report.Certificate.DaysLeft != 0 {
		t.Fatalf("an hour after expiry: err %v days %d", err, cred.Report.Certificate.DaysLeft)
	}
	// The sentence and the number agree (issue 16 item 9: "35 days ago"
	// beside days_left -36).
	cred, err = certs.Load(path, certs.Options{Password: "hello123", Now: na.Add(35*24*time.Hour + 20*time.Hour)})
	if err == nil || cred.Report.Certificate.DaysLeft != -35 || !strings.Contains(err.Error(), "expired 35 days ago") {
		t.Fatalf("35 days 20 hours after expiry: err %v days %d", err, cred.Report.Certificate.DaysLeft)
	}
}

func TestNoPushExtensionAndTopics(t *testing.T) {
	ca := newCA(t)
	plain := client(t, ca, certgen.ClientSpec{Environments: []certs.Environment{}, CommonName: "Some TLS client"})
	cred, err := certs.LoadBytes(ckPEM(t, plain), "plain.pem", certs.Options{})
	if err != nil || !has(cred.Report.Warnings, certs.CodeNoPushExtension) {
		t.Fatalf("err %v warnings %v: want usable with a no-push-extension warning", err, codes(cred.Report.Warnings))
	}
	topics := []certs.Topic{{Topic: "com.example.gen", Kind: "app"}, {Topic: "com.example.gen.voip", Kind: "voip"}}
	uni := client(t, ca, certgen.ClientSpec{Environments: []certs.Environment{certs.Development, certs.Production}, Topics: topics, TeamID: "TEAM123456"})
	cred, err = certs.LoadBytes(ckPEM(t, uni), "uni.pem", certs.Options{})
	c := cred.Report.Certificate
	if err != nil || len(c.Topics) != 2 || c.Topics[1] != topics[1] || len(c.Environments) != 2 || c.TeamID != "TEAM123456" {
		t.Fatalf("err %v certificate %+v", err, c)
	}
}

func TestMismatchedKey(t *testing.T) {
	ca := newCA(t)
	a, b := client(t, ca, certgen.ClientSpec{}), client(t, ca, certgen.ClientSpec{})
	a.PrivateKey = b.PrivateKey
	cred, err := certs.LoadBytes(ckPEM(t, a), "mixed.pem", certs.Options{})
	var e *certs.Error
	if !errors.As(err, &e) || e.Code != certs.CodeKeyMismatch || cred.TLS != nil || cred.Report.PrivateKey.MatchesCertificate {
		t.Fatalf("err %v tls %v key %+v", err, cred.TLS != nil, cred.Report.PrivateKey)
	}
}

// TestChainOrder: the leaf is the certificate the key belongs to, wherever
// it sits in the file.
func TestChainOrder(t *testing.T) {
	ca := newCA(t)
	c := client(t, ca, certgen.ClientSpec{})
	key, _ := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	var b []byte
	b = append(b, ca.CertPEM()...)
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})...)
	b = append(b, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: key})...)
	cred, err := certs.LoadBytes(b, "ca-first.pem", certs.Options{})
	if err != nil || cred.Report.Certificate.Topic != "com.example.gen" || len(cred.Report.Chain) != 1 ||
		!strings.Contains(cred.Report.Chain[0].Subject, "Test Push CA") || len(cred.TLS.Certificate) != 2 {
		t.Fatalf("err %v report %+v", err, cred.Report)
	}
	// The same in a .p12 with the CA first in the bag.
	p12, err := pkcs12.Modern2023.Encode(c.PrivateKey, ca.Cert, []*x509.Certificate{c.Leaf}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	cred, err = certs.LoadBytes(p12, "ca-first.p12", certs.Options{Password: "pw"})
	if err != nil || cred.Report.Certificate.Topic != "com.example.gen" || len(cred.Report.Chain) != 1 {
		t.Fatalf("p12: err %v report %+v", err, cred.Report)
	}
}

// TestP12Encoders reads what go-pkcs12's encoders write, including an
// unencrypted one and the empty password.
func TestP12Encoders(t *testing.T) {
	ca := newCA(t)
	c := client(t, ca, certgen.ClientSpec{})
	for name, enc := range map[string]*pkcs12.Encoder{"modern2023": pkcs12.Modern2023, "modern2026": pkcs12.Modern2026, "legacyRC2": pkcs12.LegacyRC2, "legacyDES": pkcs12.LegacyDES} {
		for _, pw := range []string{"pw", ""} {
			p12, err := enc.Encode(c.PrivateKey, c.Leaf, []*x509.Certificate{ca.Cert}, pw)
			if err != nil {
				t.Fatal(err)
			}
			cred, err := certs.LoadBytes(p12, name+".p12", certs.Options{Password: pw})
			if err != nil || cred.Format != certs.FormatP12 || len(cred.Report.Chain) != 1 {
				t.Errorf("%s pw %q: err %v format %s", name, pw, err, cred.Format)
			}
		}
	}
	p12, err := pkcs12.Passwordless.Encode(c.PrivateKey, c.Leaf, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := certs.LoadBytes(p12, "open.p12", certs.Options{}); err != nil {
		t.Errorf("passwordless p12: %v", err)
	}
}

// TestKeyEncodings pairs a certificate with its key in each encoding and
// file arrangement people bring.
func TestKeyEncodings(t *testing.T) {
	ca := newCA(t)
	rsaCert := client(t, ca, certgen.ClientSpec{})
	ecCert := ecClient(t, ca)
	pkcs8 := func(k any) []byte { b, _ := x509.MarshalPKCS8PrivateKey(k); return b }
	certPEM := func(c tls.Certificate) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	}
	sec1, _ := x509.MarshalECPrivateKey(ecCert.PrivateKey.(*ecdsa.PrivateKey))
	encKey, err := certs.EncodeKey(rsaCert.PrivateKey, "kpw")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		cert     tls.Certificate
		key      []byte
		pw       string
		wantType string
	}{
		{"PKCS#1", rsaCert, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaCert.PrivateKey.(*rsa.PrivateKey))}), "", "RSA"},
		{"PKCS#8", rsaCert, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(rsaCert.PrivateKey)}), "", "RSA"},
		{"PKCS#8 DER", rsaCert, pkcs8(rsaCert.PrivateKey), "", "RSA"},
		{"encrypted PKCS#8", rsaCert, encKey, "kpw", "RSA"},
		{"EC SEC1", ecCert, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), "", "ECDSA"},
		{"EC PKCS#8", ecCert, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8(ecCert.PrivateKey)}), "", "ECDSA"},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// One file (ck.pem) when the key is PEM.
			if tc.key[0] == '-' {
				cred, err := certs.LoadBytes(append(certPEM(tc.cert), tc.key...), "ck.pem", certs.Options{Password: tc.pw})
				if err != nil || cred.Report.PrivateKey.Type != tc.wantType || !cred.Report.PrivateKey.MatchesCertificate {
					t.Fatalf("one file: err %v key %+v", err, cred.Report.PrivateKey)
				}
			}
			// Two files: DER .cer plus key file.
			keyPath := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".key")
			if err := os.WriteFile(keyPath, tc.key, 0o600); err != nil {
				t.Fatal(err)
			}
			cred, err := certs.LoadBytes(tc.cert.Certificate[0], "aps.cer", certs.Options{KeyPath: keyPath, Password: tc.pw})
			if err != nil || cred.Format != certs.FormatDER || cred.TLS == nil || cred.Report.PrivateKey.Type != tc.wantType {
				t.Fatalf("cer + key: err %v format %s key %+v", err, cred.Format, cred.Report.PrivateKey)
			}
		})
	}
}

func ecClient(t *testing.T, ca *certgen.CA) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "Apple Development IOS Push Services: ec"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		ExtraExtensions: []pkix.Extension{{Id: certs.OIDDevelopment, Value: []byte{5, 0}}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
