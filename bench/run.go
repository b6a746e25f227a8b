package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// benchmark runs every case and the checks, logging progress to log.
func benchmark(ctx context.Context, o options, log io.Writer) (*report, error) {
	rep := &report{Machine: readMachine(), Settings: settingsOf(o)}
	cr, err := newCreds()
	if err != nil {
		return nil, fmt.Errorf("making throwaway credentials: %w", err)
	}
	tokens := makeTokens(o.devices)
	dir, err := os.MkdirTemp("", "pushdeck-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var h2 *h2loadRunner
	if path, note := findH2load(o.h2load); note != "" {
		rep.Notes = append(rep.Notes, note)
		fmt.Fprintf(log, "note: %s\n", note)
	} else if h2, err = newH2load(path, dir, cr); err != nil {
		return nil, err
	}

	for li, lat := range o.latencies {
		srv, err := startServer(serveConfig{
			Latency:     lat,
			MaxStreams:  o.maxStreams,
			ClientCAPEM: cr.ca.CertPEM(),
			KeyID:       benchKeyID,
			TeamID:      benchTeamID,
			TokenPubDER: cr.pubDER,
		})
		if err != nil {
			return nil, err
		}
		err = func() error {
			defer srv.close()
			for _, auth := range o.auths {
				for _, size := range o.payloads {
					c, err := runCase(ctx, o, srv, cr, auth, lat, size, tokens, log)
					if err != nil {
						return err
					}
					rep.Cases = append(rep.Cases, c)
				}
			}
			if li == 0 && slices.Contains(o.clients, "pushdeck") {
				m, err := memoryCheck(ctx, o, srv, cr, lat, tokens, log)
				if err != nil {
					return err
				}
				rep.Memory = m
			}
			if h2 != nil {
				for _, size := range o.payloads {
					c, err := runCeiling(o, srv, h2, lat, size, tokens, log)
					if err != nil {
						return err
					}
					rep.Ceiling = append(rep.Ceiling, c)
				}
			}
			return nil
		}()
		if err != nil {
			return nil, err
		}
	}
	for _, lat := range o.latencies {
		if lat > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf(
				"at %s per request, %d in flight can answer at most %.0f/s, and h2load's %d streams %.0f/s: read \"of ceiling\" against that bound",
				lat, o.concurrency, float64(o.concurrency)/lat.Seconds(), h2loadStreams, float64(h2loadStreams)/lat.Seconds()))
		}
	}
	if o.startup {
		st, err := startupBench(ctx, o, dir, log)
		if err != nil {
			note := "start-up benchmark not run: " + err.Error()
			rep.Notes = append(rep.Notes, note)
			fmt.Fprintf(log, "note: %s\n", note)
		}
		rep.Startup = st
	}
	rep.Machine.LoadAvgEnd = loadAvg()
	rep.Targets = evaluate(rep, o)
	return rep, nil
}

// makeTokens makes n distinct, well-formed 64-digit device tokens, the same
// on every run.
func makeTokens(n int) []string { return makeTokensFrom(0, n) }

// makeTokensFrom is makeTokens' tokens from, to from+n.
func makeTokensFrom(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		sum := sha256.Sum256([]byte("pushdeck bench device " + strconv.Itoa(from+i)))
		out[i] = hex.EncodeToString(sum[:])
	}
	return out
}

// makePayload makes a valid alert payload of exactly size bytes.
func makePayload(size int) []byte {
	head, tail := `{"aps":{"alert":{"title":"pushdeck","body":"bench"}},"data":"`, `"}`
	if size < len(head)+len(tail) {
		head = `{"aps":{"alert":"`
		tail = `"}}`
	}
	return []byte(head + strings.Repeat("x", max(size-len(head)-len(tail), 0)) + tail)
}

func newDriver(name string, o options, srv *serverProc, cr *creds, auth string, tokens []string, body []byte) (driver, error) {
	switch name {
	case "pushdeck":
		return newPushdeckDriver(cr, auth, srv, tokens, body, o.concurrency, o.connections)
	case "library":
		return newLibraryDriver(cr, auth, srv, tokens, body, o.concurrency)
	}
	return nil, fmt.Errorf("unknown client %q", name)
}

// warm sends the warm-up and returns the connections it opened. A warm-up
// that fails means the setup is broken, and nothing after it would mean
// anything.
func warm(ctx context.Context, srv *serverProc, d driver, name string, n int, lat []time.Duration) (int64, error) {
	st0, err := srv.stats()
	if err != nil {
		return 0, err
	}
	if n > 0 {
		if o := d.run(ctx, n, lat); o.failed > 0 || o.ok != n {
			return 0, fmt.Errorf("%s warm-up: %d of %d failed, first: %s", name, o.failed, n, o.firstErr)
		}
	}
	st1, err := srv.stats()
	if err != nil {
		return 0, err
	}
	return st1.Counters.Connections - st0.Counters.Connections, nil
}

