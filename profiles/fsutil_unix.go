//go:build unix

package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses a database that belongs to another user: in a shared
// folder, someone else's pushdeck.db is theirs, not ours to read or write.
func checkOwner(p string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); uid != 0 && int(st.Uid) != uid {
		return fmt.Errorf("%s belongs to another user (uid %d): pushdeck keeps only your own files there; set PUSHDECK_HOME to a folder of yours", p, st.Uid)
	}
	return nil
}

func isDirErr(err error) bool {
	return errors.Is(err, syscall.EISDIR) || errors.Is(err, errIsDir)
}

func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	return nil
}
