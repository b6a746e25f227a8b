package apnstest

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

var (
	otherKey, _ = certgen.TokenKey()
	// fixedNow is the servers' clock in these tests: now, so that the test
	// certificates are valid by it, but frozen.
	fixedNow    = time.Now().Truncate(time.Second)
	goneAt      = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)
	otherEnvTok = strings.Repeat("ab", 32)
	goneTok     = strings.Repeat("cd", 32)
	expiredTok  = strings.Repeat("ef", 32)
	otherTopTok = strings.Repeat("12", 32)
)

// registry is the registry of the table below.
func registry() *Registry {
	return NewRegistry(
		Device{Token: okToken, Environment: certs.Development, Topic: bundle},
		Device{Token: otherEnvTok, Environment: certs.Production, Topic: bundle},
		Device{Token: goneTok, Environment: certs.Development, State: StateUnregistered, UnregisteredAt: goneAt},
		Device{Token: expiredTok, Environment: certs.Development, State: StateExpired},
		Device{Token: otherTopTok, Environment: certs.Development, Topic: "com.example.other"},
	)
}

type reasonCase struct {
	name   string
	cert   *tls.Certificate
	bearer func(t testing.TB) string // authorization header value
	mod    func(*Config)
	req    req
	status int
	reason string
}

func bearer(key func() (string, string, time.Time)) func(t testing.TB) string {
	return func(t testing.TB) string {
		kid, iss, iat := key()
		return "bearer " + jwtFor(t, fx.key, kid, iss, iat)
	}
}

func goodBearer(t testing.TB) string { return "bearer " + jwtFor(t, fx.key, keyID, team, fixedNow) }

