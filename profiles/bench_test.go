package profiles

import (
	"testing"
	"time"
)

// BenchmarkHistoryQuery100k queries a history of 100,000 sends the ways the
// history command and the console do: the latest page, a time window, one
// device, one reason, one apns-id (a full scan that finds one), everything.
func BenchmarkHistoryQuery100k(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	const n = 100_000
	appendN(b, s, 0, n)
	cases := []struct {
		name string
		f    HistoryFilter
		want int
	}{
		{"latest50", HistoryFilter{Limit: 50}, 50},
		{"last10min", HistoryFilter{Since: entry(n - 600).At}, 600},
		{"device", HistoryFilter{Device: "Phone 7"}, n / 20},
		{"device-limit100", HistoryFilter{Device: "Phone 7", Limit: 100}, 100},
		{"reason", HistoryFilter{Reason: "BadDeviceToken"}, (n + 6) / 7},
		{"apns-id", HistoryFilter{ApnsID: entry(123).ApnsID}, 1},
		{"all", HistoryFilter{}, n},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got, err := s.QueryHistory(c.f)
				if err != nil || len(got) != c.want {
					b.Fatalf("%d entries, %v; want %d", len(got), err, c.want)
				}
			}
		})
	}
}

// BenchmarkHistoryAppend measures one result per Append (one fsync each, as
// a send that records results one by one) and batches of 100.
func BenchmarkHistoryAppend(b *testing.B) {
	for _, size := range []int{1, 100} {
		b.Run(map[int]string{1: "one", 100: "batch100"}[size], func(b *testing.B) {
			s, err := Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			h, err := s.OpenHistory()
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			batch := make([]HistoryEntry, size)
			for i := range batch {
				batch[i] = entry(i)
				batch[i].At = time.Now()
			}
			for b.Loop() {
				if err := h.Append(batch...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}
