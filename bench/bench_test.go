package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play the server process too: the harness
// starts os.Executable() with serveEnv set, which here is this binary.
func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		os.Exit(serveMain(os.Stdin, os.Stdout))
	}
	if os.Getenv(apns2Env) == "1" {
		os.Exit(apns2Main(os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// TestQuickRun runs the harness in quick mode against a real loopback
// server (its own process) and checks what it wrote: structure and counts
// only, never timings.
func TestQuickRun(t *testing.T) {
	dir := t.TempDir()
	jsonPath, mdPath := filepath.Join(dir, "latest.json"), filepath.Join(dir, "latest.md")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-quick", "-mode", "engine", "-out", jsonPath, "-md", mdPath}, &stdout, &stderr)
	// 3 means a target was missed: timing on a busy machine is allowed to
	// miss, structure is not.
	if code != 0 && code != 3 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var rep report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("latest.json does not parse: %v", err)
	}
	if rep.Machine.NumCPU < 1 || rep.Machine.GoVersion == "" {
		t.Errorf("machine not recorded: %+v", rep.Machine)
	}
	if !rep.Settings.Quick || rep.Settings.Devices != 200 {
		t.Errorf("settings = %+v, want quick with 200 devices", rep.Settings)
	}
	// quick: one payload, one latency, both auth modes.
	if len(rep.Cases) != 2 {
		t.Fatalf("%d cases, want 2 (cert and token)", len(rep.Cases))
	}
	for _, c := range rep.Cases {
		if len(c.Clients) != 2 {
			t.Fatalf("%s: %d clients, want pushdeck and library", caseName(c), len(c.Clients))
		}
		for _, cl := range c.Clients {
			if len(cl.Runs) != 1 {
				t.Errorf("%s %s: %d runs, want 1", caseName(c), cl.Client, len(cl.Runs))
			}
			for _, s := range cl.Runs {
				if s.Devices != 200 || s.OK != 200 || s.Failed != 0 {
					t.Errorf("%s %s: %d ok, %d failed of %d (%s), want all 200 accepted",
						caseName(c), cl.Client, s.OK, s.Failed, s.Devices, s.FirstError)
				}
				if s.PerSecond <= 0 || s.P99MS < s.P50MS || s.P50MS <= 0 {
					t.Errorf("%s %s: rate %v, p50 %v, p99 %v: not sane", caseName(c), cl.Client, s.PerSecond, s.P50MS, s.P99MS)
				}
				if s.PeakHeapMB <= 0 || s.HWMMB <= 0 || s.ServerCPU <= 0 {
					t.Errorf("%s %s: peak heap %v MB, RSS %v MB, server CPU %v s: not measured", caseName(c), cl.Client, s.PeakHeapMB, s.HWMMB, s.ServerCPU)
				}
			}
			// Each client is new per case: it opens exactly one connection
			// (pushdeck is configured for one; apns2 needs no more at 64
			// streams of the server's 1000).
			if cl.TotalConnections != 1 {
				t.Errorf("%s %s: server counted %d connections, want 1", caseName(c), cl.Client, cl.TotalConnections)
			}
			if cl.Client == "pushdeck" && (cl.PeakOpen != 1 || cl.Runs[0].ClientConnections != 1) {
				t.Errorf("%s pushdeck: peak open %d, own count %d, want 1", caseName(c), cl.PeakOpen, cl.Runs[0].ClientConnections)
			}
		}
		if c.Ratio <= 0 || c.Tolerance < minTolerance {
			t.Errorf("%s: ratio %v, tolerance %v", caseName(c), c.Ratio, c.Tolerance)
		}
	}
	if rep.Memory == nil || rep.Memory.Small.Median.Devices != 50 || rep.Memory.Large.Median.Devices != 200 {
		t.Errorf("memory check missing or wrong sizes: %+v", rep.Memory)
	}
	for _, c := range rep.Ceiling {
		if s := c.Client.Median; s.OK != 200 || s.Failed != 0 || s.Connections != 1 {
			t.Errorf("h2load: %d ok, %d failed, %d connections, want 200, 0, 1 (%s)", s.OK, s.Failed, s.Connections, s.FirstError)
		}
	}
	want := map[string]bool{}
	for _, tg := range rep.Targets {
		want[tg.Name] = tg.Pass
	}
	for _, name := range []string{"every device got a result, all accepted", "pushdeck never above 1 connection(s)"} {
		if pass, ok := want[name]; !ok || !pass {
			t.Errorf("target %q: present %v, pass %v", name, ok, pass)
		}
	}
	md, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| latency | payload |", "| pushdeck |", "| library |", "Machine: "} {
		if !strings.Contains(string(md), s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if !strings.Contains(stdout.String(), "pushdeck/library") {
		t.Errorf("no table on stdout:\n%s", stdout.String())
	}
}

func TestParseH2load(t *testing.T) {
	out, err := os.ReadFile("testdata/h2load-200.txt")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseH2load(string(out))
	if err != nil {
		t.Fatal(err)
	}
	if s.PerSecond != 5477.50 || s.OK != 200 || s.Failed != 0 || s.Seconds < 0.0365 || s.Seconds > 0.0366 {
		t.Errorf("got %+v, want 5477.50/s, 200 ok, 36.51ms", s)
	}
	bad := strings.Replace(string(out), "200 2xx, 0 3xx, 0 4xx", "150 2xx, 0 3xx, 50 4xx", 1)
	if s, err := parseH2load(bad); err != nil || s.OK != 150 || s.Failed != 50 || s.FirstError == "" {
		t.Errorf("with 50 4xx: %+v, %v; want 150 ok, 50 failed", s, err)
	}
	if _, err := parseH2load("connect failed"); err == nil {
		t.Error("output without a summary parsed")
	}
}

func TestPercentiles(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(100-i) * time.Millisecond // 100..1, unsorted
	}
	p50, p99 := percentiles(lat)
	if p50 != 50 || p99 != 99 {
		t.Errorf("p50 %v p99 %v, want 50 and 99", p50, p99)
	}
	if p50, p99 := percentiles(lat[:1]); p50 != 100 || p99 != 100 {
		t.Errorf("one sample: %v %v", p50, p99)
	}
}

func TestMedianSample(t *testing.T) {
	runs := []sample{
		{Devices: 10, OK: 10, PerSecond: 100, P99MS: 9, Connections: 0},
		{Devices: 10, OK: 9, Failed: 1, PerSecond: 300, P99MS: 1, Connections: 2, FirstError: "500"},
		{Devices: 10, OK: 10, PerSecond: 200, P99MS: 5, Connections: 0},
	}
	m := medianSample(runs)
	if m.PerSecond != 200 || m.P99MS != 5 {
		t.Errorf("medians: %v/s p99 %v, want 200 and 5", m.PerSecond, m.P99MS)
	}
	if m.OK != 9 || m.Failed != 1 || m.Connections != 2 || m.FirstError != "500" {
		t.Errorf("worst-case counts: %+v", m)
	}
	if cr := newClientResult("x", runs); cr.Spread != 1 {
		t.Errorf("spread %v, want (300-100)/200 = 1", cr.Spread)
	}
}

func TestMakePayload(t *testing.T) {
	for _, n := range []int{20, 60, 100, 2048, 4096} {
		p := makePayload(n)
		if len(p) != n || !json.Valid(p) {
			t.Errorf("payload of %d: %d bytes, valid JSON %v", n, len(p), json.Valid(p))
		}
	}
	toks := makeTokens(1000)
	seen := map[string]bool{}
	for _, tk := range toks {
		if len(tk) != 64 || seen[tk] {
			t.Fatalf("token %q: bad length or repeated", tk)
		}
		seen[tk] = true
	}
}

func TestTermScanner(t *testing.T) {
	var ts termScanner
	// A query split across reads, colours, then text split mid-rune.
	r1 := ts.feed([]byte("\x1b[?1049h\x1b]11;"))
	r2 := ts.feed([]byte("?\x07\x1b[38;5;2mpush\xc3"))
	r3 := ts.feed([]byte("\xa9deck \x1b[c\x1b[0m"))
	if len(r1) != 0 || !strings.Contains(string(r2), "rgb:") || string(r3) != "\x1b[?62;22c" {
		t.Errorf("replies %q %q %q", r1, r2, r3)
	}
	if ts.visible != 9 || ts.text.String() != "pushédeck " {
		t.Errorf("visible %d text %q, want 9 and \"pushédeck \"", ts.visible, ts.text.String())
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-payloads", "5000"},
		{"-auth", "password"},
		{"-latencies", "soon"},
		{"-clients", "curl"},
		{"-mem-devices", "20000"},
		{"-first-push-tokens", "lots"},
		{"stray"},
	} {
		var stderr bytes.Buffer
		if code := run(args, &stderr, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "bench: ") {
			t.Errorf("%v: no message: %q", args, stderr.String())
		}
	}
}

// The whole-process benchmark end to end, small: the pushdeck binary and
// the apns2 driver each send every token once over one connection.
func TestQuickProcessRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pushdeck binary: run without -short")
	}
	var rep procReport
	b, stdout := quickRun(t, "latest-process.json", &rep, "-quick", "-h2load", "off")
	if len(rep.Cases) != 1 || len(rep.Cases[0].Medians) != 2 || len(rep.Memory) != 4 {
		t.Fatalf("cases %d, memory %d: %s", len(rep.Cases), len(rep.Memory), b)
	}
	for _, m := range append(rep.Cases[0].Medians, rep.Memory...) {
		if m.OK != m.Tokens || m.Failed != 0 || m.PeakRSSMB <= 0 || m.CPUS <= 0 || m.FirstPushMS <= 0 || m.Connections != 1 {
			t.Errorf("%s %d tokens: %+v", m.Client, m.Tokens, m)
		}
	}
	if !strings.Contains(stdout, "rate ÷ apns2") {
		t.Errorf("no paired ratio in the table:\n%s", stdout)
	}
}

