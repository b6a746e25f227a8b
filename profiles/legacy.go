package profiles

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// LegacySuffix is added to a file of the JSON store once its contents are in
// the database: the file is kept (renamed), never deleted.
const LegacySuffix = ".imported"

// Limits for the JSON store's files: far above what they ever held (60,000
// devices were 15 MB), far below what would hurt to read.
const (
	legacyDevicesLimit  = 512 << 20
	legacyPayloadsLimit = 64 << 20
	legacyDraftLimit    = 16 << 20
	legacyLineLimit     = 4 << 20 // one history line (a payload is at most 5 KB)
)

// legacyFiles are the JSON store's files, in the order they are imported.
var legacyFiles = []string{devicesFile, payloadsFile, draftFile, historyFile}

// legacyResult is what importing one file did.
type legacyResult struct {
	name     string
	imported bool   // its contents are in the database (now or before)
	what     string // "3 devices"
}

// importLegacy imports the JSON store's files that are still there, in one
// transaction, then renames each imported file with LegacySuffix. A file
// that cannot be read is left where it is, with a warning, and the others
// are imported. Killed between the commit and the renames, the next Open
// sees (in the meta table) that the file's contents are in already and only
// renames it.
func (s *Store) importLegacy() error {
	var present []string
	for _, name := range legacyFiles {
		fi, err := os.Lstat(s.path(name))
		if err == nil && (fi.Mode().IsRegular() || fi.Mode()&fs.ModeSymlink != 0) {
			present = append(present, name)
		}
	}
	if len(present) == 0 {
		return nil
	}
	var results []legacyResult
	err := s.write(context.Background(), "importing the JSON files into the database", func(tx *sql.Tx) error {
		defer bulkCache(tx)()
		results = results[:0]
		for _, name := range present {
			r, err := s.importLegacyFile(tx, name)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var done, kept []string
	for _, r := range results {
		if !r.imported {
			continue
		}
		from := s.path(r.name)
		to, err := s.keepName(r.name)
		if err == nil {
			err = os.Rename(from, to)
		}
		if err != nil {
			s.warnf("%s is in the database now, but pushdeck could not rename it (%v): move it away by hand", from, err)
			continue
		}
		if r.what != "" {
			done = append(done, r.what+" from "+r.name)
		}
		kept = append(kept, to)
	}
	if len(kept) > 0 {
		msg := "pushdeck now keeps devices, history, payloads and drafts in one database, " + s.dbPath()
		if len(done) > 0 {
			msg += ": imported " + strings.Join(done, ", ")
		}
		s.notef("%s. The old files are kept, renamed: %s (pushdeck no longer reads them; delete them when you no longer need them)", msg, strings.Join(kept, ", "))
	}
	return nil
}

// keepName is where a legacy file goes: name.imported, or name.imported-N
// if that is taken.
func (s *Store) keepName(name string) (string, error) {
	base := s.path(name + LegacySuffix)
	for i := 0; i < 100; i++ {
		p := base
		if i > 0 {
			p = fmt.Sprintf("%s-%d", base, i)
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return p, nil
		}
	}
	return "", fmt.Errorf("too many files named %s*", base)
}

// fingerprint identifies a legacy file's contents cheaply: a file renamed
// away and back, or untouched since its import, has the same one.
func fingerprint(fi fs.FileInfo) string {
	return fmt.Sprintf("%d:%d", fi.Size(), fi.ModTime().UnixNano())
}

// importLegacyFile imports one file inside tx. A file that cannot be read
// (not JSON, a newer schema, not a regular file) is reported and left.
func (s *Store) importLegacyFile(tx *sql.Tx, name string) (legacyResult, error) {
	p := s.path(name)
	res := legacyResult{name: name}
	if err := refuseLink(p); err != nil {
		s.warnf("%s was not imported into the database: %v", p, err)
		return res, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return res, nil // gone meanwhile (another process imported it)
	}
	fp := fingerprint(fi)
	var prev string
	err = tx.QueryRow(`SELECT value FROM meta WHERE key = ?`, "legacy:"+name).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return res, err
	}
	if prev == fp {
		res.imported = true // in the database already; only the rename was left
		return res, nil
	}
	var werr error
	switch name {
	case devicesFile:
		res.what, werr = s.importLegacyDevices(tx, p)
	case payloadsFile:
		res.what, werr = s.importLegacyPayloads(tx, p)
	case draftFile:
		res.what, werr = s.importLegacyDraft(tx, p)
	case historyFile:
		res.what, werr = s.importLegacyHistory(tx, p)
	}
	if werr != nil {
		if sqliteCode(werr) != 0 {
			return res, werr // the database failed: nothing is imported
		}
		s.warnf("%s was not imported into the database and is left as it is: %v", p, werr)
		return res, nil
	}
	if _, err := tx.Exec(`INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)`, "legacy:"+name, fp); err != nil {
		return res, err
	}
	res.imported = true
	return res, nil
}

// readLegacyDoc reads and decodes a JSON store document, refusing a newer
// schema and naming the line of a syntax error.
func (s *Store) readLegacyDoc(p string, limit int64, v any) (empty bool, err error) {
	data, err := readLimited(p, limit)
	if err != nil {
		return false, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return true, nil
	}
	var so schemaOnly
	if json.Unmarshal(data, &so) == nil && so.Schema > SchemaVersion {
		return false, fmt.Errorf("it has schema %d: it was %w; upgrade pushdeck", so.Schema, ErrNewerSchema)
	}
	if err := json.Unmarshal(data, v); err != nil {
		ce := &CorruptFileError{Path: p, Err: err}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			ce.Line, ce.Column = lineCol(data, se.Offset-1)
		case errors.As(err, &te):
			ce.Line, ce.Column = lineCol(data, te.Offset-1)
		}
		if ce.Line > 0 {
			return false, fmt.Errorf("it is not valid JSON at line %d, column %d (%v): fix that line, and the next pushdeck command imports it", ce.Line, ce.Column, err)
		}
		return false, fmt.Errorf("it is not valid JSON (%v): fix it, and the next pushdeck command imports it", err)
	}
	return false, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func (s *Store) importLegacyDevices(tx *sql.Tx, p string) (string, error) {
	var doc devicesDoc
	if _, err := s.readLegacyDoc(p, legacyDevicesLimit, &doc); err != nil {
		return "", err
	}
	up, err := newUpserter(tx)
	if err != nil {
		return "", err
	}
	defer up.close()
	n := 0
	for i, d := range doc.Devices {
		nd, err := normalizeDevice(d)
		if err == nil {
			_, _, err = up.upsert(nd)
			if sqliteCode(err) != 0 {
				return "", err
			}
		}
		if err != nil {
			s.warnf("%s: device %d (%s) was not imported: %v", p, i+1, d.Label, err)
			continue
		}
		n++
	}
	return plural(n, "device", "devices"), nil
}

func (s *Store) importLegacyPayloads(tx *sql.Tx, p string) (string, error) {
	var doc payloadsDoc
	if _, err := s.readLegacyDoc(p, legacyPayloadsLimit, &doc); err != nil {
		return "", err
	}
	for _, pl := range doc.Payloads {
		if err := putPayload(tx, "payloads", "", pl); err != nil {
			return "", err
		}
	}
	return plural(len(doc.Payloads), "saved payload", "saved payloads"), nil
}

func (s *Store) importLegacyDraft(tx *sql.Tx, p string) (string, error) {
	var doc draftDoc
	if _, err := s.readLegacyDoc(p, legacyDraftLimit, &doc); err != nil {
		return "", err
	}
	if doc.Draft == nil {
		return "", nil
	}
	return "the draft", putPayload(tx, "drafts", draftSlot, *doc.Draft)
}

// importLegacyHistory streams history.jsonl into the database, a thousand
// entries per statement group. Lines that are not JSON are skipped and
// reported; a torn last line (pushdeck was killed while writing it) is
// reported as such.
func (s *Store) importLegacyHistory(tx *sql.Tx, p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("it is not a regular file (%s)", fi.Mode().Type())
	}
	br := bufio.NewReaderSize(f, 256<<10)
	var batch []Record
	n, lineNo := 0, 0
	var bad []int
	prep := txStatements(tx)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := insertRecords(tx, batch, prep)
		n += len(batch)
		batch = batch[:0]
		return err
	}
	for {
		line, tooLong, err := readLine(br, legacyLineLimit)
		if len(line) == 0 && !tooLong && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", err
		}
		lineNo++
		torn := err != nil // no newline at the end: the last line, cut
		if tooLong {
			bad = append(bad, lineNo)
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e HistoryEntry
		if err := json.Unmarshal(line, &e); err != nil {
			if torn {
				s.warnf("%s: the last line is incomplete (pushdeck was stopped while writing it); it was skipped", p)
			} else {
				bad = append(bad, lineNo)
			}
			continue
		}
		// The old recorder kept a big send's body once; the hash ties
		// every entry of the batch to it.
		batch = append(batch, Record{Entry: e})
		if len(batch) >= 1000 {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	if err := flush(); err != nil {
		return "", err
	}
	if len(bad) > 0 {
		shown := bad[:min(len(bad), 10)]
		nums := make([]string, len(shown))
		for i, b := range shown {
			nums[i] = fmt.Sprint(b)
		}
		more := ""
		if len(bad) > len(shown) {
			more = fmt.Sprintf(" and %d more", len(bad)-len(shown))
		}
		s.warnf("%s: %s not a history entry and skipped (line %s%s); the file is kept", p, plural(len(bad), "line is", "lines are"), strings.Join(nums, ", "), more)
	}
	return plural(n, "history entry", "history entries"), nil
}

// readLine reads one line without its newline. tooLong reports a line past
// limit (it is consumed and dropped); err is io.EOF for a last line with no
// newline.
func readLine(br *bufio.Reader, limit int) (line []byte, tooLong bool, err error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > limit {
			tooLong = true
		} else {
			buf = append(buf, chunk...)
		}
		switch {
		case err == nil:
			return bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte{'\n'}), []byte{'\r'}), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			if len(buf) == 0 && !tooLong {
				return nil, false, err
			}
			return buf, tooLong, err
		}
	}
}
