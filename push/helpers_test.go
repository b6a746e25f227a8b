package push

import (
	"crypto/ecdsa"
	"crypto/tls"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testTopic = "com.example.pushdeck"
	testTeam  = "ABCDE12345"
	testKeyID = "54321EDCBA"
)

// fixture is one throwaway client CA shared by the tests: RSA key
// generation is slow under -race.
var fixture struct {
	once sync.Once
	ca   *certgen.CA
	dev  tls.Certificate // development only, single topic
	prod tls.Certificate // production only
	uni  tls.Certificate // both, with app/voip/complication topics
	key  *ecdsa.PrivateKey
	err  error
}

func setup(t testing.TB) {
	t.Helper()
	fixture.once.Do(func() {
		f := &fixture
		if f.ca, f.err = certgen.NewCA("pushdeck test client CA"); f.err != nil {
			return
		}
		if f.dev, f.err = f.ca.Client(certgen.ClientSpec{Topic: testTopic, TeamID: testTeam, Environments: []certs.Environment{certs.Development}}); f.err != nil {
			return
		}
		if f.prod, f.err = f.ca.Client(certgen.ClientSpec{Topic: testTopic, TeamID: testTeam, Environments: []certs.Environment{certs.Production}}); f.err != nil {
			return
		}
		if f.uni, f.err = f.ca.Client(certgen.ClientSpec{Topic: testTopic, TeamID: testTeam,
			Environments: []certs.Environment{certs.Development, certs.Production},
			Topics: []certs.Topic{{Topic: testTopic, Kind: "app"}, {Topic: testTopic + ".voip", Kind: "voip"},
				{Topic: testTopic + ".complication", Kind: "complication"}}}); f.err != nil {
			return
		}
		f.key, f.err = certgen.TokenKey()
	})
	if fixture.err != nil {
		t.Fatal(fixture.err)
	}
}

// certCred wraps a generated certificate as certs.Load would.
func certCred(c tls.Certificate) *certs.Credential {
	ci := &certs.CertInfo{Topic: certs.SubjectTopic(c.Leaf), Topics: certs.TopicsOf(c.Leaf), Environments: certs.EnvironmentsOf(c.Leaf)}
	return &certs.Credential{Kind: certs.AuthCertificate, Format: certs.FormatPEM, TLS: &c, Report: certs.Report{Usable: true, Certificate: ci}}
}

func tokenCred(k *ecdsa.PrivateKey) *certs.Credential {
	return &certs.Credential{Kind: certs.AuthToken, Format: certs.FormatP8, Signer: k, KeyID: testKeyID, TeamID: testTeam}
}

// startServer starts a local APNs server that trusts the fixture CA and key.
func startServer(t testing.TB, cfg apnstest.Config) *apnstest.Server {
	t.Helper()
	setup(t)
	if cfg.Environment == "" {
		cfg.Environment = certs.Development
	}
	if cfg.ClientCAs == nil {
		cfg.ClientCAs = fixture.ca.Pool()
	}
	if cfg.AuthKeys == nil {
		cfg.AuthKeys = []apnstest.AuthKey{{KeyID: testKeyID, TeamID: testTeam, Public: &fixture.key.PublicKey}}
	}
	s, err := apnstest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newTestClient is a client for server s with the given credential.
func newTestClient(t testing.TB, s *apnstest.Server, cred *certs.Credential, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{Credential: cred, Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()}
	if cred.Kind == certs.AuthToken {
		cfg.Topic = testTopic
	}
	return clientFor(t, cfg, mod)
}

// clientFor is NewClient of cfg (after mod, if set), closed when the test
// ends.
func clientFor(t testing.TB, cfg Config, mod func(*Config)) *Client {
	t.Helper()
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// tokenN is a well-formed device token numbered n.
func tokenN(n int) string {
	const hexd = "0123456789abcdef"
	b := []byte(strings.Repeat("a", 64))
	for i := 63; n > 0 && i >= 0; i-- {
		b[i] = hexd[n%16]
		n /= 16
	}
	return string(b)
}

var alertBody = []byte(`{"aps":{"alert":"hello"}}`)
