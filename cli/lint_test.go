package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// lintExec runs `pushdeck lint args...` in-process.
func lintExec(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	code = run(e, append([]string{"lint"}, args...))
	return code, out.String(), errb.String()
}

func lintFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLintValidFile(t *testing.T) {
	t.Parallel()
	p := lintFile(t, `{"aps":{"alert":"Hello","sound":"default"}}`)
	code, out, errOut := lintExec(t, "", p, "--push-type", "alert", "--priority", "10")
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if want := p + ": valid, 0 errors, 0 warnings; 43 of 4096 bytes\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestLintSyntaxErrorHuman(t *testing.T) {
	t.Parallel()
	p := lintFile(t, "{\n  \"aps\": {\n    \"badge\": 1\n    \"sound\": \"default\"\n  }\n}")
	code, out, _ := lintExec(t, "", "--push-type", "alert", p)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailed, out)
	}
	for _, want := range []string{
		p + `:3:14: error: missing comma after "badge": 1` + "\n",
		"    fix: add a comma after 1\n",
		p + ": invalid, 1 error, 0 warnings",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLintFindingsHuman(t *testing.T) {
	t.Parallel()
	p := lintFile(t, "{\n  \"aps\": {\n    \"badge\": \"1\",\n    \"sond\": \"x\"\n  }\n}")
	code, out, _ := lintExec(t, "", p, "--push-type", "alert", "--priority", "7")
	if code != exitFailed {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		p + `:3:14: error: aps.badge: badge is the string "1"; it must be a number`,
		`    fix: write "badge": 1 without quotes`,
		p + `:4:5: warning: aps.sond: unknown key "sond" inside aps; iOS ignores it`,
		`    fix: did you mean "sound"?`,
		p + ": error: apns-priority: priority 7 is not allowed",
		"invalid, 2 errors, 1 warning",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestLintJSONShape(t *testing.T) {
	t.Parallel()
	code, out, _ := lintExec(t, `{"aps":{"badge":"1","sond":1}}`, "--json", "--push-type", "alert", "-")
	if code != exitFailed {
		t.Fatalf("exit %d", code)
	}
	want := `{"valid":false,"bytes":30,"limit":4096,` +
		`"errors":[{"path":"aps.badge","line":1,"column":17,"message":"badge is the string \"1\"; it must be a number","fix":"write \"badge\": 1 without quotes"}],` +
		`"warnings":[{"path":"aps.sond","message":"unknown key \"sond\" inside aps; iOS ignores it","fix":"did you mean \"sound\"?"}]}` + "\n"
	if out != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}
}

func TestLintJSONValidHasEmptyLists(t *testing.T) {
	t.Parallel()
	code, out, _ := lintExec(t, `{"caller":"Jenna"}`, "-", "--json", "--push-type", "voip", "--topic", "com.example.app.voip", "--app-topic", "com.example.app")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, out)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"valid": true, "bytes": float64(18), "limit": float64(5120), "errors": []any{}, "warnings": []any{}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestLintWarningsOnlyExitZero(t *testing.T) {
	t.Parallel()
	code, out, _ := lintExec(t, `{"aps":{"alert":"hi","sond":1}}`, "-")
	if code != exitOK {
		t.Fatalf("warnings must not fail the lint: exit %d\n%s", code, out)
	}
	if !strings.Contains(out, "apns-push-type is not set") || !strings.Contains(out, "valid, 0 errors, 2 warnings") {
		t.Errorf("output:\n%s", out)
	}
}

func TestLintHeaderFlags(t *testing.T) {
	t.Parallel()
	silent := `{"aps":{"content-available":1}}`
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--push-type", "background", "--priority", "10"}, exitFailed, "a background push must use priority 5"},
		{[]string{"--push-type", "background", "--priority", "5"}, exitOK, "valid, 0 errors, 0 warnings"},
		{[]string{"--push-type", "Background", "--priority", "5"}, exitOK, "valid"},
		{[]string{"--push-type", "background", "--priority", "5", "--topic", "com.example.app.voip", "--app-topic", "com.example.app"}, exitFailed, "it should be com.example.app"},
		{[]string{"--push-type", "background", "--priority", "5", "--collapse-id", strings.Repeat("c", 65)}, exitFailed, "collapse-id is 65 bytes"},
		{[]string{"--push-type", "backgrund", "--priority", "5"}, exitFailed, "did you mean background?"},
	}
	for _, tt := range tests {
		code, out, _ := lintExec(t, silent, append([]string{"-"}, tt.args...)...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("%v: exit %d, want %d; output lacks %q:\n%s", tt.args, code, tt.code, tt.want, out)
		}
	}
}

func TestLintUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "give exactly one FILE"},
		{[]string{"a.json", "b.json"}, "give exactly one FILE"},
		{[]string{"--bogus", "-"}, "unknown flag: --bogus"},
		{[]string{"-", "--priority", "high"}, `invalid argument "high" for "--priority" flag`},
		{[]string{filepath.Join(t.TempDir(), "missing.json")}, "no such file; give the path of a JSON payload"},
		{[]string{t.TempDir()}, "is a folder"},
	}
	for _, tt := range tests {
		code, out, errOut := lintExec(t, "", tt.args...)
		if code != exitUsage || !strings.Contains(errOut, tt.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

func TestLintHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"lint", "--help"}, {"help", "lint"}} {
		var out, errb bytes.Buffer
		code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, args)
		if code != exitOK || !strings.Contains(out.String(), "pushdeck lint FILE|-") || errb.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
}

func TestLintStdinNotAJSONObject(t *testing.T) {
	t.Parallel()
	code, out, _ := lintExec(t, `["aps"]`, "-", "--push-type", "alert")
	if code != exitFailed || !strings.Contains(out, "<stdin>:1:1: error: the payload is an array; APNs needs a JSON object") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
