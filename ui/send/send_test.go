package send

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"go.uber.org/goleak"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// driver runs a model like the program does: every Cmd in a goroutine,
// every message back into Update on this goroutine, until cond holds.
type driver struct {
	t  testing.TB
	m  *Model
	ch chan tea.Msg
	// seen keeps the messages for other screens (PayloadChanged, ...).
	seen []tea.Msg
	// after, if set, runs after every Update (an invariant to check).
	after func()
}

func newDriver(t testing.TB, m *Model) *driver {
	return &driver{t: t, m: m, ch: make(chan tea.Msg, 1024)}
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.ch <- cmd() }()
}

func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	case common.DevicesChangedMsg, common.HistoryChangedMsg, common.ErrorMsg, common.StatusMsg, common.PasswordMsg:
		d.seen = append(d.seen, msg)
		if e, ok := msg.(common.ErrorMsg); ok {
			d.t.Errorf("error shown: %v", e.Err)
		}
		return
	}
	_, cmd := d.m.Update(msg)
	if d.after != nil {
		d.after()
	}
	d.run(cmd)
}

func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case msg := <-d.ch:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s (phase %v, %d results)", what, d.m.phase, len(d.m.results))
		}
	}
}

// idle is true when the run is done and every record is written.
func (d *driver) idle() bool {
	r := d.m.rec
	return d.m.phase == phaseDone && !r.writing && !r.opening && len(r.pending) == 0 && len(r.shows) == 0 && r.h == nil
}

type demoWorld struct {
	demo  *apnstest.Demo
	cred  *certs.Credential
	store *profiles.Store
	dev   profiles.Profile
}

