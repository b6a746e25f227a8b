package health

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"unicode"
)

// Size limits for what health reads. A credential is a few kilobytes; the
// certs package too refuses anything above 1 MiB as "not a credential".
const (
	maxCredentialFile = 1 << 20
	maxPasswordFile   = 1 << 10
	maxServerCAFile   = 1 << 20
	// maxFolderEntries bounds a folder listing (inspect DIR).
	maxFolderEntries = 10000
)

// errTooBig is wrapped when a file is over its limit.
var errTooBig = errors.New("too big")

// readRegular reads at most limit bytes of the regular file at path. It
// opens without blocking and checks the opened file, so a FIFO, a device or
// a socket is refused before any read (opening a FIFO for reading would wait
// forever for a writer) and a file swapped between a check and the open
// cannot slip through. over says whether the file was larger than limit (the
// data is then the first limit bytes).
//
// TODO(health): use internal/fsafe when it lands (issue 12); this is the
// same rule, kept local until then.
func readRegular(path string, limit int64) (data []byte, over bool, err error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if err := regularOnly(path, st); err != nil {
		return nil, false, err
	}
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, false, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(len(data)) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// checkRegular says whether path names a regular file (following links),
// without opening it: for files the certs package opens itself.
func checkRegular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return regularOnly(path, st)
}

// notRegularError says what a path is instead of a file.
type notRegularError struct {
	path, what string
}

func (e *notRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file", e.path, e.what)
}

func regularOnly(path string, st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return &notRegularError{path, "a folder"}
	case m&fs.ModeNamedPipe != 0:
		return &notRegularError{path, "a named pipe (FIFO)"}
	case m&fs.ModeSocket != 0:
		return &notRegularError{path, "a socket"}
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return &notRegularError{path, "a device"}
	}
	return &notRegularError{path, "not a regular file"}
}

// readPasswordFile reads the first line of a password file: at most 1 KiB,
// regular files only, a UTF-8 byte-order mark and the line end dropped.
func readPasswordFile(path string) (string, error) {
	data, over, err := readRegular(path, maxPasswordFile)
	if err != nil {
		return "", err
	}
	if over {
		return "", fmt.Errorf("%s is over %d bytes, too big for a password file: %w", path, maxPasswordFile, errTooBig)
	}
	s := strings.TrimPrefix(string(data), "\uFEFF")
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s, nil
}

// pathErr drops the "open /path:" prefix when the sentence names the path.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// clean makes a string from a file, a certificate or a profile safe to
// print on a terminal: control characters (C0, DEL, C1: the start of every
// escape sequence) and invalid UTF-8 become '?'.
//
// TODO(health): use internal/textsafe when it lands (issue 12).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}
