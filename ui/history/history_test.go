package history

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/ui/internal/uitest"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

var now = time.Date(2025, 11, 14, 10, 30, 0, 0, time.UTC)

func entries() []profiles.HistoryEntry {
	return []profiles.HistoryEntry{
		{At: now.Add(-time.Minute), Label: "Anna", Token: strings.Repeat("a", 64), Environment: certs.Development, Status: 200, ApnsID: "11111111-aaaa", Payload: `{"aps":{"alert":"new"}}`, PushType: "alert", Topic: "com.example.app", Priority: 5},
		{At: now.Add(-time.Hour), Label: "Ben", Token: strings.Repeat("b", 64), Environment: certs.Development, Status: 400, Reason: "BadDeviceToken", ApnsID: "22222222-bbbb", Payload: `{"aps":{"alert":"old"}}`, PushType: "alert"},
	}
}

func newModel(t *testing.T) *Model { return newModelWith(t, entries()) }

// newModelWith is the screen over a store holding es, loaded.
func newModelWith(t *testing.T, es []profiles.HistoryEntry) *Model {
	t.Helper()
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.AppendHistory(es...); err != nil {
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 100, Height: 40, Styles: common.DefaultStyles(true, true), Active: &p, Store: store})
	m.SetClock(func() time.Time { return now })
	settle(m, m.Init())
	if !m.loaded || m.loadErr != nil {
		t.Fatalf("not loaded: %v", m.loadErr)
	}
	return m
}

// settle runs cmd like the program does, feeding this screen's messages
// back into Update (and running what they return) until none is left.
func settle(m *Model, cmd tea.Cmd) {
	queue := uitest.RunCmds(cmd)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		switch msg.(type) {
		case loadedMsg, typedMsg, reloadMsg:
			_, next := m.Update(msg)
			queue = append(queue, uitest.RunCmds(next)...)
		}
	}
}

// filterTo types q into the filter (as keys, so the pause and the query
// run as they do for a user) and keeps it.
func filterTo(m *Model, q string) {
	settle(m, m.Update2(common.KeyPress("esc")))
	settle(m, m.Update2(common.KeyPress("/")))
	// Keys typed faster than the pause: only the last edit's query runs.
	m.pause = time.Millisecond
	var cmds []tea.Cmd
	for _, r := range q {
		cmds = append(cmds, m.Update2(tea.KeyPressMsg{Code: r, Text: string(r)}))
	}
	seq := m.seq
	settle(m, tea.Batch(cmds...))
	if q != "" && m.seq != seq+1 {
		panic(fmt.Sprintf("%q: %d queries ran after typing, want 1", q, m.seq-seq))
	}
	settle(m, m.Update2(common.KeyPress("enter")))
}

// Update2 is Update's Cmd alone.
func (m *Model) Update2(msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return cmd
}

func TestFilterByFields(t *testing.T) {
	m := newModel(t)
	for q, want := range map[string]int{"reason:baddev": 1, "device:anna": 1, "apns:2222": 1, "bbbb": 1, "": 2, "reason:nothing": 0} {
		filterTo(m, q)
		if len(m.entries) != want || m.filter.Value() != q {
			t.Errorf("%q: %d shown, want %d (filter %q)", q, len(m.entries), want, m.filter.Value())
		}
	}
}

func TestStaleQueryDropped(t *testing.T) {
	m := newModel(t)
	m.seq = 2
	m.Update(loadedMsg{seq: 1, entries: nil})
	if len(m.entries) != 2 {
		t.Error("an older query's answer replaced the newer state")
	}
}

func TestDetailAndLoadIntoEditor(t *testing.T) {
	m := newModel(t)
	m.Update(common.KeyPress("down"))
	m.Update(common.KeyPress("enter"))
	v := ansi.Strip(m.View())
	if !strings.Contains(v, "BadDeviceToken") || !strings.Contains(v, "Fix:") || !strings.Contains(v, `"alert": "old"`) {
		t.Errorf("detail:\n%s", v)
	}
	_, cmd := m.Update(common.KeyPress("R"))
	var load *common.LoadPayloadMsg
	var sw bool
	for _, c := range cmd().(tea.BatchMsg) {
		switch msg := c().(type) {
		case common.LoadPayloadMsg:
			load = &msg
		case common.SwitchScreenMsg:
			sw = msg.Tab == 3
		}
	}
	if load == nil || load.Payload.Body != `{"aps":{"alert":"old"}}` || !sw {
		t.Fatalf("R should load the payload and switch to the editor: %+v %v", load, sw)
	}
	// The default topic is left empty so it follows the push type.
	m.detail = -1
	m.Update(common.KeyPress("home"))
	_, cmd = m.Update(common.KeyPress("R"))
	for _, c := range cmd().(tea.BatchMsg) {
		if msg, ok := c().(common.LoadPayloadMsg); ok && (msg.Payload.Topic != "" || msg.Payload.Priority != 5) {
			t.Errorf("loaded %+v", msg.Payload)
		}
	}
}

// TestDetailShowsUnregisteredDate: a 410's timestamp is kept in history and
// shown, so support can tell the tester since when the app was gone.
func TestDetailShowsUnregisteredDate(t *testing.T) {
	p := profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 100, Height: 40, Styles: common.DefaultStyles(true, true), Active: &p})
	m.SetClock(func() time.Time { return now })
	m.seq = 1
	gone := time.Date(2025, 11, 12, 8, 0, 0, 0, time.UTC)
	m.Update(loadedMsg{seq: 1, entries: []profiles.HistoryEntry{{At: now, Label: "Cleo", Token: strings.Repeat("c", 64), Environment: certs.Development, Status: 410, Reason: "Unregistered", UnregisteredAt: gone}}})
	m.Update(common.KeyPress("enter"))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "since 12 Nov 2025 08:00 UTC") {
		t.Errorf("detail should give Apple's date:\n%s", v)
	}
}

// A reload (a send added results) keeps an open detail on its result,
// and the title says a query is running until its answer arrives.
func TestReloadKeepsTheDetail(t *testing.T) {
	m := newModel(t)
	m.Update(common.KeyPress("down"))
	m.Update(common.KeyPress("enter"))
	if m.detail != 1 || m.entries[m.detail].Label != "Ben" {
		t.Fatalf("detail %d", m.detail)
	}
	if err := m.c.Store.AppendHistory(profiles.HistoryEntry{At: now, Label: "Cleo", Token: strings.Repeat("c", 64), Environment: certs.Development, Status: 200}); err != nil {
		t.Fatal(err)
	}
	cmd := m.Update2(reloadMsg{})
	if !m.busy {
		t.Error("no sign of the running query")
	}
	settle(m, cmd)
	if m.busy || len(m.entries) != 3 || m.detail != 2 || m.entries[m.detail].Label != "Ben" {
		t.Fatalf("after the reload: busy %v, %d entries, detail %d", m.busy, len(m.entries), m.detail)
	}
}
