package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sideshow/apns2"
	"golang.org/x/net/http2"
)

// The whole-process benchmark runs each client as its own process, the
// way a user runs it, and measures that process from exec to exit:
//
//   - pushdeck: the built binary, `pushdeck send --tokens-file F --payload P
//     --json` with every engine setting at its default (1 connection, the
//     in-flight window at the server's stream limit), a fresh PUSHDECK_HOME
//     (so it records history as a user's send does);
//   - apns2: this executable re-run as a driver of github.com/sideshow/apns2
//     (its default client) with 100 goroutines, reading the same token file;
//   - h2load: the server's ceiling with the same number of streams as
//     pushdeck's window, a pre-signed token and no client work.
//
// CPU seconds and peak RSS come from the kernel's accounting of the child
// (wait4's rusage); time to first push is from exec to the server's first
// accepted push; the rate is tokens / wall time of the whole process.

// apns2Env, set to "1", makes this executable run the apns2 driver.
const apns2Env = "PUSHDECK_BENCH_APNS2"

// apns2Goroutines is how many goroutines the apns2 driver pushes from (the
// issue's peer: "the apns2 library with 100 goroutines").
const apns2Goroutines = 100

// apns2Config is what the parent sends the driver process on its stdin.
type apns2Config struct {
	URL        string `json:"url"`
	CAFile     string `json:"ca_file"`
	CertFile   string `json:"cert_file"`
	TokensFile string `json:"tokens_file"`
	Payload    string `json:"payload_file"`
	Topic      string `json:"topic"`
	Goroutines int    `json:"goroutines"`
}

// apns2Report is the driver's one line of output.
type apns2Report struct {
	OK, Failed int
	FirstError string
	P50MS      float64
	P99MS      float64
}

// apns2Main runs in the driver process.
func apns2Main(in io.Reader, out io.Writer) int {
	var cfg apns2Config
	if err := json.NewDecoder(in).Decode(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "apns2 driver: %v\n", err)
		return 2
	}
	rep, err := runAPNs2(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "apns2 driver: %v\n", err)
		return 1
	}
	_ = json.NewEncoder(out).Encode(rep)
	return 0
}

func runAPNs2(cfg apns2Config) (apns2Report, error) {
	var rep apns2Report
	certPEM, err := os.ReadFile(cfg.CertFile)
	if err != nil {
		return rep, err
	}
	cert, err := tls.X509KeyPair(certPEM, certPEM)
	if err != nil {
		return rep, err
	}
	caPEM, err := os.ReadFile(cfg.CAFile)
	if err != nil {
		return rep, err
	}
	body, err := os.ReadFile(cfg.Payload)
	if err != nil {
		return rep, err
	}
	raw, err := os.ReadFile(cfg.TokensFile)
	if err != nil {
		return rep, err
	}
	tokens := strings.Fields(string(raw))
	c := apns2.NewClient(cert)
	c.Host = cfg.URL
	tr, ok := c.HTTPClient.Transport.(*http2.Transport)
	if !ok {
		return rep, errors.New("apns2's client no longer uses an *http2.Transport")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return rep, errors.New("the CA file holds no certificate")
	}
	tr.TLSClientConfig.RootCAs = pool
	lat := make([]time.Duration, len(tokens))
	var next, ok2, failed atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for range min(cfg.Goroutines, len(tokens)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(tokens) {
					return
				}
				n := &apns2.Notification{DeviceToken: tokens[i], Topic: cfg.Topic, Payload: body, PushType: apns2.PushTypeAlert}
				start := time.Now()
				res, err := c.PushWithContext(context.Background(), n)
				lat[i] = time.Since(start)
				if err == nil && res.StatusCode == 200 {
					ok2.Add(1)
					continue
				}
				failed.Add(1)
				once.Do(func() {
					if err != nil {
						rep.FirstError = err.Error()
					} else {
						rep.FirstError = fmt.Sprintf("%d %s", res.StatusCode, res.Reason)
					}
				})
			}
		}()
	}
	wg.Wait()
	rep.OK, rep.Failed = int(ok2.Load()), int(failed.Load())
	rep.P50MS, rep.P99MS = percentiles(lat)
	return rep, nil
}

