package cli

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/ui"
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
	corruptDB := map[string]string{"pushdeck.db": "this was a database until something saved text over it\n" + strings.Repeat("x", 5000)}
	newer := map[string]string{"profiles.json": `{"schema":99,"profiles":[]}`}
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
		{name: "send/corrupt devices.json", args: []string{"send", "--cert", cert, "--password-file", "{{DIR}}/pw", "--host", "https://127.0.0.1:1", "--group", "qa", "--alert", "hi"}, files: pwf, home: corruptDB, want: "is damaged"},
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
		{name: "devices/list damaged database", args: []string{"devices", "list"}, home: corruptDB, want: "pushdeck doctor"},
		{name: "history/damaged database", args: []string{"history"}, home: corruptDB, want: "is damaged"},
		{name: "history/status not HTTP", args: []string{"history", "--status", "1000"}, want: "not an HTTP status"},
		{name: "history/env unknown", args: []string{"history", "--env", "mars"}, want: "mars"},
		{name: "history/until garbage", args: []string{"history", "--until", "later"}, want: "later"},
		{name: "doctor/argument", args: []string{"doctor", "now"}, want: "now"},
		{name: "doctor/damaged database", args: []string{"doctor"}, home: corruptDB, want: "damaged", code: 1, report: true},
		{name: "profiles/import no file", args: []string{"profiles", "import"}, want: "give one FILE"},
		{name: "profiles/import not an export", args: []string{"profiles", "import", "{{DIR}}/p.json"}, files: map[string]string{"p.json": `{"devices":[]}`}, want: "not a profiles export"},
		{name: "profiles/import broken JSON", args: []string{"profiles", "import", "{{DIR}}/p.json"}, files: map[string]string{"p.json": "{\n\"kind\": "}, want: "not a profiles export"},
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
	t.Parallel()
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
	t.Parallel()
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

// The tests below check that no command prints or stores a secret.

// secretNeedles are the forms a leaked secret could take: the password,
// and each private key as DER, base64 (whole and PEM line by line), hex
// (both cases) and its raw private number in hex.
type secretNeedles struct {
	names []string
	b     [][]byte
}

func (n *secretNeedles) add(name string, b []byte) {
	if len(b) < 8 {
		panic("needle too short to mean anything: " + name)
	}
	n.names = append(n.names, name)
	n.b = append(n.b, b)
}

func (n *secretNeedles) addKey(t *testing.T, name string, key any) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	n.addDER(name+" PKCS#8", der)
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		d, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		n.add(name+" scalar", d)
		n.add(name+" scalar hex", []byte(hex.EncodeToString(d)))
		n.add(name+" scalar base64", []byte(base64.RawURLEncoding.EncodeToString(d)))
		if sec, err := x509.MarshalECPrivateKey(k); err == nil {
			n.addDER(name+" SEC1", sec)
		}
	case *rsa.PrivateKey:
		n.addDER(name+" PKCS#1", x509.MarshalPKCS1PrivateKey(k))
		n.add(name+" prime hex", []byte(hex.EncodeToString(k.Primes[0].Bytes())))
		n.add(name+" d hex", []byte(hex.EncodeToString(k.D.Bytes())))
	}
}

// addDER adds one encoding of a key as DER, base64 (whole and PEM line by
// line) and hex in both cases.
func (n *secretNeedles) addDER(name string, der []byte) {
	n.add(name+" DER", der)
	b64 := base64.StdEncoding.EncodeToString(der)
	n.add(name+" base64", []byte(b64))
	for i := 0; i+64 <= len(b64); i += 64 {
		n.add(name+" PEM line", []byte(b64[i:i+64]))
	}
	n.add(name+" hex", []byte(hex.EncodeToString(der)))
	n.add(name+" HEX", []byte(strings.ToUpper(hex.EncodeToString(der))))
}

// find reports which secret data holds, if any.
func (n *secretNeedles) find(data []byte) string {
	for i, b := range n.b {
		if bytes.Contains(data, b) {
			return n.names[i]
		}
	}
	return ""
}

