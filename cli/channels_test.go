package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func TestChannelsLifecycle(t *testing.T) {
	home := newHome(t)
	m := startLAMock(t, apnstest.Config{})
	te := &testEnv{}
	if code := te.run(m.tokenArgs("channels", "create", "--policy", "no-storage", "--json")...); code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, te.stderr.String())
	}
	var created channelJSON
	if err := json.Unmarshal(te.stdout.Bytes(), &created); err != nil || created.ID == "" || created.Policy != "no-storage" ||
		created.RequestID == "" || created.PolicyValue == nil || *created.PolicyValue != 0 || created.Topic != fxTopic {
		t.Fatalf("create output %s (%v)", te.stdout.String(), err)
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "create")...); code != exitOK || !strings.Contains(te.stdout.String(), "created most-recent channel") {
		t.Fatalf("second create (default policy): exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "list")...); code != exitOK {
		t.Fatalf("list: exit %d %s", code, te.stderr.String())
	}
	for _, want := range []string{"no-storage", "most-recent", created.ID, "2 channel(s) for " + fxTopic + " in development"} {
		if !strings.Contains(te.stdout.String(), want) {
			t.Errorf("list lacks %q:\n%s", want, te.stdout.String())
		}
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "show", created.ID)...); code != exitOK || !strings.Contains(te.stdout.String(), "LiveActivity") ||
		!strings.Contains(te.stdout.String(), "no-storage (message-storage-policy 0)") {
		t.Fatalf("show: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}

	// A broadcast fans out to the subscribers and is kept in History.
	m.Channels().Subscribe(fxTopic, created.ID, tokLAFan)
	update := writePayload(t, laPayload("update", time.Now(), ""))
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", created.ID, "--payload", update, "--priority", "5")...); code != exitOK {
		t.Fatalf("broadcast: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	if !strings.Contains(te.stdout.String(), "sent    channel ") || !strings.Contains(te.stdout.String(), "apns-unique-id") {
		t.Errorf("broadcast output: %s", te.stdout.String())
	}
	bs := m.Channels().Broadcasts(fxTopic, created.ID)
	if len(bs) != 1 || len(bs[0].Deliveries) != 1 || !bs[0].Deliveries[0].Applied || bs[0].Priority != "5" || bs[0].Expiration != "0" {
		t.Fatalf("fan-out: %+v", bs)
	}
	if a, _ := m.reg.Activity(tokLAFan); a.LastEvent != "update" {
		t.Errorf("subscriber: %+v", a)
	}
	store, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := store.QueryHistory(profiles.HistoryFilter{})
	if err != nil || len(hist) != 1 || hist[0].Token != created.ID || hist[0].PushType != "liveactivity" || hist[0].Topic != fxTopic || hist[0].Status != 200 {
		t.Fatalf("history %+v %v", hist, err)
	}
	// --no-history: the broadcast goes out, History is left as it was.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", created.ID, "--payload", update, "--priority", "5", "--no-history")...); code != exitOK ||
		!strings.Contains(te.stdout.String(), "sent    channel ") {
		t.Fatalf("broadcast --no-history: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	if bs := m.Channels().Broadcasts(fxTopic, created.ID); len(bs) != 2 {
		t.Errorf("--no-history: %d broadcasts reached the server, want 2", len(bs))
	}
	if n, err := store.HistoryCount(profiles.HistoryFilter{}); err != nil || n != 1 {
		t.Errorf("--no-history: history has %d entries (%v), want 1", n, err)
	}
	// A no-storage channel takes expiration 0 only. `channels list` kept
	// its policy in the store, so the send is refused before it goes out.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", created.ID, "--payload", update, "--expiration", "1h")...); code != exitUsage ||
		!strings.Contains(te.stderr.String(), "no-storage") {
		t.Fatalf("expiration on no-storage: exit %d %s", code, te.stderr.String())
	}
	// Unknown to the store (another machine's channel): APNs says so, with the fix.
	other := m.Channels()
	otherID, _ := other.Create(fxTopic, apnstest.PolicyNoStorage, time.Now())
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", otherID, "--payload", update, "--expiration", "1h")...); code != exitFailed ||
		!strings.Contains(te.stdout.String(), "BadExpirationDate") || !strings.Contains(te.stdout.String(), "fix: Use 0 on a no-storage channel") {
		t.Fatalf("expiration on an unknown no-storage channel: exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	other.Delete(fxTopic, otherID)

	// Delete asks; in a script it needs --yes.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "delete", created.ID)...); code != exitUsage || !strings.Contains(te.stderr.String(), "--yes") {
		t.Fatalf("delete without --yes: exit %d %s", code, te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "delete", created.ID, "--yes", "--json")...); code != exitOK || !strings.Contains(te.stdout.String(), `"deleted"`) {
		t.Fatalf("delete: exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "show", created.ID)...); code != exitFailed || !strings.Contains(te.stderr.String(), "ChannelNotRegistered") ||
		!strings.Contains(te.stderr.String(), "fix: Channels are per environment") {
		t.Fatalf("show deleted: exit %d %s", code, te.stderr.String())
	}
	if n := len(m.Channels().List(fxTopic)); n != 1 {
		t.Errorf("%d channels left at APNs", n)
	}
}

func TestChannelsReasonsAndBadInput(t *testing.T) {
	newHome(t)
	off := startLAMock(t, apnstest.Config{BroadcastApps: []string{"com.example.other"}})
	te := &testEnv{}
	if code := te.run(off.tokenArgs("channels", "create")...); code != exitFailed || !strings.Contains(te.stderr.String(), "400 FeatureNotEnabled") ||
		!strings.Contains(te.stderr.String(), "fix: Enable the Broadcast capability") {
		t.Fatalf("feature not enabled: exit %d %s", code, te.stderr.String())
	}
	full := startLAMock(t, apnstest.Config{ChannelLimit: 1})
	for i, want := range []int{exitOK, exitFailed} {
		te = &testEnv{}
		if code := te.run(full.tokenArgs("channels", "create")...); code != want {
			t.Fatalf("create %d: exit %d %s", i, code, te.stderr.String())
		}
	}
	if !strings.Contains(te.stderr.String(), "CannotCreateChannelConfig") || !strings.Contains(te.stderr.String(), "apns-request-id") {
		t.Errorf("limit: %s", te.stderr.String())
	}
	m := startLAMock(t, apnstest.Config{})
	update := writePayload(t, laPayload("update", time.Now(), ""))
	cases := []struct {
		args []string
		want string
	}{
		{m.tokenArgs("channels", "create", "--policy", "forever"), "no-storage"},
		{m.tokenArgs("channels", "show"), "give one channel"},
		{m.tokenArgs("channels", "show", "not an id!"), "neither a channel label"},
		{[]string{"channels", "frobnicate", "x"}, "unknown command"},
		{m.tokenArgs("channels", "list", "extra"), "unexpected argument"},
		{m.tokenArgs("send", "--channel", "dHN0", "--token", tokActive, "--payload", update), "drop --token"},
		{m.tokenArgs("send", "--channel", "dHN0", "--alert", "hi"), "Live Activity updates"},
		{m.tokenArgs("send", "--channel", "dHN0", "--collapse-id", "x", "--payload", update), "--collapse-id"},
		{m.tokenArgs("send", "--channel", "dHN0", "--push-type", "alert", "--payload", update), "Live Activity pushes only"},
		{m.tokenArgs("send", "--channel", "dHN0", "--payload", writePayload(t, laPayload("start", time.Now(), `,"attributes-type":"A","attributes":{},"alert":"x"`))), "cannot start a Live Activity"},
		{m.tokenArgs("send", "--channel", "no such\x1b[2J", "--payload", update), "neither a channel label"},
	}
	for _, c := range cases {
		te := &testEnv{}
		code := te.run(c.args...)
		if code != exitUsage || !strings.Contains(te.stderr.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q, want %q", c.args[:3], code, te.stderr.String(), c.want)
		}
	}
	if n := len(m.Channels().List(fxTopic)); n != 0 {
		t.Errorf("refused commands made %d channels", n)
	}
	// A channel ID APNs does not know: 400 ChannelNotRegistered, exit 1.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", "dHN0LXNyY2gtY2hubA==", "--payload", update, "--json")...); code != exitFailed {
		t.Fatalf("unknown channel: exit %d %s", code, te.stderr.String())
	}
	var line broadcastLine
	if err := json.Unmarshal(te.stdout.Bytes(), &line); err != nil || line.Reason != "ChannelNotRegistered" || line.Status != 400 || line.Fix == "" || line.Channel != "dHN0LXNyY2gtY2hubA==" {
		t.Fatalf("json: %s (%v)", te.stdout.String(), err)
	}
}

func TestSendLiveActivityTokenKinds(t *testing.T) {
	newHome(t)
	m := startLAMock(t, apnstest.Config{})
	now := time.Now()
	start := writePayload(t, laPayload("start", now, `,"attributes-type":"DeliveryAttributes","attributes":{"order":"1042"},"alert":{"title":"Order 1042","body":"Preparing"}`))
	update := writePayload(t, laPayload("update", now.Add(time.Second), ""))
	te := &testEnv{}
	if code := te.run(m.tokenArgs("send", "--token", tokLAStart, "--kind", "liveactivity-start", "--payload", start, "--priority", "10")...); code != exitOK {
		t.Fatalf("start: exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	if a, _ := m.reg.Activity(tokLAStart); a.Started != 1 {
		t.Fatalf("push-to-start: %+v", a)
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "update", "--payload", update, "--priority", "5")...); code != exitOK {
		t.Fatalf("update: exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	m.mu.Lock()
	last := m.topics[len(m.topics)-1]
	m.mu.Unlock()
	if last != fxTopic+".push-type.liveactivity" {
		t.Errorf("topic %s", last)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{m.tokenArgs("send", "--token", tokLAStart, "--kind", "start", "--payload", update), "only start activities"},
		{m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "update", "--payload", start), "already running"},
		{m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "carrier", "--payload", update), "--kind"},
		{m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "update", "--alert", "hi", "--push-type", "alert"), "liveactivity only"},
		{m.tokenArgs("send", "--token", tokActive, "--payload", update, "--push-type", "liveactivity"), "this is a device token"},
		{m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "update", "--payload", update, "--priority", "1"), "priority 5 or 10, not 1"},
	} {
		te := &testEnv{}
		if code := te.run(c.args...); code != exitUsage || !strings.Contains(te.stderr.String(), c.want) {
			t.Errorf("%v: exit %d %s, want %q", c.args[1:5], code, te.stderr.String(), c.want)
		}
	}
	// What APNs accepts but the device ignores: an update no newer than the
	// last one. The mock answers 200, as APNs does, and says so in its log.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--token", tokLAUpdate, "--kind", "update", "--payload", update, "--priority", "5")...); code != exitOK {
		t.Fatalf("repeat: exit %d", code)
	}
	if a, _ := m.reg.Activity(tokLAUpdate); len(a.Deliveries) != 2 || a.Deliveries[1].Applied {
		t.Errorf("repeat update: %+v", a)
	}
}
