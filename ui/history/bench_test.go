package history

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// benchStore is a history of n entries shaped like profiles' benchmark
// (sends of 500, half production, a 410 every 101st, a 400 every 7th).
// PUSHDECK_BENCH_DIR keeps it there and reuses it once full.
func benchStore(b *testing.B, n int) *profiles.Store {
	b.Helper()
	dir := os.Getenv("PUSHDECK_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	s, err := profiles.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if c, _ := s.HistoryCount(profiles.HistoryFilter{}); c >= n {
		return s
	}
	recs := make([]profiles.Record, 0, 10_000)
	for i := range n {
		e := profiles.HistoryEntry{
			At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond), Batch: fmt.Sprintf("batch-%05d", i/500),
			Profile: "myapp-dev", Environment: certs.Development, Topic: "com.example.app", Status: 200,
			Token: strings.Repeat(fmt.Sprintf("%016x", (i%50_000)*7919+1), 4), Label: fmt.Sprintf("phone-%d", i%50_000),
			ApnsID: fmt.Sprintf("%08X-0000-4000-8000-%012X", i, i),
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
		recs = append(recs, profiles.Record{Entry: e})
		if len(recs) == cap(recs) || i == n-1 {
			if err := s.Record(context.Background(), recs); err != nil {
				b.Fatal(err)
			}
			recs = recs[:0]
		}
	}
	return s
}

// BenchmarkHistoryScreenQueries times one query of the History screen
// (the Cmd's whole work: the store query and the page it reads) on a
// history of 1,000,000 entries (100,000 with -short).
func BenchmarkHistoryScreenQueries(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	s := benchStore(b, n)
	defer s.Close()
	for _, c := range []struct {
		name, text string
		grouped    bool
	}{
		{"newest", "", false},
		{"410", "410", false},
		{"prod_failed", "prod failed", false},
		{"reason_unreg_dev", "reason:unreg dev", false},
		{"oldest_send", "send:batch-00000", false},
		{"device", "device:phone-42", false},
		{"grouped_sends", "", true},
		{"grouped_prod_failed", "prod failed", true},
		{"grouped_410", "410", true},
	} {
		b.Run(c.name, func(b *testing.B) {
			rows := 0
			for range b.N {
				msg := load(context.Background(), s, 1, c.text, c.grouped)().(loadedMsg)
				if msg.err != nil {
					b.Fatal(msg.err)
				}
				rows = len(msg.entries) + len(msg.groups)
			}
			b.ReportMetric(float64(rows), "rows")
		})
	}
}
