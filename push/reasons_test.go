package push

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
)

// appleReasons is Apple's documented table of reasons and statuses
// ("Handling notification responses from APNs").
var appleReasons = map[string]int{
	"BadCollapseId": 400, "BadDeviceToken": 400, "BadExpirationDate": 400, "BadMessageId": 400,
	"BadPriority": 400, "BadTopic": 400, "DeviceTokenNotForTopic": 400, "DuplicateHeaders": 400,
	"IdleTimeout": 400, "InvalidPushType": 400, "MissingDeviceToken": 400, "MissingTopic": 400,
	"PayloadEmpty": 400, "TopicDisallowed": 400,
	"BadCertificate": 403, "BadCertificateEnvironment": 403, "ExpiredProviderToken": 403, "Forbidden": 403,
	"InvalidProviderToken": 403, "MissingProviderToken": 403, "UnrelatedKeyIdInToken": 403,
	"BadEnvironmentKeyIdInToken": 403,
	"BadPath":                    404, "MethodNotAllowed": 405, "ExpiredToken": 410, "Unregistered": 410,
	"PayloadTooLarge": 413, "TooManyProviderTokenUpdates": 429, "TooManyRequests": 429,
	"InternalServerError": 500, "ServiceUnavailable": 503, "Shutdown": 503,
}

func TestExplainCataloguesEveryReason(t *testing.T) {
	if len(catalogue) != len(appleReasons) {
		t.Errorf("catalogue has %d reasons, Apple documents %d", len(catalogue), len(appleReasons))
	}
	for reason, status := range appleReasons {
		info := Explain(reason)
		if info.Reason != reason || info.Status != status {
			t.Errorf("Explain(%q) = %q %d, want status %d", reason, info.Reason, info.Status, status)
		}
		if len(info.Meaning) < 20 || len(info.Fix) < 10 {
			t.Errorf("Explain(%q) is too thin: %+v", reason, info)
		}
	}
	if m := Explain("BadDeviceToken").Meaning; !strings.Contains(m, "token from the other environment?") {
		t.Errorf("BadDeviceToken must ask about the other environment: %q", m)
	}
	m := Explain("BadCertificateEnvironment").Meaning
	if !strings.Contains(m, "development") || !strings.Contains(m, "production") {
		t.Errorf("BadCertificateEnvironment must name both environments: %q", m)
	}
	if u := Explain("SomethingNew"); u.Status != 0 || !strings.Contains(u.Meaning, "SomethingNew") {
		t.Errorf("unknown reason: %+v", u)
	}
	if got := len(Reasons()); got != len(appleReasons) {
		t.Errorf("Reasons() has %d", got)
	}
}

func TestDescribe(t *testing.T) {
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := Describe(Result{Status: 410, Reason: "Unregistered", UnregisteredAt: at}, certs.Production)
	if !strings.Contains(s, "since 2026-11-20") {
		t.Errorf("Unregistered must give the date: %q", s)
	}
	s = Describe(Result{Status: 400, Reason: "BadDeviceToken"}, certs.Production)
	if !strings.Contains(s, "token from the other environment?") || !strings.Contains(s, "try development") {
		t.Errorf("BadDeviceToken: %q", s)
	}
	s = Describe(Result{Status: 403, Reason: "BadCertificateEnvironment"}, certs.Development)
	if !strings.Contains(s, "sent to development") || !strings.Contains(s, "production") {
		t.Errorf("BadCertificateEnvironment: %q", s)
	}
}

// reasonCase reaches one reason through the client against apnstest.
type reasonCase struct {
	server func(*apnstest.Config)
	cred   func() *certs.Credential
	client func(*Config)
	mutate func(*http.Request)
	job    func(*Job)
	// before runs on the client first (TooManyProviderTokenUpdates).
	before func(t *testing.T, c *Client)
}

