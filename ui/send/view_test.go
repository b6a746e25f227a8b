package send

import (
	tea "charm.land/bubbletea/v2"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

var t0 = time.Date(2025, 11, 14, 10, 30, 0, 0, time.UTC)

// fakeResult is a result as the engine gives it: i%10 decides the outcome.
func fakeResult(i int) push.Result {
	r := push.Result{
		Index: i, Token: fmt.Sprintf("%064x", i+1), Label: fmt.Sprintf("device %d", i),
		Status: 200, ApnsID: fmt.Sprintf("5A1C0E7E-0000-4000-8000-%012d", i), ApnsUniqueID: fmt.Sprintf("9b1f3c2e-0000-4000-8000-%012d", i),
		Latency: time.Duration(8+i%13) * time.Millisecond, Attempts: 1, Window: 1000,
		Request: push.Exchange{Headers: map[string]string{":path": "/3/device/" + fmt.Sprintf("%064x", i+1), "apns-topic": "com.example.app", "apns-push-type": "alert"}, Body: []byte(`{"aps":{"alert":"hello"}}`)},
	}
	switch i % 10 {
	case 3:
		r.Status, r.Reason, r.ApnsUniqueID = 400, "BadDeviceToken", ""
		r.Response = push.Exchange{Headers: map[string]string{"apns-id": r.ApnsID}, Body: []byte(`{"reason":"BadDeviceToken"}`)}
	case 7:
		r.Status, r.Reason, r.ApnsUniqueID = 410, "Unregistered", ""
		r.UnregisteredAt = time.Date(2025, 11, 12, 8, 0, 0, 0, time.UTC)
	case 9:
		r.Status, r.Class, r.Err, r.ApnsID, r.ApnsUniqueID, r.Attempts = 0, "timeout", errors.New("no answer within 30s"), "", "", 3
		r.Window = 500 // the engine backed off
	}
	return r
}

// runningModel is a Send screen in the middle of a run of total devices
// with n results in, without any network.
func runningModel(tb testing.TB, w, h, total, n int) *Model {
	tb.Helper()
	p := profiles.Profile{Name: "demo-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthCertificate}
	m := New(common.Common{Width: w, Height: h, Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
	m.SetClock(func() time.Time { return t0.Add(2500 * time.Millisecond) })
	m.runs = 1
	m.run = runInfo{id: 1, batch: "20251114T103000Z-1", profile: p, started: t0,
		out: common.Outgoing{Body: `{"aps":{"alert":"hello"}}`, Headers: payload.Headers{PushType: payload.Alert}}}
	m.phase = phaseRunning
	m.total = total
	m.table.Follow = true
	rs := make([]push.Result, n)
	for i := range rs {
		rs[i] = fakeResult(i)
	}
	m.gotResults(resultsMsg{run: 1, results: rs})
	m.retries.Add(4)
	m.retried = 4
	return m
}

func plain(s string) string { return ansi.Strip(s) }

func TestSendGolden(t *testing.T) {
	for _, sz := range [][2]int{{60, 11}, {80, 24}, {120, 40}} {
		suffix := "_" + strconv.Itoa(sz[0]) + "x" + strconv.Itoa(sz[1])
		t.Run("in_progress"+suffix, func(t *testing.T) {
			m := runningModel(t, sz[0], sz[1], 100, 37)
			golden.RequireEqual(t, plain(m.View()))
		})
		t.Run("finished_mixed"+suffix, func(t *testing.T) {
			m := runningModel(t, sz[0], sz[1], 20, 20)
			m.gotResults(resultsMsg{run: 1, closed: true})
			m.table.SetCursor(3)
			golden.RequireEqual(t, plain(m.View()))
		})
		t.Run("detail"+suffix, func(t *testing.T) {
			m := runningModel(t, sz[0], sz[1], 20, 20)
			m.gotResults(resultsMsg{run: 1, closed: true})
			m.table.SetCursor(3)
			m.Update(common.KeyPress("enter"))
			golden.RequireEqual(t, plain(m.View()))
		})
		t.Run("summary"+suffix, func(t *testing.T) {
			p := profiles.Profile{Name: "shop-prod", Environment: certs.Production, Topic: "com.example.app", Auth: certs.AuthToken}
			m := New(common.Common{Width: sz[0], Height: sz[1], Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
			m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert, Priority: 10})})
			m.Update(common.SelectionChangedMsg{Env: certs.Production, Devices: []profiles.Device{
				{Label: "Anna's iPhone", Token: strings.Repeat("a", 64), Environment: certs.Production},
				{Label: "Ben's iPad", Token: strings.Repeat("b", 64), Environment: certs.Production}}})
			m.Update(common.KeyPress("enter"))
			golden.RequireEqual(t, plain(m.View()))
		})
		t.Run("paste_tokens"+suffix, func(t *testing.T) {
			p := profiles.Profile{Name: "app-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthToken}
			m := New(common.Common{Width: sz[0], Height: sz[1], Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
			m.Update(common.KeyPress("t"))
			m.Update(tea.PasteMsg{Content: strings.Repeat("ab", 32) + "\n<1234>"})
			m.Update(common.KeyPress("enter"))
			golden.RequireEqual(t, plain(m.View()))
		})
		t.Run("password"+suffix, func(t *testing.T) {
			p := profiles.Profile{Name: "app-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthCertificate}
			m := New(common.Common{Width: sz[0], Height: sz[1], Styles: common.DefaultStyles(true, true), Active: &p, CredErr: common.ErrNeedsPassword})
			m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert})})
			m.Update(common.KeyPress("enter"))
			for _, k := range common.Type("secret") {
				m.Update(k)
			}
			out := plain(m.View())
			if strings.Contains(out, "secret") {
				t.Fatal("the password is on screen")
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestTableIsVirtualizedAndNavigates(t *testing.T) {
	m := runningModel(t, 120, 40, 100000, 100000)
	if m.table.Cursor() != 99999 {
		t.Fatalf("following the stream, cursor = %d", m.table.Cursor())
	}
	from, to := m.table.Visible()
	if to-from > 40 {
		t.Fatalf("%d rows rendered", to-from)
	}
	m.Update(common.KeyPress("home"))
	if m.table.Cursor() != 0 || !strings.Contains(plain(m.View()), "device 0 ") {
		t.Error("home should show the first row")
	}
	m.Update(common.KeyPress("pgdown"))
	if c := m.table.Cursor(); c < 30 {
		t.Errorf("pgdown moved to %d", c)
	}
	m.Update(common.KeyPress("j"))
	m.Update(common.KeyPress("k"))
	m.Update(common.KeyPress("end"))
	if m.table.Cursor() != 99999 || !strings.Contains(plain(m.View()), "device 99999") {
		t.Error("end should show the last row")
	}
	if !strings.Contains(plain(m.View()), "100000 / 100000") {
		t.Error("progress count missing")
	}
}

func TestSaveResultsJSONLAndCSV(t *testing.T) {
	dir := t.TempDir()
	rs := []push.Result{fakeResult(0), fakeResult(3), fakeResult(9)}
	for _, name := range []string{"r.jsonl", "r.csv"} {
		n, err := writeResults(dir+"/"+name, rs, "b1")
		if err != nil || n != 3 {
			t.Fatalf("%s: %d %v", name, n, err)
		}
	}
}

// BenchmarkSendView100k is View with 100,000 results: only the visible
// rows are drawn, so it costs the same as with 100.
func BenchmarkSendView100k(b *testing.B) {
	for _, n := range []int{100, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			m := runningModel(b, 120, 40, n, n)
			m.table.SetCursor(n / 2)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				_ = m.View()
			}
		})
	}
}

// BenchmarkSendUpdate10k feeds 10,000 results one message each (the worst
// case: the listener usually batches them), as Update sees a stream.
func BenchmarkSendUpdate10k(b *testing.B) {
	rs := make([][]push.Result, 10000)
	for i := range rs {
		rs[i] = []push.Result{fakeResult(i)}
	}
	b.ReportAllocs()
	for range b.N {
		m := runningModel(b, 120, 40, 10000, 0)
		for _, r := range rs {
			m.Update(resultsMsg{run: 1, results: r})
		}
		if len(m.results) != 10000 {
			b.Fatal(len(m.results))
		}
	}
}

// TestLabelsAlign: in the summary and in a result's detail every value
// starts in the same column, the environment's badge included (it brings
// its own padding).
func TestLabelsAlign(t *testing.T) {
	valueCol := func(line, label string) int {
		rest := strings.TrimPrefix(line, label)
		return ansi.StringWidth(label) + ansi.StringWidth(rest) - ansi.StringWidth(strings.TrimLeft(rest, " "))
	}
	check := func(what, view string, indent string, labels ...string) {
		t.Helper()
		col := -1
		for _, l := range strings.Split(plain(view), "\n") {
			for _, label := range labels {
				if !strings.HasPrefix(l, indent+label+" ") {
					continue
				}
				c := valueCol(l, indent+label)
				if col < 0 {
					col = c
				}
				if c != col {
					t.Errorf("%s: the value of %q starts at column %d, the others at %d:\n%s", what, label, c, col, plain(view))
				}
			}
		}
		if col < 0 {
			t.Fatalf("%s: no labels found:\n%s", what, plain(view))
		}
	}
	for _, env := range []certs.Environment{certs.Development, certs.Production} {
		p := profiles.Profile{Name: "shop", Environment: env, Topic: "com.example.app", Auth: certs.AuthToken, Host: "https://127.0.0.1:2197"}
		m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
		m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert})})
		m.Update(common.SelectionChangedMsg{Env: env, Devices: []profiles.Device{{Label: "a", Token: strings.Repeat("a", 64), Environment: env}}})
		check("summary "+string(env), m.View(), "  ", "profile", "environment", "host", "topic", "push type", "payload", "devices")
	}
	m := runningModel(t, 80, 24, 20, 20)
	m.gotResults(resultsMsg{run: 1, closed: true})
	m.table.SetCursor(3)
	m.Update(common.KeyPress("enter"))
	check("detail", m.View(), "", "device", "token", "environment", "status", "attempts", "apns-id", "apns-unique-id")
}

