package history

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// twoSends are the results of two sends: one to development with a 410
// and a 400, one to production all accepted but one cancelled.
func twoSends() []profiles.HistoryEntry {
	var out []profiles.HistoryEntry
	tok := func(i int) string { return fmt.Sprintf("%064x", i) }
	for i := range 3 {
		e := profiles.HistoryEntry{At: now.Add(-time.Minute), Batch: "B-prod", Profile: "app-prod", Environment: certs.Production, Label: fmt.Sprintf("device %d", i), Token: tok(i), Status: 200}
		if i == 2 {
			e.Status, e.Reason = 0, "cancelled"
		}
		out = append(out, e)
	}
	for i := range 4 {
		e := profiles.HistoryEntry{At: now.Add(-time.Hour), Batch: "B-dev", Profile: "app-dev", Environment: certs.Development, Label: fmt.Sprintf("device %d", 10+i), Token: tok(10 + i), Status: 200}
		switch i {
		case 1:
			e.Status, e.Reason = 410, "Unregistered"
		case 2:
			e.Status, e.Reason = 400, "BadDeviceToken"
		}
		out = append(out, e)
	}
	return out
}

// The issue: /410, /prod, /failed gave 0 matches.
func TestFilterByStatusEnvOutcome(t *testing.T) {
	m := newModelWith(t, twoSends())
	for q, want := range map[string]int{
		"410": 1, "status:400": 1, "prod": 3, "production": 3, "dev": 4, "sandbox": 4, "env:prod": 3,
		"failed": 3, "ok": 4, "cancelled": 1, "prod failed": 1, "dev 410": 1, "send:B-dev": 4, "device 11": 1,
		"profile:app-prod": 3, "reason:unregistered": 1, "dev failed profile:app-dev": 2,
	} {
		filterTo(m, q)
		if len(m.entries) != want {
			t.Errorf("%q: %d shown, want %d", q, len(m.entries), want)
		}
	}
}

// g groups the results by send; enter on a send shows its results.
func TestGroupBySend(t *testing.T) {
	m := newModelWith(t, twoSends())
	settle(m, m.Update2(common.KeyPress("s")))
	if !m.grouped || !m.sends || m.table.Rows() != 2 {
		t.Fatalf("grouped %v, %d rows", m.grouped, m.table.Rows())
	}
	g := m.groups[1]
	if g.batch != "B-dev" || g.n != 4 || g.ok != 2 || g.failed != 2 || !strings.HasPrefix(g.topReason(), "BadDeviceToken 1 +1 more") {
		t.Fatalf("group %+v top %q", g, g.topReason())
	}
	m.table.SetCursor(1)
	settle(m, m.Update2(common.KeyPress("enter")))
	if m.grouped || m.filter.Value() != "send:B-dev" || len(m.entries) != 4 {
		t.Fatalf("enter on a send: grouped %v filter %q shown %d", m.grouped, m.filter.Value(), len(m.entries))
	}
	// Grouped with a filter the sends table cannot answer: the matching
	// results, grouped.
	filterTo(m, "410")
	settle(m, m.Update2(common.KeyPress("s")))
	if !m.grouped || m.sends || len(m.groups) != 1 || m.groups[0].batch != "B-dev" || m.groups[0].n != 1 {
		t.Fatalf("grouped 410s: sends %v groups %+v", m.sends, m.groups)
	}
}

// 60x16 (the screen's area is 60x11): the list, the grouped view and a
// detail fit.
func TestGolden60x16(t *testing.T) {
	m := newModelWith(t, twoSends())
	m.SetSize(60, 11)
	t.Run("list", func(t *testing.T) { golden.RequireEqual(t, ansi.Strip(m.View())) })
	settle(m, m.Update2(common.KeyPress("s")))
	t.Run("grouped", func(t *testing.T) { golden.RequireEqual(t, ansi.Strip(m.View())) })
	settle(m, m.Update2(common.KeyPress("s")))
	for i, e := range m.entries {
		if e.Label == "device 11" {
			m.table.SetCursor(i)
		}
	}
	m.Update(common.KeyPress("enter"))
	t.Run("detail", func(t *testing.T) { golden.RequireEqual(t, ansi.Strip(m.View())) })
}