func newDemoWorld(t *testing.T) *demoWorld {
	t.Helper()
	demo, err := apnstest.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	cred, err := certs.Load(demo.CertPath, certs.Options{Password: demo.CertPassword})
	if err != nil {
		t.Fatal(err)
	}
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	w := &demoWorld{demo: demo, cred: cred, store: store}
	w.dev = profiles.Profile{Name: "demo-dev", CertPath: demo.CertPath, Auth: certs.AuthCertificate, Environment: certs.Development,
		Topic: demo.Topic, Host: demo.Development.URL(), ServerCA: demo.ServerCAPath}
	prod := w.dev
	prod.Name, prod.Environment, prod.Host = "demo-prod", certs.Production, demo.Production.URL()
	for _, p := range []profiles.Profile{w.dev, prod} {
		if err := store.SaveProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	for _, dd := range demo.Devices {
		if _, _, err := store.AddDevice(profiles.Device{Label: dd.Label, Token: dd.Token, Environment: dd.Environment}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w *demoWorld) devices(t *testing.T, env certs.Environment) []profiles.Device {
	ds, err := w.store.Devices()
	if err != nil {
		t.Fatal(err)
	}
	var out []profiles.Device
	for _, d := range ds {
		if d.Environment == env {
			out = append(out, d)
		}
	}
	return out
}

// certServer starts an apnstest server for development that trusts a new
// test CA, and returns it with a profile and a client certificate for it.
// cfg's Environment and ClientCAs are filled in; the caller closes srv.
func certServer(t *testing.T, cfg apnstest.Config) (*apnstest.Server, profiles.Profile, *certs.Credential) {
	t.Helper()
	ca, err := certgen.NewCA("send test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Client(certgen.ClientSpec{Topic: "com.example.app", Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Environment, cfg.ClientCAs = certs.Development, ca.Pool()
	srv, err := apnstest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	caPath := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caPath, srv.CAPEM(), 0o600); err != nil {
		srv.Close()
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "t", Environment: certs.Development, Topic: "com.example.app", Host: srv.URL(), ServerCA: caPath}
	return srv, p, &certs.Credential{Kind: certs.AuthCertificate, TLS: &cert}
}

func outgoing(body string, h payload.Headers) common.Outgoing {
	return common.Outgoing{Body: body, Headers: h, Report: payload.Validate([]byte(body), payload.Options{Headers: h})}
}

// TestSendThroughTheDemoServer sends for real: push.Client over TLS and
// HTTP/2 to a local apnstest server, results streamed into the table, each
// written to History and to the device book.
func TestSendThroughTheDemoServer(t *testing.T) {
	w := newDemoWorld(t)
	m := New(common.Common{Width: 120, Height: 30, Styles: common.DefaultStyles(true, true), Store: w.store, Active: &w.dev, Cred: w.cred})
	d := newDriver(t, m)
	devs := w.devices(t, certs.Development)
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert})})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: devs})
	d.send(common.KeyPress("enter"))
	if m.phase != phaseRunning {
		t.Fatalf("enter should start the send; note %q", m.note)
	}
	d.until("the send and its records", d.idle)

	if len(m.results) != len(devs) || m.okN+m.failN != len(devs) {
		t.Fatalf("%d results for %d devices (ok %d failed %d)", len(m.results), len(devs), m.okN, m.failN)
	}
	byLabel := map[string]push.Result{}
	for _, r := range m.results {
		byLabel[r.Label] = r
	}
	for _, dd := range w.demo.Devices {
		if dd.Environment != certs.Development {
			continue
		}
		r := byLabel[dd.Label]
		if dd.Expect == "" && !r.OK() || dd.Expect != "" && r.Reason != dd.Expect {
			t.Errorf("%s: got %d %s, want %q", dd.Label, r.Status, r.Reason, dd.Expect)
		}
	}
	// History has every result of the batch.
	hist, err := w.store.QueryHistory(profiles.HistoryFilter{Batch: m.run.batch})
	if err != nil || len(hist) != len(devs) {
		t.Fatalf("history: %d entries, err %v", len(hist), err)
	}
	// The device book has each last result; the uninstalled one is dead with Apple's date.
	book := w.devices(t, certs.Development)
	for _, dv := range book {
		if dv.Last == nil {
			t.Errorf("%s has no last result", dv.Label)
		}
		if dv.Label == "iPad Air (uninstalled)" && dv.UnregisteredAt.IsZero() {
			t.Errorf("%s not marked Unregistered", dv.Label)
		}
	}
	// The notice is its own Cmd beside the recorder's next step, so it can
	// arrive after the records are all written: wait for it.
	d.until("the Devices screen told to reload", func() bool {
		for _, msg := range d.seen {
			if _, ok := msg.(common.DevicesChangedMsg); ok {
				return true
			}
		}
		return false
	})

	// r resends to the failed only, and skips the 410 Unregistered ones
	// ("stop sending to this token"), saying how many.
	failed, gone := m.failN, 0
	for _, r := range m.results {
		if r.Status == 410 {
			gone++
		}
	}
	if gone == 0 {
		t.Fatal("the demo world has no Unregistered device: the test proves nothing")
	}
	d.send(common.KeyPress("r"))
	if !strings.Contains(m.note, fmt.Sprintf("skipped %s that answered 410", count(gone, "device"))) {
		t.Errorf("the resend does not say it skipped the 410s: %q", m.note)
	}
	d.until("the resend", d.idle)
	if m.total != failed-gone || len(m.results) != failed-gone {
		t.Errorf("resend went to %d devices, want the %d failed less the %d Unregistered", m.total, failed, gone)
	}

	// The BadDeviceToken device, tried on production (an opt-in real send), is accepted there.
	for i, r := range m.results {
		if r.Reason == "BadDeviceToken" {
			m.table.SetCursor(i)
			d.send(common.KeyPress("enter"))
			d.send(common.KeyPress("o"))
			if !strings.Contains(m.View(), "This is a real send") {
				t.Errorf("o should ask first:\n%s", m.View())
			}
			d.send(common.KeyPress("y"))
			d.until("the other-environment try", func() bool { o, ok := m.other[i]; return ok && o.index >= 0 })
			if o := m.other[i]; o.err != nil || !o.result.OK() || o.env != certs.Production {
				t.Errorf("production try: %+v", o)
			}
			if v := m.View(); !strings.Contains(v, "production accepted it") {
				t.Errorf("detail should say production accepted it:\n%s", v)
			}
			d.until("the try's record", d.idle)
			hist, _ := w.store.QueryHistory(profiles.HistoryFilter{Device: r.Token})
			if len(hist) == 0 || hist[0].Environment != certs.Production || hist[0].Status != 200 {
				t.Errorf("the production try is not in history first: %+v", hist)
			}
			// One key moves the device to production (it took five).
			if !strings.Contains(m.View(), "press m to move") {
				t.Errorf("m is not offered:\n%s", m.View())
			}
			d.send(common.KeyPress("m"))
			d.until("the move", func() bool { return m.moved[r.Token] || strings.Contains(m.note, "could not move") })
			moved := false
			for _, dv := range w.devices(t, certs.Production) {
				moved = moved || dv.Token == r.Token
			}
			for _, dv := range w.devices(t, certs.Development) {
				if dv.Token == r.Token {
					t.Error("the device is still in development")
				}
			}
			if !moved {
				t.Errorf("the device was not moved to production (note %q)", m.note)
			}
		}
	}
}

