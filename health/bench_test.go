package health

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// BenchmarkInspectFixtures inspects the shared fixture folder (25
// credential files, the password-protected ones opened with the password):
// the cost of one `pushdeck inspect testdata/fixtures` without process
// start-up.
func BenchmarkInspectFixtures(b *testing.B) {
	opts := InspectOptions{WarnDays: DefaultWarnDays, Password: func(string) (string, bool, error) { return "hello123", true, nil }}
	for b.Loop() {
		if _, err := Inspect(context.Background(), []string{fixtures}, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck14Probe checks 14 profiles (unencrypted PEM certificates)
// and probes each against a local APNs server over TLS + HTTP/2 on
// loopback, 4 at a time: one `pushdeck check --probe` for a team of 14 apps
// without process start-up (a real run adds Apple's round trips).
func BenchmarkCheck14Probe(b *testing.B) {
	setupWorld(b)
	s, err := apnstest.Start(apnstest.Config{Environment: certs.Development, ClientCAs: world.ca.Pool()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	caFile := filepath.Join(b.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, s.CAPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	var ps []profiles.Profile
	for i := range 14 {
		p := prof(fmt.Sprintf("app-%02d", i), world.fine, profiles.PasswordSource{Kind: profiles.PasswordNone})
		p.Host, p.ServerCA = s.URL(), caFile
		ps = append(ps, p)
	}
	opts := CheckOptions{WarnDays: DefaultWarnDays, Probe: true, ProbeParallel: 4, Env: envOf(nil)}
	for b.Loop() {
		res, err := Check(context.Background(), ps, opts)
		if err != nil || CheckExit(res) != ExitOK {
			b.Fatalf("%v %d", err, CheckExit(res))
		}
	}
}
