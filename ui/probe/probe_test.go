package probe

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

var sizes = []struct{ w, h int }{{60, 11}, {80, 19}, {120, 35}} // the screen's area in 60x16, 80x24, 120x40

func active() common.Common {
	p := profiles.Profile{Name: "app-dev", Environment: certs.Development, Topic: "com.example.app", Auth: certs.AuthCertificate}
	return common.Common{
		Styles: common.DefaultStyles(true, true),
		Active: &p,
		Cred:   &certs.Credential{Kind: certs.AuthCertificate},
	}
}

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

func step(name string, ok bool, d time.Duration, detail ...string) push.ProbeEvent {
	s := &push.ProbeStep{Name: name, OK: ok, Duration: d, Detail: detail}
	if !ok {
		s.Err = errors.New(detail[len(detail)-1])
	}
	return push.ProbeEvent{Step: s}
}

// started is a screen whose probe (run 1) started, fed by no real engine:
// the events are injected, so durations are fixed.
func started(t *testing.T, w, h int) *Model {
	t.Helper()
	m := New(active())
	m.SetSize(w, h)
	m.SetCommon(active())
	if _, cmd := m.Update(press("enter")); cmd == nil {
		t.Fatal("enter started nothing")
	}
	if !m.Running() || m.run != 1 {
		t.Fatal("the probe is not running")
	}
	return m
}

func okSteps() []push.ProbeEvent {
	return []push.ProbeEvent{
		step("dns", true, 12*time.Millisecond, "api.sandbox.push.apple.com has 2 address(es): 17.188.138.73, 17.188.138.74"),
		step("tcp", true, 31*time.Millisecond, "connected to 17.188.138.73:443 in 31.0ms"),
		step("tls", true, 64*time.Millisecond, `TLS 1.3, ALPN "h2"`, "server chain:",
			"  1. CN=api.development.push.apple.com (issuer CN=Apple Public Server RSA CA 12 - G1, expires 2026-09-01)",
			"verified against the system roots", "client certificate presented: Apple Push Services: com.example.app, expires 2026-12-13"),
		step("http2", true, 30*time.Millisecond, "MAX_CONCURRENT_STREAMS 1000: up to 1000 pushes in flight per connection"),
		step("auth", true, 88*time.Millisecond, `pushed {"aps":{}} to the all-zero token, topic com.example.app`, "answer: 400 BadDeviceToken",
			"the credential and topic were accepted; only the (deliberately fake) token was refused"),
	}
}

func feed(m *Model, run int, evs ...push.ProbeEvent) {
	for _, ev := range evs {
		m.Update(eventMsg{run: run, ev: ev})
	}
}

func TestGoldenProbeInProgress(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := started(t, sz.w, sz.h)
			feed(m, 1, okSteps()[:2]...)
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
	}
}

func TestGoldenProbeSuccess(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := started(t, sz.w, sz.h)
			feed(m, 1, okSteps()...)
			feed(m, 1, push.ProbeEvent{Verdict: &push.Verdict{OK: true, Reason: "every step passed",
				Advice: "Apple accepted this certificate for development. Sends will work for device tokens of debug (Xcode) builds of the app."}})
			if !m.Running() || !m.chanRunning {
				t.Fatal("a passed push host should go on to the channel-management step")
			}
			m.Update(channelsMsg{run: 1, step: push.ProbeStep{Name: channelsStep, OK: true, Duration: 41 * time.Millisecond,
				Detail: []string{"https://api-manage-broadcast.sandbox.push.apple.com:2195 answers: com.example.app has 2 broadcast channels"}}})
			if m.Running() || m.Verdict() == nil || !m.Verdict().OK {
				t.Fatal("the channel-management step did not end the probe")
			}
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
	}
}

