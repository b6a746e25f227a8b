package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// -mode history times `pushdeck history --limit 0 --json > /dev/null`, the
// whole process from exec to exit, over a history of -history-entries
// entries. The history is filled once (through the store's own Record,
// 10,000 entries a transaction) and kept in -history-dir for the next
// runs of the benchmark.

var (
	historyEntries = 0 // 1,000,000; 20,000 with -quick
	historyDir     = ""
)

// addHistoryFlags adds the flags of -mode history.
func addHistoryFlags(fs *flag.FlagSet) {
	fs.IntVar(&historyEntries, "history-entries", historyEntries, "-mode history: entries in the history (0: 1,000,000, or 20,000 with -quick)")
	fs.StringVar(&historyDir, "history-dir", "", "-mode history: the `FOLDER` (a PUSHDECK_HOME) that keeps the filled history between runs (default: one in the temp folder per size)")
}

// historySample is one timed `pushdeck history` process.
type historySample struct {
	WallS        float64 `json:"wall_s"`
	LinesPerS    float64 `json:"lines_per_s"`
	CPUS         float64 `json:"cpu_s"`
	LinesPerCPUS float64 `json:"lines_per_cpu_s"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	Load         string  `json:"load"`
}

// historyReport is -mode history's output.
type historyReport struct {
	Machine machine         `json:"machine"`
	Entries int             `json:"entries"`
	Command string          `json:"command"`
	Runs    []historySample `json:"runs"`
	Median  historySample   `json:"median"`
	FillS   float64         `json:"fill_s,omitempty"` // 0: the history was already there
}

// historyBenchmark fills (or reuses) the history, checks one run's output,
// then times o.runs runs.
func historyBenchmark(ctx context.Context, o options, log io.Writer) (*historyReport, error) {
	n := historyEntries
	switch {
	case n < 0:
		return nil, fmt.Errorf("-history-entries %d: use 1 or more (0: the default)", n)
	case n == 0 && o.quick:
		n = 20_000
	case n == 0:
		n = 1_000_000
	}
	rep := &historyReport{Machine: readMachine(), Entries: n, Command: "pushdeck history --limit 0 --json > /dev/null"}
	tmp, err := os.MkdirTemp("", "pushdeck-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	fmt.Fprintln(log, "building pushdeck")
	bin, err := buildPushdeck(ctx, tmp)
	if err != nil {
		return nil, err
	}
	home := historyDir
	if home == "" {
		home = filepath.Join(os.TempDir(), fmt.Sprintf("pushdeck-bench-history-%d", n))
	}
	if rep.FillS, err = fillHistory(home, n, log); err != nil {
		return nil, err
	}
	// One run, not timed: its output is read and checked, and it brings
	// the database into the OS's file cache for the timed runs.
	if err := checkHistoryOutput(ctx, bin, home, n); err != nil {
		return nil, err
	}
	for i := range o.runs {
		s, err := runHistoryProc(ctx, bin, home, n)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "run %d/%d: %.2f s, %.0f lines/s, %.2f CPU s, %.0f lines per CPU s, peak RSS %.1f MB (load %s)\n",
			i+1, o.runs, s.WallS, s.LinesPerS, s.CPUS, s.LinesPerCPUS, s.PeakRSSMB, s.Load)
		rep.Runs = append(rep.Runs, s)
	}
	rep.Median = medianHistory(rep.Runs)
	rep.Machine.LoadAvgEnd = loadAvg()
	return rep, nil
}

// fillHistory makes sure home holds a history of exactly n entries,
// writing it if it does not (a folder of another size is refilled from
// empty). It returns the seconds spent filling, 0 if the history was
// there.
func fillHistory(home string, n int, log io.Writer) (float64, error) {
	s, err := profiles.Open(home)
	if err != nil {
		return 0, err
	}
	have, err := s.HistoryCount(profiles.HistoryFilter{})
	s.Close()
	if err != nil {
		return 0, err
	}
	if have == n {
		fmt.Fprintf(log, "using the history of %d entries in %s\n", n, home)
		return 0, nil
	}
	if have > 0 {
		// Not ours to keep: only a folder made by this benchmark.
		if _, err := os.Stat(filepath.Join(home, benchHistoryMark)); err != nil {
			return 0, fmt.Errorf("%s holds a history of %d entries that this benchmark did not make: give -history-dir an empty or new folder", home, have)
		}
		if err := os.RemoveAll(home); err != nil {
			return 0, err
		}
	}
	fmt.Fprintf(log, "filling %s with %d history entries (once; later runs reuse it)\n", home, n)
	start := time.Now()
	if s, err = profiles.Open(home); err != nil {
		return 0, err
	}
	defer s.Close()
	if err := os.WriteFile(filepath.Join(home, benchHistoryMark), []byte("made by go run ./bench -mode history\n"), 0o600); err != nil {
		return 0, err
	}
	recs := make([]profiles.Record, 0, 10_000)
	for i := range n {
		recs = append(recs, profiles.Record{Entry: benchHistoryEntry(i)})
		if len(recs) == cap(recs) || i == n-1 {
			if err := s.Record(context.Background(), recs); err != nil {
				return 0, err
			}
			recs = recs[:0]
		}
		if (i+1)%200_000 == 0 {
			fmt.Fprintf(log, "  %d entries\n", i+1)
		}
	}
	return time.Since(start).Seconds(), s.Close()
}

// benchHistoryMark marks a folder filled by this benchmark.
const benchHistoryMark = "bench-history"

// benchHistoryEntry is entry i of the benchmark's history, the shape of
// profiles' BenchmarkHistory1M: sends of 500 devices, 50,000 devices, two
// environments, every 7th a BadDeviceToken, every 101st an Unregistered
// (here with its unregistered_at), 100 ms apart.
func benchHistoryEntry(i int) profiles.HistoryEntry {
	e := profiles.HistoryEntry{
		At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 100 * time.Millisecond), Batch: fmt.Sprintf("batch-%05d", i/500),
		Profile: "myapp-dev", Environment: certs.Development, Topic: "com.example.app", PushType: "alert", Priority: 10,
		PayloadHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", PayloadSize: 42,
		Token: strings.Repeat(fmt.Sprintf("%016x", (i%50_000)*7919+1), 4), Label: fmt.Sprintf("phone-%d", i%50_000),
		Status: 200, ApnsID: fmt.Sprintf("%08X-0000-4000-8000-%012X", i, i), ApnsUniqueID: fmt.Sprintf("u-%d", i), LatencyMS: 12.5, Attempts: 1,
	}
	if i%2 == 1 {
		e.Environment, e.Profile = certs.Production, "myapp-prod"
	}
	switch {
	case i%101 == 0:
		e.Status, e.Reason = 410, "Unregistered"
		e.UnregisteredAt = e.At.Add(-time.Hour)
	case i%7 == 0:
		e.Status, e.Reason = 400, "BadDeviceToken"
	}
	if i%500 == 0 {
		e.Payload = `{"aps":{"alert":"hi"}}`
	}
	return e
}

// historyCmd is the measured command.
func historyCmd(ctx context.Context, bin, home string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, "history", "--limit", "0", "--json")
	cmd.Env = append(os.Environ(), "PUSHDECK_HOME="+home, "NO_COLOR=1")
	return cmd
}

// checkHistoryOutput runs the command once and checks that it prints n
// JSON lines, newest first.
func checkHistoryOutput(ctx context.Context, bin, home string, n int) error {
	cmd := historyCmd(ctx, bin, home)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lines := 0
	var prev time.Time
	for sc.Scan() {
		var e struct {
			At     time.Time `json:"at"`
			Status int       `json:"status"`
		}
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return fmt.Errorf("line %d of pushdeck history is not JSON (%v): %.80q", lines+1, err, sc.Bytes())
		}
		if lines > 0 && e.At.After(prev) {
			return fmt.Errorf("line %d of pushdeck history is newer than the line before it", lines+1)
		}
		prev = e.At
		lines++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("pushdeck history: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	if lines != n {
		return fmt.Errorf("pushdeck history printed %d lines, want %d", lines, n)
	}
	return nil
}

// runHistoryProc times one run with its output to /dev/null.
func runHistoryProc(ctx context.Context, bin, home string, n int) (historySample, error) {
	s := historySample{Load: loadAvg()}
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return s, err
	}
	defer null.Close()
	cmd := historyCmd(ctx, bin, home)
	cmd.Stdout = null
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	u, err := measureProc(cmd, nil)
	if err != nil {
		return s, fmt.Errorf("pushdeck history: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	s.WallS = u.wall.Seconds()
	s.LinesPerS = float64(n) / s.WallS
	s.CPUS = u.cpuS
	s.LinesPerCPUS = float64(n) / s.CPUS
	s.PeakRSSMB = u.peakMB()
	return s, nil
}

// medianHistory is the per-figure median of the runs.
func medianHistory(runs []historySample) historySample {
	pick := func(f func(historySample) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = f(r)
		}
		return medianF(xs)
	}
	m := historySample{
		WallS:        pick(func(s historySample) float64 { return s.WallS }),
		LinesPerS:    pick(func(s historySample) float64 { return s.LinesPerS }),
		CPUS:         pick(func(s historySample) float64 { return s.CPUS }),
		LinesPerCPUS: pick(func(s historySample) float64 { return s.LinesPerCPUS }),
		PeakRSSMB:    pick(func(s historySample) float64 { return s.PeakRSSMB }),
	}
	loads := make([]string, len(runs))
	for i, r := range runs {
		loads[i] = r.Load
	}
	sort.Strings(loads)
	if len(loads) > 0 {
		m.Load = loads[len(loads)/2]
	}
	return m
}

// historyMarkdown is the report as Markdown.
func historyMarkdown(r *historyReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s, %s; load %s at the start, %s at the end.\n\n",
		r.Machine.NumCPU, r.Machine.CPUModel, r.Machine.Kernel, r.Machine.GoVersion, r.Machine.LoadAvgStart, r.Machine.LoadAvgEnd)
	fmt.Fprintf(&b, "`%s` over %d history entries, whole process (exec to exit), %d runs:\n\n", r.Command, r.Entries, len(r.Runs))
	b.WriteString("| run | wall s | lines/s | CPU s | lines per CPU s | peak RSS MB | load (1, 5, 15 min) |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- |\n")
	row := func(name string, s historySample) {
		fmt.Fprintf(&b, "| %s | %.2f | %.0f | %.2f | %.0f | %.1f | %s |\n", name, s.WallS, s.LinesPerS, s.CPUS, s.LinesPerCPUS, s.PeakRSSMB, s.Load)
	}
	for i, s := range r.Runs {
		row(fmt.Sprint(i+1), s)
	}
	row("median", r.Median)
	return b.String()
}

// historyMain runs -mode history and writes its report.
func historyMain(ctx context.Context, o options, stdout, stderr io.Writer) int {
	fmt.Fprintf(stderr, "== whole process: pushdeck history --limit 0 --json, %d runs\n", o.runs)
	rep, err := historyBenchmark(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	// -out and -md name the send benchmark's files unless given.
	if def := defaultOptions(); o.out == def.out {
		o.out = "bench/results/history.json"
	}
	if def := defaultOptions(); o.md == def.md {
		o.md = "bench/results/history.md"
	}
	md := historyMarkdown(rep)
	fmt.Fprint(stdout, md)
	for _, f := range []struct {
		flag, path string
		data       func() ([]byte, error)
	}{
		{"out", o.out, func() ([]byte, error) { return json.MarshalIndent(rep, "", "  ") }},
		{"md", o.md, func() ([]byte, error) { return []byte(md), nil }},
	} {
		if f.path == "" {
			continue
		}
		data, err := f.data()
		if err == nil {
			if err = os.MkdirAll(filepath.Dir(f.path), 0o755); err == nil {
				err = os.WriteFile(f.path, data, 0o644)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "bench: -%s %s: %v\n", f.flag, f.path, err)
			return 1
		}
	}
	return 0
}
