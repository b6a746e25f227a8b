package profiles

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// File names inside the config folder.
const (
	profilesFile = "profiles.json"
	devicesFile  = "devices.json"
	payloadsFile = "payloads.json"
	draftFile    = "draft.json"
	historyFile  = "history.jsonl"
	lockFile     = ".lock"
)

// lockTimeout bounds how long a write waits for another pushdeck process; a
// process holds the lock only for one read-modify-write, so waiting longer
// means that process is stuck, and the user should hear about it.
const lockTimeout = 30 * time.Second

// DefaultDir is $PUSHDECK_HOME, else os.UserConfigDir()/pushdeck.
func DefaultDir() (string, error) {
	if d := os.Getenv("PUSHDECK_HOME"); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a config folder (%v): set PUSHDECK_HOME to a folder pushdeck may use", err)
	}
	return filepath.Join(base, "pushdeck"), nil
}

// storeState is the unexported part of a Store: kept behind a pointer so a
// Store value stays a plain struct with Dir for callers that only read it.
type storeState struct {
	mu       sync.Mutex // serialises read-modify-writes inside this process
	wmu      sync.Mutex // guards warnings
	warnings []string
}

// Open opens (creating with 0700 if needed) the config folder. It fixes
// permissions that are too wide and reports that it did in Warnings.
func Open(dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("no config folder given: set PUSHDECK_HOME or pass a folder")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("config folder %s: %w", dir, err)
	}
	s := &Store{Dir: abs, st: &storeState{}}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the config folder %s: %w%s", abs, err, whatToDo(abs, err))
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("config folder %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is a file, not a folder: point PUSHDECK_HOME at a folder", abs)
	}
	s.fixMode(abs, fi.Mode().Perm(), 0o700)
	for _, name := range []string{profilesFile, devicesFile, payloadsFile, draftFile, historyFile, lockFile} {
		p := filepath.Join(abs, name)
		fi, err := os.Lstat(p)
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		s.fixMode(p, fi.Mode().Perm(), 0o600)
	}
	s.removeStaleTemps()
	return s, nil
}

// tempPattern matches the temp files writeFileAtomic makes for name.
func tempPattern(dir, name string) string { return filepath.Join(dir, "."+name+".tmp-*") }

// removeStaleTemps deletes the temp files of saves that a killed pushdeck
// never finished. writeFileAtomic renames or removes its temp file before
// it releases the folder lock, so any temp file seen under the lock is
// stale. If another process holds the lock, its temp file may be live:
// leave them all for the next Open.
func (s *Store) removeStaleTemps() {
	var olds []string
	for _, name := range []string{profilesFile, devicesFile, payloadsFile, draftFile} {
		m, _ := filepath.Glob(tempPattern(s.Dir, name))
		olds = append(olds, m...)
	}
	if len(olds) == 0 {
		return
	}
	unlock, err := s.flockFor(0)
	if err != nil {
		return
	}
	defer unlock()
	for _, o := range olds {
		os.Remove(o)
	}
}

// fixMode narrows a mode that lets group or others in: the folder holds
// paths to private keys and device tokens, which are nobody else's business.
func (s *Store) fixMode(path string, mode, want fs.FileMode) {
	if mode&0o077 == 0 {
		return
	}
	if err := os.Chmod(path, want); err != nil {
		s.warnf("%s has permissions %04o (others can read it) and pushdeck could not change them: %v; run chmod %04o %s", path, mode, err, want, path)
		return
	}
	s.warnf("%s had permissions %04o (others could read it); pushdeck changed them to %04o", path, mode, want)
}

// Warnings returns notices gathered while reading (permissions fixed, a torn
// history line skipped); each says what happened and to which file.
func (s *Store) Warnings() []string {
	if s.st == nil {
		return nil
	}
	s.st.wmu.Lock()
	defer s.st.wmu.Unlock()
	return append([]string(nil), s.st.warnings...)
}

// warnf records a notice once: the same torn line found by every query
// should not fill the screen.
func (s *Store) warnf(format string, args ...any) {
	if s.st == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	s.st.wmu.Lock()
	defer s.st.wmu.Unlock()
	for _, w := range s.st.warnings {
		if w == msg {
			return
		}
	}
	s.st.warnings = append(s.st.warnings, msg)
}

func (s *Store) path(name string) string { return filepath.Join(s.Dir, name) }

// locked runs fn while holding both the in-process mutex and an exclusive
// flock on the folder's lock file, so a read-modify-write by another
// pushdeck process cannot interleave with ours and lose an update.
func (s *Store) locked(fn func() error) error {
	if s.st == nil {
		return errors.New("profiles: use profiles.Open to get a Store")
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	unlock, err := s.flock()
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// flock takes the folder lock. It polls with a non-blocking flock so a
// stuck process gives the user an error instead of a hang.
func (s *Store) flock() (func(), error) { return s.flockFor(lockTimeout) }

func (s *Store) flockFor(timeout time.Duration) (func(), error) {
	p := s.path(lockFile)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the lock file %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	deadline := time.Now().Add(timeout)
	wait := 100 * time.Microsecond
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("cannot lock %s: %w", p, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another pushdeck process has held %s for over %s: close it and try again", p, timeout)
		}
		time.Sleep(wait)
		if wait < time.Millisecond {
			wait *= 2
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// writeFileAtomic replaces name with data so that a reader (or a crash) sees
// either the old file or the new one, never half of each: temp file in the
// same folder, fsync, rename, fsync the folder so the rename itself is durable.
func (s *Store) writeFileAtomic(name string, data []byte) error {
	dst := s.path(name)
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

// whatToDo is the advice for a file error the user can fix: a folder they
// may not write to, a folder where a file belongs, a full disk.
func whatToDo(dir string, err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf(". pushdeck may not write there: make the folder and its files yours and writable (chmod -R u+rwX %s), or set PUSHDECK_HOME to another folder", dir)
	case errors.Is(err, syscall.EISDIR):
		return ". It is a folder where pushdeck keeps a file: move it away (pushdeck then starts that file afresh)"
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EFBIG), errors.Is(err, syscall.EDQUOT):
		return ". The disk is full (or the file reached its size limit): free some space and try again"
	}
	return ""
}
