package profiles

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File names inside the config folder.
const (
	profilesFile = "profiles.json"
	dbFile       = "pushdeck.db"

	// The files of the JSON store this database replaces; Open imports
	// them once and renames them with legacySuffix.
	devicesFile  = "devices.json"
	payloadsFile = "payloads.json"
	draftFile    = "draft.json"
	historyFile  = "history.jsonl"
)

// busyTimeout bounds how long a write waits for another pushdeck process.
// Writers hold the database for one group commit (milliseconds) or one
// import (about a second for 100,000 devices), so waiting this long means
// that process is stuck, and the user should hear about it.
const busyTimeout = 10 * time.Second

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
	db     *sql.DB
	dbName string        // dbFile, or a rebuild's temp name
	busy   time.Duration // the busy timeout in force
	// wmu serialises this process's write transactions, so they queue in
	// Go instead of spinning in SQLite's busy handler; other processes
	// are kept out by SQLite's own lock (BEGIN IMMEDIATE).
	wmu sync.Mutex

	mu       sync.Mutex // guards the fields below
	warnings []string
	notices  []string
	closed   bool

	// stmts are the recorder's prepared statements (see statements).
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	// hooks for tests: run inside every write transaction before commit.
	beforeCommit func(tx *sql.Tx) error
}

// Options tune Open; the zero value is what the commands use.
type Options struct {
	// NoLegacyImport leaves the files of the JSON store alone (Doctor
	// uses it to look at a database without changing anything).
	NoLegacyImport bool
	// BusyTimeout overrides busyTimeout (tests).
	BusyTimeout time.Duration
	// readOnly opens the database read-only (Doctor's salvage).
	readOnly bool
	// dbName replaces dbFile (a rebuild builds the new database aside).
	dbName string
	// pragmas are run on every connection (tests: max_page_count to
	// simulate a full disk).
	pragmas []string
}

// Open opens the config folder dir, creating it (0700) and the database
// (0600) if needed, applies the database's migrations, and imports the
// files of the JSON store once. A folder pushdeck did not create is never
// chmod-ed: a notice in Warnings says when others may read it.
func Open(dir string) (*Store, error) { return OpenWith(dir, Options{}) }

// OpenWith is Open with options.
func OpenWith(dir string, opt Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("no config folder given: set PUSHDECK_HOME or pass a folder")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("config folder %s: %w", dir, err)
	}
	s := &Store{Dir: abs, st: &storeState{dbName: dbFile, busy: busyTimeout}}
	if opt.dbName != "" {
		s.st.dbName = opt.dbName
	}
	if opt.BusyTimeout > 0 {
		s.st.busy = opt.BusyTimeout
	}
	created, err := s.ensureFolder()
	if err != nil {
		return nil, err
	}
	if err := s.openDB(opt); err != nil {
		return nil, err
	}
	if err := s.migrate(created); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.checkFolderMode(); err != nil {
		s.Close()
		return nil, err
	}
	s.removeStaleTemps()
	if !opt.NoLegacyImport && !opt.readOnly {
		if err := s.importLegacy(); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// ensureFolder makes the config folder if it is missing (0700) and says
// whether it did.
func (s *Store) ensureFolder() (created bool, err error) {
	fi, err := os.Stat(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(s.Dir), 0o700); err != nil {
			return false, fmt.Errorf("cannot create the config folder %s: %w%s", s.Dir, err, whatToDo(s.Dir, err))
		}
		merr := os.Mkdir(s.Dir, 0o700)
		switch {
		case merr == nil:
			// Ours: make it exactly 0700 whatever the umask.
			if err := os.Chmod(s.Dir, 0o700); err != nil {
				return false, fmt.Errorf("config folder %s: %w", s.Dir, err)
			}
			created = true
		case errors.Is(merr, fs.ErrExist): // another process made it just now
		default:
			return false, fmt.Errorf("cannot create the config folder %s: %w%s", s.Dir, merr, whatToDo(s.Dir, merr))
		}
		fi, err = os.Stat(s.Dir)
	}
	if err != nil {
		return false, fmt.Errorf("config folder %s: %w%s", s.Dir, err, whatToDo(s.Dir, err))
	}
	if !fi.IsDir() {
		return false, fmt.Errorf("%s is a file, not a folder: point PUSHDECK_HOME at a folder", s.Dir)
	}
	return created, nil
}