// runCase measures each client on one server latency, auth mode and payload
// size. Clients take turns run by run (and swap who goes first), so a burst
// of load from elsewhere on the machine hits both alike.
func runCase(ctx context.Context, o options, srv *serverProc, cr *creds, auth string, lat time.Duration, size int, tokens []string, log io.Writer) (caseResult, error) {
	c := caseResult{LatencyMS: ms(lat), PayloadBytes: size, Auth: auth, Devices: len(tokens), Concurrency: o.concurrency}
	body := makePayload(size)
	lats := make([]time.Duration, len(tokens))
	drivers := make([]driver, len(o.clients))
	warmConns := make([]int64, len(o.clients))
	defer func() {
		for _, d := range drivers {
			if d != nil {
				d.close()
			}
		}
	}()
	for i, name := range o.clients {
		d, err := newDriver(name, o, srv, cr, auth, tokens, body)
		if err != nil {
			return c, err
		}
		drivers[i] = d
		if warmConns[i], err = warm(ctx, srv, d, name, min(o.warmup, len(tokens)), lats); err != nil {
			return c, err
		}
	}
	runs := make([][]sample, len(o.clients))
	for r := range o.runs {
		for k := range o.clients {
			i := k
			if r%2 == 1 {
				i = len(o.clients) - 1 - k
			}
			s, err := measure(ctx, srv, drivers[i], len(tokens), lats)
			if err != nil {
				return c, err
			}
			runs[i] = append(runs[i], s)
			fmt.Fprintf(log, "%-5s %5dB %-5s %-8s run %d/%d: %8.0f/s p50 %6.2fms p99 %6.2fms cpu %.2fs conns %d failed %d\n",
				fmtLatency(lat), size, auth, o.clients[i], r+1, o.runs, s.PerSecond, s.P50MS, s.P99MS, s.CPU, s.Connections, s.Failed)
		}
	}
	for i, name := range o.clients {
		cres := newClientResult(name, runs[i])
		cres.TotalConnections = warmConns[i]
		for _, s := range runs[i] {
			cres.TotalConnections += s.Connections
		}
		if p, ok := drivers[i].(*pushdeckDriver); ok {
			_, cres.PeakOpen = p.client.OpenConnections()
		}
		c.Clients = append(c.Clients, cres)
	}
	c.computeRatio()
	return c, nil
}

// memoryCheck sends with pushdeck to the small and the full device count,
// turn about, to see whether memory grows with the number of devices.
func memoryCheck(ctx context.Context, o options, srv *serverProc, cr *creds, lat time.Duration, tokens []string, log io.Writer) (*memoryResult, error) {
	auth, size := o.auths[0], o.payloads[0]
	d, err := newPushdeckDriver(cr, auth, srv, tokens, makePayload(size), o.concurrency, o.connections)
	if err != nil {
		return nil, err
	}
	defer d.close()
	lats := make([]time.Duration, len(tokens))
	if _, err := warm(ctx, srv, d, "pushdeck", min(o.warmup, len(tokens)), lats); err != nil {
		return nil, err
	}
	counts := []int{o.memDevices, len(tokens)}
	runs := make([][]sample, 2)
	for r := range o.runs {
		for k := range 2 {
			i := k
			if r%2 == 1 {
				i = 1 - k
			}
			s, err := measure(ctx, srv, d, counts[i], lats)
			if err != nil {
				return nil, err
			}
			runs[i] = append(runs[i], s)
			fmt.Fprintf(log, "memory %6d devices run %d/%d: peak heap %.2f MB, live growth %.3f MB\n",
				counts[i], r+1, o.runs, s.PeakHeapMB, s.LiveGrowthMB)
		}
	}
	m := &memoryResult{
		LatencyMS: ms(lat), PayloadBytes: size, Auth: auth,
		Small: newClientResult("pushdeck", runs[0]), Large: newClientResult("pushdeck", runs[1]),
	}
	_, peak := d.client.OpenConnections()
	m.Small.PeakOpen, m.Large.PeakOpen = peak, peak
	m.compute()
	return m, nil
}

// runCeiling measures the server alone with h2load: a warm-up, then runs.
func runCeiling(o options, srv *serverProc, h2 *h2loadRunner, lat time.Duration, size int, tokens []string, log io.Writer) (ceilingResult, error) {
	c := ceilingResult{LatencyMS: ms(lat), PayloadBytes: size, Streams: h2loadStreams}
	uris, data, err := h2.prepare(srv, tokens, makePayload(size), strconv.Itoa(size))
	if err != nil {
		return c, err
	}
	if _, err := h2.run(srv, min(max(o.warmup, 1), len(tokens)), uris, data); err != nil {
		return c, fmt.Errorf("h2load warm-up: %w", err)
	}
	var runs []sample
	for r := range o.runs {
		s, err := h2.run(srv, len(tokens), uris, data)
		if err != nil {
			return c, err
		}
		runs = append(runs, s)
		fmt.Fprintf(log, "%-5s %5dB token h2load   run %d/%d: %8.0f/s p50 %6.2fms p99 %6.2fms cpu %.2fs server cpu %.2fs\n",
			fmtLatency(lat), size, r+1, o.runs, s.PerSecond, s.P50MS, s.P99MS, s.CPU, s.ServerCPU)
	}
	c.Client = newClientResult("h2load", runs)
	for _, s := range runs {
		c.Client.TotalConnections += s.Connections
	}
	return c, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fmtLatency(d time.Duration) string {
	if d == 0 {
		return "0ms"
	}
	return d.String()
}
