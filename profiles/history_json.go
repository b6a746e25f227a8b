package profiles

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON stream (`pushdeck history --json`) reads each row as two
// values instead of 22: most of the cost of a row in the pure-Go driver is
// per column (a mutex and a type switch per value), so SQLite packs the
// integers and the strings into one text value, with the strings' byte
// lengths in front so that any byte in them (a quote, a NUL, invalid
// UTF-8) is read back exactly. latency_ms stays a REAL column: SQLite's
// text form of a double has 15 digits, Go's has up to 17.
//
// packed: at,priority,payload_size,status,attempts,unregistered_at
// (or "-"), then the byte lengths of historyJSONStrings, then ";" and
// the strings themselves back to back.
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

const historyJSONInts = 6 // at, priority, payload_size, status, attempts, unregistered_at

var historyJSONSelect = func() string {
	var b bytes.Buffer
	// concat and concat_ws size the result once, where a chain of ||
	// copies the growing string at every step (measured: 1.5x slower).
	// printf was no faster, and its %s stops at a NUL.
	b.WriteString("concat(concat_ws(',', h.at, h.priority, h.payload_size, h.status, h.attempts, ifnull(h.unregistered_at, '-')")
	for _, c := range historyJSONStrings {
		fmt.Fprintf(&b, ", octet_length(h.%s)", c)
	}
	b.WriteString("), ';'")
	for _, c := range historyJSONStrings {
		fmt.Fprintf(&b, ", h.%s", c)
	}
	b.WriteString("), h.latency_ms")
	return b.String()
}()

// StreamHistoryJSON writes the matching entries to w as JSON Lines, newest
// first: the same bytes, line for line, as encoding/json's Encoder writes
// for each HistoryEntry of StreamHistory (f.Payloads is not honoured: the
// lines carry no payload). It holds one row at a time and allocates next
// to nothing per row. It returns the number of lines written.
func (s *Store) StreamHistoryJSON(ctx context.Context, f HistoryFilter, w io.Writer) (int, error) {
	db, err := s.db()
	if err != nil {
		return 0, err
	}
	s.settle(ctx)
	where, args, err := historyWhere(f)
	if err != nil {
		return 0, err
	}
	q := "SELECT " + historyJSONSelect + " FROM history h" + where + " ORDER BY h.at DESC, h.id DESC"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return 0, s.dbErr("reading the send history", err)
	}
	defer rows.Close()
	var (
		packed  sql.RawBytes
		latency float64
		line    []byte
		n       int
	)
	for rows.Next() {
		if err := rows.Scan(&packed, &latency); err != nil {
			return n, s.dbErr("reading the send history", err)
		}
		line, err = appendHistoryJSON(line[:0], packed, latency)
		if err != nil {
			return n, err
		}
		if _, err := w.Write(line); err != nil {
			return n, err
		}
		n++
	}
	return n, s.dbErr("reading the send history", rows.Err())
}

// appendHistoryJSON appends one JSON line for a packed row.
func appendHistoryJSON(b, packed []byte, latency float64) ([]byte, error) {
	var ints [historyJSONInts]int64
	var unreg bool
	var lens [hjStrings]int
	p := packed
	bad := func() ([]byte, error) {
		return b, fmt.Errorf("reading the send history: a row that cannot be read (%.40q)", packed)
	}
	for i := range historyJSONInts + hjStrings {
		end := bytes.IndexByte(p, ',')
		if i == historyJSONInts+hjStrings-1 {
			end = bytes.IndexByte(p, ';')
		}
		if end < 0 {
			return bad()
		}
		f := p[:end]
		p = p[end+1:]
		if i == historyJSONInts-1 && len(f) == 1 && f[0] == '-' {
			continue
		}
		v, ok := parseInt(f)
		if !ok {
			return bad()
		}
		switch {
		case i < historyJSONInts:
			ints[i] = v
			if i == historyJSONInts-1 {
				unreg = true
			}
		case v < 0 || v > int64(len(packed)):
			return bad()
		default:
			lens[i-historyJSONInts] = int(v)
		}
	}
	var strs [hjStrings][]byte
	for i, l := range lens {
		if l > len(p) {
			return bad()
		}
		strs[i], p = p[:l], p[l:]
	}
	if len(p) != 0 {
		return bad()
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
	b = time.Unix(0, ints[0]).UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	str(`,"batch":`, hjBatch, true)
	str(`,"profile":`, hjProfile, true)
	str(`,"environment":`, hjEnvironment, false)
	str(`,"topic":`, hjTopic, true)
	str(`,"push_type":`, hjPushType, true)
	num(`,"priority":`, ints[1], true)
	str(`,"collapse_id":`, hjCollapseID, true)
	str(`,"expiration":`, hjExpiration, true)
	str(`,"payload_sha256":`, hjPayloadHash, true)
	num(`,"payload_size":`, ints[2], false)
	str(`,"token":`, hjToken, false)
	str(`,"channel_id":`, hjChannel, true)
	str(`,"label":`, hjLabel, true)
	num(`,"status":`, ints[3], false)
	str(`,"reason":`, hjReason, true)
	str(`,"apns_id":`, hjApnsID, true)
	str(`,"apns_unique_id":`, hjApnsUniqueID, true)
	b = append(b, `,"latency_ms":`...)
	var err error
	if b, err = appendJSONFloat(b, latency); err != nil {
		return b, err
	}
	num(`,"attempts":`, ints[4], true)
	str(`,"error":`, hjError, true)
	if unreg {
		b = append(b, `,"unregistered_at":"`...)
		b = time.Unix(0, ints[5]).UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	return append(b, '}', '\n'), nil
}

// parseInt reads a decimal int64 without allocating.
func parseInt(f []byte) (int64, bool) {
	neg := len(f) > 0 && f[0] == '-'
	if neg {
		f = f[1:]
	}
	if len(f) == 0 || len(f) > 19 {
		return 0, false
	}
	var v uint64
	for _, c := range f {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(v), true
	}
	return int64(v), true
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
// escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped. No escape
// code reaches a terminal as-is.
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
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
