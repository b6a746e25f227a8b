package profiles

import (
	"database/sql"
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"
)

// TestRecorderOneConnectionSmallCache: a Recorder commits every group on
// one connection, the one the store opened with (a send opens no other),
// with the recorder's small page cache; at Close the connection goes back
// to the pool with the cache every connection has, for the reads.
func TestRecorderOneConnectionSmallCache(t *testing.T) {
	s := openTemp(t)
	db, _ := s.db()
	var mu sync.Mutex
	caches := map[int]int{} // cache_size seen in a commit -> commits
	s.st.beforeCommit = func(tx *sql.Tx) error {
		var kb int
		if err := tx.QueryRow(`PRAGMA cache_size`).Scan(&kb); err != nil {
			return err
		}
		mu.Lock()
		caches[kb]++
		mu.Unlock()
		return nil
	}
	r := s.NewRecorder(RecorderOptions{MaxBatch: 50})
	const n = 2000
	for i := range n {
		if err := r.Add(Record{Entry: entry(i), Book: true}); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Close()
	if st.Recorded != n || st.Commits < 2 {
		t.Fatalf("%+v", st)
	}
	mu.Lock()
	if len(caches) != 1 || caches[-recordCacheKB] != st.Commits {
		t.Errorf("page cache in the recorder's commits: %v (cache_size -> commits), want all %d at -%d", caches, st.Commits, recordCacheKB)
	}
	clear(caches)
	mu.Unlock()
	if open := db.Stats().OpenConnections; open != 1 {
		t.Errorf("%d connections open after the recorder, want 1", open)
	}
	// The next write (a read's settle moves the results into history)
	// has the pool's cache again.
	if c, err := s.HistoryCount(HistoryFilter{}); err != nil || c != n {
		t.Fatalf("history holds %d (%v), want %d", c, err, n)
	}
	mu.Lock()
	for kb := range caches {
		if kb != -cacheKB && kb != -bulkCacheKB {
			t.Errorf("a write after the recorder ran with cache_size %d, want -%d (or the bulk cache)", kb, cacheKB)
		}
	}
	mu.Unlock()
}

// TestRecorderBigGroupInSmallRows: a group bigger than pendingRowRecords
// is committed as several pending rows in one transaction, and the rows
// settle back into every record, in order.
func TestRecorderBigGroupInSmallRows(t *testing.T) {
	s := openTemp(t)
	r := s.NewRecorder(RecorderOptions{MaxBatch: 1000, MaxDelay: time.Hour})
	n := 2*pendingRowRecords + 7
	for i := range n {
		r.Add(Record{Entry: entry(i)})
	}
	r.Flush()
	if st := r.Stats(); st.Commits != 1 || st.Recorded != n {
		t.Fatalf("want one commit of %d: %+v", n, r.Stats())
	}
	db, _ := s.db()
	var rows, results, biggest int
	if err := db.QueryRow(`SELECT count(*), sum(results), max(results) FROM pending_results`).Scan(&rows, &results, &biggest); err != nil {
		t.Fatal(err)
	}
	if rows != 3 || results != n || biggest != pendingRowRecords {
		t.Errorf("pending rows %d holding %d results (at most %d a row), want 3 rows, %d, at most %d", rows, results, biggest, n, pendingRowRecords)
	}
	r.Close()
	got, err := s.QueryHistory(HistoryFilter{})
	if err != nil || len(got) != n {
		t.Fatalf("history: %d entries (%v), want %d", len(got), err, n)
	}
	for i, e := range got { // newest first
		if want := entry(n - 1 - i).ApnsID; e.ApnsID != want {
			t.Fatalf("entry %d is %s, want %s", i, e.ApnsID, want)
		}
	}
}

// decodeRows unpacks every row of p, checking each row's count.
func decodeRows(t *testing.T, p *packedRows) []Record {
	t.Helper()
	var out []Record
	for _, r := range p.rows {
		body := append(binary.AppendUvarint([]byte{packVersion}, uint64(r.n)), p.buf[r.start:r.end]...)
		recs, err := decodeRecords(body)
		if err != nil || len(recs) != r.n {
			t.Fatalf("row %+v: %d records (%v)", r, len(recs), err)
		}
		out = append(out, recs...)
	}
	return out
}

// Records packed as they are queued come back whole, in rows of at most
// pendingRowRecords, each row decodable alone; moving the first rows to a
// group leaves the rest decodable, and records added after go on in order.
func TestPackedRowsMoveRows(t *testing.T) {
	var q, g packedRows
	var want []Record
	add := func(n int) {
		for range n {
			e := entry(len(want))
			e.At = e.At.UTC()
			rec := Record{Entry: e, Book: len(want)%3 == 0, Tag: len(want)}
			q.add(&rec)
			rec.Tag = nil // not packed: handed back in Tags
			want = append(want, rec)
		}
	}
	check := func(p *packedRows, from, to int) {
		t.Helper()
		got := decodeRows(t, p)
		if !reflect.DeepEqual(got, want[from:to]) {
			t.Fatalf("records %d to %d do not come back whole (%d decoded)", from, to, len(got))
		}
		for i, tag := range p.tags {
			if tag.(int) != from+i {
				t.Fatalf("tag %d is %v, want %d", i, tag, from+i)
			}
		}
		for _, r := range p.rows {
			if r.n > pendingRowRecords {
				t.Fatalf("a row of %d records", r.n)
			}
		}
	}
	add(3*pendingRowRecords + 10)
	if len(q.rows) != 4 {
		t.Fatalf("%d rows, want 4", len(q.rows))
	}
	check(&q, 0, len(want))
	q.moveRows(&g, 2)
	check(&g, 0, 2*pendingRowRecords)
	check(&q, 2*pendingRowRecords, len(want))
	// The last row is still open: records added now join it.
	add(5)
	check(&q, 2*pendingRowRecords, len(want))
	if q.rows[len(q.rows)-1].n != 15 {
		t.Errorf("the open row has %d records, want 15", q.rows[len(q.rows)-1].n)
	}
	g.reset()
	q.moveRows(&g, len(q.rows)) // all of it: the next record starts a row
	check(&g, 2*pendingRowRecords, len(want))
	from := len(want)
	add(1)
	if len(q.rows) != 1 || q.rows[0].start != 0 {
		t.Fatalf("rows after taking all: %+v", q.rows)
	}
	check(&q, from, len(want))
}

// A recorder far behind (a slow disk, a queue allowed to hold more than
// four groups) commits whole rows, at most four groups at once, and every
// record comes back once, in order, and settles into history.
func TestRecorderBehindCommitsWholeRows(t *testing.T) {
	s := openTemp(t)
	slow := true
	s.st.beforeCommit = func(*sql.Tx) error {
		if slow {
			time.Sleep(20 * time.Millisecond)
		}
		return nil
	}
	var mu sync.Mutex
	var seen []int
	biggest := 0
	r := s.NewRecorder(RecorderOptions{MaxBatch: 64, Queue: 5000, OnCommit: func(c Commit) {
		mu.Lock()
		defer mu.Unlock()
		biggest = max(biggest, len(c.Tags))
		for _, tag := range c.Tags {
			seen = append(seen, tag.(int))
		}
	}})
	const n = 3000
	for i := range n {
		e := entry(i)
		e.ApnsID = fmt.Sprintf("id-%d", i)
		if err := r.Add(Record{Entry: e, Tag: i}); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Close()
	slow = false
	if st.Recorded != n || st.NotRecorded != 0 {
		t.Fatalf("%+v", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if biggest > 4*64+pendingRowRecords || len(seen) != n {
		t.Errorf("%d handed back, biggest group %d: want %d, groups of whole rows up to about 4 x 64", len(seen), biggest, n)
	}
	for i, v := range seen {
		if v != i {
			t.Fatalf("record %d handed back at %d", v, i)
		}
	}
	got, err := s.QueryHistory(HistoryFilter{})
	if err != nil || len(got) != n {
		t.Fatalf("history: %d (%v)", len(got), err)
	}
	for i, e := range got {
		if want := fmt.Sprintf("id-%d", n-1-i); e.ApnsID != want {
			t.Fatalf("history entry %d is %s, want %s", i, e.ApnsID, want)
		}
	}
}
