package devices

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

var now = time.Date(2025, 11, 14, 10, 30, 0, 0, time.UTC)

func tok(c string) string { return strings.Repeat(c, 64) }

func book() []profiles.Device {
	return []profiles.Device{
		{Label: "Anna's iPhone", Token: tok("a"), Environment: certs.Development, Groups: []string{"qa"},
			Last: &profiles.LastResult{Status: 200, At: now.Add(-2 * time.Minute)}},
		{Label: "Ben's iPad", Token: tok("b"), Environment: certs.Development, Groups: []string{"qa", "ipad"},
			Last: &profiles.LastResult{Status: 400, Reason: "BadDeviceToken", At: now.Add(-time.Hour)}},
		{Label: "Old iPhone", Token: tok("c"), Environment: certs.Development,
			Last:           &profiles.LastResult{Status: 410, Reason: "Unregistered", At: now.Add(-48 * time.Hour)},
			UnregisteredAt: time.Date(2025, 11, 12, 8, 0, 0, 0, time.UTC)},
		{Label: "Store build", Token: tok("d"), Environment: certs.Production},
		{Label: "New phone", Token: tok("e"), Environment: certs.Development},
		// Live Activity tokens: only the Live Activity view lists them.
		{Label: "iPhone 15 · push-to-start", Token: tok("f"), Environment: certs.Development, Groups: []string{"live-activity"},
			Kind: profiles.KindLiveActivityStart, ActivityType: "DeliveryAttributes"},
		{Label: "Order 1042 activity", Token: tok("9"), Environment: certs.Development, Groups: []string{"live-activity"},
			Kind: profiles.KindLiveActivityUpdate, ActivityType: "DeliveryAttributes",
			Last: &profiles.LastResult{Status: 200, At: now.Add(-5 * time.Minute)}},
		{Label: "Order 0977 activity", Token: tok("8"), Environment: certs.Production, Groups: []string{"live-activity"},
			Kind: profiles.KindLiveActivityUpdate},
	}
}

func newModel(t testing.TB, w, h int, store *profiles.Store) *Model {
	t.Helper()
	p := profiles.Profile{Name: "demo", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: w, Height: h, Styles: common.DefaultStyles(true, true), Store: store, Active: &p})
	m.SetClock(func() time.Time { return now })
	return m
}

func loaded(t testing.TB, w, h int) *Model {
	m := newModel(t, w, h, nil)
	m.Update(loadedMsg{devices: book()})
	return m
}

func press(m *Model, keys ...string) (msgs []tea.Msg) {
	for _, k := range keys {
		_, cmd := m.Update(common.KeyPress(k))
		if cmd != nil {
			if msg := cmd(); msg != nil {
				msgs = append(msgs, msg)
			}
		}
	}
	return msgs
}

func lastSelection(t *testing.T, msgs []tea.Msg) common.SelectionChangedMsg {
	t.Helper()
	for i := len(msgs) - 1; i >= 0; i-- {
		if s, ok := msgs[i].(common.SelectionChangedMsg); ok {
			return s
		}
	}
	t.Fatal("no SelectionChangedMsg")
	return common.SelectionChangedMsg{}
}

func TestSelectToggleAllAndOtherEnvironment(t *testing.T) {
	m := loaded(t, 100, 20)
	// Rows: this environment first by label, then production.
	msgs := press(m, "space")
	sel := lastSelection(t, msgs)
	if len(sel.Devices) != 1 || sel.Devices[0].Label != "Anna's iPhone" || sel.Env != certs.Development {
		t.Fatalf("selection = %+v", sel)
	}
	sel = lastSelection(t, press(m, "A"))
	if len(sel.Devices) != 4 {
		t.Errorf("A selected %d, want the 4 development devices", len(sel.Devices))
	}
	sel = lastSelection(t, press(m, "A"))
	if len(sel.Devices) != 0 {
		t.Errorf("A again should clear, got %d", len(sel.Devices))
	}
	// The production device cannot be selected, and says why.
	press(m, "end", "space")
	if len(m.Selected()) != 0 || !strings.Contains(m.note, "production device: the profile sends to development") {
		t.Errorf("production device selected or no reason: %q", m.note)
	}
}

func TestFilterAndGroup(t *testing.T) {
	m := loaded(t, 100, 20)
	press(m, "/", "i", "p", "a", "d", "enter")
	if len(m.shown) != 1 || m.all[m.shown[0]].Label != "Ben's iPad" {
		t.Fatalf("filter shows %v", m.shown)
	}
	press(m, "esc")
	if len(m.shown) != 5 {
		t.Errorf("esc should clear the filter")
	}
	press(m, "+")
	if m.mode != modeGroups || len(m.groups) != 2 {
		t.Fatalf("groups: %+v", m.groups)
	}
	sel := lastSelection(t, press(m, "down", "enter")) // "qa"
	if len(sel.Devices) != 2 {
		t.Errorf("group qa selected %d", len(sel.Devices))
	}
}

