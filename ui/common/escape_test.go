package common

import (
	"strings"
	"testing"
)

const hostile = "label\x1b]0;pwned\x07\x1b[2J\x1b[32m✓ Usable\x1b[0m\u009b1m\r\n"

func noEscapes(t *testing.T, where, out string) {
	t.Helper()
	for _, bad := range []string{"\x1b]0;", "\x1b[2J", "\x1b[32m", "\u009b", "\x07", "\r"} {
		if strings.Contains(out, bad) {
			t.Fatalf("%s: %q reached the screen in %q", where, bad, out)
		}
	}
}

// Table cells (device labels, group names, history rows) are data from
// files and the network: the table strips their escape codes.
func TestTableCellsStripEscapes(t *testing.T) {
	tb := NewTable([]Column{{Title: "Label", Width: 40}})
	tb.SetSize(60, 5)
	tb.SetRows(2)
	st := DefaultStyles(true, true)
	out := tb.View(st, func(row, col int) (string, Tone) { return hostile, ToneNormal }, nil)
	noEscapes(t, "table", out)
	if !strings.Contains(out, "label") {
		t.Fatalf("the cell text is gone: %q", out)
	}
}

func TestWrapStripsEscapes(t *testing.T) {
	noEscapes(t, "WrapWords", strings.Join(WrapWords("reason: "+hostile, 60, "  "), "\n"))
	noEscapes(t, "WrapIndent", strings.Join(WrapIndent(func(s ...string) string { return strings.Join(s, "") }, "✗ ", hostile, 60), "\n"))
}
