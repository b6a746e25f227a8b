package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// refuseLink fails if p is a symbolic link: pushdeck never writes through
// one (the link could point at any file of the user's), and never chmods
// one's target.
func refuseLink(p string) error {
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return nil
	}
	target, _ := os.Readlink(p)
	return fmt.Errorf("%s is a symbolic link (to %s): pushdeck never writes through a link; replace it with the file itself, or set PUSHDECK_HOME to another folder", p, target)
}

// writeFileAtomic replaces name with data so that a reader (or a crash) sees
// either the old file or the new one, never half of each: temp file in the
// same folder (0600, made by us), fsync, rename, fsync the folder so the
// rename itself is durable. A name that is a symbolic link is refused, not
// replaced.
func (s *Store) writeFileAtomic(name string, data []byte) error {
	dst := s.path(name)
	if err := refuseLink(dst); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.Dir, filepath.Base(tempPattern(s.Dir, name)))
	if err != nil {
		return fmt.Errorf("cannot write %s (it is unchanged): %w%s", dst, err, whatToDo(s.Dir, err))
	}
	tmpName := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmpName)
		return fmt.Errorf("cannot write %s (it is unchanged): %w%s", dst, err, whatToDo(s.Dir, err))
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("cannot write %s (it is unchanged): %w%s", dst, err, whatToDo(s.Dir, err))
	}
	if err := os.Rename(tmpName, dst); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("cannot write %s (it is unchanged): %w%s", dst, err, whatToDo(s.Dir, err))
	}
	return syncDir(s.Dir)
}

// readLimited reads a regular file of at most limit bytes: no FIFO, device
// or folder, and nothing bigger than what the file can sensibly be.
func readLimited(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("it is a folder: %w", errIsDir)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("it is not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("it is %d bytes, more than the %d this file can be", fi.Size(), limit)
	}
	buf := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			break
		}
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("it grew past the %d bytes this file can be", limit)
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	return buf, nil
}

// errIsDir marks "a folder where a file belongs".
var errIsDir = errors.New("is a directory")