func TestAddNormalisesTheTokenLive(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, 100, 20, store)
	m.Update(m.Init()())
	press(m, "a")
	if m.mode != modeForm || m.form.field != fLabel {
		t.Fatal("a should open the form on its first field shown, the label")
	}
	m.Update(tea.PasteMsg{Content: "<A1B2C3D4 E5F60718 293A4B5C"})
	if s, ok := m.form.tokenStatus(); ok || !strings.Contains(s, "cut off") {
		t.Errorf("half a token should say so, got %q", s)
	}
	m.Update(tea.PasteMsg{Content: " 6D7E8F90 A1B2C3D4 E5F60718 293A4B5C 6D7E8F90>"})
	if s, ok := m.form.tokenStatus(); !ok {
		t.Fatalf("full token refused: %q", s)
	}
	msgs := press(m, "enter")
	if len(msgs) != 0 || !strings.Contains(m.form.err, "label") {
		t.Fatalf("no label should be refused with a reason: %q", m.form.err)
	}
	press(m, "shift+tab")
	for _, k := range common.Type("Test phone") {
		m.Update(k)
	}
	msgs = press(m, "enter")
	if len(msgs) != 1 {
		t.Fatalf("save: %v", msgs)
	}
	_, cmd := m.Update(msgs[0])
	m.Update(cmd()) // the reload
	ds, _ := store.Devices()
	if len(ds) != 1 || ds[0].Token != "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90" || ds[0].Label != "Test phone" {
		t.Fatalf("book = %+v", ds)
	}
	if len(m.all) != 1 {
		t.Errorf("list not reloaded")
	}
	// x asks, y deletes.
	press(m, "x")
	if m.mode != modeConfirm || !strings.Contains(ansi.Strip(m.View()), "Delete Test phone") {
		t.Fatal("x should ask")
	}
	msgs = press(m, "y")
	m.Update(msgs[0])
	if ds, _ := store.Devices(); len(ds) != 0 {
		t.Errorf("not deleted: %+v", ds)
	}
}

func TestImportReportsBadLines(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(path, []byte(tok("a")+" Anna\nnot-a-token\n"+tok("b")+" Ben\n"), 0o600)
	m := newModel(t, 100, 20, store)
	press(m, "i")
	m.Update(tea.PasteMsg{Content: path})
	msgs := press(m, "enter")
	m.Update(msgs[0])
	if !strings.Contains(m.note, "2 added") || !strings.Contains(m.note, "line 2") {
		t.Errorf("import note = %q", m.note)
	}
}