// checkFolderMode narrows the folder only if pushdeck created it (the
// database remembers that); any other folder is the user's, and a folder
// others may read gets a warning instead.
func (s *Store) checkFolderMode() error {
	fi, err := os.Stat(s.Dir)
	if err != nil {
		return fmt.Errorf("config folder %s: %w", s.Dir, err)
	}
	mode := fi.Mode().Perm()
	if !modeIsWide(mode) {
		return nil
	}
	ours, err := s.metaGet("created_folder")
	if err != nil {
		return err
	}
	if ours == "1" {
		if err := os.Chmod(s.Dir, 0o700); err != nil {
			s.warnf("%s has permissions %04o (others can read it) and pushdeck could not change them: %v; run chmod 700 %s", s.Dir, mode, err, s.Dir)
			return nil
		}
		s.warnf("%s had permissions %04o (others could read it); pushdeck created this folder and changed them back to 0700", s.Dir, mode)
		return nil
	}
	s.warnf("%s has permissions %s: others can list it. pushdeck did not create this folder, so it leaves it as it is and keeps its own files in it private (0600); use a folder of your own (PUSHDECK_HOME) if that is not what you want", s.Dir, fileModeString(fi.Mode()))
	return nil
}

// fileModeString writes a mode with its sticky bit, as chmod takes it.
func fileModeString(m fs.FileMode) string {
	v := uint32(m.Perm())
	if m&fs.ModeSticky != 0 {
		v |= 0o1000
	}
	return fmt.Sprintf("%04o", v)
}

// dbPath is the database file.
func (s *Store) dbPath() string { return s.path(s.st.dbName) }

// DBPath is the database file's path.
func (s *Store) DBPath() string { return s.dbPath() }

// dbSideFiles are the files SQLite keeps next to the database; none may be
// a symbolic link, since SQLite would write through it.
func dbSideFiles(db string) []string {
	return []string{db, db + "-wal", db + "-shm", db + "-journal"}
}

// sqliteHeader starts every SQLite database file.
const sqliteHeader = "SQLite format 3\x00"

// openDB opens (creating) pushdeck.db: never through a symbolic link,
// never a file of another user, never a file that is not a database.
func (s *Store) openDB(opt Options) error {
	p := s.dbPath()
	for _, f := range dbSideFiles(p) {
		if err := refuseLink(f); err != nil {
			return err
		}
	}
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if opt.readOnly {
			return fmt.Errorf("%s does not exist", p)
		}
		// Create it ourselves so it is 0600 from the first byte (SQLite
		// would use the umask); O_EXCL fails on anything already there,
		// a symbolic link included.
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cannot create the database %s: %w%s", p, err, whatToDo(s.Dir, err))
		}
		if err == nil {
			f.Close()
		}
	case err != nil:
		return fmt.Errorf("cannot read the database %s: %w%s", p, err, whatToDo(s.Dir, err))
	case fi.IsDir():
		return fmt.Errorf("%s is a folder where pushdeck keeps its database: move it away", p)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file (%s): pushdeck keeps its database there; move it away", p, fi.Mode().Type())
	default:
		if err := checkOwner(p, fi); err != nil {
			return err
		}
		if err := checkHeader(p, fi.Size()); err != nil {
			return err
		}
		if modeIsWide(fi.Mode().Perm()) && !opt.readOnly {
			// pushdeck created this file (nothing else writes
			// pushdeck.db), so narrowing it is narrowing its own.
			if err := os.Chmod(p, 0o600); err == nil {
				s.warnf("%s had permissions %04o (others could read it); pushdeck changed them back to 0600", p, fi.Mode().Perm())
			} else {
				s.warnf("%s has permissions %04o (others can read it) and pushdeck could not change them: %v; run chmod 600 %s", p, fi.Mode().Perm(), err, p)
			}
		}
	}
	bt := s.st.busy
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", bt.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// Statement journals (one per upsert that may fail on a label) and
	// sorts in memory: on disk they cost a write per page.
	q.Add("_pragma", "temp_store(MEMORY)")
	// 2 MB per connection, for reads. Moving results into history
	// (settle) costs about 3 µs more a result than with 8 MB. A send's
	// Recorder only appends packed groups (pending_results), which a
	// cache does not speed up: its connection gets recordCacheKB.
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKB))
	if opt.readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		// FULL: a commit is on disk (fsync) before the caller hears of
		// it; group commits keep that to one fsync per group.
		q.Add("_pragma", "synchronous(FULL)")
		q.Set("_txlock", "immediate")
	}
	for _, p := range opt.pragmas {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", sqliteURI(p)+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("cannot open the database %s: %w", p, err)
	}
	db.SetMaxIdleConns(2)
	s.st.db = db
	// A connection's set-up (journal_mode(WAL) on a new database) can get
	// SQLITE_BUSY at once, without the busy handler, while another
	// process or goroutine sets up the same new file: try again until
	// the busy timeout.
	deadline := time.Now().Add(bt)
	for {
		err := db.PingContext(context.Background())
		if err == nil {
			break
		}
		if c := sqliteCode(err); (c == sqliteBusy || c == sqliteLocked) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		db.Close()
		return s.dbErr("cannot open the database", err)
	}
	// WAL and SHM files are created by SQLite with the database's mode;
	// check that no one slipped a link in while we opened.
	for _, f := range dbSideFiles(p)[1:] {
		if err := refuseLink(f); err != nil {
			db.Close()
			return err
		}
	}
	return nil
}

