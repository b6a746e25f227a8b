package profiles

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// rawConn is a read-only connection of its own to the store's database,
// used through SQLite's C API (modernc.org/sqlite/lib, the same pure-Go
// SQLite that database/sql's driver runs) instead of database/sql. It is
// for the long scans (`history --limit 0`): a column read here is one
// call that points into SQLite's row (no Go string, no driver.Value, no
// mutex), where database/sql costs an allocation, a copy and a type
// switch per column. One goroutine at a time uses a rawConn.
type rawConn struct {
	tls  *libc.TLS
	db   uintptr
	path string
}

// rawError is a SQLite error of a rawConn; Code is SQLite's (extended)
// result code, as sqlite.Error's is.
type rawError struct {
	code int
	msg  string
}

func (e *rawError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// Code is SQLite's extended result code.
func (e *rawError) Code() int { return e.code }

// openRawConn opens the database at path for reading: no file is created,
// no symbolic link is followed (the Store checked the path; nothing may
// swap a link in since), and query_only refuses any write. cacheKB is its page cache (a scan reads
// each page once: a small cache keeps the process small).
func openRawConn(path string, busy time.Duration, cacheKB int) (*rawConn, error) {
	c := &rawConn{tls: libc.NewTLS(), path: path}
	name, err := libc.CString(sqliteURI(path))
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	pdb := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, pdb, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX|sqlite3.SQLITE_OPEN_URI|sqlite3.SQLITE_OPEN_NOFOLLOW, 0)
	c.db = *(*uintptr)(ptr(pdb))
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.close()
		return nil, err
	}
	sqlite3.Xsqlite3_extended_result_codes(c.tls, c.db, 1)
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, int32(busy.Milliseconds()))
	for _, p := range []string{"PRAGMA query_only = 1", fmt.Sprintf("PRAGMA cache_size = -%d", cacheKB), "PRAGMA temp_store = MEMORY"} {
		if err := c.exec(p); err != nil {
			c.close()
			return nil, err
		}
	}
	return c, nil
}

// ptr turns an address SQLite gave into a pointer (the memory is libc's,
// outside Go's heap) without a uintptr-to-Pointer conversion vet flags.
func ptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// err is SQLite's error for rc, with the connection's message.
func (c *rawConn) err(rc int32) error {
	msg := ""
	if c.db != 0 {
		rc = sqlite3.Xsqlite3_extended_errcode(c.tls, c.db)
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	}
	if msg == "" {
		msg = libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	}
	return &rawError{code: int(rc), msg: msg}
}

// exec runs statements that return no rows.
func (c *rawConn) exec(q string) error {
	z, err := libc.CString(q)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, z)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, z, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return c.err(rc)
	}
	return nil
}

// close closes the connection (and frees its TLS). Statements must be
// closed first.
func (c *rawConn) close() {
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	if c.tls != nil {
		c.tls.Close()
		c.tls = nil
	}
}

// rawStmt is a prepared statement of a rawConn.
type rawStmt struct {
	c *rawConn
	p uintptr
}

// prepare compiles q and binds args (int, int64, float64, string, bool).
func (c *rawConn) prepare(q string, args ...any) (*rawStmt, error) {
	z, err := libc.CString(q)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, z)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, z, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return nil, c.err(rc)
	}
	s := &rawStmt{c: c, p: *(*uintptr)(ptr(pp))}
	if s.p == 0 {
		return nil, fmt.Errorf("no statement in %q", strings.TrimSpace(q))
	}
	for i, a := range args {
		if err := s.bind(int32(i+1), a); err != nil {
			s.close()
			return nil, err
		}
	}
	return s, nil
}

func (s *rawStmt) bind(i int32, a any) error {
	tls := s.c.tls
	var rc int32
	switch v := a.(type) {
	case int:
		rc = sqlite3.Xsqlite3_bind_int64(tls, s.p, i, int64(v))
	case int64:
		rc = sqlite3.Xsqlite3_bind_int64(tls, s.p, i, v)
	case bool:
		n := int64(0)
		if v {
			n = 1
		}
		rc = sqlite3.Xsqlite3_bind_int64(tls, s.p, i, n)
	case float64:
		rc = sqlite3.Xsqlite3_bind_double(tls, s.p, i, v)
	case string:
		z, err := libc.CString(v) // NUL-terminated: "" is an empty text, not NULL
		if err != nil {
			return err
		}
		rc = sqlite3.Xsqlite3_bind_text(tls, s.p, i, z, int32(len(v)), sqlite3.SQLITE_TRANSIENT)
		libc.Xfree(tls, z)
	default:
		return fmt.Errorf("internal error: cannot bind a %T", a)
	}
	if rc != sqlite3.SQLITE_OK {
		return s.c.err(rc)
	}
	return nil
}

// step moves to the next row: false at the end.
func (s *rawStmt) step() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(s.c.tls, s.p); rc {
	case sqlite3.SQLITE_ROW:
		return true, nil
	case sqlite3.SQLITE_DONE:
		return false, nil
	default:
		return false, s.c.err(rc)
	}
}

// The columns of the current row are read through sqlite3_column_value
// and the sqlite3_value_* calls: one look-up of the column, where each
// sqlite3_column_* call repeats it (measured: about a third less CPU for
// a 22-column row).

// value is column i of the current row, valid until the next step.
func (s *rawStmt) value(i int) uintptr {
	return sqlite3.Xsqlite3_column_value(s.c.tls, s.p, int32(i))
}

// valueType is SQLite's storage class of v (sqlite3.SQLITE_INTEGER, ...).
func (s *rawStmt) valueType(v uintptr) int32 { return sqlite3.Xsqlite3_value_type(s.c.tls, v) }

func (s *rawStmt) valueInt64(v uintptr) int64 { return sqlite3.Xsqlite3_value_int64(s.c.tls, v) }

func (s *rawStmt) valueFloat64(v uintptr) float64 { return sqlite3.Xsqlite3_value_double(s.c.tls, v) }

// valueText is v as text: SQLite's own bytes, valid until the next step
// (copy what must live longer).
func (s *rawStmt) valueText(v uintptr) []byte {
	p := sqlite3.Xsqlite3_value_text(s.c.tls, v)
	n := sqlite3.Xsqlite3_value_bytes(s.c.tls, v)
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptr(p)), int(n))
}

// reset rewinds the statement and binds args anew (a point look-up run
// again with another key).
func (s *rawStmt) reset(args ...any) error {
	sqlite3.Xsqlite3_reset(s.c.tls, s.p)
	for i, a := range args {
		if err := s.bind(int32(i+1), a); err != nil {
			return err
		}
	}
	return nil
}

// close finalizes the statement.
func (s *rawStmt) close() {
	if s.p != 0 {
		sqlite3.Xsqlite3_finalize(s.c.tls, s.p)
		s.p = 0
	}
}
