package health

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

const fixtures = "../testdata/fixtures"

// manifest is testdata/fixtures/MANIFEST.json: what a correct reader
// concludes about each shared fixture.
type manifest struct {
	Password string `json:"password"`
	Files    map[string]struct {
		OK     bool     `json:"ok"`
		Env    []string `json:"env"`
		Topics []string `json:"topics"`
		Kind   string   `json:"kind"`
	} `json:"files"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// mixedFolder copies the shared fixtures into a new folder and adds broken
// files made here: a truncated .p12, random bytes, a file too big to be a
// credential, and things a folder read must skip (a README, a subfolder, a
// hidden file). It returns the folder and the names of the broken files.
func mixedFolder(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixtures, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good, err := os.ReadFile(filepath.Join(fixtures, "dev-modern.p12"))
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 3000)
	rand.Read(random)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("made-truncated.p12", good[:len(good)/2])
	write("made-random.pem", random)
	write("made-blank.cer", []byte("\n\n  \n"))
	big, err := os.Create(filepath.Join(dir, "made-huge.p12"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(5 << 20); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	big.Close()
	write(".hidden.p12", good)
	if err := os.Mkdir(filepath.Join(dir, "sub.p12"), 0o700); err != nil {
		t.Fatal(err)
	}
	write("sub.p12/inside.p12", good)
	return dir, []string{"made-truncated.p12", "made-random.pem", "made-blank.cer", "made-huge.p12"}
}

func byBase(files []FileResult) map[string]FileResult {
	m := map[string]FileResult{}
	for _, f := range files {
		m[filepath.Base(f.File)] = f
	}
	return m
}

func TestInspectMixedFolder(t *testing.T) {
	m := readManifest(t)
	dir, broken := mixedFolder(t)
	var asked []string
	opts := InspectOptions{WarnDays: DefaultWarnDays, Password: func(file string) (string, bool, error) {
		asked = append(asked, filepath.Base(file))
		return m.Password, true, nil
	}}
	ins, err := Inspect(context.Background(), []string{dir}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := byBase(ins.Files)
	// One result per credential file, none for what a folder read skips.
	for _, name := range []string{".hidden.p12", "inside.p12", "README.md", "MANIFEST.json"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s was inspected; a folder is read one level deep, credential names only, no hidden files", name)
		}
	}
	var skipped []string
	for _, s := range ins.Skipped {
		skipped = append(skipped, filepath.Base(s))
	}
	slices.Sort(skipped)
	if want := []string{"MANIFEST.json", "README.md", "make-fixtures.sh"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	// Every credential-named fixture (the manifest's and the halves of
	// pairs it does not list: keys, certificate-only files) plus the broken.
	var want int
	entries, _ := os.ReadDir(fixtures)
	for _, e := range entries {
		if slices.Contains(credentialExts, filepath.Ext(e.Name())) {
			want++
		}
	}
	if want < len(m.Files) || len(ins.Files) != want+len(broken) {
		t.Errorf("%d results, want %d (%d fixtures, %d in the manifest, plus %d broken)", len(ins.Files), want+len(broken), want, len(m.Files), len(broken))
	}
	if !slices.IsSortedFunc(ins.Files, func(a, b FileResult) int { return strings.Compare(a.File, b.File) }) {
		t.Error("a folder's files come in name order")
	}
	for name, want := range m.Files {
		r, ok := got[name]
		if !ok {
			t.Errorf("%s: no result", name)
			continue
		}
		usable := r.Status == StatusOK || r.Status == StatusWarning
		if usable != want.OK || r.Report.Usable != want.OK {
			t.Errorf("%s: status %s (usable %v), manifest says ok=%v: %v", name, r.Status, r.Report.Usable, want.OK, r.Report.Problems)
		}
		j := r.JSON()
		if want.Env != nil && want.Kind != "token" {
			var envs []string
			for _, e := range j.Environments {
				envs = append(envs, string(e))
			}
			if !slices.Equal(envs, want.Env) {
				t.Errorf("%s: environments %v, want %v", name, envs, want.Env)
			}
		}
		if want.Topics != nil && !slices.Equal(j.Topics, want.Topics) {
			t.Errorf("%s: topics %v, want %v", name, j.Topics, want.Topics)
		}
		if want.Kind == "token" && (j.Kind != certs.AuthToken || j.DaysLeft != nil || len(j.Environments) != 2) {
			t.Errorf("%s: kind %q days %v envs %v: a token key has no expiry and works in both environments", name, j.Kind, j.DaysLeft, j.Environments)
		}
		// One number for one fact: the row's days are the report's.
		if c := r.Report.Certificate; c != nil {
			if j.DaysLeft == nil || *j.DaysLeft != c.DaysLeft || *j.DaysLeft != certs.DaysLeft(c.NotAfter, r.Now) {
				t.Errorf("%s: days_left %v, report %d", name, j.DaysLeft, c.DaysLeft)
			}
		}
	}
	// What the fixtures' validity says, in the verdict.
	if v := got["expired.p12"].Verdict(); !strings.HasPrefix(v, "✗ expired ") || !strings.HasSuffix(v, " ago") {
		t.Errorf("expired.p12 verdict %q", v)
	}
	if v := got["not-yet-valid.p12"].Verdict(); !strings.HasPrefix(v, "✗ not valid until ") {
		t.Errorf("not-yet-valid.p12 verdict %q", v)
	}
	if v, k := got["dev-key.pem"].Verdict(), fileSummary(got["dev-key.pem"]).kindText(); v != "✗ key only, no certificate" || k != "private key" {
		t.Errorf("dev-key.pem: kind %q verdict %q", k, v)
	}
	if v := got["dev-modern.p12"].Verdict(); v != "✓ usable" {
		t.Errorf("dev-modern.p12 verdict %q", v)
	}
	for _, name := range broken {
		r := got[name]
		if r.Status != StatusFailure || r.Report.Usable || len(r.Report.Problems) == 0 {
			t.Errorf("%s: status %s problems %v, want a failure that says why", name, r.Status, r.Report.Problems)
		}
	}
	if c := got["made-huge.p12"].Report.Problems[0]; !strings.Contains(c.Message, "far too big") {
		t.Errorf("huge file: %v", c)
	}
	// The password was asked for the protected files only, once each.
	for _, name := range asked {
		if name == "dev-empty-password.p12" || name == "ck-unencrypted.pem" || strings.HasPrefix(name, "made-") {
			t.Errorf("asked a password for %s, which needs none", name)
		}
	}
	if !slices.Contains(asked, "dev-modern.p12") || !slices.Contains(asked, "ck.pem") {
		t.Errorf("asked for %v; dev-modern.p12 and ck.pem need the password", asked)
	}
	if code := InspectExit(ins.Files); code != ExitFailure {
		t.Errorf("exit %d, want 1: some files are not usable", code)
	}

	// The table: a header, one line per file with its verdict, a tally.
	var b bytes.Buffer
	if err := WriteFilesTable(&b, ins.Files); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(ins.Files)+2 {
		t.Fatalf("%d lines for %d files:\n%s", len(lines), len(ins.Files), b.String())
	}
	if !strings.HasPrefix(lines[0], "FILE") || !strings.Contains(lines[0], "VERDICT") {
		t.Errorf("header %q", lines[0])
	}
	for i, f := range ins.Files {
		if l := lines[i+1]; !strings.HasPrefix(l, f.File+" ") || !strings.HasSuffix(l, f.Verdict()) {
			t.Errorf("line %q: want %s ... %s", l, f.File, f.Verdict())
		}
	}
	usable := 0
	for _, f := range ins.Files {
		if f.Report.Usable {
			usable++
		}
	}
	if tally := lines[len(lines)-1]; !strings.Contains(tally, countOf(len(ins.Files), "file")) || !strings.Contains(tally, fmt.Sprintf(": %d usable", usable)) {
		t.Errorf("tally %q (%d usable)", tally, usable)
	}

	// JSON: one object per file, one per line.
	b.Reset()
	if err := WriteFilesJSON(&b, ins.Files); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&b)
	n := 0
	for dec.More() {
		var o map[string]any
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"file", "status", "verdict", "usable", "environments", "topics", "problems", "warnings", "problem_codes", "warning_codes"} {
			if _, ok := o[k]; !ok {
				t.Errorf("object %d lacks %q: %v", n, k, o)
			}
		}
		n++
	}
	if n != len(ins.Files) {
		t.Errorf("%d JSON objects for %d files", n, len(ins.Files))
	}
}

func TestInspectFilesGivenOneByOne(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.p12")
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ins, err := Inspect(context.Background(), []string{filepath.Join(fixtures, "dev-empty-password.p12"), notes, missing}, InspectOptions{WarnDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	if len(ins.Files) != 3 || len(ins.Skipped) != 0 {
		t.Fatalf("%d results, skipped %v: a file named on its own is always inspected", len(ins.Files), ins.Skipped)
	}
	if ins.Files[0].Status != StatusOK || ins.Files[1].Status != StatusFailure || ins.Files[2].Status != StatusUnreadable {
		t.Errorf("statuses %s %s %s", ins.Files[0].Status, ins.Files[1].Status, ins.Files[2].Status)
	}
	if ins.Files[2].Report.Problems[0].Code != certs.CodeFileMissing {
		t.Errorf("missing file: %v", ins.Files[2].Report.Problems)
	}
	if code := InspectExit(ins.Files); code != ExitUsage {
		t.Errorf("exit %d, want 2: a file could not be read", code)
	}
	if code := InspectExit(ins.Files[:2]); code != ExitFailure {
		t.Errorf("exit %d, want 1", code)
	}
	if code := InspectExit(ins.Files[:1]); code != ExitOK {
		t.Errorf("exit %d, want 0", code)
	}

	// Without a password source, a protected file says it needs one.
	ins, _ = Inspect(context.Background(), []string{filepath.Join(fixtures, "dev-modern.p12")}, InspectOptions{})
	if r := ins.Files[0]; r.Status != StatusNeedsPassword || r.Verdict() != "? needs a password" || InspectExit(ins.Files) != ExitFailure {
		t.Errorf("status %s verdict %q", r.Status, r.Verdict())
	}
	// A wrong password is a failure that says so.
	ins, _ = Inspect(context.Background(), []string{filepath.Join(fixtures, "dev-modern.p12")}, InspectOptions{
		Password: func(string) (string, bool, error) { return "wrong", true, nil }})
	if r := ins.Files[0]; r.Status != StatusFailure || r.Verdict() != "✗ wrong password" {
		t.Errorf("status %s verdict %q", r.Status, r.Verdict())
	}
}

// TestInspectEscapes: a file name carrying escape codes reaches the table
// with them neutralised.
func TestInspectEscapes(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "evil\x1b]0;owned\x07\x1b[2J.pem")
	if err := os.WriteFile(name, []byte("not a cert\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ins, err := Inspect(context.Background(), []string{dir}, InspectOptions{})
	if err != nil || len(ins.Files) != 1 {
		t.Fatalf("%v %d", err, len(ins.Files))
	}
	var b bytes.Buffer
	if err := WriteFilesTable(&b, ins.Files); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x07") {
		t.Fatalf("escape codes reached the table: %q", b.String())
	}
	if !strings.Contains(b.String(), "/evil.pem ") {
		t.Errorf("table: %q", b.String())
	}
}

func TestInspectWarnDays(t *testing.T) {
	p := filepath.Join(fixtures, "dev-empty-password.p12")
	ins, _ := Inspect(context.Background(), []string{p}, InspectOptions{WarnDays: 30})
	days := *ins.Files[0].JSON().DaysLeft
	ins, _ = Inspect(context.Background(), []string{p}, InspectOptions{WarnDays: days + 1})
	r := ins.Files[0]
	if r.Status != StatusWarning || len(r.Report.Warnings) != 1 || r.Report.Warnings[0].Code != certs.CodeExpiresSoon {
		t.Fatalf("%d days left with a %d-day window: %s %v", days, days+1, r.Status, r.Report.Warnings)
	}
	if want := "⚠ " + r.Validity(); r.Verdict() != want {
		t.Errorf("verdict %q, want %q", r.Verdict(), want)
	}
	if InspectExit(ins.Files) != ExitOK {
		t.Error("a warning does not change inspect's exit code")
	}
	ins, _ = Inspect(context.Background(), []string{p}, InspectOptions{WarnDays: days})
	if ins.Files[0].Status != StatusOK {
		t.Errorf("%d days left with a %d-day window: %s", days, days, ins.Files[0].Status)
	}
}

func TestInspectUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any folder")
	}
	dir := filepath.Join(t.TempDir(), "locked")
	if err := os.Mkdir(dir, 0o000); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	ins, err := Inspect(context.Background(), []string{dir}, InspectOptions{})
	if err != nil || len(ins.Files) != 1 {
		t.Fatalf("%v %d", err, len(ins.Files))
	}
	r := ins.Files[0]
	if r.Status != StatusUnreadable || !strings.Contains(r.Report.Problems[0].Message, "The folder "+dir+" cannot be read: permission denied") {
		t.Errorf("%s %v", r.Status, r.Report.Problems)
	}
}

func TestInspectCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Inspect(ctx, []string{fixtures}, InspectOptions{}); err == nil {
		t.Fatal("a cancelled inspect gave no error")
	}
}
