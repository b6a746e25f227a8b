package cli

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// badInput is one malformed flag or file given to a command.
type badInput struct {
	name  string
	args  []string // {{DIR}} is the case's scratch folder, {{FX}} the fixtures
	stdin string
	files map[string]string // written under DIR before the run
	home  map[string]string // written under PUSHDECK_HOME before the run
	want  string            // what stderr must say (case-insensitive)
	code  int               // 0 means exitUsage
	// report: the command's report on stdout is the answer (inspect's "not
	// usable", lint's findings), so the message is looked for there.
	report bool
}

// runBad runs one case in-process and checks the contract: exit code 2 (or
// the case's), a message on stderr that says what is wrong, no panic and
// no stack trace.
func runBad(t *testing.T, tc badInput) (code int, stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PUSHDECK_HOME", home)
	t.Setenv("PUSHDECK_PASSWORD", "")
	abs, _ := filepath.Abs(fixtureDir)
	expand := func(s string) string {
		return strings.NewReplacer("{{DIR}}", dir, "{{FX}}", abs).Replace(s)
	}
	for name, body := range tc.files {
		p := filepath.Join(dir, name)
		if strings.HasSuffix(name, "/") {
			os.MkdirAll(p, 0o700)
			continue
		}
		if err := os.WriteFile(p, []byte(expand(body)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range tc.home {
		if err := os.WriteFile(filepath.Join(home, name), []byte(expand(body)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	args := make([]string, len(tc.args))
	for i, a := range tc.args {
		args[i] = expand(a)
	}
	te := &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}, stdin: tc.stdin}
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("pushdeck %s panicked: %v\n%s", strings.Join(args, " "), p, debug.Stack())
			}
		}()
		code = te.run(args...)
	}()
	return code, te.stdout.String(), te.stderr.String()
}

// TestBadInputEveryCommand runs every malformed flag and file the commands
// accept. Each must end with its exit code (2 unless the command documents
// the case as a result: inspect's "not usable", lint's "invalid", an
// import's refused lines) and a message on stderr that names what is
// wrong, and never with a panic or a stack trace.
func TestBadInputEveryCommand(t *testing.T) {
	cases := badInputs()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("two cases named %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runBad(t, tc)
			msg := stderr
			if tc.report {
				msg = stdout
			}
			want := tc.code
			if want == 0 {
				want = exitUsage
			}
			if code != want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, want, stderr)
			}
			low := strings.ToLower(msg)
			if strings.TrimSpace(msg) == "" {
				t.Errorf("no message (report %v)", tc.report)
			}
			if tc.want == "" {
				t.Fatalf("case without the words its message must hold; stderr:\n%s", stderr)
			}
			if !strings.Contains(low, strings.ToLower(tc.want)) {
				t.Errorf("the message does not say %q:\n%s", tc.want, msg)
			}
			for _, bad := range []string{"panic", "goroutine ", "runtime error", ".go:"} {
				if strings.Contains(strings.ToLower(stdout+stderr), bad) {
					t.Errorf("stderr has %q, a crash or a stack trace:\n%s", bad, stderr)
				}
			}
		})
	}
	t.Logf("%d malformed flags and files over %d commands", len(cases), 9)
}

const badTok = "ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01ab01"

