package push

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
)

// newChannelClient is a channel-management client for server s.
func newChannelClient(t testing.TB, s *apnstest.Server, cred *certs.Credential, mod func(*Config)) *ChannelClient {
	t.Helper()
	cfg := Config{Credential: cred, Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM(), Topic: testTopic}
	if mod != nil {
		mod(&cfg)
	}
	c, err := NewChannelClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func laUpdate(ts int64) []byte {
	return []byte(`{"aps":{"event":"update","timestamp":` + strconv.FormatInt(ts, 10) + `,"content-state":{"score":"1-0"}}}`)
}

func TestChannelLifecycleOverTLS(t *testing.T) {
	for _, cred := range []struct {
		name string
		c    func() *certs.Credential
	}{{"certificate", func() *certs.Credential { return certCred(fixture.dev) }}, {"token", func() *certs.Credential { return tokenCred(fixture.key) }}} {
		t.Run(cred.name, func(t *testing.T) {
			s := startServer(t, apnstest.Config{})
			cc := newChannelClient(t, s, cred.c(), nil)
			ctx := context.Background()

			cr := cc.Create(ctx, MostRecentMessage)
			if !cr.OK() || cr.Status != 201 || cr.Channel.ID == "" || cr.RequestID == "" {
				t.Fatalf("create: %+v", cr)
			}
			if _, err := base64.StdEncoding.DecodeString(cr.Channel.ID); err != nil {
				t.Errorf("channel ID %q is not base64", cr.Channel.ID)
			}
			if cr.Request.Headers[":path"] != "/1/apps/"+testTopic+"/channels" || cr.Request.Headers[":method"] != "POST" {
				t.Errorf("create request: %v", cr.Request.Headers)
			}
			if string(cr.Request.Body) != `{"message-storage-policy":1,"push-type":"LiveActivity"}` {
				t.Errorf("create body %s", cr.Request.Body)
			}
			if cr.RequestID != cr.Request.Headers["apns-request-id"] {
				t.Errorf("apns-request-id not echoed: sent %s, got %s", cr.Request.Headers["apns-request-id"], cr.RequestID)
			}
			if _, leaked := cr.Request.Headers["authorization"]; leaked {
				t.Error("authorization kept in the exchange")
			}
			second := cc.Create(ctx, NoStorage)
			if !second.OK() {
				t.Fatalf("second create: %+v", second)
			}

			rr := cc.Read(ctx, cr.Channel.ID)
			if !rr.OK() || rr.Channel.Policy != MostRecentMessage || rr.Channel.PushType != "LiveActivity" {
				t.Fatalf("read: %+v", rr)
			}
			if rr.Request.Headers["apns-channel-id"] != cr.Channel.ID {
				t.Errorf("read sent channel %q", rr.Request.Headers["apns-channel-id"])
			}

			lr := cc.List(ctx)
			want := []string{cr.Channel.ID, second.Channel.ID}
			slices.Sort(want)
			if !lr.OK() || !slices.Equal(lr.Channels, want) {
				t.Fatalf("list: %+v, want %v", lr, want)
			}
			if lr.Request.Headers[":path"] != "/1/apps/"+testTopic+"/all-channels" {
				t.Errorf("list path %s", lr.Request.Headers[":path"])
			}

			dr := cc.Delete(ctx, cr.Channel.ID)
			if !dr.OK() || dr.Status != 204 || DescribeChannel(dr, "") != "deleted "+cr.Channel.ID {
				t.Fatalf("delete: %+v", dr)
			}
			if again := cc.Read(ctx, cr.Channel.ID); again.Reason != "ChannelNotRegistered" || again.Status != 400 {
				t.Fatalf("read after delete: %d %s", again.Status, again.Reason)
			}
			if lr := cc.List(ctx); len(lr.Channels) != 1 || lr.Channels[0] != second.Channel.ID {
				t.Fatalf("list after delete: %v", lr.Channels)
			}
		})
	}
}

func TestChannelsArePerEnvironment(t *testing.T) {
	dev := startServer(t, apnstest.Config{})
	prod := startServer(t, apnstest.Config{Environment: certs.Production})
	cred := certCred(fixture.uni)
	cr := newChannelClient(t, dev, cred, nil).Create(context.Background(), NoStorage)
	if !cr.OK() {
		t.Fatal(cr)
	}
	pc := newChannelClient(t, prod, cred, func(c *Config) { c.Environment = certs.Production })
	r := pc.Read(context.Background(), cr.Channel.ID)
	if r.Reason != "ChannelNotRegistered" {
		t.Fatalf("a development channel read on production: %d %s", r.Status, r.Reason)
	}
	if d := DescribeChannel(r, certs.Production); !strings.Contains(d, "from development does not work here") {
		t.Errorf("describe: %s", d)
	}
}

func TestChannelLimit(t *testing.T) {
	s := startServer(t, apnstest.Config{ChannelLimit: 2})
	cc := newChannelClient(t, s, certCred(fixture.dev), nil)
	for i := range 2 {
		if r := cc.Create(context.Background(), NoStorage); !r.OK() {
			t.Fatalf("create %d: %+v", i, r)
		}
	}
	r := cc.Create(context.Background(), NoStorage)
	if r.Status != 400 || r.Reason != "CannotCreateChannelConfig" {
		t.Fatalf("over the limit: %d %s", r.Status, r.Reason)
	}
	if !strings.Contains(ExplainChannel(r.Reason).Fix, "channels delete") {
		t.Errorf("fix: %s", ExplainChannel(r.Reason).Fix)
	}
	// Deleting one makes room again.
	ids := cc.List(context.Background()).Channels
	if d := cc.Delete(context.Background(), ids[0]); !d.OK() {
		t.Fatal(d)
	}
	if r := cc.Create(context.Background(), NoStorage); !r.OK() {
		t.Fatalf("create after delete: %+v", r)
	}
}

func TestBroadcastFanOut(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	tok := tokenCred(fixture.key)
	cc := newChannelClient(t, s, tok, nil)
	cr := cc.Create(context.Background(), MostRecentMessage)
	if !cr.OK() {
		t.Fatal(cr)
	}
	now := time.Now()
	reg := apnstest.NewRegistry(
		apnstest.Device{Token: tokenN(1), Environment: certs.Development, Topic: testTopic, Kind: apnstest.KindLiveActivityUpdate},
		apnstest.Device{Token: tokenN(2), Environment: certs.Development, Topic: testTopic, Kind: apnstest.KindLiveActivityUpdate})
	s2 := startServer(t, apnstest.Config{Registry: reg, Channels: s.Channels()})
	s.Channels().Subscribe(testTopic, cr.Channel.ID, tokenN(1))
	s.Channels().Subscribe(testTopic, cr.Channel.ID, tokenN(2))
	c := newTestClient(t, s2, tok, nil)
	r := c.Broadcast(context.Background(), BroadcastJob{ChannelID: cr.Channel.ID, Label: "match", Payload: laUpdate(now.Unix()),
		Priority: 5, Expiration: payload.Expiration{Mode: "at", At: now.Add(time.Hour)}, Policy: MostRecentMessage, PolicyKnown: true})
	if !r.OK() {
		t.Fatalf("broadcast: %d %s %v", r.Status, r.Reason, r.Err)
	}
	h := r.Request.Headers
	if h[":path"] != "/4/broadcasts/apps/"+testTopic || h["apns-channel-id"] != cr.Channel.ID || h["apns-push-type"] != "liveactivity" ||
		h["apns-priority"] != "5" || h["apns-expiration"] != strconv.FormatInt(now.Add(time.Hour).Unix(), 10) || h["apns-request-id"] == "" {
		t.Errorf("request headers: %v", h)
	}
	if r.ApnsID != h["apns-request-id"] || r.ApnsUniqueID == "" || r.Token != cr.Channel.ID || r.Label != "match" {
		t.Errorf("result: %+v", r)
	}
	bs := s.Channels().Broadcasts(testTopic, cr.Channel.ID)
	if len(bs) != 1 || len(bs[0].Deliveries) != 2 || !bs[0].Deliveries[0].Applied || !bs[0].Deliveries[1].Applied {
		t.Fatalf("fan-out: %+v", bs)
	}
	for _, n := range []int{1, 2} {
		a, ok := reg.Activity(tokenN(n))
		if !ok || a.LastEvent != "update" || a.LastTimestamp != now.Unix() {
			t.Errorf("subscriber %d: %+v", n, a)
		}
	}
	// The same timestamp again: APNs accepts, every device ignores it.
	r = c.Broadcast(context.Background(), BroadcastJob{ChannelID: cr.Channel.ID, Payload: laUpdate(now.Unix())})
	if !r.OK() {
		t.Fatal(r)
	}
	bs = s.Channels().Broadcasts(testTopic, cr.Channel.ID)
	if d := bs[1].Deliveries[0]; d.Applied || !strings.Contains(d.Note, "not newer") {
		t.Errorf("stale broadcast delivery: %+v", d)
	}
}

func TestBroadcastRefusedLocally(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	id := base64.StdEncoding.EncodeToString([]byte("a channel"))
	ok := laUpdate(time.Now().Unix())
	cases := map[string]BroadcastJob{
		"apns-channel-id":   {ChannelID: "not base64!", Payload: ok},
		"empty":             {ChannelID: id},
		"at most 5120":      {ChannelID: id, Payload: []byte(`{"aps":{"x":"` + strings.Repeat("x", 5200) + `"}}`)},
		"cannot start":      {ChannelID: id, Payload: []byte(`{"aps":{"event":"start","timestamp":1,"content-state":{}}}`)},
		"not a priority":    {ChannelID: id, Payload: ok, Priority: 7},
		"only expiration 0": {ChannelID: id, Payload: ok, Expiration: payload.Expiration{Mode: "at", At: time.Now().Add(time.Hour)}, PolicyKnown: true, Policy: NoStorage},
		"not a UUID":        {ChannelID: id, Payload: ok, RequestID: "x"},
	}
	for want, job := range cases {
		r := c.Broadcast(context.Background(), job)
		if r.Class != "invalid" || !strings.Contains(r.Err.Error(), want) {
			t.Errorf("%s: %v (%s)", want, r.Err, r.Class)
		}
	}
	if got := s.Counters().Requests; got != 0 {
		t.Errorf("%d requests reached the server", got)
	}
	// A topic with a push-type suffix: broadcasts use the bare bundle ID.
	cs := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Topic = testTopic + ".push-type.liveactivity" })
	if r := cs.Broadcast(context.Background(), BroadcastJob{ChannelID: id, Payload: ok}); r.Class != "invalid" || !strings.Contains(r.Err.Error(), "bare bundle ID") {
		t.Errorf("suffixed topic: %v", r.Err)
	}
}

