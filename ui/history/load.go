package history

import (
	"context"
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/profiles"
)

// Page is how many of the newest matching results the screen reads: the
// filter runs in the store, on its indexes, so a million entries cost what
// a page does; older matches are reached by narrowing the filter.
const Page = 5000

// SendsPage is how many sends, newest first, the grouped view lists.
const SendsPage = 200

// reasonSample is how many of a send's newest failures name its top reason
// in the grouped view.
const reasonSample = 20

// loadedMsg carries the answer to query seq.
type loadedMsg struct {
	seq     int
	entries []profiles.HistoryEntry
	// grouped: groups answer the query (one row per send); sends: they are
	// whole sends from the sends table, else groups of entries.
	grouped, sends bool
	groups         []sendGroup
	full           bool // the page is full: older matches were not read
	err            error
}

var errPageFull = errors.New("the page is full")

// load runs the filter text as store queries: the indexed filters in
// SQL, free words on the stream, newest first, stopping at a page. It
// captures only values; ctx ends it when a newer query starts.
func load(ctx context.Context, s *profiles.Store, seq int, text string, grouped bool) tea.Cmd {
	return func() tea.Msg {
		q := parseQuery(text)
		msg := loadedMsg{seq: seq, grouped: grouped}
		if grouped && q.sendsOnly() {
			msg.sends = true
			msg.groups, msg.full, msg.err = loadSends(ctx, s, q)
			return msg
		}
		f, rest := q.storeFilter()
		if rest == nil {
			f.Limit = Page
		}
		err := s.StreamHistory(ctx, f, func(e *profiles.HistoryEntry) error {
			if rest != nil && !rest(e) {
				return nil
			}
			msg.entries = append(msg.entries, *e)
			if len(msg.entries) >= Page {
				msg.full = true
				return errPageFull
			}
			return nil
		})
		if errors.Is(err, errPageFull) {
			err = nil
		}
		msg.err = err
		if grouped {
			msg.groups = groupBySend(msg.entries)
		}
		return msg
	}
}

// loadSends lists the newest sends that match, with their totals from the
// sends table, and each one's top failure reason from its newest failures.
func loadSends(ctx context.Context, s *profiles.Store, q filterQuery) ([]sendGroup, bool, error) {
	f := profiles.HistoryFilter{Environment: q.env, Profile: q.profile, Batch: q.batch, Failed: q.outcome == "failed", Limit: SendsPage}
	var out []sendGroup
	err := s.Sends(ctx, f, func(b profiles.SendSummary) error {
		out = append(out, sendGroup{batch: b.Batch, profile: b.Profile, env: b.Environment, at: b.Started,
			n: b.Devices, ok: b.Accepted, failed: b.Failed, reasons: map[string]int{}, sampled: b.Failed > reasonSample})
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	for i := range out {
		g := &out[i]
		if g.failed == 0 || g.batch == "" {
			continue
		}
		err := s.StreamHistory(ctx, profiles.HistoryFilter{Batch: g.batch, Failed: true, Limit: reasonSample}, func(e *profiles.HistoryEntry) error {
			r := e.Reason
			if r == "" {
				r = fmt.Sprintf("HTTP %d", e.Status)
			}
			g.reasons[r]++
			return nil
		})
		if err != nil {
			return nil, false, err
		}
	}
	return out, len(out) >= SendsPage, nil
}
