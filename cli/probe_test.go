package cli

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// probeJSON decodes probe --json: steps, then the verdict, last.
func probeJSON(t *testing.T, out string) ([]probeStepLine, probeVerdictLine) {
	t.Helper()
	var steps []probeStepLine
	var v *probeVerdictLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		if v != nil {
			t.Fatalf("line after the verdict: %s", sc.Text())
		}
		if _, ok := m["verdict"]; ok {
			v = new(probeVerdictLine)
			json.Unmarshal(sc.Bytes(), v)
			continue
		}
		for _, k := range []string{"step", "ok", "ms", "detail"} {
			if _, ok := m[k]; !ok {
				t.Errorf("step line lacks %q: %s", k, sc.Text())
			}
		}
		var st probeStepLine
		json.Unmarshal(sc.Bytes(), &st)
		steps = append(steps, st)
	}
	if v == nil {
		t.Fatalf("no verdict in:\n%s", out)
	}
	return steps, *v
}

func probeArgs(s mockAPNs, p12 string, extra ...string) []string {
	return append([]string{"probe", "--cert", filepath.Join(fixtureDir, p12), "--host", s.URL(), "--server-ca", s.caFile}, extra...)
}

func TestProbeJSONSuccess(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	te := withPassword()
	code := te.run(probeArgs(s, "dev-modern.p12", "--json")...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	steps, v := probeJSON(t, te.stdout.String())
	if len(steps) != 5 || v.Verdict != "ok" || !strings.Contains(v.Advice, "accepted this certificate for development") {
		t.Fatalf("steps %+v verdict %+v", steps, v)
	}
	for i, name := range []string{"dns", "tcp", "tls", "http2", "auth"} {
		if steps[i].Step != name || !steps[i].OK || steps[i].MS <= 0 || len(steps[i].Detail) == 0 {
			t.Errorf("step %d: %+v", i, steps[i])
		}
	}
	if !strings.Contains(strings.Join(steps[3].Detail, " "), "MAX_CONCURRENT_STREAMS 1000") {
		t.Errorf("http2 detail: %v", steps[3].Detail)
	}
}

func TestProbeHumanWrongEnvironment(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Production, apnstest.Faults{})
	te := withPassword()
	code := te.run(probeArgs(s, "dev-modern.p12", "--env", "production")...)
	out := te.stdout.String()
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, out, te.stderr.String())
	}
	for _, want := range []string{"ok    dns", "ok    tls", "FAIL  auth", "BadCertificateEnvironment",
		"verdict: FAILED", "This certificate is for development; the profile says production"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// liveAndClosed starts a mock APNs server in a fresh home, and returns it
// with the URL of a port where another one listened and no longer does.
func liveAndClosed(t *testing.T) (mockAPNs, string) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	closed := startMockAPNs(t, certs.Development, apnstest.Faults{})
	closedURL := closed.URL()
	closed.Close()
	return s, closedURL
}

