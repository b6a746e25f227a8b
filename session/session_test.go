package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
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
