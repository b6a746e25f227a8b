package send

import (
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/push"
)

// TestDetailStripsEscapes: a label from a tokens file and a server's
// reason, headers and body cannot redraw the terminal from the result's
// detail view (issue 12).
func TestDetailStripsEscapes(t *testing.T) {
	evil := "\x1b]0;pwned\x07\x1b[2J\u009b31m"
	m := runningModel(t, 100, 40, 3, 1)
	m.results[0] = push.Result{Label: "Eve" + evil, Token: strings.Repeat("e", 64), Status: 400, Reason: "BadDeviceToken" + evil,
		ApnsID: "id" + evil, Response: push.Exchange{Headers: map[string]string{"apns-id": "x" + evil}, Body: []byte(`{"reason":"` + evil + `"}`)}}
	m.detail = 0
	v := m.detailView(100, 40)
	if !strings.Contains(v, "Eve") {
		t.Fatalf("not the detail view:\n%s", v)
	}
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u009b", "\x07"} {
		if strings.Contains(v, bad) {
			t.Fatalf("%q reached the screen:\n%q", bad, v)
		}
	}
}