// sqliteURI turns a path into a file: URI (so '?' or '#' in a folder name
// cannot be read as parameters).
func sqliteURI(p string) string {
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/... on Windows
	}
	return "file:" + (&url.URL{Path: p}).EscapedPath()
}

// checkHeader refuses a file that is not a SQLite database before SQLite
// gets a chance to write anything to it.
func checkHeader(p string, size int64) error {
	if size == 0 {
		return nil // created but never written: a new database
	}
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("cannot read the database %s: %w", p, err)
	}
	defer f.Close()
	var b [len(sqliteHeader)]byte
	n, _ := f.ReadAt(b[:], 0)
	if n < len(b) || string(b[:]) != sqliteHeader {
		return &CorruptDBError{Path: p, Err: errors.New("it does not start like a SQLite database")}
	}
	return nil
}

// Close closes the database. The Store is unusable afterwards.
func (s *Store) Close() error {
	if s == nil || s.st == nil {
		return nil
	}
	s.st.mu.Lock()
	if s.st.closed {
		s.st.mu.Unlock()
		return nil
	}
	s.st.closed = true
	s.st.mu.Unlock()
	if s.st.db == nil {
		return nil
	}
	s.st.stmtMu.Lock()
	for _, st := range s.st.stmts {
		st.Close()
	}
	s.st.stmts = nil
	s.st.stmtMu.Unlock()
	return s.st.db.Close()
}

// tempPattern matches the temp files writeFileAtomic makes for name.
func tempPattern(dir, name string) string { return filepath.Join(dir, "."+name+".tmp-*") }

// removeStaleTemps deletes the temp files of profile saves that a killed
// pushdeck never finished. writeFileAtomic renames or removes its temp file
// inside the database's write lock, so any temp file seen under that lock
// is stale.
func (s *Store) removeStaleTemps() {
	olds, _ := filepath.Glob(tempPattern(s.Dir, profilesFile))
	if len(olds) == 0 {
		return
	}
	_ = s.locked(func() error {
		for _, o := range olds {
			os.Remove(o)
		}
		return nil
	})
}

// modeIsWide says whether group or others may read or write.
func modeIsWide(m fs.FileMode) bool { return m&0o077 != 0 }