func TestProbeFailureKinds(t *testing.T) {
	s, closedURL := liveAndClosed(t)
	cases := []struct {
		name     string
		args     []string
		failStep string
		says     string
	}{
		{"unknown CA", []string{"probe", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", s.URL(), "--json"}, "tls", "--server-ca"},
		{"refused port", []string{"probe", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", closedURL, "--json"}, "tcp", "Nothing listens"},
		{"wrong topic", probeArgs(s, "dev-modern.p12", "--topic", "com.example.other", "--json"), "auth", fxTopic},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			te := withPassword()
			if code := te.run(tc.args...); code != exitFailed {
				t.Fatalf("exit %d\n%s", code, te.stderr.String())
			}
			steps, v := probeJSON(t, te.stdout.String())
			last := steps[len(steps)-1]
			if last.Step != tc.failStep || last.OK || v.Verdict != "failed" || !strings.Contains(v.Advice, tc.says) {
				t.Errorf("last step %+v, verdict %+v", last, v)
			}
		})
	}
}

func TestProbeTokenAuthWithProfile(t *testing.T) {
	dir := newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	st, err := profiles.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SaveProfile(profiles.Profile{Name: "token", CertPath: filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"),
		Auth: certs.AuthToken, KeyID: fxKeyID, TeamID: fxTeam, Environment: certs.Development, Topic: fxTopic,
		Host: s.URL(), ServerCA: s.caFile}); err != nil {
		t.Fatal(err)
	}
	te := &testEnv{}
	if code := te.run("probe", "--profile", "token", "--json"); code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	_, v := probeJSON(t, te.stdout.String())
	if !strings.Contains(v.Advice, "token key (key ID "+fxKeyID) {
		t.Errorf("verdict %+v", v)
	}
}

func TestProbeUsage(t *testing.T) {
	newHome(t)
	for _, args := range [][]string{
		{"probe"},
		{"probe", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--env", "production", "--port", "8080"},
		{"probe", "--p8", filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"), "--env", "development"},
		{"probe", "extra"},
	} {
		te := withPassword()
		if code := te.run(args...); code != exitUsage || te.stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, te.stderr.String())
		}
	}
	te := &testEnv{}
	if code := te.run("probe", "--help"); code != exitOK || !strings.Contains(te.stdout.String(), "all-zero") || te.stderr.Len() != 0 {
		t.Errorf("--help: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
}

// TestProbeWithUnloadableCredential: a wrong password does not stop the
// probe from telling whether the network works. DNS and TCP run; the TLS
// step fails naming the credential's problem, and the verdict says the
// network is fine. With the port closed the TCP step fails first, as it
// would with a good credential.
func TestProbeWithUnloadableCredential(t *testing.T) {
	s, closedURL := liveAndClosed(t)
	wrong := func() *testEnv { return &testEnv{vars: map[string]string{"PUSHDECK_PASSWORD": "not-the-password"}} }

	te := wrong()
	if code := te.run(probeArgs(s, "dev-modern.p12", "--json")...); code != exitFailed {
		t.Fatalf("exit %d, want 1\nstderr: %s", code, te.stderr.String())
	}
	steps, v := probeJSON(t, te.stdout.String())
	var names []string
	for _, st := range steps {
		names = append(names, st.Step)
	}
	if strings.Join(names, ",") != "dns,tcp,tls" || !steps[0].OK || !steps[1].OK || steps[2].OK {
		t.Fatalf("steps %+v", steps)
	}
	if !strings.Contains(steps[2].Error, "password") || !strings.Contains(v.Reason, "password") ||
		!strings.Contains(v.Advice, "network is fine") || v.Verdict != "failed" {
		t.Errorf("tls step %+v, verdict %+v", steps[2], v)
	}
	if strings.Contains(te.stdout.String()+te.stderr.String(), "not-the-password") {
		t.Error("the password was printed")
	}

	te = wrong()
	args := []string{"probe", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", closedURL, "--server-ca", s.caFile}
	if code := te.run(args...); code != exitFailed {
		t.Fatalf("closed port: exit %d, want 1\nstderr: %s", code, te.stderr.String())
	}
	out := te.stdout.String()
	if !strings.Contains(out, "FAIL  tcp") || strings.Contains(out, "tls") || !strings.Contains(te.stderr.String(), "Checking DNS and TCP anyway") {
		t.Errorf("closed port with a wrong password:\nstdout: %s\nstderr: %s", out, te.stderr.String())
	}

	// An expired certificate still names its environment: the probe goes
	// on to DNS and TCP (here a closed local port) and says what expired.
	te = withPassword()
	args = []string{"probe", "--cert", filepath.Join(fixtureDir, "expired.p12"), "--host", closedURL, "--server-ca", s.caFile}
	if code := te.run(args...); code != exitFailed || !strings.Contains(te.stderr.String(), "expired") || !strings.Contains(te.stdout.String(), "FAIL  tcp") {
		t.Errorf("expired: exit %d\nstdout: %s\nstderr: %s", code, te.stdout.String(), te.stderr.String())
	}

	// Without an environment the credential was the only way to know
	// where to probe: that stays a usage error naming the credential.
	te = wrong()
	if code := te.run("probe", "--cert", filepath.Join(fixtureDir, "dev-modern.p12")); code != exitUsage || !strings.Contains(te.stderr.String(), "password") {
		t.Errorf("no --env: exit %d, stderr %q", code, te.stderr.String())
	}
}
