package history

import (
	"fmt"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// TestFiltersRunInTheStore: a history bigger than a page (30,000 entries,
// 12,000 with -short) built in the test. The screen reads a page of the
// newest, and every filter reaches all of it, however old: the filters
// are the store's queries, not a pass over what was read.
func TestFiltersRunInTheStore(t *testing.T) {
	const perSend = 500
	sends := 60
	if testing.Short() {
		sends = 24
	}
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	batch := func(s int) string { return fmt.Sprintf("B%04d", s) }
	for s := range sends {
		env, profile := certs.Development, "app-dev"
		if s%2 == 1 {
			env, profile = certs.Production, "app-prod"
		}
		es := make([]profiles.HistoryEntry, perSend)
		for i := range es {
			n := s*perSend + i
			es[i] = profiles.HistoryEntry{At: now.Add(time.Duration(n-sends*perSend) * time.Second), Batch: batch(s), Profile: profile,
				Environment: env, Label: fmt.Sprintf("dev-%06d", n), Token: fmt.Sprintf("%064x", n+1), Status: 200}
			if i%50 == 7 {
				es[i].Status, es[i].Reason = 410, "Unregistered"
			}
		}
		if err := store.AppendHistory(es...); err != nil {
			t.Fatal(err)
		}
	}
	total := sends * perSend
	p := profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 100, Height: 40, Styles: common.DefaultStyles(true, true), Active: &p, Store: store})
	m.SetClock(func() time.Time { return now })
	settle(m, m.Init())

	// Unfiltered: the newest page, newest first, and it says so.
	if len(m.entries) != Page || !m.full || m.entries[0].Label != fmt.Sprintf("dev-%06d", total-1) {
		t.Fatalf("%d entries (full %v), first %q", len(m.entries), m.full, m.entries[0].Label)
	}
	for i := 1; i < len(m.entries); i++ {
		if m.entries[i].At.After(m.entries[i-1].At) {
			t.Fatalf("not newest first at %d", i)
		}
	}

	check := func(q string, want int, ok func(e profiles.HistoryEntry) bool) {
		t.Helper()
		filterTo(m, q)
		if m.loadErr != nil {
			t.Fatalf("%q: %v", q, m.loadErr)
		}
		if len(m.entries) != min(want, Page) || m.full != (want >= Page) {
			t.Errorf("%q: %d entries (full %v), want %d", q, len(m.entries), m.full, want)
		}
		for _, e := range m.entries {
			if !ok(e) {
				t.Fatalf("%q matched %+v", q, e)
			}
		}
	}
	gone := total / 50
	check("410", gone, func(e profiles.HistoryEntry) bool { return e.Status == 410 })
	check("prod failed", gone/2, func(e profiles.HistoryEntry) bool { return e.Status != 200 && e.Environment == certs.Production })
	check("reason:unregistered dev", gone/2, func(e profiles.HistoryEntry) bool {
		return e.Reason == "Unregistered" && e.Environment == certs.Development
	})
	check("profile:app-dev ok", total/2-gone/2, func(e profiles.HistoryEntry) bool { return e.Profile == "app-dev" && e.Status == 200 })
	// The oldest send, far beyond the page: its index finds it.
	check("send:"+batch(0), perSend, func(e profiles.HistoryEntry) bool { return e.Batch == batch(0) })
	// A free word is matched on the stream, to the oldest entry.
	check("dev-000003", 1, func(e profiles.HistoryEntry) bool { return e.Label == "dev-000003" })

	// Grouped by send: every send, with totals over all its results (from
	// the sends table), not only those in a page.
	filterTo(m, "")
	settle(m, m.Update2(common.KeyPress("s")))
	if !m.grouped || !m.sends || len(m.groups) != min(sends, SendsPage) {
		t.Fatalf("grouped %v sends %v: %d groups, want %d", m.grouped, m.sends, len(m.groups), sends)
	}
	last := m.groups[len(m.groups)-1]
	if m.groups[0].batch != batch(sends-1) || last.n != perSend || last.failed != perSend/50 || last.topReason() != fmt.Sprintf("Unregistered %d", perSend/50) {
		t.Fatalf("first %q; last %+v top %q", m.groups[0].batch, last, last.topReason())
	}
	filterTo(m, "prod")
	if !m.grouped || len(m.groups) != sends/2 || m.groups[0].env != certs.Production {
		t.Fatalf("grouped prod: %d groups", len(m.groups))
	}
}
