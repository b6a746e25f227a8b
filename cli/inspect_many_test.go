package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// inspectMixedFolder is a folder with every shared fixture plus broken
// files made here (truncated, random bytes).
func inspectMixedFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixtureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixtureDir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good, _ := os.ReadFile(filepath.Join(fixtureDir, "dev-modern.p12"))
	if err := os.WriteFile(filepath.Join(dir, "cut.p12"), good[:len(good)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "noise.pem"), []byte("\x00\x01\x02 not a certificate at all \xff\xfe"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestInspectMany: a folder gives one line per credential file, the JSON
// one object per file, --long the full reports; the exit code is 1 when
// any is not usable, 2 when one cannot be read at all.
func TestInspectMany(t *testing.T) {
	m := inspectLoadManifest(t)
	dir := inspectMixedFolder(t)
	vars := map[string]string{"PUSHDECK_PASSWORD": m.Password}

	te := &testEnv{vars: vars}
	code := te.run("inspect", dir)
	out := te.stdout.String()
	if code != exitFailed {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, te.stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	// header + 25 fixtures + 2 broken + tally
	if len(lines) != 1+25+2+1 || !strings.HasPrefix(lines[0], "FILE ") {
		t.Fatalf("%d lines:\n%s", len(lines), out)
	}
	row := func(name string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, filepath.Join(dir, name)+" ") {
				return l
			}
		}
		t.Fatalf("no line for %s:\n%s", name, out)
		return ""
	}
	for name, want := range m.Files {
		l := row(name)
		if want.OK != (strings.HasSuffix(l, "✓ usable") || strings.Contains(l, "⚠ ")) {
			t.Errorf("%s: %q, manifest ok=%v", name, l, want.OK)
		}
	}
	for _, name := range []string{"cut.p12", "noise.pem"} {
		if l := row(name); !strings.Contains(l, "✗ ") {
			t.Errorf("%s: %q", name, l)
		}
	}
	if l := row("expired.p12"); !strings.Contains(l, "✗ expired ") || !strings.Contains(l, " days ago") {
		t.Errorf("expired.p12: %q", l)
	}
	if !strings.Contains(te.stderr.String(), "skipped 3 files") || strings.Contains(out, "MANIFEST.json") {
		t.Errorf("skipped files: stderr %q", te.stderr.String())
	}
	if strings.Contains(out+te.stderr.String(), m.Password) {
		t.Fatal("the password was printed")
	}

	// JSON Lines: one object per file.
	te = &testEnv{vars: vars}
	if c := te.run("inspect", dir, "--json"); c != exitFailed {
		t.Fatalf("--json exit %d", c)
	}
	jl := strings.Split(strings.TrimSuffix(te.stdout.String(), "\n"), "\n")
	if len(jl) != 27 {
		t.Fatalf("%d JSON lines, want 27", len(jl))
	}
	for _, l := range jl {
		var o struct {
			File     string `json:"file"`
			Status   string `json:"status"`
			Usable   bool   `json:"usable"`
			DaysLeft *int   `json:"days_left"`
			Validity string `json:"validity"`
		}
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		if filepath.Base(o.File) == "expired.p12" && (o.DaysLeft == nil || *o.DaysLeft >= 0 || !strings.HasPrefix(o.Validity, "expired ")) {
			t.Errorf("expired.p12 JSON: %s", l)
		}
	}

	// --long: the full report of each, then the tally.
	te = &testEnv{vars: vars}
	te.run("inspect", filepath.Join(dir, "dev-modern.p12"), filepath.Join(dir, "expired.p12"), "--long")
	if s := te.stdout.String(); strings.Count(s, "Certificate\n") != 2 || !strings.Contains(s, "✓ Usable") || !strings.HasSuffix(s, "2 files: 1 usable, 1 not usable\n") {
		t.Errorf("--long:\n%s", s)
	}

	// Two files by name, one missing: exit 2, and stderr says which.
	te = &testEnv{vars: vars}
	if c := te.run("inspect", filepath.Join(dir, "dev-modern.p12"), filepath.Join(dir, "gone.p12")); c != exitUsage || !strings.Contains(te.stderr.String(), "gone.p12 does not exist") {
		t.Errorf("exit %d, stderr %q", c, te.stderr.String())
	}
	// All usable: exit 0.
	te = &testEnv{vars: vars}
	if c := te.run("inspect", filepath.Join(dir, "dev-modern.p12"), filepath.Join(dir, "ck.pem"), "--warn-days", "10"); c != exitOK {
		t.Errorf("exit %d:\n%s", c, te.stdout.String())
	}
}
