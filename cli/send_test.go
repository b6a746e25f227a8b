package cli

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		if killBin.path != "" {
			_ = os.RemoveAll(filepath.Dir(killBin.path))
		}
	}))
}

const (
	fxTopic = "com.example.pushdeck"
	fxKeyID = "54321EDCBA"
	fxTeam  = "ABCDE12345"
	fxPass  = "hello123"
)

// Tokens the test servers know.
var (
	tokActive  = strings.Repeat("ab", 32)
	tokActive2 = strings.Repeat("cd", 32)
	tokGone    = strings.Repeat("ef", 32)
	tokProd    = strings.Repeat("12", 32)
	goneAt     = time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC)
)

// mockAPNs is a local APNs server trusting the fixture CA and token key,
// with its server CA written to a file.
type mockAPNs struct {
	*apnstest.Server
	caFile string
}

// seedBook puts the QA group ("ana", and "old-ipad", whose token the
// mock answers Unregistered), then more, in the device book of st, and
// saves the profile "local" for s: the .p12 fixture, its password from
// MY_P12_PASSWORD.
func seedBook(t *testing.T, st *profiles.Store, s mockAPNs, more ...profiles.Device) {
	t.Helper()
	ds := append([]profiles.Device{
		{Label: "ana", Token: tokActive, Environment: certs.Development, Groups: []string{"QA"}},
		{Label: "old-ipad", Token: tokGone, Environment: certs.Development, Groups: []string{"QA"}},
	}, more...)
	for _, d := range ds {
		if _, _, err := st.AddDevice(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SaveProfile(profiles.Profile{Name: "local", CertPath: filepath.Join(fixtureDir, "dev-modern.p12"),
		Auth: certs.AuthCertificate, Environment: certs.Development, Topic: fxTopic, Host: s.URL(), ServerCA: s.caFile,
		Password: profiles.PasswordSource{Kind: "env", Name: "MY_P12_PASSWORD"}}); err != nil {
		t.Fatal(err)
	}
}

func startMockAPNs(t *testing.T, env certs.Environment, faults apnstest.Faults) mockAPNs {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(fixtureDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	p8, err := certs.Load(filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"), certs.Options{TeamID: fxTeam})
	if err != nil {
		t.Fatal(err)
	}
	reg := apnstest.NewRegistry(
		apnstest.Device{Token: tokActive, Environment: certs.Development},
		apnstest.Device{Token: tokActive2, Environment: certs.Development},
		apnstest.Device{Token: tokGone, Environment: certs.Development, State: apnstest.StateUnregistered, UnregisteredAt: goneAt},
		apnstest.Device{Token: tokProd, Environment: certs.Production},
	)
	s, err := apnstest.Start(apnstest.Config{Environment: env, ClientCAs: pool, Registry: reg, Faults: faults,
		AuthKeys: []apnstest.AuthKey{{KeyID: fxKeyID, TeamID: fxTeam, Public: &p8.Signer.PublicKey}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ca := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return mockAPNs{s, ca}
}

// newHome points the config folder at a fresh temporary one.
func newHome(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "home")
	t.Setenv("PUSHDECK_HOME", dir)
	return dir
}

func certArgs(s mockAPNs, extra ...string) []string {
	return append([]string{"send", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", s.URL(), "--server-ca", s.caFile}, extra...)
}

func withPassword() *testEnv { return &testEnv{vars: map[string]string{"PUSHDECK_PASSWORD": fxPass}} }

// jsonLines decodes --json output: per-device lines, then the summary.
func jsonLines(t *testing.T, out string) ([]resultLine, summary) {
	t.Helper()
	var rs []resultLine
	var sum *summary
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Bytes()
		if sum != nil {
			t.Fatalf("line after the summary: %s", line)
		}
		var probe map[string]json.RawMessage
		if err := json.Unmarshal(line, &probe); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if raw, ok := probe["summary"]; ok {
			sum = new(summary)
			if err := json.Unmarshal(raw, sum); err != nil {
				t.Fatal(err)
			}
			continue
		}
		for _, k := range []string{"token", "label", "status", "reason", "apns_id", "apns_unique_id", "unregistered_at", "latency_ms", "attempts", "error"} {
			if _, ok := probe[k]; !ok {
				t.Errorf("result line lacks %q: %s", k, line)
			}
		}
		var r resultLine
		json.Unmarshal(line, &r)
		rs = append(rs, r)
	}
	if sum == nil {
		t.Fatalf("no summary in:\n%s", out)
	}
	return rs, *sum
}

func TestSendJSONStreamsEveryDeviceThenSummary(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	tokens := filepath.Join(t.TempDir(), "tokens.txt")
	os.WriteFile(tokens, []byte("# QA phones\n"+
		"<"+spaced(tokActive2)+"> Ana's iPhone\n"+
		tokGone+"\tOld iPad  # retired\n"+
		"\n"+
		tokProd+",TestFlight phone\n"), 0o600)
	te := withPassword()
	code := te.run(certArgs(s, "--env", "development", "--token", strings.ToUpper(tokActive), "--tokens-file", tokens, "--alert", "Hello", "--json")...)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (some failed)\nstderr: %s", code, te.stderr.String())
	}
	rs, sum := jsonLines(t, te.stdout.String())
	if len(rs) != 4 || sum.Total != 4 || sum.Sent != 2 || sum.Failed != 2 || sum.Connections != 1 {
		t.Fatalf("%d results, summary %+v", len(rs), sum)
	}
	if sum.Reasons["Unregistered"] != 1 || sum.Reasons["BadDeviceToken"] != 1 || sum.ElapsedMS <= 0 || sum.PerSecond <= 0 {
		t.Errorf("summary %+v", sum)
	}
	by := map[string]resultLine{}
	for _, r := range rs {
		by[r.Token] = r
	}
	if r := by[tokActive2]; r.Status != 200 || r.Label != "Ana's iPhone" || r.ApnsID == "" || r.ApnsUniqueID == "" || r.Attempts != 1 {
		t.Errorf("active device: %+v", r)
	}
	if r := by[tokGone]; r.Status != 410 || r.Reason != "Unregistered" || r.Label != "Old iPad" || r.UnregisteredAt != goneAt.Format(time.RFC3339) {
		t.Errorf("unregistered device: %+v", r)
	}
	if r := by[tokProd]; r.Status != 400 || r.Reason != "BadDeviceToken" || r.Label != "TestFlight phone" {
		t.Errorf("production token sent to development: %+v", r)
	}
	if _, ok := by[tokActive]; !ok {
		t.Error("--token in capitals was not normalised")
	}
}

func spaced(tok string) string {
	var parts []string
	for i := 0; i < len(tok); i += 8 {
		parts = append(parts, tok[i:i+8])
	}
	return strings.Join(parts, " ")
}

func TestSendHumanOutputExplainsFailures(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	te := withPassword()
	code := te.run(certArgs(s, "--token", tokGone, "--token", tokProd, "--token", tokActive, "--alert", "Hi")...)
	out := te.stdout.String()
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, out, te.stderr.String())
	}
	for _, want := range []string{"410 Unregistered since 2026-09-14", "token from the other environment?", "try production",
		"sent    ", "2 failed of 3", "over 1 connection"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(te.stderr.String(), "environment development, the only one the certificate is for") {
		t.Errorf("stderr: %s", te.stderr.String())
	}
}

func TestSendAllSentExitsZeroWithTokenAuth(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	payload := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(payload, []byte(`{"aps":{"alert":{"title":"Hi","body":"there"},"sound":"default"}}`), 0o600)
	te := &testEnv{}
	code := te.run("send", "--p8", filepath.Join(fixtureDir, "AuthKey_"+fxKeyID+".p8"), "--team-id", fxTeam, "--topic", fxTopic,
		"--host", s.URL(), "--server-ca", s.caFile, "--env", "development",
		"--token", tokActive, "--token", tokActive2, "--payload", payload, "--priority", "5", "--expiration", "now", "--collapse-id", "c1", "--json")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	rs, sum := jsonLines(t, te.stdout.String())
	if len(rs) != 2 || sum.Sent != 2 || sum.Failed != 0 {
		t.Errorf("results %+v summary %+v", rs, sum)
	}
}

func TestSendPayloadFromStdinAndConnections(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	te := withPassword()
	te.stdin = `{"aps":{"content-available":1}}`
	code := te.run(certArgs(s, "--token", tokActive, "--token", tokActive2, "--payload", "-", "--push-type", "background",
		"--priority", "5", "--connections", "2", "--concurrency", "2", "--json")...)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	_, sum := jsonLines(t, te.stdout.String())
	if sum.Connections < 1 || sum.Connections > 2 {
		t.Errorf("connections %d", sum.Connections)
	}
}

func TestSendRecordsHistoryAndDeviceBook(t *testing.T) {
	dir := newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	st, err := profiles.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	seedBook(t, st, s, profiles.Device{Label: "bob", Token: tokActive2, Environment: certs.Development})
	te := &testEnv{vars: map[string]string{"MY_P12_PASSWORD": fxPass}}
	code := te.run("send", "--profile", "local", "--group", "QA", "--device", "bob", "--alert", "from the book", "--json")
	if code != exitFailed {
		t.Fatalf("exit %d\n%s%s", code, te.stdout.String(), te.stderr.String())
	}
	rs, _ := jsonLines(t, te.stdout.String())
	labels := map[string]int{}
	for _, r := range rs {
		labels[r.Label] = r.Status
	}
	if len(rs) != 3 || labels["ana"] != 200 || labels["bob"] != 200 || labels["old-ipad"] != 410 {
		t.Fatalf("results by label: %v", labels)
	}
	hist, err := st.QueryHistory(profiles.HistoryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 {
		t.Fatalf("history has %d entries", len(hist))
	}
	for _, h := range hist {
		if h.Profile != "local" || h.Environment != certs.Development || h.Topic != fxTopic || h.PayloadHash == "" || h.Batch == "" || h.Label == "" {
			t.Errorf("history entry %+v", h)
		}
		if h.Label == "old-ipad" && !h.UnregisteredAt.Equal(goneAt) {
			t.Errorf("history lost Apple's 410 timestamp: %v, want %v", h.UnregisteredAt, goneAt)
		}
	}
	devs, _ := st.Devices()
	for _, d := range devs {
		if d.Last == nil {
			t.Errorf("%s has no last result", d.Label)
			continue
		}
		if d.Label == "old-ipad" && (d.Last.Status != 410 || !d.UnregisteredAt.Equal(goneAt)) {
			t.Errorf("old-ipad: %+v, unregistered %v", d.Last, d.UnregisteredAt)
		}
	}
	for _, f := range []string{"pushdeck.db", "pushdeck.db-wal"} {
		raw, _ := os.ReadFile(filepath.Join(dir, f))
		if bytes.Contains(raw, []byte(fxPass)) || bytes.Contains(raw, []byte("PRIVATE KEY")) {
			t.Errorf("%s holds a secret", f)
		}
	}
}

func TestSendUsageErrorsSendNothing(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"aps":{"alert":"hi",}}`), 0o600)
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"no payload", certArgs(s, "--token", tokActive), "no payload"},
		{"no devices", certArgs(s, "--alert", "x"), "no devices"},
		{"bad token", certArgs(s, "--token", "abc123", "--alert", "x"), "cut off"},
		{"legacy port", []string{"send", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--env", "production", "--port", "2195", "--token", tokActive, "--alert", "x"},
			"the legacy binary gateway on 2195 is gone; use 443 or 2197"},
		{"bad priority", certArgs(s, "--token", tokActive, "--alert", "x", "--priority", "7"), "apns-priority"},
		{"long collapse id", certArgs(s, "--token", tokActive, "--alert", "x", "--collapse-id", strings.Repeat("x", 65)), "at most 64"},
		{"bad apns-id", certArgs(s, "--token", tokActive, "--alert", "x", "--apns-id", "abc"), "not a UUID"},
		{"bad expiration", certArgs(s, "--token", tokActive, "--alert", "x", "--expiration", "soonish"), "--expiration"},
		{"lint error", certArgs(s, "--token", tokActive, "--payload", bad), "--force"},
		{"both payloads", certArgs(s, "--token", tokActive, "--payload", bad, "--alert", "x"), "not both"},
		{"no credential", []string{"send", "--token", tokActive, "--alert", "x"}, "no credential"},
		{"unknown profile", []string{"send", "--profile", "nope", "--token", tokActive, "--alert", "x"}, "nope"},
		{"unknown device", certArgs(s, "--device", "nobody", "--alert", "x"), "nobody"},
		{"payload given as tokens file", certArgs(s, "--tokens-file", bad, "--alert", "x"), "bad.json looks like JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			te := withPassword()
			if code := te.run(tc.args...); code != exitUsage {
				t.Errorf("exit %d, want 2\n%s", code, te.stderr.String())
			}
			if !strings.Contains(te.stderr.String(), tc.says) {
				t.Errorf("stderr lacks %q:\n%s", tc.says, te.stderr.String())
			}
		})
	}
	te := withPassword()
	te.run(certArgs(s, "--token", tokActive, "--payload", bad)...)
	if !strings.Contains(te.stderr.String(), "payload error:") {
		t.Errorf("lint errors not shown:\n%s", te.stderr.String())
	}
	if n := s.Counters().Requests; n != 0 {
		t.Errorf("the server got %d requests from refused sends", n)
	}
	// --force sends what lint refused.
	te = withPassword()
	if code := te.run(certArgs(s, "--token", tokActive, "--payload", bad, "--force")...); code != exitOK {
		t.Errorf("--force: exit %d\n%s", code, te.stderr.String())
	}
}

func TestSendWithoutPasswordIsAUsageError(t *testing.T) {
	newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	te := &testEnv{}
	if code := te.run(certArgs(s, "--token", tokActive, "--alert", "x")...); code != exitUsage || !strings.Contains(te.stderr.String(), "PUSHDECK_PASSWORD") {
		t.Errorf("exit %d: %s", code, te.stderr.String())
	}
	te = &testEnv{vars: map[string]string{"PUSHDECK_PASSWORD": "wrong"}}
	if code := te.run(certArgs(s, "--token", tokActive, "--alert", "x")...); code != exitUsage || !strings.Contains(te.stderr.String(), "password") {
		t.Errorf("exit %d: %s", code, te.stderr.String())
	}
	if strings.Contains(te.stderr.String(), "wrong") && strings.Contains(te.stderr.String(), "\"wrong\"") {
		t.Error("the password was printed")
	}
}

func TestParseTokenLines(t *testing.T) {
	t.Parallel()
	in := "# comment\n" +
		"<" + spaced(tokActive) + ">  iPhone 15 Pro\n" +
		spaced(tokActive2) + " iPad mini\n" +
		strings.ToUpper(tokGone) + "\n" +
		tokProd + ",with comma\n" +
		tokProd + "  # trailing comment\n"
	got, err := parseTokens("t", in)
	if err != nil {
		t.Fatal(err)
	}
	want := []target{{tokActive, "iPhone 15 Pro"}, {tokActive2, "iPad mini"}, {tokGone, ""}, {tokProd, "with comma"}, {tokProd, ""}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := parseTokens("t", "# ok\n"+tokActive+"\nnot-a-token label\n"); err == nil || !strings.Contains(err.Error(), "t:3:") {
		t.Errorf("bad line error: %v", err)
	}
}

func TestParseExpiration(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"now": "now", "0": "now", "": "", "1798000000": "at 1798000000",
		"2026-12-01T10:00:00Z": "at 1796119200", "1h": "at 1795777200",
	} {
		e, err := parseExpiration(in, now)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		got := string(e.Mode)
		if e.Mode == "at" {
			got = "at " + strconvI(e.At.Unix())
		}
		if got != want {
			t.Errorf("%q: %s, want %s", in, got, want)
		}
	}
	if _, err := parseExpiration("-5", now); err == nil {
		t.Error("-5 accepted")
	}
}

func strconvI(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestSendBinary runs the built binary as a CI job would: streamed JSON on
// stdout, the exit code, Ctrl-C-free.
func TestSendBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	home := newHome(t)
	s := startMockAPNs(t, certs.Development, apnstest.Faults{})
	bin := pushdeckBinary(t)
	cmd := exec.Command(bin, certArgs(s, "--token", tokActive, "--token", tokGone, "--alert", "hi", "--json")...)
	cmd.Env = append(os.Environ(), "PUSHDECK_PASSWORD="+fxPass, "PUSHDECK_HOME="+home)
	out, _ := cmd.Output()
	if cmd.ProcessState.ExitCode() != exitFailed {
		t.Fatalf("exit %d\n%s", cmd.ProcessState.ExitCode(), out)
	}
	rs, sum := jsonLines(t, string(out))
	if len(rs) != 2 || sum.Sent != 1 {
		t.Errorf("%+v %+v", rs, sum)
	}
}

// The tests below kill or interrupt a real send.

var killBin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// pushdeckBinary builds the binary once for the tests that need a real
// process to interrupt or kill.
func pushdeckBinary(t *testing.T) string {
	t.Helper()
	killBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "pushdeck-kill-bin-")
		if err != nil {
			killBin.err = err
			return
		}
		killBin.path = filepath.Join(dir, "pushdeck")
		killBin.out, killBin.err = exec.Command("go", "build", "-o", killBin.path, "..").CombinedOutput()
	})
	if killBin.err != nil {
		t.Fatalf("go build: %v\n%s", killBin.err, killBin.out)
	}
	return killBin.path
}

// slowServer accepts every token, each push answered after latency.
func slowServer(t *testing.T, latency time.Duration) mockAPNs {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(fixtureDir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	s, err := apnstest.Start(apnstest.Config{Environment: certs.Development, ClientCAs: pool, Faults: apnstest.Faults{Latency: latency}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ca := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(ca, s.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	return mockAPNs{s, ca}
}

// interruptSend starts `pushdeck send --json` to n devices, waits for the
// first after results, sends sig, and returns the tokens the process
// printed results for, its exit code and the config folder.
func interruptSend(t *testing.T, sig syscall.Signal, n, after int, latency time.Duration) (printed map[string]bool, code int, home string) {
	t.Helper()
	bin := pushdeckBinary(t)
	s := slowServer(t, latency)
	dir := t.TempDir()
	home = filepath.Join(dir, "home")
	var toks strings.Builder
	for i := range n {
		fmt.Fprintf(&toks, "%064x device-%d\n", i+1, i)
	}
	tf := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tf, []byte(toks.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "send", "--cert", filepath.Join(fixtureDir, "dev-modern.p12"), "--host", s.URL(), "--server-ca", s.caFile,
		"--tokens-file", tf, "--alert", "hi", "--concurrency", "4", "--json")
	cmd.Env = append(os.Environ(), "PUSHDECK_HOME="+home, "PUSHDECK_PASSWORD="+fxPass)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	printed = map[string]bool{}
	sc := bufio.NewScanner(out)
	signalled := false
	for sc.Scan() {
		var line struct {
			Token   string          `json:"token"`
			Summary json.RawMessage `json:"summary"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		if line.Token != "" {
			printed[line.Token] = true
		}
		if len(printed) == after && !signalled {
			cmd.Process.Signal(sig)
			signalled = true
		}
	}
	cmd.Wait()
	if !signalled {
		t.Fatalf("the send finished before it could be interrupted; stderr:\n%s", stderr.String())
	}
	return printed, cmd.ProcessState.ExitCode(), home
}

// historyTokens reads the history the process left behind, through the
// store (which must open: a kill never leaves it unreadable).
func historyTokens(t *testing.T, home string) (map[string]profiles.HistoryEntry, int) {
	t.Helper()
	s, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := map[string]profiles.HistoryEntry{}
	lines := 0
	err = s.StreamHistory(t.Context(), profiles.HistoryFilter{}, func(e *profiles.HistoryEntry) error {
		lines++
		got[e.Token] = *e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, lines
}

// Ctrl+C during a send: the batch stops, every result the process printed
// is in the history (the rest recorded as cancelled), every line whole.
func TestKillSendInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	printed, code, home := interruptSend(t, syscall.SIGINT, 2000, 40, 40*time.Millisecond)
	hist, lines := historyTokens(t, home)
	for tok := range printed {
		if _, ok := hist[tok]; !ok {
			t.Errorf("a printed result is missing from the history: %s", tok)
		}
	}
	sent, cancelled := 0, 0
	for _, e := range hist {
		switch {
		case e.Status == 200:
			sent++
		case strings.Contains(e.Error, "cancel"):
			cancelled++
		}
	}
	if code != exitFailed || lines != len(printed) || sent < 40 || sent > 400 {
		t.Errorf("exit %d; printed %d results; history %d lines (%d sent, %d cancelled)", code, len(printed), lines, sent, cancelled)
	}
	t.Logf("SIGINT after 40 results: exit %d, %d printed, history %d lines (%d sent, %d cancelled)", code, len(printed), lines, sent, cancelled)
}

// kill -9 during a 5,000-device send, 25 times at different moments: every
// result the process printed is in the history (printed ⇒ recorded: a line
// is printed only after its group commit), and the store opens cleanly.
func TestKillSendSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	total := 0
	for round := range 25 {
		printed, code, home := interruptSend(t, syscall.SIGKILL, 5000, 1+round*150, 2*time.Millisecond)
		hist, lines := historyTokens(t, home)
		for tok := range printed {
			if _, ok := hist[tok]; !ok {
				t.Fatalf("round %d: result %s was printed but is not recorded", round, tok)
			}
		}
		if lines < len(printed) {
			t.Fatalf("round %d: printed %d, recorded %d", round, len(printed), lines)
		}
		total += len(printed)
		t.Logf("round %d: SIGKILL (exit %d) after %d printed: %d recorded", round, code, len(printed), lines)
	}
	t.Logf("25 kills: %d printed results, all recorded", total)
}
