package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The recording benchmark (-mode record) measures issue 14's "send
// throughput with recording on: within 5% of recording off" on whole
// processes: the built `pushdeck send --tokens-file F --payload P --json`
// with default settings and a fresh PUSHDECK_HOME, once as a user runs it
// (every result recorded in the SQLite store: a history row, the send's
// totals, group commits with an fsync each, a line printed only after its
// commit) and once with --no-history (nothing recorded, the same output),
// against the apnstest server in its own process. The two alternate in
// paired rounds (on first, then off first), and the figures are the
// medians of the per-round ratios on ÷ off: notifications per second from
// exec to exit (1 = recording costs nothing) and CPU seconds of the
// process (user + system; 1 = no extra CPU).

// recordCase is one server latency.
type recordCase struct {
	LatencyMS float64          `json:"latency_ms"`
	Tokens    int              `json:"tokens"`
	Runs      [][2]procSample  `json:"runs"` // per round: [on, off]
	On        procSample       `json:"on_median"`
	Off       procSample       `json:"off_median"`
	Ratios    recordCaseRatios `json:"ratios"`
	Load      string           `json:"load"`
	LoadEnd   string           `json:"load_end"`
}

// recordCaseRatios are medians of the per-round ratios on ÷ off.
type recordCaseRatios struct {
	Rate float64 `json:"rate_on_over_off"`
	CPU  float64 `json:"cpu_on_over_off"`
	RSS  float64 `json:"peak_rss_on_over_off"`
	// CPUPerResultUS is the median of (CPU on − CPU off) ÷ tokens: what
	// recording one result costs the process, in µs.
	CPUPerResultUS float64 `json:"cpu_us_per_result"`
}

// recordReport is -mode record's output.
type recordReport struct {
	Machine machine       `json:"machine"`
	Payload int           `json:"payload_bytes"`
	Cases   []recordCase  `json:"cases"`
	Took    time.Duration `json:"took_ns"`
}

// recordBenchmark runs the recording on/off comparison at each latency.
func recordBenchmark(ctx context.Context, o options, log io.Writer) (*recordReport, error) {
	began := time.Now()
	rep := &recordReport{Machine: readMachine(), Payload: o.procPayload}
	cr, f, err := newProcFiles(ctx, "record", o.procPayload)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(f.dir)
	dir := f.dir
	for li, lat := range o.latencies {
		srv, err := startServer(serveConfig{Latency: lat, MaxStreams: o.maxStreams, ClientCAPEM: cr.ca.CertPEM(),
			KeyID: benchKeyID, TeamID: benchTeamID, TokenPubDER: cr.pubDER})
		if err != nil {
			return nil, err
		}
		c, err := func() (recordCase, error) {
			defer srv.close()
			f.ca = filepath.Join(dir, fmt.Sprintf("server-ca-%d.pem", li))
			if err := os.WriteFile(f.ca, srv.CAPEM, 0o600); err != nil {
				return recordCase{}, err
			}
			return recordRuns(ctx, o, f, srv, lat, log)
		}()
		if err != nil {
			return nil, err
		}
		rep.Cases = append(rep.Cases, c)
	}
	rep.Machine.LoadAvgEnd = loadAvg()
	rep.Took = time.Since(began)
	return rep, nil
}

// recordRuns runs one unmeasured pair, then o.runs paired rounds whose
// order alternates.
func recordRuns(ctx context.Context, o options, f *procFiles, srv *serverProc, lat time.Duration, log io.Writer) (recordCase, error) {
	c := recordCase{LatencyMS: ms(lat), Tokens: o.devices, Load: loadAvg()}
	run := func(on bool) (procSample, error) {
		s, err := runPushdeckRecording(ctx, f, srv, o.devices, on)
		if err != nil {
			return s, err
		}
		if s.Failed > 0 || s.OK != o.devices {
			return s, fmt.Errorf("%s: %d of %d failed (%s)", s.Client, s.Failed, o.devices, s.FirstError)
		}
		return s, nil
	}
	for _, on := range []bool{true, false} {
		if _, err := run(on); err != nil {
			return c, err
		}
	}
	var rate, cpu, rss, perResult []float64
	for r := range o.runs {
		var pair [2]procSample // on, off
		order := []int{0, 1}
		if r%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			s, err := run(i == 0)
			if err != nil {
				return c, err
			}
			pair[i] = s
			fmt.Fprintf(log, "%-5s %-13s run %d/%d: %7.0f/s wall %.2fs cpu %.2fs (%.2f per 10k) rss %.1f MB p99 %.1f ms\n",
				fmtLatency(lat), s.Client, r+1, o.runs, s.PerSecond, s.WallS, s.CPUS, s.CPUPer10k, s.PeakRSSMB, s.P99MS)
		}
		c.Runs = append(c.Runs, pair)
		rate = append(rate, pair[0].PerSecond/pair[1].PerSecond)
		cpu = append(cpu, pair[0].CPUS/pair[1].CPUS)
		rss = append(rss, pair[0].PeakRSSMB/pair[1].PeakRSSMB)
		perResult = append(perResult, (pair[0].CPUS-pair[1].CPUS)*1e6/float64(o.devices))
	}
	var ons, offs []procSample
	for _, p := range c.Runs {
		ons, offs = append(ons, p[0]), append(offs, p[1])
	}
	c.On, c.Off = medianProc(ons), medianProc(offs)
	c.Ratios = recordCaseRatios{Rate: medianF(rate), CPU: medianF(cpu), RSS: medianF(rss), CPUPerResultUS: medianF(perResult)}
	c.LoadEnd = loadAvg()
	return c, nil
}

