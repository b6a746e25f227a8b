package cli

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/health"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
)

// CheckOptions are the flags of pushdeck check.
type CheckOptions struct {
	// Profiles to check; empty checks every saved profile.
	Profiles []string
	// WarnDays is when "expires soon" (a warning, exit 4) starts.
	WarnDays int
	// Probe also runs the connectivity probe, Parallel at a time.
	Probe    bool
	Parallel int
	JSON     bool
	// Format is text, json or prometheus.
	Format string
}

const checkLong = `Checks the health of every saved profile (or those named with --profile):
its credential, its password source and, with --probe, a real connection to
APNs. One line per profile, then a summary; made for cron, CI and monitoring.

  ok              usable, more than --warn-days days left
  warning         usable, but expires within --warn-days days (or another warning)
  needs password  the password must be typed; not checked (in a terminal you
                  are asked instead)
  failure         expired, not yet valid, damaged, wrong password, a password
                  source that no longer works (variable unset, file gone), a
                  certificate the profile's environment or topic does not fit,
                  or a failed probe

Passwords come from each profile's saved source (--password-env,
--password-file), else $PUSHDECK_PASSWORD, else a prompt on a terminal.
Days left are whole days, rounded toward zero, negative once expired: the
same number everywhere in pushdeck.

--probe connects to APNs for each profile whose credential opened (at most
--parallel at a time) and pushes to an all-zero token no device has.
--json prints one JSON object per profile (JSON Lines). --format prometheus
prints the node_exporter textfile format: see docs/watch-certificates.md.

Exit codes: 0 all ok; 1 at least one failure; 4 no failure, but a warning or a
password to type; 2 usage error; 3 internal error.`

func newCheckCmd(e env) *cobra.Command {
	o := CheckOptions{WarnDays: health.DefaultWarnDays, Parallel: 4, Format: "text"}
	c := &cobra.Command{
		Use:   "check",
		Short: "Check every profile's credential: expiry, password source, and with --probe a connection",
		Long:  checkLong,
		Example: `  pushdeck check
  pushdeck check --profile myapp-prod --warn-days 14
  pushdeck check --probe                      # "All 14 profiles can push today."
  pushdeck check --json | jq -r 'select(.status != "ok") | .profile'
  pushdeck check --probe --format prometheus > /var/lib/node_exporter/textfile/pushdeck.prom.tmp; \
    mv /var/lib/node_exporter/textfile/pushdeck.prom.tmp /var/lib/node_exporter/textfile/pushdeck.prom`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "check", args, "name profiles with --profile NAME") {
				return codeErr(exitUsage)
			}
			return codeErr(runCheck(c.Context(), e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringArrayVar(&o.Profiles, "profile", nil, "check only the profile `NAME` (repeat for more; default: every profile)")
	fs.IntVar(&o.WarnDays, "warn-days", health.DefaultWarnDays, "a certificate with fewer than `N` days left is a warning (exit 4)")
	fs.BoolVar(&o.Probe, "probe", false, "also connect to APNs with each profile (a push to an all-zero token no device has)")
	fs.IntVar(&o.Parallel, "parallel", 4, "probe at most `N` profiles at a time")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per profile (same as --format json)")
	fs.StringVar(&o.Format, "format", "text", "output `FORMAT`: text, json or prometheus (node_exporter textfile)")
	return c
}

// runCheck checks the profiles and prints the verdicts; the exit code is
// health.CheckExit's.
func runCheck(ctx context.Context, e env, o *CheckOptions) int {
	fail := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "pushdeck check: "+format+"\n", a...)
		return exitUsage
	}
	format := o.Format
	switch {
	case o.JSON && format != "text" && format != "json":
		return fail("--json and --format %s disagree: give one of them", format)
	case o.JSON:
		format = "json"
	}
	switch format {
	case "text", "json", "prometheus":
	default:
		return fail("--format %q: give text, json or prometheus", format)
	}
	if o.WarnDays < 0 {
		return fail("--warn-days %d: give a number of days, 0 or more (0: no expiry warnings)", o.WarnDays)
	}
	if o.Parallel < 1 || o.Parallel > 64 {
		return fail("--parallel %d: give 1 to 64 probes at a time", o.Parallel)
	}
	store, err := session.OpenStore()
	if err != nil {
		return fail("%v", err)
	}
	var ps []profiles.Profile
	if len(o.Profiles) == 0 {
		if ps, err = store.Profiles(); err != nil {
			cfgWarn(e, store)
			return fail("%v", err)
		}
	}
	for _, name := range o.Profiles {
		p, err := store.Profile(name)
		if err != nil {
			cfgWarn(e, store)
			return fail("%v", err)
		}
		ps = append(ps, p)
	}
	cfgWarn(e, store)

	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	ran := time.Now()
	res, err := health.Check(ctx, ps, health.CheckOptions{
		WarnDays: o.WarnDays, Now: ran, Env: e.session(), Probe: o.Probe, ProbeParallel: o.Parallel,
	})
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck check: stopped: %v\n", err)
		return exitFailed
	}
	switch format {
	case "json":
		err = health.WriteProfilesJSON(textsafe.JSONWriter(e.stdout), res)
	case "prometheus":
		err = health.WritePrometheus(e.stdout, res, ran)
	default:
		err = health.WriteProfilesTable(e.stdout, res)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck check: %v\n", err)
		return exitInternal
	}
	return health.CheckExit(res)
}