// checkFolder greps every file under dir and checks the modes: folders
// 0700, files 0600.
func (n *secretNeedles) checkFolder(t *testing.T, dir string) int {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("%s has mode %04o, want 0700", p, fi.Mode().Perm())
			}
			return nil
		}
		files++
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", p, fi.Mode().Perm())
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if s := n.find(data); s != "" {
			t.Errorf("%s holds a secret: %s", p, s)
		}
		if bytes.Contains(data, []byte("eyJhbGciOi")) || bytes.Contains(bytes.ToLower(data), []byte("bearer ")) {
			t.Errorf("%s holds a provider token (JWT)", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSecretsNeverWritten runs inspect, send, probe and the profile
// commands with a known password and known keys, then greps every output
// and every file under PUSHDECK_HOME for them.
func TestSecretsNeverWritten(t *testing.T) {
	home := newHome(t)
	const password = fxPass
	var n secretNeedles
	n.add("password", []byte(password))
	p12 := filepath.Join(fixtureDir, "dev-modern.p12")
	p8 := filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8")
	cc, err := certs.Load(p12, certs.Options{Password: password})
	if err != nil {
		t.Fatal(err)
	}
	n.addKey(t, "certificate key", cc.TLS.PrivateKey)
	tk, err := certs.Load(p8, certs.Options{TeamID: fxTeam})
	if err != nil {
		t.Fatal(err)
	}
	n.addKey(t, "token key", tk.Signer)

	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokenArgs := []string{"--p8", p8, "--key-id", fxKeyID, "--team-id", fxTeam, "--env", "development", "--topic", fxTopic, "--host", s.URL(), "--server-ca", s.caFile}
	runs := []struct {
		env   map[string]string
		stdin string
		args  []string
	}{
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", []string{"inspect", p12}},
		{nil, "", []string{"inspect", p12, "--json", "--password-file", pwFile}},
		{nil, password + "\n", []string{"inspect", p12, "--password-stdin"}},
		{nil, "", []string{"inspect", p12, "--password-file", filepath.Join(dir, "wrong")}},
		{map[string]string{"PUSHDECK_PASSWORD": "not-" + password}, "", []string{"inspect", p12}},
		{nil, "", []string{"inspect", p8, "--team-id", fxTeam, "--json"}},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", certArgs(s, "--token", tokActive, "--token", tokGone, "--alert", "hi")},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", certArgs(s, "--token", tokActive, "--alert", "hi", "--json")},
		{nil, "", append([]string{"send", "--token", tokActive, "--alert", "hi", "--json"}, tokenArgs...)},
		{nil, "", append([]string{"probe", "--json"}, tokenArgs...)},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", probeArgs(s, "dev-modern.p12")},
		{map[string]string{"PUSHDECK_PASSWORD": password}, "", probeArgs(s, "dev-modern.p12", "--json")},
		{nil, "", []string{"profiles", "add", "dev", "--cert", p12, "--password-file", pwFile, "--host", s.URL(), "--server-ca", s.caFile}},
		{map[string]string{"APP_PW": password}, "", []string{"profiles", "add", "dev-env", "--cert", p12, "--password-env", "APP_PW", "--host", s.URL(), "--server-ca", s.caFile}},
		{nil, "", append([]string{"profiles", "add", "tok"}, tokenArgs...)},
		{nil, "", []string{"profiles", "list", "--json"}},
		{nil, "", []string{"profiles", "show", "dev", "--json"}},
		{nil, "", []string{"devices", "add", tokActive, "--label", "phone", "--env", "development"}},
		{nil, "", []string{"send", "--profile", "dev", "--device", "phone", "--alert", "hi"}},
		{nil, "", []string{"send", "--profile", "tok", "--device", "phone", "--alert", "hi", "--json"}},
		{nil, "", []string{"history", "--json"}},
		{nil, "", []string{"history"}},
	}
	for _, r := range runs {
		te := &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}, stdin: r.stdin}
		for k, v := range r.env {
			te.vars[k] = v
			t.Setenv(k, v)
		}
		code := te.run(r.args...)
		for k := range r.env {
			t.Setenv(k, "")
		}
		out := te.stdout.String() + te.stderr.String()
		if s := n.find([]byte(out)); s != "" {
			t.Errorf("pushdeck %s printed a secret (%s):\n%s", strings.Join(r.args, " "), s, out)
		}
		if strings.Contains(out, "eyJhbGciOi") {
			t.Errorf("pushdeck %s printed a provider token", strings.Join(r.args, " "))
		}
		t.Logf("exit %d: pushdeck %s", code, strings.Join(r.args[:min(2, len(r.args))], " "))
	}
	files := n.checkFolder(t, home)
	hn := 0
	if st, err := profiles.Open(home); err == nil {
		hn, _ = st.HistoryCount(profiles.HistoryFilter{})
		st.Close()
	}
	if hn < 5 {
		t.Errorf("history has %d entries: the sends did not run, the test proves little", hn)
	}
	t.Logf("%d runs, %d files under PUSHDECK_HOME, %d needles: none found", len(runs), files, len(n.b))
}

