package common

import (
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// Target says where p sends: the host override, else Apple's host for
// its environment, with the port.
func Target(p profiles.Profile, port int) string {
	if p.Host != "" {
		return p.Host
	}
	if port == 0 {
		port = 443
	}
	return fmt.Sprintf("%s:%d", p.Environment.Host(), port)
}

// HostHasPort reports whether p's host override names its own port, so
// the 443/2197 switch does not apply.
func HostHasPort(p profiles.Profile) bool {
	h := strings.TrimPrefix(strings.TrimPrefix(p.Host, "https://"), "http://")
	if h == "" {
		return false
	}
	h, _, _ = strings.Cut(h, "/")
	if strings.HasPrefix(h, "[") {
		return strings.Contains(h, "]:")
	}
	return strings.Contains(h, ":")
}

// EnvBadge renders an environment as its badge: production always in the
// warning colour, so it never looks like the sandbox.
func EnvBadge(st Styles, env certs.Environment) string {
	if env == certs.Production {
		return st.EnvBadge.Production.Render("PRODUCTION")
	}
	if env == "" {
		return st.Subtle.Render("no environment")
	}
	return st.EnvBadge.Development.Render("DEVELOPMENT")
}

// EnvShort is the short badge for lists (DEV, PROD).
func EnvShort(st Styles, env certs.Environment) string {
	if env == certs.Production {
		return st.EnvBadge.Production.Render("PROD")
	}
	return st.EnvBadge.Development.Render("DEV ")
}

// Health is what a screen knows of a profile's credential: its report
// (nil when the file could not be read at all), the load error, and
// whether it waits for a password typed at the prompt.
type Health struct {
	Report *certs.Report
	Err    error
	Locked bool
}

// Badge is the health badge of a profile: "✓ 287d", "⚠ 9d", "✗ expired",
// "✗ no key", "✗ wrong password", "✗ file missing", with its tone.
func (h Health) Badge() (string, Tone) {
	if h.Locked {
		return "? password", ToneMuted
	}
	r := h.Report
	if r == nil {
		if h.Err != nil {
			return "✗ unreadable", ToneBad
		}
		return "…", ToneMuted
	}
	if !r.Usable || len(r.Problems) > 0 {
		code := certs.Code("")
		if len(r.Problems) > 0 {
			code = r.Problems[0].Code
		}
		switch code {
		case certs.CodeFileMissing:
			return "✗ file missing", ToneBad
		case certs.CodeExpired:
			return "✗ expired", ToneBad
		case certs.CodeNoPrivateKey:
			return "✗ no key", ToneBad
		case certs.CodeWrongPassword:
			return "✗ wrong password", ToneBad
		case certs.CodePasswordRequired:
			return "✗ needs password", ToneBad
		case certs.CodeKeyMismatch:
			return "✗ key mismatch", ToneBad
		case certs.CodeNotYetValid:
			return "✗ not yet valid", ToneBad
		case certs.CodeNoPushExtension:
			return "✗ not for push", ToneBad
		}
		return "✗ unusable", ToneBad
	}
	if r.Certificate != nil {
		if r.Certificate.DaysLeft < WarnDays {
			return "⚠ " + DaysShort(r), ToneWarn
		}
		return "✓ " + DaysShort(r), ToneGood
	}
	if r.TokenKey != nil {
		return "✓ token", ToneGood
	}
	return "✓ usable", ToneGood
}

// AllowedEnvironments is where a credential may push: a certificate's
// environments, both for a token key (nil when unknown).
func AllowedEnvironments(r *certs.Report) []certs.Environment {
	switch {
	case r == nil:
		return nil
	case r.Certificate != nil && len(r.Certificate.Environments) > 0:
		return r.Certificate.Environments
	case r.TokenKey != nil:
		return []certs.Environment{certs.Development, certs.Production}
	}
	return nil
}
