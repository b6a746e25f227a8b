package cli

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
)

// HistoryOptions are the flags of pushdeck history.
type HistoryOptions struct {
	Filter  profiles.HistoryFilter
	Since   string
	Until   string
	Env     string
	Status  int
	Batches bool
	JSON    bool
}

const historyLong = `Shows past sends, newest first: every result of every send is kept in
the config folder's database (never a password or key).

  --since/--until 24h, 7d, 2026-11-01, "2026-11-01 09:30", or RFC 3339
  --device takes a label or the start of a token (8 hex digits or more)
  --status 410 keeps one HTTP status (0: no answer, a transport failure);
  --failed keeps everything APNs did not accept
  --batches lists sends instead of results: time, profile, devices,
  accepted, failed (filters: --since, --until, --profile, --env, --failed)
  --json prints one JSON object per line (JSON Lines), for jq and scripts;
  with --limit 0 it streams the whole history in constant memory

Every filter is answered from an index: a look-up by apns-id, batch,
reason or token prefix takes milliseconds with a million entries.

Exit codes: 0 done (even if nothing matches), 2 usage error or unreadable
database.`

func newHistoryCmd(e env) *cobra.Command {
	var o HistoryOptions
	c := &cobra.Command{
		Use:   "history",
		Short: "Query the history of sends",
		Long:  historyLong,
		Example: `  pushdeck history --since 24h --failed
  pushdeck history --device "Anna's iPhone" --reason BadDeviceToken
  pushdeck history --batches --since 7d
  pushdeck history --batch 3f2a9c1e0b7d4a55 --json | jq .status
  pushdeck history --limit 0 --json > all.jsonl`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "history", args, "filters are flags: --device, --reason, --status, --since, --apns-id") {
				return codeErr(exitUsage)
			}
			if c.Flags().Changed("status") {
				o.Filter.Status, o.Filter.StatusSet = o.Status, true
			}
			return codeErr(runHistory(c.Context(), e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Filter.Device, "device", "", "only sends to the device with this `LABEL` or token prefix")
	fs.StringVar(&o.Filter.Reason, "reason", "", "only results with this APNs `REASON` (e.g. BadDeviceToken, any case)")
	fs.IntVar(&o.Status, "status", 0, "only results with this HTTP `STATUS` (200, 400, 410, ...; 0: no answer)")
	fs.BoolVar(&o.Filter.Failed, "failed", false, "only results APNs did not accept (any status but 200)")
	fs.StringVar(&o.Env, "env", "", "only sends to this `ENVIRONMENT` (development/sandbox or production)")
	fs.StringVar(&o.Filter.Profile, "profile", "", "only sends made with this `PROFILE`")
	fs.StringVar(&o.Since, "since", "", "only sends at or after `D`: a duration back from now (30m, 24h, 7d) or a date/time")
	fs.StringVar(&o.Until, "until", "", "only sends before `D` (same forms as --since)")
	fs.StringVar(&o.Filter.ApnsID, "apns-id", "", "only the result with this apns-id")
	fs.StringVar(&o.Filter.ApnsUniqueID, "apns-unique-id", "", "only the result with this apns-unique-id (development)")
	fs.StringVar(&o.Filter.Batch, "batch", "", "only the results of the send with this batch `ID`")
	fs.BoolVar(&o.Batches, "batches", false, "list sends (one line per batch) instead of results")
	fs.IntVar(&o.Filter.Limit, "limit", 50, "show the newest `N` (0: all)")
	fs.BoolVar(&o.JSON, "json", false, "print JSON Lines: one entry per line")
	return c
}

// runHistory prints the entries that match, as they are read: the whole
// history goes through in constant memory.
func runHistory(ctx context.Context, e env, o *HistoryOptions) int {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.Filter.Limit < 0 {
		fmt.Fprintln(e.stderr, "pushdeck history: --limit must be 0 (all) or more")
		return exitUsage
	}
	now := time.Now()
	for _, tf := range []struct {
		flag, v string
		dst     *time.Time
	}{{"--since", o.Since, &o.Filter.Since}, {"--until", o.Until, &o.Filter.Until}} {
		if tf.v == "" {
			continue
		}
		t, err := historySince(tf.v, now)
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck history: %s: %v\n", tf.flag, err)
			return exitUsage
		}
		*tf.dst = t
	}
	if o.Env != "" {
		env, err := certs.ParseEnvironment(o.Env)
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck history: --env: %v\n", err)
			return exitUsage
		}
		o.Filter.Environment = env
	}
	if o.Filter.StatusSet && (o.Filter.Status < 0 || o.Filter.Status > 599) {
		fmt.Fprintf(e.stderr, "pushdeck history: --status %d is not an HTTP status: use 200, 400, 403, 410, 429, 500 ... (0: no answer)\n", o.Filter.Status)
		return exitUsage
	}
	s, ok := cfgOpen(e, "history")
	if !ok {
		return exitUsage
	}
	defer s.Close()
	if o.Batches {
		return cfgDone(e, "history", s, historyBatches(ctx, e, s, o))
	}
	w := bufio.NewWriterSize(e.stdout, 256<<10)
	n := 0
	header := false
	var err error
	if o.JSON {
		// The same lines json.Encoder writes for each entry, encoded
		// straight from the rows (see docs/storage.md, "Measured").
		n, err = s.StreamHistoryJSON(ctx, o.Filter, w)
	} else {
		// The table, row by row from the same stream as --json.
		n, err = s.StreamHistoryLines(ctx, o.Filter, w, func(b []byte, h *profiles.HistoryRow) ([]byte, error) {
			if !header {
				header = true
				b = fmt.Appendf(b, historyRowFormat, "TIME", "DEVICE", "ENV", "STATUS", "REASON", "APNS-ID", "LATENCY", "BATCH")
			}
			return appendHistoryRow(b, h), nil
		})
	}
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("writing the output: %w", ferr)
	}
	if err != nil {
		return cfgDone(e, "history", s, err)
	}
	if n == 0 && !o.JSON {
		fmt.Fprintln(e.stderr, "No sends match.")
	}
	if !o.JSON && o.Filter.Limit > 0 && n == o.Filter.Limit {
		fmt.Fprintf(e.stderr, "(the newest %d; --limit N for more, --limit 0 for all)\n", o.Filter.Limit)
	}
	return cfgDone(e, "history", s, nil)
}

