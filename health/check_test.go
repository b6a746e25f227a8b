package health

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

const testTopic = "com.example.pushdeck"

// world is a set of credentials on disk for the check tests: certificates
// made by certgen with the validity each case needs (RSA key generation is
// slow under -race, so they are made once).
var world struct {
	once sync.Once
	dir  string
	ca   *certgen.CA
	now  time.Time
	// file names in dir
	fine, expiring, expired, future, untrusted string
	err                                        error
}

func setupWorld(t testing.TB) {
	t.Helper()
	world.once.Do(func() {
		w := &world
		w.now = time.Now()
		w.dir, w.err = os.MkdirTemp("", "pushdeck-health-test-")
		if w.err != nil {
			return
		}
		if w.ca, w.err = certgen.NewCA("health test CA"); w.err != nil {
			return
		}
		other, err := certgen.NewCA("some other CA")
		if err != nil {
			w.err = err
			return
		}
		day := 24 * time.Hour
		mk := func(ca *certgen.CA, name string, nb, na time.Time) string {
			if w.err != nil {
				return ""
			}
			c, err := ca.Client(certgen.ClientSpec{Topic: testTopic, TeamID: "ABCDE12345",
				Environments: []certs.Environment{certs.Development}, NotBefore: nb, NotAfter: na})
			if err != nil {
				w.err = err
				return ""
			}
			b, err := certgen.PEM(c)
			if err != nil {
				w.err = err
				return ""
			}
			p := filepath.Join(w.dir, name)
			w.err = os.WriteFile(p, b, 0o600)
			return p
		}
		ago := w.now.AddDate(-1, 0, 0)
		w.fine = mk(w.ca, "fine.pem", ago, w.now.Add(300*day))
		w.expiring = mk(w.ca, "expiring.pem", ago, w.now.Add(10*day+time.Hour))
		w.expired = mk(w.ca, "expired.pem", ago, w.now.Add(-36*day-5*time.Hour))
		w.future = mk(w.ca, "future.pem", w.now.Add(29*day+time.Hour), w.now.Add(394*day+time.Hour))
		w.untrusted = mk(other, "untrusted.pem", ago, w.now.Add(300*day))
	})
	if world.err != nil {
		t.Fatal(world.err)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if world.dir != "" {
		os.RemoveAll(world.dir)
	}
	os.Exit(code)
}

func prof(name, path string, src profiles.PasswordSource) profiles.Profile {
	return profiles.Profile{Name: name, CertPath: path, Auth: certs.AuthCertificate, Environment: certs.Development, Topic: testTopic, Password: src}
}

// teamProfiles is a team's saved profiles: fine, expiring, expired, not
// yet valid, password sources that work and that broke, a typed password,
// a profile its certificate does not allow, and a token key.
func teamProfiles(t *testing.T) (ps []profiles.Profile, env map[string]string) {
	setupWorld(t)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("hello123\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(fixtures, "dev-modern.p12")
	none := profiles.PasswordSource{Kind: "none"}
	wrongEnv := prof("wrong-env", world.fine, none)
	wrongEnv.Environment = certs.Production
	token := profiles.Profile{Name: "token", CertPath: filepath.Join(fixtures, "AuthKey_54321EDCBA.p8"), Auth: certs.AuthToken,
		KeyID: "54321EDCBA", TeamID: "ABCDE12345", Environment: certs.Production, Topic: testTopic, Password: none}
	ps = []profiles.Profile{
		prof("fine", world.fine, none),
		prof("expiring", world.expiring, none),
		prof("expired", world.expired, none),
		prof("future", world.future, none),
		prof("typed", p12, profiles.PasswordSource{Kind: "prompt"}),
		prof("env-ok", p12, profiles.PasswordSource{Kind: "env", Name: "HEALTH_PW"}),
		prof("env-unset", p12, profiles.PasswordSource{Kind: "env", Name: "HEALTH_GONE"}),
		prof("env-wrong", p12, profiles.PasswordSource{Kind: "env", Name: "HEALTH_WRONG"}),
		prof("file-ok", p12, profiles.PasswordSource{Kind: "file", Name: pwFile}),
		prof("file-gone", p12, profiles.PasswordSource{Kind: "file", Name: filepath.Join(dir, "moved")}),
		prof("none-locked", p12, none),
		prof("cert-gone", filepath.Join(dir, "deleted.p12"), none),
		wrongEnv,
		token,
		{Name: "wrong-auth", CertPath: world.fine, Auth: certs.AuthToken, KeyID: "54321EDCBA", TeamID: "ABCDE12345",
			Environment: certs.Development, Topic: testTopic, Password: none},
	}
	return ps, map[string]string{"HEALTH_PW": "hello123", "HEALTH_WRONG": "nope"}
}

func byName(rs []ProfileResult) map[string]ProfileResult {
	m := map[string]ProfileResult{}
	for _, r := range rs {
		m[r.Profile.Name] = r
	}
	return m
}

func hasCode(fs []certs.Finding, c certs.Code) bool {
	for _, f := range fs {
		if f.Code == c {
			return true
		}
	}
	return false
}

func TestCheckTeam(t *testing.T) {
	ps, env := teamProfiles(t)
	res, err := Check(context.Background(), ps, CheckOptions{WarnDays: DefaultWarnDays, Env: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ps) {
		t.Fatalf("%d results for %d profiles", len(res), len(ps))
	}
	for i := range ps {
		if res[i].Profile.Name != ps[i].Name {
			t.Fatalf("result %d is %s, want %s: results keep the order given", i, res[i].Profile.Name, ps[i].Name)
		}
	}
	got := byName(res)
	want := []struct {
		name    string
		status  Status
		code    certs.Code // a finding the result must carry ("" none)
		verdict string     // prefix
	}{
		{"fine", StatusOK, "", "✓ usable"},
		{"expiring", StatusWarning, certs.CodeExpiresSoon, "⚠ expires in 10 days"},
		{"expired", StatusFailure, certs.CodeExpired, "✗ expired 36 days ago"},
		{"future", StatusFailure, certs.CodeNotYetValid, "✗ not valid until "},
		{"typed", StatusNeedsPassword, CodeNeedsPassword, "? needs password (typed)"},
		{"env-ok", StatusOK, "", "✓ usable"},
		{"env-unset", StatusFailure, CodePasswordSource, "✗ password source fails"},
		{"env-wrong", StatusFailure, CodePasswordSource, "✗ password source fails"},
		{"file-ok", StatusOK, "", "✓ usable"},
		{"file-gone", StatusFailure, CodePasswordSource, "✗ password source fails"},
		{"none-locked", StatusFailure, CodePasswordSource, "✗ password source fails"},
		{"cert-gone", StatusFailure, certs.CodeFileMissing, "✗ no such file"},
		{"wrong-env", StatusFailure, CodeProfileMismatch, "✗ certificate does not fit the profile"},
		{"token", StatusOK, "", "✓ usable"},
		{"wrong-auth", StatusFailure, CodeProfileMismatch, "✗ certificate does not fit the profile"},
	}
	for _, w := range want {
		r := got[w.name]
		if r.Status != w.status {
			t.Errorf("%s: status %s, want %s (problems %v, warnings %v)", w.name, r.Status, w.status, r.Problems, r.Warnings)
		}
		if w.code != "" && !hasCode(r.Problems, w.code) && !hasCode(r.Warnings, w.code) {
			t.Errorf("%s: no %s finding in %v %v", w.name, w.code, r.Problems, r.Warnings)
		}
		if !strings.HasPrefix(r.Verdict(), w.verdict) {
			t.Errorf("%s: verdict %q, want %q", w.name, r.Verdict(), w.verdict)
		}
		for _, f := range append(r.Problems, r.Warnings...) {
			if f.Message == "" || f.Advice == "" {
				t.Errorf("%s: finding %s lacks a sentence or advice: %+v", w.name, f.Code, f)
			}
			if strings.Contains(f.String(), "hello123") || strings.Contains(f.String(), "nope") {
				t.Errorf("%s: a password reached a message: %s", w.name, f)
			}
		}
	}
	// Messages say which source broke.
	if m := got["env-unset"].Problems[0].Message; !strings.Contains(m, "$HEALTH_GONE") || !strings.Contains(m, "not set") {
		t.Errorf("env-unset: %q", m)
	}
	if m := got["file-gone"].Problems[0].Message; !strings.Contains(m, "no longer exists") {
		t.Errorf("file-gone: %q", m)
	}
	if m := got["env-wrong"].Problems[0].Message; !strings.Contains(m, "$HEALTH_WRONG") || !strings.Contains(m, "wrong") {
		t.Errorf("env-wrong: %q", m)
	}
	// One number for one fact: the table's days, the JSON and the phrase.
	exp := got["expired"]
	if d := exp.Report.Certificate.DaysLeft; d != -36 || exp.Validity() != "expired 36 days ago" {
		t.Errorf("expired: days %d, validity %q", d, exp.Validity())
	}
	if j := exp.JSON(); j.DaysLeft == nil || *j.DaysLeft != -36 || j.Validity != "expired 36 days ago" || *j.Usable {
		t.Errorf("expired JSON: %+v", j)
	}
	if j := got["typed"].JSON(); j.Usable != nil || j.DaysLeft != nil || j.PasswordSource != "prompt" {
		t.Errorf("typed JSON: usable %v days %v source %q", j.Usable, j.DaysLeft, j.PasswordSource)
	}
	if j := got["token"].JSON(); j.DaysLeft != nil || j.NotAfter != nil || j.Kind != certs.AuthToken {
		t.Errorf("token JSON: %+v", j)
	}

	// Exit codes.
	pick := func(names ...string) []ProfileResult {
		var out []ProfileResult
		for _, n := range names {
			out = append(out, got[n])
		}
		return out
	}
	for _, tc := range []struct {
		names []string
		code  int
	}{
		{[]string{"fine", "env-ok", "file-ok", "token"}, ExitOK},
		{[]string{"fine", "expiring"}, ExitWarnings},
		{[]string{"fine", "typed"}, ExitWarnings},
		{[]string{"fine", "expiring", "typed", "expired"}, ExitFailure},
		{[]string{"env-unset"}, ExitFailure},
		{nil, ExitOK},
	} {
		if code := CheckExit(pick(tc.names...)); code != tc.code {
			t.Errorf("exit for %v: %d, want %d", tc.names, code, tc.code)
		}
	}

	// The table: one line per profile, then a tally.
	var b bytes.Buffer
	if err := WriteProfilesTable(&b, res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(res)+2 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	for i, r := range res {
		if l := lines[i+1]; !strings.HasPrefix(l, r.Profile.Name+" ") || !strings.HasSuffix(l, r.Verdict()) {
			t.Errorf("line %q", l)
		}
	}
	if tally := lines[len(lines)-1]; tally != "15 profiles: 4 ok, 1 warning, 1 needs a typed password, 9 failures." {
		t.Errorf("tally %q", tally)
	}

	// JSON Lines: one object per profile.
	b.Reset()
	if err := WriteProfilesJSON(&b, res); err != nil {
		t.Fatal(err)
	}
	lines = strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != len(res) {
		t.Fatalf("%d JSON lines for %d profiles", len(lines), len(res))
	}
	for i, l := range lines {
		var o map[string]any
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if o["profile"] != res[i].Profile.Name || o["status"] != string(res[i].Status) {
			t.Errorf("line %d: %v", i, o)
		}
		if _, ok := o["probe"]; ok {
			t.Errorf("line %d has a probe without --probe", i)
		}
	}
}

func TestCheckWarnDays(t *testing.T) {
	setupWorld(t)
	ps := []profiles.Profile{prof("expiring", world.expiring, profiles.PasswordSource{Kind: "none"})}
	for _, tc := range []struct {
		warn int
		want Status
	}{{30, StatusWarning}, {11, StatusWarning}, {10, StatusOK}, {0, StatusOK}} {
		res, err := Check(context.Background(), ps, CheckOptions{WarnDays: tc.warn, Env: envOf(nil)})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].Status != tc.want {
			t.Errorf("10 days left, --warn-days %d: %s %v", tc.warn, res[0].Status, res[0].Warnings)
		}
	}
}

// TestCheckInteractive: a typed password is asked for, one profile at a
// time, only when the run can ask; $PUSHDECK_PASSWORD stands in.
func TestCheckInteractive(t *testing.T) {
	p12 := filepath.Join(fixtures, "dev-modern.p12")
	ps := []profiles.Profile{
		prof("a", p12, profiles.PasswordSource{Kind: "prompt"}),
		prof("b", p12, profiles.PasswordSource{Kind: "prompt"}),
	}
	var asked []string
	e := envOf(nil)
	e.Prompt = func(what string) (string, bool, error) {
		asked = append(asked, what)
		if what == "profile b" {
			return "wrong", true, nil
		}
		return "hello123", true, nil
	}
	res, err := Check(context.Background(), ps, CheckOptions{Env: e})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, ",") != "profile a,profile b" || res[0].Status != StatusOK || res[1].Status != StatusFailure {
		t.Errorf("asked %v; statuses %s %s", asked, res[0].Status, res[1].Status)
	}
	if m := res[1].Problems[0].Message; !strings.HasPrefix(m, "The password typed does not open") {
		t.Errorf("b: %q", m)
	}
	asked = nil
	res, _ = Check(context.Background(), ps, CheckOptions{Env: envOf(nil)})
	if len(asked) != 0 || res[0].Status != StatusNeedsPassword || res[1].Status != StatusNeedsPassword {
		t.Errorf("not interactive: asked %v; statuses %s %s", asked, res[0].Status, res[1].Status)
	}
	res, _ = Check(context.Background(), ps, CheckOptions{Env: envOf(map[string]string{"PUSHDECK_PASSWORD": "hello123"})})
	if res[0].Status != StatusOK || res[1].Status != StatusOK {
		t.Errorf("$PUSHDECK_PASSWORD: statuses %s %s", res[0].Status, res[1].Status)
	}
}

// envOf is a session.Env whose environment is vars only (never the test
// process's) and that cannot prompt.
func envOf(vars map[string]string) session.Env {
	return session.Env{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

// TestCheckProbeParallelBound: never more probes in flight than asked.
// (The assertion can only fail if the bound is broken.)
func TestCheckProbeParallelBound(t *testing.T) {
	setupWorld(t)
	var ps []profiles.Profile
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		ps = append(ps, prof(n, world.fine, profiles.PasswordSource{Kind: "none"}))
	}
	var inFlight, peak, calls atomic.Int32
	fake := func(ctx context.Context, cfg push.Config) *ProbeResult {
		calls.Add(1)
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond) // gives the others a chance to overlap
		inFlight.Add(-1)
		return &ProbeResult{OK: true}
	}
	res, err := Check(context.Background(), ps, CheckOptions{Probe: true, ProbeParallel: 2, probe: fake, Env: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if calls.Load() != int32(len(ps)) || peak.Load() > 2 || peak.Load() < 1 {
		t.Fatalf("%d probes, peak %d in flight (bound 2)", calls.Load(), peak.Load())
	}
	for _, r := range res {
		if r.Probe == nil || !r.Probe.OK || r.Status != StatusOK {
			t.Errorf("%s: %+v %s", r.Profile.Name, r.Probe, r.Status)
		}
	}
}

func TestCheckCancelled(t *testing.T) {
	setupWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, []profiles.Profile{prof("a", world.fine, profiles.PasswordSource{})}, CheckOptions{}); err == nil {
		t.Fatal("a cancelled check returned results")
	}
}