// Warnings returns notices gathered while reading (a folder others can
// read, a torn history line skipped); each says what happened and to which
// file.
func (s *Store) Warnings() []string {
	if s.st == nil {
		return nil
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return append([]string(nil), s.st.warnings...)
}

// Notices returns what Open did that the user should hear about without it
// being a problem (the JSON files imported into the database).
func (s *Store) Notices() []string {
	if s.st == nil {
		return nil
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	return append([]string(nil), s.st.notices...)
}

// warnf records a warning once: the same torn line found by every query
// should not fill the screen.
func (s *Store) warnf(format string, args ...any) {
	if s.st == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	for _, w := range s.st.warnings {
		if w == msg {
			return
		}
	}
	s.st.warnings = append(s.st.warnings, msg)
}

func (s *Store) notef(format string, args ...any) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	s.st.notices = append(s.st.notices, fmt.Sprintf(format, args...))
}

func (s *Store) path(name string) string { return filepath.Join(s.Dir, name) }

// cacheKB is every connection's page cache; bulkCacheKB is what one big
// write (an import, moving a send's results into history) gets for its
// transaction: it inserts into indexes with random keys, and a 2 MB cache
// makes it spill pages to the WAL before its commit (an import of 100,000
// devices took 4.8 s of CPU instead of 2.5). recordCacheKB is the cache of
// the connection a Recorder appends on (see Recorder.conn).
//
// A page costs about twice its size in memory: SQLite's allocator (Go's
// modernc.org/libc) rounds each 4 KB page and its header up to an 8 KB
// slot, so 2 MB of cache fills 4 MB of the process.
const (
	cacheKB       = 2000
	bulkCacheKB   = 32000
	recordCacheKB = 256
)

// bulkCache gives tx's connection the bulk page cache until the returned
// func runs (deferred in the write, so before the commit); the pages
// beyond the normal cache are freed then.
func bulkCache(tx *sql.Tx) (restore func()) {
	if _, err := tx.Exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, bulkCacheKB)); err != nil {
		return func() {}
	}
	return func() { _, _ = tx.Exec(fmt.Sprintf(`PRAGMA cache_size = -%d`, cacheKB)) }
}

// errNotOpen is returned by a Store not made by Open.
var errNotOpen = errors.New("profiles: use profiles.Open to get a Store")

// db returns the database, or an error for a Store not made by Open or
// already closed.
func (s *Store) db() (*sql.DB, error) {
	if s == nil || s.st == nil || s.st.db == nil {
		return nil, errNotOpen
	}
	s.st.mu.Lock()
	closed := s.st.closed
	s.st.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("the database %s is closed", s.dbPath())
	}
	return s.st.db, nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE): all of it is
// committed, or none of it. Writers of this process queue on a mutex;
// other processes wait in SQLite's busy handler for up to busyTimeout.
func (s *Store) write(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	return s.writeOn(ctx, nil, what, fn)
}

// txBeginner is a *sql.DB (any of its connections) or a *sql.Conn (that
// one).
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// writeOn is write on conn (nil: any connection of the pool).
func (s *Store) writeOn(ctx context.Context, conn txBeginner, what string, fn func(tx *sql.Tx) error) error {
	db, err := s.db()
	if err != nil {
		return err
	}
	if conn == nil {
		conn = db
	}
	s.st.wmu.Lock()
	defer s.st.wmu.Unlock()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return s.dbErr(what, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return s.dbErr(what, err)
	}
	if h := s.st.beforeCommit; h != nil {
		if err := h(tx); err != nil {
			_ = tx.Rollback()
			return s.dbErr(what, err)
		}
	}
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback()
		return s.dbErr(what, err)
	}
	return nil
}

// locked runs fn while holding the database's write lock, so a
// read-modify-write of profiles.json by another pushdeck process cannot
// interleave with ours and lose an update.
func (s *Store) locked(fn func() error) error {
	return s.write(context.Background(), "", func(*sql.Tx) error { return fn() })
}

// whatToDo is the advice for a file error the user can fix: a folder they
// may not write to, a folder where a file belongs, a full disk.
func whatToDo(dir string, err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf(". pushdeck may not write there: make the folder and its files yours and writable (chmod -R u+rwX %s), or set PUSHDECK_HOME to another folder", dir)
	case isDirErr(err):
		return ". It is a folder where pushdeck keeps a file: move it away (pushdeck then starts that file afresh)"
	case isDiskFull(err):
		return ". The disk is full (or the file reached its size limit): free some space and try again"
	}
	return ""
}
