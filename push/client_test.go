package push

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sideshow/apns2/token"
	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
)

func TestHeadersRefusedBeforeSending(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	cases := []struct {
		name  string
		job   Job
		field string
		says  string
	}{
		{"push type", Job{Headers: payload.Headers{PushType: "sms"}}, "apns-push-type", "not a push type"},
		{"priority", Job{Headers: payload.Headers{Priority: 7}}, "apns-priority", "10 (now), 5"},
		{"collapse id", Job{Headers: payload.Headers{CollapseID: strings.Repeat("é", 33)}}, "apns-collapse-id", "66 bytes"},
		{"apns-id", Job{Headers: payload.Headers{ApnsID: "1234"}}, "apns-id", "not a UUID"},
		{"expiration mode", Job{Headers: payload.Headers{Expiration: payload.Expiration{Mode: "later"}}}, "apns-expiration", "unknown"},
		{"expiration time", Job{Headers: payload.Headers{Expiration: payload.Expiration{Mode: "at"}}}, "apns-expiration", "no time"},
		{"topic", Job{Headers: payload.Headers{Topic: "com.example app"}}, "apns-topic", "not a bundle ID"},
		{"short token", Job{Token: "abcd"}, "token", "cut off"},
		{"not hex", Job{Token: strings.Repeat("z", 64)}, "token", "hex digits only"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			j := tc.job
			if j.Token == "" {
				j.Token = tokenN(1)
			}
			j.Payload = alertBody
			r := c.Send(context.Background(), j)
			var inv *InvalidError
			if r.Class != "invalid" || !errors.As(r.Err, &inv) || inv.Field != tc.field || !strings.Contains(inv.Reason, tc.says) {
				t.Fatalf("got class %q err %v, want %s refused saying %q", r.Class, r.Err, tc.field, tc.says)
			}
			if r.Attempts != 0 || c.Check(j) == nil {
				t.Errorf("attempts %d", r.Attempts)
			}
		})
	}
	if n := s.Counters().Requests; n != 0 {
		t.Errorf("the server saw %d requests for refused jobs", n)
	}
}

func TestHeadersOnTheWire(t *testing.T) {
	var got []apnstest.Push
	s := startServer(t, apnstest.Config{OnPush: func(p apnstest.Push) { got = append(got, p) }})
	c := newTestClient(t, s, certCred(fixture.uni), nil)
	id := "123E4567-E89B-12D3-A456-4266554400A0"
	r := c.Send(context.Background(), Job{Token: "<" + strings.ToUpper(tokenN(5)[:8]) + " " + tokenN(5)[8:] + ">", Payload: alertBody,
		Headers: payload.Headers{PushType: payload.Complication, Priority: 5, CollapseID: "score",
			ApnsID: id, Expiration: payload.Expiration{Mode: "now"}}})
	if !r.OK() || len(got) != 1 {
		t.Fatalf("%d %s %v", r.Status, r.Reason, r.Err)
	}
	h := got[0].Header
	want := map[string]string{"apns-push-type": "complication", "apns-priority": "5", "apns-collapse-id": "score",
		"apns-id": strings.ToLower(id), "apns-expiration": "0", "apns-topic": testTopic + ".complication"}
	for k, v := range want {
		if h.Get(k) != v || r.Request.Headers[k] != v {
			t.Errorf("%s: server got %q, exchange %q, want %q", k, h.Get(k), r.Request.Headers[k], v)
		}
	}
	if r.Token != tokenN(5) || got[0].Token != tokenN(5) {
		t.Errorf("token not normalised: %s", r.Token)
	}
	if !strings.EqualFold(r.ApnsID, id) || r.ApnsUniqueID == "" {
		t.Errorf("apns-id %q, unique %q", r.ApnsID, r.ApnsUniqueID)
	}
	at := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	r = c.Send(context.Background(), Job{Token: tokenN(5), Payload: alertBody, Headers: payload.Headers{Expiration: payload.Expiration{Mode: "at", At: at}}})
	if !r.OK() || got[1].Header.Get("apns-expiration") != fmt.Sprint(at.Unix()) || got[1].Header.Get("apns-push-type") != "alert" {
		t.Errorf("expiration at: %v, headers %v", r.Err, got[1].Header)
	}
	r = c.Send(context.Background(), Job{Token: tokenN(5), Payload: alertBody})
	if _, set := got[2].Header["Apns-Expiration"]; set || got[2].Header.Get("apns-priority") != "" {
		t.Errorf("unset headers were sent: %v", got[2].Header)
	}
}

