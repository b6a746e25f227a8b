package probe

import (
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/ui/common"
)

// drive runs cmd and every Cmd its messages bring, like the program does
// (spinner ticks left out), until the probe is over.
func drive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	ch := make(chan tea.Msg, 64)
	pending := 0
	run := func(c tea.Cmd) {
		if c != nil {
			pending++
			go func() { ch <- c() }()
		}
	}
	run(cmd)
	deadline := time.After(30 * time.Second)
	for pending > 0 {
		select {
		case msg := <-ch:
			pending--
			switch msg := msg.(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			case spinner.TickMsg, nil:
			default:
				_, c := m.Update(msg)
				run(c)
			}
		case <-deadline:
			t.Fatalf("the probe did not end (running %v, %d steps)", m.Running(), len(m.steps))
		}
	}
}

// TestProbeChecksChannelManagement probes the demo's development server
// over TLS and HTTP/2 on loopback: after the push host's steps pass, the
// last step lists the app's broadcast channels (push.ProbeChannels).
func TestProbeChecksChannelManagement(t *testing.T) {
	if testing.Short() {
		t.Log("runs in -short too: a handful of requests to a loopback server")
	}
	demo, err := apnstest.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo.Close() })
	cred, err := certs.Load(demo.CertPath, certs.Options{Password: demo.CertPassword})
	if err != nil {
		t.Fatal(err)
	}
	p := profiles.Profile{Name: "demo-dev", CertPath: demo.CertPath, Auth: certs.AuthCertificate, Environment: certs.Development,
		Topic: demo.Topic, Host: demo.Development.URL(), ServerCA: demo.ServerCAPath}
	c := common.Common{Width: 100, Height: 30, Styles: common.DefaultStyles(true, true), Active: &p, Cred: cred}
	m := New(c)
	m.SetCommon(c)
	m.SetSize(100, 30)
	drive(t, m, m.Start())
	if m.Running() || !m.Stopped() {
		t.Fatalf("the probe is still running (live %d)", m.live)
	}
	if v := m.Verdict(); v == nil || !v.OK {
		t.Fatalf("verdict %+v, steps %+v", v, m.steps)
	}
	last := m.steps[len(m.steps)-1]
	if last.Name != channelsStep || !last.OK || len(last.Detail) == 0 || !strings.Contains(last.Detail[0], "broadcast channels") {
		t.Fatalf("the last step is not a passed channel-management check: %+v", last)
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "✓ Channel mgmt") || !strings.Contains(out, "Every link works") {
		t.Errorf("the screen does not show the channel step:\n%s", out)
	}
}

// TestChannelStepSkippedOrNotRun: a profile whose environment has no
// channel-management host says "skipped: …"; a failed push host leaves
// the step "not run".
func TestChannelStepSkippedOrNotRun(t *testing.T) {
	c := active()
	c.Active.Environment = "staging"
	m := New(c)
	m.SetSize(80, 19)
	m.SetCommon(c)
	m.Update(press("enter"))
	feed(m, 1, okSteps()...)
	_, cmd := m.Update(eventMsg{run: 1, ev: verdictOK()})
	if cmd == nil || m.Running() || m.chanRunning {
		t.Fatal("a skipped channel step should end the probe at the verdict")
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "Channel mgmt     skipped: staging has no management host") {
		t.Errorf("the skip is not said:\n%s", out)
	}

	m = started(t, 80, 19)
	feed(m, 1, okSteps()[:4]...)
	feed(m, 1, step("auth", false, time.Millisecond, "answer: 403 InvalidProviderToken"))
	m.Update(eventMsg{run: 1, ev: verdictBad()})
	if m.Running() || m.chanRunning || m.live != 1 {
		t.Fatalf("a failed push host should end the probe without the channel step (live %d)", m.live)
	}
	if out := ansi.Strip(m.View()); !strings.Contains(out, "Channel mgmt     not run") {
		t.Errorf("the step should show as not run:\n%s", out)
	}
}

func verdictOK() push.ProbeEvent {
	return push.ProbeEvent{Verdict: &push.Verdict{OK: true, Reason: "every step passed"}}
}

func verdictBad() push.ProbeEvent {
	return push.ProbeEvent{Verdict: &push.Verdict{Reason: "403 InvalidProviderToken", Advice: "check the key"}}
}