// -mem-only runs the memory runs alone; a -first-push-tokens run stops
// pushdeck after its first push and reports the time to it; the verdicts
// compare the largest and smallest counts with the targets.
func TestMemOnlyRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pushdeck binary: run without -short")
	}
	var rep procReport
	_, stdout := quickRun(t, "latest-process.json", &rep, "-quick", "-mem-only", "-h2load", "off", "-mem-tokens", "50,200", "-first-push-tokens", "5000", "-runs", "2")
	if len(rep.Cases) != 0 || len(rep.Memory) != 4 || len(rep.FirstPush) != 1 || len(rep.MemVerdicts) != 2 {
		t.Fatalf("cases %d, memory %d, first push %d, verdicts %d", len(rep.Cases), len(rep.Memory), len(rep.FirstPush), len(rep.MemVerdicts))
	}
	// -runs 2: each count twice per client, the medians in Memory.
	if len(rep.MemSpread) != 4 {
		t.Fatalf("spread of %d client-counts, want 4", len(rep.MemSpread))
	}
	for _, sp := range rep.MemSpread {
		if len(sp.PeakRSSMB) != 2 || sp.MinMB <= 0 || sp.MinMB > sp.MedianMB || sp.MedianMB > sp.MaxMB {
			t.Errorf("spread %+v", sp)
		}
	}
	if f := rep.FirstPush[0]; f.Tokens != 5000 || f.FirstPushMS <= 0 || f.PeakRSSMB <= 0 {
		t.Errorf("first-push run: %+v", f)
	}
	if v := rep.MemVerdicts[0]; v.Client != "pushdeck" || v.SmallTokens != 50 || v.LargeTokens != 200 || v.RSSRatio <= 0 {
		t.Errorf("verdict: %+v", v)
	}
	if !strings.Contains(stdout, "target ≤ 1.3") || !strings.Contains(stdout, "2 runs each") || strings.Contains(stdout, "rate ÷ apns2") {
		t.Errorf("table:\n%s", stdout)
	}
}

