//go:build unix

package health

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pushdeck/pushdeck/profiles"
)

// TestInspectRefusesFIFO: a named pipe, in a folder or named on its own, is
// refused at once (reading one would wait forever for a writer), and so is a
// device.
func TestInspectRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.p12")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, paths := range [][]string{{dir}, {fifo}, {"/dev/zero"}} {
		ins, err := Inspect(context.Background(), paths, InspectOptions{})
		if err != nil || len(ins.Files) != 1 {
			t.Fatalf("%v: %v, %d results", paths, err, len(ins.Files))
		}
		r := ins.Files[0]
		if r.Status != StatusUnreadable || InspectExit(ins.Files) != ExitUsage {
			t.Errorf("%v: status %s", paths, r.Status)
		}
		msg := r.Report.Problems[0].Message
		if !strings.Contains(msg, "FIFO") && !strings.Contains(msg, "device") {
			t.Errorf("%v: %q does not say what the file is", paths, msg)
		}
	}

	// A profile whose credential, key or password file became a FIFO
	// fails at once too.
	pwFifo := filepath.Join(dir, "pw")
	if err := syscall.Mkfifo(pwFifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ps := []profiles.Profile{
		{Name: "cert-fifo", CertPath: fifo, Environment: "development"},
		{Name: "key-fifo", CertPath: filepath.Join(fixtures, "dev-cert.pem"), KeyPath: fifo, Environment: "development"},
		{Name: "pw-fifo", CertPath: filepath.Join(fixtures, "dev-modern.p12"), Environment: "development",
			Password: profiles.PasswordSource{Kind: "file", Name: pwFifo}},
	}
	res, err := Check(context.Background(), ps, CheckOptions{Env: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != StatusFailure {
			t.Errorf("%s: %s %v", r.Profile.Name, r.Status, r.Problems)
		}
	}
	if _, err := os.Stat(fifo); err != nil {
		t.Fatal(err)
	}
}
