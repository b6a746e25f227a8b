package profiles

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func entry(i int) HistoryEntry {
	e := HistoryEntry{
		At: t0.Add(time.Duration(i) * time.Second), Batch: fmt.Sprintf("b%d", i/10), Profile: "myapp-dev",
		Environment: certs.Development, Topic: "com.example.app", PushType: "alert", Priority: 10,
		PayloadHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", PayloadSize: 42,
		Payload: `{"aps":{"alert":"hi"}}`, Token: tok(i % 20), Label: fmt.Sprintf("Phone %d", i%20),
		Status: 200, ApnsID: fmt.Sprintf("%08X-0000-0000-0000-%012X", i, i), LatencyMS: 12.5, Attempts: 1,
	}
	if i%7 == 0 {
		e.Status, e.Reason = 400, "BadDeviceToken"
	}
	return e
}

func appendN(t testing.TB, s *Store, from, n int) {
	t.Helper()
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	batch := make([]HistoryEntry, 0, 500)
	for i := from; i < from+n; i++ {
		batch = append(batch, entry(i))
		if len(batch) == cap(batch) || i == from+n-1 {
			if err := h.Append(batch...); err != nil {
				t.Fatal(err)
			}
			batch = batch[:0]
		}
	}
}

func TestHistoryRoundTripAndFilters(t *testing.T) {
	s := openTemp(t)
	if got, err := s.QueryHistory(HistoryFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("query of no history = %v, %v", got, err)
	}
	appendN(t, s, 0, 100)
	all, err := s.QueryHistory(HistoryFilter{Payloads: true})
	if err != nil || len(all) != 100 {
		t.Fatalf("all: %d entries, %v", len(all), err)
	}
	if all[0].At != entry(99).At || all[99].ApnsID != entry(0).ApnsID {
		t.Errorf("not newest first: first %v, last %v", all[0].At, all[99].At)
	}
	if fmt.Sprintf("%+v", all[99]) != fmt.Sprintf("%+v", entry(0)) {
		t.Errorf("round trip changed the entry:\n%+v\n%+v", all[99], entry(0))
	}
	count := func(f HistoryFilter, want int, check func(HistoryEntry) bool) {
		t.Helper()
		got, err := s.QueryHistory(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != want {
			t.Errorf("%+v: %d entries, want %d", f, len(got), want)
		}
		for _, e := range got {
			if !check(e) {
				t.Errorf("%+v matched %+v", f, e)
			}
		}
	}
	count(HistoryFilter{Limit: 5}, 5, func(e HistoryEntry) bool { return !e.At.Before(entry(95).At) })
	count(HistoryFilter{Since: entry(90).At}, 10, func(e HistoryEntry) bool { return !e.At.Before(entry(90).At) })
	count(HistoryFilter{Device: "phone 3"}, 5, func(e HistoryEntry) bool { return e.Label == "Phone 3" })
	count(HistoryFilter{Device: "<" + strings.ToUpper(tok(4)[:20]) + ">"}, 5, func(e HistoryEntry) bool { return e.Token == tok(4) })
	count(HistoryFilter{Reason: "baddevicetoken"}, 15, func(e HistoryEntry) bool { return e.Status == 400 })
	count(HistoryFilter{ApnsID: strings.ToLower(entry(42).ApnsID)}, 1, func(e HistoryEntry) bool { return e.ApnsID == entry(42).ApnsID })
	count(HistoryFilter{Batch: "b3"}, 10, func(e HistoryEntry) bool { return e.Batch == "b3" })
	count(HistoryFilter{Batch: "b3", Reason: "BadDeviceToken"}, 1, func(e HistoryEntry) bool { return e.ApnsID == entry(35).ApnsID })
	count(HistoryFilter{Device: "nobody"}, 0, nil)
	if w := s.Warnings(); len(w) != 0 {
		t.Errorf("clean history gave warnings %q", w)
	}
}