// quickRun runs the benchmark with args (plus -out and -md in a temporary
// folder), fails the test on a non-zero exit, and decodes the JSON report
// written as name into rep; it returns the report's bytes and what the
// benchmark printed.
func quickRun(t *testing.T, name string, rep any, args ...string) ([]byte, string) {
	t.Helper()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	args = append(args, "-out", filepath.Join(dir, "latest.json"), "-md", filepath.Join(dir, "latest.md"))
	if code := run(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, rep); err != nil {
		t.Fatalf("%s does not parse: %v", name, err)
	}
	return b, stdout.String()
}

// The memory verdict is on the medians of the runs, and says what any run
// against any other would give.
func TestMemVerdictOnMedians(t *testing.T) {
	runs := map[int][]float64{1000: {30, 28, 40}, 100000: {36, 50, 34}}
	r := &procReport{}
	for _, n := range []int{1000, 100000} {
		var rs []procSample
		for _, mb := range runs[n] {
			rs = append(rs, procSample{Client: "pushdeck", Tokens: n, PeakRSSMB: mb, FirstPushMS: mb})
		}
		m := medianProc(rs)
		r.Memory = append(r.Memory, m)
		r.MemSpread = append(r.MemSpread, memSpread{Client: "pushdeck", Tokens: n, PeakRSSMB: runs[n], MedianMB: m.PeakRSSMB,
			MinMB: slices.Min(runs[n]), MaxMB: slices.Max(runs[n])})
	}
	vs := memVerdicts(r)
	if len(vs) != 1 {
		t.Fatalf("%d verdicts", len(vs))
	}
	v := vs[0]
	if v.RSSRatio != 36.0/30 || v.Runs != 3 || v.RSSRatioMin != 34.0/40 || v.RSSRatioMax != 50.0/28 || v.MaxFirstPush != 36 {
		t.Errorf("%+v: want ratio 36/30 of the medians over 3 runs, 34/40 to 50/28, slowest first push 36 (a median)", v)
	}
	if md := memMarkdown(r); !strings.Contains(md, "| 100000 | pushdeck | 36.0 | 34.0–50.0 | 1.20 |") || !strings.Contains(md, "1.20 (target ≤ 1.3: met; 3 runs each, any run against any: 0.85 to 1.79)") {
		t.Errorf("markdown:\n%s", md)
	}
}