// historyRowFormat has fixed columns, so rows can be printed as they are
// read instead of measured all first.
const historyRowFormat = "%-19s  %-24s  %-11s  %-6s  %-24s  %-36s  %8s  %s\n"

// appendHistoryRow appends h's row of the table: the bytes historyRow
// writes for the same entry, without fmt or a string per column for the
// plain ASCII a row usually is (anything else goes the way historyRow
// goes: cleaned for the terminal, cut, padded by characters).
func appendHistoryRow(b []byte, h *profiles.HistoryRow) []byte {
	start := len(b)
	b = h.At().Local().AppendFormat(b, time.DateTime)
	b = padRight(b, len(b)-start, 19)
	b = append(b, "  "...)
	dev := h.Label()
	switch tok := h.Token(); {
	case len(dev) == 0 && len(tok) >= 8:
		if plainText(tok[:8]) {
			b = append(append(b, tok[:8]...), "…"...) // 9 characters: never cut
			b = padRight(b, 9, 24)
		} else {
			b = appendCell(b, string(tok[:8])+"…", 24)
		}
	case len(dev) == 0 && len(h.Channel()) > 0:
		b = appendCell(b, "channel "+string(h.Channel()), 24)
	default:
		b = appendBytesCell(b, dev, 24)
	}
	b = append(b, "  "...)
	env := h.Environment()
	if plainText(env) {
		b = padRight(append(b, env...), len(env), 11)
	} else { // as %-11s writes it: no cleaning (the store checks environments)
		b = fmt.Appendf(b, "%-11s", env)
	}
	b = append(b, "  "...)
	reason := h.Reason()
	if h.Status() == 0 {
		b = append(b, "-     "...)
		if len(reason) == 0 {
			reason = h.Error()
		}
	} else {
		start = len(b)
		b = strconv.AppendInt(b, int64(h.Status()), 10)
		b = padRight(b, len(b)-start, 6)
	}
	b = append(b, "  "...)
	b = appendBytesCell(b, reason, 24)
	b = append(b, "  "...)
	if id := h.ApnsID(); plainText(id) {
		b = padRight(append(b, id...), len(id), 36)
	} else {
		b = fmt.Appendf(b, "%-36s", textsafe.Clean(string(id)))
	}
	b = append(b, "  "...)
	if lat := h.LatencyMS(); !math.IsInf(lat, 0) && !math.IsNaN(lat) {
		var num [32]byte
		ms := append(strconv.AppendFloat(num[:0], lat, 'f', 0, 64), "ms"...)
		for range 8 - len(ms) {
			b = append(b, ' ')
		}
		b = append(b, ms...)
	} else {
		b = fmt.Appendf(b, "%8s", fmt.Sprintf("%.0fms", lat))
	}
	b = append(b, "  "...)
	if batch := h.Batch(); plainText(batch) {
		b = append(b, batch...)
	} else {
		b = append(b, textsafe.Clean(string(batch))...)
	}
	return append(b, '\n')
}

// plainText is true for printable ASCII only: what textsafe.Clean leaves
// as it is, one byte a character.
func plainText(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// padRight pads the cell that ends b, of width characters, to n.
func padRight(b []byte, width, n int) []byte {
	for ; width < n; width++ {
		b = append(b, ' ')
	}
	return b
}

// appendBytesCell is appendCell for bytes, without a string when they are
// plain ASCII.
func appendBytesCell(b, s []byte, n int) []byte {
	if plainText(s) {
		if len(s) > n {
			return append(append(b, s[:n-1]...), "…"...)
		}
		return padRight(append(b, s...), len(s), n)
	}
	return appendCell(b, string(s), n)
}

// appendCell appends s cleaned, cut to n characters and padded to them,
// as %-Ns of fit(textsafe.Clean(s), n) writes it.
func appendCell(b []byte, s string, n int) []byte {
	return fmt.Appendf(b, "%-*s", n, fit(textsafe.Clean(s), n))
}

// fit cuts s to n characters, marking the cut.
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// historyBatches prints the sends (one per batch), newest first.
func historyBatches(ctx context.Context, e env, s *profiles.Store, o *HistoryOptions) error {
	w := bufio.NewWriter(e.stdout)
	n := 0
	enc := jsonEncoder(w)
	const format = "%-19s  %-16s  %-11s  %7s  %8s  %6s  %s\n"
	err := s.Sends(ctx, o.Filter, func(b profiles.SendSummary) error {
		if o.JSON {
			n++
			return enc.Encode(b)
		}
		if n == 0 {
			fmt.Fprintf(w, format, "STARTED", "PROFILE", "ENV", "DEVICES", "ACCEPTED", "FAILED", "BATCH")
		}
		n++
		fmt.Fprintf(w, format, b.Started.Local().Format(time.DateTime), fit(textsafe.Clean(b.Profile), 16), b.Environment,
			strconv.Itoa(b.Devices), strconv.Itoa(b.Accepted), strconv.Itoa(b.Failed), textsafe.Clean(b.Batch))
		return nil
	})
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err == nil && n == 0 && !o.JSON {
		fmt.Fprintln(e.stderr, "No sends match.")
	}
	return err
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
