package send_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui"
	"github.com/pushdeck/pushdeck/ui/common"
	"github.com/pushdeck/pushdeck/ui/editor"
	"github.com/pushdeck/pushdeck/ui/send"
)

// TestDemoEndToEnd drives the real console over the demo world, built as
// `pushdeck demo` builds it (two local APNs servers over TLS + HTTP/2): pick
// a template and edit it, select the devices, send, read a failure's
// explanation, resend the failed ones, then load the payload back from
// History. What the screens showed is checked on the way; what was sent,
// recorded and marked is checked on the final model and on disk.
func TestDemoEndToEnd(t *testing.T) {
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	book, err := w.Store.Devices()
	if err != nil {
		t.Fatal(err)
	}
	// The development device tokens: what A selects on Devices (the Live
	// Activity tokens have their own view there).
	var devDevices int
	for _, d := range book {
		if d.Environment == certs.Development && (d.Kind == "" || d.Kind == profiles.KindDevice) {
			devDevices++
		}
	}
	// The template to pick, and where in it to type.
	ts := payload.TemplatesAt(time.Now())
	tpl := slices.IndexFunc(ts, func(t payload.Template) bool { return strings.Contains(t.Body, `"subtitle"`) })
	if tpl < 0 {
		t.Fatal("no template with a title and subtitle")
	}
	lines := strings.Split(ts[tpl].Body, "\n")
	titleLine := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, `"title"`) })
	titleEnd := len([]rune(strings.TrimRight(lines[titleLine], ","))) - 1 // before the closing quote
	title := strings.Split(lines[titleLine], `"`)[3]

	m := ui.New(ui.Options{Store: w.Store, Demo: true, Passwords: w.Passwords, NoColor: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	keys := func(ks ...string) {
		for _, k := range ks {
			tm.Send(common.KeyPress(k))
		}
	}
	// waitFor waits until the screen has shown each text, in this order.
	// The renderer writes only the cells that change ("run 1" becomes
	// "run 2" by one digit), so every check asks for a full repaint.
	waitFor := func(what ...string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			tm.Send(tea.ClearScreen())
			for _, s := range what {
				i := bytes.Index(b, []byte(s))
				if i < 0 {
					return false
				}
				b = b[i+len(s):]
			}
			return true
		}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(25*time.Millisecond))
	}
	waitFor("days left") // the active profile's credential is loaded

	// Payload: the template, then " today" typed at the end of its title.
	keys("3", "ctrl+t")
	for range tpl {
		keys("down")
	}
	keys("enter")
	waitFor("loaded")
	keys("enter", "ctrl+home")
	for range titleLine {
		keys("down")
	}
	keys("home")
	for range titleEnd {
		keys("right")
	}
	tm.Type(" today")
	keys("esc")
	waitFor("today")

	// Devices: every device token of the profile's environment. The book's
	// Live Activity tokens are in their own view (L), so select-all does not
	// reach them (a mismatch sent anyway is refused before sending:
	// TestLiveActivityMismatchIsRefusedBeforeSending).
	keys("4", "A")
	waitFor("selected 4 devices")
	// Send, and read the results.
	keys("5")
	waitFor("What will go out", "enter sends to 4 devices")
	keys("enter")
	waitFor("done:", "Unregistered", "BadDeviceToken", "DeviceTokenNotForTopic")

	// A failure's detail says what it means and how to fix it. The cursor
	// follows the last result; if that one was accepted, step back.
	keys("enter")
	var detail []byte
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		tm.Send(tea.ClearScreen())
		detail = append(detail[:0], b...)
		return bytes.Contains(b, []byte("What it means")) || bytes.Contains(b, []byte("APNs accepted"))
	}, teatest.WithDuration(10*time.Second))
	if !bytes.Contains(detail, []byte("What it means")) {
		keys("left")
		waitFor("What it means", "Fix:")
	}
	keys("esc", "r")
	waitFor("run 2", "done:") // done: only after run 2's line: the note is cleared when a run starts

	// History has both runs; R loads the payload back into the editor.
	keys("6")
	// Rows, not only the title: the list read before the sends may still
	// be on screen ("0 results") until the reload the sends asked for.
	waitFor("results, newest first", "Unregistered")
	keys("R")
	// The editor holds typed work (" today"): it asks before replacing it.
	waitFor("Replace your edited payload")
	keys("y")
	waitFor("loaded a past send")
	keys("q")

	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*ui.Model)
	defer final.Close()
	ed := final.Screen(2).(*editor.Model)
	if !strings.Contains(ed.Text(), title+" today") {
		t.Errorf("editor text after R:\n%s", ed.Text())
	}
	// Run 1 went to every development device; run 2 resent the failed ones.
	res := final.Screen(4).(*send.Model).Results()
	failed := 0
	for _, r := range res {
		if r.OK() {
			t.Errorf("the resend went to %s, which had accepted", r.Label)
		}
		failed++
		if !strings.Contains(string(r.Request.Body), title+" today") {
			t.Errorf("%s was sent %s", r.Label, r.Request.Body)
		}
	}
	if failed == 0 || failed >= devDevices {
		t.Fatalf("resend went to %d devices of %d", failed, devDevices)
	}
	hist, err := w.Store.QueryHistory(profiles.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != devDevices+failed {
		t.Errorf("history has %d results, want %d + %d", len(hist), devDevices, failed)
	}
	book, err = w.Store.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var dead int
	for _, d := range book {
		if !d.UnregisteredAt.IsZero() {
			dead++
		}
	}
	if dead == 0 {
		t.Error("the Unregistered device was not marked dead in the device book")
	}
}
