package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

var exportPwEnv = map[string]string{"PUSHDECK_PASSWORD": "hello123"}

// exportSourceSHA is the SHA-256 of the certificate a fixture holds.
func exportSourceSHA(t *testing.T, name string) string {
	t.Helper()
	cred, err := certs.Load(filepath.Join(fixtureDir, name), certs.Options{Password: "hello123"})
	if err != nil && cred == nil {
		t.Fatal(err)
	}
	return cred.Report.Certificate.SHA256
}

func exportCheckPrivate(t *testing.T, path string) []byte {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exportNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestExportCkPEM: a .p12 becomes one ck.pem that loads back as the same
// credential, chain included.
func TestExportCkPEM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "ck.pem")
	te := &testEnv{vars: exportPwEnv}
	if code := te.run("export", filepath.Join(fixtureDir, "universal-with-chain.p12"), "--out", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	b := exportCheckPrivate(t, out)
	cred, err := certs.LoadBytes(b, out, certs.Options{})
	if err != nil || cred.Report.Certificate.SHA256 != exportSourceSHA(t, "universal-with-chain.p12") || len(cred.Report.Chain) != 1 {
		t.Fatalf("ck.pem does not load back as the same credential: %v", err)
	}
	if !strings.Contains(te.stdout.String(), "✓ Wrote") || strings.Contains(te.stdout.String()+te.stderr.String(), "hello123") {
		t.Errorf("output: %s", te.stdout.String())
	}
	exportNoTempFiles(t, dir)
}

// TestExportSeparateEncrypted: --cert-out/--key-out with --encrypt-key, the
// passphrase from each source; Load and OpenSSL read the key back.
func TestExportSeparateEncrypted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass")
	if err := os.WriteFile(passFile, []byte("file-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		vars map[string]string
		args []string
		pass string
	}{
		{"env", map[string]string{"PUSHDECK_PASSWORD": "hello123", "PUSHDECK_KEY_PASSPHRASE": "env-pass"}, nil, "env-pass"},
		{"file", exportPwEnv, []string{"--key-passphrase-file", passFile}, "file-pass"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			certOut, keyOut := filepath.Join(dir, tc.name+"-cert.pem"), filepath.Join(dir, tc.name+"-key.pem")
			te := &testEnv{vars: tc.vars}
			args := append([]string{"export", filepath.Join(fixtureDir, "dev-legacy.p12"), "--cert-out", certOut, "--key-out", keyOut, "--encrypt-key"}, tc.args...)
			if code := te.run(args...); code != exitOK {
				t.Fatalf("exit %d: %s", code, te.stderr.String())
			}
			key := exportCheckPrivate(t, keyOut)
			exportCheckPrivate(t, certOut)
			if !bytes.Contains(key, []byte("BEGIN ENCRYPTED PRIVATE KEY")) || bytes.Contains(key, []byte("BEGIN CERTIFICATE")) {
				t.Fatal("key file is not just an encrypted PKCS#8 key")
			}
			cred, err := certs.Load(certOut, certs.Options{KeyPath: keyOut, Password: tc.pass})
			if err != nil || !cred.Report.PrivateKey.MatchesCertificate {
				t.Fatalf("cert + encrypted key do not load back: %v", err)
			}
			if _, err := certs.Load(certOut, certs.Options{KeyPath: keyOut, Password: "not-it"}); err == nil {
				t.Fatal("the key opened with a wrong passphrase")
			}
			if openssl, err := exec.LookPath("openssl"); err == nil {
				if out, err := exec.Command(openssl, "pkey", "-in", keyOut, "-passin", "pass:"+tc.pass, "-noout").CombinedOutput(); err != nil {
					t.Errorf("openssl cannot read the exported key: %v %s", err, out)
				}
			}
			if strings.Contains(te.stdout.String()+te.stderr.String(), tc.pass) {
				t.Error("the passphrase was printed")
			}
		})
	}
}

