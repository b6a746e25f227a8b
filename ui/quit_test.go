package ui_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"go.uber.org/goleak"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui"
	"github.com/pushdeck/pushdeck/ui/common"
)

// quitWorld is a store whose active profile sends, with a certificate, to a
// slow local APNs server, and that knows devices of the development
// environment, each with an older last result in the device book.
type quitWorld struct {
	store   *profiles.Store
	srv     *apnstest.Server
	answers *atomic.Int64
	devices []profiles.Device
	before  time.Time // when the seeded last results are dated
}

func newQuitWorld(t *testing.T, devices int, faults apnstest.Faults) *quitWorld {
	t.Helper()
	ca, err := certgen.NewCA("quit test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Client(certgen.ClientSpec{Topic: "com.example.app", Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	w := &quitWorld{answers: new(atomic.Int64), before: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	w.srv, err = apnstest.Start(apnstest.Config{Environment: certs.Development, ServerCA: ca, ClientCAs: ca.Pool(), Faults: faults,
		OnResponse: func(apnstest.Response) { w.answers.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ck, err := certgen.PEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	certPath, caPath := filepath.Join(dir, "ck.pem"), filepath.Join(dir, "ca.pem")
	for path, data := range map[string][]byte{certPath: ck, caPath: ca.CertPEM()} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if w.store, err = profiles.Open(filepath.Join(dir, "home")); err != nil {
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "slow", CertPath: certPath, Auth: certs.AuthCertificate, Environment: certs.Development,
		Topic: "com.example.app", Host: w.srv.URL(), ServerCA: caPath, Password: profiles.PasswordSource{Kind: "none"}}
	if err := w.store.SaveProfile(p); err != nil {
		t.Fatal(err)
	}
	if err := w.store.SetActive(p.Name); err != nil {
		t.Fatal(err)
	}
	var list strings.Builder
	for i := range devices {
		fmt.Fprintf(&list, "%064x d%03d\n", i+1, i)
	}
	if _, err := w.store.ImportDevices([]byte(list.String()), certs.Development, nil); err != nil {
		t.Fatal(err)
	}
	if w.devices, err = w.store.Devices(); err != nil || len(w.devices) != devices {
		t.Fatalf("%d devices in the book, err %v", len(w.devices), err)
	}
	seed := make([]profiles.DeviceResult, len(w.devices))
	for i, d := range w.devices {
		seed[i] = profiles.DeviceResult{Token: d.Token, Status: 200, ApnsID: "EARLIER", At: w.before}
	}
	if err := w.store.RecordResults(certs.Development, seed); err != nil {
		t.Fatal(err)
	}
	return w
}

// console opens the real console on the world's store.
func (w *quitWorld) console(t *testing.T) (*ui.Model, *teatest.TestModel) {
	m := ui.New(ui.Options{Store: w.store, NoColor: true})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("days left")) },
		teatest.WithDuration(10*time.Second))
	return m, tm
}

// waitFor waits until the console shows text. The renderer writes only
// the cells that change, so each check asks for a full repaint.
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		tm.Send(tea.ClearScreen())
		return bytes.Contains(b, []byte(text))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// leakOptions ignore what a test's console leaves by design: Bubble Tea's
// timers (a tick that has not fired yet returns on its own), teatest's
// signal watcher, and whatever ran before the test.
func leakOptions(before goleak.Option) []goleak.Option {
	return []goleak.Option{before,
		// The store's database handle stays open until the store is closed.
		goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"),
		goleak.IgnoreAnyFunction("charm.land/bubbletea/v2.Tick.func1"),
		// teatest waits for a SIGINT for as long as the test binary runs.
		goleak.IgnoreAnyFunction("github.com/charmbracelet/x/exp/teatest/v2.NewTestModel.func2"),
	}
}