func badInputs() []badInput {
	cert := "{{FX}}/dev-modern.p12"
	pwf := map[string]string{"pw": "hello123\n"}
	withPW := func(files map[string]string) map[string]string {
		m := map[string]string{"pw": "hello123\n"}
		for k, v := range files {
			m[k] = v
		}
		return m
	}
	send := func(extra ...string) []string {
		return append([]string{"send", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "https://127.0.0.1:1", "--token", badTok, "--alert", "hi"}, extra...)
	}
	probe := func(extra ...string) []string {
		return append([]string{"probe", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "https://127.0.0.1:1"}, extra...)
	}
	corruptProfiles := map[string]string{"profiles.json": `{"schema":1,"profiles":[{"name":"a",}]}`}
	corruptDevices := map[string]string{"devices.json": `{"schema":1,"devices":[{"token":5}]}`}
	newer := map[string]string{"profiles.json": `{"schema":99,"profiles":[]}`, "devices.json": `{"schema":99,"devices":[]}`}
	return []badInput{
		// inspect
		{name: "inspect/no file", args: []string{"inspect"}, want: "one or more credential FILEs"},
		{name: "inspect/unknown flag", args: []string{"inspect", "--bogus", cert}, want: "-bogus"},
		{name: "inspect/two files, no password", args: []string{"inspect", cert, cert}, want: "? needs a password", code: 1, report: true},
		{name: "inspect/key with two files", args: []string{"inspect", cert, cert, "--key", cert}, want: "give exactly one FILE"},
		{name: "inspect/negative warn-days", args: []string{"inspect", cert, "--warn-days", "-1"}, want: "--warn-days -1"},
		{name: "inspect/missing file", args: []string{"inspect", "{{DIR}}/nope.p12"}, want: "does not exist"},
		{name: "inspect/empty file", args: []string{"inspect", "{{DIR}}/empty.p12"}, files: map[string]string{"empty.p12": ""}, want: "empty", code: 1, report: true},
		{name: "inspect/empty folder", args: []string{"inspect", "{{DIR}}/d.p12"}, files: map[string]string{"d.p12/": ""}, want: "no credential files found"},
		{name: "inspect/random bytes", args: []string{"inspect", "{{FX}}/random-bytes.p12"}, want: "not a credential", code: 1, report: true},
		{name: "inspect/truncated p12", args: []string{"inspect", "{{FX}}/truncated.p12", "--password-file", "{{DIR}}/pw"}, files: pwf, want: "truncated.p12", code: 1, report: true},
		{name: "inspect/missing password file", args: []string{"inspect", cert, "--password-file", "{{DIR}}/nope"}, want: "cannot read the password file"},
		{name: "inspect/empty password file", args: []string{"inspect", cert, "--password-file", "{{DIR}}/pw"}, files: map[string]string{"pw": ""}, want: "password", code: 1, report: true},
		{name: "inspect/missing key file", args: []string{"inspect", "{{FX}}/dev-cert.pem", "--key", "{{DIR}}/nope.pem"}, want: "nope.pem"},
		{name: "inspect/p8 bad team id", args: []string{"inspect", "{{FX}}/AuthKey_54321EDCBA.p8", "--team-id", "x"}, want: "10 upper-case letters"},
		{name: "send/p8 bad key id", args: []string{"send", "--p8", "{{FX}}/AuthKey_54321EDCBA.p8", "--key-id", "54321edcba", "--team-id", "ABCDE12345", "--topic", "com.x", "--token", badTok, "--alert", "hi"}, want: "--key-id"},
		{name: "probe/p8 bad team id", args: []string{"probe", "--p8", "{{FX}}/AuthKey_54321EDCBA.p8", "--team-id", "TEAM"}, want: "--team-id"},
		{name: "profiles/add p8 bad team id", args: []string{"profiles", "add", "t", "--p8", "{{FX}}/AuthKey_54321EDCBA.p8", "--team-id", "abc", "--env", "development"}, want: "--team-id"},
		// export
		{name: "export/no output", args: []string{"export", cert, "--password-file", "{{DIR}}/pw"}, files: pwf, want: "say where to write"},
		{name: "export/unknown flag", args: []string{"export", "--bogus"}, want: "-bogus"},
		{name: "export/out and cert-out", args: []string{"export", cert, "--out", "{{DIR}}/a", "--cert-out", "{{DIR}}/b", "--key-out", "{{DIR}}/c"}, want: "not both"},
		{name: "export/out exists", args: []string{"export", cert, "--password-file", "{{DIR}}/pw", "--out", "{{DIR}}/pw"}, files: pwf, want: "already exists"},
		{name: "export/out is a directory", args: []string{"export", cert, "--password-file", "{{DIR}}/pw", "--out", "{{DIR}}/d"}, files: withPW(map[string]string{"d/": ""}), want: "already exists"},
		{name: "export/out in missing folder", args: []string{"export", cert, "--password-file", "{{DIR}}/pw", "--out", "{{DIR}}/no/such/ck.pem"}, files: pwf, want: "no such file or directory", code: 1},
		{name: "export/missing file", args: []string{"export", "{{DIR}}/nope.p12", "--out", "{{DIR}}/ck.pem"}, want: "does not exist"},
		{name: "export/random bytes", args: []string{"export", "{{FX}}/random-bytes.p12", "--out", "{{DIR}}/ck.pem"}, want: "cannot export", code: 1},
		// send
		{name: "send/no credential", args: []string{"send", "--token", badTok, "--alert", "hi"}, want: "no credential"},
		{name: "send/unknown flag", args: send("--bogus"), want: "-bogus"},
		{name: "send/token not hex", args: send("--token", "zz"), files: pwf, want: "hex digits only"},
		{name: "send/token short", args: send("--token", "abcd"), files: pwf, want: "cut off"},
		{name: "send/priority 7", args: send("--priority", "7"), files: pwf, want: "priority 7"},
		{name: "send/priority not a number", args: send("--priority", "high"), files: pwf, want: "-priority"},
		{name: "send/timeout not a duration", args: send("--timeout", "soon"), files: pwf, want: "-timeout"},
		{name: "send/concurrency -1", args: send("--concurrency", "-1"), files: pwf, want: "--concurrency -1"},
		{name: "send/connections 99", args: send("--connections", "99"), files: pwf, want: "connections 99"},
		{name: "send/attempts 0", args: send("--attempts", "0"), files: pwf, want: "--attempts 0"},
		{name: "send/payload missing", args: append(send()[:len(send())-2], "--payload", "{{DIR}}/nope.json"), files: pwf, want: "cannot read the payload"},
		{name: "send/payload not JSON", args: append(send()[:len(send())-2], "--payload", "{{DIR}}/p.json"), files: withPW(map[string]string{"p.json": `{"aps":`}), want: "missing value"},
		{name: "send/payload is a directory", args: append(send()[:len(send())-2], "--payload", "{{DIR}}/d"), files: withPW(map[string]string{"d/": ""}), want: "is a folder, not a file"},
		{name: "send/payload and alert", args: send("--payload", "{{DIR}}/p.json"), files: withPW(map[string]string{"p.json": `{}`}), want: "not both"},
		{name: "send/tokens-file missing", args: send("--tokens-file", "{{DIR}}/nope"), files: pwf, want: "cannot read the tokens file"},
		{name: "send/tokens-file garbage", args: send("--tokens-file", "{{DIR}}/t"), files: withPW(map[string]string{"t": "zz\n;\n:::\n"}), want: "hex digits only"},
		{name: "send/expiration garbage", args: send("--expiration", "someday"), files: pwf, want: "--expiration"},
		{name: "send/apns-id not UUID", args: send("--apns-id", "1234"), files: pwf, want: "not a UUID"},
		{name: "send/collapse-id too long", args: send("--collapse-id", strings.Repeat("c", 65)), files: pwf, want: "64"},
		{name: "send/push-type unknown", args: send("--push-type", "sms"), files: pwf, want: "sms"},
		{name: "send/env unknown", args: send("--env", "mars"), files: pwf, want: "mars"},
		{name: "send/legacy port", args: []string{"send", "--cert", cert, "--password-file", "{{DIR}}/pw", "--port", "2195", "--token", badTok, "--alert", "hi"}, files: pwf, want: "2195"},
		{name: "send/host not https", args: send("--host", "http://127.0.0.1:1"), files: pwf, want: "https"},
		{name: "send/host with path", args: send("--host", "https://127.0.0.1:1/3/device"), files: pwf, want: "has a path"},
		{name: "send/server-ca missing", args: send("--server-ca", "{{DIR}}/nope.pem"), files: pwf, want: "cannot read the server CA"},
		{name: "send/server-ca not PEM", args: send("--server-ca", "{{DIR}}/pw"), files: pwf, want: "no PEM certificate"},
		{name: "send/profile unknown", args: []string{"send", "--profile", "nope", "--token", badTok, "--alert", "hi"}, want: "no profile named"},
		{name: "send/device unknown", args: []string{"send", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "https://127.0.0.1:1", "--device", "nope", "--alert", "hi"}, files: pwf, want: "nope"},
		{name: "send/wrong password", args: send(), files: map[string]string{"pw": "wrong\n"}, want: "password is wrong"},
		{name: "send/random-bytes credential", args: []string{"send", "--cert", "{{FX}}/random-bytes.p12", "--token", badTok, "--alert", "hi"}, want: "not a credential"},
		{name: "send/corrupt devices.json", args: []string{"send", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "https://127.0.0.1:1", "--group", "qa", "--alert", "hi"}, files: pwf, home: corruptDevices, want: "devices.json is not in the shape"},
		// probe
		{name: "probe/no credential", args: []string{"probe"}, want: "no credential"},
		{name: "probe/unknown flag", args: probe("--bogus"), files: pwf, want: "-bogus"},
		{name: "probe/env unknown", args: probe("--env", "mars"), files: pwf, want: "mars"},
		{name: "probe/port 80", args: []string{"probe", "--cert", cert, "--password-file", "{{DIR}}/pw", "--port", "80"}, files: pwf, want: "port 80"},
		{name: "probe/host not a URL", args: probe("--host", "https://"), files: pwf, want: "not a URL"},
		{name: "probe/server-ca not PEM", args: probe("--server-ca", "{{DIR}}/pw"), files: pwf, want: "no PEM certificate"},
		{name: "probe/extra argument", args: probe("extra"), files: pwf, want: "extra"},
		{name: "probe/missing credential file", args: []string{"probe", "--cert", "{{DIR}}/nope.p12"}, want: "does not exist"},
		// lint
		{name: "lint/missing file", args: []string{"lint", "{{DIR}}/nope.json"}, want: "no such file"},
		{name: "lint/directory", args: []string{"lint", "{{DIR}}/d"}, files: map[string]string{"d/": ""}, want: "is a folder"},
		{name: "lint/unknown flag", args: []string{"lint", "--bogus"}, want: "-bogus"},
		{name: "lint/two files", args: []string{"lint", "{{DIR}}/a.json", "{{DIR}}/a.json"}, files: map[string]string{"a.json": "{}"}, want: "exactly one"},
		{name: "lint/push-type unknown", args: []string{"lint", "--push-type", "sms", "{{DIR}}/a.json"}, files: map[string]string{"a.json": "{}"}, want: "sms", code: 1, report: true},
		{name: "lint/priority not a number", args: []string{"lint", "--priority", "x", "{{DIR}}/a.json"}, files: map[string]string{"a.json": "{}"}, want: "-priority"},
		// mock
		{name: "mock/unknown flag", args: []string{"mock", "--bogus"}, want: "-bogus"},
		{name: "mock/addr garbage", args: []string{"mock", "--addr", "nowhere"}, want: "not HOST:PORT"},
		{name: "mock/env unknown", args: []string{"mock", "--env", "mars", "--addr", "127.0.0.1:0"}, want: "mars"},
		{name: "mock/fail-500 above 1", args: []string{"mock", "--fail-500", "2", "--addr", "127.0.0.1:0"}, want: "fraction"},
		{name: "mock/drop negative", args: []string{"mock", "--drop", "-1", "--addr", "127.0.0.1:0"}, want: "fraction"},
		{name: "mock/latency negative", args: []string{"mock", "--latency", "-1s", "--addr", "127.0.0.1:0"}, want: "--latency"},
		{name: "mock/client-ca not PEM", args: []string{"mock", "--client-ca", "{{DIR}}/x", "--addr", "127.0.0.1:0"}, files: map[string]string{"x": "nope"}, want: "no PEM certificate"},
		{name: "mock/client-ca missing", args: []string{"mock", "--client-ca", "{{DIR}}/nope", "--addr", "127.0.0.1:0"}, want: "no such file"},
		{name: "mock/auth-key missing", args: []string{"mock", "--auth-key", "{{DIR}}/nope.p8", "--team-id", "ABCDE12345", "--addr", "127.0.0.1:0"}, want: "nope.p8"},
		{name: "mock/auth-key garbage", args: []string{"mock", "--auth-key", "{{DIR}}/AuthKey_ABCDE12345.p8", "--team-id", "ABCDE12345", "--addr", "127.0.0.1:0"}, files: map[string]string{"AuthKey_ABCDE12345.p8": "garbage"}, want: "not PEM"},
		{name: "mock/devices not JSON", args: []string{"mock", "--devices", "{{DIR}}/d.json", "--addr", "127.0.0.1:0"}, files: map[string]string{"d.json": "[{"}, want: "not a device registry"},
		{name: "mock/devices bad token", args: []string{"mock", "--devices", "{{DIR}}/d.json", "--addr", "127.0.0.1:0"}, files: map[string]string{"d.json": `[{"token":"zz","environment":"development"}]`}, want: "hex digits only"},
		{name: "mock/extra argument", args: []string{"mock", "extra"}, want: "unexpected argument"},
		// profiles
		{name: "profiles/unknown subcommand", args: []string{"profiles", "frobnicate"}, want: "frobnicate"},
		{name: "profiles/show unknown", args: []string{"profiles", "show", "nope"}, want: "no profile named"},
		{name: "profiles/use unknown", args: []string{"profiles", "use", "nope"}, want: "no profile named"},
		{name: "profiles/remove unknown", args: []string{"profiles", "remove", "nope"}, want: "no profile named"},
		{name: "profiles/add no name", args: []string{"profiles", "add"}, want: "give one profile NAME"},
		{name: "profiles/add bad name", args: []string{"profiles", "add", "a\x01b", "--cert", cert, "--password-file", "{{DIR}}/pw"}, files: pwf, want: "control character"},
		{name: "profiles/add missing cert", args: []string{"profiles", "add", "a", "--cert", "{{DIR}}/nope.p12"}, want: "does not exist"},
		{name: "profiles/add env unknown", args: []string{"profiles", "add", "a", "--cert", cert, "--password-file", "{{DIR}}/pw", "--env", "mars"}, files: pwf, want: "mars"},
		{name: "profiles/add priority 7", args: []string{"profiles", "add", "a", "--cert", cert, "--password-file", "{{DIR}}/pw", "--priority", "7"}, files: pwf, want: "priority 7"},
		{name: "profiles/add host ftp", args: []string{"profiles", "add", "a", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "ftp://x"}, files: pwf, want: "https"},
		{name: "profiles/list corrupt file", args: []string{"profiles", "list"}, home: corruptProfiles, want: "not valid JSON at line 1"},
		{name: "profiles/list newer schema", args: []string{"profiles", "list"}, home: newer, want: "newer pushdeck"},
		{name: "profiles/add over corrupt file", args: []string{"profiles", "add", "a", "--cert", cert, "--password-file", "{{DIR}}/pw"}, files: pwf, home: corruptProfiles, want: "not valid JSON"},
		// devices
		{name: "devices/unknown subcommand", args: []string{"devices", "frobnicate"}, want: "frobnicate"},
		{name: "devices/add not hex", args: []string{"devices", "add", "zz", "--label", "l", "--env", "development"}, want: "hex digits only"},
		{name: "devices/add env unknown", args: []string{"devices", "add", badTok, "--label", "l", "--env", "mars"}, want: "mars"},
		{name: "devices/add no env", args: []string{"devices", "add", badTok, "--label", "l"}, want: "env"},
		{name: "devices/remove unknown", args: []string{"devices", "remove", "nope"}, want: "nope"},
		{name: "devices/list env unknown", args: []string{"devices", "list", "--env", "mars"}, want: "mars"},
		{name: "devices/list corrupt file", args: []string{"devices", "list"}, home: corruptDevices, want: "devices.json is not in the shape"},
		{name: "devices/list newer schema", args: []string{"devices", "list"}, home: newer, want: "newer pushdeck"},
		{name: "devices/import missing", args: []string{"devices", "import", "{{DIR}}/nope", "--env", "development"}, want: "no such file"},
		{name: "devices/import broken JSON", args: []string{"devices", "import", "{{DIR}}/d.json"}, files: map[string]string{"d.json": `{"devices":[{"token":`}, want: "not valid device JSON"},
		{name: "devices/import only separators", args: []string{"devices", "import", "{{DIR}}/t", "--env", "development"}, files: map[string]string{"t": ";\n:::\n"}, want: "no device token", code: 1},
		{name: "devices/import newer schema", args: []string{"devices", "import", "{{DIR}}/d.json"}, files: map[string]string{"d.json": `{"schema":99,"devices":[]}`}, want: "newer pushdeck"},
		{name: "devices/import directory", args: []string{"devices", "import", "{{DIR}}/d", "--env", "development"}, files: map[string]string{"d/": ""}, want: "is a folder, not a file"},
		// history
		{name: "history/since garbage", args: []string{"history", "--since", "the dawn of time"}, want: "the dawn of time"},
		{name: "history/limit negative", args: []string{"history", "--limit", "-1"}, want: "--limit"},
		{name: "history/limit not a number", args: []string{"history", "--limit", "x"}, want: "-limit"},
		{name: "history/unknown flag", args: []string{"history", "--bogus"}, want: "-bogus"},
		{name: "history/extra argument", args: []string{"history", "extra"}, want: "extra"},
	}
}

