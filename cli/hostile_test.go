package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// Issue 12: hostile files and inputs, through the commands. Each case failed
// before: a FIFO blocked forever, /dev/zero grew until the memory ran out,
// --timeout 0 became 30 s, --attempts 1000000 was taken, help nosuch
// exited 0, a BOM broke the password and the first token, escape codes
// reached the terminal, a full disk during send exited 0.

// hostileRun runs pushdeck in-process with a fresh config folder.
func hostileRun(t *testing.T, vars map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	home := filepath.Join(t.TempDir(), "home")
	t.Setenv("PUSHDECK_HOME", home)
	v := map[string]string{"PUSHDECK_HOME": home}
	for k, x := range vars {
		v[k] = x
	}
	te := &testEnv{vars: v, stdin: stdin}
	code = te.run(args...)
	return code, te.stdout.String(), te.stderr.String()
}

func noStackTrace(t *testing.T, out string) {
	t.Helper()
	for _, bad := range []string{"panic", "goroutine ", "runtime error", ".go:"} {
		if strings.Contains(strings.ToLower(out), bad) {
			t.Fatalf("output has %q, a crash or a stack trace:\n%s", bad, out)
		}
	}
}

// TestHostileFiles: FIFOs, devices, folders and huge files, for every file
// flag: refused at once with one line and exit 2.
func TestHostileFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs or /dev/zero")
	}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "tokens.txt")
	if err := hostileMkfifo(fifo); err != nil {
		t.Skip("mkfifo:", err)
	}
	big := filepath.Join(dir, "payload.json")
	f, _ := os.Create(big)
	f.Truncate(5_452_595) // 5.2 MB, sparse
	f.Close()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("hello123\n"), 0o600)
	cert := filepath.Join(fixtureDir, "dev-modern.p12")
	// --host: a regression must never reach Apple's hosts; nothing listens
	// on port 1, so it fails fast.
	nowhere := []string{"--host", "https://127.0.0.1:1"}
	send := func(extra ...string) []string {
		return append(append([]string{"send", "--cert", cert, "--password-file", pw, "--env", "development"}, nowhere...), extra...)
	}
	tok := []string{"--token", tokActive}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"inspect FIFO", []string{"inspect", fifo}, "is a FIFO, not a file"},
		{"inspect /dev/zero", []string{"inspect", "/dev/zero"}, "/dev/zero is a device, not a file"},
		{"password file /dev/zero", append([]string{"send", "--cert", cert, "--password-file", "/dev/zero", "--env", "development", "--token", tokActive, "--alert", "hi"}, nowhere...), "/dev/zero is a device, not a file"},
		{"password file FIFO", append([]string{"send", "--cert", cert, "--password-file", fifo, "--env", "development", "--token", tokActive, "--alert", "hi"}, nowhere...), "is a FIFO, not a file"},
		{"tokens file FIFO", send("--tokens-file", fifo, "--alert", "hi"), "tokens.txt is a FIFO, not a file"},
		{"tokens file /dev/zero", send("--tokens-file", "/dev/zero", "--alert", "hi"), "/dev/zero is a device"},
		{"payload /dev/zero", send(append(tok, "--payload", "/dev/zero")...), "/dev/zero is a device"},
		{"payload 5.2 MB", send(append(tok, "--payload", big)...), "payload.json is 5.2 MB; the limit for a payload is 1 MB"},
		{"server CA /dev/zero", send(append(tok, "--alert", "hi", "--server-ca", "/dev/zero")...), "/dev/zero is a device"},
		{"devices import /dev/zero", []string{"devices", "import", "/dev/zero", "--env", "development"}, "/dev/zero is a device"},
		{"devices import FIFO", []string{"devices", "import", fifo, "--env", "development"}, "is a FIFO"},
		{"mock --devices /dev/zero", []string{"mock", "--devices", "/dev/zero"}, "/dev/zero is a device"},
		{"lint FIFO", []string{"lint", fifo}, "is a FIFO"},
		{"lint 5.2 MB", []string{"lint", big}, "the limit for a payload is 1 MB"},
		{"timeout 0", send(append(tok, "--alert", "hi", "--timeout", "0")...), "--timeout 0s: give a positive time limit"},
		{"timeout negative", send(append(tok, "--alert", "hi", "--timeout", "-1s")...), "--timeout -1s"},
		{"attempts 1000000", send(append(tok, "--alert", "hi", "--attempts", "1000000")...), "at most 10 tries per device"},
		{"help nosuch", []string{"help", "nosuch"}, `there is no command "nosuch"`},
		{"help typo", []string{"help", "sned"}, `did you mean "send"?`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := hostileRun(t, nil, "", tc.args...)
			msg := out + errs
			if code != exitUsage {
				t.Errorf("exit %d, want 2\n%s", code, msg)
			}
			if !strings.Contains(msg, tc.want) {
				t.Errorf("output does not say %q:\n%s", tc.want, msg)
			}
			if strings.Contains(msg, "0 bytes") {
				t.Errorf("says 0 bytes:\n%s", msg)
			}
			noStackTrace(t, msg)
		})
	}
}

