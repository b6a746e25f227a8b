package profiles

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// A send records each group of results first as one row of
// pending_results: the group's records packed in a compact binary form,
// with no index to update. That is all the send pays for (a few µs a
// result instead of a B-tree insert into the history and each of its
// indexes, the device book's last result and the send's totals, 20–50 µs),
// and it is as durable: the row is committed before any of its results is
// printed or drawn, so printed ⇒ recorded holds, kill -9 included.
//
// The rows move into history, the device book and the send totals in
// Store.settle, which every read of them runs first: a history query, a
// device list, the console's screens, doctor. What reads them always sees
// every committed result; the indexing is paid once, by the first reader
// (or by the console when a send ends), instead of by the send.

// settleChunk bounds the results moved in one transaction, so a reader
// catching up on a large send does not hold the write lock for long.
const settleChunk = 8192

// pendingRowRecords bounds the records packed in one pending row (about
// 130 bytes each): a group of 2,000 goes in as a few rows of 32 KB, not one
// of 260 KB. The driver copies each row into SQLite's allocator, which
// maps anything over 64 KB in regions rounded up to a power of two and
// keeps freed ones for reuse: rows of any group size then share the same
// few small blocks, and the packing buffer stays small.
const pendingRowRecords = 256

// packedRows are records packed as pending rows: each row at most
// pendingRowRecords records, its first whole, each next one as it differs
// from the one before (encodeRecord), without the row's header. A
// Recorder queues its records so, as they come: 130 bytes or so a record
// rather than a 370-byte Record.
type packedRows struct {
	buf  []byte
	rows []packedRow
	tags []any // each record's Tag, in order
	// open says the last row takes more records; prev is its last record.
	open bool
	prev HistoryEntry
}

// packedRow is a row's records, buf[start:end], n of them.
type packedRow struct{ start, end, n int }

// len is the number of records.
func (p *packedRows) len() int { return len(p.tags) }

// add packs rec at the end.
func (p *packedRows) add(rec *Record) {
	first := !p.open || p.rows[len(p.rows)-1].n == pendingRowRecords
	if first {
		p.rows = append(p.rows, packedRow{start: len(p.buf), end: len(p.buf)})
		p.open = true
	}
	p.buf = encodeRecord(p.buf, &p.prev, rec, first)
	row := &p.rows[len(p.rows)-1]
	row.end, row.n = len(p.buf), row.n+1
	p.tags = append(p.tags, rec.Tag)
}

// reset empties p, keeping its memory.
func (p *packedRows) reset() {
	clear(p.tags) // the tags are handed on: let them go
	p.buf, p.rows, p.tags, p.open, p.prev = p.buf[:0], p.rows[:0], p.tags[:0], false, HistoryEntry{}
}

// moveRows moves p's first k rows to the empty dst, and closes p's last row
// if it moves.
func (p *packedRows) moveRows(dst *packedRows, k int) {
	if k == len(p.rows) {
		p.open = false
	}
	cut, n := p.rows[k-1].end, 0
	for _, r := range p.rows[:k] {
		dst.rows = append(dst.rows, r)
		n += r.n
	}
	dst.buf = append(dst.buf, p.buf[:cut]...)
	dst.tags = append(dst.tags, p.tags[:n]...)
	rest := copy(p.rows, p.rows[k:])
	p.rows = p.rows[:rest]
	for i := range p.rows {
		p.rows[i].start -= cut
		p.rows[i].end -= cut
	}
	p.buf = p.buf[:copy(p.buf, p.buf[cut:])]
	left := copy(p.tags, p.tags[n:])
	clear(p.tags[left:])
	p.tags = p.tags[:left]
}

// recordPending commits recs in one transaction on conn (nil: any
// connection), as pending rows of at most pendingRowRecords records.
func (s *Store) recordPending(ctx context.Context, conn txBeginner, recs []Record) error {
	var p packedRows
	for i := range recs {
		p.add(&recs[i])
	}
	return s.writePending(ctx, conn, &p)
}

// writePending commits p's rows in one transaction on conn (nil: any
// connection).
func (s *Store) writePending(ctx context.Context, conn txBeginner, p *packedRows) error {
	if p.len() == 0 {
		return nil
	}
	return s.writeOn(ctx, conn, fmt.Sprintf("recording %d send results", p.len()), func(tx *sql.Tx) error {
		body := make([]byte, 0, 16+min(len(p.buf), 64<<10))
		for _, r := range p.rows {
			body = append(binary.AppendUvarint(append(body[:0], packVersion), uint64(r.n)), p.buf[r.start:r.end]...)
			// The driver copies body before Exec returns: it is reused.
			if _, err := tx.ExecContext(ctx, `INSERT INTO pending_results (results, body) VALUES (?, ?)`, r.n, body); err != nil {
				return err
			}
		}
		return nil
	})
}

