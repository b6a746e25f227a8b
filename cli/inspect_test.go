package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

const fixtureDir = "../testdata/fixtures"

// testEnv runs a command in-process with its own streams and environment.
type testEnv struct {
	vars           map[string]string
	stdin          string
	stdout, stderr bytes.Buffer
}

func (t *testEnv) run(args ...string) int {
	e := env{
		stdin:  strings.NewReader(t.stdin),
		stdout: &t.stdout,
		stderr: &t.stderr,
		getenv: func(k string) string { return t.vars[k] },
	}
	return run(e, args)
}

type inspectManifestFile struct {
	Password string `json:"password"`
	Bundle   string `json:"bundle"`
	Team     string `json:"team"`
	Files    map[string]struct {
		OK       bool     `json:"ok"`
		Env      []string `json:"env"`
		Topics   []string `json:"topics"`
		Password *string  `json:"password"`
		Problem  string   `json:"problem"`
		Kind     string   `json:"kind"`
		KeyID    string   `json:"key_id"`
		Team     string   `json:"team"`
	} `json:"files"`
}

func inspectLoadManifest(t *testing.T) inspectManifestFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m inspectManifestFile
	if err := json.Unmarshal(b, &m); err != nil || len(m.Files) == 0 {
		t.Fatalf("MANIFEST.json: %v", err)
	}
	return m
}

// inspectManifestCode is the code `inspect --json` must list for the manifest's
// wording of a problem; unknown wording fails the test.
func inspectManifestCode(t *testing.T, problem string) certs.Code {
	t.Helper()
	switch {
	case problem == "":
		return ""
	case problem == "expired":
		return certs.CodeExpired
	case problem == "not yet valid":
		return certs.CodeNotYetValid
	case problem == "no private key", strings.HasPrefix(problem, "certificate only"):
		return certs.CodeNoPrivateKey
	case problem == "private key does not match certificate":
		return certs.CodeKeyMismatch
	case problem == "corrupt":
		return certs.CodeCorrupt
	case problem == "empty":
		return certs.CodeEmpty
	case problem == "no certificate":
		return certs.CodeNotCertificate
	case problem == "expires soon":
		return certs.CodeExpiresSoon
	}
	t.Fatalf("MANIFEST.json problem %q has no expected code", problem)
	return ""
}

type inspectJSONOut struct {
	File         string       `json:"file"`
	Format       string       `json:"format"`
	Usable       bool         `json:"usable"`
	Problems     []string     `json:"problems"`
	Warnings     []string     `json:"warnings"`
	ProblemCodes []certs.Code `json:"problem_codes"`
	WarningCodes []certs.Code `json:"warning_codes"`
	Certificate  *struct {
		Topic        string   `json:"topic"`
		Environments []string `json:"environments"`
		Topics       []struct {
			Topic, Kind string
		} `json:"topics"`
		TeamID   string `json:"team_id"`
		NotAfter string `json:"not_after"`
		DaysLeft int    `json:"days_left"`
	} `json:"certificate"`
	PrivateKey *certs.KeyInfo      `json:"private_key"`
	Chain      *[]json.RawMessage  `json:"chain"`
	TokenKey   *certs.TokenKeyInfo `json:"token_key"`
}

