package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// row is one line of the results table.
type row struct {
	latency, payload, auth, client string
	s                              sample
	conns                          int64
	spread                         float64
	vsLib, cpuVsLib, ofCeiling     string
}

func ceilingFor(r *report, latencyMS float64, payload int) float64 {
	for _, c := range r.Ceiling {
		if c.LatencyMS == latencyMS && c.PayloadBytes == payload {
			return c.Client.Median.PerSecond
		}
	}
	return 0
}

func rows(r *report) []row {
	var out []row
	pct := func(a, b float64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.0f%%", 100*a/b)
	}
	for _, c := range r.Cases {
		ceil := ceilingFor(r, c.LatencyMS, c.PayloadBytes)
		for _, cl := range c.Clients {
			x := row{
				latency: fmt.Sprintf("%gms", c.LatencyMS), payload: fmt.Sprintf("%dB", c.PayloadBytes), auth: c.Auth,
				client: cl.Client, s: cl.Median, conns: cl.TotalConnections, spread: cl.Spread,
				vsLib: "-", cpuVsLib: "-", ofCeiling: pct(cl.Median.PerSecond, ceil),
			}
			if cl.Client == "pushdeck" && c.Ratio > 0 {
				x.vsLib = fmt.Sprintf("%.2f %s", c.Ratio, verdict(c.Ratio >= 1-c.Tolerance))
				x.cpuVsLib = fmt.Sprintf("%.2f", c.CPURatio)
			}
			out = append(out, x)
		}
	}
	for _, c := range r.Ceiling {
		out = append(out, row{
			latency: fmt.Sprintf("%gms", c.LatencyMS), payload: fmt.Sprintf("%dB", c.PayloadBytes), auth: "token",
			// A new h2load process per run: its connections per run.
			client: fmt.Sprintf("h2load -m%d", c.Streams), s: c.Client.Median, conns: c.Client.Median.Connections,
			spread: c.Client.Spread, vsLib: "-", cpuVsLib: "-", ofCeiling: "100%",
		})
	}
	return out
}

var header = []string{"latency", "payload", "auth", "client", "notif/s", "spread", "p50 ms", "p99 ms",
	"client CPU s", "server CPU s", "peak heap MB", "peak RSS MB", "conns", "pushdeck/library", "CPU pushdeck/library", "of ceiling"}

func (x row) cells() []string {
	return []string{x.latency, x.payload, x.auth, x.client,
		fmt.Sprintf("%.0f", x.s.PerSecond), fmt.Sprintf("%.0f%%", 100*x.spread),
		fmt.Sprintf("%.2f", x.s.P50MS), fmt.Sprintf("%.2f", x.s.P99MS),
		fmt.Sprintf("%.2f", x.s.CPU), fmt.Sprintf("%.2f", x.s.ServerCPU),
		heapCell(x), fmt.Sprintf("%.1f", x.s.HWMMB),
		fmt.Sprintf("%d", x.conns), x.vsLib, x.cpuVsLib, x.ofCeiling}
}

func heapCell(x row) string {
	if strings.HasPrefix(x.client, "h2load") {
		return "-" // not a Go process
	}
	return fmt.Sprintf("%.1f", x.s.PeakHeapMB)
}

func printTable(w io.Writer, r *report) {
	fmt.Fprintf(w, "\nsend throughput: %d devices, %d in flight, pushdeck on %d connection(s), server max %d streams, median of %d runs\n",
		r.Settings.Devices, r.Settings.Concurrency, r.Settings.Connections, r.Settings.MaxStreams, r.Settings.Runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
	for _, x := range rows(r) {
		fmt.Fprintln(tw, strings.Join(x.cells(), "\t")+"\t")
	}
	tw.Flush()
	printExtras(w, r, false)
}

// printExtras prints memory, start-up, targets and notes (Markdown or text).
func printExtras(w io.Writer, r *report, md bool) {
	bullet := ""
	if md {
		bullet = "- "
	}
	if m := r.Memory; m != nil {
		fmt.Fprintf(w, "\n%smemory (pushdeck, %gms, %dB, %s): %d devices peak heap %.2f MB, live growth %.3f MB; %d devices peak heap %.2f MB, live growth %.3f MB\n",
			bullet, m.LatencyMS, m.PayloadBytes, m.Auth,
			m.Small.Median.Devices, m.Small.Median.PeakHeapMB, m.Small.Median.LiveGrowthMB,
			m.Large.Median.Devices, m.Large.Median.PeakHeapMB, m.Large.Median.LiveGrowthMB)
	}
	if s := r.Startup; s != nil {
		fmt.Fprintf(w, "%sstart-up of `pushdeck demo` to first frame (%s, %dx%d, median of %d): %.1f ms (min %.1f, max %.1f); first output of any kind at %.1f ms\n",
			bullet, s.Method, s.Cols, s.Rows, len(s.RunsMS), s.MedianMS, s.MinMS, s.MaxMS, s.FirstOutputMS)
	}
	fmt.Fprintln(w)
	for _, t := range r.Targets {
		fmt.Fprintf(w, "%s%s  %s: %s\n", bullet, verdict(t.Pass), t.Name, t.Detail)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "%snote: %s\n", bullet, n)
	}
}

// markdown is the table pasted into BENCHMARKS.md, with the machine.
func markdown(r *report) string {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "Machine: %d CPUs, %s, %s, Linux %s; started %s, load average %s at start, %s at end.\n\n",
		m.NumCPU, m.CPUModel, m.GoVersion, m.Kernel, m.Started, m.LoadAvgStart, m.LoadAvgEnd)
	fmt.Fprintf(&b, "%d devices, %d in flight, pushdeck on %d connection(s), server max %d streams, median of %d runs after a %d-notification warm-up.\n\n",
		r.Settings.Devices, r.Settings.Concurrency, r.Settings.Connections, r.Settings.MaxStreams, r.Settings.Runs, r.Settings.Warmup)
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, x := range rows(r) {
		b.WriteString("| " + strings.Join(x.cells(), " | ") + " |\n")
	}
	printExtras(&b, r, true)
	return b.String()
}

func writeOutputs(r *report, o options) error {
	if o.out != "" {
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		if err := writeFile(o.out, append(b, '\n')); err != nil {
			return err
		}
	}
	if o.md != "" {
		return writeFile(o.md, []byte(markdown(r)))
	}
	return nil
}

func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the results folder: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write results: %w", err)
	}
	return nil
}
