package main

import (
	"reflect"
	"slices"
)

// clientResult is one client's runs in one case.
type clientResult struct {
	Client string   `json:"client"` // pushdeck, library or h2load
	Runs   []sample `json:"runs"`
	// Median is the field-by-field median of the runs.
	Median sample `json:"median"`
	// Spread is the runs' (max - min) / median of per_second: how noisy
	// the machine was for this client in this case.
	Spread float64 `json:"spread"`
	// TotalConnections is what the server accepted from this client over
	// the warm-up and all runs.
	TotalConnections int64 `json:"connections_total"`
	// PeakOpen is the most connections pushdeck had open at once (-1 for
	// clients that do not say).
	PeakOpen int `json:"peak_open"`
}

func newClientResult(name string, runs []sample) clientResult {
	cr := clientResult{Client: name, Runs: runs, Median: medianSample(runs), PeakOpen: -1}
	if len(runs) > 0 && cr.Median.PerSecond > 0 {
		rates := make([]float64, len(runs))
		for i, r := range runs {
			rates[i] = r.PerSecond
		}
		cr.Spread = (slices.Max(rates) - slices.Min(rates)) / cr.Median.PerSecond
	}
	return cr
}

// medianSample takes the median of every numeric field on its own, so the
// median rate and the median p99 may come from different runs (each is the
// typical value of its own measure). Counts take the worst run instead: the
// fewest accepted, the most failed, the most connections, so a single
// failure or extra connection shows.
func medianSample(runs []sample) sample {
	if len(runs) == 0 {
		return sample{}
	}
	var out sample
	ov := reflect.ValueOf(&out).Elem()
	t := ov.Type()
	for i := range t.NumField() {
		name := t.Field(i).Name
		worst := name == "Failed" || name == "Connections" || name == "ClientConnections" || name == "Devices"
		switch ov.Field(i).Kind() {
		case reflect.Float64:
			vals := make([]float64, len(runs))
			for j := range runs {
				vals[j] = reflect.ValueOf(runs[j]).Field(i).Float()
			}
			ov.Field(i).SetFloat(median(vals))
		case reflect.Int, reflect.Int64:
			vals := make([]int64, len(runs))
			for j := range runs {
				vals[j] = reflect.ValueOf(runs[j]).Field(i).Int()
			}
			switch {
			case name == "OK":
				ov.Field(i).SetInt(slices.Min(vals))
			case worst:
				ov.Field(i).SetInt(slices.Max(vals))
			default:
				slices.Sort(vals)
				ov.Field(i).SetInt(vals[len(vals)/2])
			}
		case reflect.String:
			for j := range runs {
				if s := reflect.ValueOf(runs[j]).Field(i).String(); s != "" {
					ov.Field(i).SetString(s)
					break
				}
			}
		}
	}
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
