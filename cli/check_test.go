package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// checkTeam saves profiles that are fine, expiring (10 days), expired (36
// days ago) and whose password must be typed, with certificates made now,
// in a fresh config folder. host and caFile, when set, point the
// certificate profiles at a local APNs server.
func checkTeam(t *testing.T, ca *certgen.CA, host, caFile string) {
	t.Helper()
	cfgHome(t)
	dir := t.TempDir()
	now := time.Now()
	day := 24 * time.Hour
	mk := func(name string, na time.Time) string {
		c, err := ca.Client(certgen.ClientSpec{Topic: "com.example.check", Environments: []certs.Environment{certs.Development},
			NotBefore: now.AddDate(-1, 0, 0), NotAfter: na})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := certgen.PEM(c)
		p := filepath.Join(dir, name+".pem")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	store, err := profiles.Open(os.Getenv("PUSHDECK_HOME"))
	if err != nil {
		t.Fatal(err)
	}
	save := func(name, cert string, src profiles.PasswordSource) {
		p := profiles.Profile{Name: name, CertPath: cert, Environment: certs.Development, Topic: "com.example.check",
			Host: host, ServerCA: caFile, Password: src}
		if src.Kind == profiles.PasswordPrompt {
			p.Topic, p.Host, p.ServerCA = "com.example.pushdeck", "", ""
		}
		if err := store.SaveProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	none := profiles.PasswordSource{Kind: profiles.PasswordNone}
	save("a-fine", mk("fine", now.Add(300*day)), none)
	save("b-expiring", mk("expiring", now.Add(10*day+time.Hour)), none)
	save("c-expired", mk("expired", now.Add(-36*day-5*time.Hour)), none)
	save("d-typed", filepath.Join(fixtureDir, "dev-modern.p12"), profiles.PasswordSource{Kind: profiles.PasswordPrompt})
}

func TestCheckCommand(t *testing.T) {
	ca, err := certgen.NewCA("check test CA")
	if err != nil {
		t.Fatal(err)
	}
	checkTeam(t, ca, "", "")
	cases := []struct {
		args []string
		code int
		says []string
	}{
		{[]string{"check", "--profile", "a-fine"}, exitOK, []string{"a-fine ", "✓ usable", "The 1 profile is healthy."}},
		{[]string{"check", "--profile", "a-fine", "--profile", "b-expiring"}, 4, []string{"⚠ expires in 10 days", "1 warning"}},
		{[]string{"check", "--profile", "b-expiring", "--warn-days", "10"}, exitOK, []string{"✓ usable"}},
		{[]string{"check", "--profile", "a-fine", "--profile", "d-typed"}, 4, []string{"? needs password (typed)", "1 needs a typed password"}},
		{[]string{"check"}, exitFailed, []string{"c-expired ", "-36  ✗ expired 36 days ago", "4 profiles: 1 ok, 1 warning, 1 needs a typed password, 1 failure."}},
		{[]string{"check", "--warn-days", "0", "--profile", "b-expiring"}, exitOK, []string{"✓ usable"}},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			te := &testEnv{}
			code := te.run(tc.args...)
			out := te.stdout.String()
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, te.stderr.String())
			}
			for _, s := range tc.says {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q:\n%s", s, out)
				}
			}
		})
	}

	// $PUSHDECK_PASSWORD opens the typed one unattended.
	te := &testEnv{vars: map[string]string{"PUSHDECK_PASSWORD": "hello123"}}
	if code := te.run("check", "--profile", "d-typed"); code != exitOK {
		t.Errorf("with PUSHDECK_PASSWORD: exit %d\n%s", code, te.stdout.String())
	}

	// JSON: one object per profile, the same days as the table.
	te = &testEnv{}
	te.run("check", "--json")
	lines := strings.Split(strings.TrimSuffix(te.stdout.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d JSON lines:\n%s", len(lines), te.stdout.String())
	}
	var exp struct {
		Profile  string `json:"profile"`
		Status   string `json:"status"`
		DaysLeft *int   `json:"days_left"`
		Validity string `json:"validity"`
		Usable   *bool  `json:"usable"`
	}
	if err := json.Unmarshal([]byte(lines[2]), &exp); err != nil {
		t.Fatal(err)
	}
	if exp.Profile != "c-expired" || exp.Status != "failure" || exp.DaysLeft == nil || *exp.DaysLeft != -36 || exp.Validity != "expired 36 days ago" || *exp.Usable {
		t.Errorf("expired profile JSON: %s", lines[2])
	}

	// Prometheus: the textfile format.
	te = &testEnv{}
	if code := te.run("check", "--format", "prometheus"); code != exitFailed {
		t.Errorf("prometheus exit %d", code)
	}
	for _, s := range []string{"# TYPE pushdeck_credential_expiry_timestamp_seconds gauge\n",
		`pushdeck_credential_usable{profile="c-expired",environment="development",topic="com.example.check"} 0` + "\n",
		`pushdeck_credential_checked{profile="d-typed",environment="development",topic="com.example.pushdeck"} 0` + "\n"} {
		if !strings.Contains(te.stdout.String(), s) {
			t.Errorf("prometheus output lacks %q:\n%s", s, te.stdout.String())
		}
	}
}