func h(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func reasonCases() []reasonCase {
	dev, prod, uni, noExt := &fx.dev, &fx.prod, &fx.universal, &fx.noExt
	big := `{"aps":{"alert":"` + strings.Repeat("x", MaxPayload-len(`{"aps":{"alert":""}}`)) + `"}}`
	bigVoip := `{"aps":{"alert":"` + strings.Repeat("x", MaxVoIPPayload-len(`{"aps":{"alert":""}}`)) + `"}}`
	return []reasonCase{
		{name: "ok cert", cert: dev, status: 200},
		{name: "ok token", bearer: goodBearer, req: req{header: h("apns-topic", bundle)}, status: 200},
		{name: "ok upper-case token", cert: dev, req: req{token: strings.ToUpper(okToken)}, status: 200},
		{name: "GET", cert: dev, req: req{method: http.MethodGet, noBody: true}, status: 405, reason: "MethodNotAllowed"},
		{name: "wrong path", cert: dev, req: req{path: "/3/devices/" + okToken}, status: 404, reason: "BadPath"},
		{name: "old API path", cert: dev, req: req{path: "/2/device/" + okToken}, status: 404, reason: "BadPath"},
		{name: "no token in path", cert: dev, req: req{path: "/3/device/"}, status: 404, reason: "BadPath"},
		{name: "apns-id not a UUID", cert: dev, req: req{header: h("apns-id", "push-1")}, status: 400, reason: "BadMessageId"},
		{name: "topic with a space", cert: dev, req: req{header: h("apns-topic", "com.example push")}, status: 400, reason: "BadTopic"},
		{name: "topic with empty part", cert: dev, req: req{header: h("apns-topic", "com..example")}, status: 400, reason: "BadTopic"},
		{name: "no cert no token", status: 403, reason: "MissingProviderToken"},
		{name: "token not bearer", bearer: func(testing.TB) string { return "Basic abc" }, req: req{header: h("apns-topic", bundle)}, status: 403, reason: "InvalidProviderToken"},
		{name: "token garbage", bearer: func(testing.TB) string { return "bearer not.a.jwt" }, req: req{header: h("apns-topic", bundle)}, status: 403, reason: "InvalidProviderToken"},
		{name: "token unknown kid", bearer: bearer(func() (string, string, time.Time) { return "NOPE000000", team, fixedNow }), req: req{header: h("apns-topic", bundle)}, status: 403, reason: "InvalidProviderToken"},
		{name: "token wrong team", bearer: bearer(func() (string, string, time.Time) { return keyID, "ZZZZZ99999", fixedNow }), req: req{header: h("apns-topic", bundle)}, status: 403, reason: "InvalidProviderToken"},
		{name: "token other key", bearer: func(t testing.TB) string { return "bearer " + jwtFor(t, otherKey, keyID, team, fixedNow) }, req: req{header: h("apns-topic", bundle)}, status: 403, reason: "InvalidProviderToken"},
		{name: "token 61 minutes old", bearer: bearer(func() (string, string, time.Time) { return keyID, team, fixedNow.Add(-61 * time.Minute) }), req: req{header: h("apns-topic", bundle)}, status: 403, reason: "ExpiredProviderToken"},
		{name: "token 59 minutes old", bearer: bearer(func() (string, string, time.Time) { return keyID, team, fixedNow.Add(-59 * time.Minute) }), req: req{header: h("apns-topic", bundle)}, status: 200},
		{name: "token without topic", bearer: goodBearer, status: 400, reason: "MissingTopic"},
		{name: "token topic outside the key's", bearer: goodBearer, mod: func(c *Config) { c.AuthKeys[0].Topics = []string{"com.example.other"} }, req: req{header: h("apns-topic", bundle)}, status: 400, reason: "TopicDisallowed"},
		{name: "token voip topic under the key's", bearer: goodBearer, mod: func(c *Config) { c.AuthKeys[0].Topics = []string{bundle} }, req: req{header: h("apns-topic", bundle+".voip", "apns-push-type", "voip")}, status: 200},
		{name: "cert without push extension", cert: noExt, status: 403, reason: "BadCertificate"},
		{name: "production cert on development", cert: prod, status: 403, reason: "BadCertificateEnvironment"},
		{name: "development cert on production", cert: dev, mod: func(c *Config) { c.Environment = certs.Production }, status: 403, reason: "BadCertificateEnvironment"},
		{name: "universal cert on production", cert: uni, mod: func(c *Config) { c.Environment = certs.Production }, req: req{header: h("apns-topic", bundle)}, status: 200},
		{name: "universal cert without topic", cert: uni, status: 400, reason: "MissingTopic"},
		{name: "universal cert voip", cert: uni, req: req{header: h("apns-topic", bundle+".voip", "apns-push-type", "voip")}, status: 200},
		{name: "universal cert complication", cert: uni, req: req{header: h("apns-topic", bundle+".complication")}, status: 200},
		{name: "universal cert live activity", cert: uni, req: req{header: h("apns-topic", bundle+".push-type.liveactivity", "apns-push-type", "liveactivity")}, status: 200},
		{name: "universal cert other app", cert: uni, req: req{header: h("apns-topic", "com.example.other")}, status: 400, reason: "TopicDisallowed"},
		{name: "single-topic cert voip", cert: dev, req: req{header: h("apns-topic", bundle+".voip")}, status: 400, reason: "TopicDisallowed"},
		{name: "single-topic cert own topic", cert: dev, req: req{header: h("apns-topic", bundle)}, status: 200},
		{name: "priority 7", cert: dev, req: req{header: h("apns-priority", "7")}, status: 400, reason: "BadPriority"},
		{name: "priority 1", cert: dev, req: req{header: h("apns-priority", "1")}, status: 200},
		{name: "push type banana", cert: dev, req: req{header: h("apns-push-type", "banana")}, status: 400, reason: "InvalidPushType"},
		{name: "collapse id 65 bytes", cert: dev, req: req{header: h("apns-collapse-id", strings.Repeat("c", 65))}, status: 400, reason: "BadCollapseId"},
		{name: "collapse id 64 bytes", cert: dev, req: req{header: h("apns-collapse-id", strings.Repeat("c", 64))}, status: 200},
		{name: "expiration a word", cert: dev, req: req{header: h("apns-expiration", "tomorrow")}, status: 400, reason: "BadExpirationDate"},
		{name: "expiration negative", cert: dev, req: req{header: h("apns-expiration", "-1")}, status: 400, reason: "BadExpirationDate"},
		{name: "expiration 0", cert: dev, req: req{header: h("apns-expiration", "0")}, status: 200},
		{name: "token not hex", cert: dev, req: req{token: strings.Repeat("zz", 32)}, status: 400, reason: "BadDeviceToken"},
		{name: "token too short", cert: dev, req: req{token: okToken[:62]}, status: 400, reason: "BadDeviceToken"},
		{name: "token odd length", cert: dev, req: req{token: okToken + "a"}, status: 400, reason: "BadDeviceToken"},
		{name: "token all zeros", cert: dev, req: req{token: strings.Repeat("0", 64)}, status: 400, reason: "BadDeviceToken"},
		{name: "empty payload", cert: dev, req: req{noBody: true}, status: 400, reason: "PayloadEmpty"},
		{name: "payload 4096", cert: dev, req: req{payload: big}, status: 200},
		{name: "payload 4097", cert: dev, req: req{payload: big + " "}, status: 413, reason: "PayloadTooLarge"},
		{name: "voip payload 5120", cert: uni, req: req{payload: bigVoip, header: h("apns-topic", bundle+".voip", "apns-push-type", "voip")}, status: 200},
		{name: "voip payload 5121", cert: uni, req: req{payload: bigVoip + " ", header: h("apns-topic", bundle+".voip", "apns-push-type", "voip")}, status: 413, reason: "PayloadTooLarge"},
		{name: "registry active", cert: dev, mod: withRegistry, status: 200},
		{name: "registry voip topic of device", cert: uni, mod: withRegistry, req: req{header: h("apns-topic", bundle+".voip")}, status: 200},
		{name: "registry unknown token", cert: dev, mod: withRegistry, req: req{token: strings.Repeat("99", 32)}, status: 400, reason: "BadDeviceToken"},
		{name: "registry other environment", cert: dev, mod: withRegistry, req: req{token: otherEnvTok}, status: 400, reason: "BadDeviceToken"},
		{name: "registry other topic", cert: dev, mod: withRegistry, req: req{token: otherTopTok}, status: 400, reason: "DeviceTokenNotForTopic"},
		{name: "registry unregistered", cert: dev, mod: withRegistry, req: req{token: goneTok}, status: 410, reason: "Unregistered"},
		{name: "registry expired", cert: dev, mod: withRegistry, req: req{token: expiredTok}, status: 410, reason: "ExpiredToken"},
	}
}

func withRegistry(c *Config) { c.Registry = registry() }

// TestReasons runs each case on a fresh server, so one case's connection
// state cannot leak into the next.
func TestReasons(t *testing.T) {
	for _, tc := range reasonCases() {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, func(c *Config) {
				c.Now = func() time.Time { return fixedNow }
				if tc.mod != nil {
					tc.mod(c)
				}
			})
			r := tc.req
			if tc.bearer != nil {
				if r.header == nil {
					r.header = map[string]string{}
				}
				r.header["authorization"] = tc.bearer(t)
			}
			got := do(t, client(t, s, tc.cert), s, r)
			if got.status != tc.status || got.reason != tc.reason {
				t.Fatalf("got %d %q (body %q), want %d %q", got.status, got.reason, got.body, tc.status, tc.reason)
			}
			if tc.status == 200 && got.body != "" {
				t.Fatalf("200 with a body %q", got.body)
			}
			if tc.status != 200 && got.body != `{"reason":"`+tc.reason+`"}` && tc.status != 410 {
				t.Fatalf("body %q is not Apple's shape", got.body)
			}
			if tc.status == 410 && tc.reason == "Unregistered" && got.timestamp != goneAt.UnixMilli() {
				t.Fatalf("timestamp %d, want %d (ms of %s)", got.timestamp, goneAt.UnixMilli(), goneAt)
			}
			if !isUUID(got.apnsID) {
				t.Fatalf("no apns-id on the response: %q", got.apnsID)
			}
			if tc.req.header["apns-id"] != "" && tc.reason == "BadMessageId" && got.apnsID == tc.req.header["apns-id"] {
				t.Fatalf("malformed apns-id echoed")
			}
			c := s.Counters()
			if c.Requests != 1 || c.ByStatus[tc.status] != 1 || (tc.reason != "" && c.ByReason[tc.reason] != 1) {
				t.Fatalf("counters %+v after one %d %s", c, tc.status, tc.reason)
			}
		})
	}
}

