package apnstest

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

func TestClientCertFromUnknownCAFailsHandshake(t *testing.T) {
	stranger, err := certgen.NewCA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := stranger.Client(certgen.ClientSpec{Topic: bundle, Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, nil)
	// A Go client offers only a certificate from a CA the server asks for,
	// so by default it sends none and meets MissingProviderToken...
	if r := do(t, client(t, s, &cert), s, req{}); r.status != 403 || r.reason != ReasonMissingProviderToken {
		t.Fatalf("Go client with a stranger's certificate: %d %s", r.status, r.reason)
	}
	// ...while a client that sends it anyway (curl, OpenSSL) fails the handshake.
	cl := client(t, s, nil)
	cl.Transport.(*http2.Transport).TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		return &cert, nil
	}
	if r, err := try(cl, s, req{}); err == nil {
		t.Fatalf("a certificate from an unknown CA got an answer: %+v", r)
	}
	if c := afterTLSFailure(s); c.TLSFailures != 1 || c.Requests != 1 {
		t.Fatalf("counters %+v", c)
	}
}

// afterTLSFailure returns the counters once the server has counted a failed
// handshake. The client sees the server's alert before the server's
// handshake returns and counts it, so the count is waited for; no time is
// asserted (the bound only ends a test that would otherwise hang).
func afterTLSFailure(s *Server) Counters {
	c := s.Counters()
	for deadline := time.Now().Add(30 * time.Second); c.TLSFailures == 0 && time.Now().Before(deadline); c = s.Counters() {
		time.Sleep(time.Millisecond)
	}
	return c
}

func TestExpiredClientCertFailsHandshake(t *testing.T) {
	s := start(t, nil)
	if r, err := try(client(t, s, &fx.expired), s, req{}); err == nil {
		t.Fatalf("an expired certificate got an answer: %+v", r)
	}
	if c := afterTLSFailure(s); c.TLSFailures != 1 || c.Requests != 0 {
		t.Fatalf("counters %+v", c)
	}
}

func TestNoClientCAsMeansTokenOnly(t *testing.T) {
	s := start(t, func(c *Config) { c.ClientCAs = nil })
	cl := client(t, s, &fx.dev)
	if r := do(t, cl, s, req{}); r.status != 403 || r.reason != ReasonMissingProviderToken {
		t.Fatalf("certificate on a token-only server: got %d %s, want 403 MissingProviderToken", r.status, r.reason)
	}
	r := do(t, cl, s, req{header: h("authorization", "bearer "+jwtFor(t, fx.key, keyID, team, time.Now()), "apns-topic", bundle)})
	if r.status != 200 {
		t.Fatalf("token auth: %d %s", r.status, r.reason)
	}
}

func TestAnyClientCert(t *testing.T) {
	stranger, err := certgen.NewCA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(nb, na time.Time) tls.Certificate {
		c, err := stranger.Client(certgen.ClientSpec{Topic: bundle, Environments: []certs.Environment{certs.Development}, NotBefore: nb, NotAfter: na, RSABits: 1024})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	good := mk(time.Time{}, time.Time{})
	old := mk(time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0))
	s := start(t, func(c *Config) { c.ClientCAs = nil; c.AnyClientCert = true })
	if r := do(t, client(t, s, &good), s, req{}); r.status != 200 {
		t.Fatalf("any-issuer certificate: %d %s", r.status, r.reason)
	}
	if r := do(t, client(t, s, &fx.prod), s, req{}); r.reason != ReasonBadCertificateEnvironment {
		t.Fatalf("environment still checked: got %d %s", r.status, r.reason)
	}
	if _, err := try(client(t, s, &old), s, req{}); err == nil {
		t.Fatal("an expired certificate was accepted")
	}
}

// TestTokenUpdates: reusing a token is always fine; switching to a new one
// on the same connection needs 20 minutes between their iat; another
// connection has its own token.
func TestTokenUpdates(t *testing.T) {
	s := start(t, func(c *Config) { c.Now = func() time.Time { return fixedNow } })
	cl := client(t, s, nil)
	push := func(tok string) resp {
		return do(t, cl, s, req{header: h("authorization", "bearer "+tok, "apns-topic", bundle)})
	}
	a := jwtFor(t, fx.key, keyID, team, fixedNow.Add(-50*time.Minute))
	b := jwtFor(t, fx.key, keyID, team, fixedNow.Add(-45*time.Minute)) // 5 minutes after a
	c := jwtFor(t, fx.key, keyID, team, fixedNow.Add(-10*time.Minute)) // 40 minutes after a
	d := jwtFor(t, fx.key, keyID, team, fixedNow.Add(-5*time.Minute))  // 5 minutes after c
	for i, step := range []struct {
		tok    string
		status int
		reason string
	}{
		{a, 200, ""}, {a, 200, ""},
		{b, 429, ReasonTooManyProviderTokenUpdates},
		{a, 200, ""}, // the rejected update did not replace a
		{c, 200, ""},
		{d, 429, ReasonTooManyProviderTokenUpdates},
		{c, 200, ""},
	} {
		if r := push(step.tok); r.status != step.status || r.reason != step.reason {
			t.Fatalf("step %d: got %d %s, want %d %s", i+1, r.status, r.reason, step.status, step.reason)
		}
	}
	if r := do(t, client(t, s, nil), s, req{header: h("authorization", "bearer "+b, "apns-topic", bundle)}); r.status != 200 {
		t.Fatalf("token b on a new connection: %d %s", r.status, r.reason)
	}
	if n := s.Counters().ByReason[ReasonTooManyProviderTokenUpdates]; n != 2 {
		t.Fatalf("TooManyProviderTokenUpdates counted %d times, want 2", n)
	}
}

func TestParseJWTRejects(t *testing.T) {
	keys := []AuthKey{fx.authKey()}
	good := jwtFor(t, fx.key, keyID, team, fixedNow)
	if _, err := parseJWT(good, keys); err != nil {
		t.Fatalf("good token refused: %v", err)
	}
	parts := strings.Split(good, ".")
	for name, tok := range map[string]string{
		"two parts":     parts[0] + "." + parts[1],
		"alg none":      b64.EncodeToString([]byte(`{"alg":"none","kid":"`+keyID+`"}`)) + "." + parts[1] + "." + parts[2],
		"no iat":        parts[0] + "." + b64.EncodeToString([]byte(`{"iss":"`+team+`"}`)) + "." + parts[2],
		"tampered body": parts[0] + "." + b64.EncodeToString([]byte(`{"iss":"`+team+`","iat":1}`)) + "." + parts[2],
		"short sig":     parts[0] + "." + parts[1] + "." + parts[2][:20],
	} {
		if _, err := parseJWT(tok, keys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
