package send

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/ui/internal/uitest"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// historyCount is how many entries of batch History holds.
func historyCount(t testing.TB, s *profiles.Store, batch string) int {
	t.Helper()
	n, err := s.HistoryCount(profiles.HistoryFilter{Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// untilRecorded runs cmd's Cmds, feeding their messages back (opening
// History), until a write answers; it returns that answer unfed.
func untilRecorded(m *Model, cmd tea.Cmd) *recordedMsg {
	queue := uitest.RunCmds(cmd)
	for len(queue) > 0 {
		msg := queue[0]
		queue = queue[1:]
		switch msg := msg.(type) {
		case recordedMsg:
			return &msg
		case histOpenedMsg:
			_, next := m.Update(msg)
			queue = append(queue, uitest.RunCmds(next)...)
		}
	}
	return nil
}

// TestRowsAppearOnlyOnceCommitted: printed ⇒ recorded in the console. A
// batch of results that arrived is not drawn (no row, no count) until the
// write that commits it has answered; then it is drawn, and History has it.
func TestRowsAppearOnlyOnceCommitted(t *testing.T) {
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "demo-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthCertificate}
	m := New(common.Common{Width: 120, Height: 30, Styles: common.DefaultStyles(true, true), Store: store, Active: &p, Cred: &certs.Credential{}})
	m.runs = 1
	m.run = runInfo{id: 1, batch: "20251114T103000Z-1", profile: p, started: t0,
		out: common.Outgoing{Body: `{"aps":{"alert":"hello"}}`, Headers: payload.Headers{PushType: payload.Alert}}}
	m.run.send = newSend(m.run)
	m.phase, m.total = phaseRunning, 3
	rs := []push.Result{fakeResult(0), fakeResult(1), fakeResult(2)}

	_, cmd := m.Update(resultsMsg{run: 1, results: rs, closed: true})
	if len(m.results) != 0 || m.okN+m.failN+m.cancelN != 0 || m.phase != phaseRunning {
		t.Fatalf("drawn before the commit: %d rows, ok %d failed %d, phase %v", len(m.results), m.okN, m.failN, m.phase)
	}
	if v := plain(m.View()); strings.Contains(v, rs[0].Label) {
		t.Fatalf("a row is on screen before its commit:\n%s", v)
	}
	if n := historyCount(t, store, m.run.batch); n != 0 {
		t.Fatalf("History has %d entries before the write ran", n)
	}
	// Run the write (the IO of the Cmds), then feed its answer.
	rec := untilRecorded(m, cmd)
	if rec == nil {
		t.Fatal("no write was started for the results")
	}
	if n := historyCount(t, store, m.run.batch); n != len(rs) {
		t.Fatalf("History has %d entries after the write, want %d", n, len(rs))
	}
	m.Update(*rec)
	if len(m.results) != len(rs) || m.phase != phaseDone {
		t.Fatalf("after the commit: %d rows, phase %v", len(m.results), m.phase)
	}
	if v := plain(m.View()); !strings.Contains(v, rs[0].Label) {
		t.Fatalf("the committed rows are not drawn:\n%s", v)
	}
}

// TestEveryRowShownIsInHistory sends for real (TLS + HTTP/2 to apnstest)
// to 1,500 devices and checks after every message the screen handles that
// each row it counts is already in History.
func TestEveryRowShownIsInHistory(t *testing.T) {
	srv, p, cred := certServer(t, apnstest.Config{})
	defer srv.Close()
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Store: store, Active: &p, Cred: cred})
	m.SetClock(func() time.Time { return time.Now() })
	d := newDriver(t, m)
	n := 1500
	if testing.Short() {
		n = 400
	}
	var devs []profiles.Device
	for i := range n {
		devs = append(devs, profiles.Device{Label: fmt.Sprintf("d%04d", i), Token: fmt.Sprintf("%064x", i+1), Environment: certs.Development})
	}
	checks := 0
	d.after = func() {
		shown := m.okN + m.failN + m.cancelN
		if shown == 0 || m.run.batch == "" {
			return
		}
		checks++
		if in := historyCount(t, store, m.run.batch); shown > in || len(m.results) > in {
			t.Fatalf("%d rows shown (%d counted) but History has %d", len(m.results), shown, in)
		}
	}
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"x"}}`, payload.Headers{PushType: payload.Alert})})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: devs})
	d.send(common.KeyPress("enter"))
	d.until("the send and its records", d.idle)
	if len(m.results) != n || historyCount(t, store, m.run.batch) != n {
		t.Fatalf("%d rows, %d in History, for %d devices", len(m.results), historyCount(t, store, m.run.batch), n)
	}
	if checks == 0 {
		t.Fatal("the invariant was never checked")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}
