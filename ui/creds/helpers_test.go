package creds

import (
	"errors"
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

// plain are the NO_COLOR styles: goldens compare text, not colours.
func plain() common.Common {
	return common.Common{Styles: common.DefaultStyles(true, true), Password: map[string]string{}}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

var day = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func certReport(file string, days int, envs ...certs.Environment) *certs.Report {
	return &certs.Report{
		File: file, Format: certs.FormatP12, Usable: days >= 0,
		Certificate: &certs.CertInfo{
			Subject: "CN=Apple Push Services: com.example.app", CommonName: "Apple Push Services: com.example.app",
			Topic: "com.example.app", Topics: []certs.Topic{{Topic: "com.example.app", Kind: "app"}, {Topic: "com.example.app.voip", Kind: "voip"}},
			Environments: envs, TeamID: "ABCDE12345", Issuer: "CN=Apple Worldwide Developer Relations Certification Authority",
			Serial: "1A2B3C", SHA256: "AB:CD:EF", NotBefore: day.AddDate(-1, 0, 0), NotAfter: day.AddDate(0, 0, days), DaysLeft: days,
		},
		PrivateKey: &certs.KeyInfo{Present: true, Type: "RSA", Bits: 2048, MatchesCertificate: true},
	}
}

func problem(r *certs.Report, code certs.Code, msg, advice string) *certs.Report {
	r.Usable = false
	r.Problems = append(r.Problems, certs.Finding{Code: code, Message: msg, Advice: advice})
	return r
}

// sixProfiles is one profile per badge.
func sixProfiles() ([]profiles.Profile, map[string]common.Health) {
	mk := func(name string, env certs.Environment, path string) profiles.Profile {
		return profiles.Profile{Name: name, CertPath: path, Auth: certs.AuthCertificate, Environment: env, Topic: "com.example.app"}
	}
	ps := []profiles.Profile{
		mk("app-dev", certs.Development, "/home/me/certs/app-dev.p12"),
		mk("app-prod", certs.Production, "/home/me/certs/app-prod.p12"),
		mk("expired", certs.Development, "/home/me/certs/old.p12"),
		mk("gone", certs.Development, "/home/me/certs/gone.p12"),
		mk("nokey", certs.Development, "/home/me/certs/aps.cer"),
		mk("wrongpw", certs.Production, "/home/me/certs/locked.p12"),
	}
	h := map[string]common.Health{
		"app-dev":  {Report: certReport("app-dev.p12", 287, certs.Development)},
		"app-prod": {Report: certReport("app-prod.p12", 9, certs.Development, certs.Production)},
		"expired": {Report: problem(certReport("old.p12", -12, certs.Development), certs.CodeExpired,
			"The certificate expired on 2026-02-17.", "Make a new one in the Apple developer account.")},
		"gone": {Report: problem(&certs.Report{File: "gone.p12"}, certs.CodeFileMissing,
			"/home/me/certs/gone.p12 does not exist.", "Check the path."), Err: errors.New("missing")},
		"nokey": {Report: problem(certReport("aps.cer", 200, certs.Development), certs.CodeNoPrivateKey,
			"aps.cer holds a certificate but no private key.", "Give the key file, or export a .p12 with the key.")},
		"wrongpw": {Report: problem(&certs.Report{File: "locked.p12", Format: certs.FormatP12}, certs.CodeWrongPassword,
			"The password does not open locked.p12.", "Type the password chosen at export.")},
	}
	return ps, h
}

// loaded is a screen showing ps with their health, as after Init.
func loaded(t *testing.T, w, h int, ps []profiles.Profile, health map[string]common.Health, active string) *Model {
	t.Helper()
	m := New(plain())
	m.SetSize(w, h)
	m.run = 1
	m.Update(listMsg{run: 1, profiles: ps, active: active})
	for name, hh := range health {
		m.Update(healthMsg{run: 1, name: name, health: hh})
	}
	return m
}

func strip(s string) string { return ansi.Strip(s) }

// asSequence unpacks tea.Sequence's unexported message (a slice of Cmds).
func asSequence(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil, false
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out, true
}