func TestEveryServerReasonThroughClient(t *testing.T) {
	setup(t)
	unregAt := time.Date(2026, 10, 1, 12, 30, 0, 0, time.UTC)
	otherKey, err := certgen.TokenKey()
	if err != nil {
		t.Fatal(err)
	}
	noEnv, err := fixture.ca.Client(certgen.ClientSpec{Topic: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	reg := func(d apnstest.Device) func(*apnstest.Config) {
		return func(c *apnstest.Config) { c.Registry = apnstest.NewRegistry(d) }
	}
	dev := func() *certs.Credential { return certCred(fixture.dev) }
	tok := func() *certs.Credential { return tokenCred(fixture.key) }
	setH := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	cases := map[string]reasonCase{
		"BadCollapseId":          {mutate: setH("apns-collapse-id", strings.Repeat("c", 65))},
		"BadDeviceToken":         {server: reg(apnstest.Device{Token: tokenN(1), Environment: certs.Production})},
		"BadExpirationDate":      {mutate: setH("apns-expiration", "tomorrow")},
		"BadMessageId":           {mutate: setH("apns-id", "not-a-uuid")},
		"BadPriority":            {mutate: setH("apns-priority", "7")},
		"BadTopic":               {mutate: setH("apns-topic", "com..example")},
		"DeviceTokenNotForTopic": {server: reg(apnstest.Device{Token: tokenN(1), Environment: certs.Development, Topic: "com.other.app"})},
		"MissingTopic": {cred: func() *certs.Credential { return certCred(fixture.uni) },
			mutate: func(r *http.Request) { r.Header.Del("apns-topic") }},
		"PayloadEmpty":    {job: func(j *Job) { j.Payload = nil }},
		"TopicDisallowed": {job: func(j *Job) { j.Headers.Topic = "com.other.app" }},
		"InvalidPushType": {mutate: setH("apns-push-type", "carrier-pigeon")},
		"BadCertificate":  {cred: func() *certs.Credential { return certCred(noEnv) }},
		"BadCertificateEnvironment": {server: func(c *apnstest.Config) { c.Environment = certs.Production },
			client: func(c *Config) { c.Environment = certs.Production }},
		"ExpiredProviderToken": {cred: tok, server: func(c *apnstest.Config) {
			c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		}},
		"InvalidProviderToken": {cred: func() *certs.Credential { return tokenCred(otherKey) }},
		"MissingProviderToken": {cred: tok, mutate: func(r *http.Request) { r.Header.Del("authorization") }},
		"BadPath":              {mutate: func(r *http.Request) { r.URL.Path = "/3/devices/" + tokenN(1) }},
		"MethodNotAllowed":     {mutate: func(r *http.Request) { r.Method = http.MethodPut }},
		"Unregistered": {server: reg(apnstest.Device{Token: tokenN(1), Environment: certs.Development,
			State: apnstest.StateUnregistered, UnregisteredAt: unregAt})},
		"ExpiredToken":    {server: reg(apnstest.Device{Token: tokenN(1), Environment: certs.Development, State: apnstest.StateExpired})},
		"PayloadTooLarge": {job: func(j *Job) { j.Payload = []byte(`{"aps":{"alert":"` + strings.Repeat("x", 4096) + `"}}`) }},
		"TooManyProviderTokenUpdates": {cred: tok, before: func(t *testing.T, c *Client) {
			if r := c.Send(context.Background(), Job{Token: tokenN(2), Payload: alertBody}); !r.OK() {
				t.Fatalf("first push: %+v", r)
			}
			// A client that re-signs on a live connection, as pushdeck
			// never does: the server must refuse the new token.
			c.token.Lock()
			c.token.Generate()
			c.token.Unlock()
		}},
		"TooManyRequests": {server: func(c *apnstest.Config) {
			c.Faults.RateLimit = 1
			fixed := time.Now()
			c.Now = func() time.Time { return fixed }
		}, before: func(t *testing.T, c *Client) {
			c.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
		}},
		"InternalServerError": {server: func(c *apnstest.Config) { c.Faults.Error500 = 1 }},
		"ServiceUnavailable":  {server: func(c *apnstest.Config) { c.Faults.Error503 = 1 }},
	}
	for _, reason := range apnstest.Reasons() {
		t.Run(reason, func(t *testing.T) {
			tc, ok := cases[reason]
			if !ok {
				t.Fatalf("no case reaches %s", reason)
			}
			var scfg apnstest.Config
			if tc.server != nil {
				tc.server(&scfg)
			}
			s := startServer(t, scfg)
			cred := dev()
			if tc.cred != nil {
				cred = tc.cred()
			}
			c := newTestClient(t, s, cred, tc.client)
			if tc.before != nil {
				tc.before(t, c)
			}
			c.mutate = tc.mutate
			job := Job{Token: tokenN(1), Label: "phone", Payload: alertBody}
			if tc.job != nil {
				tc.job(&job)
			}
			r := <-c.Batch(context.Background(), []Job{job}, BatchOptions{MaxAttempts: 1})
			if r.Reason != reason || r.Status != apnstest.StatusOf(reason) {
				t.Fatalf("got %d %q (%v, class %q), want %d %s", r.Status, r.Reason, r.Err, r.Class, apnstest.StatusOf(reason), reason)
			}
			if r.Status != Explain(reason).Status {
				t.Errorf("catalogue says %d for %s, server %d", Explain(reason).Status, reason, r.Status)
			}
			if r.Label != "phone" || r.Attempts != 1 || r.ApnsID == "" {
				t.Errorf("result fields: %+v", r)
			}
			if !strings.Contains(string(r.Response.Body), reason) || r.Response.Headers[":status"] == "" {
				t.Errorf("response exchange: %+v", r.Response)
			}
			if _, leaked := r.Request.Headers["authorization"]; leaked {
				t.Error("the authorization header must never be kept")
			}
			if reason == "Unregistered" && !r.UnregisteredAt.Equal(unregAt) {
				t.Errorf("UnregisteredAt = %v, want %v", r.UnregisteredAt, unregAt)
			}
		})
	}
}

func TestVoIPPayloadLimitAndTopicSuffix(t *testing.T) {
	var got []apnstest.Push
	s := startServer(t, apnstest.Config{OnPush: func(p apnstest.Push) { got = append(got, p) }})
	c := newTestClient(t, s, certCred(fixture.uni), nil)
	big := []byte(`{"aps":{},"x":"` + strings.Repeat("v", 4900) + `"}`)
	r := c.Send(context.Background(), Job{Token: tokenN(3), Payload: big, Headers: payload.Headers{PushType: payload.VoIP}})
	if !r.OK() {
		t.Fatalf("voip of %d bytes: %d %s %v", len(big), r.Status, r.Reason, r.Err)
	}
	if got[0].Topic != testTopic+".voip" || r.Request.Headers["apns-topic"] != testTopic+".voip" {
		t.Errorf("voip topic = %q", got[0].Topic)
	}
}
