package history

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// TestDetailStripsEscapes: a history entry read back from the store (a
// label from a tokens file, a server's reason, a payload) cannot redraw the
// terminal from the detail view (issue 12).
func TestDetailStripsEscapes(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\u009b31m"
	m := newModel(t)
	m.Update(loadedMsg{seq: 1, entries: []profiles.HistoryEntry{{At: now, Label: "Eve" + evil, Token: strings.Repeat("e", 64),
		Environment: certs.Development, Status: 400, Reason: "BadDeviceToken" + evil, Error: "x" + evil, ApnsID: "id" + evil,
		Payload: "{\"aps\":{\"alert\":\"" + evil + "\"}}", Topic: "t" + evil}}})
	m.Update(common.KeyPress("enter"))
	v := m.View()
	if !strings.Contains(v, "Eve") {
		t.Fatalf("not the detail view:\n%s", v)
	}
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u009b", "\x07"} {
		if strings.Contains(v, bad) {
			t.Fatalf("%q reached the screen:\n%q", bad, v)
		}
	}
}
