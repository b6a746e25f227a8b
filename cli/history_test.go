package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/textsafe"
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

// historyRowFmt is how a row of the table was written before
// appendHistoryRow (with fmt, from a HistoryEntry): the reference it must
// match byte for byte.
func historyRowFmt(w io.Writer, h *profiles.HistoryEntry) {
	dev := h.Label
	if dev == "" && len(h.Token) >= 8 {
		dev = h.Token[:8] + "…"
	}
	if dev == "" && h.Channel != "" {
		dev = "channel " + h.Channel
	}
	status := strconv.Itoa(h.Status)
	reason := h.Reason
	if h.Status == 0 {
		status = "-"
		if reason == "" {
			reason = h.Error
		}
	}
	fmt.Fprintf(w, historyRowFormat, h.At.Local().Format(time.DateTime), fit(textsafe.Clean(dev), 24), h.Environment,
		status, fit(textsafe.Clean(reason), 24), textsafe.Clean(h.ApnsID), fmt.Sprintf("%.0fms", h.LatencyMS), textsafe.Clean(h.Batch))
}

// The table `pushdeck history` prints is, byte for byte, the header and
// historyRowFmt's row for each entry StreamHistory reads: for hostile
// labels, reasons and ids (escape codes, invalid UTF-8, wide characters,
// long), token-only and channel-only rows, unanswered requests and odd
// latencies.
func TestHistoryTableMatchesFmt(t *testing.T) {
	home := cfgHome(t)
	s, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hostile := []string{"", "Anna", "\x1b[31mred\x1b[0m", "bad utf8 \xff\xfe", "ünïcödé 📱 phone with a long name", strings.Repeat("x", 24),
		strings.Repeat("y", 25), "tab\tnew\nline", "\u202eevil", "<&>\"'", "\u009b31m"}
	lat := []float64{0, 20, 0.5, 1.5, 12.49, 123456789.7, 99999999, 1e-9}
	now := time.Now().UTC().Truncate(time.Second)
	var recs []profiles.Record
	for i := range 66 {
		h := hostile[i%len(hostile)]
		e := profiles.HistoryEntry{At: now.Add(time.Duration(-i) * time.Minute).Add(time.Duration(i) * 1234567), Environment: certs.Development,
			Token: devTok("abc"[i%3]), Label: h, Status: 200, ApnsID: fmt.Sprintf("00000000-0000-0000-0000-%012d", i), LatencyMS: lat[i%len(lat)], Batch: "batch-" + h}
		switch i % 6 {
		case 1:
			e.Status, e.Reason = 410, h
		case 2:
			e.Status, e.Error = 0, "connection reset: "+h
		case 3:
			e.Label, e.Token, e.Channel = "", "", "ch-"+h
		case 4:
			e.Label, e.Token = "", "short"
		case 5:
			e.ApnsID, e.Environment = h, certs.Production
		}
		recs = append(recs, profiles.Record{Entry: e})
	}
	if err := s.Record(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"--limit", "0"}, {"--limit", "7"}, {"--failed", "--limit", "0"}} {
		var want bytes.Buffer
		f := profiles.HistoryFilter{Limit: 0, Failed: args[0] == "--failed"}
		if args[1] == "7" {
			f.Limit = 7
		}
		n := 0
		if err := s.StreamHistory(context.Background(), f, func(h *profiles.HistoryEntry) error {
			if n == 0 {
				fmt.Fprintf(&want, historyRowFormat, "TIME", "DEVICE", "ENV", "STATUS", "REASON", "APNS-ID", "LATENCY", "BATCH")
			}
			n++
			historyRowFmt(&want, h)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		out, errs, code := cfgRun(t, "", append([]string{"history"}, args...)...)
		if code != exitOK || n < 7 {
			t.Fatalf("%v: exit %d, %d rows: %s", args, code, n, errs)
		}
		if out != want.String() {
			gl, wl := strings.Split(out, "\n"), strings.Split(want.String(), "\n")
			for i := range min(len(gl), len(wl)) {
				if gl[i] != wl[i] {
					t.Fatalf("%v, line %d:\n got %q\nwant %q", args, i, gl[i], wl[i])
				}
			}
			t.Fatalf("%v: %d lines, want %d", args, len(gl), len(wl))
		}
		if strings.ContainsAny(out, "\x1b\u009b\u202e\t") {
			t.Fatalf("%v: a control character reached the table:\n%s", args, out)
		}
	}
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

// TestHistoryCommandImportsTheOldFile: the first command after an upgrade
// imports history.jsonl (the old store's), says so, reports its torn last
// line, and keeps the file renamed.
func TestHistoryCommandImportsTheOldFile(t *testing.T) {
	home := cfgHome(t)
	var b strings.Builder
	for i := range 3 {
		e := profiles.HistoryEntry{At: time.Date(2026, 11, 1, 12, 0, i, 0, time.UTC), Environment: certs.Development,
			Token: devTok("abc"[i]), Label: "old", Status: 200, ApnsID: fmt.Sprintf("ID-%d", i)}
		line, _ := json.Marshal(e)
		b.Write(append(line, '\n'))
	}
	b.WriteString(`{"at":"2026-11-01T12:00:09Z","tok`)
	os.WriteFile(filepath.Join(home, "history.jsonl"), []byte(b.String()), 0o600)
	out, errs, code := cfgRun(t, "", "history")
	if code != exitOK || strings.Count(out, "\n") != 4 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	cfgWant(t, "stderr", errs, "note:", "3 history entries", "history.jsonl.imported", "warning:", "history.jsonl", "last line is incomplete")
	if kept, _ := os.ReadFile(filepath.Join(home, "history.jsonl.imported")); string(kept) != b.String() {
		t.Error("the old file was not kept as it was")
	}
	_, errs, _ = cfgRun(t, "", "history")
	if strings.Contains(errs, "note:") {
		t.Errorf("the import is announced twice: %s", errs)
	}
}

// TestHistoryCommandFilters: the filters users asked for, and --batches.
func TestHistoryCommandNewFilters(t *testing.T) {
	home := cfgHome(t)
	historySeed(t, home, 20) // every 4th is a 410; batches of 5
	s, err := profiles.Open(home)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	s.AppendHistory(profiles.HistoryEntry{At: now, Batch: "prod-1", Profile: "shop-prod", Environment: certs.Production,
		Token: devTok('d'), Label: "Dora", Status: 0, Reason: "timeout", Error: "timeout"})
	s.Close()
	count := func(want int, args ...string) []profiles.HistoryEntry {
		t.Helper()
		es := historyJSON(t, args...)
		if len(es) != want {
			t.Errorf("%v: %d entries, want %d", args, len(es), want)
		}
		return es
	}
	count(5, "--status", "410")
	count(1, "--status", "0")
	count(6, "--failed")
	count(1, "--env", "production")
	count(20, "--env", "sandbox")
	count(1, "--profile", "shop-prod")
	all := count(21, "--limit", "0")
	// The window is set from the seeded times themselves, so how long the
	// test took does not move an entry in or out of it: the seed's newest
	// entry is at seeded, the others a minute apart before it.
	var seeded time.Time
	for _, e := range all {
		if e.Batch != "prod-1" && e.At.After(seeded) {
			seeded = e.At
		}
	}
	count(3, "--since", seeded.Add(-3*time.Minute-30*time.Second).Format(time.RFC3339Nano), "--until", seeded.Add(-30*time.Second).Format(time.RFC3339Nano))
	count(1, "--reason", "TIMEOUT", "--failed")
	out, errs, code := cfgRun(t, "", "history", "--batches")
	if code != exitOK {
		t.Fatalf("--batches: exit %d %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || !strings.Contains(lines[0], "ACCEPTED") || !strings.Contains(lines[1], "prod-1") || !strings.Contains(lines[1], "shop-prod") {
		t.Errorf("--batches:\n%s", out)
	}
	out, _, _ = cfgRun(t, "", "history", "--batches", "--json", "--failed", "--env", "development")
	var b profiles.SendSummary
	sc := bufio.NewScanner(strings.NewReader(out))
	n := 0
	for sc.Scan() {
		if err := json.Unmarshal(sc.Bytes(), &b); err != nil || b.Devices != 5 || b.Failed == 0 || b.Accepted+b.Failed != 5 {
			t.Errorf("--batches --json line %q: %+v %v", sc.Text(), b, err)
		}
		n++
	}
	if n != 4 {
		t.Errorf("--batches --failed --env development: %d sends, want 4", n)
	}
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
