package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// History appends entries as JSON Lines. It is safe for concurrent use, and
// two processes appending at once each keep whole lines (an flock on the
// file guards every Append).
type History struct {
	s    *Store
	mu   sync.Mutex
	f    *os.File
	path string
	buf  []byte
}

// OpenHistory opens history.jsonl for appending; Close flushes and fsyncs.
func (s *Store) OpenHistory() (*History, error) {
	if s.st == nil {
		return nil, errors.New("profiles: use profiles.Open to get a Store")
	}
	p := s.path(historyFile)
	// O_RDWR, not O_WRONLY: Append reads the last byte to see whether a
	// crashed writer left a torn line behind.
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open the send history %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	if fi, err := f.Stat(); err == nil {
		s.fixMode(p, fi.Mode().Perm(), 0o600)
	}
	return &History{s: s, f: f, path: p}, nil
}

// Append writes entries (one fsync per call), each as one line. If the file
// ends in a torn line (a writer died mid-line), a newline goes first so the
// fragment stays a line of its own, skipped on read, and this entry is whole.
func (h *History) Append(entries ...HistoryEntry) error {
	if len(entries) == 0 {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return fmt.Errorf("the send history %s is closed", h.path)
	}
	buf := h.buf[:0]
	for i := range entries {
		b, err := json.Marshal(&entries[i])
		if err != nil {
			return fmt.Errorf("encoding a history entry: %w", err)
		}
		buf = append(append(buf, b...), '\n')
	}
	h.buf = buf
	fd := int(h.f.Fd())
	if err := flockWait(fd); err != nil {
		return fmt.Errorf("cannot lock the send history %s: %w", h.path, err)
	}
	defer syscall.Flock(fd, syscall.LOCK_UN)
	fi, err := h.f.Stat()
	if err != nil {
		return fmt.Errorf("send history %s: %w", h.path, err)
	}
	size := fi.Size()
	if size > 0 {
		var last [1]byte
		if _, err := h.f.ReadAt(last[:], size-1); err == nil && last[0] != '\n' {
			buf = append([]byte{'\n'}, buf...)
		}
	}
	if _, err := h.f.Write(buf); err != nil {
		// A full disk takes part of the batch: cut it off again so an
		// Append is all or nothing and no half line is left behind.
		if terr := h.f.Truncate(size); terr != nil {
			err = errors.Join(err, terr)
		}
		return fmt.Errorf("cannot append to the send history %s (earlier entries are kept): %w%s", h.path, err, whatToDo(h.s.Dir, err))
	}
	if err := h.f.Sync(); err != nil {
		return fmt.Errorf("cannot sync the send history %s: %w", h.path, err)
	}
	return nil
}

// flockWait takes an exclusive flock, retrying when a signal interrupts it.
// Appends are short, so blocking is fine here.
func flockWait(fd int) error {
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// Close syncs and closes the file.
func (h *History) Close() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f == nil {
		return nil
	}
	serr := h.f.Sync()
	cerr := h.f.Close()
	h.f = nil
	return errors.Join(serr, cerr)
}

// lineNumber counts the lines before offset; it is only needed to report a
// bad line, so it reads the file again rather than counting on every query.
func lineNumber(f *os.File, offset int64) int {
	buf := make([]byte, 64<<10)
	n := 1
	for pos := int64(0); pos < offset; {
		want := min(int64(len(buf)), offset-pos)
		got, err := f.ReadAt(buf[:want], pos)
		n += bytes.Count(buf[:got], []byte{'\n'})
		pos += int64(got)
		if err != nil {
			break
		}
	}
	return n
}
