// Package health checks many credentials at once: every file of a folder
// (Inspect) and every saved profile (Check), with an expiry warning window,
// the password sources the profiles name and, optionally, a connectivity
// probe per profile. It writes what it found as a table, as JSON (one object
// per file or profile) and in the Prometheus text format that node_exporter's
// textfile collector reads, and it says which exit code that deserves, so
// cron, CI and monitoring can watch certificates expire before APNs refuses
// them. It knows nothing of terminals or flags.
package health

import (
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Status is the verdict on one file or profile, from best to worst by
// Severity.
type Status string

// Statuses.
const (
	// StatusOK: usable, nothing to look at.
	StatusOK Status = "ok"
	// StatusWarning: usable today, but look (expires within the warning
	// window, not an APNs certificate, no key ID, ...).
	StatusWarning Status = "warning"
	// StatusNeedsPassword: the profile's password must be typed and the
	// run is not interactive, so its credential could not be opened. The
	// file itself was found and needs a password.
	StatusNeedsPassword Status = "needs-password"
	// StatusFailure: cannot push (expired, not yet valid, damaged, wrong
	// or missing password, a password source that no longer works, a
	// profile the certificate does not allow, a failed probe).
	StatusFailure Status = "failure"
	// StatusUnreadable: the file could not be read at all (missing, a
	// folder, a FIFO or device). Only Inspect gives it.
	StatusUnreadable Status = "unreadable"
)

// Severity orders statuses for sorting by urgency: higher is worse.
func (s Status) Severity() int {
	switch s {
	case StatusOK:
		return 0
	case StatusWarning:
		return 1
	case StatusNeedsPassword:
		return 2
	case StatusFailure:
		return 3
	case StatusUnreadable:
		return 4
	}
	return 5
}

// DefaultWarnDays is the expiry warning window the CLI uses by default: 30
// days leaves time to make a new certificate and roll it out.
const DefaultWarnDays = 30

// Exit codes. Check's are for cron and CI: 0 nothing to do, 1 something
// cannot push, 4 nothing is broken yet but something needs a person (a
// certificate in its warning window, a password that must be typed). 2 stays
// "usage error or unreadable file" and 3 "internal error", as for every
// pushdeck command.
const (
	ExitOK         = 0
	ExitFailure    = 1
	ExitUsage      = 2
	ExitWarnings   = 4
	exitUnreadable = ExitUsage
)

// CheckExit is the exit code for a Check: 1 if any profile failed (its
// probe included), else 4 if any has a warning or needs a password, else 0.
func CheckExit(results []ProfileResult) int {
	code := ExitOK
	for _, r := range results {
		switch r.Status {
		case StatusFailure, StatusUnreadable:
			return ExitFailure
		case StatusWarning, StatusNeedsPassword:
			code = ExitWarnings
		}
	}
	return code
}

// InspectExit is the exit code for Inspect, as `pushdeck inspect` has always
// had it: 2 if any file could not be read at all, else 1 if any is not
// usable, else 0 (warnings do not change it).
func InspectExit(results []FileResult) int {
	code := ExitOK
	for _, r := range results {
		switch r.Status {
		case StatusUnreadable:
			return exitUnreadable
		case StatusFailure, StatusNeedsPassword:
			code = ExitFailure
		}
	}
	return code
}

// Codes health adds beside certs' codes, for findings about a profile rather
// than its file.
const (
	// CodePasswordSource: the profile's password source no longer works
	// (its environment variable is unset, its file is gone).
	CodePasswordSource certs.Code = "password-source"
	// CodeNeedsPassword: the password must be typed, and the run is not
	// interactive.
	CodeNeedsPassword certs.Code = "needs-password"
	// CodeProfileMismatch: the credential does not allow what the profile
	// asks (its environment, its topic).
	CodeProfileMismatch certs.Code = "profile-mismatch"
	// CodeProbeFailed: the connectivity probe failed.
	CodeProbeFailed certs.Code = "probe-failed"
)

// statusOf is the status of findings: any problem fails, any warning warns.
func statusOf(problems, warnings []certs.Finding) Status {
	switch {
	case len(problems) > 0:
		return StatusFailure
	case len(warnings) > 0:
		return StatusWarning
	}
	return StatusOK
}

// expiryWarnings replaces certs' own expiry warning (a fixed 30 days) with
// one for the caller's window: fewer than warnDays days left (DaysLeft).
func expiryWarnings(r *certs.Report, warnDays int, now time.Time) []certs.Finding {
	out := make([]certs.Finding, 0, len(r.Warnings)+1)
	for _, w := range r.Warnings {
		if w.Code != certs.CodeExpiresSoon {
			out = append(out, w)
		}
	}
	c := r.Certificate
	if c == nil || certs.Expired(c.NotAfter, now) || now.Before(c.NotBefore) {
		return out
	}
	if certs.DaysLeft(c.NotAfter, now) < warnDays {
		out = append(out, certs.ExpiresSoon(c.NotBefore, c.NotAfter, now))
	}
	return out
}
