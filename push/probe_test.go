package push

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// runProbe collects a probe's steps and verdict, checking the event order.
func runProbe(t *testing.T, ctx context.Context, cfg Config) ([]ProbeStep, Verdict) {
	t.Helper()
	var steps []ProbeStep
	var v *Verdict
	for ev := range Probe(ctx, cfg) {
		switch {
		case v != nil:
			t.Fatal("event after the verdict")
		case ev.Step != nil:
			steps = append(steps, *ev.Step)
		case ev.Verdict != nil:
			v = ev.Verdict
		}
	}
	if v == nil {
		t.Fatal("no verdict")
	}
	for i, st := range steps {
		if st.Name != []string{"dns", "tcp", "tls", "http2", "auth"}[i] {
			t.Fatalf("step %d is %s", i, st.Name)
		}
		if i < len(steps)-1 && !st.OK {
			t.Fatalf("step %s failed but the probe went on", st.Name)
		}
		if st.OK != (st.Err == nil) {
			t.Errorf("step %s: OK %v with error %v", st.Name, st.OK, st.Err)
		}
	}
	return steps, *v
}

func detail(st ProbeStep) string { return strings.Join(st.Detail, "\n") }

func TestProbeSuccessWithCertificate(t *testing.T) {
	s := startServer(t, apnstest.Config{MaxStreams: 321})
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.dev), Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if !v.OK || len(steps) != 5 {
		t.Fatalf("verdict %+v after %d steps", v, len(steps))
	}
	want := map[string][]string{
		"dns":   {"127.0.0.1 is an IP address"},
		"tcp":   {"connected to 127.0.0.1:"},
		"tls":   {"TLS 1.3", `ALPN "h2"`, "server chain:", "issuer", "expires", "verified against the given server CA", "client certificate presented: Apple Development IOS Push Services: " + testTopic},
		"http2": {"MAX_CONCURRENT_STREAMS 321"},
		"auth":  {"all-zero token", "400 BadDeviceToken", "credential and topic were accepted"},
	}
	for _, st := range steps {
		for _, w := range want[st.Name] {
			if !strings.Contains(detail(st), w) {
				t.Errorf("%s detail lacks %q:\n%s", st.Name, w, detail(st))
			}
		}
		if st.Duration <= 0 {
			t.Errorf("%s has no duration", st.Name)
		}
	}
	if !strings.Contains(v.Advice, "accepted this certificate for development") {
		t.Errorf("advice: %q", v.Advice)
	}
	if c := s.Counters(); c.ByReason["BadDeviceToken"] != 1 || c.ByStatus[200] != 0 {
		t.Errorf("the probe must push once, to a token no device has: %+v", c)
	}
}

func TestProbeSuccessWithTokenKey(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	_, v := runProbe(t, context.Background(), Config{Credential: tokenCred(fixture.key), Topic: testTopic, Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if !v.OK || !strings.Contains(v.Advice, "accepted this token key (key ID "+testKeyID+", team "+testTeam+") for development") {
		t.Fatalf("verdict %+v", v)
	}
}

func TestProbeWrongEnvironment(t *testing.T) {
	s := startServer(t, apnstest.Config{Environment: certs.Production})
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.dev), Environment: certs.Production, Host: s.URL(), ServerCA: s.CAPEM()})
	if v.OK || len(steps) != 5 || !strings.Contains(v.Reason, "403 BadCertificateEnvironment") {
		t.Fatalf("verdict %+v", v)
	}
	if !strings.Contains(v.Advice, "this certificate is for development; the profile says production") &&
		!strings.Contains(v.Advice, "This certificate is for development; the profile says production") {
		t.Errorf("advice: %q", v.Advice)
	}
	if !strings.Contains(detail(steps[2]), "it is for development only; you are probing production") {
		t.Errorf("tls step should warn early: %s", detail(steps[2]))
	}
}

func TestProbeUnknownCA(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.dev), Environment: certs.Development, Host: s.URL()})
	if v.OK || len(steps) != 3 || steps[2].OK {
		t.Fatalf("verdict %+v after %d steps", v, len(steps))
	}
	if !strings.Contains(v.Reason, "unknown CA") || !strings.Contains(v.Advice, "--server-ca") {
		t.Errorf("verdict %+v", v)
	}
}

func TestProbeRefusedPort(t *testing.T) {
	setup(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.dev), Environment: certs.Development, Host: "https://" + addr})
	if v.OK || len(steps) != 2 || steps[1].OK {
		t.Fatalf("verdict %+v after %d steps", v, len(steps))
	}
	if !strings.Contains(v.Reason, "refused") || !strings.Contains(v.Advice, "Nothing listens") {
		t.Errorf("verdict %+v", v)
	}
}

func TestProbeWrongTopic(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	_, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.uni), Topic: "com.example.other", Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if v.OK || !strings.Contains(v.Reason, "TopicDisallowed") {
		t.Fatalf("verdict %+v", v)
	}
	for _, w := range []string{`"com.example.other"`, testTopic + ".voip", "--topic"} {
		if !strings.Contains(v.Advice, w) {
			t.Errorf("advice lacks %q: %q", w, v.Advice)
		}
	}
}

func TestProbeExpiredProviderToken(t *testing.T) {
	// The server's clock is two hours ahead: a token signed now looks
	// expired, as it does to Apple when this machine's clock is behind.
	s := startServer(t, apnstest.Config{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	_, v := runProbe(t, context.Background(), Config{Credential: tokenCred(fixture.key), Topic: testTopic, Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if v.OK || !strings.Contains(v.Reason, "ExpiredProviderToken") || !strings.Contains(v.Advice, "clock") {
		t.Fatalf("verdict %+v", v)
	}
}

func TestProbeClientCertificateNotTrusted(t *testing.T) {
	setup(t)
	stranger, err := certgen.NewCA("someone else")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := stranger.Client(certgen.ClientSpec{Topic: testTopic, Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, apnstest.Config{})
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(cert), Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if v.OK || !strings.Contains(v.Reason, "refused the client certificate") || !strings.Contains(v.Advice, "pushdeck inspect") {
		t.Fatalf("verdict %+v after %d steps", v, len(steps))
	}
}

func TestProbeCancelled(t *testing.T) {
	setup(t)
	s := startServer(t, apnstest.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, v := runProbe(t, ctx, Config{Credential: certCred(fixture.dev), Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM()})
	if v.OK || !strings.Contains(v.Reason, "cancelled") {
		t.Fatalf("verdict %+v", v)
	}
}

func TestProbeBadConfigIsAVerdict(t *testing.T) {
	setup(t)
	steps, v := runProbe(t, context.Background(), Config{Credential: certCred(fixture.dev), Environment: certs.Production, Port: 2195})
	if v.OK || len(steps) != 0 || !strings.Contains(v.Reason, "legacy binary gateway") {
		t.Fatalf("verdict %+v", v)
	}
}
