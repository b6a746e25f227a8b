package certs

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const fixtures = "../testdata/fixtures"

// manifest is testdata/fixtures/MANIFEST.json: what a correct reader must
// conclude about each fixture.
type manifest struct {
	Password string                  `json:"password"`
	Bundle   string                  `json:"bundle"`
	Team     string                  `json:"team"`
	KeyID    string                  `json:"key_id"`
	Files    map[string]manifestFile `json:"files"`
}

type manifestFile struct {
	OK       bool     `json:"ok"`
	Env      []string `json:"env"`
	Topics   []string `json:"topics"`
	Password *string  `json:"password"`
	Problem  string   `json:"problem"`
	Kind     string   `json:"kind"`
	KeyID    string   `json:"key_id"`
	Team     string   `json:"team"`
	DaysLeft *int     `json:"days_left"`
}

func readManifest(t testing.TB) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Files) == 0 {
		t.Fatal("MANIFEST.json lists no files")
	}
	return m
}

// problemCode maps the manifest's words to the code Load must give; a new
// wording in the manifest fails the test rather than passing silently.
func problemCode(t testing.TB, problem string) (Code, bool) {
	switch {
	case problem == "":
		return "", false
	case problem == "expired":
		return CodeExpired, false
	case problem == "not yet valid":
		return CodeNotYetValid, false
	case problem == "no private key", strings.HasPrefix(problem, "certificate only"):
		return CodeNoPrivateKey, false
	case problem == "private key does not match certificate":
		return CodeKeyMismatch, false
	case problem == "corrupt":
		return CodeCorrupt, false
	case problem == "empty":
		return CodeEmpty, false
	case problem == "no certificate":
		return CodeNotCertificate, false
	case problem == "expires soon":
		return CodeExpiresSoon, true
	}
	t.Fatalf("MANIFEST.json problem %q has no expected code: teach the test", problem)
	return "", false
}

// TestManifest loads every fixture and checks what MANIFEST.json says.
func TestManifest(t *testing.T) {
	m := readManifest(t)
	for name, want := range m.Files {
		t.Run(name, func(t *testing.T) {
			pw := m.Password
			if want.Password != nil {
				pw = *want.Password
			}
			opts := Options{Password: pw}
			if want.Kind == "token" {
				opts.TeamID = want.Team
			}
			cred, err := Load(filepath.Join(fixtures, name), opts)
			if cred == nil {
				t.Fatalf("Load gave no credential: %v", err)
			}
			r := cred.Report
			if r.Usable != want.OK || (err == nil) != want.OK {
				t.Fatalf("usable = %v, err = %v; manifest says ok = %v; problems %v", r.Usable, err, want.OK, r.Problems)
			}
			code, isWarning := problemCode(t, want.Problem)
			switch {
			case code != "" && isWarning:
				if !hasCode(r.Warnings, code) {
					t.Errorf("warnings %v lack %s", r.Warnings, code)
				}
			case code != "":
				if !hasCode(r.Problems, code) {
					t.Errorf("problems %v lack %s", r.Problems, code)
				}
				var e *Error
				if !errors.As(err, &e) || e.Code != r.Problems[0].Code {
					t.Errorf("err = %v, want *Error carrying the first problem", err)
				}
			case !want.OK:
				t.Fatalf("manifest says not ok without a problem")
			}
			for _, f := range append(r.Problems, r.Warnings...) {
				if f.Message == "" || f.Advice == "" || f.Code == "" {
					t.Errorf("finding without code, message or advice: %+v", f)
				}
			}
			if want.Env != nil {
				if r.Certificate == nil {
					t.Fatalf("no certificate details; manifest gives env %v", want.Env)
				}
				var got []string
				for _, e := range r.Certificate.Environments {
					got = append(got, string(e))
				}
				if !slices.Equal(got, want.Env) {
					t.Errorf("environments %v, want %v", got, want.Env)
				}
			}
			if want.Topics != nil {
				var got []string
				for _, tp := range r.Certificate.Topics {
					got = append(got, tp.Topic)
				}
				if !slices.Equal(got, want.Topics) {
					t.Errorf("topics %v, want %v", got, want.Topics)
				}
			}
			if want.DaysLeft != nil && r.Certificate.DaysLeft != *want.DaysLeft {
				t.Errorf("days left %d, want %d", r.Certificate.DaysLeft, *want.DaysLeft)
			}
			if want.Kind == "token" {
				checkToken(t, cred, want)
				return
			}
			if want.OK {
				checkUsableCert(t, cred, m)
			}
		})
	}
}

