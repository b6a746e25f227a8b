// Package fsafe reads files from outside with a size limit that fits their
// kind, refusing FIFOs, devices, sockets and folders before a byte is read,
// and writes pushdeck's own files atomically without ever following a
// symbolic link.
//
// Every error is one line that names the file and says what is wrong and
// what to do; the path in it is sanitised for the terminal.
package fsafe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pushdeck/pushdeck/internal/textsafe"
)

// Limits per kind of file. Each is far above any real file of that kind and
// far below what would hurt a 2-core machine with little memory.
const (
	// LimitPassword is for a password file: a password, a newline, perhaps a BOM.
	LimitPassword int64 = 1 << 10
	// LimitPayload is for a payload file. APNs takes 4 KB (5 KB for VoIP);
	// a file up to 1 MB is still read so lint can say by how much it is over.
	LimitPayload int64 = 1 << 20
	// LimitTokens is for a token list, a device import or a mock's device list.
	LimitTokens int64 = 64 << 20
	// LimitCredential is for a .p12, .pem, .cer, .key or .p8 file (a few KB in
	// practice; a PEM bundle of a few hundred certificates still fits).
	LimitCredential int64 = 1 << 20
	// LimitCA is for a server CA file (PEM bundle).
	LimitCA int64 = 1 << 20
	// LimitConfig is for a file pushdeck keeps in its own folder (profiles).
	LimitConfig int64 = 16 << 20
)

// Sentinel errors, for errors.Is on an *Error.
var (
	// ErrNotRegular: a FIFO, device, socket or folder, refused before reading.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooBig: over the limit for its kind, by its size or while reading.
	ErrTooBig = errors.New("file too big")
	// ErrSymlink: a write target is a symbolic link.
	ErrSymlink = errors.New("symbolic link")
)

// Error is a refused read or write. Its message is one line.
type Error struct {
	Path string // as given
	Kind error  // ErrNotRegular, ErrTooBig, ErrSymlink, fs.ErrNotExist, or the OS error
	msg  string
}

func (e *Error) Error() string { return e.msg }

// Unwrap lets errors.Is see the kind (and fs.ErrNotExist, fs.ErrPermission).
func (e *Error) Unwrap() error { return e.Kind }

func newErr(path string, kind error, format string, args ...any) *Error {
	return &Error{Path: path, Kind: kind, msg: textsafe.Clean(fmt.Sprintf(format, args...))}
}

// shown is the path as it goes into a message.
func shown(path string) string { return textsafe.Clean(path) }

// File is a bounded reader over one regular file: reading past its limit
// returns an *Error with ErrTooBig, whatever the file grows to meanwhile.
type File struct {
	f     *os.File
	path  string
	what  string
	limit int64
	size  int64
	read  int64
}

// Size is the file's size when it was opened.
func (f *File) Size() int64 { return f.size }

// Name is the path as given to Open.
func (f *File) Name() string { return f.path }

// Read reads up to the limit; one byte past it is an error.
func (f *File) Read(p []byte) (int, error) {
	if f.read > f.limit {
		return 0, tooBigWhileReading(f.path, f.what, f.limit)
	}
	if room := f.limit + 1 - f.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := f.f.Read(p)
	f.read += int64(n)
	if f.read > f.limit {
		return n - int(f.read-f.limit), tooBigWhileReading(f.path, f.what, f.limit)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return n, newErr(f.path, err, "cannot read %s: %v", shown(f.path), unwrapPath(err))
	}
	return n, err
}

// ReadAt reads what Read read or could read at off (io.ReaderAt): a
// look back at an earlier part (a tokens file's earlier line). Nothing at
// or past the limit is read.
func (f *File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= f.limit {
		return 0, io.EOF
	}
	short := int64(len(p)) > f.limit-off
	if short {
		p = p[:f.limit-off]
	}
	n, err := f.f.ReadAt(p, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return n, newErr(f.path, err, "cannot read %s: %v", shown(f.path), unwrapPath(err))
	}
	if err == nil && short {
		err = io.EOF
	}
	return n, err
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }

