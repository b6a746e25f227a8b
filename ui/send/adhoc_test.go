package send

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/ui/internal/uitest"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

func TestParseTokens(t *testing.T) {
	a, b := strings.Repeat("ab", 32), strings.Repeat("0c", 32)
	ios := "<" + strings.ToUpper(b[:8]) + " " + b[8:16] + " " + b[16:] + ">"
	got, err := parseTokens(a + ",\n" + ios + " ; " + a)
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b { // in the order pasted
		t.Fatalf("%q %v", got, err)
	}
	if _, err := parseTokens(a + " " + a[:60]); err == nil || !strings.HasPrefix(err.Error(), "token 2 (") {
		t.Fatalf("a short second token: %v", err)
	}
	if _, err := parseTokens("  \n "); err == nil {
		t.Fatal("an empty paste was taken")
	}
}

// Paste tokens not in the device book and send to them (over real TLS and
// HTTP/2 to the demo server), then b saves them to the book.
func TestSendToPastedTokens(t *testing.T) {
	w := newDemoWorld(t)
	m := New(common.Common{Width: 80, Height: 19, Styles: common.DefaultStyles(true, true), Store: w.store, Active: &w.dev, Cred: w.cred})
	d := newDriver(t, m)
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert})})
	var devTok string
	for _, dd := range w.demo.Devices {
		if dd.Environment == certs.Development && dd.Expect == "" {
			devTok = dd.Token
			break
		}
	}
	// The token as iOS prints it, and one more that no book has.
	fresh := strings.Repeat("1f", 32)
	ios := "<" + devTok[:8] + " " + devTok[8:] + ">"
	if strings.Contains(m.View(), "enter send") || len(m.ShortHelp()) == 0 || m.ShortHelp()[0].Help().Key == "enter" {
		t.Fatal("enter is offered although nothing can be sent")
	}
	d.send(common.KeyPress("t"))
	if !m.Capturing() {
		t.Fatal("t did not open the paste field")
	}
	d.send(tea.PasteMsg{Content: ios + "\n" + fresh})
	d.send(common.KeyPress("enter"))
	if len(m.pasted) != 2 || m.blocker() != "" {
		t.Fatalf("pasted %q, blocker %q", m.pasted, m.blocker())
	}
	d.send(common.KeyPress("enter"))
	d.until("the send", d.idle)
	if len(m.results) != 2 {
		t.Fatalf("%d results", len(m.results))
	}
	if !strings.Contains(m.note, "b saves the 2 pasted tokens") {
		t.Fatalf("no offer to save: %q", m.note)
	}
	before := len(w.devices(t, certs.Development))
	d.send(common.KeyPress("b"))
	d.until("the save", func() bool { return m.pastedSaved || strings.Contains(m.note, "could not save") })
	ds := w.devices(t, certs.Development)
	if len(ds) != before+1 {
		t.Fatalf("the book has %d devices, want %d (the one new token)", len(ds), before+1)
	}
	found := false
	for _, dv := range ds {
		found = found || dv.Token == fresh
	}
	if !found {
		t.Fatal("the fresh token is not in the book")
	}
}

// f filters the results: failed only, then each reason; the breakdown
// counts every reason.
func TestResultsFilterAndBreakdown(t *testing.T) {
	m := New(common.Common{Width: 80, Height: 19, Styles: common.DefaultStyles(true, true)})
	m.run.id, m.phase = 1, phaseRunning
	m.total = 6
	rs := []push.Result{
		{Label: "device 1", Status: 200},
		{Label: "device 2", Status: 410, Reason: "Unregistered"},
		{Label: "device 3", Status: 400, Reason: "BadDeviceToken"},
		{Label: "device 4", Status: 410, Reason: "Unregistered"},
		{Label: "device 5", Status: 200},
		{Label: "device 6", Status: 429, Reason: "TooManyRequests"},
	}
	m.Update(resultsMsg{run: 1, results: rs, closed: true})
	if m.phase != phaseDone {
		t.Fatal("not done")
	}
	if bd := m.breakdown(); len(bd) != 3 || bd[0] != (reasonCount{"Unregistered", 2}) {
		t.Fatalf("breakdown %v", bd)
	}
	if !strings.Contains(m.View(), "failed by reason: Unregistered 2 · BadDeviceToken 1 · TooManyRequests 1") {
		t.Fatalf("no breakdown line:\n%s", m.View())
	}
	m.Update(common.KeyPress("f"))
	if m.filter.kind != filterFailed || m.table.Rows() != 4 {
		t.Fatalf("failed only: %v, %d rows", m.filter, m.table.Rows())
	}
	m.Update(common.KeyPress("f"))
	if m.filter.reason != "Unregistered" || m.table.Rows() != 2 {
		t.Fatalf("by reason: %v, %d rows", m.filter, m.table.Rows())
	}
	// enter opens the row's own result, not the unfiltered row.
	m.table.SetCursor(1)
	m.Update(common.KeyPress("enter"))
	if m.detail != 3 {
		t.Fatalf("detail %d, want the second Unregistered (index 3)", m.detail)
	}
	m.Update(common.KeyPress("esc"))
	m.Update(common.KeyPress("F"))
	if m.filter.kind != filterAll || m.table.Rows() != 6 {
		t.Fatal("F did not show all")
	}
	// r would resend 2: not the 410s.
	if m.resendable() != 2 {
		t.Fatalf("resendable %d", m.resendable())
	}
}

