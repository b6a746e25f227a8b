package common

import "testing"

func TestKeyPressRoundTrip(t *testing.T) {
	for _, s := range []string{"a", "A", "enter", "ctrl+t", "shift+tab", "alt+n", "space", "/", "+", "G", "pgdown", "esc", "ctrl+s"} {
		if got := KeyPress(s).String(); got != s {
			t.Errorf("KeyPress(%q).String() = %q", s, got)
		}
	}
}
