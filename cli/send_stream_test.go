package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// A bad line past the head of a big tokens file is not sent: it is
// reported in its place (its line and why), counted in the summary and
// recorded in history, the exit code says some failed, and every good line
// before and after it is sent once (the duplicate across the head's edge
// is dropped).
func TestSendLateBadLineIsReportedNotFatal(t *testing.T) {
	home := newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	var b strings.Builder
	b.WriteString(tokActive + " Ana\n")
	n := padTo(&b, headSize+1)
	b.WriteString("not-a-token Bob's phone\n") // line n+1
	b.WriteString(tokActive + " again\n")
	b.WriteString(tokActive2 + " Cleo\n")
	tf := filepath.Join(t.TempDir(), "tokens.txt")
	if err := os.WriteFile(tf, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	te := withPassword()
	code := te.run(certArgs(s, "--env", "development", "--tokens-file", tf, "--alert", "Hello", "--json")...)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (a line failed)\nstderr: %s", code, te.stderr.String())
	}
	rs, sum := jsonLines(t, te.stdout.String())
	if len(rs) != 3 || sum.Total != 3 || sum.Sent != 2 || sum.Failed != 1 || sum.Reasons["invalid"] != 1 {
		t.Fatalf("%d results, summary %+v\n%s", len(rs), sum, te.stdout.String())
	}
	var bad resultLine
	for _, r := range rs {
		if r.Status == 0 {
			bad = r
		}
	}
	if bad.Class != "invalid" || bad.Token != "not-a-token" || bad.Label != "Bob's phone" ||
		!strings.Contains(bad.Error, "tokens.txt line "+strconv.Itoa(n+1)+": the device token has 'n' at position 1") {
		t.Errorf("bad line's result: %+v", bad)
	}
	if got := s.Counters().Requests; got != 2 {
		t.Errorf("the server saw %d pushes, want 2", got)
	}
	st, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hist, err := st.QueryHistory(profiles.HistoryFilter{})
	if err != nil || len(hist) != 3 {
		t.Fatalf("history: %d entries, %v", len(hist), err)
	}
	// The human output says the same, one line each.
	te = withPassword()
	code = te.run(certArgs(s, "--env", "development", "--tokens-file", tf, "--alert", "Hello")...)
	out := te.stdout.String()
	if code != exitFailed || !strings.Contains(out, "FAILED  Bob's phone (not-a-token)  not sent: ") ||
		!strings.Contains(out, "2 sent, 1 failed of 3") || !strings.Contains(out, "invalid 1") {
		t.Errorf("exit %d, output:\n%s\nstderr: %s", code, out, te.stderr.String())
	}
	if !strings.Contains(te.stderr.String(), "sending to about ") {
		t.Errorf("stderr: %s", te.stderr.String())
	}
}