// Open opens path for a bounded streaming read. what names the kind in
// messages ("payload", "tokens file"): "the limit for a payload is 1 MB".
// FIFOs, devices, sockets and folders are refused without blocking.
func Open(path string, limit int64, what string) (*File, error) {
	if path == "" {
		return nil, newErr(path, fs.ErrNotExist, "no %s file named: give a path", what)
	}
	// Stat first so a FIFO or device is refused before open touches it.
	st, err := os.Stat(path)
	if err != nil {
		return nil, statErr(path, what, err)
	}
	if err := regular(path, st); err != nil {
		return nil, err
	}
	fh, err := openNonBlocking(path)
	if err != nil {
		return nil, statErr(path, what, err)
	}
	// fstat the open file: the path may have been swapped since the Stat.
	st, err = fh.Stat()
	if err != nil {
		fh.Close()
		return nil, newErr(path, err, "cannot read %s: %v", shown(path), unwrapPath(err))
	}
	if err := regular(path, st); err != nil {
		fh.Close()
		return nil, err
	}
	if st.Size() > limit {
		fh.Close()
		return nil, newErr(path, ErrTooBig, "%s is %s; the limit for a %s is %s: check that this is the right file",
			shown(path), Size(st.Size()), what, Size(limit))
	}
	return &File{f: fh, path: path, what: what, limit: limit, size: st.Size()}, nil
}

// ReadFile reads all of a regular file of at most limit bytes.
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := Open(path, limit, what)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(f.size, limit)+1))
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// StripBOM drops a UTF-8 byte order mark from the start of b: editors on
// Windows add one, and it would become part of a password or the first token.
func StripBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\ufeff")) }

// StripBOMString is StripBOM for a string.
func StripBOMString(s string) string {
	if len(s) >= 3 && s[:3] == "\ufeff" {
		return s[3:]
	}
	return s
}

func tooBigWhileReading(path, what string, limit int64) *Error {
	return newErr(path, ErrTooBig, "%s is more than %s (it grew while being read, or is not an ordinary file); the limit for a %s is %s",
		shown(path), Size(limit), what, Size(limit))
}

// KindOf names what a non-regular file is, for sentences: "a FIFO",
// "a device", "a socket", "a folder", else "not an ordinary file".
func KindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0, m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not an ordinary file"
}

// regular refuses anything but a regular file, saying what it is.
func regular(path string, st fs.FileInfo) error {
	m := st.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return newErr(path, ErrNotRegular, "%s is a folder, not a file: name a file inside it", shown(path))
	}
	return newErr(path, ErrNotRegular, "%s is %s, not a file: save the content to a file and give that", shown(path), KindOf(m))
}

func statErr(path, what string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return newErr(path, fs.ErrNotExist, "%s: no such file; check the path of the %s", shown(path), what)
	case errors.Is(err, fs.ErrPermission):
		return newErr(path, fs.ErrPermission, "%s: permission denied; check the file's owner and mode", shown(path))
	}
	return newErr(path, err, "cannot read %s: %v", shown(path), unwrapPath(err))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Size formats a byte count for messages: "512 bytes", "4 KB", "5.2 MB".
func Size(n int64) string {
	const k = 1024
	switch {
	case n < k:
		return fmt.Sprintf("%d bytes", n)
	case n < k*k:
		return trim(float64(n)/k) + " KB"
	case n < k*k*k:
		return trim(float64(n)/(k*k)) + " MB"
	}
	return trim(float64(n)/(k*k*k)) + " GB"
}

func trim(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		return s[:len(s)-2]
	}
	return s
}

// WriteFileAtomic replaces path with data: a temp file in the same folder,
// fsync, rename, so a reader sees the old or the new file, never half. A path
// that is a symbolic link is refused (the link and its target are left
// alone), as is a folder or device in its place. The new file has mode perm.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return writeAtomic(path, data, perm, true)
}

// CreateFileAtomic is WriteFileAtomic for a file that must not exist yet
// (export without --force): if path exists, or appears while the data is
// written, it is left alone and the error wraps fs.ErrExist.
func CreateFileAtomic(path string, data []byte, perm fs.FileMode) error {
	return writeAtomic(path, data, perm, false)
}

