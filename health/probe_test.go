package health

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// TestCheckProbe probes every profile against a local APNs server over
// real TLS and HTTP/2 on loopback: the ones that can push pass, a
// certificate the server does not trust fails, and the ones that could not
// be opened are skipped.
func TestCheckProbe(t *testing.T) {
	setupWorld(t)
	p8 := filepath.Join(fixtures, "AuthKey_54321EDCBA.p8")
	key, err := certs.Load(p8, certs.Options{TeamID: "ABCDE12345"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := apnstest.Start(apnstest.Config{Environment: certs.Development, ClientCAs: world.ca.Pool(),
		AuthKeys: []apnstest.AuthKey{{KeyID: "54321EDCBA", TeamID: "ABCDE12345", Public: &key.Signer.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	local := func(p profiles.Profile) profiles.Profile {
		p.Host, p.ServerCA = s.URL(), caFile
		return p
	}
	none := profiles.PasswordSource{Kind: "none"}
	ps := []profiles.Profile{
		local(prof("fine", world.fine, none)),
		local(prof("expiring", world.expiring, none)),
		local(prof("untrusted", world.untrusted, none)),
		local(prof("expired", world.expired, none)),
		local(prof("typed", filepath.Join(fixtures, "dev-modern.p12"), profiles.PasswordSource{Kind: "prompt"})),
		local(profiles.Profile{Name: "token", CertPath: p8, Auth: certs.AuthToken, KeyID: "54321EDCBA", TeamID: "ABCDE12345",
			Environment: certs.Development, Topic: testTopic, Password: none}),
	}
	res, err := Check(context.Background(), ps, CheckOptions{WarnDays: 30, Probe: true, ProbeParallel: 3, Env: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	got := byName(res)
	for _, tc := range []struct {
		name    string
		ok      bool
		skipped bool
		status  Status
	}{
		{"fine", true, false, StatusOK},
		{"expiring", true, false, StatusWarning},
		{"untrusted", false, false, StatusFailure},
		{"expired", false, true, StatusFailure},
		{"typed", false, true, StatusNeedsPassword},
		{"token", true, false, StatusOK},
	} {
		r := got[tc.name]
		if r.Probe == nil || r.Probe.OK != tc.ok || r.Probe.Skipped != tc.skipped || r.Status != tc.status {
			t.Errorf("%s: probe %+v, status %s, problems %v", tc.name, r.Probe, r.Status, r.Problems)
		}
	}
	if u := got["untrusted"]; !hasCode(u.Problems, CodeProbeFailed) || u.Probe.Step == "" || !strings.Contains(u.Verdict(), "probe failed") {
		t.Errorf("untrusted: %v step %q verdict %q", u.Problems, u.Probe.Step, u.Verdict())
	}
	if !got["untrusted"].Usable() {
		t.Error("untrusted: the credential itself is usable; only the probe failed")
	}
	// Three probes reached the auth step: a push each to the all-zero token.
	if c := s.Counters(); c.ByReason["BadDeviceToken"] != 3 {
		t.Errorf("server saw %v", c.ByReason)
	}
	if CheckExit(res) != ExitFailure {
		t.Error("a failed probe is a failure")
	}

	var b bytes.Buffer
	if err := WriteProfilesTable(&b, res); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "PROBE") || !strings.Contains(b.String(), "✓ ok (") || !strings.Contains(b.String(), "skipped") {
		t.Errorf("table:\n%s", b.String())
	}

	// All good: one line says every app can push today.
	res, err = Check(context.Background(), []profiles.Profile{ps[0], ps[5]}, CheckOptions{WarnDays: 30, Probe: true})
	if err != nil {
		t.Fatal(err)
	}
	b.Reset()
	WriteProfilesTable(&b, res)
	if !strings.HasSuffix(b.String(), "All 2 profiles can push today.\n") || CheckExit(res) != ExitOK {
		t.Errorf("table:\n%s", b.String())
	}
}