func TestDevicesGolden(t *testing.T) {
	for _, sz := range [][2]int{{60, 11}, {80, 24}, {120, 40}} {
		t.Run("selection_and_dead_"+strconv.Itoa(sz[0])+"x"+strconv.Itoa(sz[1]), func(t *testing.T) {
			m := loaded(t, sz[0], sz[1])
			press(m, "space", "down", "space", "end")
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
		// The dialogs: the form, the delete question, the group picker.
		size := "_" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
		t.Run("form"+size, func(t *testing.T) {
			m := loaded(t, sz[0], sz[1])
			press(m, "e")
			out := ansi.Strip(m.View())
			if !strings.Contains(out, "environment") {
				t.Fatalf("the form's last field is not on screen:\n%s", out)
			}
			golden.RequireEqual(t, out)
		})
		t.Run("delete"+size, func(t *testing.T) {
			m := loaded(t, sz[0], sz[1])
			press(m, "x")
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
		t.Run("groups"+size, func(t *testing.T) {
			m := loaded(t, sz[0], sz[1])
			press(m, "+")
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
	}
}

func selectedLabels(ds []profiles.Device) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Label)
	}
	return out
}

// TestKindViewsSelectOnlyWhatTheyShow: the default view lists device tokens
// only, so A never selects a Live Activity token for an alert; L lists the
// Live Activity tokens, A there selects those of this environment, and
// switching clears the selection, so it never mixes kinds.
func TestKindViewsSelectOnlyWhatTheyShow(t *testing.T) {
	m := loaded(t, 100, 20)
	if len(m.shown) != 5 {
		t.Fatalf("the device view shows %d rows, want the 5 device tokens", len(m.shown))
	}
	sel := lastSelection(t, press(m, "A"))
	if len(sel.Devices) != 4 {
		t.Fatalf("A in the device view selected %v, want the 4 development devices", selectedLabels(sel.Devices))
	}
	for _, d := range sel.Devices {
		if isLive(d) {
			t.Fatalf("A in the device view selected the Live Activity token %q", d.Label)
		}
	}
	if v := ansi.Strip(m.View()); !strings.HasPrefix(v, "Devices ") {
		t.Errorf("header of the device view:\n%s", v)
	}

	// L: the Live Activity tokens; the 4 devices are no longer selected.
	sel = lastSelection(t, press(m, "L"))
	if len(sel.Devices) != 0 || len(m.Selected()) != 0 {
		t.Fatalf("switching the view kept %v selected", selectedLabels(m.Selected()))
	}
	if !strings.Contains(m.note, "selection cleared (4 devices)") {
		t.Errorf("switching should say the selection was cleared: %q", m.note)
	}
	v := ansi.Strip(m.View())
	if !strings.HasPrefix(v, "Live Activity tokens ") || !strings.Contains(v, "2 here · 3 in the book · 0 selected") {
		t.Errorf("header of the Live Activity view:\n%s", v)
	}
	if !strings.Contains(v, "start DeliveryAttributes ") || !strings.Contains(v, "update DeliveryAttributes ") || strings.Contains(v, "Anna's iPhone") {
		t.Errorf("the Live Activity view should list the tokens with their kind, and no device:\n%s", v)
	}
	if !strings.Contains(v, "push-to-start token · DeliveryAttributes") {
		t.Errorf("the line under the table should name the kind under the cursor:\n%s", v)
	}
	sel = lastSelection(t, press(m, "A"))
	got := selectedLabels(sel.Devices)
	if len(got) != 2 || got[0] != "iPhone 15 · push-to-start" || got[1] != "Order 1042 activity" || sel.Env != certs.Development {
		t.Fatalf("A in the Live Activity view selected %v, want the 2 development Live Activity tokens", got)
	}
	if m.note != "selected 2 Live Activity tokens" {
		t.Errorf("note = %q", m.note)
	}
	// The group picker lists this view's groups only.
	press(m, "+")
	if m.mode != modeGroups || len(m.groups) != 1 || m.groups[0].name != "live-activity" || m.groups[0].n != 2 {
		t.Fatalf("groups in the Live Activity view: %+v", m.groups)
	}
	press(m, "esc")

	// Back to devices: cleared again, and A selects the devices alone.
	sel = lastSelection(t, press(m, "L"))
	if len(sel.Devices) != 0 || !strings.Contains(m.note, "selection cleared (2 Live Activity tokens)") {
		t.Fatalf("switching back: %v, note %q", selectedLabels(sel.Devices), m.note)
	}
	press(m, "+")
	if len(m.groups) != 2 {
		t.Errorf("the device view's group picker lists %+v, want ipad and qa", m.groups)
	}
	press(m, "esc")
	if sel = lastSelection(t, press(m, "A")); len(sel.Devices) != 4 {
		t.Errorf("A after switching back selected %v", selectedLabels(sel.Devices))
	}
}

func TestKindKeyInHelp(t *testing.T) {
	m := loaded(t, 100, 20)
	help := func() string {
		var s []string
		for _, b := range m.ShortHelp() {
			s = append(s, b.Help().Key+" "+b.Help().Desc)
		}
		return strings.Join(s, " | ")
	}
	if h := help(); !strings.Contains(h, "L Live Activity tokens") {
		t.Errorf("help of the device view: %s", h)
	}
	press(m, "L")
	if h := help(); !strings.Contains(h, "L device tokens") {
		t.Errorf("help of the Live Activity view: %s", h)
	}
	var full []string
	for _, col := range m.FullHelp() {
		for _, b := range col {
			full = append(full, b.Help().Key)
		}
	}
	if !slices.Contains(full, "L") {
		t.Errorf("? does not list L: %v", full)
	}
}

// TestAddFromTheLiveViewAddsADevice: the form adds device tokens, as before,
// and says where the new one is.
func TestAddFromTheLiveViewAddsADevice(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, 100, 20, store)
	m.Update(m.Init()())
	press(m, "L", "a")
	for _, k := range common.Type("Test phone") {
		m.Update(k)
	}
	press(m, "tab")
	m.Update(tea.PasteMsg{Content: tok("a")})
	msgs := press(m, "enter")
	if len(msgs) != 1 {
		t.Fatalf("save: %v (form error %q)", msgs, m.form.err)
	}
	_, cmd := m.Update(msgs[0])
	m.Update(cmd())
	ds, _ := store.Devices()
	if len(ds) != 1 || ds[0].Kind != profiles.KindDevice {
		t.Fatalf("book = %+v", ds)
	}
	if !strings.Contains(m.note, "added Test phone") || !strings.Contains(m.note, "a device token: L shows them") {
		t.Errorf("note = %q", m.note)
	}
	if len(m.shown) != 0 {
		t.Errorf("the Live Activity view lists the new device")
	}
}

func TestKindViewGolden(t *testing.T) {
	for _, sz := range [][2]int{{60, 11}, {80, 24}, {120, 40}} {
		t.Run("live_"+strconv.Itoa(sz[0])+"x"+strconv.Itoa(sz[1]), func(t *testing.T) {
			m := loaded(t, sz[0], sz[1])
			press(m, "L", "space")
			out := ansi.Strip(m.View())
			for _, l := range strings.Split(out, "\n") {
				if ansi.StringWidth(l) > sz[0] {
					t.Fatalf("a line is %d wide: %q", ansi.StringWidth(l), l)
				}
			}
			golden.RequireEqual(t, out)
		})
	}
}
