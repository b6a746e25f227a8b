// Command bench measures pushdeck's send throughput against the apns2
// library ceiling and the local APNs server's own ceiling (h2load), and the
// start-up of `pushdeck demo` to its first frame. Run it from the module
// root: `go run ./bench` (or bench/run.sh, which installs h2load first).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/push"
)

// options are the benchmark's settings (flags).
type options struct {
	quick       bool
	devices     int
	memDevices  int // the smaller device count of the memory check
	runs        int
	warmup      int
	concurrency int
	connections int
	maxStreams  uint32
	payloads    []int
	latencies   []time.Duration
	auths       []string
	clients     []string
	h2load      string // path, "" to find it, "off" to skip
	startup     bool
	startupRuns int
	out         string
	md          string
	cpuprofile  string
	// mode is "process" (whole processes: pushdeck send, an apns2 driver,
	// h2load), "engine" (in-process drivers) or "both; store: the device book's whole-process figures (devices import, send --group vs --tokens-file)".
	mode        string
	procPayload int
	vsBin       string // a second pushdeck binary for the whole-process rounds
	memTokens   []int
	// memOnly skips the paired send comparison: only the -mem-tokens and
	// -first-push-tokens runs.
	memOnly         bool
	firstPushTokens []int
	// storeImport and storeGroup size -mode store: the devices import, and
	// the group of the --group vs --tokens-file sends.
	storeImport int
	storeGroup  int
	// pin places the server on its own CPU and the clients on the others
	// (Linux): see pinning.
	pin bool
}

func defaultOptions() options {
	return options{
		devices:     10000,
		memDevices:  1000,
		runs:        5,
		warmup:      1000,
		concurrency: push.DefaultConcurrency,
		connections: 1,
		maxStreams:  1000,
		payloads:    []int{100, 2048, 4096},
		latencies:   []time.Duration{0, 20 * time.Millisecond},
		auths:       []string{"cert", "token"},
		clients:     []string{"pushdeck", "library"},
		startup:     true,
		startupRuns: 5,
		out:         "bench/results/latest.json",
		md:          "bench/results/latest.md",
		mode:        "process",
		procPayload: 150,
		memTokens:   []int{1000, 10000, 100000},
		storeImport: 100000,
		storeGroup:  20000,
	}
}

// quickOptions is the smoke run: every code path, little work.
func quickOptions(o options) options {
	o.quick = true
	o.devices, o.memDevices = 200, 50
	o.runs, o.warmup = 1, 20
	o.payloads = []int{100}
	o.latencies = []time.Duration{0}
	o.startup = false
	o.memTokens = []int{50, 200}
	return o
}