// TestHostileCredentialsCLI: the corpus through inspect and probe; the
// probe names a weak key before any handshake.
func TestHostileCredentialsCLI(t *testing.T) {
	dir := t.TempDir()
	files, err := certgen.HostileCorpus(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Run(f.Name, func(t *testing.T) {
			code, out, errs := hostileRun(t, map[string]string{"PUSHDECK_PASSWORD": f.Password}, "", "inspect", filepath.Join(dir, f.Name))
			if strings.ContainsAny(out+errs, "\x1b\x07\u009b") && !strings.Contains(out, "\x1b[") {
				t.Errorf("control characters in the output:\n%q", out+errs)
			}
			if strings.Contains(out+errs, "\x1b]") || strings.Contains(out+errs, "[2J") {
				t.Errorf("an escape sequence from the file reached the output:\n%q", out+errs)
			}
			switch {
			case f.Want == "" || f.Warning:
				if code != exitOK {
					t.Errorf("exit %d, want 0\n%s%s", code, out, errs)
				}
			case code == exitOK:
				t.Errorf("exit 0 for %s\n%s", f.Note, out)
			}
			noStackTrace(t, out+errs)
		})
	}
	// A weak key is named before any handshake; the probe still checks
	// DNS and TCP (port 1 refuses), so it ends as a failed probe (exit 1).
	code, out, errs := hostileRun(t, nil, "", "probe", "--cert", filepath.Join(dir, "rsa1024.pem"), "--env", "development", "--host", "https://127.0.0.1:1")
	if code != exitFailed || !strings.Contains(errs, "RSA 1024-bit") || !strings.Contains(errs, "2048") || !strings.Contains(out, "FAIL  tcp") {
		t.Fatalf("probe with a weak key: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = hostileRun(t, map[string]string{"PUSHDECK_PASSWORD": "hostile"}, "", "inspect", filepath.Join(dir, "mac-1e12.p12"))
	if code == exitOK || !strings.Contains(errs+out, "iteration count 1000000000000 is beyond any real export") {
		t.Fatalf("inspect of a 10^12 MAC count: exit %d\n%s", code, errs)
	}
}

// TestHostileSendBOMAndEscapes: a BOM in the password and tokens files is
// dropped; a label full of escape codes is printed clean.
func TestHostileSendBOMAndEscapes(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("\ufeff"+fxPass+"\r\n"), 0o600)
	tokens := filepath.Join(dir, "tokens.txt")
	os.WriteFile(tokens, []byte("\ufeff"+tokActive+"\tEvil\x1b]0;pwned\x07\x1b[2J\x1b[32m✓ phone\n"), 0o600)
	te := &testEnv{vars: map[string]string{}}
	code := te.run(certArgs(s, "--env", "development", "--password-file", pw, "--tokens-file", tokens, "--alert", "hi")...)
	out := te.stdout.String()
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, te.stderr.String())
	}
	if !strings.Contains(out, "sent    Evil") || strings.Contains(out, "\x1b]") || strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\x07") {
		t.Fatalf("the label's escape codes reached the output:\n%q", out)
	}
	// The history read back is clean too.
	te = &testEnv{vars: map[string]string{}}
	if code := te.run("history"); code != exitOK {
		t.Fatalf("history: exit %d %s", code, te.stderr.String())
	}
	if h := te.stdout.String(); !strings.Contains(h, "Evil") || strings.Contains(h, "\x1b]") || strings.Contains(h, "\x07") {
		t.Fatalf("history output:\n%q", h)
	}
}