// A result detail: copy as curl never holds a secret; the .apns file
// names the app; both land in the exports folder with their full path.
func TestDetailExports(t *testing.T) {
	dir := t.TempDir()
	store, err := profiles.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "p", CertPath: "/certs/prod.p12", Auth: certs.AuthCertificate, Environment: certs.Development, Topic: "com.example.app"}
	m := New(common.Common{Width: 80, Height: 19, Styles: common.DefaultStyles(true, true), Store: store, Active: &p})
	m.run = runInfo{id: 1, batch: "B1", profile: p, out: common.Outgoing{Body: `{"aps":{"alert":"hi"}}`}}
	m.phase = phaseRunning
	tok := strings.Repeat("ab", 32)
	r := push.Result{Token: tok, Status: 200, ApnsID: "X", ApnsUniqueID: "U-1",
		Request: push.Exchange{Headers: map[string]string{":path": "/3/device/" + tok, "apns-topic": "com.example.app", "apns-push-type": "alert"}, Body: []byte(`{"aps":{"alert":"hi"}}`)}}
	_, cmd := m.Update(resultsMsg{run: 1, results: []push.Result{r}, closed: true})
	m.Update(*untilRecorded(m, cmd)) // drawn once in History
	m.Update(common.KeyPress("enter"))
	if v := m.View(); !strings.Contains(v, "Delivery Log") {
		t.Fatalf("no pointer for the apns-unique-id:\n%s", v)
	}
	curl := curlCommand(p, nil, r)
	for _, want := range []string{"--cert-type P12 --cert '/certs/prod.p12':\"$P12_PASSWORD\"", "-H 'apns-topic: com.example.app'", "'https://api.sandbox.push.apple.com:443/3/device/" + tok + "'"} {
		if !strings.Contains(curl, want) {
			t.Errorf("curl lacks %q:\n%s", want, curl)
		}
	}
	_, cmd = m.Update(common.KeyPress("a"))
	var got exportedMsg
	for _, msg := range uitest.RunCmds(cmd) {
		if e, ok := msg.(exportedMsg); ok {
			got = e
		}
	}
	if got.err != nil || got.path != filepath.Join(dir, "exports", "B1-1.apns") {
		t.Fatalf("%+v", got)
	}
	b, _ := os.ReadFile(got.path)
	if !strings.Contains(string(b), `"Simulator Target Bundle": "com.example.app"`) || !strings.Contains(string(b), `"alert": "hi"`) {
		t.Fatalf("the .apns file:\n%s", b)
	}
	m.Update(got)
	if !strings.Contains(m.note, got.path) {
		t.Fatalf("the full path is not shown: %q", m.note)
	}
}

// A locked credential: enter asks for the password on the Send screen
// (masked), and the send starts with what it opened.
func TestLockedSendAsksForPasswordHere(t *testing.T) {
	w := newDemoWorld(t)
	m := New(common.Common{Width: 80, Height: 19, Styles: common.DefaultStyles(true, true), Store: w.store, Active: &w.dev, CredErr: common.ErrNeedsPassword})
	d := newDriver(t, m)
	d.send(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert})})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: w.devices(t, certs.Development)[:2]})
	d.send(common.KeyPress("enter"))
	if m.pw == nil || !m.Capturing() {
		t.Fatalf("enter did not ask for the password (note %q)", m.note)
	}
	for _, k := range common.Type("pw-typed") {
		d.send(k)
	}
	if strings.Contains(m.View(), "pw-typed") || !strings.Contains(m.View(), "••••••••") {
		t.Fatal("the password is on screen")
	}
	d.send(common.KeyPress("enter"))
	d.until("the send", d.idle)
	if len(m.results) != 2 {
		t.Fatalf("%d results", len(m.results))
	}
	told := false
	for _, msg := range d.seen {
		if pm, ok := msg.(common.PasswordMsg); ok && pm.Password == "pw-typed" {
			told = true
		}
	}
	if !told {
		t.Fatal("the shell was not given the password for the session")
	}
}
