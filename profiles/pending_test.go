package profiles

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// TestPackedRecordsRoundTrip: a group packs and unpacks to the same records,
// whatever repeats between neighbours and whatever does not: empty strings,
// a field that changes and changes back, zero and non-zero times, any
// bytes in a string, Book on and off.
func TestPackedRecordsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	for round := range 200 {
		n := 1 + rng.IntN(40)
		recs := make([]Record, n)
		for i := range recs {
			e := entry(round*100 + i)
			e.Reason = pick("", "BadDeviceToken", "Unregistered", "")
			e.Label = pick("", "Ana's iPhone", "é\u202e\x00\xff", e.Label)
			e.Error = pick("", "context deadline exceeded")
			e.Channel = pick("", "dHN0LTI=")
			e.Environment = certs.Environment(pick(string(certs.Development), string(certs.Production)))
			e.LatencyMS = rng.Float64() * 100
			e.Attempts = rng.IntN(4)
			if rng.IntN(3) == 0 {
				e.UnregisteredAt = time.Unix(1_700_000_000+int64(rng.IntN(1e6)), int64(rng.IntN(1e9))).UTC()
			}
			e.At = e.At.UTC()
			recs[i] = Record{Entry: e, Book: rng.IntN(2) == 0}
		}
		got, err := decodeRecords(encodeRecords(nil, recs))
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !reflect.DeepEqual(got, recs) {
			for i := range recs {
				if !reflect.DeepEqual(got[i], recs[i]) {
					t.Fatalf("round %d record %d:\n got %+v\nwant %+v", round, i, got[i], recs[i])
				}
			}
		}
	}
	// Anything cut short or altered is refused, never half-read.
	b := encodeRecords(nil, []Record{{Entry: entry(1)}, {Entry: entry(2)}})
	for cut := range len(b) {
		if _, err := decodeRecords(b[:cut]); err == nil {
			t.Fatalf("a group cut at %d of %d bytes decoded", cut, len(b))
		}
	}
	if _, err := decodeRecords(append(append([]byte(nil), b...), 0)); err == nil {
		t.Error("trailing bytes decoded")
	}
}

func rawCount(t *testing.T, s *Store, table string) int {
	t.Helper()
	db, err := s.db()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSendResultsSettleBeforeAnyRead: the recorder commits packed groups
// (nothing in history yet, no index touched); the first read moves them
// into history, the device book and the send totals, in order, once.
func TestSendResultsSettleBeforeAnyRead(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.AddDevice(Device{Label: "Phone 3", Token: tok(3), Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	r := s.NewRecorder(RecorderOptions{MaxBatch: 64})
	const n = 1000
	for i := range n {
		e := entry(i)
		if i%20 == 3 {
			e.Status, e.Reason = 410, "Unregistered"
			e.UnregisteredAt = t0.Add(-time.Hour)
		}
		if err := r.Add(Record{Entry: e, Book: true}); err != nil {
			t.Fatal(err)
		}
	}
	if st := r.Close(); st.Recorded != n {
		t.Fatalf("%+v", st)
	}
	if h, p := rawCount(t, s, "history"), rawCount(t, s, "pending_results"); h != 0 || p == 0 {
		t.Fatalf("before any read: %d history rows, %d pending groups", h, p)
	}
	if c, err := s.HistoryCount(HistoryFilter{}); err != nil || c != n {
		t.Fatalf("history count %d, %v", c, err)
	}
	if h, p := rawCount(t, s, "history"), rawCount(t, s, "pending_results"); h != n || p != 0 {
		t.Fatalf("after a read: %d history rows, %d pending groups", h, p)
	}
	got, err := s.QueryHistory(HistoryFilter{Batch: "b42"})
	if err != nil || len(got) != 10 {
		t.Fatalf("batch b42: %d entries, %v", len(got), err)
	}
	devs, err := s.DevicesWhere(DeviceFilter{})
	if err != nil || len(devs) != 1 || devs[0].Last == nil || devs[0].Last.Status != 410 || devs[0].UnregisteredAt.IsZero() {
		t.Fatalf("the device book's last result: %+v, %v", devs, err)
	}
	var sends int
	if err := s.Sends(context.Background(), HistoryFilter{}, func(SendSummary) error { sends++; return nil }); err != nil || sends != n/10 {
		t.Fatalf("%d sends, %v", sends, err)
	}
}

// TestConcurrentSettlersMoveEachResultOnce: two Stores on one folder (two
// processes) read while a third records: every result lands in history
// exactly once.
func TestConcurrentSettlersMoveEachResultOnce(t *testing.T) {
	dir := t.TempDir()
	open := func() *Store {
		s, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	w, a, b := open(), open(), open()
	r := w.NewRecorder(RecorderOptions{MaxBatch: 50})
	const n = 3000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for _, s := range []*Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.Settle(context.Background()); err != nil && !strings.Contains(err.Error(), "busy") {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range n {
		e := entry(i)
		e.ApnsID = fmt.Sprintf("%08X-1111-4111-8111-%012X", i, i)
		if err := r.Add(Record{Entry: e}); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	close(stop)
	wg.Wait()
	if c, err := a.HistoryCount(HistoryFilter{}); err != nil || c != n {
		t.Fatalf("history count %d, want %d (%v)", c, n, err)
	}
	db, _ := a.db()
	var distinct int
	if err := db.QueryRow(`SELECT count(DISTINCT apns_id) FROM history`).Scan(&distinct); err != nil || distinct != n {
		t.Fatalf("%d distinct apns-ids, want %d (%v)", distinct, n, err)
	}
}

// TestDamagedPendingGroupIsReported: a pending row that does not decode
// (only a damaged page gives one) is reported and dropped; the groups
// around it still reach history.
func TestDamagedPendingGroupIsReported(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.recordPending(ctx, nil, []Record{{Entry: entry(1)}, {Entry: entry(2)}}); err != nil {
		t.Fatal(err)
	}
	db, _ := s.db()
	if _, err := db.Exec(`INSERT INTO pending_results (results, body) VALUES (5, x'01ff')`); err != nil {
		t.Fatal(err)
	}
	if err := s.recordPending(ctx, nil, []Record{{Entry: entry(3)}}); err != nil {
		t.Fatal(err)
	}
	if c, err := s.HistoryCount(HistoryFilter{}); err != nil || c != 3 {
		t.Fatalf("history count %d, %v", c, err)
	}
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "damaged on disk") || !strings.Contains(w, "doctor") {
		t.Errorf("warnings %q", w)
	}
	if p := rawCount(t, s, "pending_results"); p != 0 {
		t.Errorf("%d pending groups left", p)
	}
}
