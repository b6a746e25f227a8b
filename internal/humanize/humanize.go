// Package humanize has the few text helpers the CLI, the console and the
// session layer share, so each exists once.
package humanize

import (
	"fmt"
	"strings"
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

// FirstLine is s up to its first CR or LF.
func FirstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}
