//go:build unix

package cli

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestInspectManyFIFO: a FIFO in a folder is refused at once, exit 2.
func TestInspectManyFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.p12"), 0o600); err != nil {
		t.Skip(err)
	}
	b, _ := os.ReadFile(filepath.Join(fixtureDir, "dev-empty-password.p12"))
	os.WriteFile(filepath.Join(dir, "ok.p12"), b, 0o600)
	te := &testEnv{}
	if c := te.run("inspect", dir); c != exitUsage || !strings.Contains(te.stderr.String(), "FIFO") || !strings.Contains(te.stdout.String(), "✓ usable") {
		t.Errorf("exit %d\n%s%s", c, te.stdout.String(), te.stderr.String())
	}
}
