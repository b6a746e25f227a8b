package cli

import (
	"encoding/json"
	"fmt"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/profiles"
)

// HistoryOptions are the flags of pushdeck history.
type HistoryOptions struct {
	Filter profiles.HistoryFilter
	Since  string
	JSON   bool
}

const historyLong = `Shows past sends, newest first: every result of every send is kept in
the config folder's history (never a password or key).

  --since 24h, --since 7d, --since 2026-11-01, --since 2026-11-01T09:30:00Z
  --device takes a label or the start of a token (8 hex digits or more)
  --json prints one JSON object per line (JSON Lines), for jq and scripts

Exit codes: 0 done (even if nothing matches), 2 usage error or unreadable file.`

func newHistoryCmd(e env) *cobra.Command {
	var o HistoryOptions
	c := &cobra.Command{
		Use:   "history",
		Short: "Query the history of sends",
		Long:  historyLong,
		Example: `  pushdeck history --since 24h
  pushdeck history --device "Anna's iPhone" --reason BadDeviceToken
  pushdeck history --batch 3f2a9c1e0b7d4a55 --json | jq .status`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "history", args, "filters are flags: --device, --reason, --since, --apns-id") {
				return codeErr(exitUsage)
			}
			return codeErr(runHistory(e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Filter.Device, "device", "", "only sends to the device with this `LABEL` or token prefix")
	fs.StringVar(&o.Filter.Reason, "reason", "", "only results with this APNs `REASON` (e.g. BadDeviceToken, any case)")
	fs.StringVar(&o.Since, "since", "", "only sends after `D`: a duration back from now (30m, 24h, 7d) or a date/time")
	fs.StringVar(&o.Filter.ApnsID, "apns-id", "", "only the result with this apns-id")
	fs.StringVar(&o.Filter.Batch, "batch", "", "only the results of the send with this batch `ID`")
	fs.IntVar(&o.Filter.Limit, "limit", 50, "show the newest `N` (0: all)")
	fs.BoolVar(&o.JSON, "json", false, "print JSON Lines: one entry per line")
	return c
}

// runHistory prints the entries that match.
func runHistory(e env, o *HistoryOptions) int {
	if o.Filter.Limit < 0 {
		fmt.Fprintln(e.stderr, "pushdeck history: --limit must be 0 (all) or more")
		return exitUsage
	}
	if o.Since != "" {
		t, err := historySince(o.Since, time.Now())
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck history: --since: %v\n", err)
			return exitUsage
		}
		o.Filter.Since = t
	}
	s, ok := cfgOpen(e, "history")
	if !ok {
		return exitUsage
	}
	entries, err := s.QueryHistory(o.Filter)
	if err != nil {
		return cfgDone(e, "history", s, err)
	}
	if o.JSON {
		enc := json.NewEncoder(e.stdout)
		for i := range entries {
			_ = enc.Encode(&entries[i])
		}
		return cfgDone(e, "history", s, nil)
	}
	if len(entries) == 0 {
		fmt.Fprintln(e.stderr, "No sends match.")
		return cfgDone(e, "history", s, nil)
	}
	historyTable(e, entries)
	if o.Filter.Limit > 0 && len(entries) == o.Filter.Limit {
		fmt.Fprintf(e.stderr, "(the newest %d; --limit N for more, --limit 0 for all)\n", o.Filter.Limit)
	}
	return cfgDone(e, "history", s, nil)
}

func historyTable(e env, entries []profiles.HistoryEntry) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tDEVICE\tENV\tSTATUS\tREASON\tAPNS-ID\tLATENCY\tBATCH")
	for _, h := range entries {
		dev := h.Label
		if dev == "" && len(h.Token) >= 8 {
			dev = h.Token[:8] + "…"
		}
		status := strconv.Itoa(h.Status)
		reason := h.Reason
		if h.Status == 0 {
			status = "-"
			if reason == "" {
				reason = h.Error
			}
		}
		// Everything read back from history came from outside once (labels,
		// server reasons, IDs): clean it before the terminal sees it.
		c := textsafe.Clean
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.0fms\t%s\n", h.At.Local().Format(time.DateTime), c(dev), c(string(h.Environment)),
			status, c(reason), c(h.ApnsID), h.LatencyMS, c(h.Batch))
	}
	tw.Flush()
}

// historySince reads --since: a duration back from now (Go's 90m, 24h, and
// days as 7d) or a date, a date and time, or RFC 3339, in local time unless
// it names a zone.
func historySince(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if d, err := time.ParseDuration(v); err == nil {
		if d < 0 {
			d = -d
		}
		return now.Add(-d), nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 {
			return now.AddDate(0, 0, -days), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	for _, layout := range []string{time.DateOnly, "2006-01-02 15:04", time.DateTime, "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (30m, 24h, 7d) nor a date (2026-11-01, 2026-11-01 09:30, RFC 3339)", v)
}