// TestQuitDuringSendKeepsEveryResult quits (q) while a send to 300 devices
// is under way on a slow server: the batch is cancelled and drained, every
// device's result (real or cancelled) is in History exactly once, the
// cancelled ones leave the device book's last result alone, and no
// goroutine is left behind.
func TestQuitDuringSendKeepsEveryResult(t *testing.T) {
	before := goleak.IgnoreCurrent()
	w := newQuitWorld(t, 300, apnstest.Faults{Latency: 150 * time.Millisecond, Jitter: 100 * time.Millisecond})
	m, tm := w.console(t)

	body := `{"aps":{"alert":"quit test"}}`
	h := payload.Headers{PushType: payload.Alert}
	tm.Send(common.PayloadChangedMsg{Out: common.Outgoing{Body: body, Headers: h, Report: payload.Validate([]byte(body), payload.Options{Headers: h})}})
	// Select every device on the Devices screen once it has loaded them.
	tm.Send(common.KeyPress("4"))
	waitFor(t, tm, "300 here")
	tm.Send(common.KeyPress("A"))
	tm.Send(common.KeyPress("5"))
	waitFor(t, tm, "enter sends to 300 devices")
	tm.Send(common.KeyPress("enter"))
	deadline := time.Now().Add(10 * time.Second)
	for w.answers.Load() < 40 {
		if time.Now().After(deadline) {
			t.Fatalf("the server answered %d pushes in 10s", w.answers.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
	tm.Send(common.KeyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	w.srv.Close()
	goleak.VerifyNone(t, leakOptions(before)...)

	hist, err := w.store.QueryHistory(profiles.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(w.devices) {
		t.Fatalf("history has %d entries for a batch of %d devices", len(hist), len(w.devices))
	}
	seen := map[string]int{}
	var ok, cancelled int
	for _, e := range hist {
		seen[e.Token]++
		switch {
		case e.Status == 200:
			ok++
		case e.Reason == "cancelled":
			cancelled++
		default:
			t.Errorf("%s: unexpected result %d %s %s", e.Label, e.Status, e.Reason, e.Error)
		}
	}
	for _, d := range w.devices {
		if seen[d.Token] != 1 {
			t.Errorf("%s is in history %d times", d.Label, seen[d.Token])
		}
	}
	if ok == 0 || cancelled == 0 {
		t.Fatalf("quit should land mid-send: %d accepted, %d cancelled", ok, cancelled)
	}
	// The device book: accepted devices have this send as their last
	// result; cancelled ones keep the earlier one.
	book, err := w.store.Devices()
	if err != nil {
		t.Fatal(err)
	}
	byToken := map[string]profiles.HistoryEntry{}
	for _, e := range hist {
		byToken[e.Token] = e
	}
	for _, d := range book {
		e := byToken[d.Token]
		switch {
		case d.Last == nil:
			t.Errorf("%s lost its last result", d.Label)
		case e.Status == 200 && (d.Last.ApnsID != e.ApnsID || !d.Last.At.After(w.before)):
			t.Errorf("%s: last result %+v, want this send's %s", d.Label, d.Last, e.ApnsID)
		case e.Status != 200 && (d.Last.ApnsID != "EARLIER" || !d.Last.At.Equal(w.before)):
			t.Errorf("%s: a cancelled result replaced the last real one: %+v", d.Label, d.Last)
		}
	}
}

// TestQuitDuringProbe quits while a probe waits on a server that accepts
// the connection and never answers the TLS handshake: the console cancels
// the probe and drains its stream before it exits, so no goroutine of the
// probe is left when the program returns.
func TestQuitDuringProbe(t *testing.T) {
	before := goleak.IgnoreCurrent()
	w := newQuitWorld(t, 1, apnstest.Faults{})
	w.srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() { // one connection, held silent
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	p, err := w.store.Profile("slow")
	if err != nil {
		t.Fatal(err)
	}
	p.Host = "https://" + ln.Addr().String()
	if err := w.store.SaveProfile(p); err != nil {
		t.Fatal(err)
	}
	m, tm := w.console(t)
	tm.Send(common.KeyPress("2"))
	tm.Send(common.KeyPress("enter"))
	var conn net.Conn
	select {
	case conn = <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe never connected")
	}
	defer conn.Close()
	start := time.Now()
	tm.Send(common.KeyPress("q"))
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("quitting took %v: the probe was not cancelled", d)
	}
	// Checked before Close and with the silent server still there: the
	// program must not exit with the probe still running.
	goleak.VerifyNone(t, leakOptions(before)...)
	if err := m.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestQuitSignalIsGraceful: a SIGTERM or SIGHUP reaches the program as a
// tea.QuitMsg; through Filter it takes the same path as q.
func TestQuitSignalIsGraceful(t *testing.T) {
	m := ui.New(ui.Options{NoColor: true})
	if got := ui.Filter(m, tea.QuitMsg{}); got == (tea.QuitMsg{}) {
		t.Fatal("a QuitMsg from outside went straight through: a running send would lose its results")
	}
	if got := ui.Filter(m, tea.InterruptMsg{}); got == (tea.InterruptMsg{}) {
		t.Fatal("an InterruptMsg went straight through")
	}
}