// TestSecretsDemoWorld: the demo's store holds paths to its credentials,
// never their keys, with the same modes as a user's folder.
func TestSecretsDemoWorld(t *testing.T) {
	w, err := ui.NewDemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ps, err := w.Store.Profiles()
	if err != nil || len(ps) == 0 {
		t.Fatalf("demo profiles: %v", err)
	}
	var n secretNeedles
	for _, p := range ps {
		data, err := os.ReadFile(p.CertPath)
		if err != nil {
			t.Fatal(err)
		}
		for rest := data; ; {
			var b *pem.Block
			b, rest = pem.Decode(rest)
			if b == nil {
				break
			}
			if strings.Contains(b.Type, "PRIVATE KEY") {
				n.add(p.Name+" "+b.Type+" DER", b.Bytes)
				n.add(p.Name+" "+b.Type+" base64", []byte(base64.StdEncoding.EncodeToString(b.Bytes)))
				n.add(p.Name+" "+b.Type+" hex", []byte(hex.EncodeToString(b.Bytes)))
			}
		}
	}
	for _, pw := range w.Passwords {
		if pw != "" {
			n.add("demo password", []byte(pw))
		}
	}
	if len(n.b) == 0 {
		t.Fatal("no key found in the demo credentials: the test proves nothing")
	}
	files := n.checkFolder(t, w.Store.Dir)
	t.Logf("demo store: %d files, %d needles: none found", files, len(n.b))
}

// TestConfigModesFixed: a config folder or file others can read is narrowed
// to 0700/0600 on the next command, and the user is told.
func TestConfigModesFixed(t *testing.T) {
	home := newHome(t)
	te := &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}}
	if code := te.run("devices", "add", tokActive, "--label", "phone", "--env", "development"); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	os.Chmod(home, 0o755)
	os.Chmod(filepath.Join(home, "pushdeck.db"), 0o644)
	te = &testEnv{vars: map[string]string{"PUSHDECK_HOME": home}}
	if code := te.run("devices", "list"); code != exitOK {
		t.Fatalf("exit %d: %s", code, te.stderr.String())
	}
	var n secretNeedles
	n.checkFolder(t, home)
	if !strings.Contains(te.stderr.String(), "0644") || !strings.Contains(te.stderr.String(), "0755") {
		t.Errorf("the user is not told the permissions were fixed: %q", te.stderr.String())
	}
}

// TestServerCANeverDisablesVerification: --server-ca adds a CA to trust; a
// server signed by another CA is a TLS failure, for send and for probe,
// and without --server-ca the local server is not trusted either.
func TestServerCANeverDisablesVerification(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	other, err := certgen.NewCA("some other CA")
	if err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong-ca.pem")
	if err := os.WriteFile(wrong, other.CertPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(fixtureDir, "dev-modern.p12")
	for _, ca := range [][]string{{"--server-ca", wrong}, nil} {
		send := append([]string{"send", "--cert", p12, "--host", s.URL(), "--token", tokActive, "--alert", "hi"}, ca...)
		te := withPassword()
		code := te.run(send...)
		if code == exitOK || !strings.Contains(te.stdout.String()+te.stderr.String(), "tls") {
			t.Errorf("send %v: exit %d, want a TLS failure:\n%s%s", ca, code, te.stdout.String(), te.stderr.String())
		}
		te = withPassword()
		code = te.run(append([]string{"probe", "--cert", p12, "--host", s.URL(), "--json"}, ca...)...)
		steps, v := probeJSON(t, te.stdout.String())
		tlsFailed := false
		for _, st := range steps {
			if st.Step == "tls" && !st.OK {
				tlsFailed = true
			}
		}
		if code == exitOK || v.Verdict == "ok" || !tlsFailed {
			t.Errorf("probe %v: exit %d, verdict %+v: want the tls step to fail", ca, code, v)
		}
	}
	if n := s.Counters().Requests; n != 0 {
		t.Errorf("the server answered %d pushes over an unverified connection", n)
	}
}

// TestNoInsecureSwitch: nothing outside tests turns verification off, and
// no command has an "insecure" flag.
func TestNoInsecureSwitch(t *testing.T) {
	t.Parallel()
	checked := 0
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		checked++
		if bytes.Contains(data, []byte("InsecureSkipVerify")) {
			t.Errorf("%s mentions InsecureSkipVerify", p)
		}
		if bytes.Contains(bytes.ToLower(data), []byte(`"insecure`)) || bytes.Contains(bytes.ToLower(data), []byte(`"no-verify`)) {
			t.Errorf("%s has an insecure switch", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d Go files checked: the walk missed the tree", checked)
	}
	t.Logf("%d non-test Go files: no InsecureSkipVerify, no insecure flag", checked)
}
