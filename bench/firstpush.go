package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// Targets of issue 15's streaming plan, whole process, defaults, 0 ms.
const (
	// firstPushTargetMS: the first push leaves within this many
	// milliseconds of exec, for any token count.
	firstPushTargetMS = 50
	// rssRatioTarget: peak RSS of the largest -mem-tokens send at most
	// this times that of the smallest.
	rssRatioTarget = 1.3
)

// runFirstPushProc starts `pushdeck send` over n tokens as
// runPushdeckProc does, waits for the server's first accepted push, then
// interrupts it (Ctrl+C): time to first push, and peak RSS up to then, for
// a token count too big to send whole in a benchmark run (1,000,000).
func runFirstPushProc(ctx context.Context, f *procFiles, srv *serverProc, n int) (procSample, error) {
	s := procSample{Client: "pushdeck (to first push)", Tokens: n}
	tf, err := f.tokensFile(n)
	if err != nil {
		return s, err
	}
	cmd, done, err := f.sendCmd(ctx, f.bin, srv, tf)
	if err != nil {
		return s, err
	}
	defer done()
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := srv.mark(); err != nil {
		return s, err
	}
	var first int64
	var statsErr error
	u, werr := measureProc(cmd, func() error {
		for deadline := time.Now().Add(30 * time.Second); first == 0 && time.Now().Before(deadline); {
			st, err := srv.stats()
			if err != nil {
				statsErr = err
				_ = cmd.Process.Kill()
				return nil
			}
			first = st.FirstPushUnixNano
			if first == 0 {
				time.Sleep(2 * time.Millisecond)
			}
		}
		_ = cmd.Process.Signal(os.Interrupt)
		return nil
	})
	if statsErr != nil {
		return s, statsErr
	}
	s.PeakRSSMB, s.WallS = u.peakMB(), u.wall.Seconds()
	if first == 0 {
		return s, fmt.Errorf("pushdeck send over %d tokens: no push within 30 s (%v)\n%s", n, werr, lastLines(stderr.String(), 5))
	}
	// Interrupted, it exits 1 (cancelled devices); anything else is a
	// failure to report.
	var exit *exec.ExitError
	if werr != nil && !(errors.As(werr, &exit) && exit.ExitCode() == 1) {
		return s, fmt.Errorf("pushdeck send over %d tokens: %v\n%s", n, werr, lastLines(stderr.String(), 5))
	}
	s.FirstPushMS = float64(first-u.start.UnixNano()) / 1e6
	return s, nil
}

// memSpread is every run of one client at one -mem-tokens count.
type memSpread struct {
	Client    string    `json:"client"`
	Tokens    int       `json:"tokens"`
	PeakRSSMB []float64 `json:"peak_rss_mb"` // in the order run
	MedianMB  float64   `json:"median_mb"`
	MinMB     float64   `json:"min_mb"`
	MaxMB     float64   `json:"max_mb"`
}