// channelCase reaches one channel or broadcast reason through the clients.
type channelCase struct {
	server func(*apnstest.Config)
	cred   func() *certs.Credential
	client func(*Config)
	mutate func(*http.Request)
	// op is "read" (default, of an existing channel), "create", "list",
	// "delete" or "broadcast".
	op string
	// policy of the existing channel (default most recent).
	policy *int
	job    func(*BroadcastJob)
	before func(t *testing.T, cc *ChannelClient)
}

func TestEveryChannelReasonThroughClient(t *testing.T) {
	setup(t)
	otherKey, err := certgen.TokenKey()
	if err != nil {
		t.Fatal(err)
	}
	noEnv, err := fixture.ca.Client(certgen.ClientSpec{Topic: testTopic})
	if err != nil {
		t.Fatal(err)
	}
	tok := func() *certs.Credential { return tokenCred(fixture.key) }
	setH := func(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }
	body := func(b string) func(*http.Request) {
		return func(r *http.Request) {
			r.Body = io.NopCloser(strings.NewReader(b))
			r.ContentLength = int64(len(b))
		}
	}
	noStorage := apnstest.PolicyNoStorage
	cases := map[string]channelCase{
		"FeatureNotEnabled":         {server: func(c *apnstest.Config) { c.BroadcastApps = []string{"com.example.other"} }},
		"MissingChannelId":          {mutate: func(r *http.Request) { r.Header.Del("apns-channel-id") }},
		"BadChannelId":              {mutate: setH("apns-channel-id", "%%%not-base64")},
		"ChannelNotRegistered":      {mutate: setH("apns-channel-id", base64.StdEncoding.EncodeToString([]byte("gone")))},
		"BadRequestParams":          {op: "create", mutate: body(`{"message-storage-policy":1,"push-type":"LiveActivity","colour":"red"}`)},
		"BadRequestPayload":         {op: "create", mutate: body(`{"message-storage-policy":`)},
		"PayloadEmpty":              {op: "broadcast", mutate: body("")},
		"BadMessageId":              {mutate: setH("apns-request-id", "not-a-uuid")},
		"MissingPushType":           {op: "broadcast", mutate: func(r *http.Request) { r.Header.Del("apns-push-type") }},
		"InvalidPushType":           {op: "broadcast", mutate: setH("apns-push-type", "alert")},
		"CannotCreateChannelConfig": {op: "create", server: func(c *apnstest.Config) { c.ChannelLimit = 1 }},
		"BadExpirationDate": {op: "broadcast", policy: &noStorage, job: func(j *BroadcastJob) {
			j.Expiration = payload.Expiration{Mode: "at", At: time.Now().Add(time.Hour)}
		}},
		"TopicDisallowed": {op: "list", mutate: func(r *http.Request) {
			r.URL.Path = "/1/apps/" + testTopic + ".push-type.liveactivity/all-channels"
		}},
		"BadPriority":               {op: "broadcast", mutate: setH("apns-priority", "7")},
		"BadCertificate":            {cred: func() *certs.Credential { return certCred(noEnv) }},
		"BadCertificateEnvironment": {server: func(c *apnstest.Config) { c.Environment = certs.Production }, client: func(c *Config) { c.Environment = certs.Production }},
		"TopicMismatch":             {client: func(c *Config) { c.Topic = "com.example.other" }},
		"MissingProviderToken":      {cred: tok, mutate: func(r *http.Request) { r.Header.Del("authorization") }},
		"ExpiredProviderToken": {cred: tok, server: func(c *apnstest.Config) {
			c.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		}},
		"InvalidProviderToken": {cred: func() *certs.Credential { return tokenCred(otherKey) }},
		"BadPath":              {mutate: func(r *http.Request) { r.URL.Path = "/1/apps/" + testTopic + "/channel" }},
		"MethodNotAllowed":     {mutate: func(r *http.Request) { r.Method = http.MethodPut }},
		"PayloadTooLarge":      {op: "broadcast", mutate: body(`{"aps":{"x":"` + strings.Repeat("x", 5200) + `"}}`)},
		"TooManyRequests": {op: "broadcast", server: func(c *apnstest.Config) {
			c.Faults.RateLimit = 1
			fixed := time.Now()
			c.Now = func() time.Time { return fixed }
		}},
		"TooManyProviderTokenUpdates": {cred: tok, before: func(t *testing.T, cc *ChannelClient) {
			if r := cc.List(context.Background()); !r.OK() {
				t.Fatalf("first request: %+v", r)
			}
			cc.token.Lock()
			cc.token.Generate()
			cc.token.Unlock()
		}},
		"InternalServerError": {op: "broadcast", server: func(c *apnstest.Config) { c.Faults.Error500 = 1 }},
		"ServiceUnavailable":  {op: "broadcast", server: func(c *apnstest.Config) { c.Faults.Error503 = 1 }},
	}
	for _, reason := range apnstest.ChannelReasons() {
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
			policy := apnstest.PolicyMostRecent
			if tc.policy != nil {
				policy = *tc.policy
			}
			id := base64.StdEncoding.EncodeToString([]byte("existing channel"))
			if err := s.Channels().Add(testTopic, id, policy, time.Now()); err != nil {
				t.Fatal(err)
			}
			cred := certCred(fixture.dev)
			if tc.cred != nil {
				cred = tc.cred()
			}
			cc := newChannelClient(t, s, cred, tc.client)
			if tc.before != nil {
				tc.before(t, cc)
			}
			var status int
			var got, reqID string
			var resp Exchange
			if tc.op == "broadcast" {
				c := newTestClient(t, s, cred, tc.client)
				c.mutate = tc.mutate
				job := BroadcastJob{ChannelID: id, Payload: laUpdate(time.Now().Unix())}
				if tc.job != nil {
					tc.job(&job)
				}
				if tc.server != nil && scfg.Faults.RateLimit > 0 {
					c.Broadcast(context.Background(), job)
				}
				r := c.Broadcast(context.Background(), job)
				status, got, reqID, resp = r.Status, r.Reason, r.ApnsID, r.Response
				if d := DescribeBroadcast(r, ""); !strings.Contains(d, reason) {
					t.Errorf("describe: %s", d)
				}
			} else {
				cc.mutate = tc.mutate
				var r ChannelResult
				switch tc.op {
				case "create":
					r = cc.Create(context.Background(), NoStorage)
				case "list":
					r = cc.List(context.Background())
				default:
					r = cc.Read(context.Background(), id)
				}
				status, got, reqID, resp = r.Status, r.Reason, r.RequestID, r.Response
				if d := DescribeChannel(r, ""); !strings.Contains(d, reason) {
					t.Errorf("describe: %s", d)
				}
			}
			if got != reason || status != apnstest.ChannelStatusOf(reason) {
				t.Fatalf("got %d %q, want %d %s", status, got, apnstest.ChannelStatusOf(reason), reason)
			}
			info := ExplainChannel(reason)
			if info.Status != status || info.Meaning == "" || info.Fix == "" {
				t.Errorf("catalogue entry for %s: %+v", reason, info)
			}
			if reqID == "" || !strings.Contains(string(resp.Body), reason) {
				t.Errorf("response: id %q, %+v", reqID, resp)
			}
		})
	}
}

