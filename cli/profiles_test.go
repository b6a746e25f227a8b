package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

const cfgFixtures = "../testdata/fixtures"

// cfgHome gives the test its own config folder (0700, as Open would make
// it, so no permission warning clutters the output).
func cfgHome(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	os.Chmod(dir, 0o700)
	t.Setenv("PUSHDECK_HOME", dir)
	return dir
}

// cfgRun runs a command in-process with its own streams.
func cfgRun(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: os.Getenv}, args)
	return out.String(), errb.String(), code
}

func cfgWant(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func TestProfilesAddListShowUseRemove(t *testing.T) {
	home := cfgHome(t)
	t.Setenv("MYAPP_PW", "hello123")
	out, errs, code := cfgRun(t, "", "profiles", "add", "dev", "--cert", cfgFixtures+"/dev-modern.p12",
		"--env", "sandbox", "--password-env", "MYAPP_PW", "--notes", "QA phones", "--priority", "5")
	if code != exitOK {
		t.Fatalf("add dev: exit %d\n%s%s", code, out, errs)
	}
	cfgWant(t, "add output", out, "usable", "com.example.pushdeck", "Saved profile dev", "active profile")
	// The flags may also come before the name.
	wrongPW := filepath.Join(t.TempDir(), "wrong-pw")
	os.WriteFile(wrongPW, []byte("not the password\n"), 0o600)
	out, errs, code = cfgRun(t, "", "profiles", "add", "--cert", cfgFixtures+"/prod-keychain-3des.p12",
		"--password-file", wrongPW, "prod")
	if code != exitFailed { // not the password
		t.Fatalf("add prod with a wrong password file: exit %d\n%s%s", code, out, errs)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("hello123\n"), 0o600)
	out, errs, code = cfgRun(t, "", "profiles", "add", "--cert", cfgFixtures+"/prod-keychain-3des.p12", "--password-file", pwFile, "prod")
	if code != exitOK {
		t.Fatalf("add prod: exit %d\n%s%s", code, out, errs)
	}
	cfgWant(t, "add prod output", out, "production")
	data, _ := os.ReadFile(filepath.Join(home, "profiles.json"))
	if bytes.Contains(data, []byte("hello123")) {
		t.Fatal("profiles.json holds the password")
	}
	out, _, code = cfgRun(t, "", "profiles", "list")
	if code != exitOK || !strings.Contains(out, "* dev") || !strings.Contains(out, "  prod") {
		t.Fatalf("list: exit %d\n%s", code, out)
	}
	out, _, _ = cfgRun(t, "", "profiles", "show", "dev")
	cfgWant(t, "show", out, "dev (active)", "development", "from the environment variable MYAPP_PW", "QA phones", "Priority:")
	out, _, _ = cfgRun(t, "", "profiles", "show", "prod", "--json")
	var p profiles.Profile
	if err := json.Unmarshal([]byte(out), &p); err != nil || p.Password.Kind != "file" || p.Password.Name != pwFile || p.Environment != "production" {
		t.Fatalf("show --json: %v %+v", err, p)
	}
	if _, _, code := cfgRun(t, "", "profiles", "use", "prod"); code != exitOK {
		t.Fatal("use prod failed")
	}
	out, _, _ = cfgRun(t, "", "profiles", "list", "--json")
	var lst struct {
		Active   string
		Profiles []profiles.Profile
	}
	if err := json.Unmarshal([]byte(out), &lst); err != nil || lst.Active != "prod" || len(lst.Profiles) != 2 {
		t.Fatalf("list --json: %v %+v", err, lst)
	}
	if _, _, code := cfgRun(t, "", "profiles", "remove", "prod"); code != exitOK {
		t.Fatal("remove prod failed")
	}
	_, errs, code = cfgRun(t, "", "profiles", "show", "prod")
	if code != exitUsage || !strings.Contains(errs, `no profile named "prod": saved profiles are dev`) {
		t.Fatalf("show removed: exit %d %s", code, errs)
	}
}

func TestProfilesAddRefusals(t *testing.T) {
	home := cfgHome(t)
	t.Setenv("PW", "hello123")
	dev := cfgFixtures + "/dev-modern.p12"
	cases := []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"dev cert as production", []string{"x", "--cert", dev, "--env", "production", "--password-env", "PW"}, exitFailed,
			[]string{"not saved", "development only", "--force"}},
		{"expired", []string{"x", "--cert", cfgFixtures + "/expired.p12", "--password-env", "PW"}, exitFailed,
			[]string{"not saved", "expired"}},
		{"foreign topic", []string{"x", "--cert", dev, "--topic", "com.other.app", "--password-env", "PW"}, exitFailed,
			[]string{"TopicDisallowed"}},
		{"missing file", []string{"x", "--cert", "/nonexistent.p12", "--env", "development"}, exitUsage,
			[]string{"/nonexistent.p12"}},
		{"no password source", []string{"x", "--cert", dev, "--env", "development"}, exitUsage,
			[]string{"protected by a password", "--password-env"}},
		{"password variable unset", []string{"x", "--cert", dev, "--password-env", "NOPE_UNSET"}, exitUsage,
			[]string{"NOPE_UNSET", "not set"}},
		{"two password sources", []string{"x", "--cert", dev, "--password-env", "PW", "--password-prompt"}, exitUsage,
			[]string{"one of"}},
		{"cert and p8", []string{"x", "--cert", dev, "--p8", cfgFixtures + "/AuthKey_54321EDCBA.p8"}, exitUsage,
			[]string{"not both"}},
		{"no credential", []string{"x", "--env", "development"}, exitUsage, []string{"--cert FILE"}},
		{"no name", []string{"--cert", dev}, exitUsage, []string{"NAME"}},
		{"p8 without topic", []string{"x", "--p8", cfgFixtures + "/AuthKey_54321EDCBA.p8", "--team-id", "ABCDE12345", "--env", "development"}, exitUsage,
			[]string{"--topic"}},
		{"bad env", []string{"x", "--cert", dev, "--env", "staging"}, exitUsage, []string{"staging"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := cfgRun(t, "", append([]string{"profiles", "add"}, c.args...)...)
			if code != c.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, c.code, out, errs)
			}
			cfgWant(t, "stderr", errs, c.wants...)
		})
	}
	if _, err := os.Stat(filepath.Join(home, "profiles.json")); err == nil {
		t.Error("a refused profile was written")
	}
	// --force accepts what an override may accept, and says so.
	out, errs, code := cfgRun(t, "", "profiles", "add", "x", "--cert", dev, "--env", "production", "--password-env", "PW", "--force")
	if code != exitOK || !strings.Contains(errs, "saved despite") {
		t.Fatalf("--force: exit %d\n%s%s", code, out, errs)
	}
	// An existing name is not replaced by accident.
	_, errs, code = cfgRun(t, "", "profiles", "add", "x", "--cert", dev, "--env", "development", "--password-env", "PW")
	if code != exitUsage || !strings.Contains(errs, "exists") {
		t.Fatalf("existing name: exit %d %s", code, errs)
	}
	_, _, code = cfgRun(t, "", "profiles", "add", "x", "--cert", dev, "--env", "development", "--password-env", "PW", "--force")
	if out, _, _ := cfgRun(t, "", "profiles", "show", "x"); code != exitOK || !strings.Contains(out, "development") {
		t.Fatalf("replace with --force: exit %d\n%s", code, out)
	}
}

