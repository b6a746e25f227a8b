package history

import (
	"strings"
	"testing"
	"time"

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

func newModel(t *testing.T) *Model {
	p := profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 100, Height: 40, Styles: common.DefaultStyles(true, true), Active: &p})
	m.SetClock(func() time.Time { return now })
	m.seq = 1
	m.Update(loadedMsg{seq: 1, entries: entries()})
	return m
}

func TestFilterByFields(t *testing.T) {
	m := newModel(t)
	for q, want := range map[string]int{"reason:baddev": 1, "device:anna": 1, "apns:2222": 1, "bbbb": 1, "": 2, "reason:nothing": 0} {
		m.filter.SetValue(q)
		m.refilter()
		if len(m.shown) != want {
			t.Errorf("%q: %d shown, want %d", q, len(m.shown), want)
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
