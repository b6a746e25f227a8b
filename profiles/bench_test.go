package profiles

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// The benchmarks measure the store alone, in this process (the CLI's
// whole-process figures are in docs/storage.md). Run them with a small
// -benchtime on a shared machine:
//
//	go test -run '^$' -bench . -benchtime 3x ./profiles/

// BenchmarkImportDevices100k imports 100,000 tokens with labels and a group
// into an empty book: one transaction, one index look-up per line.
func BenchmarkImportDevices100k(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&sb, "%064x phone-%d\n", i+1, i)
	}
	data := []byte(sb.String())
	for b.Loop() {
		b.StopTimer()
		s, err := Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rep, err := s.ImportDevices(data, certs.Development, []string{"qa"})
		if err != nil || rep.Added != 100_000 {
			b.Fatalf("%+v %v", rep.Added, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkSelectGroup20k resolves `send --group` to 20,000 devices.
func BenchmarkSelectGroup20k(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var sb strings.Builder
	for i := range 40_000 {
		fmt.Fprintf(&sb, "%064x phone-%d\n", i+1, i)
	}
	if _, err := s.ImportDevices([]byte(sb.String()), certs.Development, nil); err != nil {
		b.Fatal(err)
	}
	sb.Reset()
	for i := range 20_000 {
		fmt.Fprintf(&sb, "%064x\n", 2*i+1)
	}
	if _, err := s.ImportDevices([]byte(sb.String()), certs.Development, []string{"half"}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		ds, err := s.SelectDevices(certs.Development, nil, []string{"half"})
		if err != nil || len(ds) != 20_000 {
			b.Fatalf("%d %v", len(ds), err)
		}
	}
}

// bigHistory is the history size of BenchmarkHistory1M; PUSHDECK_BENCH_HISTORY
// sets another (a quick profile on 100,000).
var bigHistory = func() int {
	if n, err := strconv.Atoi(os.Getenv("PUSHDECK_BENCH_HISTORY")); err == nil && n >= 100_000 {
		return n
	}
	return 1_000_000
}()

// bigEntry is entry i of the million: 2,000 sends of 500 devices each,
// 50,000 devices, two environments, every 7th a BadDeviceToken, every
// 101st an Unregistered.
func bigEntry(i int) HistoryEntry {
	e := HistoryEntry{
		At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond), Batch: fmt.Sprintf("batch-%05d", i/500),
		Profile: "myapp-dev", Environment: certs.Development, Topic: "com.example.app", PushType: "alert", Priority: 10,
		PayloadHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", PayloadSize: 42,
		Token: strings.Repeat(fmt.Sprintf("%016x", (i%50_000)*7919+1), 4), Label: fmt.Sprintf("phone-%d", i%50_000),
		Status: 200, ApnsID: fmt.Sprintf("%08X-0000-4000-8000-%012X", i, i), ApnsUniqueID: fmt.Sprintf("u-%d", i), LatencyMS: 12.5, Attempts: 1,
	}
	if i%2 == 1 {
		e.Environment, e.Profile = certs.Production, "myapp-prod"
	}
	switch {
	case i%101 == 0:
		e.Status, e.Reason = 410, "Unregistered"
	case i%7 == 0:
		e.Status, e.Reason = 400, "BadDeviceToken"
	}
	if i%500 == 0 {
		e.Payload = `{"aps":{"alert":"hi"}}`
	}
	return e
}

// millionStore fills a store with bigHistory entries in groups of 10,000.
// PUSHDECK_BENCH_DIR keeps it in that folder, and reuses it when it is
// already full (to time `pushdeck history` on it, or to run again).
func millionStore(b *testing.B) *Store {
	b.Helper()
	dir := os.Getenv("PUSHDECK_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if n, _ := s.HistoryCount(HistoryFilter{}); n == bigHistory {
		return s
	}
	start := time.Now()
	recs := make([]Record, 0, 10_000)
	for i := range bigHistory {
		recs = append(recs, Record{Entry: bigEntry(i)})
		if len(recs) == cap(recs) {
			if err := s.Record(context.Background(), recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	db, _ := s.db()
	db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	b.Logf("%d entries written in %v (%.0f/s)", bigHistory, time.Since(start).Round(time.Millisecond), float64(bigHistory)/time.Since(start).Seconds())
	return s
}

// BenchmarkHistory1M looks history up the ways users do, with a million
// entries: each look-up is one index search.
func BenchmarkHistory1M(b *testing.B) {
	s := millionStore(b)
	defer s.Close()
	cases := []struct {
		name string
		f    HistoryFilter
		want int
	}{
		{"apns-id", HistoryFilter{ApnsID: strings.ToLower(bigEntry(765_432).ApnsID)}, 1},
		{"apns-unique-id", HistoryFilter{ApnsUniqueID: "u-123456"}, 1},
		{"token-prefix", HistoryFilter{Device: bigEntry(4242).Token[:16]}, 20},
		{"label", HistoryFilter{Device: "phone-4242"}, 20},
		{"batch", HistoryFilter{Batch: "batch-01234"}, 500},
		{"reason-newest50", HistoryFilter{Reason: "unregistered", Limit: 50}, 50},
		{"status410-newest50", HistoryFilter{Status: 410, Limit: 50}, 50},
		{"failed-newest50", HistoryFilter{Failed: true, Limit: 50}, 50},
		{"production-newest50", HistoryFilter{Environment: certs.Production, Limit: 50}, 50},
		// the console's History query `reason:unreg dev`: a page of 5,000
		// with payloads, from the reason's index (not the environment's)
		{"reason-development-newest50", HistoryFilter{Reason: "Unregistered", Environment: certs.Development, Limit: 50}, 50},
		{"reason-development-page", HistoryFilter{Reason: "Unregistered", Environment: certs.Development, Limit: 5000, Payloads: true}, (bigHistory/101 + 2) / 2},
		{"last-hour", HistoryFilter{Since: bigEntry(bigHistory - 36_000).At}, 36_000},
		{"last-minute", HistoryFilter{Since: bigEntry(bigHistory - 600).At}, 600},
		{"newest50", HistoryFilter{Limit: 50}, 50},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				n := 0
				err := s.StreamHistory(context.Background(), c.f, func(*HistoryEntry) error { n++; return nil })
				if err != nil || n != c.want {
					b.Fatalf("%d entries, %v; want %d", n, err, c.want)
				}
			}
		})
	}
	b.Run("reason-count", func(b *testing.B) {
		for b.Loop() {
			if n, err := s.HistoryCount(HistoryFilter{Reason: "Unregistered"}); err != nil || n != (bigHistory+100)/101 {
				b.Fatalf("%d %v", n, err)
			}
		}
	})
	b.Run("sends-newest50", func(b *testing.B) {
		for b.Loop() {
			n := 0
			s.Sends(context.Background(), HistoryFilter{Limit: 50}, func(SendSummary) error { n++; return nil })
			if n != 50 {
				b.Fatal(n)
			}
		}
	})
	// What `history --limit 0 --json` does: every entry, newest first,
	// encoded as a JSON line.
	b.Run("stream-all-json", func(b *testing.B) {
		for b.Loop() {
			w := bufio.NewWriterSize(io.Discard, 256<<10)
			n, err := s.StreamHistoryJSON(context.Background(), HistoryFilter{}, w)
			if err != nil || n != bigHistory {
				b.Fatal(n, err)
			}
			w.Flush()
		}
		b.ReportMetric(float64(bigHistory)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	})
}

// BenchmarkRecorder measures recording throughput through group commits
// (at most 50 ms or 500 results per commit, one fsync each).
func BenchmarkRecorder(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	r := s.NewRecorder(RecorderOptions{})
	i := 0
	for b.Loop() {
		if err := r.Add(Record{Entry: bigEntry(i), Book: true}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	st := r.Close()
	if st.Recorded != i {
		b.Fatalf("%+v", st)
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "results/s")
	b.ReportMetric(float64(i)/float64(max(st.Commits, 1)), "results/commit")
}

// BenchmarkRecordPendingCache measures one group commit of 500 results
// (the recorder's usual group) on a connection with the recorder's page
// cache and with every connection's: appending packed rows reads nothing
// back, so the small cache should cost nothing. No fsync (synchronous
// OFF), so it measures CPU rather than the disk.
//
//	go test -run '^$' -bench RecordPendingCache -count 5 ./profiles/
func BenchmarkRecordPendingCache(b *testing.B) {
	for _, kb := range []int{recordCacheKB, cacheKB} {
		b.Run(fmt.Sprintf("cache=%dKB", kb), func(b *testing.B) {
			s, err := OpenWith(b.TempDir(), Options{pragmas: []string{"synchronous(OFF)"}})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			db, _ := s.db()
			ctx := context.Background()
			conn, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, kb)); err != nil {
				b.Fatal(err)
			}
			recs := make([]Record, 500)
			for j := range recs {
				recs[j] = Record{Entry: bigEntry(j), Book: true}
			}
			i := 0
			for b.Loop() {
				i += len(recs)
				if err := s.recordPending(ctx, conn, recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(i), "ns/result")
		})
	}
}