func TestChannelCatalogueCoversApple(t *testing.T) {
	// Every reason in Apple's broadcast error table, as spelled there.
	apple := []string{"FeatureNotEnabled", "MissingChannelId", "BadChannelId", "ChannelNotRegistered", "BadRequestParams",
		"BadRequestPayload", "PayloadEmpty", "BadMessageId", "MissingPushType", "InvalidPushType", "CannotCreateChannelConfig",
		"BadExpirationDate", "TopicDisallowed", "BadPriority", "BadCertificate", "BadCertificateEnvironment", "TopicMismatch",
		"MissingProviderToken", "ExpiredProviderToken", "InvalidProviderToken", "BadPath", "MethodNotAllowed", "PayloadTooLarge",
		"TooManyRequests", "TooManyProviderTokenUpdates", "InternalServerError", "Service Unavailable", "Shutdown"}
	for _, r := range apple {
		info := ExplainChannel(r)
		if info.Status == 0 || strings.Contains(info.Meaning, "does not know") {
			t.Errorf("%s is not in the channel catalogue", r)
		}
	}
	if got := len(ChannelReasons()); got != len(apple) {
		t.Errorf("catalogue has %d reasons, Apple's table %d", got, len(apple))
	}
	// Channel meanings differ from device-push meanings.
	if ExplainChannel("InvalidPushType").Meaning == Explain("InvalidPushType").Meaning {
		t.Error("InvalidPushType must be explained for channels")
	}
	if !strings.Contains(ExplainChannel("BadExpirationDate").Fix, "no-storage") {
		t.Error("BadExpirationDate fix must mention no-storage channels")
	}
	if ExplainChannel("BadDeviceToken").Status != 400 {
		t.Error("device reasons fall back to Explain")
	}
}

