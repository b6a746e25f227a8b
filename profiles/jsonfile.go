package profiles

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CorruptFileError says that a file of the config folder is not valid JSON
// (or not the shape pushdeck expects). pushdeck never writes over such a
// file: the user's data may still be in it, and only they can tell.
type CorruptFileError struct {
	Path   string // the file
	Line   int    // 1-based; 0 if unknown
	Column int    // 1-based; 0 if unknown
	Copy   string // where a copy of the bad bytes was kept ("" if it could not be)
	Err    error  // what the JSON decoder said
}

// Error names the file and the line, and says what to do.
func (e *CorruptFileError) Error() string {
	var b strings.Builder
	var te *json.UnmarshalTypeError
	if errors.As(e.Err, &te) {
		fmt.Fprintf(&b, "%s is not in the shape pushdeck expects", e.Path)
	} else {
		fmt.Fprintf(&b, "%s is not valid JSON", e.Path)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d, column %d", e.Line, e.Column)
	}
	fmt.Fprintf(&b, " (%v). pushdeck has not changed it", e.Err)
	if e.Copy != "" {
		fmt.Fprintf(&b, " and kept a copy as %s", e.Copy)
	}
	fmt.Fprintf(&b, ". Fix that line by hand, or move the file away to start afresh (pushdeck then creates a new, empty %s).", filepath.Base(e.Path))
	return b.String()
}

// Unwrap gives the decoder's error.
func (e *CorruptFileError) Unwrap() error { return e.Err }

// ErrNewerSchema is wrapped by the error for a file written by a newer
// pushdeck, which this one must not rewrite in its older shape.
var ErrNewerSchema = errors.New("written by a newer pushdeck")

// schemaOnly reads just the version, so a newer file is recognised even if
// the rest of its shape changed.
type schemaOnly struct {
	Schema int `json:"schema"`
}

// jsonFileLimit bounds profiles.json (a thousand profiles are 1 MB).
const jsonFileLimit = 16 << 20

// readDoc decodes the JSON file name into v. A missing file leaves v alone
// and is no error: an empty store is a new user, not a problem.
func (s *Store) readDoc(name string, v any) error {
	_, err := s.readDocRaw(name, v)
	return err
}

// readDocRaw is readDoc that also returns the bytes read, so an update that
// changes nothing can skip the write.
func (s *Store) readDocRaw(name string, v any) ([]byte, error) {
	p := s.path(name)
	data, err := readLimited(p, jsonFileLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w%s", p, err, whatToDo(s.Dir, err))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		s.warnf("%s is empty; pushdeck treats it as holding nothing", p)
		return data, nil
	}
	var so schemaOnly
	if err := json.Unmarshal(data, &so); err == nil && so.Schema > SchemaVersion {
		return nil, fmt.Errorf("%s has schema %d: it was %w (this one reads schema %d); upgrade pushdeck. The file is unchanged", p, so.Schema, ErrNewerSchema, SchemaVersion)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, s.corrupt(p, data, err)
	}
	return data, nil
}

// corrupt builds the error for a bad file and keeps a copy of its bytes, so
// the data survives even if the user then deletes the file to get going.
func (s *Store) corrupt(path string, data []byte, decodeErr error) error {
	ce := &CorruptFileError{Path: path, Err: decodeErr}
	off := int64(-1)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(decodeErr, &se):
		off = se.Offset - 1 // Offset is just after the offending byte
	case errors.As(decodeErr, &te):
		off = te.Offset - 1
	}
	if off >= 0 {
		ce.Line, ce.Column = lineCol(data, off)
	}
	cp, err := keepCopy(path, data)
	if err != nil {
		s.warnf("could not keep a copy of %s: %v", path, err)
	}
	ce.Copy = cp
	return ce
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// keepCopy saves data next to path as path.corrupt-<timestamp>, unless an
// identical copy is already there: every command run meets the same broken
// file, and one copy of it is enough.
func keepCopy(path string, data []byte) (string, error) {
	olds, _ := filepath.Glob(path + ".corrupt-*")
	for _, o := range olds {
		if b, err := os.ReadFile(o); err == nil && bytes.Equal(b, data) {
			return o, nil
		}
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for i := 0; i < 100; i++ {
		name := path + ".corrupt-" + stamp
		if i > 0 {
			name += fmt.Sprintf("-%d", i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, werr := f.Write(data)
		serr := f.Sync()
		cerr := f.Close()
		if err := errors.Join(werr, serr, cerr); err != nil {
			os.Remove(name)
			return "", err
		}
		return name, nil
	}
	return "", fmt.Errorf("too many copies named %s.corrupt-%s*", path, stamp)
}

// encodeDoc is the on-disk form of a document.
func encodeDoc(name string, v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", name, err)
	}
	return append(data, '\n'), nil
}

// update is the one read-modify-write path for the JSON files: under the
// lock, read the current file (refusing a corrupt one), let fn change it,
// write it back atomically if it changed. fn's error leaves the file
// untouched.
func update[T any](s *Store, name string, fn func(doc *T) error) error {
	if err := refuseLink(s.path(name)); err != nil {
		return err
	}
	return s.locked(func() error {
		var doc T
		old, err := s.readDocRaw(name, &doc)
		if err != nil {
			return err
		}
		if err := fn(&doc); err != nil {
			return err
		}
		if st, ok := any(&doc).(interface{ stamp() }); ok {
			st.stamp()
		}
		data, err := encodeDoc(name, &doc)
		if err != nil {
			return err
		}
		if bytes.Equal(data, old) {
			return nil // nothing changed (a result for a token not in the book)
		}
		return s.writeFileAtomic(name, data)
	})
}

// read is the lock-free read path: files are only ever replaced by rename,
// so a reader sees a whole old file or a whole new one.
func read[T any](s *Store, name string) (T, error) {
	var doc T
	if s.st == nil {
		return doc, errNotOpen
	}
	err := s.readDoc(name, &doc)
	return doc, err
}
