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

// memVerdict is how a client's memory runs compare with the targets.
type memVerdict struct {
	Client       string  `json:"client"`
	SmallTokens  int     `json:"small_tokens"`
	LargeTokens  int     `json:"large_tokens"`
	RSSRatio     float64 `json:"rss_ratio"` // peak RSS at LargeTokens ÷ at SmallTokens
	MaxFirstPush float64 `json:"max_first_push_ms"`
	MaxFirstAt   int     `json:"max_first_push_tokens"`
}

// memVerdicts compares each client's largest and smallest -mem-tokens runs
// and takes the slowest first push of its runs (and of the to-first-push
// runs, for pushdeck).
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
	fmt.Fprintf(&b, "\nPeak RSS and time to first push by token count (whole process, 0 ms, defaults, fresh PUSHDECK_HOME; load %s):\n\n", r.MemLoad)
	b.WriteString("| tokens | client | peak RSS MB | RSS ÷ smallest | first push ms | notif/s | CPU s |\n| --- | --- | --- | --- | --- | --- | --- |\n")
	base := map[string]float64{}
	smallest := map[string]int{}
	for _, m := range r.Memory {
		if t, ok := smallest[m.Client]; !ok || m.Tokens < t {
			smallest[m.Client], base[m.Client] = m.Tokens, m.PeakRSSMB
		}
	}
	for _, m := range r.Memory {
		fmt.Fprintf(&b, "| %d | %s | %.1f | %.2f | %.0f | %.0f | %.2f |\n", m.Tokens, m.Client, m.PeakRSSMB, m.PeakRSSMB/base[m.Client], m.FirstPushMS, m.PerSecond, m.CPUS)
	}
	for _, m := range r.FirstPush {
		fmt.Fprintf(&b, "| %d | %s | %.1f | - | %.0f | - | - |\n", m.Tokens, m.Client, m.PeakRSSMB, m.FirstPushMS)
	}
	b.WriteString("\n")
	for _, v := range memVerdicts(r) {
		fmt.Fprintf(&b, "- %s: peak RSS at %d ÷ at %d tokens %.2f (target ≤ %.1f: %s); slowest first push %.0f ms, at %d tokens (target ≤ %d ms: %s)\n",
			v.Client, v.LargeTokens, v.SmallTokens, v.RSSRatio, rssRatioTarget, passFail(v.RSSRatio <= rssRatioTarget),
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
