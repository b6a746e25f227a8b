//go:build unix

package main

import (
	"runtime"
	"syscall"
)

// selfUsage is this process's CPU seconds (user + system) and peak RSS.
func selfUsage() (cpu float64, maxRSSKB int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return tvSeconds(ru.Utime) + tvSeconds(ru.Stime), rssKB(ru.Maxrss)
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// rssKB is ru_maxrss in KB: Linux counts KB, macOS bytes.
func rssKB(maxrss int64) int64 {
	if runtime.GOOS == "darwin" {
		return maxrss / 1024
	}
	return maxrss
}
