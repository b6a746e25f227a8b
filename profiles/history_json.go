package profiles

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pushdeck/pushdeck/certs"
)

// The history stream (`pushdeck history`, its --json, the console's pages
// through StreamHistory) reads the rows on a connection of its own
// through SQLite's C API (rawConn): each column is read where SQLite has
// it, without a Go string or a driver.Value per column. A reader
// goroutine steps through the rows and copies them into batches; the
// caller's goroutine encodes the batches and writes them, so on two cores
// SQLite's walk and the encoding run side by side. A few batches are
// reused: memory stays the same for ten entries or ten million.

// historyJSONStrings are the text columns of a line, in the order they are
// selected.
var historyJSONStrings = [...]string{"batch", "profile", "environment", "topic", "push_type", "collapse_id",
	"expiration", "payload_sha256", "token", "channel_id", "label", "reason", "apns_id", "apns_unique_id", "error"}

const (
	hjBatch = iota
	hjProfile
	hjEnvironment
	hjTopic
	hjPushType
	hjCollapseID
	hjExpiration
	hjPayloadHash
	hjToken
	hjChannel
	hjLabel
	hjReason
	hjApnsID
	hjApnsUniqueID
	hjError
	hjStrings
)

// The integer columns, selected first, then latency_ms, the strings and
// the id.
var historyJSONInts = [...]string{"at", "priority", "payload_size", "status", "attempts", "unregistered_at"}

const (
	hiAt = iota
	hiPriority
	hiPayloadSize
	hiStatus
	hiAttempts
	hiUnregistered
	hiInts
)

const (
	hcLatency = hiInts                // latency_ms, a REAL
	hcStrings = hcLatency + 1         // the first of historyJSONStrings
	hcID      = hcStrings + hjStrings // the id, for messages
	hcColumns = hcID + 1
)

var historyJSONSelect = func() string {
	q := ""
	for _, c := range historyJSONInts {
		q += "h." + c + ", "
	}
	q += "h.latency_ms"
	for _, c := range historyJSONStrings {
		q += ", h." + c
	}
	return q + ", h.id"
}()

// hjRow is one entry read: its numbers, and where its strings are in the
// batch's buf (string k is buf[ends[k-1]:ends[k]], the first starts at
// start).
type hjRow struct {
	ints    [hiInts]int64
	unreg   bool // unregistered_at is set
	latency float64
	start   uint32
	ends    [hjStrings]uint32
	bodyEnd uint32 // the payload (hjRows.payloads) follows the strings
}

// hjRows is a run of rows on their way from the reader to the encoder.
type hjRows struct {
	rows     []hjRow
	buf      []byte
	payloads bool // the rows have their payload (the query's last column)
}

const (
	hjBatchRows  = 512       // rows in a batch
	hjBatchBytes = 256 << 10 // or this many bytes of strings
	hjBatches    = 4         // batches in flight between reader and encoder
	hjCacheKB    = 4000      // the reading connection's page cache
)

// StreamHistoryJSON writes the matching entries to w as JSON Lines, newest
// first: the same bytes, line for line, as encoding/json's Encoder writes
// for each HistoryEntry of StreamHistory through the CLI's --json writer
// (textsafe.JSONWriter) (f.Payloads is not honoured: the lines carry no
// payload). All the lines come from one read transaction
// (one snapshot of the history, whatever is written meanwhile). It returns
// the number of lines written.
func (s *Store) StreamHistoryJSON(ctx context.Context, f HistoryFilter, w io.Writer) (int, error) {
	return s.StreamHistoryLines(ctx, f, w, appendHistoryJSON)
}

// HistoryRow is one entry of StreamHistoryLines: its numbers, and its
// strings as SQLite's bytes (not cleaned for a terminal), valid only
// during the call.
type HistoryRow struct {
	r   *hjRow
	buf []byte
}

func (h *HistoryRow) str(k int) []byte {
	start := h.r.start
	if k > 0 {
		start = h.r.ends[k-1]
	}
	return h.buf[start:h.r.ends[k]]
}

// At is when the result came (UTC).
func (h *HistoryRow) At() time.Time { return time.Unix(0, h.r.ints[hiAt]).UTC() }