// procSample is one run of one client process.
type procSample struct {
	Client       string  `json:"client"`
	Tokens       int     `json:"tokens"`
	OK           int     `json:"ok"`
	Failed       int     `json:"failed"`
	FirstError   string  `json:"first_error,omitempty"`
	WallS        float64 `json:"wall_s"`
	PerSecond    float64 `json:"per_second"` // tokens / wall time of the whole process
	CPUS         float64 `json:"cpu_s"`      // user + system of the process
	CPUPer10k    float64 `json:"cpu_s_per_10k"`
	PeakRSSMB    float64 `json:"peak_rss_mb"`
	FirstPushMS  float64 `json:"first_push_ms"` // exec to the server's first accepted push
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
	ServerCPUS   float64 `json:"server_cpu_s"`
	Connections  int64   `json:"connections"` // accepted by the server during the run
	WindowMax    int     `json:"window_max,omitempty"`
	ServerStream int     `json:"streams,omitempty"` // h2load's -m
}

// newProcFiles makes the benchmark's credentials and a temporary folder
// holding the built pushdeck, the client certificate and the payload (the
// caller removes f.dir).
func newProcFiles(ctx context.Context, name string, payloadBytes int) (*creds, *procFiles, error) {
	cr, err := newCreds()
	if err != nil {
		return nil, nil, err
	}
	dir, err := os.MkdirTemp("", "pushdeck-bench-"+name+"-")
	if err != nil {
		return nil, nil, err
	}
	f := &procFiles{dir: dir, tokens: map[int]string{}}
	fail := func(err error) (*creds, *procFiles, error) { os.RemoveAll(dir); return nil, nil, err }
	if f.bin, err = buildPushdeck(ctx, dir); err != nil {
		return fail(err)
	}
	f.cert, f.payload = filepath.Join(dir, "bench.pem"), filepath.Join(dir, "payload.json")
	if err := os.WriteFile(f.cert, cr.certPEM, 0o600); err != nil {
		return fail(err)
	}
	if err := os.WriteFile(f.payload, makePayload(payloadBytes), 0o600); err != nil {
		return fail(err)
	}
	return cr, f, nil
}

// sendCmd is `pushdeck send` of bin over the tokens file tf to srv, with
// extra flags, in a fresh config folder under f.dir (remove it with the
// returned func).
func (f *procFiles) sendCmd(ctx context.Context, bin string, srv *serverProc, tf string, extra ...string) (*exec.Cmd, func(), error) {
	home, err := os.MkdirTemp(f.dir, "home-")
	if err != nil {
		return nil, nil, err
	}
	args := append([]string{"send", "--cert", f.cert, "--env", "development",
		"--host", srv.URL, "--server-ca", f.ca, "--tokens-file", tf, "--payload", f.payload, "--json"}, extra...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "PUSHDECK_HOME="+home, "NO_COLOR=1")
	return cmd, func() { os.RemoveAll(home) }, nil
}

// procFiles are the inputs every client process reads.
type procFiles struct {
	dir, bin, cert, ca, payload string
	tokens                      map[int]string // count -> file
}

func (f *procFiles) tokensFile(n int) (string, error) {
	if p, ok := f.tokens[n]; ok {
		return p, nil
	}
	p := filepath.Join(f.dir, fmt.Sprintf("tokens-%d.txt", n))
	if err := writeTokens(p, n); err != nil {
		return "", err
	}
	f.tokens[n] = p
	return p, nil
}

// runPushdeckProc runs `pushdeck send` once over n tokens.
func runPushdeckProc(ctx context.Context, f *procFiles, srv *serverProc, n int) (procSample, error) {
	return runPushdeckBin(ctx, f, f.bin, "pushdeck", srv, n, nil)
}