func TestManagementTarget(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
		err  string
	}{
		{cfg: Config{Environment: certs.Development}, want: "https://api-manage-broadcast.sandbox.push.apple.com:2195"},
		{cfg: Config{Environment: certs.Production}, want: "https://api-manage-broadcast.push.apple.com:2196"},
		{cfg: Config{Environment: certs.Production, Host: "https://api.sandbox.push.apple.com:2197"}, want: "https://api-manage-broadcast.sandbox.push.apple.com:2195"},
		{cfg: Config{Environment: certs.Development, Host: "https://api.push.apple.com"}, want: "https://api-manage-broadcast.push.apple.com:2196"},
		{cfg: Config{Host: "https://127.0.0.1:9999"}, want: "https://127.0.0.1:9999"},
		{cfg: Config{Environment: "staging"}, err: "unknown environment"},
		{cfg: Config{Host: "http://127.0.0.1:1"}, err: "HTTPS"},
	}
	for _, c := range cases {
		tg, err := managementTarget(c.cfg)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%+v: err %v, want %q", c.cfg, err, c.err)
			}
			continue
		}
		if err != nil || tg.base != c.want {
			t.Errorf("%+v: %q %v, want %q", c.cfg, tg.base, err, c.want)
		}
	}
	setup(t)
	if _, err := NewChannelClient(Config{Credential: certCred(fixture.dev), Environment: certs.Development, Topic: testTopic + ".voip"}); err == nil || !strings.Contains(err.Error(), "bare bundle ID") {
		t.Errorf("suffixed topic: %v", err)
	}
	if _, err := NewChannelClient(Config{Credential: tokenCred(fixture.key), Environment: certs.Development}); err == nil || !strings.Contains(err.Error(), "--topic") {
		t.Errorf("no topic: %v", err)
	}
}

