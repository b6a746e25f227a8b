//go:build unix

package fsafe

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A FIFO with no writer would block open(2) and read(2) forever; it is
// refused at once. (Before fsafe, `inspect` of a FIFO hung.)
func TestReadFileRefusesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "tokens.txt")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	_, err := ReadFile(p, LimitTokens, "tokens file")
	oneLine(t, err)
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "tokens.txt is a FIFO, not a file") {
		t.Fatalf("err = %v", err)
	}
	// The open itself must not block either (the path swapped after Stat).
	f, err := openNonBlocking(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if err := regular(p, st); !errors.Is(err, ErrNotRegular) {
		t.Fatalf("fstat check: %v", err)
	}
}
