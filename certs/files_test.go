package certs_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// TestCertWithKeyFile pairs the portal's DER .cer and a certificate-only PEM
// with each key fixture, as `inspect CERT --key KEY` does.
func TestCertWithKeyFile(t *testing.T) {
	fx := func(n string) string { return filepath.Join(fixtures, n) }
	dir := t.TempDir()
	derKey := filepath.Join(dir, "dev-key.der")
	b, _ := os.ReadFile(fx("dev-key.pem"))
	blk, _ := pem.Decode(b)
	if err := os.WriteFile(derKey, blk.Bytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cert, key, pw string
		code          certs.Code // "" = usable
	}{
		{"aps_development.cer", fx("dev-key.pem"), "", ""},
		{"aps_development.cer", derKey, "", ""},
		{"aps_development.cer", fx("dev-key-encrypted.pem"), "hello123", ""},
		{"aps_development.cer", fx("dev-key-traditional-encrypted.pem"), "hello123", ""},
		{"dev-cert.pem", fx("dev-key.pem"), "", ""},
		{"dev-cert.pem", fx("dev-key-encrypted.pem"), "nope", certs.CodeWrongPassword},
		{"dev-cert.pem", fx("dev-key-encrypted.pem"), "", certs.CodePasswordRequired},
		{"aps_production.cer", fx("dev-key.pem"), "", certs.CodeKeyMismatch},
		{"aps_development.cer", fx("no-such-key.pem"), "", certs.CodeFileMissing},
		{"aps_development.cer", fx("dev-cert.pem"), "", certs.CodeNoPrivateKey},
		{"aps_development.cer", fx("empty.p12"), "", certs.CodeEmpty},
		{"aps_development.cer", dir, "", certs.CodeUnreadable},
	}
	for _, tc := range cases {
		t.Run(tc.cert+"+"+filepath.Base(tc.key)+"/"+tc.pw, func(t *testing.T) {
			cred, err := certs.Load(fx(tc.cert), certs.Options{KeyPath: tc.key, Password: tc.pw})
			if cred == nil {
				t.Fatalf("nil credential: %v", err)
			}
			if tc.code == "" {
				if err != nil || cred.TLS == nil || cred.Report.Certificate.Topic != "com.example.pushdeck" {
					t.Fatalf("err %v", err)
				}
				return
			}
			if err == nil || cred.Report.Problems[0].Code != tc.code {
				t.Fatalf("problems %v, want first %s", codes(cred.Report.Problems), tc.code)
			}
			if cred.Report.Certificate == nil {
				t.Error("the certificate details should still be reported")
			}
		})
	}
}

func TestUnreadableFiles(t *testing.T) {
	dir := t.TempDir()
	cred, err := certs.Load(filepath.Join(dir, "missing.p12"), certs.Options{})
	if e, ok := err.(*certs.Error); cred != nil || !ok || e.Code != certs.CodeFileMissing || !strings.Contains(e.Message, "missing.p12") {
		t.Errorf("missing file: cred %v err %v", cred, err)
	}
	if _, err := certs.Load(dir, certs.Options{}); err == nil || err.(*certs.Error).Code != certs.CodeUnreadable {
		t.Errorf("folder: %v", err)
	}
	big := filepath.Join(dir, "movie.p12")
	if err := os.WriteFile(big, make([]byte, 2<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	if cred, err := certs.Load(big, certs.Options{}); cred == nil || err.(*certs.Error).Code != certs.CodeNotCertificate {
		t.Errorf("2 MB file: %v", err)
	}
}

// TestDamagedInput: each damage is named with what was recognised.
func TestDamagedInput(t *testing.T) {
	ck, _ := os.ReadFile(filepath.Join(fixtures, "ck-unencrypted.pem"))
	cer, _ := os.ReadFile(filepath.Join(fixtures, "aps_development.cer"))
	p12, _ := os.ReadFile(filepath.Join(fixtures, "dev-modern.p12"))
	flipped := append([]byte(nil), p12...)
	flipped[len(flipped)/2] ^= 0xff
	cases := []struct {
		name string
		data []byte
		code certs.Code
		says string
	}{
		{"truncated.pem", ck[:len(ck)-200], certs.CodeCorrupt, "on line 25 is cut short or damaged"},
		{"half.cer", cer[:len(cer)/2], certs.CodeCorrupt, "looks like a DER certificate but it is cut short"},
		{"short.p12", p12[:100], certs.CodeCorrupt, "looks like a PKCS#12 file but it is cut short"},
		{"long.p12", append(append([]byte(nil), p12...), 1, 2, 3), certs.CodeCorrupt, "3 stray bytes"},
		{"flipped.p12", flipped, certs.CodeWrongPassword, "password is wrong"}, // MAC mismatch reads as a wrong password
		{"blank.pem", []byte("\n\n  \n"), certs.CodeEmpty, "only blank space"},
		{"csr.pem", []byte("-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"), certs.CodeNotCertificate, "signing request"},
		{"pub.pem", []byte("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"), certs.CodeNotCertificate, "PUBLIC KEY"},
		{"binary.bin", []byte{0x00, 0xff, 0x13, 0x37, 0x80}, certs.CodeCorrupt, "not a credential pushdeck recognises"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := certs.LoadBytes(tc.data, tc.name, certs.Options{Password: "hello123"})
			if err == nil || cred.Report.Problems[0].Code != tc.code || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err %v; want %s saying %q", err, tc.code, tc.says)
			}
		})
	}
}

func TestTokenKeys(t *testing.T) {
	key, err := certgen.TokenKey()
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := certgen.P8(key)
	cred, err := certs.LoadBytes(p8, "/downloads/AuthKey_ABCDE12345 (1).p8", certs.Options{TeamID: "TEAM000001"})
	if err != nil || cred.KeyID != "ABCDE12345" || cred.TeamID != "TEAM000001" || !cred.Signer.Equal(key) || len(cred.Report.Warnings) != 0 {
		t.Fatalf("err %v key ID %q warnings %v", err, cred.KeyID, cred.Report.Warnings)
	}
	cred, err = certs.LoadBytes(p8, "renamed.p8", certs.Options{})
	if err != nil || !has(cred.Report.Warnings, certs.CodeMissingKeyID) || !has(cred.Report.Warnings, certs.CodeMissingTeamID) {
		t.Fatalf("renamed: err %v warnings %v", err, codes(cred.Report.Warnings))
	}
	cred, _ = certs.LoadBytes(p8, "AuthKey_ABCDE12345.p8", certs.Options{KeyID: "OVERRIDE01"})
	if cred.KeyID != "OVERRIDE01" {
		t.Errorf("Options.KeyID should win over the file name, got %q", cred.KeyID)
	}
	// DER form and the wrong curve.
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	if cred, err := certs.LoadBytes(der, "AuthKey_ABCDE12345.p8", certs.Options{}); err != nil || cred.Format != certs.FormatP8 {
		t.Errorf("DER p8: %v", err)
	}
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384, _ := certgen.P8(k384)
	if _, err := certs.LoadBytes(p384, "AuthKey_ABCDE12345.p8", certs.Options{}); err == nil || err.(*certs.Error).Code != certs.CodeUnsupportedKey || !strings.Contains(err.Error(), "P-384") {
		t.Errorf("P-384 key: %v", err)
	}
}
