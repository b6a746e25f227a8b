//go:build unix

package certs_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// Files that are not files: each is refused at once with a true sentence.
func TestNotRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ck.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	cer := filepath.Join(dir, "aps.cer")
	cc := client(t, newCA(t), certgen.ClientSpec{})
	os.WriteFile(cer, cc.Certificate[0], 0o600)
	for _, c := range []struct{ path, want string }{
		{fifo, "is a FIFO, not a file"},
		{"/dev/zero", "/dev/zero is a device, not a file"},
		{"/dev/null", "/dev/null is a device, not a file"},
		{dir, "is a folder, not a file"},
	} {
		_, err := certs.Load(c.path, certs.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.path, err, c.want)
		}
		if strings.Contains(err.Error(), "0 bytes") {
			t.Errorf("%s: %v says 0 bytes", c.path, err)
		}
		if _, err := certs.NeedsPassword(c.path); err == nil {
			t.Errorf("NeedsPassword(%s) = nil error", c.path)
		}
		// The key file path goes through the same reader.
		cred, _ := certs.Load(cer, certs.Options{KeyPath: c.path})
		if cred == nil || cred.Report.Usable || !strings.Contains(cred.Report.Problems[0].Message, strings.TrimPrefix(c.want, "/dev/zero ")) {
			t.Errorf("key file %s: %+v", c.path, cred.Report.Problems)
		}
	}
}
