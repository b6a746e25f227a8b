package profiles

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that pushdeck turns into advice.
const (
	sqliteBusy     = 5
	sqliteLocked   = 6
	sqliteReadOnly = 8
	sqliteIOErr    = 10
	sqliteCorrupt  = 11
	sqliteFull     = 13
	sqliteCantOpen = 14
	sqliteNotADB   = 26
	sqlitePerm     = 3

	sqliteIOErrWrite = sqliteIOErr | 3<<8 // SQLITE_IOERR_WRITE
)

// sqliteCode is the primary result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() & 0xff
	}
	var re *rawError // a rawConn's
	if errors.As(err, &re) {
		return re.Code() & 0xff
	}
	return 0
}

// ErrDiskFull is wrapped by the error of a write the disk (or the
// database's size limit) had no room for; nothing of that write is kept.
var ErrDiskFull = errors.New("the disk is full")

// ErrBusy is wrapped when another process held the database's write lock
// for longer than the busy timeout.
var ErrBusy = errors.New("the database is busy")

// CorruptDBError says the database file is damaged. pushdeck never writes
// over it: the user's data may still be in it.
type CorruptDBError struct {
	Path string
	Err  error
}

// Error names the file, says it was kept, and what to do.
func (e *CorruptDBError) Error() string {
	return fmt.Sprintf("the database %s is damaged (%v). pushdeck has not changed it. Run `pushdeck doctor` to check it, and `pushdeck doctor --rebuild` to build a new one from everything that can still be read (the damaged file is kept next to it)", e.Path, e.Err)
}

// Unwrap gives SQLite's error.
func (e *CorruptDBError) Unwrap() error { return e.Err }

// dbErr turns a database error into one that names the file and says what
// to do. what describes the operation ("recording 200 results"); "" for
// none.
func (s *Store) dbErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var ce *CorruptDBError
	var nf *notFound
	if errors.As(err, &ce) || errors.As(err, &nf) || errors.Is(err, context.Canceled) || sqliteCode(err) == 0 && !isDiskFull(err) {
		return err // already explained, or not SQLite's
	}
	p := s.dbPath()
	prefix := ""
	if what != "" {
		prefix = what + ": "
	}
	switch sqliteCode(err) {
	case sqliteBusy, sqliteLocked:
		return fmt.Errorf("%sanother pushdeck process has been writing to %s for over %s (%w): let it finish, or stop it, and try again", prefix, p, s.st.busy, ErrBusy)
	case sqliteFull:
		return fmt.Errorf("%s%s could not grow (%w, or the database reached its size limit); nothing of this write was kept: free some space and try again", prefix, p, ErrDiskFull)
	case sqliteCorrupt, sqliteNotADB:
		return &CorruptDBError{Path: p, Err: err}
	case sqliteReadOnly, sqlitePerm, sqliteCantOpen:
		return fmt.Errorf("%scannot write %s (%v): make the folder and its files yours and writable (chmod -R u+rwX %s), or set PUSHDECK_HOME to another folder", prefix, p, err, s.Dir)
	case sqliteIOErr:
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code() == sqliteIOErrWrite {
			// ENOSPC is SQLITE_FULL; a short write for any other reason
			// (EFBIG: a file size limit, EDQUOT) is this one.
			return fmt.Errorf("%s%s could not be written (%w, a file size limit or quota was reached, or the disk failed: %v); nothing of this write was kept: free some space and try again", prefix, p, ErrDiskFull, err)
		}
		if isDiskFull(err) {
			return fmt.Errorf("%s%s could not grow (%w); nothing of this write was kept: free some space and try again", prefix, p, ErrDiskFull)
		}
		return fmt.Errorf("%s%s: the disk reported an error (%v); nothing of this write was kept. Run `pushdeck doctor` to check the database", prefix, p, err)
	}
	if isDiskFull(err) {
		return fmt.Errorf("%s%s could not grow (%w); nothing of this write was kept: free some space and try again", prefix, p, ErrDiskFull)
	}
	return fmt.Errorf("%s%s: %w", prefix, p, err)
}
