package cli

import (
	"bytes"
	"strings"
	"testing"
)

func TestDemoNeedsTerminal(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"demo"})
	if code != exitUsage || !strings.Contains(errb.String(), "needs a terminal") {
		t.Fatalf("exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"demo", "--help"}); code != exitOK || !strings.Contains(out.String(), "pushdeck demo") || !strings.Contains(out.String(), "built-in demo") {
		t.Fatalf("--help: exit %d, %q", code, out.String())
	}
}
