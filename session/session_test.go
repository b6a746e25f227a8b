package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
)

const (
	fixtures = "../testdata/fixtures"
	fxPass   = "hello123"
)

// envOf is an Env whose variables are vars (a key present with "" is set
// but empty).
func envOf(vars map[string]string) Env {
	return Env{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

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

// TestResolve loads real credentials through flags and through a profile.
func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := profiles.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p12, _ := filepath.Abs(filepath.Join(fixtures, "dev-modern.p12"))
	ca, _ := filepath.Abs(filepath.Join(fixtures, "ca.pem"))
	e := envOf(map[string]string{"APP_PW": fxPass})

	s, err := Resolve(e, store, nil, Request{Cert: p12, Password: PasswordFlags{File: writeFile(t, "pw", fxPass+"\n")}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Env != certs.Development || s.Config.Credential == nil || len(s.Notes) == 0 || s.Profile != nil {
		t.Fatalf("flags: %+v", s)
	}

	prof := profiles.Profile{Name: "dev", CertPath: p12, Auth: certs.AuthCertificate, Environment: certs.Development,
		Host: "https://127.0.0.1:2197", ServerCA: ca, Topic: "com.example.pushdeck",
		Password: profiles.PasswordSource{Kind: profiles.PasswordFromEnv, Name: "APP_PW"}}
	if err := store.SaveProfile(prof); err != nil {
		t.Fatal(err)
	}
	s, err = Resolve(e, store, nil, Request{Profile: "dev", Topic: "com.example.other"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ProfileName() != "dev" || s.Config.Host != prof.Host || len(s.Config.ServerCA) == 0 || s.Config.Topic != "com.example.other" {
		t.Fatalf("profile: %+v", s.Config)
	}
	// The console's way to the same profile gives the same config.
	pw, ok, err := ProfilePassword(e, prof, nil)
	if err != nil || !ok || pw != fxPass {
		t.Fatalf("ProfilePassword: %q %v %v", pw, ok, err)
	}
	cred, err := LoadCredential(prof, pw)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Config(prof, cred)
	if err != nil || cfg.Host != prof.Host || string(cfg.ServerCA) != string(s.Config.ServerCA) || cfg.Environment != s.Env {
		t.Fatalf("Config: %+v, %v", cfg, err)
	}

	for _, c := range []struct {
		req  Request
		want string
	}{
		{Request{}, "no credential"},
		{Request{Cert: p12, P8: p12}, "not both"},
		{Request{Profile: "nope"}, "nope"},
		{Request{Cert: p12}, "needs a password"},
		{Request{Cert: p12, Password: PasswordFlags{File: writeFile(t, "pw", fxPass)}, ServerCA: dir}, "cannot read the server CA"},
		{Request{P8: filepath.Join(fixtures, "AuthKey_54321EDCBA.p8"), TeamID: "lower"}, "--team-id"},
	} {
		_, err := Resolve(envOf(nil), store, nil, c.req)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want a UsageError saying %q", c.req, err, c.want)
		}
	}
}

// TestRecordKeepsBodyOnceForBigSends and the device-book rule: only
// APNs' answers update a device.
func TestRecord(t *testing.T) {
	t.Parallel()
	h := payload.Headers{PushType: payload.Alert, Expiration: payload.Expiration{Mode: payload.ExpireNow}}
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	small := NewSend("b1", "dev", certs.Development, h, []byte(`{"aps":{}}`), 2)
	big := NewSend("b2", "dev", certs.Development, h, []byte(`{"aps":{}}`), KeepBodyUpTo+1)
	for i := 0; i < 2; i++ {
		if r := small.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload == "" {
			t.Error("a small send keeps the body on every entry")
		}
	}
	if r := big.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload == "" || r.Entry.Expiration != "0" {
		t.Errorf("first entry of a big send: %+v", r.Entry)
	}
	if r := big.Record(push.Result{Token: "t", Status: 200}, certs.Development, at); r.Entry.Payload != "" || r.Entry.PayloadHash != big.Hash {
		t.Errorf("second entry of a big send: %+v", r.Entry)
	}
	lost := small.Record(push.Result{Token: "t", Class: "cancelled", Err: errors.New("context canceled")}, certs.Development, at)
	if lost.Book || lost.Entry.Reason != "cancelled" || lost.Entry.Error == "" {
		t.Errorf("cancelled: %+v", lost)
	}
	if r := small.Record(push.Result{Token: "t", Status: 410, Reason: "Unregistered"}, certs.Development, at); !r.Book {
		t.Error("an APNs answer goes to the device book")
	}
}

// TestRecorderWritesHistoryAndBook runs the CLI's recorder against a real
// store.
func TestRecorderWritesHistoryAndBook(t *testing.T) {
	t.Parallel()
	store, err := profiles.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("ab", 32)
	if _, _, err := store.AddDevice(profiles.Device{Token: tok, Label: "phone", Environment: certs.Development}); err != nil {
		t.Fatal(err)
	}
	var warnings []string
	rec := NewRecorder(store, NewSend("b1", "", certs.Development, payload.Headers{}, []byte(`{}`), 2), func(s string) { warnings = append(warnings, s) })
	gone := time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
	rec.Add(push.Result{Token: tok, Label: "phone", Status: 410, Reason: "Unregistered", UnregisteredAt: gone})
	rec.Add(push.Result{Token: strings.Repeat("cd", 32), Class: "cancelled", Err: errors.New("cancelled")})
	rec.Close()
	if len(warnings) > 0 {
		t.Fatal(warnings)
	}
	hist, err := store.QueryHistory(profiles.HistoryFilter{Batch: "b1"})
	if err != nil || len(hist) != 2 {
		t.Fatalf("history: %d entries, %v", len(hist), err)
	}
	ds, err := store.Devices()
	if err != nil || len(ds) != 1 || !ds[0].UnregisteredAt.Equal(gone) || ds[0].Last == nil || ds[0].Last.Status != 410 {
		t.Fatalf("device book: %+v, %v", ds, err)
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

// TestResolveCancelled: a cancelled context stops the credential load.
func TestResolveCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Resolve(Env{}, nil, nil, Request{Cert: filepath.Join("..", "testdata", "fixtures", "ck-unencrypted.pem"), Env: "development", Context: ctx})
	if err == nil || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("err %v", err)
	}
}
