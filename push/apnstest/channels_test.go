package apnstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestChannelStore(t *testing.T) {
	cs := NewChannelStore(2)
	now := time.Now()
	a, err := cs.Create("com.a", PolicyNoStorage, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cs.Create("com.a", PolicyMostRecent, now)
	if err != nil || a == b {
		t.Fatalf("second channel: %q %v", b, err)
	}
	if _, err := cs.Create("com.a", PolicyNoStorage, now); err == nil {
		t.Fatal("the limit is per app: a third channel must be refused")
	}
	if _, err := cs.Create("com.b", PolicyNoStorage, now); err != nil {
		t.Fatalf("another app has its own limit: %v", err)
	}
	if !cs.Subscribe("com.a", a, "AA"+strings.Repeat("0", 62)) || cs.Subscribe("com.a", "nope", "00") {
		t.Fatal("subscribe")
	}
	cs.Subscribe("com.a", a, "aa"+strings.Repeat("0", 62)) // same token, other case: once
	if ch, _ := cs.Get("com.a", a); len(ch.Subscribers) != 1 || ch.Policy != PolicyNoStorage {
		t.Fatalf("channel %+v", ch)
	}
	if got := cs.List("com.a"); len(got) != 2 {
		t.Fatalf("list %v", got)
	}
	if !cs.Delete("com.a", a) || cs.Delete("com.a", a) {
		t.Fatal("delete twice")
	}
	if _, ok := cs.Get("com.a", a); ok {
		t.Fatal("deleted channel still there")
	}
}

func TestLoadRegistryKinds(t *testing.T) {
	dir := t.TempDir()
	tok := strings.Repeat("ab", 40)
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"token":"`+tok+`","kind":"liveactivity-start","activity_type":"DeliveryAttributes","topic":"com.a"}]`), 0o600)
	r, err := LoadRegistry(good)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Lookup(tok); d.Kind != KindLiveActivityStart || d.ActivityType != "DeliveryAttributes" {
		t.Fatalf("device %+v", d)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"token":"`+tok+`","kind":"widget"}]`), 0o600)
	if _, err := LoadRegistry(bad); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Fatalf("bad kind: %v", err)
	}
}

func TestDemoWorldIsStable(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two demo worlds")
	}
	a, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewDemo()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if len(a.Activities) != 5 || len(a.Channels) != 2 {
		t.Fatalf("cast: %d activities, %d channels", len(a.Activities), len(a.Channels))
	}
	for i := range a.Activities {
		if a.Activities[i].Token != b.Activities[i].Token || len(a.Activities[i].Token) != 128 {
			t.Errorf("activity %s token changes between runs or is not 64 bytes", a.Activities[i].Label)
		}
	}
	for i, c := range a.Channels {
		if c.ID != b.Channels[i].ID {
			t.Errorf("channel %s ID changes between runs", c.Label)
		}
		if ch, ok := a.Development.Channels().Get(DemoTopic, c.ID); !ok || len(ch.Subscribers) != len(c.Subscribers) {
			t.Errorf("channel %s on the server: %+v", c.Label, ch)
		}
	}
	if len(a.Channels[0].Subscribers) != 2 || len(a.Production.Channels().List(DemoTopic)) != 0 {
		t.Error("the Cup final channel has two subscribers, production none")
	}
}
