//go:build !unix

package profiles

import (
	"errors"
	"io/fs"
	"syscall"
)

// checkOwner: file ownership is not a Unix uid here; the folder's ACL
// decides who may read it.
func checkOwner(string, fs.FileInfo) error { return nil }

func isDirErr(err error) bool { return errors.Is(err, errIsDir) }

func isDiskFull(err error) bool {
	// ERROR_DISK_FULL (112) and ERROR_HANDLE_DISK_FULL (39) on Windows.
	var en syscall.Errno
	return errors.As(err, &en) && (en == 112 || en == 39)
}

// syncDir: folders cannot be opened for sync here; the rename is durable
// once the file system says so.
func syncDir(string) error { return nil }
