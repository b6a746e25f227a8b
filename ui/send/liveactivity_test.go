package send

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// laDevice is the demo's Live Activity token of that label as the device
// book holds it.
func laDevice(t *testing.T, w *demoWorld, label string) profiles.Device {
	t.Helper()
	for _, a := range w.demo.Activities {
		if a.Label == label {
			return profiles.Device{Label: a.Label, Token: a.Token, Environment: a.Environment,
				Kind: profiles.TokenKind(a.Kind), ActivityType: a.ActivityType}
		}
	}
	t.Fatalf("the demo has no activity %q", label)
	return profiles.Device{}
}

const laUpdate = `{"aps":{"timestamp":1763116200,"event":"update","content-state":{"status":"on the way"}}}`

// TestLiveActivityMismatchIsRefusedBeforeSending: the Send screen applies
// push.CheckLiveActivity to the selection: a mismatch is the blocker (and
// enter sends nothing); a matching Live Activity send goes out with the
// liveactivity topic suffix and is accepted.
func TestLiveActivityMismatchIsRefusedBeforeSending(t *testing.T) {
	w := newDemoWorld(t)
	m := New(common.Common{Width: 100, Height: 30, Styles: common.DefaultStyles(true, true), Store: w.store, Active: &w.dev, Cred: w.cred})
	d := newDriver(t, m)
	update := laDevice(t, w, "Order 1042 activity")
	start := laDevice(t, w, "iPhone 15 (QA) · push-to-start")
	var plainDev profiles.Device
	for _, dv := range w.devices(t, certs.Development) {
		plainDev = dv
		break
	}
	la := payload.Headers{PushType: payload.LiveActivity}
	for _, c := range []struct {
		name string
		body string
		h    payload.Headers
		devs []profiles.Device
		want string
	}{
		{"alert to an activity token", `{"aps":{"alert":"hello"}}`, payload.Headers{PushType: payload.Alert}, []profiles.Device{update}, "takes push type liveactivity only, not alert"},
		{"update to a push-to-start token", laUpdate, la, []profiles.Device{start}, "push-to-start token: these tokens only start activities"},
		{"Live Activity payload to a device token", laUpdate, la, []profiles.Device{update, plainDev}, "this is a device token"},
	} {
		d.send(common.PayloadChangedMsg{Out: outgoing(c.body, c.h)})
		d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: c.devs})
		if len(m.out.Report.Errors) > 0 {
			t.Fatalf("%s: the payload has lint errors, the test proves nothing: %+v", c.name, m.out.Report.Errors)
		}
		v := plain(m.View())
		if !strings.Contains(v, "cannot send") || !strings.Contains(strings.Join(strings.Fields(v), " "), c.want) {
			t.Errorf("%s: the summary does not show the blocker %q:\n%s", c.name, c.want, v)
		}
		d.send(common.KeyPress("enter"))
		if m.phase != phaseReady || m.runs != 0 {
			t.Fatalf("%s: enter started a send (phase %v)", c.name, m.phase)
		}
		if !strings.HasPrefix(m.note, "✗ cannot send: ") || !strings.Contains(m.note, c.want) {
			t.Errorf("%s: note %q does not give the reason %q", c.name, m.note, c.want)
		}
	}

	// The matching send: an update to the activity's token, topic left
	// to pushdeck, goes to <bundle>.push-type.liveactivity.
	d.send(common.PayloadChangedMsg{Out: outgoing(laUpdate, la)})
	d.send(common.SelectionChangedMsg{Env: certs.Development, Devices: []profiles.Device{update}})
	if why := m.blocker(); why != "" {
		t.Fatalf("a matching Live Activity send is blocked: %s", why)
	}
	d.send(common.KeyPress("enter"))
	if m.phase != phaseRunning {
		t.Fatalf("enter should start the send; note %q", m.note)
	}
	d.until("the Live Activity send", d.idle)
	if len(m.results) != 1 || !m.results[0].OK() {
		t.Fatalf("results %+v", m.results)
	}
	if got, want := m.results[0].Request.Headers["apns-topic"], apnstest.DemoTopic+".push-type.liveactivity"; got != want {
		t.Errorf("topic %q, want %q", got, want)
	}
	if got := m.results[0].Request.Headers["apns-push-type"]; got != "liveactivity" {
		t.Errorf("push type %q, want liveactivity", got)
	}
}