func TestGoldenProbeFailure(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			m := started(t, sz.w, sz.h)
			feed(m, 1, okSteps()[:4]...)
			feed(m, 1, step("auth", false, 75*time.Millisecond, `pushed {"aps":{}} to the all-zero token, topic com.example.app`,
				"answer: 403 BadCertificateEnvironment"))
			feed(m, 1, push.ProbeEvent{Verdict: &push.Verdict{
				Reason: "403 BadCertificateEnvironment: the certificate is for another environment",
				Advice: "This certificate is for production; the profile says development. Press t on the Profiles screen, or use a development certificate."}})
			out := ansi.Strip(m.View())
			if !strings.Contains(out, "✗ Credential") || !strings.Contains(out, "the profile says") {
				t.Fatalf("the failure is not shown:\n%s", out)
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestStaleRunDropped(t *testing.T) {
	m := started(t, 80, 19)
	ch1 := make(chan push.ProbeEvent, 8)
	m.Update(startedMsg{run: 1, ch: ch1})
	feed(m, 1, okSteps()[0])
	// A second probe replaces the first; the first's late events are dropped.
	m.Update(press("r"))
	if m.run != 2 || len(m.Steps()) != 0 {
		t.Fatalf("run %d, %d steps after a second start", m.run, len(m.Steps()))
	}
	// ...but its stream is still read to the end, so quitting knows when
	// its goroutine is gone.
	ch1 <- okSteps()[1]
	_, cmd := m.Update(eventMsg{run: 1, ev: okSteps()[1], ch: ch1})
	if cmd == nil {
		t.Fatal("a stale probe's stream is no longer read")
	}
	m.Update(eventMsg{run: 1, ev: push.ProbeEvent{Verdict: &push.Verdict{OK: true}}, ch: ch1})
	if len(m.Steps()) != 0 || m.Verdict() != nil || !m.Running() {
		t.Fatal("the first probe's events mixed into the second")
	}
	if _, cmd := m.Update(eventMsg{run: 2, ev: okSteps()[0]}); cmd == nil || len(m.Steps()) != 1 {
		t.Fatal("the current probe's event was not taken and re-armed")
	}
	// Two probes started, none ended: quitting must wait for both.
	if m.Stopped() {
		t.Fatal("Stopped with two probes' goroutines running")
	}
	close(ch1)
	m.Update(closedMsg{run: 1, ch: ch1})
	ch2 := make(chan push.ProbeEvent)
	m.Update(startedMsg{run: 2, ch: ch2})
	if m.Stopped() {
		t.Fatal("Stopped while the second probe runs")
	}
	m.Stop()
	if m.Running() {
		t.Fatal("Stop left the probe running")
	}
	m.Update(closedMsg{run: 2, ch: ch2})
	if !m.Stopped() {
		t.Fatalf("not Stopped after both streams closed (live %d)", m.live)
	}
}

func TestEscCancels(t *testing.T) {
	m := started(t, 80, 19)
	if !m.WantsEsc() {
		t.Fatal("esc is not wanted while running")
	}
	m.Update(press("esc"))
	if m.Running() || !m.cancelled || m.cancel != nil {
		t.Fatal("esc did not cancel")
	}
	feed(m, 1, okSteps()[0])
	if len(m.Steps()) != 0 {
		t.Fatal("an event of the cancelled probe was shown")
	}
	if !strings.Contains(ansi.Strip(m.View()), "Probe cancelled") {
		t.Fatal("the view does not say the probe was cancelled")
	}
}

func TestPortToggle(t *testing.T) {
	m := New(active())
	m.SetCommon(active())
	m.Update(press("p"))
	if m.Port() != 2197 {
		t.Fatalf("port %d after p", m.Port())
	}
	m.Update(press("p"))
	if m.Port() != 443 {
		t.Fatalf("port %d after p p", m.Port())
	}
	c := active()
	c.Active.Host = "https://127.0.0.1:2197"
	m.SetCommon(c)
	_, cmd := m.Update(press("p"))
	if m.Port() != 443 || cmd == nil {
		t.Fatal("p changed the port of a host that names its own")
	}
}

func TestNoActiveProfile(t *testing.T) {
	m := New(common.Common{Styles: common.DefaultStyles(true, true)})
	m.SetSize(80, 19)
	_, cmd := m.Update(press("enter"))
	// Said on the screen, not as a status-line error that would follow the
	// user to the Payload screen (issue 16, item 13).
	if cmd != nil {
		if _, ok := cmd().(common.ErrorMsg); ok {
			t.Fatal("the refusal went to the status line")
		}
	}
	if !strings.Contains(ansi.Strip(m.View()), "no active profile") {
		t.Fatalf("the screen does not say why:\n%s", ansi.Strip(m.View()))
	}
	if m.Running() {
		t.Fatal("a probe started without a profile")
	}
}

// A locked credential: enter asks for the password on the Probe screen
// (masked), then probes with what it opened, and hands the password to
// the shell for the session.
func TestLockedAsksForPasswordHere(t *testing.T) {
	c := active()
	c.Cred, c.CredErr = nil, common.ErrNeedsPassword
	c.Active.Host = "https://127.0.0.1:1" // the probe the test starts stays on loopback (refused at once)
	m := New(c)
	m.SetSize(80, 19)
	m.Update(press("enter"))
	if !m.Capturing() || m.pw == nil {
		t.Fatal("enter did not ask for the password")
	}
	for _, r := range "hunter2" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	v := ansi.Strip(m.View())
	if strings.Contains(v, "hunter2") || !strings.Contains(v, "•••••••") {
		t.Fatalf("the password is not masked:\n%s", v)
	}
	_, cmd := m.Update(press("enter"))
	if cmd == nil {
		t.Fatal("enter did not try the password")
	}
	// The answer (as the Cmd would give it for a credential that opened).
	cred := active().Cred
	_, cmd = m.Update(common.UnlockedMsg{Run: m.pwRun, Profile: c.Active.Name, Password: "hunter2", Cred: cred})
	if m.pw != nil || !m.Running() {
		t.Fatal("the probe did not start with the unlocked credential")
	}
	found := false
	for _, msg := range collectBatch(cmd) {
		if pm, ok := msg.(common.PasswordMsg); ok && pm.Password == "hunter2" {
			found = true
		}
	}
	if !found {
		t.Fatal("the password was not handed to the shell for the session")
	}
}

// collectBatch runs the Cmds of a batch that return at once (not ticks or
// the probe's stream).
func collectBatch(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	b, ok := cmd().(tea.BatchMsg)
	if !ok {
		return nil
	}
	var out []tea.Msg
	for _, c := range b {
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		select {
		case msg := <-done:
			out = append(out, msg)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return out
}

func TestStartFailureShown(t *testing.T) {
	m := started(t, 80, 19)
	m.Update(failedMsg{run: 1, err: errors.New("cannot read the server CA")})
	if m.Running() || !strings.Contains(ansi.Strip(m.View()), "cannot read the server CA") {
		t.Fatal("a start failure is not shown")
	}
}

func TestGoldenPasswordPrompt(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			c := active()
			c.Cred, c.CredErr = nil, common.ErrNeedsPassword
			m := New(c)
			m.SetSize(sz.w, sz.h)
			m.Update(press("enter"))
			for _, r := range "secret" {
				m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			golden.RequireEqual(t, ansi.Strip(m.View()))
		})
	}
}
