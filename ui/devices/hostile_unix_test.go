//go:build unix

package devices

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// TestImportRefusesFIFOAndDevices: the console's import of a FIFO or
// /dev/zero answers at once instead of blocking or filling the memory
// (issue 12).
func TestImportRefusesFIFOAndDevices(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "tokens.txt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	for path, want := range map[string]string{fifo: "is a FIFO, not a file", "/dev/zero": "is a device, not a file"} {
		msg, ok := importFile(store, path, certs.Development)().(importedMsg)
		if !ok || msg.err == nil || !strings.Contains(msg.err.Error(), want) {
			t.Fatalf("%s: %+v", path, msg)
		}
	}
}