func TestNewClientRefusesBadConfig(t *testing.T) {
	setup(t)
	dev := certCred(fixture.dev)
	cases := []struct {
		cfg  Config
		says string
	}{
		{Config{Credential: dev, Environment: certs.Production, Port: 2195}, "the legacy binary gateway on 2195 is gone; use 443 or 2197"},
		{Config{Credential: dev, Environment: certs.Production, Port: 8443}, "port 8443 is not an APNs port: use 443 or 2197"},
		{Config{Credential: dev, Host: "https://api.push.apple.com:80"}, "use 443 or 2197"},
		{Config{Credential: dev, Environment: "staging"}, "unknown environment"},
		{Config{Credential: dev, Host: "http://127.0.0.1:2197"}, "HTTPS"},
		{Config{Credential: dev, Host: "https://127.0.0.1:2197/3/device"}, "has a path"},
		{Config{Credential: dev, Host: "https://127.0.0.1:2197", ServerCA: []byte("not pem")}, "no PEM certificate"},
		{Config{Credential: dev, Environment: certs.Development, Connections: 500}, "1 to 64"},
		{Config{Environment: certs.Development}, "no credential"},
		{Config{Credential: &certs.Credential{Kind: certs.AuthToken, Signer: fixture.key, KeyID: testKeyID}, Environment: certs.Development}, "--team-id"},
		{Config{Credential: &certs.Credential{Kind: certs.AuthToken, Signer: fixture.key, TeamID: testTeam}, Environment: certs.Development}, "--key-id"},
	}
	for _, tc := range cases {
		c, err := NewClient(tc.cfg)
		if err == nil {
			c.Close()
			t.Errorf("%+v: accepted", tc.cfg)
			continue
		}
		if !strings.Contains(err.Error(), tc.says) {
			t.Errorf("error %q does not say %q", err, tc.says)
		}
	}
	for env, want := range map[certs.Environment]string{certs.Development: "https://api.sandbox.push.apple.com:2197", certs.Production: "https://api.push.apple.com:443"} {
		port := 2197
		if env == certs.Production {
			port = 0
		}
		c, err := NewClient(Config{Credential: dev, Environment: env, Port: port})
		if err != nil {
			t.Fatal(err)
		}
		if c.URL() != want || c.Topic() != testTopic {
			t.Errorf("%s: URL %s topic %s", env, c.URL(), c.Topic())
		}
		c.Close()
	}
}

// Apple refuses tokens older than an hour and new tokens more often than
// every 20 minutes; apns2's shared token must regenerate in between.
func TestTokenRefreshWindow(t *testing.T) {
	age := time.Duration(token.TokenTimeout) * time.Second
	if age < minTokenRefresh || age >= maxTokenAge {
		t.Fatalf("apns2 regenerates tokens every %s; Apple needs 20 to 60 minutes", age)
	}
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, tokenCred(fixture.key), func(c *Config) { c.Connections = 2 })
	js := jobs(200)
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 32}))
	for _, r := range rs {
		if !r.OK() {
			t.Fatalf("%d %s %v", r.Status, r.Reason, r.Err)
		}
	}
	issued, bearer := c.token.IssuedAt, c.token.Bearer
	c.refreshAfterExpired(time.Now()) // too soon: must not re-sign
	if c.token.IssuedAt != issued || c.token.Bearer != bearer {
		t.Error("token re-signed within 20 minutes")
	}
	c.refreshAfterExpired(time.Unix(issued, 0).Add(minTokenRefresh))
	if c.token.Bearer == bearer {
		t.Error("token not re-signed after 20 minutes and an ExpiredProviderToken")
	}
}

func TestClassify(t *testing.T) {
	bg := context.Background()
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	cases := []struct {
		ctx  context.Context
		err  error
		want Class
	}{
		{bg, &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x"}}, "dns"},
		{bg, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "refused"},
		{bg, &net.OpError{Op: "read", Err: syscall.ECONNRESET}, "connection-reset"},
		{bg, errors.New("http2: client connection lost"), "connection-reset"},
		{bg, http2.GoAwayError{ErrCode: http2.ErrCodeNo, DebugData: `{"reason":"Shutdown"}`}, "goaway"},
		{bg, &tlsError{err: errors.New("remote error")}, "tls"},
		{bg, context.DeadlineExceeded, "timeout"},
		{cancelled, context.Canceled, "cancelled"},
	}
	for _, tc := range cases {
		if got := classify(tc.ctx, bg, tc.err); got != tc.want {
			t.Errorf("classify(%v) = %s, want %s", tc.err, got, tc.want)
		}
	}
	desc, reason := describeGoAway(fmt.Errorf("wrapped: %w", http2.GoAwayError{ErrCode: http2.ErrCodeNo, DebugData: `{"reason":"Shutdown"}`}))
	if reason != "Shutdown" || !strings.Contains(desc, "GOAWAY") {
		t.Errorf("describeGoAway: %q %q", desc, reason)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	base := 100 * time.Millisecond
	for attempt := 1; attempt <= 10; attempt++ {
		step := min(base<<(attempt-1), maxBackoff)
		for range 50 {
			d := backoff(base, attempt)
			if d < step/2 || d > step {
				t.Fatalf("attempt %d: %s outside [%s, %s]", attempt, d, step/2, step)
			}
		}
	}
}