// memRuns runs every -mem-tokens count -runs times for each client
// (pushdeck, and the apns2 driver unless -clients leaves library out),
// in rounds: each round runs every count once, smallest first in even
// rounds and largest first in odd ones, so that a noisy stretch of the
// machine lands on both ends. Peak RSS of one run moves by a fifth from
// run to run (the Go heap's size at the moment GC runs, the in-flight
// window): rep.Memory gets each count's median run (medianProc), and
// rep.MemSpread every run.
func memRuns(ctx context.Context, o options, f *procFiles, srv *serverProc, rep *procReport, log io.Writer) error {
	type client struct {
		name string
		run  func(context.Context, *procFiles, *serverProc, int) (procSample, error)
	}
	clients := []client{{"pushdeck", runPushdeckProc}}
	if slices.Contains(o.clients, "library") {
		clients = append(clients, client{"apns2", runAPNs2Proc})
	}
	type key struct {
		client string
		tokens int
	}
	runs := map[key][]procSample{}
	rep.MemLoad = loadAvg()
	for r := range o.runs {
		counts := slices.Clone(o.memTokens)
		if r%2 == 1 {
			slices.Reverse(counts)
		}
		for _, n := range counts {
			for _, c := range clients {
				s, err := c.run(ctx, f, srv, n)
				if err != nil {
					return err
				}
				if s.Failed > 0 || s.OK != n {
					return fmt.Errorf("memory run of %s over %d tokens: %d failed, %d sent (%s)", c.name, n, s.Failed, s.OK, s.FirstError)
				}
				fmt.Fprintf(log, "memory %-8s %7d tokens run %d/%d: peak RSS %.1f MB, first push %.0f ms, %.0f/s, window up to %d\n",
					s.Client, n, r+1, o.runs, s.PeakRSSMB, s.FirstPushMS, s.PerSecond, s.WindowMax)
				k := key{c.name, n}
				runs[k] = append(runs[k], s)
			}
		}
	}
	rep.MemLoadEnd = loadAvg()
	for _, n := range o.memTokens {
		for _, c := range clients {
			rs := runs[key{c.name, n}]
			m := medianProc(rs)
			rep.Memory = append(rep.Memory, m)
			sp := memSpread{Client: c.name, Tokens: n, MedianMB: m.PeakRSSMB, MinMB: rs[0].PeakRSSMB, MaxMB: rs[0].PeakRSSMB}
			for _, s := range rs {
				sp.PeakRSSMB = append(sp.PeakRSSMB, s.PeakRSSMB)
				sp.MinMB, sp.MaxMB = min(sp.MinMB, s.PeakRSSMB), max(sp.MaxMB, s.PeakRSSMB)
			}
			rep.MemSpread = append(rep.MemSpread, sp)
		}
	}
	return nil
}

// memVerdict is how a client's memory runs compare with the targets.
type memVerdict struct {
	Client      string `json:"client"`
	SmallTokens int    `json:"small_tokens"`
	LargeTokens int    `json:"large_tokens"`
	// RSSRatio is the median peak RSS at LargeTokens ÷ the median at
	// SmallTokens; the verdict is on it. RSSRatioMin and RSSRatioMax are
	// the extremes the runs allow (the smallest large run ÷ the largest
	// small one, and the other way round).
	RSSRatio     float64 `json:"rss_ratio"`
	RSSRatioMin  float64 `json:"rss_ratio_min,omitempty"`
	RSSRatioMax  float64 `json:"rss_ratio_max,omitempty"`
	Runs         int     `json:"runs"`
	MaxFirstPush float64 `json:"max_first_push_ms"`
	MaxFirstAt   int     `json:"max_first_push_tokens"`
}

// memVerdicts compares each client's largest and smallest -mem-tokens
// counts (their medians) and takes the slowest first push of its runs (and
// of the to-first-push runs, for pushdeck).
func memVerdicts(r *procReport) []memVerdict {
	var out []memVerdict
	for _, client := range []string{"pushdeck", "apns2"} {
		var runs []procSample
		for _, m := range r.Memory {
			if m.Client == client {
				runs = append(runs, m)
			}
		}
		if len(runs) < 2 {
			continue
		}
		slices.SortFunc(runs, func(a, b procSample) int { return a.Tokens - b.Tokens })
		small, large := runs[0], runs[len(runs)-1]
		v := memVerdict{Client: client, SmallTokens: small.Tokens, LargeTokens: large.Tokens, RSSRatio: large.PeakRSSMB / small.PeakRSSMB}
		var sSmall, sLarge *memSpread
		for i, sp := range r.MemSpread {
			switch {
			case sp.Client != client:
			case sp.Tokens == small.Tokens:
				sSmall = &r.MemSpread[i]
			case sp.Tokens == large.Tokens:
				sLarge = &r.MemSpread[i]
			}
		}
		if sSmall != nil && sLarge != nil {
			v.Runs = min(len(sSmall.PeakRSSMB), len(sLarge.PeakRSSMB))
			v.RSSRatioMin, v.RSSRatioMax = sLarge.MinMB/sSmall.MaxMB, sLarge.MaxMB/sSmall.MinMB
		}
		if client == "pushdeck" {
			runs = append(runs, r.FirstPush...)
		}
		for _, m := range runs {
			if m.FirstPushMS > v.MaxFirstPush {
				v.MaxFirstPush, v.MaxFirstAt = m.FirstPushMS, m.Tokens
			}
		}
		out = append(out, v)
	}
	return out
}