// runPushdeckRecording runs `pushdeck send` once over n tokens with a
// fresh PUSHDECK_HOME, recording (on) or with --no-history, and checks
// what the store holds afterwards: every result (on) or none (off).
func runPushdeckRecording(ctx context.Context, f *procFiles, srv *serverProc, n int, on bool) (procSample, error) {
	client, extra := "pushdeck", []string(nil)
	if !on {
		client, extra = "pushdeck --no-history", []string{"--no-history"}
	}
	// The store must hold what the run says it did: a figure of a send
	// that lost its history (or recorded with --no-history) is no figure.
	check := func(cmd *exec.Cmd, s *procSample) error {
		count := exec.CommandContext(ctx, f.bin, "history", "--limit", "0", "--json")
		count.Env = cmd.Env
		raw, err := count.Output()
		if err != nil {
			return fmt.Errorf("pushdeck history after the %s run: %v", s.Client, err)
		}
		want := 0
		if on {
			want = n
		}
		if got := bytes.Count(raw, []byte("\n")); got != want {
			return fmt.Errorf("%s: history holds %d entries after the send, want %d", s.Client, got, want)
		}
		return nil
	}
	return runPushdeckBin(ctx, f, f.bin, client, srv, n, check, extra...)
}

// recordMarkdown is the recording report as Markdown.
func recordMarkdown(r *recordReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s, %s; load %s at the start, %s at the end. Payload %d B, cert auth, server in its own process, %d tokens, `pushdeck send` with default settings and a fresh PUSHDECK_HOME.\n\n",
		r.Machine.NumCPU, r.Machine.CPUModel, r.Machine.Kernel, r.Machine.GoVersion, r.Machine.LoadAvgStart, r.Machine.LoadAvgEnd, r.Payload, tokensOf(r))
	b.WriteString("| latency | recording | notif/s (whole process) | wall s | CPU s | CPU s / 10k | peak RSS MB | p50 ms | p99 ms |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, c := range r.Cases {
		for _, m := range []procSample{c.On, c.Off} {
			rec := "on"
			if strings.Contains(m.Client, "no-history") {
				rec = "off (--no-history)"
			}
			fmt.Fprintf(&b, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f |\n",
				fmtLatency(time.Duration(c.LatencyMS*float64(time.Millisecond))), rec, m.PerSecond, m.WallS, m.CPUS, m.CPUPer10k, m.PeakRSSMB, m.P50MS, m.P99MS)
		}
	}
	b.WriteString("\nPaired ratios, recording on ÷ off (median over rounds; rate 1 = recording costs no throughput, issue 14 wants at least 0.95):\n\n")
	for _, c := range r.Cases {
		fmt.Fprintf(&b, "- %s: rate %.3f, CPU %.3f, peak RSS %.3f; recording costs %.0f µs of CPU per result (%d rounds, load %s → %s)\n",
			fmtLatency(time.Duration(c.LatencyMS*float64(time.Millisecond))), c.Ratios.Rate, c.Ratios.CPU, c.Ratios.RSS, c.Ratios.CPUPerResultUS, len(c.Runs), c.Load, c.LoadEnd)
	}
	return b.String()
}

func tokensOf(r *recordReport) int {
	if len(r.Cases) == 0 {
		return 0
	}
	return r.Cases[0].Tokens
}

// writeRecord writes the report's JSON and Markdown next to the others.
func writeRecord(r *recordReport, o options) error {
	if o.out != "" {
		js, _ := json.MarshalIndent(r, "", "  ")
		if err := writeFile(strings.TrimSuffix(o.out, ".json")+"-record.json", js); err != nil {
			return err
		}
	}
	if o.md != "" {
		return writeFile(strings.TrimSuffix(o.md, ".md")+"-record.md", []byte(recordMarkdown(r)))
	}
	return nil
}