func TestCheckUsage(t *testing.T) {
	cfgHome(t)
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"check", "--format", "xml"}, `--format "xml": give text, json or prometheus`},
		{[]string{"check", "--json", "--format", "prometheus"}, "--json and --format prometheus disagree"},
		{[]string{"check", "--warn-days", "-3"}, "--warn-days -3"},
		{[]string{"check", "--parallel", "0"}, "--parallel 0"},
		{[]string{"check", "--profile", "nope"}, `no profile named "nope"`},
		{[]string{"check", "myapp"}, "name profiles with --profile NAME"},
	} {
		te := &testEnv{}
		if code := te.run(tc.args...); code != exitUsage || !strings.Contains(te.stderr.String(), tc.says) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, te.stderr.String())
		}
	}
	// No profiles at all: nothing to check, and it says how to add one.
	te := &testEnv{}
	if code := te.run("check"); code != exitOK || !strings.Contains(te.stdout.String(), "No saved profiles") {
		t.Errorf("empty: exit %d\n%s", code, te.stdout.String())
	}
}

// TestCheckProbe: --probe connects with each profile to a local APNs
// server over TLS and HTTP/2 on loopback; an expired credential is not
// probed, and its failure decides the exit code.
func TestCheckProbe(t *testing.T) {
	ca, err := certgen.NewCA("check probe CA")
	if err != nil {
		t.Fatal(err)
	}
	s, err := apnstest.Start(apnstest.Config{Environment: certs.Development, ClientCAs: ca.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	checkTeam(t, ca, s.URL(), caFile)
	te := &testEnv{}
	code := te.run("check", "--probe", "--profile", "a-fine", "--profile", "b-expiring", "--parallel", "2")
	if out := te.stdout.String(); code != 4 || strings.Count(out, "✓ ok (") != 2 || !strings.Contains(out, "PROBE") {
		t.Fatalf("exit %d\n%s%s", code, out, te.stderr.String())
	}
	te = &testEnv{}
	code = te.run("check", "--probe", "--profile", "a-fine", "--profile", "c-expired", "--format", "prometheus")
	out := te.stdout.String()
	if code != exitFailed ||
		!strings.Contains(out, `pushdeck_probe_ok{profile="a-fine",environment="development",topic="com.example.check"} 1`) ||
		!strings.Contains(out, `pushdeck_probe_ok{profile="c-expired",environment="development",topic="com.example.check"} 0`) {
		t.Fatalf("exit %d\n%s%s", code, out, te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run("check", "--probe", "--profile", "a-fine"); code != exitOK || !strings.Contains(te.stdout.String(), "The 1 profile can push today.") {
		t.Errorf("exit %d\n%s", code, te.stdout.String())
	}
	if c := s.Counters(); c.ByReason["BadDeviceToken"] != 4 {
		t.Errorf("server saw %v; want 4 probes' pushes to the all-zero token", c.ByReason)
	}
}