func main() {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain(os.Stdin, os.Stdout))
	}
	if os.Getenv(apns2Env) == "1" {
		os.Exit(apns2Main(os.Stdin, os.Stdout))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `Usage: go run ./bench [flags]

-mode process (the default) runs whole processes side by side against a
local APNs server (push/apnstest, its own process) at each -latencies:
the built ` + "`pushdeck send`" + ` with default settings, an apns2 driver with 100
goroutines, and h2load at the server's stream limit; it reports the rate
from exec to exit, CPU seconds per 10k pushes, peak RSS, time to first push
and p99, then peak RSS and time to first push at -mem-tokens. -mode engine
runs the older in-process comparison (push.Client.Batch vs apns2's
Client.Push at -concurrency) and times ` + "`pushdeck demo`" + ` to its first frame.
-mode history times ` + "`pushdeck history --limit 0 --json > /dev/null`" + ` over
-history-entries entries (filled once, kept in -history-dir): lines/s
from exec to exit, CPU seconds, lines per CPU second, peak RSS.
-mode record runs ` + "`pushdeck send`" + ` recording its results (the default) and
with --no-history in paired rounds at each -latencies, and reports the
ratios on ÷ off of the whole process's rate, CPU seconds and peak RSS.
Prints a table, writes JSON and Markdown.

Flags:
`

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if o.cpuprofile != "" {
		f, err := os.Create(o.cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if o.mode == "history" {
		return historyMain(context.Background(), o, stdout, stderr)
	}
	if o.mode == "record" {
		fmt.Fprintf(stderr, "== whole process: pushdeck send recording on vs --no-history, %d tokens, %d paired rounds\n", o.devices, o.runs)
		rrep, err := recordBenchmark(context.Background(), o, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Fprint(stdout, recordMarkdown(rrep))
		if err := writeRecord(rrep, o); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		return 0
	}
	if o.mode == "store" {
		if err := storeBenchmark(context.Background(), o, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		return 0
	}
	if o.mode == "process" || o.mode == "both" {
		fmt.Fprintf(stderr, "== whole process: pushdeck send vs apns2 (%d goroutines) vs h2load, %d tokens, %d paired rounds\n", apns2Goroutines, o.devices, o.runs)
		prep, err := processBenchmark(context.Background(), o, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		fmt.Fprint(stdout, procMarkdown(prep))
		if err := writeProc(prep, o); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		if o.mode == "process" {
			return 0
		}
	}
	rep, err := benchmark(context.Background(), o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	printTable(stdout, rep)
	if err := writeOutputs(rep, o); err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	if !rep.allPass() {
		return 3
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	quick := fs.Bool("quick", false, "smoke run: 200 devices, 1 run, 100-byte payload, no latency, no start-up benchmark")
	fs.IntVar(&o.devices, "devices", o.devices, "distinct device tokens per run")
	fs.IntVar(&o.memDevices, "mem-devices", o.memDevices, "the smaller device count the memory check compares with -devices")
	fs.IntVar(&o.runs, "runs", o.runs, "timed runs per client and case, and per token count of the memory runs (the median is reported)")
	fs.IntVar(&o.warmup, "warmup", o.warmup, "notifications each client sends before its timed runs")
	fs.IntVar(&o.concurrency, "concurrency", o.concurrency, "requests in flight, the same for pushdeck and the library driver (pushdeck send's default)")
	fs.IntVar(&o.connections, "connections", o.connections, "pushdeck's HTTP/2 connections (pushdeck send's default)")
	payloads := fs.String("payloads", "100,2048,4096", "payload sizes in bytes, comma-separated (4096 at most)")
	latencies := fs.String("latencies", "0,20ms", "server latencies, comma-separated durations")
	auths := fs.String("auth", "cert,token", "client auth modes: cert, token or both")
	clients := fs.String("clients", "pushdeck,library", "clients to run: pushdeck, library")
	fs.StringVar(&o.h2load, "h2load", "", "path of h2load; empty finds it on PATH, off skips the server ceiling")
	startup := fs.Bool("startup", true, "run the start-up benchmark (builds the pushdeck binary)")
	fs.IntVar(&o.startupRuns, "startup-runs", o.startupRuns, "start-up measurements (the median is reported)")
	fs.StringVar(&o.out, "out", o.out, "JSON results `FILE` (empty: none)")
	fs.StringVar(&o.md, "md", o.md, "Markdown table `FILE` (empty: none)")
	fs.StringVar(&o.cpuprofile, "cpuprofile", "", "write a CPU profile of this process (the clients) to `FILE`")
	fs.StringVar(&o.mode, "mode", o.mode, "process: whole processes (pushdeck send, an apns2 driver, h2load); engine: in-process drivers; both; store: devices import and send --group vs --tokens-file, whole process; record: pushdeck send recording on vs --no-history; history: pushdeck history --limit 0 --json, whole process")
	fs.IntVar(&o.procPayload, "proc-payload", o.procPayload, "payload bytes of the whole-process runs")
	fs.StringVar(&o.vsBin, "vs-bin", "", "another pushdeck `BINARY` (e.g. main's build) to run in the same whole-process rounds, for an A/B of two builds")
	fs.IntVar(&o.storeImport, "store-import", o.storeImport, "-mode store: tokens of the devices import")
	fs.IntVar(&o.storeGroup, "store-group", o.storeGroup, "-mode store: devices of the --group send (the book holds twice as many)")
	addHistoryFlags(fs)
	memTokens := fs.String("mem-tokens", "1000,10000,100000", "token counts of the whole-process peak-RSS runs (0 ms latency)")
	fs.BoolVar(&o.pin, "pin", false, "process mode: run the server on the last CPU and every client on the others, so neither takes CPU from the other (Linux, 2 CPUs or more)")
	fs.BoolVar(&o.memOnly, "mem-only", false, "run only the -mem-tokens and -first-push-tokens runs (process mode)")
	firstPush := fs.String("first-push-tokens", "", "token counts (e.g. 1000000) of pushdeck runs stopped after the first push: time to it and peak RSS until then")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		return o, errors.New("usage")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	if o.payloads, err = parseInts(*payloads); err != nil {
		return o, usageErr(stderr, "-payloads %q: %v (e.g. 100,2048,4096)", *payloads, err)
	}
	if o.latencies, err = parseDurations(*latencies); err != nil {
		return o, usageErr(stderr, "-latencies %q: %v (e.g. 0,20ms)", *latencies, err)
	}
	if o.memTokens, err = parseInts(*memTokens); err != nil {
		return o, usageErr(stderr, "-mem-tokens %q: %v (e.g. 1000,10000)", *memTokens, err)
	}
	if o.firstPushTokens, err = parseInts(*firstPush); err != nil {
		return o, usageErr(stderr, "-first-push-tokens %q: %v (e.g. 1000000)", *firstPush, err)
	}
	if o.mode != "process" && o.mode != "engine" && o.mode != "both" && o.mode != "store" && o.mode != "record" && o.mode != "history" {
		return o, usageErr(stderr, "-mode %q: use process, engine, both, store, record or history", o.mode)
	}
	if o.pin {
		if err := enablePinning(); err != nil {
			return o, usageErr(stderr, "%v", err)
		}
	}
	o.auths = splitList(*auths)
	o.clients = splitList(*clients)
	o.startup = *startup
	if *quick {
		q := quickOptions(o)
		// Flags given explicitly still win over quick's choices.
		if set["devices"] {
			q.devices = o.devices
		}
		if set["runs"] {
			q.runs = o.runs
		}
		if set["startup"] {
			q.startup = o.startup
		}
		if set["mem-tokens"] {
			q.memTokens = o.memTokens
		}
		o = q
	}
	for _, p := range o.payloads {
		if p < 20 || p > 4096 {
			return o, usageErr(stderr, "-payloads: %d bytes: use 20 to 4096 (APNs refuses larger alert payloads)", p)
		}
	}
	for _, a := range o.auths {
		if a != "cert" && a != "token" {
			return o, usageErr(stderr, "-auth %q: use cert, token or cert,token", a)
		}
	}
	for _, c := range o.clients {
		if c != "pushdeck" && c != "library" {
			return o, usageErr(stderr, "-clients %q: use pushdeck, library or both", c)
		}
	}
	switch {
	case o.devices < 1 || o.runs < 1 || o.concurrency < 1 || o.warmup < 0:
		return o, usageErr(stderr, "-devices, -runs and -concurrency must be 1 or more, -warmup 0 or more")
	case o.memDevices < 1 || o.memDevices >= o.devices:
		return o, usageErr(stderr, "-mem-devices %d: use 1 to %d (fewer than -devices)", o.memDevices, o.devices-1)
	case len(o.auths) == 0 || len(o.clients) == 0 || len(o.payloads) == 0 || len(o.latencies) == 0:
		return o, usageErr(stderr, "-auth, -clients, -payloads and -latencies need at least one value")
	}
	return o, nil
}

func usageErr(w io.Writer, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	fmt.Fprintf(w, "bench: %s\n", msg)
	return errors.New(msg)
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range splitList(s) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, f := range splitList(s) {
		if f == "0" {
			out = append(out, 0)
			continue
		}
		d, err := time.ParseDuration(f)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a duration", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// findH2load resolves -h2load: "" looks on PATH, "off" skips.
func findH2load(flagValue string) (path, note string) {
	switch flagValue {
	case "off":
		return "", "h2load skipped (-h2load off)"
	case "":
		p, err := exec.LookPath("h2load")
		if err != nil {
			return "", "h2load not found: install Debian's nghttp2-client (bench/run.sh does) for the server ceiling"
		}
		return p, ""
	}
	return flagValue, ""
}
