package certs

import (
	"fmt"
	"time"
)

// One number for one fact: every screen, every command and every JSON field
// that speaks of a certificate's remaining life gets it from DaysLeft and
// Validity below, so "12 days left", "expires in 12 days" and "days_left": 12
// can never disagree.

const day24h = 24 * time.Hour

// DaysLeft is the number of whole days (24-hour periods) from now until
// notAfter, rounded toward zero, negative once notAfter has passed:
//
//	12 days 23 hours left  ->  12   ("expires in 12 days")
//	5 hours left           ->   0   ("expires in 5 hours")
//	5 hours past           ->   0   ("expired 5 hours ago")
//	35 days 4 hours past   -> -35   ("expired 35 days ago")
//
// The count is never more than the time really left, so a warning threshold
// ("fewer than 30 days") never fires late, and a past count is the whole days
// that have gone by, as a person would say it. 0 means "within a day, either
// side": whether the certificate has expired is Expired (Validity says it in
// words; a Report says it with CodeExpired).
func DaysLeft(notAfter, now time.Time) int {
	return int(notAfter.Sub(now) / day24h) // Go's division rounds toward zero
}

// Expired reports whether a certificate valid until notAfter has expired at
// now. notAfter itself is still inside the validity period (RFC 5280).
func Expired(notAfter, now time.Time) bool { return now.After(notAfter) }

// Validity says in a few words where now falls in a certificate's validity
// period, from DaysLeft's count: "expires in 12 days", "expires in 5 hours",
// "expired 36 days ago", "expired 1 hour ago", or "not valid until
// 2027-12-30" before notBefore (a count of days left would mislead there: the
// certificate cannot be used yet). Dates are UTC, as Report's times are.
func Validity(notBefore, notAfter, now time.Time) string {
	if !notBefore.IsZero() && now.Before(notBefore) {
		return "not valid until " + notBefore.UTC().Format(time.DateOnly)
	}
	d := DaysLeft(notAfter, now)
	if Expired(notAfter, now) {
		if d != 0 {
			return "expired " + unitCount(-d, "day") + " ago"
		}
		h := int(now.Sub(notAfter) / time.Hour)
		if h == 0 {
			return "expired less than an hour ago"
		}
		return "expired " + unitCount(h, "hour") + " ago"
	}
	if d != 0 {
		return "expires in " + unitCount(d, "day")
	}
	h := int(notAfter.Sub(now) / time.Hour)
	if h == 0 {
		return "expires in less than an hour"
	}
	return "expires in " + unitCount(h, "hour")
}

// Validity is the package function for this certificate at now (a screen
// that stays open recomputes it; DaysLeft in the struct is as of loading).
func (c *CertInfo) Validity(now time.Time) string {
	return Validity(c.NotBefore, c.NotAfter, now)
}

// unitCount is "1 day", "36 days".
func unitCount(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// ExpiresSoon is the report's "expires soon" warning for a certificate valid
// until notAfter, for callers with their own warning window (the report
// itself warns under 30 days left).
func ExpiresSoon(notBefore, notAfter, now time.Time) Finding {
	return findExpiresSoon(notBefore, notAfter, now)
}