// TestInspectManifest runs `pushdeck inspect` on every fixture, in JSON and
// in human form, and checks what MANIFEST.json says.
func TestInspectManifest(t *testing.T) {
	t.Parallel()
	m := inspectLoadManifest(t)
	for name, want := range m.Files {
		t.Run(name, func(t *testing.T) {
			vars := map[string]string{"PUSHDECK_PASSWORD": m.Password}
			if want.Password != nil {
				vars["PUSHDECK_PASSWORD"] = *want.Password // "" = unset: the empty password is tried
			}
			args := []string{"inspect", filepath.Join(fixtureDir, name), "--json"}
			if want.Kind == "token" {
				args = append(args, "--team-id", want.Team)
			}
			te := &testEnv{vars: vars}
			code := te.run(args...)
			wantCode := exitOK
			if !want.OK {
				wantCode = exitFailed
			}
			if code != wantCode {
				t.Fatalf("exit %d, want %d; stderr %s", code, wantCode, te.stderr.String())
			}
			var out inspectJSONOut
			if err := json.Unmarshal(te.stdout.Bytes(), &out); err != nil {
				t.Fatalf("--json output is not one JSON object: %v\n%s", err, te.stdout.String())
			}
			if out.Usable != want.OK || out.File != args[1] || out.Problems == nil || out.Warnings == nil {
				t.Fatalf("usable %v file %q problems %v", out.Usable, out.File, out.Problems)
			}
			if c := inspectManifestCode(t, want.Problem); c != "" && !slices.Contains(out.ProblemCodes, c) && !slices.Contains(out.WarningCodes, c) {
				t.Errorf("codes %v %v lack %s", out.ProblemCodes, out.WarningCodes, c)
			}
			if len(out.Problems) != len(out.ProblemCodes) || (!want.OK && len(out.Problems) == 0) {
				t.Errorf("problems %v codes %v", out.Problems, out.ProblemCodes)
			}
			if want.Env != nil && (out.Certificate == nil || !slices.Equal(out.Certificate.Environments, want.Env)) {
				t.Errorf("certificate %+v, want environments %v", out.Certificate, want.Env)
			}
			if want.Topics != nil {
				var got []string
				for _, tp := range out.Certificate.Topics {
					got = append(got, tp.Topic)
				}
				if !slices.Equal(got, want.Topics) {
					t.Errorf("topics %v, want %v", got, want.Topics)
				}
			}
			if want.Kind == "token" {
				if out.Format != "p8" || out.TokenKey == nil || out.TokenKey.KeyID != want.KeyID || out.TokenKey.TeamID != want.Team ||
					out.Certificate != nil || out.PrivateKey != nil || out.Chain != nil {
					t.Errorf("token key JSON: %s", te.stdout.String())
				}
			} else if out.TokenKey != nil {
				t.Error("token_key present for a certificate")
			}
			if out.Certificate != nil && (out.Chain == nil || out.PrivateKey == nil) {
				t.Error("a certificate report must carry chain and private_key")
			}
			if want.OK && want.Kind != "token" && (out.Certificate.Topic != m.Bundle || out.Certificate.TeamID != m.Team || !out.PrivateKey.MatchesCertificate) {
				t.Errorf("certificate %+v key %+v", out.Certificate, out.PrivateKey)
			}
			if _, err := time.Parse(time.RFC3339, inspectNotAfter(out)); out.Certificate != nil && err != nil {
				t.Errorf("not_after is not RFC3339: %v", err)
			}

			// The human report says the same, with marks and no colour codes (not a terminal).
			te = &testEnv{vars: vars}
			human := slices.DeleteFunc(slices.Clone(args), func(a string) bool { return a == "--json" })
			if c := te.run(human...); c != code {
				t.Fatalf("human form exit %d, JSON form %d", c, code)
			}
			h := te.stdout.String()
			verdict := "✗ Not usable"
			if want.OK {
				verdict = "Usable"
			}
			if !strings.Contains(h, verdict) || strings.Contains(h, "\x1b[") {
				t.Errorf("human report lacks %q or has ANSI codes:\n%s", verdict, h)
			}
			for _, p := range out.Problems {
				if !strings.Contains(h, strings.SplitN(p, ". ", 2)[0]) {
					t.Errorf("human report lacks problem %q", p)
				}
			}
		})
	}
}

func inspectNotAfter(o inspectJSONOut) string {
	if o.Certificate == nil {
		return ""
	}
	return o.Certificate.NotAfter
}

