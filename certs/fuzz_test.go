package certs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to LoadBytes: it must never panic, and a
// refusal must always name the problem (a code, a sentence and advice).
// Seeds are every fixture plus a few hand-made edge cases.
//
//	go test -run '^$' -fuzz FuzzLoad -fuzzminimizetime 100x ./certs/
//
// (Each input costs a few PBKDF2 rounds, so the default 60s minimisation of
// every new input stalls the run; 100x keeps it fuzzing.)
func FuzzLoad(f *testing.F) {
	ents, err := os.ReadDir(fixtures)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(fixtures, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, e.Name())
	}
	f.Add([]byte{0x30, 0x80}, "indefinite.der")
	f.Add([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff}, "huge-length.der")
	f.Add([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"), "tiny.pem")
	f.Add([]byte("-----BEGIN CERTIFICATE-----\n"), "open.pem")

	f.Fuzz(func(t *testing.T, data []byte, name string) {
		cred, err := LoadBytes(data, name, Options{Password: "hello123"})
		if cred == nil {
			t.Fatalf("LoadBytes returned no credential (err %v)", err)
		}
		r := cred.Report
		if r.Usable != (err == nil) || r.Usable != (len(r.Problems) == 0) {
			t.Fatalf("usable %v, err %v, %d problems disagree", r.Usable, err, len(r.Problems))
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.Advice == "" || e.Finding != r.Problems[0] {
				t.Fatalf("error does not name the problem: %#v", err)
			}
		}
		for _, fd := range append(r.Problems, r.Warnings...) {
			if fd.Code == "" || fd.Message == "" || fd.Advice == "" {
				t.Fatalf("finding without code, message or advice: %+v", fd)
			}
		}
		if r.Usable {
			switch cred.Kind {
			case AuthCertificate:
				if cred.TLS == nil || cred.TLS.Leaf == nil || r.Certificate == nil || !r.PrivateKey.MatchesCertificate {
					t.Fatal("usable certificate credential without a matching TLS certificate")
				}
			case AuthToken:
				if cred.Signer == nil || r.TokenKey == nil {
					t.Fatal("usable token credential without a signer")
				}
			default:
				t.Fatalf("usable credential of kind %q", cred.Kind)
			}
		}
	})
}
