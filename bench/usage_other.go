//go:build !unix

package main

import "os"

// selfUsage is not measured here (no getrusage): 0 says so in the report.
func selfUsage() (cpu float64, maxRSSKB int64) { return 0, 0 }

// peakRSSMB is not measured here (no rusage of a child).
func peakRSSMB(*os.ProcessState) float64 { return 0 }