func checkToken(t *testing.T, cred *Credential, want manifestFile) {
	t.Helper()
	r := cred.Report
	if cred.Kind != AuthToken || cred.Format != FormatP8 || cred.Signer == nil {
		t.Fatalf("kind %s format %s signer %v: want a p8 token key", cred.Kind, cred.Format, cred.Signer != nil)
	}
	if cred.KeyID != want.KeyID || r.TokenKey == nil || r.TokenKey.KeyID != want.KeyID || r.TokenKey.Curve != "P-256" {
		t.Errorf("key ID %q, token info %+v; want key ID %q on P-256", cred.KeyID, r.TokenKey, want.KeyID)
	}
	if r.Certificate != nil || r.PrivateKey != nil || r.Chain != nil {
		t.Errorf("a .p8 report must have no certificate, private_key or chain")
	}
}

func checkUsableCert(t *testing.T, cred *Credential, m manifest) {
	t.Helper()
	r := cred.Report
	c := r.Certificate
	if cred.TLS == nil || cred.TLS.Leaf == nil || cred.Kind != AuthCertificate {
		t.Fatal("usable certificate credential without a TLS certificate")
	}
	if c.Topic != m.Bundle || c.TeamID != m.Team {
		t.Errorf("topic %q team %q, want %q %q", c.Topic, c.TeamID, m.Bundle, m.Team)
	}
	if !strings.HasPrefix(c.CommonName, "Apple ") || !strings.Contains(c.Issuer, "Test Worldwide Developer Relations CA") {
		t.Errorf("common name %q issuer %q", c.CommonName, c.Issuer)
	}
	if len(c.SHA256) != 95 || c.Serial == "" || c.DaysLeft < 30 || c.NotAfter.Before(c.NotBefore) {
		t.Errorf("sha256 %q serial %q days %d", c.SHA256, c.Serial, c.DaysLeft)
	}
	k := r.PrivateKey
	if k == nil || !k.Present || k.Type != "RSA" || k.Bits != 2048 || !k.MatchesCertificate {
		t.Errorf("private key %+v", k)
	}
}

// TestPasswords: every protected fixture refuses a wrong password and asks
// for one when none is given, with the right code.
func TestPasswords(t *testing.T) {
	m := readManifest(t)
	for _, name := range []string{"dev-modern.p12", "dev-legacy.p12", "prod-keychain-3des.p12", "universal-with-chain.p12", "expired.p12", "ck.pem", "ck-traditional.pem", "dev-key-encrypted.pem", "dev-key-traditional-encrypted.pem"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(fixtures, name)
			const wrong = "Wr0ng-pa55word"
			cred, err := Load(path, Options{Password: wrong})
			if cred == nil || !hasCode(cred.Report.Problems, CodeWrongPassword) {
				t.Fatalf("wrong password: err %v", err)
			}
			js, _ := json.Marshal(cred.Report)
			if strings.Contains(string(js), wrong) || strings.Contains(err.Error(), wrong) {
				t.Fatal("the password leaked into the report or the error")
			}
			cred, err = Load(path, Options{})
			if cred == nil || !hasCode(cred.Report.Problems, CodePasswordRequired) {
				t.Fatalf("no password: err %v", err)
			}
			need, err := NeedsPassword(path)
			if err != nil || !need {
				t.Errorf("NeedsPassword = %v, %v", need, err)
			}
			if _, err := Load(path, Options{Password: m.Password}); err != nil && !strings.Contains(name, "expired") && !strings.Contains(name, "dev-key") {
				t.Errorf("right password: %v", err)
			}
		})
	}
	for _, name := range []string{"dev-empty-password.p12", "ck-unencrypted.pem", "aps_development.cer", "AuthKey_54321EDCBA.p8", "dev-key.pem"} {
		if need, err := NeedsPassword(filepath.Join(fixtures, name)); err != nil || need {
			t.Errorf("NeedsPassword(%s) = %v, %v; want false", name, need, err)
		}
	}
	if _, err := NeedsPassword(filepath.Join(fixtures, "nope.p12")); err == nil {
		t.Error("NeedsPassword of a missing file gave no error")
	}
}