// TestHostileNames: names typed with control characters are refused.
func TestHostileNames(t *testing.T) {
	code, _, errs := hostileRun(t, nil, "", "devices", "add", tokActive, "--label", "a\u202eb", "--env", "development")
	if code != exitUsage || !strings.Contains(errs, "control character") {
		t.Fatalf("label with a bidi override: exit %d %s", code, errs)
	}
	code, _, errs = hostileRun(t, nil, "", "devices", "add", tokActive, "--label", "ok", "--group", "g\x1b[2J", "--env", "development")
	if code != exitUsage || !strings.Contains(errs, "control character") || strings.Contains(errs, "\x1b") {
		t.Fatalf("group with an escape: exit %d %q", code, errs)
	}
}

// TestSendDiskFull: history on a full disk (RLIMIT_FSIZE in the child)
// during a send of 2,000 devices: exit 1, and the count of results not
// recorded is said and matches what history lacks.
func TestSendDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and sends 2,000 pushes")
	}
	if runtime.GOOS == "windows" {
		t.Skip("no ulimit")
	}
	bin := pushdeckBinary(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	const n = 2000
	var toks strings.Builder
	for i := range n {
		fmt.Fprintf(&toks, "%064x device-%d\n", i+1, i)
	}
	tf := filepath.Join(dir, "tokens")
	os.WriteFile(tf, []byte(toks.String()), 0o600)
	// A first send (no limit) creates the config folder and its files, so
	// the limit later hits history, not the set-up.
	warm := exec.Command(bin, "send", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", s.URL(), "--server-ca", s.caFile,
		"--token", tokActive, "--alert", "hi")
	warm.Env = append(os.Environ(), "PUSHDECK_HOME="+home, "PUSHDECK_PASSWORD="+fxPass)
	if out, err := warm.CombinedOutput(); err != nil {
		t.Fatalf("first send: %v\n%s", err, out)
	}
	// ulimit -f counts 512-byte blocks in POSIX sh: 400 blocks = 200 KB per
	// file, far less than 2,000 history entries.
	cmd := exec.Command("sh", "-c", `ulimit -f 400 && exec "$@"`, "sh", bin, "send", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"),
		"--host", s.URL(), "--server-ca", s.caFile, "--tokens-file", tf, "--alert", "hi", "--json")
	cmd.Env = append(os.Environ(), "PUSHDECK_HOME="+home, "PUSHDECK_PASSWORD="+fxPass)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (history incomplete)\nstderr:\n%s", code, stderr.String())
	}
	m := regexp.MustCompile(`(\d+) of (\d+) results are not recorded in history`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not count the results not recorded:\n%s", stderr.String())
	}
	lost, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	if total != n || lost <= 0 || lost > n {
		t.Fatalf("%d of %d not recorded, want 1..%d of %d", lost, total, n, n)
	}
	// What history has plus what it lacks is every result (+1: the warm-up).
	list := exec.Command(bin, "history", "--json", "--limit", "0")
	list.Env = append(os.Environ(), "PUSHDECK_HOME="+home)
	hist, err := list.Output()
	if err != nil {
		t.Fatalf("history: %v", err)
	}
	kept := bytes.Count(hist, []byte("\n"))
	if kept+lost != n+1 {
		t.Fatalf("history keeps %d, %d said lost: %d, want %d", kept, lost, kept+lost, n+1)
	}
	t.Logf("full disk: %d of %d results recorded, %d reported not recorded, exit 1", kept-1, n, lost)
}
