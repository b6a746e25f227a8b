package common

import (
	"fmt"
	"time"

	"github.com/pushdeck/pushdeck/internal/humanize"
)

// ShortToken shows the start and end of a device token (one helper for
// the CLI and the console: humanize.ShortToken).
func ShortToken(tok string) string { return humanize.ShortToken(tok) }

// Ago says how long before now t was ("2m ago"); see humanize.Ago.
func Ago(now, t time.Time) string { return humanize.Ago(now, t) }

// ShortDate is "12 Nov", with the year when it is not now's year.
func ShortDate(now, t time.Time) string { return humanize.ShortDate(now, t) }

// Latency formats a request's duration for a table cell.
func Latency(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return d.Round(time.Second).String()
}

// Count is a number with its noun, singular or plural: "1 device",
// "3 devices" (never "1 devices" or "3 device(s)").
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
