package main

import (
	"bufio"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is everything one benchmark run found; it is what latest.json holds.
type report struct {
	Machine  machine         `json:"machine"`
	Settings settings        `json:"settings"`
	Cases    []caseResult    `json:"cases"`
	Ceiling  []ceilingResult `json:"ceiling"`
	Memory   *memoryResult   `json:"memory,omitempty"`
	Startup  *startupResult  `json:"startup,omitempty"`
	Targets  []target        `json:"targets"`
	Notes    []string        `json:"notes,omitempty"`
}

type machine struct {
	NumCPU       int    `json:"nproc"`
	CPUModel     string `json:"cpu_model"`
	GoVersion    string `json:"go_version"`
	Kernel       string `json:"kernel"`
	Started      string `json:"started"`
	LoadAvgStart string `json:"loadavg_start"`
	LoadAvgEnd   string `json:"loadavg_end"`
}

type settings struct {
	Quick       bool     `json:"quick"`
	Devices     int      `json:"devices"`
	Runs        int      `json:"runs"`
	Warmup      int      `json:"warmup"`
	Concurrency int      `json:"concurrency"`
	Connections int      `json:"pushdeck_connections"`
	MaxStreams  uint32   `json:"server_max_streams"`
	Auths       []string `json:"auth"`
	Clients     []string `json:"clients"`
}

// caseResult is one server latency, auth mode and payload size.
type caseResult struct {
	LatencyMS    float64        `json:"latency_ms"`
	PayloadBytes int            `json:"payload_bytes"`
	Auth         string         `json:"auth"`
	Devices      int            `json:"devices"`
	Concurrency  int            `json:"concurrency"`
	Clients      []clientResult `json:"clients"`
	// Ratio is pushdeck's median rate over the library driver's (0 when
	// either was not run); Tolerance is how far below 1 still counts as
	// equal (see computeRatio).
	Ratio     float64 `json:"ratio_pushdeck_library"`
	Tolerance float64 `json:"tolerance"`
	// CPURatio is pushdeck's median client CPU over the library driver's
	// for the same work. With no server latency both processes compete
	// for the 2 cores and the rate follows whatever else runs on the
	// machine, while CPU seconds barely move: this is the steadier
	// comparison of the two clients' cost.
	CPURatio float64 `json:"cpu_ratio_pushdeck_library"`
}

// minTolerance is the smallest difference the ratio check treats as real.
// Back-to-back runs of the same client on this shared 2-core machine move
// by a few percent even when nothing else runs, so a ratio of 0.97 says
// nothing; the tolerance widens to half the larger run-to-run spread when
// the machine was noisier than that.
const minTolerance = 0.05

func (c *caseResult) client(name string) *clientResult {
	for i := range c.Clients {
		if c.Clients[i].Client == name {
			return &c.Clients[i]
		}
	}
	return nil
}

func (c *caseResult) computeRatio() {
	p, l := c.client("pushdeck"), c.client("library")
	if p == nil || l == nil || l.Median.PerSecond == 0 {
		return
	}
	c.Ratio = p.Median.PerSecond / l.Median.PerSecond
	c.Tolerance = max(minTolerance, p.Spread/2, l.Spread/2)
	if l.Median.CPU > 0 {
		c.CPURatio = p.Median.CPU / l.Median.CPU
	}
}

// ceilingResult is h2load against the server for one latency and payload.
type ceilingResult struct {
	LatencyMS    float64      `json:"latency_ms"`
	PayloadBytes int          `json:"payload_bytes"`
	Streams      int          `json:"streams"`
	Client       clientResult `json:"h2load"`
}

// memoryResult compares pushdeck's memory at two device counts.
type memoryResult struct {
	LatencyMS    float64      `json:"latency_ms"`
	PayloadBytes int          `json:"payload_bytes"`
	Auth         string       `json:"auth"`
	Small        clientResult `json:"small"`
	Large        clientResult `json:"large"`
	// BytesPerDevice is the extra live heap each extra device cost:
	// (large growth - small growth) / (large - small devices).
	BytesPerDevice float64 `json:"bytes_per_extra_device"`
	// PeakHeapRatio is large / small peak heap.
	PeakHeapRatio float64 `json:"peak_heap_ratio"`
}

// maxBytesPerDevice is the memory target: holding each device's Result
// (its struct, request and response header maps) would cost well over a
// kilobyte per device, so anything under 64 bytes means results stream.
const maxBytesPerDevice = 64

func (m *memoryResult) compute() {
	ds := m.Large.Median.Devices - m.Small.Median.Devices
	if ds > 0 {
		m.BytesPerDevice = (m.Large.Median.LiveGrowthMB - m.Small.Median.LiveGrowthMB) * mb / float64(ds)
	}
	if m.Small.Median.PeakHeapMB > 0 {
		m.PeakHeapRatio = m.Large.Median.PeakHeapMB / m.Small.Median.PeakHeapMB
	}
}

func settingsOf(o options) settings {
	return settings{
		Quick: o.quick, Devices: o.devices, Runs: o.runs, Warmup: o.warmup,
		Concurrency: o.concurrency, Connections: o.connections, MaxStreams: o.maxStreams,
		Auths: o.auths, Clients: o.clients,
	}
}

func readMachine() machine {
	m := machine{
		NumCPU:       runtime.NumCPU(),
		GoVersion:    runtime.Version(),
		Started:      time.Now().UTC().Format(time.RFC3339),
		LoadAvgStart: loadAvg(),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAvg is the 1, 5 and 15 minute load averages: the machine is shared,
// and a high load explains a noisy figure.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