// memMarkdown is the memory and first-push part of the report.
func memMarkdown(r *procReport) string {
	if len(r.Memory) == 0 && len(r.FirstPush) == 0 {
		return ""
	}
	var b strings.Builder
	runs := 1
	for _, sp := range r.MemSpread {
		runs = max(runs, len(sp.PeakRSSMB))
	}
	fmt.Fprintf(&b, "\nPeak RSS and time to first push by token count (whole process, 0 ms, defaults, fresh PUSHDECK_HOME; median of %d run(s) per count, counts alternating; load %s at the start, %s at the end):\n\n", runs, r.MemLoad, r.MemLoadEnd)
	b.WriteString("| tokens | client | peak RSS MB (median) | range MB | RSS ÷ smallest | first push ms | notif/s | CPU s |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	base := map[string]float64{}
	smallest := map[string]int{}
	for _, m := range r.Memory {
		if t, ok := smallest[m.Client]; !ok || m.Tokens < t {
			smallest[m.Client], base[m.Client] = m.Tokens, m.PeakRSSMB
		}
	}
	spread := func(m procSample) string {
		for _, sp := range r.MemSpread {
			if sp.Client == m.Client && sp.Tokens == m.Tokens {
				return fmt.Sprintf("%.1f–%.1f", sp.MinMB, sp.MaxMB)
			}
		}
		return "-"
	}
	for _, m := range r.Memory {
		fmt.Fprintf(&b, "| %d | %s | %.1f | %s | %.2f | %.0f | %.0f | %.2f |\n", m.Tokens, m.Client, m.PeakRSSMB, spread(m), m.PeakRSSMB/base[m.Client], m.FirstPushMS, m.PerSecond, m.CPUS)
	}
	for _, m := range r.FirstPush {
		fmt.Fprintf(&b, "| %d | %s | %.1f | - | - | %.0f | - | - |\n", m.Tokens, m.Client, m.PeakRSSMB, m.FirstPushMS)
	}
	b.WriteString("\n")
	for _, v := range memVerdicts(r) {
		fmt.Fprintf(&b, "- %s: median peak RSS at %d ÷ at %d tokens %.2f (target ≤ %.1f: %s", v.Client, v.LargeTokens, v.SmallTokens, v.RSSRatio, rssRatioTarget, passFail(v.RSSRatio <= rssRatioTarget))
		if v.Runs > 1 {
			fmt.Fprintf(&b, "; %d runs each, any run against any: %.2f to %.2f", v.Runs, v.RSSRatioMin, v.RSSRatioMax)
		}
		fmt.Fprintf(&b, "); slowest first push %.0f ms, at %d tokens (target ≤ %d ms: %s)\n",
			v.MaxFirstPush, v.MaxFirstAt, firstPushTargetMS, passFail(v.MaxFirstPush <= firstPushTargetMS))
	}
	return b.String()
}

func passFail(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

// writeTokens writes makeTokens(n) to path, a token per line, without
// holding the file in memory (a million tokens is 65 MB).
func writeTokens(path string, n int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	for i := 0; i < n; i += 10000 {
		for _, t := range makeTokensFrom(i, min(10000, n-i)) {
			// A write error stays in w and comes back from Flush.
			_, _ = w.WriteString(t)
			_ = w.WriteByte('\n')
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
