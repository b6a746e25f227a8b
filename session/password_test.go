package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/profiles"
)

// TestPasswordRule walks the one rule, source by source.
func TestPasswordRule(t *testing.T) {
	t.Parallel()
	pwFile := writeFile(t, "pw", "from-file\r\nsecond line\n")
	empty := writeFile(t, "empty", "")
	typed := "typed"
	cases := []struct {
		name   string
		env    map[string]string
		stdin  string
		prompt string // "" never asks
		req    PasswordRequest
		want   string
		ok     bool
		err    string
	}{
		{name: "file: first line, CR/LF trimmed", req: PasswordRequest{Flags: PasswordFlags{File: pwFile}}, env: map[string]string{PasswordEnv: "env"}, want: "from-file", ok: true},
		{name: "empty file is the empty password", req: PasswordRequest{Flags: PasswordFlags{File: empty}}, want: "", ok: true},
		{name: "missing file", req: PasswordRequest{Flags: PasswordFlags{File: empty + ".nope"}}, err: "cannot read the password file"},
		{name: "stdin", req: PasswordRequest{Flags: PasswordFlags{Stdin: true}}, stdin: "s3cret\r\nrest", want: "s3cret", ok: true},
		{name: "stdin empty", req: PasswordRequest{Flags: PasswordFlags{Stdin: true}}, err: "nothing on standard input"},
		{name: "typed beats the profile", req: PasswordRequest{Typed: &typed, Source: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}, env: map[string]string{"APP_PW": "env"}, want: "typed", ok: true},
		{name: "profile env", req: PasswordRequest{Source: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}, env: map[string]string{"APP_PW": "app", PasswordEnv: "generic"}, want: "app", ok: true},
		{name: "profile env set but empty", req: PasswordRequest{What: "profile p", Source: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}, env: map[string]string{"APP_PW": ""}, err: "$APP_PW, which is set but empty"},
		{name: "profile env unset falls back to PUSHDECK_PASSWORD", req: PasswordRequest{Source: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}, env: map[string]string{PasswordEnv: "generic"}, want: "generic", ok: true},
		{name: "profile env unset and nothing else", req: PasswordRequest{What: "profile p", Source: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}, err: "$APP_PW, which is not set"},
		{name: "profile file", req: PasswordRequest{Source: profiles.PasswordSource{Kind: profiles.PasswordFromFile, Name: pwFile}}, want: "from-file", ok: true},
		{name: "PUSHDECK_PASSWORD", env: map[string]string{PasswordEnv: "generic"}, want: "generic", ok: true},
		{name: "PUSHDECK_PASSWORD set but empty", env: map[string]string{PasswordEnv: ""}, err: "set but empty"},
		{name: "prompt last", prompt: "asked", want: "asked", ok: true},
		{name: "nothing", ok: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := envOf(tc.env)
			e.Stdin = strings.NewReader(tc.stdin)
			if tc.prompt != "" {
				e.Prompt = func(string) (string, bool, error) { return tc.prompt, true, nil }
			}
			pw, ok, err := e.Password(tc.req)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || pw != tc.want || ok != tc.ok {
				t.Fatalf("got %q, %v, %v; want %q, %v", pw, ok, err, tc.want, tc.ok)
			}
		})
	}
}

// TestPasswordFileRefusesFIFO: a FIFO is refused before it is opened
// (opening one would block until a writer comes).
func TestPasswordFileRefusesFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := ReadPasswordFile(fifo); err == nil || !strings.Contains(err.Error(), "is a FIFO, not a file") {
		t.Fatalf("err %v", err)
	}
	big := writeFile(t, "big", strings.Repeat("x", int(maxPasswordFile)+1))
	if _, err := ReadPasswordFile(big); err == nil || !strings.Contains(err.Error(), "the limit for a password file is 1 KB") {
		t.Fatalf("big file: err %v", err)
	}
}

// TestPasswordHostileSources: a device never ends and a BOM is not part of
// the password (issue 12).
func TestPasswordHostileSources(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/zero"); err == nil {
		_, err := ReadPasswordFile("/dev/zero")
		if err == nil || !strings.Contains(err.Error(), "/dev/zero is a device, not a file") {
			t.Fatalf("/dev/zero: %v", err)
		}
	}
	bom := writeFile(t, "bom", "\ufeffs3cret\r\n")
	if pw, err := ReadPasswordFile(bom); err != nil || pw != "s3cret" {
		t.Fatalf("BOM file: %q %v", pw, err)
	}
	pw, ok, err := Env{Stdin: strings.NewReader("\ufeffs3cret\n")}.Password(PasswordRequest{What: "x", Flags: PasswordFlags{Stdin: true}})
	if err != nil || !ok || pw != "s3cret" {
		t.Fatalf("BOM on stdin: %q %v %v", pw, ok, err)
	}
}