func TestInspectPasswordSources(t *testing.T) {
	t.Parallel()
	p12 := filepath.Join(fixtureDir, "dev-modern.p12")
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("hello123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const wrong = "N0t-the-Passw0rd"
	cases := []struct {
		name  string
		vars  map[string]string
		stdin string
		args  []string
		code  int
		says  string
	}{
		{"env", map[string]string{"PUSHDECK_PASSWORD": "hello123"}, "", nil, exitOK, "✓ Usable"},
		{"file", nil, "", []string{"--password-file", pwFile}, exitOK, "✓ Usable"},
		{"stdin", nil, "hello123\n", []string{"--password-stdin"}, exitOK, "✓ Usable"},
		{"file wins over env", map[string]string{"PUSHDECK_PASSWORD": wrong}, "", []string{"--password-file", pwFile}, exitOK, "✓ Usable"},
		{"wrong", map[string]string{"PUSHDECK_PASSWORD": wrong}, "", nil, exitFailed, "The password is wrong"},
		{"none, not a terminal", nil, "", nil, exitFailed, "protected by a password and none was given"},
		{"missing password file", nil, "", []string{"--password-file", pwFile + ".nope"}, exitUsage, "cannot read the password file"},
		{"empty stdin", nil, "", []string{"--password-stdin"}, exitUsage, "nothing on standard input"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			te := &testEnv{vars: tc.vars, stdin: tc.stdin}
			code := te.run(append([]string{"inspect", p12}, tc.args...)...)
			all := te.stdout.String() + te.stderr.String()
			if code != tc.code || !strings.Contains(all, tc.says) {
				t.Fatalf("exit %d (want %d); output lacks %q:\n%s", code, tc.code, tc.says, all)
			}
			if strings.Contains(all, wrong) || strings.Contains(all, "hello123") {
				t.Fatal("a password was printed")
			}
		})
	}
	// Without a password source the advice says how to give one.
	te := &testEnv{}
	te.run("inspect", p12, "--json")
	if !strings.Contains(te.stdout.String(), "PUSHDECK_PASSWORD") || !strings.Contains(te.stdout.String(), "password-required") {
		t.Errorf("password-required advice lacks the CLI sources: %s", te.stdout.String())
	}
}

func TestInspectUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args []string
		code int
		out  string // where the message goes: "stdout" or "stderr"
		says string
	}{
		{[]string{"inspect", "--help"}, exitOK, "stdout", "pushdeck inspect FILE"},
		{[]string{"help", "inspect"}, exitOK, "stdout", "--password-stdin"},
		{[]string{"inspect"}, exitUsage, "stderr", "give one or more credential FILEs or folders"},
		{[]string{"inspect", "a.p12", "b.p12"}, exitUsage, "stderr", "pushdeck inspect: The file a.p12 does not exist."},
		{[]string{"inspect", "--bogus", "a.p12"}, exitUsage, "stderr", "unknown flag: --bogus"},
		{[]string{"inspect", "--password", "x", "a.p12"}, exitUsage, "stderr", "there is no --password flag, on purpose"},
		{[]string{"inspect", filepath.Join(fixtureDir, "nope.p12")}, exitUsage, "stdout", "does not exist"},
		{[]string{"inspect", fixtureDir}, exitFailed, "stdout", "25 files: "},
		{[]string{"inspect", filepath.Join(fixtureDir, "aps_development.cer"), "--key", "nope.pem"}, exitUsage, "stdout", "key file nope.pem does not exist"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			te := &testEnv{}
			code := te.run(tc.args...)
			got := te.stdout.String()
			if tc.out == "stderr" {
				got = te.stderr.String()
			}
			if code != tc.code || !strings.Contains(got, tc.says) {
				t.Fatalf("exit %d (want %d); %s lacks %q:\n%s%s", code, tc.code, tc.out, tc.says, te.stdout.String(), te.stderr.String())
			}
		})
	}
}

// TestInspectFlagsAnywhere: flags may follow the file, and --key pairs a
// DER .cer with its key.
func TestInspectFlagsAnywhere(t *testing.T) {
	t.Parallel()
	cer := filepath.Join(fixtureDir, "aps_development.cer")
	key := filepath.Join(fixtureDir, "dev-key-encrypted.pem")
	for _, args := range [][]string{
		{"inspect", cer, "--key", key, "--json"},
		{"inspect", "--json", "--key", key, cer},
		{"inspect", "--json", cer, "--key=" + key},
	} {
		te := &testEnv{vars: map[string]string{"PUSHDECK_PASSWORD": "hello123"}}
		if code := te.run(args...); code != exitOK || !strings.HasPrefix(te.stdout.String(), "{") {
			t.Errorf("%v: exit %d\n%s%s", args, code, te.stdout.String(), te.stderr.String())
		}
	}
}

