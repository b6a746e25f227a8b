package humanize

import (
	"testing"
	"time"
)

func TestShortToken(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"abc":                              "abc",
		"0123456789abcd":                   "0123456789abcd",
		"0123456789abcdef0123456789abcdef": "01234567…cdef",
	} {
		if got := ShortToken(in); got != want {
			t.Errorf("ShortToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(time.Second), "just now"},
		{now.Add(-5 * time.Second), "5s ago"},
		{now.Add(-3 * time.Minute), "3m ago"},
		{now.Add(-2 * time.Hour), "2h ago"},
		{now.Add(-50 * time.Hour), "2d ago"},
		{now.AddDate(0, -2, 0), "1 Oct"},
		{now.AddDate(-1, 0, 0), "1 Dec 2025"},
	} {
		if got := Ago(now, c.t); got != c.want {
			t.Errorf("Ago(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestFirstLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"pw": "pw", "pw\n": "pw", "pw\r\nmore": "pw", "\nx": "", "": ""} {
		if got := FirstLine(in); got != want {
			t.Errorf("FirstLine(%q) = %q, want %q", in, got, want)
		}
	}
}
