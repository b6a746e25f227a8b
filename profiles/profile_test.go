package profiles

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
)

func TestProfilesRoundTrip(t *testing.T) {
	s := openTemp(t)
	if ps, err := s.Profiles(); err != nil || len(ps) != 0 {
		t.Fatalf("Profiles() on a new store = %v, %v", ps, err)
	}
	p := Profile{Name: "myapp-dev", CertPath: "dev.p12", Auth: certs.AuthCertificate, Environment: "sandbox",
		Topic: "com.example.app", Host: "https://127.0.0.1:2197", Port: 2197, ServerCA: "ca.pem",
		PushType: "alert", Priority: 10, Password: PasswordSource{Kind: "env", Name: "MYAPP_P12_PASSWORD"}, Notes: "QA phones"}
	if err := s.SaveProfile(p); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveProfile(Profile{Name: "myapp-prod", CertPath: "/abs/prod.p12", Environment: certs.Production}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Profile("myapp-dev")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if got.Environment != certs.Development || got.CertPath != filepath.Join(wd, "dev.p12") || got.ServerCA != filepath.Join(wd, "ca.pem") {
		t.Errorf("paths and environment not normalised: %+v", got)
	}
	if got.Password != (PasswordSource{Kind: "env", Name: "MYAPP_P12_PASSWORD"}) || got.Topic != p.Topic || got.Port != 2197 ||
		got.Notes != p.Notes || got.CreatedAt.IsZero() || got.Host != p.Host || got.Priority != 10 {
		t.Errorf("round trip lost fields: %+v", got)
	}
	created := got.CreatedAt
	got.Notes = "changed"
	if err := s.SaveProfile(got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Profile("myapp-dev")
	if !again.CreatedAt.Equal(created) || again.Notes != "changed" {
		t.Errorf("replacing kept created_at %v (was %v), notes %q", again.CreatedAt, created, again.Notes)
	}
	ps, _ := s.Profiles()
	if len(ps) != 2 || ps[0].Name != "myapp-dev" || ps[1].Name != "myapp-prod" {
		t.Fatalf("Profiles() = %+v", ps)
	}
	if err := s.SetActive("nope"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "myapp-dev, myapp-prod") {
		t.Errorf("SetActive(nope) = %v", err)
	}
	if err := s.SetActive("myapp-prod"); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Active(); a != "myapp-prod" {
		t.Errorf("Active() = %q", a)
	}
	if err := s.RemoveProfile("myapp-prod"); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Active(); a != "" {
		t.Errorf("Active() after removing it = %q", a)
	}
	if _, err := s.Profile("myapp-prod"); !errors.Is(err, ErrNotFound) {
		t.Errorf("removed profile still found: %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(s.Dir, profilesFile))
	if !strings.Contains(string(data), `"schema": 1`) || !strings.Contains(string(data), "MYAPP_P12_PASSWORD") {
		t.Errorf("profiles.json lacks schema or password source:\n%s", data)
	}
}

func TestSaveProfileRefusesBadInput(t *testing.T) {
	s := openTemp(t)
	base := Profile{Name: "ok", CertPath: "/c.p12", Environment: certs.Development}
	cases := map[string]func(p *Profile){
		"empty name":       func(p *Profile) { p.Name = " " },
		"flag-like name":   func(p *Profile) { p.Name = "-x" },
		"no cert":          func(p *Profile) { p.CertPath = "" },
		"bad env":          func(p *Profile) { p.Environment = "staging" },
		"bad priority":     func(p *Profile) { p.Priority = 7 },
		"http host":        func(p *Profile) { p.Host = "http://localhost" },
		"env without name": func(p *Profile) { p.Password = PasswordSource{Kind: "env"} },
		"unknown source":   func(p *Profile) { p.Password = PasswordSource{Kind: "keychain"} },
	}
	for name, mut := range cases {
		p := base
		mut(&p)
		if err := s.SaveProfile(p); err == nil {
			t.Errorf("%s: saved", name)
		}
	}
	if ps, _ := s.Profiles(); len(ps) != 0 {
		t.Errorf("bad profiles were saved: %+v", ps)
	}
}

func devReport(envs ...certs.Environment) certs.Report {
	return certs.Report{File: "/c/dev.p12", Usable: true, Certificate: &certs.CertInfo{
		Topic: "com.example.app", Environments: envs,
		Topics: []certs.Topic{{Topic: "com.example.app", Kind: "app"}, {Topic: "com.example.app.voip", Kind: "voip"}},
	}}
}

func TestCheckProfileEnvironment(t *testing.T) {
	p := Profile{Name: "x", CertPath: "/c/dev.p12", Environment: certs.Production}
	_, err := CheckProfile(p, devReport(certs.Development), false)
	if err == nil || !strings.Contains(err.Error(), "development only") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("dev-only cert as production: %v", err)
	}
	got, err := CheckProfile(p, devReport(certs.Development), true)
	if err != nil || got.Environment != certs.Production {
		t.Fatalf("override: %+v, %v", got, err)
	}
	p.Environment = certs.Development
	_, err = CheckProfile(p, devReport(certs.Production), false)
	if err == nil || !strings.Contains(err.Error(), "production only") {
		t.Fatalf("prod-only cert as development: %v", err)
	}
	if _, err := CheckProfile(p, devReport(certs.Development, certs.Production), false); err != nil {
		t.Fatalf("universal cert: %v", err)
	}
	p.Environment = ""
	got, err = CheckProfile(p, devReport(certs.Production), false)
	if err != nil || got.Environment != certs.Production {
		t.Fatalf("environment from a single-environment cert: %+v, %v", got, err)
	}
	if _, err := CheckProfile(p, devReport(certs.Development, certs.Production), false); err == nil {
		t.Fatal("universal cert without --env was accepted")
	}
}

func TestCheckProfileTopic(t *testing.T) {
	p := Profile{Name: "x", Environment: certs.Development}
	got, err := CheckProfile(p, devReport(certs.Development), false)
	if err != nil || got.Topic != "com.example.app" || got.Auth != certs.AuthCertificate {
		t.Fatalf("default topic: %+v, %v", got, err)
	}
	p.Topic = "com.example.app.voip"
	if got, err := CheckProfile(p, devReport(certs.Development), false); err != nil || got.Topic != p.Topic {
		t.Fatalf("voip topic of the cert: %+v, %v", got, err)
	}
	p.Topic = "com.other.app"
	if _, err := CheckProfile(p, devReport(certs.Development), false); err == nil || !strings.Contains(err.Error(), "TopicDisallowed") {
		t.Fatalf("foreign topic: %v", err)
	}
}

func TestCheckProfileUnusableAndToken(t *testing.T) {
	rep := devReport(certs.Development)
	rep.Usable = false
	rep.Problems = []certs.Finding{{Code: certs.CodeExpired, Message: "The certificate expired on 2024-01-01.", Advice: "Make a new one."}}
	p := Profile{Name: "x", Environment: certs.Development}
	if _, err := CheckProfile(p, rep, false); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("expired cert: %v", err)
	}
	if _, err := CheckProfile(p, rep, true); err != nil {
		t.Fatalf("expired cert with override: %v", err)
	}
	tok := certs.Report{File: "AuthKey_ABC.p8", Usable: true, TokenKey: &certs.TokenKeyInfo{KeyID: "54321EDCBA", Curve: "P-256"}}
	if _, err := CheckProfile(p, tok, true); err == nil || !strings.Contains(err.Error(), "team") {
		t.Fatalf("token without team ID: %v", err)
	}
	p.TeamID = "ABCDE12345"
	if _, err := CheckProfile(p, tok, true); err == nil || !strings.Contains(err.Error(), "--topic") {
		t.Fatalf("token without topic: %v", err)
	}
	p.Topic = "com.example.app"
	got, err := CheckProfile(p, tok, false)
	if err != nil || got.Auth != certs.AuthToken || got.KeyID != "54321EDCBA" {
		t.Fatalf("token profile: %+v, %v", got, err)
	}
}
