package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func TestChannelLabels(t *testing.T) {
	home := newHome(t)
	m := startLAMock(t, apnstest.Config{})
	te := &testEnv{}
	if code := te.run(m.tokenArgs("channels", "create", "--label", "Cup final", "--policy", "most-recent", "--json")...); code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, te.stderr.String())
	}
	var created channelJSON
	if err := json.Unmarshal(te.stdout.Bytes(), &created); err != nil || created.Label != "Cup final" {
		t.Fatalf("create output %s (%v)", te.stdout.String(), err)
	}
	// The label is unique per environment: a second create with it is
	// refused before APNs makes a channel whose label would be lost.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "create", "--label", "cup FINAL")...); code != exitUsage || !strings.Contains(te.stderr.String(), "already channel") {
		t.Fatalf("duplicate label: exit %d %s", code, te.stderr.String())
	}
	if n := len(m.Channels().List(fxTopic)); n != 1 {
		t.Fatalf("APNs has %d channels", n)
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "list")...); code != exitOK || !strings.Contains(te.stdout.String(), "Cup final") {
		t.Fatalf("list: exit %d\n%s", code, te.stdout.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "show", "cup final")...); code != exitOK || !strings.Contains(te.stdout.String(), "Cup final") {
		t.Fatalf("show by label: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	// send --channel by label; the store knows the policy, so an
	// expiration is checked before sending.
	m.Channels().Subscribe(fxTopic, created.ID, tokLAFan)
	update := writePayload(t, laPayload("update", time.Now(), ""))
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--channel", "Cup final", "--payload", update, "--priority", "5", "--expiration", "1h")...); code != exitOK ||
		!strings.Contains(te.stdout.String(), "sent    channel Cup final (") {
		t.Fatalf("broadcast by label: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	store, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	hist, err := store.QueryHistory(profiles.HistoryFilter{Channel: created.ID})
	store.Close()
	if err != nil || len(hist) != 1 || hist[0].Channel != created.ID {
		t.Fatalf("history by channel: %+v %v", hist, err)
	}
	// A channel deleted elsewhere: list shows it as gone; delete forgets it.
	m.Channels().Delete(fxTopic, created.ID)
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "list")...); code != exitOK || !strings.Contains(te.stdout.String(), "gone at APNs") {
		t.Fatalf("list after an outside delete:\n%s", te.stdout.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "delete", "Cup final", "--yes")...); code != exitFailed || !strings.Contains(te.stderr.String(), "the store forgot it too") {
		t.Fatalf("delete of a gone channel: exit %d %s", code, te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("channels", "list", "--json")...); code != exitOK || strings.TrimSpace(te.stdout.String()) != "[]" {
		t.Fatalf("list at the end: %s", te.stdout.String())
	}
}

func TestDevicesKindsAndSendByKind(t *testing.T) {
	newHome(t)
	m := startLAMock(t, apnstest.Config{})
	te := &testEnv{}
	if code := te.run("devices", "add", tokLAUpdate, "--label", "Order 1042", "--env", "development", "--kind", "liveactivity-update", "--activity-type", "DeliveryAttributes"); code != exitOK {
		t.Fatalf("add: exit %d %s", code, te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run("devices", "add", tokActive, "--label", "QA phone", "--env", "development"); code != exitOK {
		t.Fatalf("add device: exit %d %s", code, te.stderr.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"devices", "add", tokLAStart, "--label", "x", "--env", "development", "--kind", "widget"}, "--kind"},
		{[]string{"devices", "add", tokLAStart, "--label", "x", "--env", "development", "--activity-type", "A"}, "--activity-type is for Live Activity tokens"},
	} {
		te := &testEnv{}
		if code := te.run(c.args...); code != exitUsage || !strings.Contains(te.stderr.String(), c.want) {
			t.Errorf("%v: exit %d %s", c.args, code, te.stderr.String())
		}
	}
	update := writePayload(t, laPayload("update", time.Now(), ""))
	// The book's kind fits the headers: push type, topic suffix.
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--device", "Order 1042", "--payload", update, "--priority", "5")...); code != exitOK {
		t.Fatalf("update by the book: exit %d %s%s", code, te.stdout.String(), te.stderr.String())
	}
	m.mu.Lock()
	last := m.topics[len(m.topics)-1]
	m.mu.Unlock()
	if last != fxTopic+".push-type.liveactivity" {
		t.Errorf("topic %s", last)
	}
	te = &testEnv{}
	if code := te.run(m.tokenArgs("send", "--device", "QA phone", "--payload", update, "--push-type", "liveactivity")...); code != exitUsage ||
		!strings.Contains(te.stderr.String(), "this is a device token") {
		t.Fatalf("Live Activity push to a device token: exit %d %s", code, te.stderr.String())
	}
	_ = certs.Development
}
