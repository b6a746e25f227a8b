package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// -mode history end to end, small: it fills a history, checks the
// command's lines, times the runs, and the second time reuses the history.
func TestQuickHistoryRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pushdeck binary: run without -short")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	jsonPath, mdPath := filepath.Join(dir, "h.json"), filepath.Join(dir, "h.md")
	args := []string{"-mode", "history", "-quick", "-history-entries", "1500", "-history-dir", home, "-runs", "2", "-out", jsonPath, "-md", mdPath}
	for round := range 2 {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
		}
		b, err := os.ReadFile(jsonPath)
		if err != nil {
			t.Fatal(err)
		}
		var rep historyReport
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("%s does not parse: %v", jsonPath, err)
		}
		if rep.Entries != 1500 || len(rep.Runs) != 2 || (rep.FillS > 0) != (round == 0) {
			t.Fatalf("round %d: %s", round, b)
		}
		for _, s := range append(rep.Runs, rep.Median) {
			if s.WallS <= 0 || s.LinesPerS <= 0 || s.CPUS <= 0 || s.PeakRSSMB <= 0 {
				t.Errorf("round %d: %+v", round, s)
			}
		}
		if !strings.Contains(stdout.String(), "| median |") {
			t.Errorf("no median row:\n%s", stdout.String())
		}
	}
	// A folder with a history the benchmark did not make is not touched.
	if err := os.Remove(filepath.Join(home, benchHistoryMark)); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	args[4] = "1000" // another size
	if code := run(args, &stderr, &stderr); code != 1 || !strings.Contains(stderr.String(), "that this benchmark did not make") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
