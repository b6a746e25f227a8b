package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
)

// DoctorOptions are the flags of pushdeck doctor.
type DoctorOptions struct {
	Full    bool
	Rebuild bool
	JSON    bool
}

const doctorLong = `Checks the config folder: the database's integrity and schema, file modes
and symbolic links, and the old JSON store's files. It changes nothing,
unless --rebuild is given.

--rebuild builds a new database from everything that can still be read in
the current one. The damaged files are kept, renamed pushdeck.db.damaged-TIME
(never written to). Close the console and other pushdeck commands first.

Exit codes: 0 healthy (or rebuilt), 1 problems found, 2 usage error.`

func newDoctorCmd(e env) *cobra.Command {
	var o DoctorOptions
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the database and files in the config folder; rebuild a damaged database",
		Long:  doctorLong,
		Example: `  pushdeck doctor
  pushdeck doctor --full
  pushdeck doctor --rebuild`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "doctor", args, "") {
				return codeErr(exitUsage)
			}
			return codeErr(runDoctor(e, &o))
		},
	}
	fs := c.Flags()
	fs.BoolVar(&o.Full, "full", false, "run SQLite's full integrity check (slower: reads every index)")
	fs.BoolVar(&o.Rebuild, "rebuild", false, "build a new database from what can be read; the old one is kept")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	return c
}

func runDoctor(e env, o *DoctorOptions) int {
	dir, err := profiles.DefaultDir()
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck doctor: %v\n", err)
		return exitUsage
	}
	if o.Rebuild {
		rep, err := profiles.Rebuild(dir)
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck doctor --rebuild: %v\n", err)
			return exitFailed
		}
		if o.JSON {
			cfgJSON(e.stdout, rep)
		} else {
			fmt.Fprintf(e.stdout, "Rebuilt %s.\nThe old database is kept as %s.\n", dir, rep.Damaged)
			for _, t := range []string{"devices", "history", "sends", "payloads", "drafts", "channels"} {
				fmt.Fprintf(e.stdout, "  %-9s %d rows copied\n", t, rep.Rows[t])
			}
			for _, l := range rep.Lost {
				fmt.Fprintf(e.stderr, "lost: %s\n", textsafe.Clean(l))
			}
		}
		return exitOK
	}
	rep, err := profiles.Doctor(dir, o.Full)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck doctor: %v\n", err)
		return exitFailed
	}
	if o.JSON {
		cfgJSON(e.stdout, rep)
	} else {
		fmt.Fprintf(e.stdout, "Config folder  %s\n", rep.Dir)
		switch {
		case !rep.Exists:
			fmt.Fprintf(e.stdout, "Database       %s (not created yet)\n", rep.Database)
		case rep.Healthy:
			fmt.Fprintf(e.stdout, "Database       %s: ✓ healthy (%s), schema %d\n", rep.Database, rep.Checked, rep.Schema)
		default:
			fmt.Fprintf(e.stdout, "Database       %s: ✗ damaged\n", rep.Database)
		}
		if len(rep.Counts) > 0 {
			var parts []string
			for _, t := range []string{"devices", "history", "sends", "payloads", "drafts", "channels"} {
				if n, ok := rep.Counts[t]; ok {
					parts = append(parts, fmt.Sprintf("%s %d", t, n))
				}
			}
			fmt.Fprintf(e.stdout, "Rows           %s\n", strings.Join(parts, ", "))
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(e.stdout, "note: %s\n", textsafe.Clean(n))
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(e.stdout, "✗ %s\n", textsafe.Clean(p))
		}
		if rep.OK() {
			fmt.Fprintln(e.stdout, "Nothing to do.")
		} else if rep.Exists && !rep.Healthy {
			fmt.Fprintln(e.stdout, "Run `pushdeck doctor --rebuild` to build a new database from what can be read (the damaged one is kept).")
		}
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitOK
}