func TestProfilesTokenKey(t *testing.T) {
	cfgHome(t)
	out, errs, code := cfgRun(t, "", "profiles", "add", "tok", "--p8", cfgFixtures+"/AuthKey_54321EDCBA.p8",
		"--team-id", "ABCDE12345", "--topic", "com.example.pushdeck", "--env", "production")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	out, _, _ = cfgRun(t, "", "profiles", "show", "tok")
	cfgWant(t, "show", out, "token", "54321EDCBA", "ABCDE12345", "production", "Password:     none")
}

func TestProfilesHelpAndUsage(t *testing.T) {
	cfgHome(t)
	for _, args := range [][]string{{"profiles", "--help"}, {"profiles", "add", "--help"}, {"help", "profiles"}} {
		out, _, code := cfgRun(t, "", args...)
		if code != exitOK || !strings.Contains(out, "pushdeck profiles add") {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
	}
	if _, errs, code := cfgRun(t, "", "profiles", "frobnicate"); code != exitUsage || !strings.Contains(errs, "unknown subcommand") {
		t.Errorf("unknown subcommand: exit %d %s", code, errs)
	}
	if _, errs, code := cfgRun(t, "", "profiles", "list", "--bogus"); code != exitUsage || !strings.Contains(errs, "bogus") {
		t.Errorf("unknown flag: exit %d %s", code, errs)
	}
}

func TestProfilesCorruptFileStopsWithMessage(t *testing.T) {
	home := cfgHome(t)
	p := filepath.Join(home, "profiles.json")
	bad := "{\n  \"schema\": 1,\n  \"profiles\": [\n    {\"name\": \"dev\",,}\n  ]\n}\n"
	os.WriteFile(p, []byte(bad), 0o600)
	for _, args := range [][]string{{"profiles", "list"}, {"profiles", "use", "dev"}} {
		_, errs, code := cfgRun(t, "", args...)
		if code != exitUsage {
			t.Fatalf("%v: exit %d", args, code)
		}
		cfgWant(t, "stderr", errs, p, "line 4", "not changed it", ".corrupt-", "move the file away")
	}
	if now, _ := os.ReadFile(p); string(now) != bad {
		t.Fatal("the corrupt file was changed")
	}
	copies, _ := filepath.Glob(p + ".corrupt-*")
	if len(copies) != 1 {
		t.Fatalf("copies: %v", copies)
	}
}

// TestSharedFolderIsLeftAsItIs: PUSHDECK_HOME at a folder pushdeck did not
// create (0755) keeps its mode, even through a write; the user is told.
func TestSharedFolderIsLeftAsItIs(t *testing.T) {
	home := cfgHome(t)
	os.Chmod(home, 0o755)
	_, errs, code := cfgRun(t, "", "devices", "add", devTok('a'), "--label", "a", "--env", "development")
	if code != exitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	cfgWant(t, "stderr", errs, "warning: "+home, "0755", "did not create")
	if fi, _ := os.Stat(home); fi.Mode().Perm() != 0o755 {
		t.Fatalf("the folder was changed to %04o", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Join(home, "pushdeck.db")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("the database is %04o", fi.Mode().Perm())
	}
}

// TestProfilesExportImport: an export carries no secret and no password
// file path; a colleague's import adds the profiles, keeps existing ones
// unless --replace, and refuses a file that is not an export.
func TestProfilesExportImport(t *testing.T) {
	home := cfgHome(t)
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("hello123\n"), 0o600)
	if _, errs, code := cfgRun(t, "", "profiles", "add", "dev", "--cert", cfgFixtures+"/dev-modern.p12", "--env", "development", "--password-file", pwFile); code != exitOK {
		t.Fatalf("add: %s", errs)
	}
	out, errs, code := cfgRun(t, "", "profiles", "export")
	if code != exitOK {
		t.Fatalf("export: exit %d %s", code, errs)
	}
	for _, secret := range []string{"hello123", pwFile, "PRIVATE KEY"} {
		if strings.Contains(out, secret) {
			t.Errorf("the export holds %q:\n%s", secret, out)
		}
	}
	cfgWant(t, "stderr", errs, "note:", "prompt")
	exp := filepath.Join(t.TempDir(), "team.json")
	os.WriteFile(exp, []byte(out), 0o600)

	other := cfgHome(t) // a colleague's machine
	_ = home
	out, errs, code = cfgRun(t, "", "profiles", "import", exp)
	if code != exitOK || !strings.Contains(out, "added dev") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	s, err := profiles.Open(other)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Profile("dev")
	s.Close()
	if err != nil || p.Password.Kind != profiles.PasswordPrompt || p.Environment != certs.Development {
		t.Fatalf("imported profile: %+v %v", p, err)
	}
	_, errs, code = cfgRun(t, "", "profiles", "import", exp)
	if code != exitOK || !strings.Contains(errs, "kept the existing dev") {
		t.Errorf("second import: exit %d %s", code, errs)
	}
	out, _, code = cfgRun(t, "", "profiles", "import", exp, "--replace")
	if code != exitOK || !strings.Contains(out, "replaced dev") {
		t.Errorf("--replace: exit %d %s", code, out)
	}
}

// TestDoctorCommand: a healthy folder says so (exit 0); --rebuild of a
// damaged database keeps it and leaves a working one.
func TestDoctorCommand(t *testing.T) {
	home := cfgHome(t)
	if _, errs, code := cfgRun(t, "", "devices", "add", devTok('a'), "--label", "a", "--env", "development"); code != exitOK {
		t.Fatal(errs)
	}
	out, errs, code := cfgRun(t, "", "doctor", "--full")
	if code != exitOK {
		t.Fatalf("doctor: exit %d\n%s%s", code, out, errs)
	}
	cfgWant(t, "stdout", out, "healthy", "devices 1", "Nothing to do.")
	db := filepath.Join(home, "pushdeck.db")
	os.Remove(db + "-wal")
	os.Remove(db + "-shm")
	os.WriteFile(db, []byte(strings.Repeat("garbage ", 1000)), 0o600)
	out, _, code = cfgRun(t, "", "doctor")
	if code != exitFailed || !strings.Contains(out, "damaged") || !strings.Contains(out, "--rebuild") {
		t.Fatalf("doctor of a damaged database: exit %d\n%s", code, out)
	}
	out, errs, code = cfgRun(t, "", "doctor", "--rebuild")
	if code != exitOK || !strings.Contains(out, "kept as") {
		t.Fatalf("--rebuild: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := cfgRun(t, "", "devices", "list"); code != exitOK {
		t.Fatalf("after the rebuild: %s", errs)
	}
	kept, _ := filepath.Glob(db + ".damaged-*")
	if len(kept) != 1 {
		t.Errorf("damaged copies: %v", kept)
	}
}
