package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
)

// A send's devices come from --token and the tokens file once each, at
// their first occurrence, in order, whichever form a duplicate takes; a
// small file is checked whole before anything is planned to go out.
func TestPlanTargetsDedupesAcrossPasses(t *testing.T) {
	dir := t.TempDir()
	tf := filepath.Join(dir, "tokens.txt")
	text := "\ufeff# first line after a BOM\n" +
		tokActive + "\n" +
		strings.ToUpper(tokActive2) + " iPad\n" +
		tokActive + " again\n" + // a duplicate, plain form
		"<" + spaced(tokActive2) + ">\r\n" + // a duplicate, iOS form, CRLF
		tokGone + "\n"
	if err := os.WriteFile(tf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &SendOptions{Tokens: []string{tokProd, tokGone}, TokensFile: tf}
	p, err := planTargets(f, &session.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.count != 7 || !p.exact() {
		t.Errorf("count %d (exact %v), want 7 lines and flags, exact", p.count, p.exact())
	}
	got := planJobs(t, p)
	want := []target{{tokProd, ""}, {tokGone, ""}, {tokActive, ""}, {tokActive2, "iPad"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if p.file.head != nil {
		t.Errorf("the send still holds the file (%d bytes) after reading it", len(p.file.head))
	}
	if p.err != nil {
		t.Error(p.err)
	}
	// A bad line anywhere in a small file refuses the send before a job
	// exists.
	if err := os.WriteFile(tf, []byte(tokActive+"\n"+strings.Repeat(tokActive2+"\n", 1000)+"zz-not-a-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := planTargets(&SendOptions{TokensFile: tf}, &session.Session{}); err == nil || !strings.Contains(err.Error(), "tokens.txt:1002") {
		t.Errorf("bad line 1002: %v", err)
	}
}

// planJobs runs a plan's jobs: each as a target, a refused line as its
// text with the label "INVALID: why".
func planJobs(t *testing.T, p *targetPlan) []target {
	t.Helper()
	var got []target
	for j := range p.jobs(context.Background(), []byte(`{}`), payload.Headers{}) {
		if j.Invalid != nil {
			got = append(got, target{j.Token, "INVALID: " + j.Invalid.Error()})
			continue
		}
		got = append(got, target{j.Token, j.Label})
	}
	return got
}

// padTo pads a tokens file past the head checked before the first push
// with comment lines, and says how many lines it has then.
func padTo(b *strings.Builder, size int) int {
	n := strings.Count(b.String(), "\n")
	for b.Len() < size {
		b.WriteString("# " + strings.Repeat("-", 60) + "\n")
		n++
	}
	return n
}

// Past the head, a bad line does not stop the send: it becomes a refused
// job naming the file and line, and every good line around it is sent;
// duplicates are dropped across the head's edge (the set looks earlier
// lines up in the file itself).
func TestTokensFileLateBadLines(t *testing.T) {
	var b strings.Builder
	b.WriteString(tokActive + " first\n")
	b.WriteString("<" + spaced(tokActive2) + "> in the head\n")
	n := padTo(&b, headSize+100)
	b.WriteString("zz-not-a-token someone's phone\n")                 // line n+1
	b.WriteString(tokActive + "\n")                                   // duplicate of the head's first
	b.WriteString(strings.ToUpper(tokGone) + "\t" + "Gone iPad\n")    // new, labelled
	b.WriteString(strings.Repeat("ab", 40000) + "\n")                 // line n+4: too long
	b.WriteString("  <" + spaced(tokGone) + ">  # again, iOS form\n") // duplicate of a late line
	b.WriteString(tokActive2[:60] + "\n")                             // line n+6: cut off
	b.WriteString(tokProd)                                            // last line, no newline
	tf := filepath.Join(t.TempDir(), "tokens.txt")
	if err := os.WriteFile(tf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := planTargets(&SendOptions{TokensFile: tf}, &session.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.exact() || p.count < 2 {
		t.Errorf("count %d (exact %v): want an estimate", p.count, p.exact())
	}
	got := planJobs(t, p)
	want := []target{
		{tokActive, "first"},
		{tokActive2, "in the head"},
		{"zz-not-a-token", fmt.Sprintf("INVALID: tokens.txt line %d: the device token has 'z' at position 1", n+1)},
		{tokGone, "Gone iPad"},
		{strings.Repeat("ab", 100), fmt.Sprintf("INVALID: tokens.txt line %d: the line is longer than 64 KB", n+4)},
		{tokActive2[:60], fmt.Sprintf("INVALID: tokens.txt line %d: the device token is 60 hex digits long", n+6)},
		{tokProd, ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d jobs, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		w, refused := strings.CutPrefix(want[i].label, "INVALID: ")
		ok := got[i].label == want[i].label
		if refused {
			ok = strings.HasPrefix(got[i].label, "INVALID: ") && strings.Contains(got[i].label, w)
		}
		if got[i].token != want[i].token || !ok {
			t.Errorf("job %d: %q %q\nwant %q %q", i, got[i].token, got[i].label, want[i].token, want[i].label)
		}
	}
	if p.err != nil {
		t.Error(p.err)
	}
	// The head was let go once read: the duplicate of its first line was
	// found in the file itself.
	if p.file.head != nil {
		t.Errorf("the send still holds the file's head (%d bytes)", len(p.file.head))
	}
}

// What cannot be a token list is refused before anything is sent, whatever
// its size, with a message saying what is wrong.
func TestTokensFileRefusedBeforeSending(t *testing.T) {
	var allBad, noToken strings.Builder
	for allBad.Len() < headSize*2 {
		allBad.WriteString("not-a-token\n")
	}
	padTo(&noToken, headSize*2)
	noToken.WriteString(tokActive + "\n")
	for _, tc := range []struct {
		name, text, says string
	}{
		{"empty", "", "has no device token (0 line(s)"},
		{"comments only", "# none yet\n\n   \n", "has no device token (3 line(s)"},
		{"all bad, small", "nope\nnope\n", "tokens.txt:1: the device token has 'n'"},
		{"all bad, big", allBad.String(), "tokens.txt:1: the device token has 'n'"},
		{"no token in the head", noToken.String(), "has no device token in its first"},
		{"binary", tokActive + "\n\x00\x01\x02", "binary data (a zero byte at byte 66)"},
		{"UTF-16", "\xff\xfea\x00b\x00", "binary data"},
		{"a payload", "\n  {\"aps\": {\"alert\": \"hi\"}}", "looks like JSON"},
		{"a JSON list", `["` + tokActive + `"]`, "looks like JSON"},
		{"one long line", strings.Repeat("ab", headSize), "tokens.txt:1: the line is longer than 64 KB"},
		{"long line in the head", tokActive + "\n" + strings.Repeat("ab", 40000) + "\n" + tokActive2, "tokens.txt:2: the line is longer than 64 KB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf := filepath.Join(t.TempDir(), "tokens.txt")
			if err := os.WriteFile(tf, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			p, err := planTargets(&SendOptions{TokensFile: tf, Tokens: []string{tokProd}}, &session.Session{})
			if err == nil {
				p.close()
				t.Fatal("planned; want a refusal")
			}
			var ue *session.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.says) || strings.ContainsAny(err.Error(), "\n\r\x00") {
				t.Errorf("error %q, want a one-line usage error saying %q", err, tc.says)
			}
		})
	}
}

// BenchmarkPlanTargets100k is the head check of a 100,000-token file (what
// a send does before its first push), then the pass that yields the jobs
// with duplicates dropped.
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
		if err != nil || p.count < 90000 {
			b.Fatal(p, err)
		}
		n := 0
		for range p.jobs(context.Background(), nil, payload.Headers{}) {
			n++
		}
		p.close()
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

// Ctrl+C stops reading the file: nothing past the line it stopped at is
// sent or reported, and the plan says from where (the send then exits 1).
func TestJobsStopWhenInterrupted(t *testing.T) {
	tf := filepath.Join(t.TempDir(), "tokens.txt")
	if err := os.WriteFile(tf, []byte("# list\n"+tokActive+"\n"+tokActive2+"\n"+tokGone+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := planTargets(&SendOptions{TokensFile: tf}, &session.Session{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []string
	for j := range p.jobs(ctx, nil, payload.Headers{}) {
		got = append(got, j.Token)
		cancel()
	}
	if !slices.Equal(got, []string{tokActive}) || p.err == nil || !strings.Contains(p.err.Error(), "tokens.txt from line 3 on was not sent") {
		t.Errorf("jobs %v, err %v", got, p.err)
	}
}
