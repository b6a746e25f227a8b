package common

import (
	"fmt"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// WarnDays is the warning window: a certificate with fewer days left is
// shown in the warning colour (the CLI's and certs' threshold too).
const WarnDays = 30

// DaysText says a certificate's remaining life in one wording for every
// screen: "287 days left", "1 day left", "expires today", "expired 36 days
// ago", and "not valid until 2027-12-30" for one whose validity has not
// begun (a count of days left would mislead there). The count is the
// report's DaysLeft, the one number certs computes for the CLI's JSON too.
func DaysText(r *certs.Report) string {
	c := r.Certificate
	if c == nil {
		return ""
	}
	if hasCode(r, certs.CodeNotYetValid) {
		return "not valid until " + c.NotBefore.UTC().Format(time.DateOnly)
	}
	d := c.DaysLeft
	switch {
	case d < -1:
		return fmt.Sprintf("expired %d days ago", -d)
	case d == -1:
		return "expired 1 day ago"
	case d == 0 && hasCode(r, certs.CodeExpired):
		return "expired today"
	case d == 0:
		return "expires today"
	case d == 1:
		return "1 day left"
	}
	return fmt.Sprintf("%d days left", d)
}

// DaysShort is DaysText for a badge: "287d", "expired", "not yet valid".
func DaysShort(r *certs.Report) string {
	c := r.Certificate
	switch {
	case c == nil:
		return ""
	case hasCode(r, certs.CodeNotYetValid):
		return "not yet valid"
	case c.DaysLeft < 0 || hasCode(r, certs.CodeExpired):
		return "expired"
	}
	return fmt.Sprintf("%dd", c.DaysLeft)
}

func hasCode(r *certs.Report, code certs.Code) bool {
	for _, p := range r.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}
