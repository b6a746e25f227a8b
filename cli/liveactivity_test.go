package cli

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// Live Activity tokens of the channel mock.
var (
	tokLAStart  = strings.Repeat("5a", 40)
	tokLAUpdate = strings.Repeat("6b", 40)
	tokLAFan    = strings.Repeat("7c", 40)
)

// laMock is a development server that knows Live Activity tokens, serves
// the channel API and records the topics it accepted.
type laMock struct {
	mockAPNs
	reg    *apnstest.Registry
	mu     sync.Mutex
	topics []string
}

func startLAMock(t *testing.T, cfg apnstest.Config) *laMock {
	t.Helper()
	p8, err := certs.Load(filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"), certs.Options{TeamID: fxTeam})
	if err != nil {
		t.Fatal(err)
	}
	m := &laMock{reg: apnstest.NewRegistry(
		apnstest.Device{Token: tokActive, Environment: certs.Development, Topic: fxTopic},
		apnstest.Device{Token: tokLAStart, Environment: certs.Development, Topic: fxTopic, Kind: apnstest.KindLiveActivityStart, ActivityType: "DeliveryAttributes"},
		apnstest.Device{Token: tokLAUpdate, Environment: certs.Development, Topic: fxTopic, Kind: apnstest.KindLiveActivityUpdate},
		apnstest.Device{Token: tokLAFan, Environment: certs.Development, Topic: fxTopic, Kind: apnstest.KindLiveActivityUpdate},
	)}
	cfg.Environment = certs.Development
	cfg.Registry = m.reg
	cfg.AuthKeys = []apnstest.AuthKey{{KeyID: fxKeyID, TeamID: fxTeam, Public: &p8.Signer.PublicKey}}
	cfg.OnPush = func(p apnstest.Push) {
		m.mu.Lock()
		m.topics = append(m.topics, p.Topic)
		m.mu.Unlock()
	}
	s, err := apnstest.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ca := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	m.mockAPNs = mockAPNs{s, ca}
	return m
}

// tokenArgs are a command's token-auth flags for the mock.
func (m *laMock) tokenArgs(cmd ...string) []string {
	return append(cmd, "--p8", filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"), "--team-id", fxTeam, "--topic", fxTopic,
		"--env", "development", "--host", m.URL(), "--server-ca", m.caFile)
}

func writePayload(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "payload.json")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func laPayload(event string, ts time.Time, extra string) string {
	return `{"aps":{"event":"` + event + `","timestamp":` + strconv.FormatInt(ts.Unix(), 10) + `,"content-state":{"score":"1-0"}` + extra + `}}`
}

func TestProbeChannelsAndMockLog(t *testing.T) {
	newHome(t)
	m := startLAMock(t, apnstest.Config{})
	te := &testEnv{}
	if code := te.run(m.tokenArgs("probe", "--channels")...); code != exitOK || !strings.Contains(te.stdout.String(), "channels: ok.") {
		t.Fatalf("probe --channels: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	off := startLAMock(t, apnstest.Config{BroadcastApps: []string{"com.example.other"}})
	te = &testEnv{}
	if code := te.run(off.tokenArgs("probe", "--channels", "--json")...); code != exitFailed || !strings.Contains(te.stdout.String(), `"channels":"failed"`) ||
		!strings.Contains(te.stdout.String(), "FeatureNotEnabled") {
		t.Fatalf("probe --channels without broadcast: exit %d\n%s", code, te.stdout.String())
	}
	line := mockLogLine(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), apnstest.Response{Status: 200, Token: "dHN0LXNyY2gtY2hubA==", Topic: fxTopic,
		PushType: "liveactivity", Note: "fan-out to 2 subscribers, 2 applied"})
	if !strings.Contains(line, "· fan-out to 2 subscribers, 2 applied") {
		t.Errorf("log line: %s", line)
	}
	for _, bad := range []MockOptions{{ChannelLimit: -1}, {BroadcastApps: []string{"com example"}}} {
		bad.Env, bad.MaxStreams = "development", 1000
		if _, _, err := bad.config(); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
}

func TestLintChannelFlag(t *testing.T) {
	newHome(t)
	start := writePayload(t, laPayload("start", time.Now(), `,"attributes-type":"A","attributes":{},"alert":"x"`))
	te := &testEnv{}
	if code := te.run("lint", "--push-type", "liveactivity", "--priority", "10", start); code != exitOK {
		t.Fatalf("start to a token: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	te = &testEnv{}
	if code := te.run("lint", "--push-type", "liveactivity", "--priority", "10", "--channel", start); code != exitFailed ||
		!strings.Contains(te.stdout.String()+te.stderr.String(), "cannot start a Live Activity") {
		t.Fatalf("start on a channel: exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
}
