package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
)

// A send's devices come from --token and the tokens file once each, at
// their first occurrence, in order, whichever form a duplicate takes; the
// file is checked whole before anything is planned to go out.
func TestPlanTargetsDedupesAcrossPasses(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tokens.txt")
	text := "\ufeff# first line after a BOM\n" +
		tokActive + "\n" +
		strings.ToUpper(tokActive2) + " iPad\n" +
		tokActive + " again\n" + // a duplicate, plain form
		"<" + spaced(tokActive2) + ">\n" + // a duplicate, iOS form
		tokGone + "\n"
	if err := os.WriteFile(tf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &SendOptions{Tokens: []string{tokProd, tokGone}, TokensFile: tf}
	p, err := planTargets(f, &session.Session{})
	if err != nil {
		t.Fatal(err)
	}
	if p.count < 4 || p.exact() {
		t.Errorf("count %d (exact %v), want a bound of at least 4", p.count, p.exact())
	}
	var got []target
	for j := range p.jobs([]byte(`{}`), payload.Headers{}) {
		got = append(got, target{j.Token, j.Label})
	}
	want := []target{{tokProd, ""}, {tokGone, ""}, {tokActive, ""}, {tokActive2, "iPad"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("job %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p.err != nil {
		t.Error(p.err)
	}
	// A bad line anywhere refuses the send before a job exists.
	if err := os.WriteFile(tf, []byte(tokActive+"\n"+strings.Repeat(tokActive2+"\n", 1000)+"zz-not-a-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := planTargets(&SendOptions{TokensFile: tf}, &session.Session{}); err == nil || !strings.Contains(err.Error(), "tokens.txt:1002") {
		t.Errorf("bad line 1002: %v", err)
	}
}

// BenchmarkPlanTargets100k is the check pass over a 100,000-token file
// (what a send does before its first push), then the pass that yields the
// jobs with duplicates dropped.
func BenchmarkPlanTargets100k(b *testing.B) {
	var sb strings.Builder
	for i := range 100000 {
		sb.WriteString(strings.Repeat("0", 56))
		sb.WriteString(strings.ToLower(strings.TrimLeft(strconvHex(i+1), "")))
		sb.WriteByte('\n')
	}
	tf := filepath.Join(b.TempDir(), "tokens.txt")
	if err := os.WriteFile(tf, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		p, err := planTargets(&SendOptions{TokensFile: tf}, &session.Session{})
		if err != nil || p.count != 100000 {
			b.Fatal(p, err)
		}
		n := 0
		for range p.jobs(nil, payload.Headers{}) {
			n++
		}
		if n != 100000 {
			b.Fatal(n)
		}
	}
}

func strconvHex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = digits[n%16]
		n /= 16
	}
	return string(b)
}
