package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// DoctorReport is what Doctor found in a config folder.
type DoctorReport struct {
	Dir      string         `json:"dir"`
	Database string         `json:"database"`
	Exists   bool           `json:"exists"`
	Schema   int            `json:"schema"`
	Healthy  bool           `json:"healthy"`  // the database passed SQLite's integrity check
	Problems []string       `json:"problems"` // each says what is wrong and what to do
	Notes    []string       `json:"notes"`    // fine, but worth knowing
	Counts   map[string]int `json:"counts"`   // rows per table (those that could be counted)
	Checked  string         `json:"checked"`  // "integrity_check" or "quick_check"
}

// OK says whether nothing needs doing.
func (r DoctorReport) OK() bool { return len(r.Problems) == 0 }

// doctorTables are counted, in this order.
var doctorTables = []string{"devices", "device_groups", "history", "sends", "bodies", "payloads", "drafts", "channels"}

// Doctor checks the config folder without changing anything: the folder's
// and files' modes and links, the database's header, schema and integrity
// (quick or full), and the JSON store's files left behind.
func Doctor(dir string, full bool) (DoctorReport, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return DoctorReport{}, err
	}
	r := DoctorReport{Dir: abs, Database: filepath.Join(abs, dbFile), Counts: map[string]int{}, Problems: []string{}, Notes: []string{}}
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		r.Notes = append(r.Notes, abs+" does not exist yet: pushdeck creates it (0700) when it first saves something")
		r.Healthy = true
		return r, nil
	}
	if err != nil {
		return r, fmt.Errorf("config folder %s: %w", abs, err)
	}
	if !fi.IsDir() {
		r.Problems = append(r.Problems, abs+" is a file, not a folder: point PUSHDECK_HOME at a folder")
		return r, nil
	}
	if modeIsWide(fi.Mode().Perm()) {
		r.Notes = append(r.Notes, fmt.Sprintf("%s has permissions %s: others can list it (pushdeck's own files in it are 0600)", abs, fileModeString(fi.Mode())))
	}
	for _, f := range dbSideFiles(r.Database) {
		if err := refuseLink(f); err != nil {
			r.Problems = append(r.Problems, err.Error())
		}
		if fi, err := os.Lstat(f); err == nil && fi.Mode().IsRegular() && modeIsWide(fi.Mode().Perm()) {
			r.Problems = append(r.Problems, fmt.Sprintf("%s has permissions %04o: others can read it; run chmod 600 %s", f, fi.Mode().Perm(), f))
		}
	}
	if err := refuseLink(filepath.Join(abs, profilesFile)); err != nil {
		r.Problems = append(r.Problems, err.Error())
	}
	for _, name := range legacyFiles {
		if _, err := os.Lstat(filepath.Join(abs, name)); err == nil {
			r.Problems = append(r.Problems, fmt.Sprintf("%s is a file of the old JSON store that was not imported (see the warning pushdeck prints for it): fix or move it", filepath.Join(abs, name)))
		}
		if _, err := os.Lstat(filepath.Join(abs, name+LegacySuffix)); err == nil {
			r.Notes = append(r.Notes, fmt.Sprintf("%s is the old JSON store's file, kept after its import; delete it when you no longer need it", filepath.Join(abs, name+LegacySuffix)))
		}
	}
	dfi, err := os.Lstat(r.Database)
	if errors.Is(err, fs.ErrNotExist) {
		r.Notes = append(r.Notes, r.Database+" does not exist yet: pushdeck creates it when it first saves something")
		r.Healthy = true
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.Exists = true
	if !dfi.Mode().IsRegular() {
		r.Problems = append(r.Problems, r.Database+" is not a regular file: move it away")
		return r, nil
	}
	if err := checkHeader(r.Database, dfi.Size()); err != nil {
		r.Problems = append(r.Problems, err.Error())
		return r, nil
	}
	db, err := openRaw(r.Database, true)
	if err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("%s cannot be opened: %v", r.Database, err))
		return r, nil
	}
	defer db.Close()
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&r.Schema); err != nil {
		r.Problems = append(r.Problems, (&CorruptDBError{Path: r.Database, Err: err}).Error())
		return r, nil
	}
	if r.Schema > SchemaLatest {
		r.Problems = append(r.Problems, fmt.Sprintf("%s has schema %d, written by a newer pushdeck (this one knows %d): upgrade pushdeck", r.Database, r.Schema, SchemaLatest))
	}
	r.Checked = "quick_check"
	if full {
		r.Checked = "integrity_check"
	}
	msgs, err := integrity(db, r.Checked)
	switch {
	case err != nil:
		r.Problems = append(r.Problems, (&CorruptDBError{Path: r.Database, Err: err}).Error())
	case len(msgs) == 1 && msgs[0] == "ok":
		r.Healthy = true
	default:
		r.Problems = append(r.Problems, (&CorruptDBError{Path: r.Database, Err: errors.New(strings.Join(msgs, "; "))}).Error())
	}
	for _, t := range doctorTables {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM ` + t).Scan(&n); err == nil {
			r.Counts[t] = n
		}
	}
	return r, nil
}

// integrity runs quick_check or integrity_check, keeping up to 20 messages.
func integrity(db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.Query(`PRAGMA ` + pragma + `(20)`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// openRaw opens a database file directly (for Doctor and Rebuild).
func openRaw(p string, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	if readOnly {
		q.Set("mode", "ro")
	}
	db, err := sql.Open("sqlite", sqliteURI(p)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// RebuildReport says what Rebuild kept.
type RebuildReport struct {
	Damaged string         `json:"damaged"` // where the old database was kept
	Rows    map[string]int `json:"rows"`    // rows copied per table
	Lost    []string       `json:"lost"`    // what could not be read
}

// Rebuild builds a new database from everything that can still be read
// in the current one. The old files are kept, renamed
// pushdeck.db.damaged-<time> (with their -wal), and never written to: the
// salvage reads a scratch copy. Run it with no other pushdeck running.
func Rebuild(dir string) (RebuildReport, error) {
	rep := RebuildReport{Rows: map[string]int{}}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return rep, err
	}
	live := filepath.Join(abs, dbFile)
	for _, f := range dbSideFiles(live) {
		if err := refuseLink(f); err != nil {
			return rep, err
		}
	}
	if _, err := os.Stat(live); err != nil {
		return rep, fmt.Errorf("there is no database to rebuild (%v)", err)
	}
	// 1. Keep the damaged files as they are, under a new name.
	stamp := time.Now().UTC().Format("20060102T150405Z")
	kept := live + ".damaged-" + stamp
	for i := 1; fileExists(kept); i++ {
		kept = fmt.Sprintf("%s.damaged-%s-%d", live, stamp, i)
	}
	for _, suf := range []string{"-wal", "-shm", "-journal", ""} {
		if fileExists(live + suf) {
			if err := os.Rename(live+suf, kept+suf); err != nil {
				return rep, fmt.Errorf("cannot move %s aside to %s: %w", live+suf, kept+suf, err)
			}
		}
	}
	rep.Damaged = kept
	// 2. A scratch copy to read from: SQLite may write to a database it
	// opens (WAL recovery), and the kept file must stay as it was.
	scratch, err := os.MkdirTemp(abs, ".rebuild-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(scratch)
	src := filepath.Join(scratch, "old.db")
	for _, suf := range []string{"", "-wal"} {
		if fileExists(kept + suf) {
			if err := copyFile(kept+suf, src+suf); err != nil {
				return rep, fmt.Errorf("cannot copy %s for reading: %w", kept+suf, err)
			}
		}
	}
	// 3. A fresh database, filled table by table with what reads.
	s, err := OpenWith(abs, Options{NoLegacyImport: true})
	if err != nil {
		return rep, err
	}
	defer s.Close()
	old, err := openRaw(src, false)
	if err != nil {
		rep.Lost = append(rep.Lost, fmt.Sprintf("the old database could not be opened at all (%v): the new one starts empty", err))
		return rep, nil
	}
	defer old.Close()
	for _, t := range []string{"meta", "devices", "device_groups", "bodies", "history", "sends", "payloads", "drafts", "channels", "pending_results"} {
		if t == "pending_results" && !hasTable(old, t) {
			continue // a database from before schema 3
		}
		n, lost := s.salvageTable(old, t)
		rep.Rows[t] = n
		if lost != "" {
			rep.Lost = append(rep.Lost, lost)
		}
	}
	return rep, nil
}

// hasTable is whether db has a table named t.
func hasTable(db *sql.DB, t string) bool {
	var one int
	return db.QueryRow(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, t).Scan(&one) == nil
}

func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// rowidTables are read by rowid ranges, so a damaged page loses only its
// own rows; the others (WITHOUT ROWID) are read in one pass, keeping
// what came before an error.
var rowidTables = map[string]bool{"devices": true, "history": true, "channels": true}

// salvageTable copies what can be read of table t from old into s.
func (s *Store) salvageTable(old *sql.DB, t string) (copied int, lost string) {
	cols, err := s.tableColumns(t)
	if err != nil {
		return 0, fmt.Sprintf("%s: %v", t, err)
	}
	colList := strings.Join(cols, ", ")
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	insert := `INSERT OR IGNORE INTO ` + t + ` (` + colList + `) VALUES (` + ph + `)`
	if t == "device_groups" { // only for devices that were saved
		insert = `INSERT OR IGNORE INTO device_groups (` + colList + `) SELECT ` + ph + ` WHERE EXISTS (SELECT 1 FROM devices WHERE id = ?)`
	}
	if t == "meta" {
		insert = `INSERT OR IGNORE INTO meta (` + colList + `) SELECT ` + ph + ` WHERE ?1 NOT LIKE 'legacy:%'`
	}
	var failures []string
	readErr := func(err error) {
		if len(failures) < 3 {
			failures = append(failures, err.Error())
		}
	}
	put := func(rows [][]any) error {
		return s.write(context.Background(), "rebuilding "+t, func(tx *sql.Tx) error {
			st, err := tx.Prepare(insert)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, r := range rows {
				args := r
				if t == "device_groups" {
					args = append(append([]any(nil), r...), r[indexOf(cols, "device_id")])
				}
				if _, err := st.Exec(args...); err != nil {
					return err
				}
			}
			copied += len(rows)
			return nil
		})
	}
	read := func(q string, args ...any) ([][]any, error) {
		rows, err := old.Query(q, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out [][]any
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return out, err
			}
			out = append(out, vals)
		}
		return out, rows.Err()
	}
	if !rowidTables[t] {
		rows, err := read(`SELECT ` + colList + ` FROM ` + t)
		if err != nil {
			readErr(err)
		}
		if perr := put(rows); perr != nil {
			return copied, fmt.Sprintf("%s: %v", t, perr)
		}
		if len(failures) > 0 {
			return copied, fmt.Sprintf("%s: rows after a damaged page (%s)", t, strings.Join(failures, "; "))
		}
		return copied, ""
	}
	var maxID int64
	if err := old.QueryRow(`SELECT coalesce(max(rowid), 0) FROM ` + t).Scan(&maxID); err != nil {
		readErr(err)
		maxID = 1 << 22 // unknown: look that far, row by row where need be
	}
	const chunk = 500
	skipped := 0
	for last := int64(0); last < maxID; {
		rows, err := read(`SELECT `+colList+` FROM `+t+` WHERE rowid > ? ORDER BY rowid LIMIT ?`, last, chunk)
		if len(rows) > 0 {
			if perr := put(rows); perr != nil {
				return copied, fmt.Sprintf("%s: %v", t, perr)
			}
			last = rows[len(rows)-1][0].(int64) // cols[0] is the id
		}
		if err == nil {
			if len(rows) < chunk {
				break
			}
			continue
		}
		readErr(err)
		// Step over the damage row by row: a point look-up of each id
		// of the next window; the ones that fail are lost. Each failure
		// moves on by a whole window, so this ends.
		var found [][]any
		end := min(last+4*chunk, maxID)
		for id := last + 1; id <= end; id++ {
			r, err := read(`SELECT `+colList+` FROM `+t+` WHERE rowid = ?`, id)
			if err != nil {
				skipped++
				continue
			}
			found = append(found, r...)
		}
		if perr := put(found); perr != nil {
			return copied, fmt.Sprintf("%s: %v", t, perr)
		}
		last = end
	}
	if len(failures) > 0 {
		return copied, fmt.Sprintf("%s: about %d rows in damaged pages could not be read (%s)", t, skipped, strings.Join(failures, "; "))
	}
	return copied, ""
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// tableColumns lists t's columns in the current schema.
func (s *Store) tableColumns(t string) ([]string, error) {
	db, err := s.db()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, t)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}