// Status is the HTTP status (0: no answer).
func (h *HistoryRow) Status() int { return int(h.r.ints[hiStatus]) }

// LatencyMS is the request's latency in milliseconds.
func (h *HistoryRow) LatencyMS() float64 { return h.r.latency }

// Environment, Label, Token, Channel, Reason, Error, ApnsID and Batch are
// the entry's strings.
func (h *HistoryRow) Environment() []byte { return h.str(hjEnvironment) }
func (h *HistoryRow) Label() []byte       { return h.str(hjLabel) }
func (h *HistoryRow) Token() []byte       { return h.str(hjToken) }
func (h *HistoryRow) Channel() []byte     { return h.str(hjChannel) }
func (h *HistoryRow) Reason() []byte      { return h.str(hjReason) }
func (h *HistoryRow) Error() []byte       { return h.str(hjError) }
func (h *HistoryRow) ApnsID() []byte      { return h.str(hjApnsID) }
func (h *HistoryRow) Batch() []byte       { return h.str(hjBatch) }

// StreamHistoryLines writes a line per matching entry to w, newest first,
// each made by appendLine (which appends it to b). The rows are read on a
// goroutine of their own, in one read transaction; appendLine runs on the
// caller's goroutine, one row after the other, while the next rows are
// read. Its error stops the stream and is returned. It returns the number
// of lines written.
func (s *Store) StreamHistoryLines(ctx context.Context, f HistoryFilter, w io.Writer, appendLine func(b []byte, r *HistoryRow) ([]byte, error)) (int, error) {
	f.Payloads = false
	var out []byte
	var row HistoryRow
	n := 0
	err := s.streamHistoryRows(ctx, f, func(b *hjRows) error {
		out = out[:0]
		var err error
		row.buf = b.buf
		for i := range b.rows {
			row.r = &b.rows[i]
			if out, err = appendLine(out, &row); err != nil {
				break
			}
			n++
		}
		if _, werr := w.Write(out); werr != nil {
			return werr
		}
		return err
	})
	return n, err
}