// TestCancelGivesEveryDeviceAResult cancels a slow send: the devices not yet
// sent still each get a result, cancelled.
func TestCancelGivesEveryDeviceAResult(t *testing.T) {
	srv, p, cred := certServer(t, apnstest.Config{Faults: apnstest.Faults{Latency: 30 * time.Millisecond}})
	defer srv.Close()
	m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: cred})
	d := newDriver(t, m)
	var devs []profiles.Device
	for i := range 500 {
		devs = append(devs, profiles.Device{Label: fmt.Sprintf("d%03d", i), Token: fmt.Sprintf("%064x", i+1), Environment: certs.Development})
	}
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"x"}}`, payload.Headers{PushType: payload.Alert})})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: devs})
	d.send(common.KeyPress("enter"))
	d.until("first results", func() bool { return len(m.results) > 0 })
	if !m.WantsEsc() {
		t.Error("a running send should want esc")
	}
	d.send(common.KeyPress("esc"))
	d.until("the end of the cancelled send", func() bool { return m.phase == phaseDone })
	if len(m.results) != len(devs) {
		t.Fatalf("%d results for %d devices", len(m.results), len(devs))
	}
	seen := map[string]bool{}
	for _, r := range m.results {
		if seen[r.Token] {
			t.Fatalf("two results for %s", r.Label)
		}
		seen[r.Token] = true
	}
	if m.cancelN == 0 || m.okN+m.failN+m.cancelN != len(devs) {
		t.Errorf("ok %d failed %d cancelled %d", m.okN, m.failN, m.cancelN)
	}
	m.Close()
}

func TestBlockersSayWhereToFix(t *testing.T) {
	p := profiles.Profile{Name: "p", Environment: certs.Development, Topic: "com.example.app"}
	cred := &certs.Credential{}
	m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: cred})
	m.Update(common.PayloadChangedMsg{Out: common.Outgoing{Body: `{"aps":`, Report: payload.Validate([]byte(`{"aps":`), payload.Options{}), ErrLine: 1, ErrColumn: 8}})
	m.Update(common.SelectionChangedMsg{Env: certs.Development, Devices: []profiles.Device{{Label: "a", Token: strings.Repeat("a", 64), Environment: certs.Development}}})
	_, cmd := m.Update(common.KeyPress("enter"))
	if cmd != nil || m.phase != phaseReady {
		t.Fatal("a lint error must block the send")
	}
	if !strings.Contains(m.note, "line 1:8") || !strings.Contains(m.note, "Payload screen (3)") {
		t.Errorf("blocker should say where to fix: %q", m.note)
	}
	// Production needs one more key.
	p.Environment = certs.Production
	m.SetCommon(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: cred})
	m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"x"}}`, payload.Headers{PushType: payload.Alert})})
	m.Update(common.SelectionChangedMsg{Env: certs.Production, Devices: []profiles.Device{{Label: "a", Token: strings.Repeat("a", 64), Environment: certs.Production}}})
	m.Update(common.KeyPress("enter"))
	if m.phase != phaseConfirm || !strings.Contains(m.View(), "PRODUCTION") {
		t.Fatalf("production should ask first; phase %v", m.phase)
	}
	m.Update(common.KeyPress("esc"))
	if m.phase != phaseReady {
		t.Error("esc should go back without sending")
	}
}