// TestCommandLine covers what the command layer itself promises: help on
// stdout for every command, the exit codes set in one place, suggestions
// for a mistyped command, and the explanation of --password.
func TestCommandLine(t *testing.T) {
	t.Setenv("PUSHDECK_HOME", t.TempDir())
	cases := []struct {
		name      string
		args      []string
		code      int
		stdout    string // wanted on stdout ("" for nothing)
		stderr    string // wanted on stderr ("" for nothing)
		quietErrs bool   // stderr must stay empty
	}{
		{name: "root help", args: []string{"--help"}, stdout: "pushdeck send", quietErrs: true},
		{name: "help command", args: []string{"help", "send"}, stdout: "--tokens-file", quietErrs: true},
		{name: "send help has examples", args: []string{"send", "--help"}, stdout: "pushdeck send --profile myapp-dev --group qa", quietErrs: true},
		{name: "version flag", args: []string{"--version"}, stdout: "pushdeck 1.2.3", quietErrs: true},
		{name: "version command", args: []string{"version"}, stdout: "pushdeck 1.2.3", quietErrs: true},
		{name: "mistyped command", args: []string{"sned"}, code: exitUsage, stderr: "Did you mean this?\n\tsend"},
		{name: "mistyped subcommand", args: []string{"devices", "lsit"}, code: exitUsage, stderr: "did you mean list?"},
		{name: "password flag", args: []string{"send", "--password", "x"}, code: exitUsage, stderr: "PUSHDECK_PASSWORD"},
		{name: "password flag with =", args: []string{"inspect", "--password=x", "a.p12"}, code: exitUsage, stderr: "--password-file FILE"},
		{name: "bad flag value", args: []string{"history", "--limit", "many"}, code: exitUsage, stderr: "pushdeck history --help"},
		{name: "completion", args: []string{"completion", "bash"}, stdout: "bash completion", quietErrs: true},
		{name: "console needs a terminal", args: nil, code: exitUsage, stderr: "needs a terminal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }, version: "1.2.3"}
			code := run(e, tc.args)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
			if tc.stdout != "" && !strings.Contains(out.String(), tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, out.String())
			}
			if tc.stderr != "" && !strings.Contains(errb.String(), tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, errb.String())
			}
			if tc.quietErrs && errb.Len() > 0 {
				t.Errorf("stderr should be empty:\n%s", errb.String())
			}
		})
	}
}

// TestExitOneIsQuiet: a command whose answer is "no" (exit 1) prints its
// answer and nothing from the error layer.
func TestExitOneIsQuiet(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(p, []byte(`{"aps":`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}, []string{"lint", p})
	if code != exitFailed || !strings.Contains(out.String(), "invalid") || errb.Len() != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

// TestManPage runs the binary: fang's man page goes to stdout.
func TestManPage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command(pushdeckBinary(t), "man").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".TH PUSHDECK", "send", "--tokens-file"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("man page lacks %q", want)
		}
	}
}
