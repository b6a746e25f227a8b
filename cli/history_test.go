package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// historySeed writes n results, one a minute up to now, to the history.
func historySeed(t *testing.T, home string, n int) time.Time {
	t.Helper()
	s, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.OpenHistory()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	for i := range n {
		e := profiles.HistoryEntry{
			At: now.Add(time.Duration(i-n+1) * time.Minute), Batch: fmt.Sprintf("batch-%d", i/5),
			Environment: certs.Development, Token: devTok("abc"[i%3]), Label: []string{"Anna", "Ben", "Cleo"}[i%3],
			Status: 200, ApnsID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), LatencyMS: 20,
		}
		if i%4 == 0 {
			e.Status, e.Reason = 410, "Unregistered"
		}
		if err := h.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	return now
}

func historyJSON(t *testing.T, args ...string) []profiles.HistoryEntry {
	t.Helper()
	out, errs, code := cfgRun(t, "", append([]string{"history", "--json"}, args...)...)
	if code != exitOK {
		t.Fatalf("history %v: exit %d %s", args, code, errs)
	}
	var es []profiles.HistoryEntry
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e profiles.HistoryEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		es = append(es, e)
	}
	return es
}

func TestHistoryCommandFilters(t *testing.T) {
	home := cfgHome(t)
	if _, errs, code := cfgRun(t, "", "history"); code != exitOK || !strings.Contains(errs, "No sends match") {
		t.Fatalf("empty history: exit %d %s", code, errs)
	}
	historySeed(t, home, 30)
	out, _, code := cfgRun(t, "", "history", "--limit", "3")
	if code != exitOK {
		t.Fatal("history failed")
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "Cleo") || !strings.Contains(lines[1], "000000000029") {
		t.Fatalf("newest 3 as a table:\n%s", out)
	}
	if es := historyJSON(t); len(es) != 30 {
		t.Errorf("default limit 50 gave %d of 30", len(es))
	}
	es := historyJSON(t, "--device", "anna", "--limit", "0")
	if len(es) != 10 || es[0].ApnsID != "00000000-0000-0000-0000-000000000027" {
		t.Errorf("--device anna: %d entries, first %+v", len(es), es[0])
	}
	if es := historyJSON(t, "--device", strings.ToUpper(devTok('b')[:10])); len(es) != 10 || es[0].Label != "Ben" {
		t.Errorf("--device by token prefix: %d", len(es))
	}
	if es := historyJSON(t, "--reason", "unregistered"); len(es) != 8 {
		t.Errorf("--reason: %d entries, want 8", len(es))
	}
	if es := historyJSON(t, "--since", "10m30s"); len(es) != 11 {
		t.Errorf("--since 10m30s: %d entries, want 11", len(es))
	}
	if es := historyJSON(t, "--apns-id", "00000000-0000-0000-0000-000000000007"); len(es) != 1 || es[0].Label != "Ben" {
		t.Errorf("--apns-id: %+v", es)
	}
	if es := historyJSON(t, "--batch", "batch-2"); len(es) != 5 {
		t.Errorf("--batch: %d", len(es))
	}
	for _, args := range [][]string{{"--since", "yesterday"}, {"--limit", "-1"}, {"extra"}} {
		if _, errs, code := cfgRun(t, "", append([]string{"history"}, args...)...); code != exitUsage || errs == "" {
			t.Errorf("%v: exit %d", args, code)
		}
	}
}

func TestHistoryCommandTornLine(t *testing.T) {
	home := cfgHome(t)
	historySeed(t, home, 3)
	f, _ := os.OpenFile(filepath.Join(home, "history.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"at":"2026-11-01T12:00:09Z","tok`)
	f.Close()
	out, errs, code := cfgRun(t, "", "history")
	if code != exitOK || strings.Count(out, "\n") != 4 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	cfgWant(t, "stderr", errs, "warning:", "history.jsonl", "last line is incomplete")
}

func TestHistorySince(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"24h":                  now.Add(-24 * time.Hour),
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.AddDate(0, 0, -7),
		"2026-11-01T09:30:00Z": time.Date(2026, 11, 1, 9, 30, 0, 0, time.UTC),
		"2026-11-01":           time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local),
		"2026-11-01 09:30":     time.Date(2026, 11, 1, 9, 30, 0, 0, time.Local),
	} {
		got, err := historySince(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("historySince(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := historySince("last week", now); err == nil || !strings.Contains(err.Error(), "24h") {
		t.Errorf("bad --since: %v", err)
	}
}