// TestExportNeverOverwrites: an existing file stays as it was unless --force.
func TestExportNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "ck.pem")
	if err := os.WriteFile(out, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(fixtureDir, "dev-modern.p12")
	te := &testEnv{vars: exportPwEnv}
	if code := te.run("export", src, "--out", out); code != exitUsage || !strings.Contains(te.stderr.String(), "already exists") {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	if b, _ := os.ReadFile(out); string(b) != "old" {
		t.Fatal("the existing file was changed without --force")
	}
	// With two outputs, one existing one blocks both.
	certOut := filepath.Join(dir, "cert.pem")
	te = &testEnv{vars: exportPwEnv}
	if code := te.run("export", src, "--cert-out", certOut, "--key-out", out); code != exitUsage {
		t.Fatalf("exit %d", code)
	}
	if _, err := os.Stat(certOut); err == nil {
		t.Fatal("cert.pem was written though key.pem existed")
	}
	te = &testEnv{vars: exportPwEnv}
	if code := te.run("export", src, "--out", out, "--force"); code != exitOK {
		t.Fatalf("--force: exit %d: %s", code, te.stderr.String())
	}
	if b := exportCheckPrivate(t, out); !bytes.Contains(b, []byte("BEGIN PRIVATE KEY")) {
		t.Fatal("--force did not replace the file")
	}
	exportNoTempFiles(t, dir)
}

func TestExportWriteAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := exportWrite(p, []byte("one"), false); err != nil {
		t.Fatal(err)
	}
	if err := exportWrite(p, []byte("two"), false); err == nil {
		t.Fatal("second write without force succeeded")
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("content %q", b)
	}
	exportNoTempFiles(t, dir)
}

func TestExportRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pem")
	fx := func(n string) string { return filepath.Join(fixtureDir, n) }
	cases := []struct {
		name string
		vars map[string]string
		args []string
		code int
		says string
	}{
		{"no output", exportPwEnv, []string{fx("dev-modern.p12")}, exitUsage, "say where to write"},
		{"both forms", exportPwEnv, []string{fx("dev-modern.p12"), "--out", out, "--cert-out", "c"}, exitUsage, "not both"},
		{"cert without key", exportPwEnv, []string{fx("dev-modern.p12"), "--cert-out", out}, exitUsage, "say where to write"},
		{"same file", exportPwEnv, []string{fx("dev-modern.p12"), "--cert-out", out, "--key-out", out}, exitUsage, "same file"},
		{"over the source", exportPwEnv, []string{fx("dev-modern.p12"), "--out", fx("dev-modern.p12"), "--force"}, exitUsage, "is the file being exported"},
		{"passphrase file alone", exportPwEnv, []string{fx("dev-modern.p12"), "--out", out, "--key-passphrase-file", "x"}, exitUsage, "goes with --encrypt-key"},
		{"no passphrase source", exportPwEnv, []string{fx("dev-modern.p12"), "--out", out, "--encrypt-key"}, exitUsage, "needs a passphrase"},
		{"empty passphrase", map[string]string{"PUSHDECK_PASSWORD": "hello123", "PUSHDECK_KEY_PASSPHRASE": ""}, []string{fx("dev-modern.p12"), "--out", out, "--encrypt-key"}, exitUsage, "needs a passphrase"},
		{"wrong password", map[string]string{"PUSHDECK_PASSWORD": "nope"}, []string{fx("dev-modern.p12"), "--out", out}, exitFailed, "The password is wrong"},
		{"no password", nil, []string{fx("dev-modern.p12"), "--out", out}, exitFailed, "protected by a password"},
		{"certificate only", nil, []string{fx("aps_development.cer"), "--out", out}, exitFailed, "private key is not in the file"},
		{"token key", nil, []string{fx("AuthKey_54321EDCBA.p8"), "--out", out}, exitFailed, "nothing to export"},
		{"mismatch", nil, []string{fx("mismatched-key.pem"), "--out", out}, exitFailed, "does not belong"},
		{"corrupt", exportPwEnv, []string{fx("truncated.p12"), "--out", out}, exitFailed, "cut short"},
		{"missing", exportPwEnv, []string{fx("nope.p12"), "--out", out}, exitUsage, "does not exist"},
		{"help", nil, []string{"--help"}, exitOK, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			te := &testEnv{vars: tc.vars}
			code := te.run(append([]string{"export"}, tc.args...)...)
			if code != tc.code || !strings.Contains(te.stderr.String(), tc.says) {
				t.Fatalf("exit %d (want %d); stderr lacks %q:\n%s", code, tc.code, tc.says, te.stderr.String())
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a file was written")
			}
			if tc.name == "help" && !strings.Contains(te.stdout.String(), "pushdeck export FILE.p12") {
				t.Errorf("--help: %s", te.stdout.String())
			}
		})
	}
	exportNoTempFiles(t, dir)
}

// TestExportExpiredStillConverts: conversion is not judgement; an expired
// certificate is written, with the problem said on stderr.
func TestExportExpiredStillConverts(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "old.pem")
	te := &testEnv{vars: exportPwEnv}
	if code := te.run("export", filepath.Join(fixtureDir, "expired.p12"), "--out", out); code != exitOK || !strings.Contains(te.stderr.String(), "The certificate expired ") {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	exportCheckPrivate(t, out)
}
