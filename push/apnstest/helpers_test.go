package apnstest

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	bundle  = "com.example.pushdeck"
	team    = "ABCDE12345"
	keyID   = "KEY1234567"
	okToken = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
)

// fixture is a CA with the certificates and token key tests use, made once:
// RSA key generation is the slow part of these tests.
type fixture struct {
	ca        *certgen.CA
	dev       tls.Certificate // development, single topic
	prod      tls.Certificate // production, single topic
	universal tls.Certificate // both, topics app/voip/complication
	noExt     tls.Certificate // no environment extension
	expired   tls.Certificate
	key       *ecdsa.PrivateKey
}

var fx = func() *fixture {
	must := func(c tls.Certificate, err error) tls.Certificate {
		if err != nil {
			panic(err)
		}
		return c
	}
	ca, err := certgen.NewCA("apnstest test CA")
	if err != nil {
		panic(err)
	}
	k, err := certgen.TokenKey()
	if err != nil {
		panic(err)
	}
	return &fixture{
		ca:   ca,
		key:  k,
		dev:  must(ca.Client(certgen.ClientSpec{Topic: bundle, TeamID: team, Environments: []certs.Environment{certs.Development}})),
		prod: must(ca.Client(certgen.ClientSpec{Topic: bundle, TeamID: team, Environments: []certs.Environment{certs.Production}})),
		universal: must(ca.Client(certgen.ClientSpec{Topic: bundle, TeamID: team,
			Environments: []certs.Environment{certs.Development, certs.Production},
			Topics:       []certs.Topic{{Topic: bundle, Kind: "app"}, {Topic: bundle + ".voip", Kind: "voip"}, {Topic: bundle + ".complication", Kind: "complication"}}})),
		noExt:   must(ca.Client(certgen.ClientSpec{Topic: bundle, TeamID: team})),
		expired: must(ca.Client(certgen.ClientSpec{Topic: bundle, TeamID: team, Environments: []certs.Environment{certs.Development}, NotBefore: time.Now().AddDate(-2, 0, 0), NotAfter: time.Now().AddDate(-1, 0, 0)})),
	}
}()

func (f *fixture) authKey() AuthKey {
	return AuthKey{KeyID: keyID, TeamID: team, Public: &f.key.PublicKey}
}

// start starts a server with the fixture CA as client CA and the token key
// registered, then applies mod.
func start(t testing.TB, mod func(*Config)) *Server {
	t.Helper()
	cfg := Config{Environment: certs.Development, ClientCAs: fx.ca.Pool(), AuthKeys: []AuthKey{fx.authKey()}}
	if mod != nil {
		mod(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// client is a plain HTTP/2 client trusting the server's CA, presenting cert
// when non-nil.
func client(t testing.TB, s *Server, cert *tls.Certificate) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(s.CAPEM()) {
		t.Fatal("server CA PEM does not parse")
	}
	tc := &tls.Config{RootCAs: pool, NextProtos: []string{"h2"}}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	tr := &http2.Transport{TLSClientConfig: tc}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 20 * time.Second}
}

// req describes one push.
type req struct {
	method  string
	path    string // overrides token
	token   string
	header  map[string]string
	payload string
	noBody  bool
}

// resp is what came back.
type resp struct {
	status    int
	reason    string
	timestamp int64
	apnsID    string
	uniqueID  string
	body      string
}

func do(t testing.TB, c *http.Client, s *Server, r req) resp {
	t.Helper()
	res, err := try(c, s, r)
	if err != nil {
		t.Fatalf("push failed: %v", err)
	}
	return res
}

func try(c *http.Client, s *Server, r req) (resp, error) {
	if r.method == "" {
		r.method = http.MethodPost
	}
	if r.token == "" {
		r.token = okToken
	}
	if r.path == "" {
		r.path = "/3/device/" + r.token
	}
	if r.payload == "" && !r.noBody {
		r.payload = `{"aps":{"alert":"hi"}}`
	}
	hr, err := http.NewRequest(r.method, s.URL()+r.path, strings.NewReader(r.payload))
	if err != nil {
		return resp{}, err
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	res, err := c.Do(hr)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, apnsID: res.Header.Get("apns-id"), uniqueID: res.Header.Get("apns-unique-id"), body: string(b)}
	if len(b) > 0 {
		var body struct {
			Reason    string `json:"reason"`
			Timestamp int64  `json:"timestamp"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return out, fmt.Errorf("error body is not JSON: %q", b)
		}
		out.reason, out.timestamp = body.Reason, body.Timestamp
	}
	return out, nil
}

// jwtFor signs a provider token as APNs wants it.
func jwtFor(t testing.TB, key *ecdsa.PrivateKey, kid, iss string, iat time.Time) string {
	t.Helper()
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return b64.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "ES256", "kid": kid}) + "." + enc(map[string]any{"iss": iss, "iat": iat.Unix()})
	sum := sha256.Sum256([]byte(signing))
	r, sv, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return signing + "." + b64.EncodeToString(sig)
}