// TestInspectValidity uses certificates made now for the time-relative cases.
func TestInspectValidity(t *testing.T) {
	t.Parallel()
	ca, err := certgen.NewCA("Inspect Test CA")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	dir := t.TempDir()
	cases := []struct {
		name   string
		nb, na time.Time
		code   int
		marks  []string
		jsonCo certs.Code
	}{
		{"soon", now.Add(-time.Hour), now.Add(10*24*time.Hour + time.Hour), exitOK, []string{"⚠ Usable, with 1 warning", "⚠ The certificate expires in 10 days"}, certs.CodeExpiresSoon},
		{"expired", now.AddDate(-1, 0, 0), now.Add(-48 * time.Hour), exitFailed, []string{"✗ Not usable", "✗ The certificate expired 2 days ago, on " + now.Add(-48*time.Hour).UTC().Format("2006-01-02")}, certs.CodeExpired},
		{"future", now.Add(72 * time.Hour), now.AddDate(1, 0, 0), exitFailed, []string{"✗ The certificate is not valid until " + now.Add(72*time.Hour).UTC().Format("2006-01-02")}, certs.CodeNotYetValid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ca.Client(certgen.ClientSpec{Topic: "com.example.t", Environments: []certs.Environment{certs.Production}, NotBefore: tc.nb, NotAfter: tc.na})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := certgen.PEM(c)
			path := filepath.Join(dir, tc.name+".pem")
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			te := &testEnv{}
			if code := te.run("inspect", path); code != tc.code {
				t.Fatalf("exit %d, want %d\n%s", code, tc.code, te.stdout.String())
			}
			for _, mark := range tc.marks {
				if !strings.Contains(te.stdout.String(), mark) {
					t.Errorf("report lacks %q:\n%s", mark, te.stdout.String())
				}
			}
			te = &testEnv{}
			te.run("inspect", path, "--json")
			var out inspectJSONOut
			if err := json.Unmarshal(te.stdout.Bytes(), &out); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(append(out.ProblemCodes, out.WarningCodes...), tc.jsonCo) {
				t.Errorf("JSON codes %v %v lack %s", out.ProblemCodes, out.WarningCodes, tc.jsonCo)
			}
		})
	}
}

// TestInspectStyles: colour only when asked for; the same words either way.
func TestInspectStyles(t *testing.T) {
	t.Parallel()
	cred, _ := certs.Load(filepath.Join(fixtureDir, "expired.p12"), certs.Options{Password: "hello123"})
	plain := renderCredReport(cred.Report, newInspectStyles(false))
	styled := renderCredReport(cred.Report, newInspectStyles(true))
	if strings.Contains(plain, "\x1b[") || !strings.Contains(styled, "\x1b[") {
		t.Fatal("plain output must have no ANSI codes and styled output must have some")
	}
	if !strings.Contains(styled, "✗") || !strings.Contains(styled, "The certificate expired ") {
		t.Error("styled output lost the marks or the words")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if credStyled(env{stdout: f, getenv: func(string) string { return "" }}) {
		t.Error("a regular file is not a terminal: no colour")
	}
	if credStyled(env{stdout: os.Stdout, getenv: func(k string) string { return map[string]string{"NO_COLOR": "1"}[k] }}) {
		t.Error("NO_COLOR must turn colour off")
	}
}

// TestInspectBinary runs the built binary as a support person would,
// through a pipe: exit codes, plain output, the password from the
// environment.
func TestInspectBinary(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := pushdeckBinary(t)
	m := inspectLoadManifest(t)
	for name, want := range m.Files {
		cmd := exec.Command(bin, "inspect", filepath.Join(fixtureDir, name))
		cmd.Env = append(os.Environ(), "PUSHDECK_PASSWORD="+m.Password)
		if want.Password != nil {
			cmd.Env = append(os.Environ(), "PUSHDECK_PASSWORD=")
		}
		out, _ := cmd.Output()
		wantCode := exitOK
		if !want.OK {
			wantCode = exitFailed
		}
		if cmd.ProcessState.ExitCode() != wantCode || bytes.Contains(out, []byte("\x1b[")) {
			t.Errorf("%s: exit %d (want %d)\n%s", name, cmd.ProcessState.ExitCode(), wantCode, out)
		}
	}
	cmd := exec.Command(bin, "inspect", "no-such-file.p12")
	if out, _ := cmd.Output(); cmd.ProcessState.ExitCode() != exitUsage || !bytes.Contains(out, []byte("does not exist")) {
		t.Errorf("missing file: exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
}
