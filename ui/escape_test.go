package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/ui/common"
)

// hostile is what a file or a server can put in a string: set the window
// title, clear the screen, paint a fake green tick.
const hostile = "evil\x1b]0;pwned\x07\x1b[2J\x1b[32m✓ Usable\x1b[0m\u009b1m"

// The status line draws errors and notices that quote files, reasons and
// names: their escape codes never reach the terminal.
func TestStatusLineStripsEscapes(t *testing.T) {
	m, _ := withFakes()
	m.Update(common.ErrorMsg{Err: errors.New("cannot read " + hostile)})
	out := m.View().Content
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\u009b", "\x07"} {
		if strings.Contains(out, bad) {
			t.Fatalf("the error's %q reached the screen", bad)
		}
	}
	if !strings.Contains(out, "evil") {
		t.Fatal("the error text itself is gone")
	}
	m.Update(common.StatusMsg{Text: "saved " + hostile})
	m.errMsg = nil
	if out := m.View().Content; strings.Contains(out, "\x1b]0;") || strings.Contains(out, "\x1b[2J") {
		t.Fatal("the status notice's escapes reached the screen")
	}
}