// runPushdeckBin runs `pushdeck send` of the binary bin, reported as
// client, with extra flags; after, if set, runs once the send has ended,
// with the send's command (its environment names the config folder),
// before that folder is removed.
func runPushdeckBin(ctx context.Context, f *procFiles, bin, client string, srv *serverProc, n int, after func(*exec.Cmd, *procSample) error, extra ...string) (procSample, error) {
	s := procSample{Client: client, Tokens: n}
	tf, err := f.tokensFile(n)
	if err != nil {
		return s, err
	}
	cmd, done, err := f.sendCmd(ctx, bin, srv, tf, extra...)
	if err != nil {
		return s, err
	}
	defer done()
	// The output goes to a file, read once the send has ended: parsing
	// it live would take CPU from the send (or the server) while it runs.
	outPath := filepath.Join(f.dir, "send-output.jsonl")
	outFile, err := os.Create(outPath)
	if err != nil {
		return s, err
	}
	defer os.Remove(outPath)
	defer outFile.Close()
	cmd.Stdout = outFile
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := runChild(srv, cmd, &s, nil); err != nil {
		return s, fmt.Errorf("pushdeck send: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	if _, err := outFile.Seek(0, io.SeekStart); err != nil {
		return s, err
	}
	lat := make([]time.Duration, 0, n)
	sc := bufio.NewScanner(outFile)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Status    int     `json:"status"`
			LatencyMS float64 `json:"latency_ms"`
			Error     string  `json:"error"`
			Reason    string  `json:"reason"`
			Summary   *struct {
				Window    int `json:"window"`
				WindowMax int `json:"window_max"`
			} `json:"summary"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if line.Summary != nil {
			s.WindowMax = max(s.WindowMax, line.Summary.Window, line.Summary.WindowMax)
			continue
		}
		lat = append(lat, time.Duration(line.LatencyMS*float64(time.Millisecond)))
		if line.Status == 200 {
			s.OK++
			continue
		}
		s.Failed++
		if s.FirstError == "" {
			s.FirstError = fmt.Sprintf("%d %s %s", line.Status, line.Reason, line.Error)
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("reading pushdeck send's output: %v", err)
	}
	s.P50MS, s.P99MS = percentiles(lat)
	if after != nil {
		if err := after(cmd, &s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// runAPNs2Proc runs the apns2 driver process once over n tokens.
func runAPNs2Proc(ctx context.Context, f *procFiles, srv *serverProc, n int) (procSample, error) {
	s := procSample{Client: "apns2", Tokens: n}
	tf, err := f.tokensFile(n)
	if err != nil {
		return s, err
	}
	exe, err := os.Executable()
	if err != nil {
		return s, err
	}
	cfg, _ := json.Marshal(apns2Config{URL: srv.URL, CAFile: f.ca, CertFile: f.cert, TokensFile: tf,
		Payload: f.payload, Topic: benchTopic, Goroutines: apns2Goroutines})
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), apns2Env+"=1")
	cmd.Stdin = strings.NewReader(string(cfg) + "\n")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := runChild(srv, cmd, &s, nil); err != nil {
		return s, fmt.Errorf("apns2 driver: %v\n%s", err, lastLines(stderr.String(), 5))
	}
	var rep apns2Report
	if err := json.Unmarshal([]byte(stdout.String()), &rep); err != nil {
		return s, fmt.Errorf("apns2 driver printed %q: %v", lastLines(stdout.String(), 2), err)
	}
	s.OK, s.Failed, s.FirstError, s.P50MS, s.P99MS = rep.OK, rep.Failed, rep.FirstError, rep.P50MS, rep.P99MS
	return s, nil
}

// procUsage is what a child process cost, from exec to exit.
type procUsage struct {
	start  time.Time
	wall   time.Duration
	cpuS   float64 // user + system
	peakKB int64   // VmHWM
}

func (u procUsage) peakMB() float64 { return float64(u.peakKB) / 1024 }

// measureProc starts cmd, runs read (its output) if any, waits for it and
// measures it: wall time, CPU and peak RSS. The usage is filled in even when
// read or the wait fails (read's error first).
func measureProc(cmd *exec.Cmd, read func() error) (procUsage, error) {
	u := procUsage{start: time.Now()}
	if err := startCmd(cmd, false); err != nil {
		return u, err
	}
	hwm := watchHWM(cmd.Process.Pid)
	var rerr error
	if read != nil {
		rerr = read()
	}
	werr := cmd.Wait()
	u.wall, u.peakKB = time.Since(u.start), hwm()
	if ps := cmd.ProcessState; ps != nil {
		u.cpuS = (ps.UserTime() + ps.SystemTime()).Seconds()
	}
	if rerr != nil {
		return u, rerr
	}
	return u, werr
}

// runChild starts cmd, runs read (its output) if any, waits, and fills the
// process figures of s.
func runChild(srv *serverProc, cmd *exec.Cmd, s *procSample, read func() error) error {
	if err := srv.mark(); err != nil {
		return err
	}
	st0, err := srv.stats()
	if err != nil {
		return err
	}
	u, runErr := measureProc(cmd, read)
	st1, err := srv.stats()
	if err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	s.WallS = u.wall.Seconds()
	s.PerSecond = float64(s.Tokens) / s.WallS
	s.CPUS = u.cpuS
	s.CPUPer10k = s.CPUS * 10000 / float64(s.Tokens)
	s.PeakRSSMB = u.peakMB()
	if st1.FirstPushUnixNano > 0 {
		s.FirstPushMS = float64(st1.FirstPushUnixNano-u.start.UnixNano()) / 1e6
	}
	s.ServerCPUS = st1.CPU - st0.CPU
	s.Connections = st1.Counters.Connections - st0.Counters.Connections
	return nil
}

// watchHWM samples a child's VmHWM (the kernel's high-water mark of its
// resident memory) every 5 ms until the returned func is called, which
// gives the last value read. wait4's ru_maxrss cannot be used: Go starts a
// child with vfork semantics, and Linux folds the parent's own high-water
// mark into the child's at exec, so every child would report at least the
// benchmark's own peak.
func watchHWM(pid int) (stop func() int64) {
	done := make(chan struct{})
	res := make(chan int64, 1)
	path := fmt.Sprintf("/proc/%d/status", pid)
	// The first sample is taken here, before returning: Start has
	// returned, so the child has exec'd, and it cannot be reaped before
	// Wait. A process shorter than the sampling period still gets one.
	peak := readHWM(path)
	go func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				res <- max(peak, readHWM(path))
				return
			case <-t.C:
				peak = max(peak, readHWM(path))
			}
		}
	}()
	return func() int64 { close(done); return <-res }
}

// readHWM is the VmHWM of a /proc/PID/status file in KB, 0 once the
// process has exited.
func readHWM(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

// procCase is one server latency: paired runs of each client.
type procCase struct {
	LatencyMS float64        `json:"latency_ms"`
	Tokens    int            `json:"tokens"`
	Runs      [][]procSample `json:"runs"` // per run: one sample per client, in the order run
	Medians   []procSample   `json:"medians"`
	// Ratios are medians of the per-run ratios pushdeck/peer (paired runs).
	RateVsAPNs2   float64 `json:"rate_vs_apns2"`
	CPUVsAPNs2    float64 `json:"cpu_vs_apns2"`
	RateVsH2load  float64 `json:"rate_vs_h2load,omitempty"`
	Load          string  `json:"load"`
	H2loadStreams int     `json:"h2load_streams,omitempty"`
	// RateVsBin and CPUVsBin compare pushdeck with the -vs-bin build.
	RateVsBin float64 `json:"rate_vs_bin,omitempty"`
	CPUVsBin  float64 `json:"cpu_vs_bin,omitempty"`
}

// procReport is the whole-process benchmark's output.
type procReport struct {
	Machine machine      `json:"machine"`
	Payload int          `json:"payload_bytes"`
	Cases   []procCase   `json:"cases"`
	Memory  []procSample `json:"memory"` // peak RSS by token count (0 ms latency), each figure the median of -runs runs
	// FirstPush are -first-push-tokens runs, stopped after the first push.
	FirstPush   []procSample `json:"first_push,omitempty"`
	MemLoad     string       `json:"mem_load,omitempty"`     // load average before the memory runs
	MemLoadEnd  string       `json:"mem_load_end,omitempty"` // and after them
	MemSpread   []memSpread  `json:"mem_spread,omitempty"`   // every memory run's peak RSS, by client and count
	MemVerdicts []memVerdict `json:"mem_verdicts,omitempty"`
	// Pinned says how processes were placed on CPUs (-pin); empty when
	// the kernel placed them.
	Pinned string        `json:"pinned,omitempty"`
	Notes  []string      `json:"notes,omitempty"`
	Took   time.Duration `json:"took_ns"`
}

// processBenchmark runs the whole-process comparison.
func processBenchmark(ctx context.Context, o options, log io.Writer) (*procReport, error) {
	began := time.Now()
	rep := &procReport{Machine: readMachine(), Payload: o.procPayload, Pinned: pinDescription()}
	cr, f, err := newProcFiles(ctx, "proc", o.procPayload)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(f.dir)
	dir := f.dir
	var h2 *h2loadRunner
	if path, note := findH2load(o.h2load); note != "" {
		rep.Notes = append(rep.Notes, note)
	} else if h2, err = newH2load(path, dir, cr); err != nil {
		return nil, err
	}
	for li, lat := range o.latencies {
		srv, err := startServer(serveConfig{Latency: lat, MaxStreams: o.maxStreams, ClientCAPEM: cr.ca.CertPEM(),
			KeyID: benchKeyID, TeamID: benchTeamID, TokenPubDER: cr.pubDER})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer srv.close()
			f.ca = filepath.Join(dir, fmt.Sprintf("server-ca-%d.pem", li))
			if err := os.WriteFile(f.ca, srv.CAPEM, 0o600); err != nil {
				return err
			}
			if !o.memOnly {
				c, err := procRuns(ctx, o, f, srv, h2, lat, log)
				if err != nil {
					return err
				}
				rep.Cases = append(rep.Cases, c)
			}
			if li == 0 {
				if err := memRuns(ctx, o, f, srv, rep, log); err != nil {
					return err
				}
				for _, n := range o.firstPushTokens {
					s, err := runFirstPushProc(ctx, f, srv, n)
					if err != nil {
						return err
					}
					fmt.Fprintf(log, "first push %7d tokens: %.0f ms, peak RSS %.1f MB until then\n", n, s.FirstPushMS, s.PeakRSSMB)
					rep.FirstPush = append(rep.FirstPush, s)
				}
				rep.MemVerdicts = memVerdicts(rep)
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	rep.Took = time.Since(began)
	return rep, nil
}

// procRuns runs o.runs paired rounds at one latency; the order of the
// clients alternates between rounds.
func procRuns(ctx context.Context, o options, f *procFiles, srv *serverProc, h2 *h2loadRunner, lat time.Duration, log io.Writer) (procCase, error) {
	c := procCase{LatencyMS: ms(lat), Tokens: o.devices, Load: loadAvg()}
	var uris, data string
	if h2 != nil {
		h2.streams = int(o.maxStreams)
		c.H2loadStreams = h2.streams
		var err error
		if uris, data, err = h2.prepare(srv, makeTokens(o.devices), makePayload(o.procPayload), "proc"); err != nil {
			return c, err
		}
	}
	type client struct {
		name string
		run  func() (procSample, error)
	}
	clients := []client{
		{"pushdeck", func() (procSample, error) { return runPushdeckProc(ctx, f, srv, o.devices) }},
		{"apns2", func() (procSample, error) { return runAPNs2Proc(ctx, f, srv, o.devices) }},
	}
	if h2 != nil {
		clients = append(clients, client{"h2load", func() (procSample, error) {
			s, err := h2.run(srv, o.devices, uris, data)
			return procSample{Client: "h2load", Tokens: o.devices, OK: s.OK, Failed: s.Failed, FirstError: s.FirstError,
				WallS: s.Seconds, PerSecond: s.PerSecond, CPUS: s.CPU, CPUPer10k: s.CPU * 10000 / float64(o.devices),
				PeakRSSMB: s.HWMMB, P50MS: s.P50MS, P99MS: s.P99MS, ServerCPUS: s.ServerCPU, Connections: s.Connections,
				ServerStream: h2.streams}, err
		}})
	}
	if o.vsBin != "" {
		// Last, so that pushdeck, apns2 and h2load keep their places.
		clients = append(clients, client{"pushdeck-vs", func() (procSample, error) {
			return runPushdeckBin(ctx, f, o.vsBin, "pushdeck-vs", srv, o.devices, nil)
		}})
	}
	// One unmeasured round: page cache, the server's first connections.
	for _, cl := range clients {
		if _, err := cl.run(); err != nil {
			return c, err
		}
	}
	var rateA, cpuA, rateH, rateV, cpuV []float64
	for r := range o.runs {
		round := make([]procSample, len(clients))
		for k := range clients {
			i := k
			if r%2 == 1 {
				i = len(clients) - 1 - k
			}
			s, err := clients[i].run()
			if err != nil {
				return c, err
			}
			if s.Failed > 0 || s.OK != o.devices {
				return c, fmt.Errorf("%s: %d of %d failed (%s)", s.Client, s.Failed, o.devices, s.FirstError)
			}
			round[i] = s
			fmt.Fprintf(log, "%-5s %-8s run %d/%d: %7.0f/s wall %.2fs cpu %.2fs (%.2f per 10k) rss %.1f MB first push %.0f ms p99 %.1f ms conns %d\n",
				fmtLatency(lat), s.Client, r+1, o.runs, s.PerSecond, s.WallS, s.CPUS, s.CPUPer10k, s.PeakRSSMB, s.FirstPushMS, s.P99MS, s.Connections)
		}
		c.Runs = append(c.Runs, round)
		rateA = append(rateA, round[0].PerSecond/round[1].PerSecond)
		cpuA = append(cpuA, round[0].CPUS/round[1].CPUS)
		if h2 != nil {
			rateH = append(rateH, round[0].PerSecond/round[2].PerSecond)
		}
		if o.vsBin != "" {
			v := round[len(round)-1]
			rateV = append(rateV, round[0].PerSecond/v.PerSecond)
			cpuV = append(cpuV, round[0].CPUS/v.CPUS)
		}
	}
	for i := range clients {
		var col []procSample
		for _, round := range c.Runs {
			col = append(col, round[i])
		}
		c.Medians = append(c.Medians, medianProc(col))
	}
	c.RateVsAPNs2, c.CPUVsAPNs2 = medianF(rateA), medianF(cpuA)
	if len(rateH) > 0 {
		c.RateVsH2load = medianF(rateH)
	}
	if len(rateV) > 0 {
		c.RateVsBin, c.CPUVsBin = medianF(rateV), medianF(cpuV)
	}
	return c, nil
}

func medianF(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianProc takes each figure's median over the runs.
func medianProc(runs []procSample) procSample {
	m := runs[0]
	pick := func(get func(procSample) float64) float64 {
		xs := make([]float64, len(runs))
		for i, r := range runs {
			xs[i] = get(r)
		}
		return medianF(xs)
	}
	m.WallS = pick(func(s procSample) float64 { return s.WallS })
	m.PerSecond = pick(func(s procSample) float64 { return s.PerSecond })
	m.CPUS = pick(func(s procSample) float64 { return s.CPUS })
	m.CPUPer10k = pick(func(s procSample) float64 { return s.CPUPer10k })
	m.PeakRSSMB = pick(func(s procSample) float64 { return s.PeakRSSMB })
	m.FirstPushMS = pick(func(s procSample) float64 { return s.FirstPushMS })
	m.P50MS = pick(func(s procSample) float64 { return s.P50MS })
	m.P99MS = pick(func(s procSample) float64 { return s.P99MS })
	m.ServerCPUS = pick(func(s procSample) float64 { return s.ServerCPUS })
	return m
}

// buildPushdeck builds the pushdeck binary into dir.
func buildPushdeck(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pushdeck")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build of pushdeck failed: %v\n%s", err, lastLines(string(out), 10))
	}
	return bin, nil
}

// procMarkdown is the whole-process report as Markdown.
func procMarkdown(r *procReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s, %s; load %s at the start. Payload %d B, cert auth, %s.\n\n",
		r.Machine.NumCPU, r.Machine.CPUModel, r.Machine.Kernel, r.Machine.GoVersion, r.Machine.LoadAvgStart, r.Payload, placement(r))
	if len(r.Cases) > 0 {
		b.WriteString("| latency | client | tokens | notif/s (whole process) | wall s | CPU s | CPU s / 10k | peak RSS MB | first push ms | p50 ms | p99 ms | server CPU s | conns |\n")
		b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
		for _, c := range r.Cases {
			for _, m := range c.Medians {
				name := m.Client
				if m.ServerStream > 0 {
					name += fmt.Sprintf(" -m%d", m.ServerStream)
				}
				first := fmt.Sprintf("%.0f", m.FirstPushMS)
				if m.Client == "h2load" {
					first = "-"
				}
				fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %.1f | %s | %.2f | %.2f | %.2f | %d |\n",
					fmtLatency(time.Duration(c.LatencyMS*float64(time.Millisecond))), name, m.Tokens, m.PerSecond, m.WallS, m.CPUS,
					m.CPUPer10k, m.PeakRSSMB, first, m.P50MS, m.P99MS, m.ServerCPUS, m.Connections)
			}
		}
		b.WriteString("\nPaired ratios (median over rounds of pushdeck ÷ peer in the same round):\n\n")
		for _, c := range r.Cases {
			fmt.Fprintf(&b, "- %s: rate ÷ apns2 %.2f, CPU ÷ apns2 %.2f", fmtLatency(time.Duration(c.LatencyMS*float64(time.Millisecond))), c.RateVsAPNs2, c.CPUVsAPNs2)
			if c.RateVsH2load > 0 {
				fmt.Fprintf(&b, ", rate ÷ h2load (-m%d) %.2f", c.H2loadStreams, c.RateVsH2load)
			}
			if c.RateVsBin > 0 {
				fmt.Fprintf(&b, ", rate ÷ pushdeck-vs %.2f, CPU ÷ pushdeck-vs %.2f", c.RateVsBin, c.CPUVsBin)
			}
			fmt.Fprintf(&b, " (%d rounds, load %s)\n", len(c.Runs), c.Load)
		}
	}
	b.WriteString(memMarkdown(r))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", n)
	}
	return b.String()
}

// placement says where the server ran.
func placement(r *procReport) string {
	if r.Pinned != "" {
		return "server in its own process; " + r.Pinned
	}
	return "server in its own process, sharing the CPUs with the client"
}

// writeProc writes the report's JSON and Markdown next to the engine's.
func writeProc(r *procReport, o options) error {
	if o.out != "" {
		js, _ := json.MarshalIndent(r, "", "  ")
		if err := writeFile(strings.TrimSuffix(o.out, ".json")+"-process.json", js); err != nil {
			return err
		}
	}
	if o.md != "" {
		return writeFile(strings.TrimSuffix(o.md, ".md")+"-process.md", []byte(procMarkdown(r)))
	}
	return nil
}
