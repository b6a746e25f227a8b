package common

import (
	"fmt"
	"time"
)

// ShortToken shows the start and end of a device token, enough to tell
// devices apart at a glance ("a1b2c3d4…9f0e").
func ShortToken(tok string) string {
	if len(tok) <= 14 {
		return tok
	}
	return tok[:8] + "…" + tok[len(tok)-4:]
}

// Ago says how long before now t was, in the largest unit that fits ("2m
// ago", "3h ago", "5d ago"); older than a month gives the date.
func Ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < 0:
		return "just now"
	case d < time.Minute:
		return fmt.Sprintf("%ds ago", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	case d < 30*24*time.Hour:
		return fmt.Sprintf("%dd ago", int(d.Hours()/24))
	}
	return ShortDate(now, t)
}

// ShortDate is "12 Nov", with the year when it is not now's year.
func ShortDate(now, t time.Time) string {
	if t.Year() != now.Year() {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2 Jan")
}

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
