package main

import (
	"fmt"
	"strings"
)

// target is one checked goal, printed as PASS or MISS.
type target struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

func (r *report) allPass() bool {
	for _, t := range r.Targets {
		if !t.Pass {
			return false
		}
	}
	return true
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func caseName(c caseResult) string {
	return fmt.Sprintf("%gms/%dB/%s", c.LatencyMS, c.PayloadBytes, c.Auth)
}

func evaluate(r *report, o options) []target {
	var ts []target
	ts = append(ts, everyResult(r))
	if t, ok := rateTarget(r); ok {
		ts = append(ts, t)
	}
	if t, ok := connTarget(r, o); ok {
		ts = append(ts, t)
	}
	if m := r.Memory; m != nil {
		ts = append(ts, target{
			Name: "memory flat in the number of devices",
			Pass: m.BytesPerDevice < maxBytesPerDevice,
			Detail: fmt.Sprintf("live heap growth %.3f MB at %d devices vs %.3f MB at %d: %.1f B per extra device (target < %d); peak heap %.2f vs %.2f MB",
				m.Large.Median.LiveGrowthMB, m.Large.Median.Devices, m.Small.Median.LiveGrowthMB, m.Small.Median.Devices,
				m.BytesPerDevice, maxBytesPerDevice, m.Large.Median.PeakHeapMB, m.Small.Median.PeakHeapMB),
		})
	}
	return ts
}

// everyResult checks that every run of every client got an answer per
// device, and that the server accepted them all.
func everyResult(r *report) target {
	t := target{Name: "every device got a result, all accepted", Pass: true}
	var bad []string
	check := func(where string, runs []sample) {
		for i, s := range runs {
			if s.OK+s.Failed != s.Devices || s.Failed > 0 {
				t.Pass = false
				bad = append(bad, fmt.Sprintf("%s run %d: %d ok + %d failed of %d (%s)", where, i+1, s.OK, s.Failed, s.Devices, s.FirstError))
			}
		}
	}
	runs := 0
	for _, c := range r.Cases {
		for _, cl := range c.Clients {
			check(caseName(c)+" "+cl.Client, cl.Runs)
			runs += len(cl.Runs)
		}
	}
	for _, c := range r.Ceiling {
		check(fmt.Sprintf("%gms/%dB h2load", c.LatencyMS, c.PayloadBytes), c.Client.Runs)
		runs += len(c.Client.Runs)
	}
	if m := r.Memory; m != nil {
		check("memory small", m.Small.Runs)
		check("memory large", m.Large.Runs)
		runs += len(m.Small.Runs) + len(m.Large.Runs)
	}
	if t.Pass {
		t.Detail = fmt.Sprintf("%d runs, each answered for every device with 200", runs)
	} else {
		t.Detail = strings.Join(bad[:min(len(bad), 5)], "; ")
	}
	return t
}

func rateTarget(r *report) (target, bool) {
	t := target{Name: "pushdeck >= library driver at equal concurrency", Pass: true}
	var worst *caseResult
	var misses []string
	for i := range r.Cases {
		c := &r.Cases[i]
		if c.Ratio == 0 {
			continue
		}
		if worst == nil || c.Ratio-(1-c.Tolerance) < worst.Ratio-(1-worst.Tolerance) {
			worst = c
		}
		if c.Ratio < 1-c.Tolerance {
			t.Pass = false
			misses = append(misses, fmt.Sprintf("%s %.2f", caseName(*c), c.Ratio))
		}
	}
	if worst == nil {
		return t, false
	}
	t.Detail = fmt.Sprintf("lowest ratio %.2f at %s (tolerance %.0f%%: the larger of %.0f%% and half the runs' spread)",
		worst.Ratio, caseName(*worst), worst.Tolerance*100, minTolerance*100)
	if len(misses) > 0 {
		t.Detail += "; below: " + strings.Join(misses, ", ")
	}
	return t, true
}

func connTarget(r *report, o options) (target, bool) {
	t := target{Name: fmt.Sprintf("pushdeck never above %d connection(s)", o.connections), Pass: true}
	most, seen := int64(0), false
	note := func(where string, n int64) {
		seen = true
		most = max(most, n)
		if n > int64(o.connections) {
			t.Pass = false
			t.Detail += fmt.Sprintf("%s: %d; ", where, n)
		}
	}
	for _, c := range r.Cases {
		p := c.client("pushdeck")
		if p == nil {
			continue
		}
		note(caseName(c)+" server-counted", p.TotalConnections)
		note(caseName(c)+" peak open", int64(p.PeakOpen))
		for _, s := range p.Runs {
			note(caseName(c)+" client-counted", int64(s.ClientConnections))
		}
	}
	if m := r.Memory; m != nil {
		note("memory check peak open", int64(max(m.Small.PeakOpen, m.Large.PeakOpen)))
	}
	if !seen {
		return t, false
	}
	if t.Pass {
		t.Detail = fmt.Sprintf("at most %d per case (server's count over warm-up and runs, pushdeck's own count and peak open)", most)
	}
	return t, true
}