// TestProgressShowsTheWindow: the progress line shows the engine's
// in-flight window of the newest result, following it down and up, and
// fits 60 columns (cut with … when the counts are long).
func TestProgressShowsTheWindow(t *testing.T) {
	m := runningModel(t, 60, 16, 100, 0)
	if l := plain(m.progressLine()); strings.Contains(l, "window") {
		t.Errorf("no result yet, but the line shows a window: %q", l)
	}
	for _, c := range []struct {
		window int
		want   string
	}{{1000, "window 1000"}, {1, "window 1"}, {320, "window 320"}} {
		r := fakeResult(len(m.results))
		r.Window = c.window
		m.gotResults(resultsMsg{run: 1, results: []push.Result{r}})
		lines := strings.Split(plain(m.View()), "\n")
		if len(lines) < 2 || !strings.HasSuffix(strings.TrimRight(lines[1], " "), c.want) {
			t.Errorf("window %d: progress line %q, want it to end in %q", c.window, lines[1], c.want)
		}
		if w := ansi.StringWidth(lines[1]); w > 60 {
			t.Errorf("progress line is %d cells wide at 60: %q", w, lines[1])
		}
	}
	m = runningModel(t, 60, 16, 100000, 3)
	m.total = 100000000000
	l := strings.Split(plain(m.View()), "\n")[1]
	if ansi.StringWidth(l) > 60 || !strings.HasSuffix(strings.TrimRight(l, " "), "…") {
		t.Errorf("a long progress line should be cut with … at 60: %q", l)
	}
}
