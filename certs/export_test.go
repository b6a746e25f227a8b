package certs_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

// TestExportRoundTrip: a .p12 exported as PEM loads back as the same
// credential, with the key in the clear or encrypted.
func TestExportRoundTrip(t *testing.T) {
	src, err := certs.Load(filepath.Join(fixtures, "universal-with-chain.p12"), certs.Options{Password: "hello123"})
	if err != nil {
		t.Fatal(err)
	}
	for _, pass := range []string{"", "k3y-pa55"} {
		certPEM, keyPEM, err := certs.ExportPEM(src, pass)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(certPEM, []byte("BEGIN CERTIFICATE")); n != 2 {
			t.Errorf("certPEM has %d certificates, want leaf + CA", n)
		}
		wantType := "BEGIN PRIVATE KEY"
		if pass != "" {
			wantType = "BEGIN ENCRYPTED PRIVATE KEY"
		}
		if !bytes.Contains(keyPEM, []byte(wantType)) {
			t.Errorf("key PEM is not %q", wantType)
		}
		ck := append(append([]byte(nil), certPEM...), keyPEM...)
		back, err := certs.LoadBytes(ck, "ck.pem", certs.Options{Password: pass})
		if err != nil {
			t.Fatalf("pass %q: reading the export back: %v", pass, err)
		}
		if back.Report.Certificate.SHA256 != src.Report.Certificate.SHA256 || len(back.Report.Chain) != 1 || !back.Report.PrivateKey.MatchesCertificate {
			t.Errorf("round trip changed the credential: %+v", back.Report)
		}
		if pass != "" {
			if _, err := certs.LoadBytes(ck, "ck.pem", certs.Options{Password: "other"}); err == nil || err.(*certs.Error).Code != certs.CodeWrongPassword {
				t.Errorf("wrong passphrase on the export: %v", err)
			}
		}
	}
}

func TestExportRefuses(t *testing.T) {
	for _, name := range []string{"aps_development.cer", "AuthKey_54321EDCBA.p8", "mismatched-key.pem"} {
		cred, _ := certs.Load(filepath.Join(fixtures, name), certs.Options{})
		if _, _, err := certs.ExportPEM(cred, ""); !errors.Is(err, certs.ErrNotExportable) {
			t.Errorf("%s: err %v, want ErrNotExportable", name, err)
		}
	}
	if _, _, err := certs.ExportPEM(nil, ""); !errors.Is(err, certs.ErrNotExportable) {
		t.Errorf("nil credential: %v", err)
	}
}

// TestOpenSSLInterop: OpenSSL reads the keys pushdeck encrypts, and pushdeck
// reads the PBES2 variants OpenSSL writes. Skipped where openssl is absent.
func TestOpenSSLInterop(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	src, err := certs.Load(filepath.Join(fixtures, "dev-modern.p12"), certs.Options{Password: "hello123"})
	if err != nil {
		t.Fatal(err)
	}
	_, keyPEM, err := certs.ExportPEM(src, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	enc := filepath.Join(dir, "enc.pem")
	if err := os.WriteFile(enc, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(openssl, "pkey", "-in", enc, "-passin", "pass:s3cret", "-noout").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl cannot read pushdeck's encrypted key: %v\n%s", err, out)
	}
	if err := exec.Command(openssl, "pkey", "-in", enc, "-passin", "pass:wrong", "-noout").Run(); err == nil {
		t.Fatal("openssl opened the key with a wrong passphrase: it is not encrypted")
	}
	plain := filepath.Join(fixtures, "dev-key.pem")
	for _, args := range [][]string{
		{"-v2", "aes-128-cbc"},
		{"-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512"},
		{"-v2", "des3", "-v2prf", "hmacWithSHA1"},
		{"-v2", "aes-256-cbc", "-iter", "100000"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			key := filepath.Join(dir, "k.pem")
			cmd := append([]string{"pkcs8", "-topk8", "-in", plain, "-out", key, "-passout", "pass:hello123"}, args...)
			if out, err := exec.Command(openssl, cmd...).CombinedOutput(); err != nil {
				t.Skipf("this openssl cannot write %v: %s", args, out)
			}
			cred, err := certs.Load(filepath.Join(fixtures, "dev-cert.pem"), certs.Options{KeyPath: key, Password: "hello123"})
			if err != nil || !cred.Report.PrivateKey.MatchesCertificate {
				t.Fatalf("reading openssl's %v key: %v", args, err)
			}
		})
	}
}
