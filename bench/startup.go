package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// startupResult is the start-up of `pushdeck demo` to its first frame.
type startupResult struct {
	Method   string    `json:"method"`
	Cols     int       `json:"cols"`
	Rows     int       `json:"rows"`
	RunsMS   []float64 `json:"runs_ms"`
	MedianMS float64   `json:"median_ms"`
	MinMS    float64   `json:"min_ms"`
	MaxMS    float64   `json:"max_ms"`
	// FirstOutputMS is the median time to the first byte of output of any
	// kind (Bubble Tea's terminal set-up comes before the first frame):
	// what comes before it is the program's own start-up work.
	FirstOutputMS float64 `json:"first_output_median_ms"`
	// FirstText is what the first frame showed (visible text only), so a
	// reader can see that it was the console and not an error message.
	FirstText string `json:"first_text"`
}

const (
	startupCols, startupRows = 100, 30
	// firstFrameChars is how many visible characters make a frame: more
	// than a stray character, fewer than any screen of the console.
	firstFrameChars = 20
	startupTimeout  = 20 * time.Second
)

const startupMethod = "built binary in a pseudo-terminal: from exec to the first read holding 20 visible characters"

// startupBench builds the pushdeck binary and times `pushdeck demo` in a
// pseudo-terminal from process start to its first frame. The first start
// is not counted (it fills the page cache), then the median of the rest.
func startupBench(ctx context.Context, o options, dir string, log io.Writer) (*startupResult, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "pushdeck")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build of pushdeck failed: %v\n%s", err, lastLines(string(out), 10))
	}
	res := &startupResult{Method: startupMethod, Cols: startupCols, Rows: startupRows}
	var firstOut []float64
	for i := range o.startupRuns + 1 {
		home, err := os.MkdirTemp(dir, "home-")
		if err != nil {
			return nil, err
		}
		d, out, text, err := firstFrame(bin, home)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			continue
		}
		res.RunsMS = append(res.RunsMS, ms(d))
		firstOut = append(firstOut, ms(out))
		res.FirstText = text
		fmt.Fprintf(log, "start-up run %d/%d: %.1f ms to first frame (first output at %.1f ms)\n", i, o.startupRuns, ms(d), ms(out))
	}
	res.MedianMS = median(res.RunsMS)
	res.FirstOutputMS = median(firstOut)
	res.MinMS, res.MaxMS = slices.Min(res.RunsMS), slices.Max(res.RunsMS)
	return res, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the pushdeck module: run from the repository (go run ./bench)")
	}
	return filepath.Dir(mod), nil
}

// firstFrame starts `bin demo` on a fresh pty and returns the time until the
// screen first shows firstFrameChars visible characters (and until its first
// output of any kind), then quits it.
func firstFrame(bin, home string) (frame, firstOut time.Duration, text string, err error) {
	master, slave, err := openPTY(startupCols, startupRows)
	if err != nil {
		return 0, 0, "", err
	}
	defer master.Close()
	cmd := exec.Command(bin, "demo")
	cmd.Env = append(os.Environ(), "TERM=xterm-256color", "COLORTERM=truecolor", "PUSHDECK_HOME="+home)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = ttyAttr()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		slave.Close()
		return 0, 0, "", fmt.Errorf("starting pushdeck demo: %w", err)
	}
	slave.Close()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		// Quit as a user would (ctrl+c), then make sure.
		_, _ = master.Write([]byte{3})
		select {
		case err := <-exited:
			_ = err // it was told to quit: how it ended does not matter
		case <-time.After(3 * time.Second):
			_ = cmd.Process.Kill()
			<-exited //nolint:errcheck // killed: its error is expected
		}
	}()

	type chunk struct {
		at  time.Time
		b   []byte
		err error
	}
	chunks := make(chan chunk, 64)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := master.Read(buf)
			chunks <- chunk{time.Now(), append([]byte(nil), buf[:n]...), err}
			if err != nil {
				return
			}
		}
	}()
	var ts termScanner
	deadline := time.After(startupTimeout)
	for {
		select {
		case c := <-chunks:
			if firstOut == 0 && len(c.b) > 0 {
				firstOut = c.at.Sub(start)
			}
			if r := ts.feed(c.b); len(r) > 0 {
				_, _ = master.Write(r)
			}
			if ts.visible >= firstFrameChars {
				text := strings.Join(strings.Fields(ts.text.String()), " ")
				if r := []rune(text); len(r) > 160 {
					text = string(r[:160]) + "…"
				}
				// An error message is visible text too: a console that
				// is up is still running a moment later.
				select {
				case err := <-exited:
					exited <- err
					return 0, 0, "", fmt.Errorf("pushdeck demo exited (%v) instead of showing the console; it printed: %q", err, text)
				case <-time.After(300 * time.Millisecond):
				}
				return c.at.Sub(start), firstOut, text, nil
			}
			if c.err != nil {
				return 0, 0, "", fmt.Errorf("pushdeck demo ended before showing a frame; it printed: %q", ts.text.String())
			}
		case <-deadline:
			return 0, 0, "", fmt.Errorf("pushdeck demo showed no frame within %s; it printed: %q", startupTimeout, ts.text.String())
		}
	}
}