// TestEveryReasonReachable: the table plus the fault and token-update tests
// reach every reason the server knows.
func TestEveryReasonReachable(t *testing.T) {
	seen := map[string]bool{
		// Reached by their own tests: TestTokenUpdates, TestRateLimit, TestErrorFractions.
		ReasonTooManyProviderTokenUpdates: true, ReasonTooManyRequests: true,
		ReasonInternalServerError: true, ReasonServiceUnavailable: true,
	}
	for _, tc := range reasonCases() {
		if tc.reason != "" {
			seen[tc.reason] = true
			if StatusOf(tc.reason) != tc.status {
				t.Errorf("%s: table says %d, StatusOf says %d", tc.reason, tc.status, StatusOf(tc.reason))
			}
		}
	}
	for _, r := range Reasons() {
		if !seen[r] {
			t.Errorf("no test reaches %s", r)
		}
	}
}

func TestUnregisteredWithoutDateUsesServerClock(t *testing.T) {
	reg := NewRegistry(Device{Token: okToken})
	s := start(t, func(c *Config) { c.Registry = reg; c.Now = func() time.Time { return fixedNow } })
	c := client(t, s, &fx.dev)
	if r := do(t, c, s, req{}); r.status != 200 {
		t.Fatalf("a device without environment is valid everywhere; got %d %s", r.status, r.reason)
	}
	reg.Unregister(okToken, time.Time{})
	if r := do(t, c, s, req{}); r.status != 410 || r.timestamp != fixedNow.UnixMilli() {
		t.Fatalf("got %d %s ts %d", r.status, r.reason, r.timestamp)
	}
}