// Settle moves every committed pending result into history, the device
// book and the send totals, and reports how many it moved. Reads call it
// themselves; the console calls it when a send ends, so that the next
// screen opens at once.
func (s *Store) Settle(ctx context.Context) (int, error) {
	db, err := s.db()
	if err != nil {
		return 0, err
	}
	var one int
	switch err := db.QueryRowContext(ctx, `SELECT 1 FROM pending_results LIMIT 1`).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, s.dbErr("looking for recent send results", err)
	}
	total := 0
	for {
		n, err := s.settleSome(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// settle is Settle for a read: a failure (a full disk) leaves the pending
// results where they are, safe, and the read goes on without them, with a
// warning.
func (s *Store) settle(ctx context.Context) {
	if _, err := s.Settle(ctx); err != nil {
		s.warnf("recent send results could not be moved into history yet, so this read may not show them; they are kept and move on the next read: %v", err)
	}
}

// settleSome moves up to settleChunk pending results in one transaction.
func (s *Store) settleSome(ctx context.Context) (int, error) {
	moved := 0
	err := s.write(ctx, "moving recent send results into history", func(tx *sql.Tx) error {
		defer bulkCache(tx)()
		moved = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, body FROM pending_results ORDER BY id`)
		if err != nil {
			return err
		}
		var recs []Record
		var ids []int64
		var bad []string
		for rows.Next() {
			var id int64
			var body []byte
			if err := rows.Scan(&id, &body); err != nil {
				rows.Close()
				return err
			}
			got, err := decodeRecords(body)
			if err != nil {
				bad = append(bad, fmt.Sprintf("row %d: %v", id, err))
			} else {
				recs = append(recs, got...)
			}
			ids = append(ids, id)
			if len(recs) >= settleChunk {
				break
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if len(recs) > 0 {
			if err := insertRecords(tx, recs, s.statements(ctx, tx)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM pending_results WHERE id BETWEEN ? AND ?`, ids[0], ids[len(ids)-1]); err != nil {
			return err
		}
		if len(bad) > 0 {
			// Only a damaged database page gives a row that does not
			// decode: its results cannot be read back by anyone.
			s.warnf("%d group(s) of recent send results were damaged on disk and are lost (%v); run pushdeck doctor --full", len(bad), bad[0])
		}
		moved = len(recs) + len(bad)
		return nil
	})
	return moved, err
}

// The packed form: a version byte, the record count, then per record its
// fields in a fixed order. A string is a uvarint n: 0 is "the same as the
// previous record's", else n-1 bytes follow (a send's records share most
// of their fields). Integers are varints, times Unix nanoseconds (0 for
// none), the latency a float64's bits, Book one byte.
const packVersion = 1

// packedStrings is how many string fields a record has (see strs).
const packedStrings = 16

func strs(e *HistoryEntry) [packedStrings]*string {
	env := (*string)(&e.Environment)
	return [packedStrings]*string{&e.Batch, &e.Profile, env, &e.Topic, &e.PushType, &e.CollapseID, &e.Expiration,
		&e.PayloadHash, &e.Payload, &e.Token, &e.Channel, &e.Label, &e.Reason, &e.ApnsID, &e.ApnsUniqueID, &e.Error}
}

func encodeRecords(b []byte, recs []Record) []byte {
	b = append(b, packVersion)
	b = binary.AppendUvarint(b, uint64(len(recs)))
	var prev HistoryEntry
	for i := range recs {
		b = encodeRecord(b, &prev, &recs[i], i == 0)
	}
	return b
}

// encodeRecord appends rec packed after *prev (whole if first) and makes
// it the new *prev.
func encodeRecord(b []byte, prev *HistoryEntry, rec *Record, first bool) []byte {
	e := &rec.Entry
	cur, old := strs(e), strs(prev)
	for j := range cur {
		if !first && *cur[j] == *old[j] {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(*cur[j]))+1)
		b = append(b, *cur[j]...)
	}
	b = binary.AppendVarint(b, timeNS(e.At))
	b = binary.AppendVarint(b, timeNS(e.UnregisteredAt))
	b = binary.AppendVarint(b, int64(e.Priority))
	b = binary.AppendVarint(b, int64(e.PayloadSize))
	b = binary.AppendVarint(b, int64(e.Status))
	b = binary.AppendVarint(b, int64(e.Attempts))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.LatencyMS))
	if rec.Book {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	*prev = *e
	return b
}

func timeNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nsTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

var errPacked = errors.New("not a packed group of send results")

func decodeRecords(b []byte) ([]Record, error) {
	if len(b) == 0 || b[0] != packVersion {
		return nil, errPacked
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return nil, errPacked
	}
	b = b[k:]
	recs := make([]Record, 0, n)
	var prev HistoryEntry
	varint := func() (int64, bool) {
		v, k := binary.Varint(b)
		if k <= 0 {
			return 0, false
		}
		b = b[k:]
		return v, true
	}
	for i := uint64(0); i < n; i++ {
		var e HistoryEntry
		cur, old := strs(&e), strs(&prev)
		for j := range cur {
			l, k := binary.Uvarint(b)
			if k <= 0 || l > uint64(len(b)-k)+1 {
				return nil, errPacked
			}
			b = b[k:]
			if l == 0 {
				if i == 0 {
					return nil, errPacked
				}
				*cur[j] = *old[j]
				continue
			}
			*cur[j] = string(b[:l-1])
			b = b[l-1:]
		}
		var v [6]int64
		for j := range v {
			x, ok := varint()
			if !ok {
				return nil, errPacked
			}
			v[j] = x
		}
		e.At, e.UnregisteredAt = nsTime(v[0]), nsTime(v[1])
		e.Priority, e.PayloadSize, e.Status, e.Attempts = int(v[2]), int(v[3]), int(v[4]), int(v[5])
		if len(b) < 9 {
			return nil, errPacked
		}
		e.LatencyMS = math.Float64frombits(binary.LittleEndian.Uint64(b))
		book := b[8] == 1
		b = b[9:]
		recs = append(recs, Record{Entry: e, Book: book})
		prev = e
	}
	if len(b) != 0 {
		return nil, errPacked
	}
	return recs, nil
}
