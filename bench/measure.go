package main

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is one timed pass of one client over the devices.
type sample struct {
	Devices    int     `json:"devices"`
	OK         int     `json:"ok"`
	Failed     int     `json:"failed"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	P50MS      float64 `json:"p50_ms"`
	P99MS      float64 `json:"p99_ms"`
	// CPU is the client's user+system seconds (getrusage deltas of this
	// process; for h2load, of its process). ServerCPU is the server
	// process's over the same run.
	CPU       float64 `json:"cpu_s"`
	ServerCPU float64 `json:"server_cpu_s"`
	// PeakHeapMB is the largest heap (live and not yet swept objects)
	// sampled every 2ms during the run; LiveGrowthMB is the largest live
	// heap the GC marked during the run minus the live heap just before it:
	// what the run held on to. HWMMB is the process's peak RSS over the
	// run (VmHWM after a reset; for h2load, its ru_maxrss).
	PeakHeapMB   float64 `json:"peak_heap_mb"`
	LiveGrowthMB float64 `json:"live_growth_mb"`
	HWMMB        float64 `json:"hwm_mb"`
	// Connections is TCP connections the server accepted during the run;
	// ClientConnections is the client's own cumulative count (-1: none kept).
	Connections       int64 `json:"connections"`
	ClientConnections int   `json:"client_connections"`
}

const mb = 1 << 20

// measure runs one timed pass of d over n devices and reads the figures
// around it. The GC runs first so every pass starts from the same heap.
func measure(ctx context.Context, srv *serverProc, d driver, n int, lat []time.Duration) (sample, error) {
	clear(lat)
	runtime.GC()
	live0 := readMetric(metricLive)
	resetHWM()
	st0, err := srv.stats()
	if err != nil {
		return sample{}, err
	}
	cpu0, _ := selfUsage()
	smp := startSampler()
	start := time.Now()
	o := d.run(ctx, n, lat)
	elapsed := time.Since(start)
	peakHeap, peakLive := smp.stop()
	cpu1, _ := selfUsage()
	st1, err := srv.stats()
	if err != nil {
		return sample{}, err
	}
	s := sample{
		Devices:           n,
		OK:                o.ok,
		Failed:            o.failed,
		FirstError:        o.firstErr,
		Seconds:           elapsed.Seconds(),
		PerSecond:         float64(o.ok+o.failed) / elapsed.Seconds(),
		CPU:               cpu1 - cpu0,
		ServerCPU:         st1.CPU - st0.CPU,
		PeakHeapMB:        float64(peakHeap) / mb,
		LiveGrowthMB:      float64(int64(peakLive)-int64(live0)) / mb,
		HWMMB:             float64(vmHWMKB()) / 1024,
		Connections:       st1.Counters.Connections - st0.Counters.Connections,
		ClientConnections: d.connections(),
	}
	s.P50MS, s.P99MS = percentiles(lat[:n])
	if s.LiveGrowthMB < 0 {
		s.LiveGrowthMB = 0
	}
	return s, nil
}

// percentiles are the 50th and 99th (nearest-rank) in milliseconds.
func percentiles(lat []time.Duration) (p50, p99 float64) {
	if len(lat) == 0 {
		return 0, 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	rank := func(p int) time.Duration {
		i := (len(s)*p + 99) / 100 // ceil(n*p/100)
		return s[max(i-1, 0)]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return ms(rank(50)), ms(rank(99))
}

const (
	metricHeap = "/memory/classes/heap/objects:bytes"
	metricLive = "/gc/heap/live:bytes"
)

func readMetric(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// sampler polls the heap every 2ms: runtime/metrics does not stop the world
// (runtime.ReadMemStats would, and would slow the run it measures).
type sampler struct {
	stopc chan struct{}
	done  chan [2]uint64
}

func startSampler() *sampler {
	s := &sampler{stopc: make(chan struct{}), done: make(chan [2]uint64, 1)}
	go func() {
		ms := []metrics.Sample{{Name: metricHeap}, {Name: metricLive}}
		var peak [2]uint64
		read := func() {
			metrics.Read(ms)
			for i := range ms {
				if ms[i].Value.Kind() == metrics.KindUint64 {
					peak[i] = max(peak[i], ms[i].Value.Uint64())
				}
			}
		}
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-s.stopc:
				read()
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// stop ends sampling and returns the peak heap and the peak live heap.
func (s *sampler) stop() (heap, live uint64) {
	close(s.stopc)
	p := <-s.done
	return p[0], p[1]
}

// resetHWM resets VmHWM to the current RSS (Linux 4.0+), so each run's peak
// is its own. Where that is not allowed the figure stays cumulative.
func resetHWM() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // Linux only; elsewhere the peak is since start
}

// vmHWMKB is this process's peak RSS in kB from /proc/self/status.
func vmHWMKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}
