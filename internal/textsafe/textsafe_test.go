package textsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanRemovesSequences(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain ASCII", "plain ASCII"},
		{"Ünïcødé ✓ 日本", "Ünïcødé ✓ 日本"},
		{"\x1b[2J\x1b[Hcleared", "cleared"},
		{"\x1b[32m✓ Usable\x1b[0m", "✓ Usable"},
		{"title\x1b]0;pwned\x07 after", "title after"},
		{"title\x1b]0;pwned\x1b\\ after", "title after"},
		{"link \x1b]8;;http://evil\x1b\\here\x1b]8;;\x1b\\", "link here"},
		{"dcs\x1bPq#0;2;0;0;0\x1b\\ end", "dcs end"},
		{"apc\x1b_hidden\x1b\\!", "apc!"},
		{"reset\x1bc!", "reset!"},
		{"charset\x1b(B!", "charset!"},
		{"8bit \u009b31mred\u009b0m", "8bit red"},
		{"8bit osc \u009d0;x\u009c!", "8bit osc !"},
		{"raw byte \x9b31m", "raw byte \ufffd31m"},
		{"bell\x07 bs\x08 nul\x00 del\x7f", "bell bs nul del"},
		{"a\nb\tc\rd", "a b c d"},
		{"bidi \u202egnp.exe", "bidi gnp.exe"},
		{"unterminated \x1b]0;title", "unterminated "},
		{"trailing esc\x1b", "trailing esc"},
		{"csi cut \x1b[31\nx", "csi cut  x"},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCleanMultilineKeepsLines(t *testing.T) {
	in := "line 1\n\tline 2\r\x1b[1Aover\n"
	if got, want := CleanMultiline(in), "line 1\n\tline 2over\n"; got != want {
		t.Fatalf("CleanMultiline = %q, want %q", got, want)
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"Production", "QA phones", "Ünïcødé ✓ 日本", "a-b_c.d (1)"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"a\x1b[2Jb", "tab\there", "new\nline", "\u202eevil", "c1\u0085", "bad\xffutf8", "del\x7f"} {
		err := CheckName(bad)
		if err == nil {
			t.Errorf("CheckName(%q) = nil, want an error", bad)
			continue
		}
		if strings.ContainsAny(err.Error(), "\x1b\n\r") {
			t.Errorf("CheckName(%q) error carries control bytes: %q", bad, err)
		}
	}
}

func TestCleanPlainDoesNotAllocate(t *testing.T) {
	s := "api.sandbox.push.apple.com BadDeviceToken"
	if n := testing.AllocsPerRun(100, func() { _ = Clean(s) }); n != 0 {
		t.Fatalf("Clean of plain ASCII allocated %v times", n)
	}
}

// safeOutput reports what in out could still drive a terminal.
func safeOutput(t *testing.T, in, out string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Clean(%q) = %q: invalid UTF-8", in, out)
	}
	for _, r := range out {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unsafeRune(r) {
			t.Fatalf("Clean(%q) = %q: still holds %U", in, out, r)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "\x1b]0;t\x07", "\u009b1m", "\x1bP\x1b\\", "a\nb", "\xff\xfe", "\u202e", "\x1b\x1b[", "\u009d\u009c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Clean(s)
		safeOutput(t, s, out, false)
		if again := Clean(out); again != out {
			t.Fatalf("Clean is not idempotent: %q -> %q -> %q", s, out, again)
		}
		if err := CheckName(out); err != nil {
			t.Fatalf("CheckName(Clean(%q)) = %v", s, err)
		}
		if CheckName(s) == nil && out != s {
			t.Fatalf("CheckName accepted %q but Clean changed it to %q", s, out)
		}
		ml := CleanMultiline(s)
		safeOutput(t, s, ml, true)
		if again := CleanMultiline(ml); again != ml {
			t.Fatalf("CleanMultiline is not idempotent: %q -> %q -> %q", s, ml, again)
		}
	})
}

func FuzzCheckName(f *testing.F) {
	for _, s := range []string{"Production", "a\x1bb", "\u0085", "\u2066x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckName(s)
		if err == nil {
			if !utf8.ValidString(s) {
				t.Fatalf("CheckName accepted invalid UTF-8 %q", s)
			}
			for _, r := range s {
				if unsafeRune(r) {
					t.Fatalf("CheckName accepted %q holding %U", s, r)
				}
			}
			return
		}
		if msg := err.Error(); Clean(msg) != msg {
			t.Fatalf("CheckName's message is not clean: %q", msg)
		}
	})
}
