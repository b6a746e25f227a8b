package send

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// TestBlockerShownWholeAt60x16: in the smallest terminal the README
// promises, the Send screen's area (60x11) cannot hold the whole summary
// and a long reason why the send cannot go; the summary's least useful lines
// (host, ids, push type, topic, the title) give way so that the reason is
// shown whole, and profile, environment, payload and devices stay.
func TestBlockerShownWholeAt60x16(t *testing.T) {
	p := profiles.Profile{Name: "p", Environment: certs.Development, Topic: "com.example.app", Host: "https://127.0.0.1:2197"}
	m := New(common.Common{Width: 60, Height: 16, Styles: common.DefaultStyles(true, true), Active: &p, Cred: &certs.Credential{}})
	m.SetSize(60, 11)
	m.Update(common.PayloadChangedMsg{Out: outgoing(`{"aps":{"alert":"x"}}`, payload.Headers{PushType: payload.Alert, CollapseID: "c1"})})
	view := ansi.Strip(m.View())
	lines := strings.Split(view, "\n")
	if len(lines) != 11 {
		t.Fatalf("%d lines, want 11:\n%s", len(lines), view)
	}
	flat := strings.Join(strings.Fields(view), " ")
	want := strings.Join(strings.Fields(m.blocker()), " ")
	if m.blocker() == "" || !strings.Contains(flat, want) {
		t.Fatalf("the reason %q is not shown whole:\n%s", m.blocker(), view)
	}
	for _, keep := range []string{"profile", "environment", "payload", "devices", "cannot send"} {
		if !strings.Contains(view, keep) {
			t.Errorf("%q left out:\n%s", keep, view)
		}
	}
	// At 80x24 nothing is left out.
	m.SetSize(80, 19)
	view = ansi.Strip(m.View())
	for _, keep := range []string{"What will go out", "host", "topic", "push type", "ids", "profile", "cannot send"} {
		if !strings.Contains(view, keep) {
			t.Errorf("80x24: %q left out:\n%s", keep, view)
		}
	}
}

func TestFitLines(t *testing.T) {
	l := []string{"a", "b", "c", "d", "e"}
	spare := []int{0, 2, 1, 2, 0}
	if got := strings.Join(fitLines(append([]string(nil), l...), append([]int(nil), spare...), 3), ""); got != "ace" {
		t.Errorf("fit to 3: %q, want ace (rank 2 first, the last one first)", got)
	}
	if got := strings.Join(fitLines(append([]string(nil), l...), append([]int(nil), spare...), 4), ""); got != "abce" {
		t.Errorf("fit to 4: %q, want abce", got)
	}
	if got := strings.Join(fitLines(append([]string(nil), l...), append([]int(nil), spare...), 1), ""); got != "ae" {
		t.Errorf("fit to 1: %q, want ae (rank-0 lines stay)", got)
	}
}
