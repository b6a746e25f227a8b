//go:build unix

package fsafe

import (
	"errors"
	"os"
	"syscall"
)

// openNonBlocking opens read-only with O_NONBLOCK so that a FIFO swapped in
// after the Stat cannot block the open; the fstat that follows refuses it.
// O_NOCTTY keeps a terminal device from becoming the controlling terminal.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}

// syncDir flushes a rename to disk; best effort (some file systems refuse).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EFBIG)
}
