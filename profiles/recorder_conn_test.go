package profiles

import (
	"database/sql"
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
