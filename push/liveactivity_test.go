package push

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/push/payload"
)

func TestCheckLiveActivity(t *testing.T) {
	start := []byte(`{"aps":{"event":"start","timestamp":1,"attributes-type":"DeliveryAttributes","attributes":{},"content-state":{},"alert":"x"}}`)
	update := []byte(`{"aps":{"event":"update","timestamp":1,"content-state":{}}}`)
	end := []byte(`{"aps":{"event":"end","timestamp":1,"content-state":{}}}`)
	la := payload.Headers{PushType: payload.LiveActivity}
	cases := []struct {
		name   string
		kind   TokenKind
		typ    string
		h      payload.Headers
		body   []byte
		field  string // "" = accepted
		reason string
	}{
		{"device alert", KindDevice, "", payload.Headers{PushType: payload.Alert}, alertBody, "", ""},
		{"device liveactivity", KindDevice, "", la, update, "token", "device token"},
		{"device la topic", KindDevice, "", payload.Headers{Topic: "com.x.push-type.liveactivity"}, update, "token", "device token"},
		{"start ok", KindLiveActivityStart, "DeliveryAttributes", payload.Headers{}, start, "", ""},
		{"start alert type", KindLiveActivityStart, "", payload.Headers{PushType: payload.Alert}, start, "apns-push-type", "liveactivity only"},
		{"start update event", KindLiveActivityStart, "", la, update, "payload", "only start activities"},
		{"start other type", KindLiveActivityStart, "PizzaAttributes", la, start, "payload", "is for PizzaAttributes"},
		{"update ok", KindLiveActivityUpdate, "", la, update, "", ""},
		{"end ok", KindLiveActivityUpdate, "", payload.Headers{Priority: 5}, end, "", ""},
		{"update start event", KindLiveActivityUpdate, "", la, start, "payload", "already running"},
		{"update no event", KindLiveActivityUpdate, "", la, []byte(`{"aps":{}}`), "payload", "update or end"},
		{"priority 1", KindLiveActivityUpdate, "", payload.Headers{PushType: payload.LiveActivity, Priority: 1}, update, "apns-priority", "5 (outside the budget)"},
		{"bare topic", KindLiveActivityUpdate, "", payload.Headers{Topic: "com.example.app"}, update, "apns-topic", ".push-type.liveactivity"},
		{"not json", KindLiveActivityUpdate, "", la, []byte(`{`), "payload", "not a JSON object"},
		{"unknown kind", "carrier", "", la, update, "token", "unknown"},
	}
	for _, c := range cases {
		h, err := CheckLiveActivity(c.kind, c.typ, c.h, c.body)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			} else if c.kind.IsLiveActivity() && h.PushType != payload.LiveActivity {
				t.Errorf("%s: push type %q not set", c.name, h.PushType)
			}
			continue
		}
		ie, ok := err.(*InvalidError)
		if !ok || ie.Field != c.field || !strings.Contains(ie.Reason, c.reason) {
			t.Errorf("%s: %v, want %s: …%s…", c.name, err, c.field, c.reason)
		}
	}
	for in, want := range map[string]TokenKind{"": KindDevice, "push-to-start": KindLiveActivityStart, "update": KindLiveActivityUpdate, "liveactivity-update": KindLiveActivityUpdate} {
		if got, err := ParseTokenKind(in); err != nil || got != want {
			t.Errorf("ParseTokenKind(%q) = %q %v", in, got, err)
		}
	}
	if _, err := ParseTokenKind("voip"); err == nil {
		t.Error("voip is not a token kind")
	}
}

// demoClient is a token-auth client for the demo's development server, as
// Apple's Live Activity guide asks (token-based connection).
func demoClient(t *testing.T, d *apnstest.Demo) (*Client, *ChannelClient) {
	t.Helper()
	cred, err := certs.Load(d.P8Path, certs.Options{KeyID: d.KeyID, TeamID: d.TeamID})
	if err != nil {
		t.Fatal(err)
	}
	ca, err := os.ReadFile(d.ServerCAPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Credential: cred, Environment: certs.Development, Host: d.Development.URL(), ServerCA: ca, Topic: d.Topic}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	cc, err := NewChannelClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Close)
	return c, cc
}

func TestDemoLiveActivityLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole demo world")
	}
	d, err := apnstest.NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, cc := demoClient(t, d)
	ctx := context.Background()
	act := map[string]apnstest.DemoActivity{}
	for _, a := range d.Activities {
		act[a.Label] = a
	}
	starter := act["iPhone 15 (QA) · push-to-start"]
	order := act["Order 1042 activity"]
	ended := act["Order 0977 activity (ended)"]
	if starter.Kind != apnstest.KindLiveActivityStart || order.Kind != apnstest.KindLiveActivityUpdate || ended.Expect != "ExpiredToken" {
		t.Fatalf("demo cast: %+v", d.Activities)
	}
	now := time.Now().Unix()
	tpl := map[string]payload.Template{}
	for _, tp := range payload.TemplatesAt(time.Unix(now, 0)) {
		tpl[tp.Name] = tp
	}
	send := func(a apnstest.DemoActivity, body []byte) Result {
		t.Helper()
		kind, _ := ParseTokenKind(a.Kind)
		h, err := CheckLiveActivity(kind, a.ActivityType, payload.Headers{Priority: 10}, body)
		if err != nil {
			t.Fatalf("%s: %v", a.Label, err)
		}
		return c.Send(ctx, Job{Token: a.Token, Label: a.Label, Payload: body, Headers: h})
	}

	// start → update → stale update → end → 410.
	if r := send(starter, []byte(tpl["Live Activity start"].Body)); !r.OK() || r.Request.Headers["apns-topic"] != d.Topic+".push-type.liveactivity" {
		t.Fatalf("start: %d %s %v %v", r.Status, r.Reason, r.Err, r.Request.Headers)
	}
	reg := registryOf(t, d)
	if a, _ := reg.Activity(starter.Token); a.Started != 1 {
		t.Fatalf("push-to-start: %+v", a)
	}
	if r := send(order, []byte(tpl["Live Activity update"].Body)); !r.OK() {
		t.Fatalf("update: %+v", r)
	}
	if r := send(order, []byte(tpl["Live Activity update"].Body)); !r.OK() {
		t.Fatalf("repeat update: %+v", r)
	}
	a, _ := reg.Activity(order.Token)
	if a.LastEvent != "update" || len(a.Deliveries) != 2 || a.Deliveries[1].Applied || !strings.Contains(a.Deliveries[1].Note, "not newer") {
		t.Fatalf("update token state: %+v", a)
	}
	endBody := strings.Replace(tpl["Live Activity end"].Body, strconv.FormatInt(now, 10), strconv.FormatInt(now+1, 10), 1)
	if r := send(order, []byte(endBody)); !r.OK() {
		t.Fatalf("end: %+v", r)
	}
	if a, _ := reg.Activity(order.Token); !a.Ended {
		t.Fatalf("end not applied: %+v", a)
	}
	if r := send(order, []byte(tpl["Live Activity update"].Body)); r.Status != 410 || r.Reason != "ExpiredToken" {
		t.Fatalf("after end: %d %s", r.Status, r.Reason)
	}
	if r := send(ended, []byte(tpl["Live Activity update"].Body)); r.Status != 410 || r.Reason != "ExpiredToken" {
		t.Fatalf("ended demo token: %d %s", r.Status, r.Reason)
	}

	// Mismatches APNs refuses: an alert to an activity token, a Live
	// Activity push to the app's device token.
	if r := c.Send(ctx, Job{Token: starter.Token, Payload: alertBody}); r.Reason != "DeviceTokenNotForTopic" {
		t.Fatalf("alert to an activity token: %d %s", r.Status, r.Reason)
	}
	phone := d.Devices[0]
	if r := c.Send(ctx, Job{Token: phone.Token, Payload: []byte(tpl["Live Activity update"].Body), Headers: payload.Headers{PushType: payload.LiveActivity}}); r.Reason != "DeviceTokenNotForTopic" {
		t.Fatalf("Live Activity push to a device token: %d %s", r.Status, r.Reason)
	}

	// The channel: list, read, broadcast to its subscribers.
	var cup, scores apnstest.DemoChannel
	for _, ch := range d.Channels {
		switch ch.Label {
		case "Cup final":
			cup = ch
		case "Live scores":
			scores = ch
		}
	}
	if l := cc.List(ctx); !l.OK() || len(l.Channels) != 2 {
		t.Fatalf("list: %+v", l)
	}
	rr := cc.Read(ctx, cup.ID)
	if !rr.OK() || rr.Channel.Policy != MostRecentMessage {
		t.Fatalf("read: %+v", rr)
	}
	r := c.Broadcast(ctx, BroadcastJob{ChannelID: cup.ID, Label: cup.Label, Payload: []byte(tpl["Live Activity update"].Body), Priority: 5,
		Policy: rr.Channel.Policy, PolicyKnown: true})
	if !r.OK() {
		t.Fatalf("broadcast: %+v", r)
	}
	bs := d.Development.Channels().Broadcasts(d.Topic, cup.ID)
	if len(bs) != 1 || len(bs[0].Deliveries) != len(cup.Subscribers) || len(cup.Subscribers) != 2 {
		t.Fatalf("fan-out: %+v (subscribers %v)", bs, cup.Subscribers)
	}
	for _, dl := range bs[0].Deliveries {
		if !dl.Applied {
			t.Errorf("subscriber %s: %s", dl.Token[:8], dl.Note)
		}
	}
	r = c.Broadcast(ctx, BroadcastJob{ChannelID: scores.ID, Payload: []byte(tpl["Live Activity update"].Body),
		Expiration: payload.Expiration{Mode: "at", At: time.Now().Add(time.Hour)}})
	if r.Reason != "BadExpirationDate" {
		t.Fatalf("expiration on a no-storage channel: %d %s", r.Status, r.Reason)
	}
	// Production has no channels: the development channel is unknown there.
	if r := d.Production.Channels().List(d.Topic); len(r) != 0 {
		t.Errorf("production channels: %v", r)
	}
}

// registryOf finds the demo's registry through a device lookup.
func registryOf(t *testing.T, d *apnstest.Demo) interface {
	Activity(string) (apnstest.ActivityState, bool)
} {
	t.Helper()
	reg := d.Registry()
	if reg == nil {
		t.Fatal("demo has no registry")
	}
	return reg
}