func TestStoragePolicyAndChannelID(t *testing.T) {
	for in, want := range map[string]StoragePolicy{"no-storage": NoStorage, "0": NoStorage, "most-recent": MostRecentMessage, "1": MostRecentMessage} {
		if got, err := ParseStoragePolicy(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	if _, err := ParseStoragePolicy("forever"); err == nil || !strings.Contains(err.Error(), "no-storage") {
		t.Errorf("bad policy: %v", err)
	}
	if NoStorage.String() != "no-storage" || MostRecentMessage.String() != "most-recent" {
		t.Error("policy names")
	}
	for id, want := range map[string]string{"": "no channel ID", "a b": "not base64", "dHN0LXNyY2gtY2hubA==": "", strings.Repeat("A", 2000): "long", "ab\ncd": "control"} {
		err := CheckChannelID(id)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("%q: %v, want %q", id, err, want)
		}
	}
	s := startServer(t, apnstest.Config{})
	cc := newChannelClient(t, s, certCred(fixture.dev), nil)
	if r := cc.Create(context.Background(), 3); r.Class != "invalid" {
		t.Errorf("policy 3: %+v", r)
	}
	if r := cc.Read(context.Background(), "!"); r.Class != "invalid" {
		t.Errorf("bad id: %+v", r)
	}
	if s.Counters().Requests != 0 {
		t.Error("refused requests reached the server")
	}
}

func TestProbeChannels(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	cfg := Config{Credential: certCred(fixture.dev), Environment: certs.Development, Host: s.URL(), ServerCA: s.CAPEM(), Topic: testTopic}
	if v := ProbeChannels(context.Background(), cfg); !v.OK || !strings.Contains(v.Reason, "0 broadcast channels") {
		t.Fatalf("probe: %+v", v)
	}
	off := startServer(t, apnstest.Config{BroadcastApps: []string{"com.example.other"}})
	cfg.Host, cfg.ServerCA = off.URL(), off.CAPEM()
	if v := ProbeChannels(context.Background(), cfg); v.OK || !strings.Contains(v.Reason, "FeatureNotEnabled") || !strings.Contains(v.Advice, "developer.apple.com") {
		t.Fatalf("probe without broadcast: %+v", v)
	}
	cfg.Topic = ""
	cfg.Credential = tokenCred(fixture.key)
	if v := ProbeChannels(context.Background(), cfg); v.OK || !strings.Contains(v.Reason, "--topic") {
		t.Fatalf("probe without a topic: %+v", v)
	}
}

func TestReadIsRetriedCreateAndDeleteAreNot(t *testing.T) {
	// A 503 on every request: read and list try three times; create and
	// delete once, since a lost answer could hide that they worked.
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Error503: 1}})
	cc := newChannelClient(t, s, certCred(fixture.dev), nil)
	ctx := context.Background()
	id := base64.StdEncoding.EncodeToString([]byte("a channel"))
	for op, want := range map[string]int{"create": 1, "delete": 1, "read": 3, "list": 3} {
		var r ChannelResult
		switch op {
		case "create":
			r = cc.Create(ctx, NoStorage)
		case "delete":
			r = cc.Delete(ctx, id)
		case "read":
			r = cc.Read(ctx, id)
		case "list":
			r = cc.List(ctx)
		}
		if r.Attempts != want || r.Reason != "ServiceUnavailable" || r.Status != 503 {
			t.Errorf("%s: %d attempts, %d %s; want %d attempts", op, r.Attempts, r.Status, r.Reason, want)
		}
	}
}

func TestMockNotesChannelOperations(t *testing.T) {
	var mu sync.Mutex
	var notes []string
	s := startServer(t, apnstest.Config{OnResponse: func(r apnstest.Response) {
		mu.Lock()
		notes = append(notes, r.Note)
		mu.Unlock()
	}})
	cc := newChannelClient(t, s, certCred(fixture.dev), nil)
	ctx := context.Background()
	cr := cc.Create(ctx, MostRecentMessage)
	cc.Read(ctx, cr.Channel.ID)
	cc.List(ctx)
	cc.Delete(ctx, cr.Channel.ID)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"channel " + cr.Channel.ID + " created, policy 1", "read channel: policy 1, 0 subscribers", "listed 1 channels", "channel deleted"}
	if !slices.Equal(notes, want) {
		t.Errorf("notes %q, want %q", notes, want)
	}
}
