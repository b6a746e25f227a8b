package certs

import (
	"strings"
	"testing"
)

// FuzzNormalizeToken: whatever is pasted into a token field, NormalizeToken
// never panics; what it accepts is lower-case hex of an APNs token's length
// that normalises to itself, and what it refuses is explained.
//
//	go test -run '^$' -fuzz FuzzNormalizeToken ./certs/
func FuzzNormalizeToken(f *testing.F) {
	tok := strings.Repeat("a1", 32)
	for _, s := range []string{
		tok, strings.ToUpper(tok), "<" + tok[:8] + " " + tok[8:] + ">", " \t" + tok + "\n",
		tok[:63], tok + "0", tok + "zz", strings.Repeat("ab", 101), "", " ", "<>", "-",
		"ａ" + tok[1:], tok[:32] + "\u00a0" + tok[32:], tok[:10] + "\x00" + tok[10:], "0x" + tok,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeToken(s)
		if err != nil {
			if got != "" || !strings.Contains(err.Error(), "device token") {
				t.Fatalf("NormalizeToken(%q) = %q, %v: a refusal must say what is wrong with the token", s, got, err)
			}
			return
		}
		if len(got) < DeviceTokenHexLen || len(got) > 200 || len(got)%2 != 0 {
			t.Fatalf("NormalizeToken(%q) accepted %d digits", s, len(got))
		}
		for _, r := range got {
			if !strings.ContainsRune("0123456789abcdef", r) {
				t.Fatalf("NormalizeToken(%q) = %q: not lower-case hex", s, got)
			}
		}
		if again, err := NormalizeToken(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
		stripped := strings.Map(func(r rune) rune {
			if strings.ContainsRune(" <>-\t", r) {
				return -1
			}
			return r
		}, strings.TrimSpace(s))
		if strings.ToLower(stripped) != got {
			t.Fatalf("NormalizeToken(%q) = %q: it changed more than spaces, brackets, dashes and case", s, got)
		}
	})
}