func writeAtomic(path string, data []byte, perm fs.FileMode, replace bool) error {
	if err := RefuseLink(path); err != nil {
		return err
	}
	if !replace {
		if _, err := os.Lstat(path); err == nil {
			return newErr(path, fs.ErrExist, "%s already exists; nothing was written", shown(path))
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return writeErr(path, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return writeErr(path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return writeErr(path, err)
	}
	if err := tmp.Sync(); err != nil {
		return writeErr(path, err)
	}
	if err := tmp.Close(); err != nil {
		return writeErr(path, err)
	}
	if err := place(tmp.Name(), path, replace); err != nil {
		return err
	}
	ok = true
	syncDir(dir)
	return nil
}

// place moves the written temp file to path: a rename, or without replace
// a hard link that fails if path appeared meanwhile (where the file system
// has no hard links: check, then rename).
func place(tmp, path string, replace bool) error {
	if replace {
		if err := os.Rename(tmp, path); err != nil {
			return writeErr(path, err)
		}
		return nil
	}
	err := os.Link(tmp, path)
	if err == nil {
		_ = os.Remove(tmp)
		return nil
	}
	if errors.Is(err, fs.ErrExist) {
		return newErr(path, fs.ErrExist, "%s already exists; nothing was written", shown(path))
	}
	if _, statErr := os.Lstat(path); statErr == nil {
		return newErr(path, fs.ErrExist, "%s already exists; nothing was written", shown(path))
	}
	if err := os.Rename(tmp, path); err != nil {
		return writeErr(path, err)
	}
	return nil
}

// RefuseLink returns an *Error when path is a symbolic link, a folder or
// anything else that is not a regular file; a missing path is fine. Call it
// before writing or appending to a file pushdeck keeps.
func RefuseLink(path string) error {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return writeErr(path, err)
	case st.Mode()&fs.ModeSymlink != 0:
		return newErr(path, ErrSymlink, "%s is a symbolic link; pushdeck does not write through links: replace it with a regular file or use another PUSHDECK_HOME", shown(path))
	case st.IsDir():
		return newErr(path, ErrNotRegular, "%s is a folder; pushdeck needs a file there: move the folder away", shown(path))
	case !st.Mode().IsRegular():
		return newErr(path, ErrNotRegular, "%s is not a regular file; pushdeck needs a file there: move it away", shown(path))
	}
	return nil
}

func writeErr(path string, err error) error {
	e := unwrapPath(err)
	switch {
	case errors.Is(err, fs.ErrPermission):
		return newErr(path, err, "cannot write %s: permission denied; check the folder's owner and mode, or use another PUSHDECK_HOME", shown(path))
	case isNoSpace(err):
		return newErr(path, err, "cannot write %s: the disk is full; free some space and try again (the old file is unchanged)", shown(path))
	}
	return newErr(path, err, "cannot write %s: %v", shown(path), e)
}

// MkdirOwned makes sure dir exists. A folder it creates gets mode 0700 (its
// parents too, when it creates them). A folder that already exists is never
// chmod-ed: pushdeck did not create it. If that folder is writable by group
// or others, warning says so (one line) and err is nil.
func MkdirOwned(dir string) (warning string, err error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", newErr(dir, err, "cannot create the folder %s: %v", shown(dir), unwrapPath(err))
		}
		return "", nil
	case err != nil:
		return "", newErr(dir, err, "cannot use the folder %s: %v", shown(dir), unwrapPath(err))
	case !st.IsDir():
		return "", newErr(dir, ErrNotRegular, "%s is a file, not a folder: move it away or use another PUSHDECK_HOME", shown(dir))
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("%s is writable by others (mode %04o); pushdeck keeps its own files there 0600 but leaves the folder as it is: use a private folder for PUSHDECK_HOME",
			shown(dir), modeBits(st.Mode())), nil
	}
	return "", nil
}

// modeBits is the classic octal mode including sticky/setgid/setuid.
func modeBits(m fs.FileMode) uint32 {
	b := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		b |= 0o1000
	}
	if m&fs.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&fs.ModeSetuid != 0 {
		b |= 0o4000
	}
	return b
}