// TestProductionResendShowsWhatItSends: r after a production run asks
// first, and the question shows the failed devices and the run's payload
// (not the selection, not an edit made since); esc returns to the results.
func TestProductionResendShowsWhatItSends(t *testing.T) {
	p := profiles.Profile{Name: "prod", Environment: certs.Production, Topic: "com.example.app"}
	c := common.Common{Width: 100, Height: 30, Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}}
	m := New(c)
	sent := outgoing(`{"aps":{"alert":"the one sent"}}`, payload.Headers{PushType: payload.Alert})
	devs := []profiles.Device{
		{Label: "accepted-one", Token: strings.Repeat("a", 64), Environment: certs.Production},
		{Label: "failed-one", Token: strings.Repeat("b", 64), Environment: certs.Production},
	}
	m.Update(common.SelectionChangedMsg{Env: certs.Production, Devices: devs})
	m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"edited since, much longer than before"}}`, payload.Headers{PushType: payload.Alert})})
	m.run = runInfo{id: 1, profile: p, out: sent, devices: devs}
	m.results = []push.Result{{Label: "accepted-one", Token: devs[0].Token, Status: 200}, {Label: "failed-one", Token: devs[1].Token, Status: 400, Reason: "BadDeviceToken"}}
	m.phase = phaseDone
	m.table.SetRows(2)

	if _, cmd := m.Update(common.KeyPress("r")); cmd != nil || m.phase != phaseConfirm {
		t.Fatalf("r in production must ask first (phase %v)", m.phase)
	}
	v := ansi.Strip(m.View())
	for _, want := range []string{"failed devices of run 1", "devices     1: failed-one", fmt.Sprintf("%d / 4096 bytes", len(sent.Body)), "This sends to 1 real device"} {
		if !strings.Contains(v, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "accepted-one") {
		t.Errorf("the accepted device is not resent, so not listed:\n%s", v)
	}
	m.Update(common.KeyPress("esc"))
	if m.phase != phaseDone || !strings.Contains(ansi.Strip(m.View()), "failed-one") {
		t.Errorf("esc should go back to the results (phase %v)", m.phase)
	}
}

// TestCloseWithoutWaitingAccountsForEveryResult is the quit that could not
// wait (the bound ran out, a second ctrl+c): Close cancels and drains the
// batch so no worker is left, writes what it read, and any result that did
// not reach History is counted in its error, never lost silently.
func TestCloseWithoutWaitingAccountsForEveryResult(t *testing.T) {
	before := goleak.IgnoreCurrent()
	srv, p, cred := certServer(t, apnstest.Config{MaxStreams: 32, Faults: apnstest.Faults{Latency: 300 * time.Millisecond}}) // 10 rounds of 300 ms: the send is still running when the first results are written, -race and a loaded machine included
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Store: store, Active: &p, Cred: cred})
	d := newDriver(t, m)
	var devs []profiles.Device
	for i := range 300 {
		devs = append(devs, profiles.Device{Label: fmt.Sprintf("d%03d", i), Token: fmt.Sprintf("%064x", i+1), Environment: certs.Development})
	}
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"x"}}`, payload.Headers{PushType: payload.Alert})})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: devs})
	d.send(common.KeyPress("enter"))
	d.until("some results written", func() bool { return m.rec.written > 0 && !m.rec.writing && !m.rec.opening })
	if m.phase != phaseRunning {
		t.Fatal("the send ended before the forced quit")
	}

	cerr := m.Close() // the program has ended: nothing drives the model any more
	srv.Close()
	goleak.VerifyNone(t, before, goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener")) // the store's, open until closed

	hist, err := store.QueryHistory(profiles.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range hist {
		if seen[e.Token] {
			t.Fatalf("%s is in history twice", e.Label)
		}
		seen[e.Token] = true
	}
	missing := len(devs) - len(hist)
	switch {
	case missing == 0 && cerr != nil:
		t.Errorf("every result is in history, yet Close says %v", cerr)
	case missing > 0 && (cerr == nil || !strings.Contains(cerr.Error(), fmt.Sprintf("%d send result(s) are not in History", missing))):
		t.Errorf("%d results are missing from history; Close says %v", missing, cerr)
	}
	t.Logf("history %d of %d; Close: %v", len(hist), len(devs), cerr)
}

// TestLateNoticesAreDropped: the editor and the device list announce changes
// through Cmds, which Bubble Tea runs concurrently, so an older notice can
// arrive after a newer one. The Send screen must keep the newest (this lost
// the last typed letter of a payload under load).
func TestLateNoticesAreDropped(t *testing.T) {
	p := profiles.Profile{Name: "p", Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 80, Height: 24, Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
	newer := outgoing(`{"aps":{"alert":"today"}}`, payload.Headers{PushType: payload.Alert})
	older := outgoing(`{"aps":{"alert":"toda"}}`, payload.Headers{PushType: payload.Alert})
	m.Update(common.PayloadChangedMsg{Out: newer, Seq: 7})
	m.Update(common.PayloadChangedMsg{Out: older, Seq: 6})
	if m.out.Body != newer.Body {
		t.Errorf("kept %s, want the newest edit %s", m.out.Body, newer.Body)
	}
	one := []profiles.Device{{Label: "a", Token: strings.Repeat("a", 64), Environment: certs.Development}}
	two := append(one, profiles.Device{Label: "b", Token: strings.Repeat("b", 64), Environment: certs.Development})
	m.Update(common.SelectionChangedMsg{Env: certs.Development, Devices: two, Seq: 3})
	m.Update(common.SelectionChangedMsg{Env: certs.Development, Devices: one, Seq: 2})
	if len(m.sel) != 2 {
		t.Errorf("kept a selection of %d, want the newest (2)", len(m.sel))
	}
}
