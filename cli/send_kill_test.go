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

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/apnstest"
	"github.com/pushdeck/pushdeck/session"
)

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
func interruptSend(t *testing.T, sig syscall.Signal, n, after int) (printed map[string]bool, code int, home string) {
	t.Helper()
	bin := pushdeckBinary(t)
	s := slowServer(t, 40*time.Millisecond)
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

// historyTokens reads history.jsonl line by line: every line must be
// whole JSON (no torn write from the interrupted process).
func historyTokens(t *testing.T, home string) (map[string]profiles.HistoryEntry, int) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(home, "history.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]profiles.HistoryEntry{}
	lines := 0
	// A kill can land inside the write of a batch: the last line may be
	// torn (readers skip and report it); every line before it is whole.
	if i := bytes.LastIndexByte(data, '\n'); i < len(data)-1 {
		t.Logf("torn last line of %d bytes (killed mid-write)", len(data)-i-1)
		data = data[:i+1]
	}
	for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		lines++
		var e profiles.HistoryEntry
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("history line %d is not whole: %q", lines, l)
		}
		got[e.Token] = e
	}
	return got, lines
}

// Ctrl+C during a send: the batch stops, every result the process printed
// is in the history (the rest recorded as cancelled), every line whole.
func TestKillSendInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	printed, code, home := interruptSend(t, syscall.SIGINT, 2000, 40)
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

// kill -9 during a send: history.jsonl holds only whole lines, each for a
// result the process printed; results still buffered for the next batched
// write (at most session.RecordEvery, or one second's worth) are lost with the
// process, and nothing earlier is.
func TestKillSendSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for round := range 5 {
		printed, code, home := interruptSend(t, syscall.SIGKILL, 2000, 30+round*60)
		if _, err := os.Stat(filepath.Join(home, "history.jsonl")); os.IsNotExist(err) {
			t.Logf("round %d: killed before the first history write (%d printed)", round, len(printed))
			continue
		}
		hist, lines := historyTokens(t, home)
		for tok := range hist {
			if !printed[tok] {
				t.Errorf("round %d: history has a result the process never printed: %s", round, tok)
			}
		}
		if lost := len(printed) - lines; lost < 0 || lost > session.RecordEvery {
			t.Errorf("round %d: printed %d, history %d", round, len(printed), lines)
		}
		s, err := profiles.Open(home)
		if err != nil {
			t.Fatal(err)
		}
		if es, err := s.QueryHistory(profiles.HistoryFilter{}); err != nil || len(es) != lines {
			t.Errorf("round %d: reading the history after the kill: %d entries, %v", round, len(es), err)
		}
		t.Logf("round %d: SIGKILL (exit %d) after %d printed: history kept %d whole lines", round, code, len(printed), lines)
	}
}