// streamHistoryRows reads the entries f matches, newest first, on a
// connection and a goroutine of their own, in one read transaction, and
// hands them to consume a batch at a time on the caller's goroutine (the
// batch is valid during the call). consume's error stops the stream and
// is returned as it is.
func (s *Store) streamHistoryRows(ctx context.Context, f HistoryFilter, consume func(*hjRows) error) error {
	if _, err := s.db(); err != nil {
		return err
	}
	s.settle(ctx)
	src, err := historySource(f)
	if err != nil {
		return err
	}
	c, err := openRawConn(s.dbPath(), s.st.busy, hjCacheKB)
	if err != nil {
		return s.dbErr("reading the send history", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	free, full := make(chan *hjRows, hjBatches), make(chan *hjRows, hjBatches)
	for range hjBatches {
		free <- &hjRows{rows: make([]hjRow, 0, hjBatchRows), buf: make([]byte, 0, hjBatchBytes+4096), payloads: f.Payloads}
	}
	var rerr error // the reader's; read once full is closed
	go func() {
		defer close(full)
		defer c.close()
		rerr = readHistoryRows(ctx, c, src, free, full)
	}()
	for b := range full {
		if err := consume(b); err != nil {
			cancel()
			for range full { // let the reader stop and close its connection
			}
			return err
		}
		free <- b
	}
	return s.dbErr("reading the send history", rerr)
}

// historyRowSource is how the reader finds the rows of a filter.
type historyRowSource struct {
	// q (with args) selects the rows, newest first; with byID set it
	// selects only their ids, and the rows are read by id (see
	// mergedRows) with table and point.
	q            string
	args         []any
	byID         bool
	table, point string
}

// historySource is the reading plan for f. A filter on time alone (the
// whole history, --since, --until, --limit) walks history_at for the
// order and the table itself, in id order, for the rows: ids follow
// time, so the rows come as one forward scan of the table instead of a
// search of the table per index entry (measured: a third less of the
// reader's CPU on 1,000,000 entries). Other filters read their index's
// rows one by one.
func historySource(f HistoryFilter) (historyRowSource, error) {
	sel, from := historyJSONSelect, "history h"
	if f.Payloads {
		sel += ", b.body"
		from += " LEFT JOIN bodies b ON b.sha256 = h.payload_sha256"
	}
	g := f
	g.Since, g.Until, g.Limit, g.Payloads = time.Time{}, time.Time{}, 0, false
	if g != (HistoryFilter{}) {
		q, args, err := historyQuery(sel, f)
		return historyRowSource{q: q, args: args}, err
	}
	g = f
	g.Payloads = false
	q, args, err := historyQuery("h.id", g)
	return historyRowSource{q: q, args: args, byID: true,
		table: "SELECT " + sel + " FROM " + from + " WHERE h.id <= ? ORDER BY h.id DESC",
		point: "SELECT " + sel + " FROM " + from + " WHERE h.id = ?"}, err
}

const (
	// mergeSkip is how many rows of the table scan may be passed over
	// looking for the next id before it is read on its own;
	// mergeReseek is how many ids in a row read on their own move the
	// table scan to the next one.
	mergeSkip   = 8
	mergeReseek = 4
)

// mergedRows reads rows in the order of an id stream (history_at's order)
// from a scan of the table by descending id, which holds them in that
// order as long as ids follow time. An id the scan does not hold next (an
// entry recorded late with an earlier time, or one past a gap) is read
// on its own by id; after a few of those in a row the scan moves to
// where the ids are. Every row comes from its id, so the output is in
// the id stream's order whatever the table's order is; a table in time
// order costs one forward scan.
type mergedRows struct {
	ids, table, point *rawStmt
	tableOK           bool  // the table scan is on a row
	tableID           int64 // its id
	started           bool
	pending           bool // the caller is reading the table scan's row
	misses            int
}

func (m *mergedRows) close() {
	for _, st := range []*rawStmt{m.ids, m.table, m.point} {
		if st != nil {
			st.close()
		}
	}
}

// seek starts the table scan at id and down.
func (m *mergedRows) seek(id int64) error {
	if err := m.table.reset(id); err != nil {
		return err
	}
	m.started = true
	return m.advance()
}

// advance moves the table scan to its next row.
func (m *mergedRows) advance() error {
	ok, err := m.table.step()
	m.tableOK = ok
	if ok {
		m.tableID = m.table.valueInt64(m.table.value(hcID))
	}
	return err
}

// next finds the next row: the statement positioned on it, or nil at the
// end.
func (m *mergedRows) next() (*rawStmt, error) {
	if m.pending { // the caller has read the scan's row: step on
		m.pending = false
		if err := m.advance(); err != nil {
			return nil, err
		}
	}
	ok, err := m.ids.step()
	if err != nil || !ok {
		return nil, err
	}
	id := m.ids.valueInt64(m.ids.value(0))
	if !m.started || m.misses >= mergeReseek {
		m.misses = 0
		if err := m.seek(id); err != nil {
			return nil, err
		}
	}
	if m.tableOK && m.tableID != id {
		// The table may be on a row that comes later in time order:
		// pass over a few.
		for skip := 0; m.tableOK && m.tableID > id && skip < mergeSkip; skip++ {
			if err := m.advance(); err != nil {
				return nil, err
			}
		}
	}
	if m.tableOK && m.tableID == id {
		m.misses = 0
		m.pending = true // the caller reads the row before the scan moves on
		return m.table, nil
	}
	m.misses++
	if err := m.point.reset(id); err != nil {
		return nil, err
	}
	ok, err = m.point.step()
	if err == nil && !ok {
		err = fmt.Errorf("entry %d of the index is not in the history", id)
	}
	if err != nil {
		return nil, err
	}
	return m.point, nil
}

// readHistoryRows reads src's rows in one read transaction and hands them
// to full in batches taken from free. It returns at the end, at an error
// (after handing on the rows before it) or when ctx is done.
func readHistoryRows(ctx context.Context, c *rawConn, src historyRowSource, free <-chan *hjRows, full chan<- *hjRows) error {
	if err := c.exec("BEGIN"); err != nil {
		return err
	}
	defer func() { _ = c.exec("ROLLBACK") }() // read-only: nothing to commit
	var next func() (*rawStmt, error)
	if src.byID {
		m := &mergedRows{}
		defer m.close()
		var err error
		if m.ids, err = c.prepare(src.q, src.args...); err != nil {
			return err
		}
		if m.table, err = c.prepare(src.table, int64(0)); err != nil {
			return err
		}
		if m.point, err = c.prepare(src.point, int64(0)); err != nil {
			return err
		}
		next = m.next
	} else {
		st, err := c.prepare(src.q, src.args...)
		if err != nil {
			return err
		}
		defer st.close()
		next = func() (*rawStmt, error) {
			ok, err := st.step()
			if err != nil || !ok {
				return nil, err
			}
			return st, nil
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var b *hjRows
		select {
		case b = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		b.rows, b.buf = b.rows[:0], b.buf[:0]
		for len(b.rows) < hjBatchRows && len(b.buf) < hjBatchBytes {
			st, err := next()
			if err == nil && st != nil {
				err = b.add(st)
			}
			if err != nil || st == nil {
				if len(b.rows) > 0 {
					full <- b
				}
				return err
			}
		}
		full <- b
	}
}

// add copies the current row of st into the batch; on an error the
// batch is as it was.
func (b *hjRows) add(st *rawStmt) (err error) {
	b.rows = append(b.rows, hjRow{})
	r := &b.rows[len(b.rows)-1]
	r.start = uint32(len(b.buf))
	defer func() {
		if err != nil {
			b.rows, b.buf = b.rows[:len(b.rows)-1], b.buf[:r.start]
		}
	}()
	for i := range hiInts {
		v := st.value(i)
		switch st.valueType(v) {
		case sqlite3.SQLITE_INTEGER:
			r.ints[i] = st.valueInt64(v)
			if i == hiUnregistered {
				r.unreg = true
			}
		case sqlite3.SQLITE_NULL:
			if i != hiUnregistered {
				return badHistoryRow(st, historyJSONInts[i], "empty")
			}
		default:
			return badHistoryRow(st, historyJSONInts[i], "not a whole number")
		}
	}
	switch v := st.value(hcLatency); st.valueType(v) {
	case sqlite3.SQLITE_FLOAT, sqlite3.SQLITE_INTEGER:
		r.latency = st.valueFloat64(v)
	default:
		return badHistoryRow(st, "latency_ms", "not a number")
	}
	for k := range hjStrings {
		v := st.value(hcStrings + k)
		if st.valueType(v) == sqlite3.SQLITE_NULL {
			return badHistoryRow(st, historyJSONStrings[k], "empty")
		}
		b.buf = append(b.buf, st.valueText(v)...)
		if len(b.buf) > math.MaxUint32 {
			return badHistoryRow(st, historyJSONStrings[k], "too long")
		}
		r.ends[k] = uint32(len(b.buf))
	}
	if b.payloads {
		if v := st.value(hcColumns); st.valueType(v) != sqlite3.SQLITE_NULL {
			b.buf = append(b.buf, st.valueText(v)...)
		}
		if len(b.buf) > math.MaxUint32 {
			return badHistoryRow(st, "payload", "too long")
		}
	}
	r.bodyEnd = uint32(len(b.buf))
	return nil
}

// entry fills e with row i of the batch.
func (b *hjRows) entry(i int, e *HistoryEntry) {
	r := &b.rows[i]
	str := func(k int) string {
		start := r.start
		if k > 0 {
			start = r.ends[k-1]
		}
		return string(b.buf[start:r.ends[k]])
	}
	*e = HistoryEntry{
		At: time.Unix(0, r.ints[hiAt]).UTC(), Batch: str(hjBatch), Profile: str(hjProfile), Environment: certs.Environment(str(hjEnvironment)),
		Topic: str(hjTopic), PushType: str(hjPushType), Priority: int(r.ints[hiPriority]), CollapseID: str(hjCollapseID),
		Expiration: str(hjExpiration), PayloadHash: str(hjPayloadHash), PayloadSize: int(r.ints[hiPayloadSize]),
		Token: str(hjToken), Channel: str(hjChannel), Label: str(hjLabel), Status: int(r.ints[hiStatus]), Reason: str(hjReason),
		ApnsID: str(hjApnsID), ApnsUniqueID: str(hjApnsUniqueID), LatencyMS: r.latency, Attempts: int(r.ints[hiAttempts]),
		Error: str(hjError), Payload: string(b.buf[r.ends[hjStrings-1]:r.bodyEnd]),
	}
	if r.unreg {
		e.UnregisteredAt = time.Unix(0, r.ints[hiUnregistered]).UTC()
	}
}

// badHistoryRow says which entry cannot be read, and why.
func badHistoryRow(st *rawStmt, col, what string) error {
	return fmt.Errorf("reading the send history: entry %d cannot be read (its %s is %s): run `pushdeck doctor`",
		st.valueInt64(st.value(hcID)), col, what)
}

// appendHistoryJSON appends the JSON line of h.
func appendHistoryJSON(b []byte, h *HistoryRow) ([]byte, error) {
	r := h.r
	var strs [hjStrings][]byte
	start := r.start
	for k, end := range r.ends {
		strs[k] = h.buf[start:end]
		start = end
	}
	str := func(name string, i int, omitEmpty bool) {
		if omitEmpty && len(strs[i]) == 0 {
			return
		}
		b = append(b, name...)
		b = appendJSONString(b, strs[i])
	}
	num := func(name string, v int64, omitEmpty bool) {
		if omitEmpty && v == 0 {
			return
		}
		b = append(b, name...)
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, `{"at":"`...)
	b = time.Unix(0, r.ints[hiAt]).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	str(`,"batch":`, hjBatch, true)
	str(`,"profile":`, hjProfile, true)
	str(`,"environment":`, hjEnvironment, false)
	str(`,"topic":`, hjTopic, true)
	str(`,"push_type":`, hjPushType, true)
	num(`,"priority":`, r.ints[hiPriority], true)
	str(`,"collapse_id":`, hjCollapseID, true)
	str(`,"expiration":`, hjExpiration, true)
	str(`,"payload_sha256":`, hjPayloadHash, true)
	num(`,"payload_size":`, r.ints[hiPayloadSize], false)
	str(`,"token":`, hjToken, false)
	str(`,"channel_id":`, hjChannel, true)
	str(`,"label":`, hjLabel, true)
	num(`,"status":`, r.ints[hiStatus], false)
	str(`,"reason":`, hjReason, true)
	str(`,"apns_id":`, hjApnsID, true)
	str(`,"apns_unique_id":`, hjApnsUniqueID, true)
	b = append(b, `,"latency_ms":`...)
	var err error
	if b, err = appendJSONFloat(b, r.latency); err != nil {
		return b, err
	}
	num(`,"attempts":`, r.ints[hiAttempts], true)
	str(`,"error":`, hjError, true)
	if r.unreg {
		b = append(b, `,"unregistered_at":"`...)
		b = time.Unix(0, r.ints[hiUnregistered]).UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}', '\n'), nil
}

// appendJSONFloat writes f as encoding/json does for a float64.
func appendJSONFloat(b []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, fmt.Errorf("reading the send history: latency %v is not a number", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

const hexDigits = "0123456789abcdef"

// terminalUnsafe is true for the characters textsafe.JSONWriter escapes:
// C1 controls (an 8-bit CSI, OSC...) and bidirectional marks and
// overrides.
func terminalUnsafe(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// jsonSafe marks the ASCII bytes a JSON string carries as they are (with
// encoding/json's HTML escaping: not <, > or &).
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString quotes s as encoding/json does with HTML escaping on
// (its Encoder's default): <, > and & as \u003c..., control characters
// escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped; and, as
// the CLI's --json writer (textsafe.JSONWriter) then does, C1 controls and
// bidirectional marks as \uXXXX too. No escape code reaches a terminal
// as-is.
func appendJSONString(b, s []byte) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if jsonSafe[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' || terminalUnsafe(r) {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
