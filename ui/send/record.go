package send

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/ui/common"
)

// record is one result on its way to History and the device book.
type record struct {
	entry profiles.HistoryEntry
	env   certs.Environment
	// book is false for cancelled results: they say nothing about the
	// device, so its last real result stays.
	book bool
	// unregistered is Apple's timestamp from a 410, for the device book.
	unregistered time.Time
}

// record turns a result into what History and the device book keep.
func (m *Model) record(r push.Result, env certs.Environment, run runInfo, now time.Time) record {
	out := run.out
	hash := run.hash
	if hash == "" {
		hash = payloadHash(out.Body)
	}
	e := profiles.HistoryEntry{
		At:             now,
		Batch:          run.batch,
		Profile:        run.profile.Name,
		Environment:    env,
		Topic:          topicOf(r, out.Headers.Topic),
		PushType:       string(out.Headers.PushType),
		Priority:       out.Headers.Priority,
		CollapseID:     out.Headers.CollapseID,
		Expiration:     expirationString(out),
		PayloadHash:    hash,
		PayloadSize:    len(out.Body),
		Payload:        out.Body,
		Token:          r.Token,
		Label:          r.Label,
		Status:         r.Status,
		Reason:         r.Reason,
		ApnsID:         r.ApnsID,
		ApnsUniqueID:   r.ApnsUniqueID,
		LatencyMS:      float64(r.Latency) / float64(time.Millisecond),
		Attempts:       r.Attempts,
		UnregisteredAt: r.UnregisteredAt,
	}
	if r.Err != nil {
		e.Error = r.Err.Error()
		if e.Reason == "" {
			e.Reason = r.Class
		}
	}
	return record{entry: e, env: env, book: r.Class != "cancelled", unregistered: r.UnregisteredAt}
}

// payloadHash is the sha256 History keeps to tell payloads apart.
func payloadHash(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func topicOf(r push.Result, fallback string) string {
	if t := r.Request.Headers["apns-topic"]; t != "" {
		return t
	}
	return fallback
}

func expirationString(out common.Outgoing) string {
	switch out.Headers.Expiration.Mode {
	case "now":
		return "0"
	case "at":
		return out.Headers.Expiration.At.UTC().Format(time.RFC3339)
	}
	return ""
}

// recorder writes records to History and the device book in order, one
// write in flight at a time, batching whatever arrived meanwhile. Its state
// lives on the model; the IO happens in the Cmds it returns.
type recorder struct {
	h       *profiles.History
	opening bool
	noHist  bool // opening failed: keep recording to the device book only
	writing bool
	pending []record
	runDone bool
	toClose []*push.Client

	// expected counts the results History should get (one per device of
	// every run, one per other-environment try), written those that did;
	// lastErr is why some did not.
	expected, written int
	lastErr           error
}

// open opens history for a new run unless it is open already.
func (r *recorder) open(s *profiles.Store) tea.Cmd {
	r.runDone = false
	if s == nil || r.h != nil || r.opening {
		return nil
	}
	r.opening, r.noHist = true, false
	return func() tea.Msg {
		h, err := s.OpenHistory()
		return histOpenedMsg{h: h, err: err}
	}
}

// add queues records and writes them when the previous write is done.
func (r *recorder) add(s *profiles.Store, recs []record) tea.Cmd {
	if s == nil || len(recs) == 0 {
		return nil
	}
	r.pending = append(r.pending, recs...)
	return r.flush(s)
}

// flush starts the next write, or closes history once a finished run's
// records are all written.
func (r *recorder) flush(s *profiles.Store) tea.Cmd {
	if s == nil || r.writing || r.opening {
		return nil
	}
	if len(r.pending) == 0 {
		if r.runDone && r.h != nil {
			h := r.h
			r.h = nil
			return func() tea.Msg { return histClosedMsg{err: h.Close()} }
		}
		return nil
	}
	if r.h == nil && !r.noHist {
		r.opening = true
		return func() tea.Msg {
			h, err := s.OpenHistory()
			return histOpenedMsg{h: h, err: err}
		}
	}
	batch := r.pending
	r.pending = nil
	r.writing = true
	return writeRecords(s, r.h, batch)
}

func (r *recorder) update(msg tea.Msg, s *profiles.Store) tea.Cmd {
	switch msg := msg.(type) {
	case histOpenedMsg:
		r.opening = false
		if msg.err != nil {
			r.noHist = true
			r.lastErr = fmt.Errorf("cannot open the send history: %w", msg.err)
			return tea.Batch(common.ErrorCmd(fmt.Errorf("cannot open the send history, results are not kept there: %w", msg.err)), r.flush(s))
		}
		r.h = msg.h
		return r.flush(s)
	case recordedMsg:
		r.writing = false
		r.note(msg)
		cmds := []tea.Cmd{
			func() tea.Msg { return common.DevicesChangedMsg{} },
			func() tea.Msg { return common.HistoryChangedMsg{} },
			r.flush(s),
		}
		if msg.err != nil {
			cmds = append(cmds, common.ErrorCmd(msg.err))
		}
		return tea.Batch(cmds...)
	case histClosedMsg:
		if msg.err != nil {
			r.lastErr = fmt.Errorf("closing the send history: %w", msg.err)
			return common.ErrorCmd(r.lastErr)
		}
	}
	return nil
}

// writeRecords appends the entries to history (one fsync) and sets each
// device's last result, an Unregistered one marking it dead.
func writeRecords(s *profiles.Store, h *profiles.History, recs []record) tea.Cmd {
	return func() tea.Msg {
		var errs []error
		inHist := false
		if h != nil {
			entries := make([]profiles.HistoryEntry, len(recs))
			for i, r := range recs {
				entries[i] = r.entry
			}
			if err := h.Append(entries...); err != nil {
				errs = append(errs, fmt.Errorf("writing %d results to history: %w", len(recs), err))
			} else {
				inHist = true
			}
		}
		byEnv := map[certs.Environment][]profiles.DeviceResult{}
		for _, r := range recs {
			if !r.book {
				continue
			}
			e := r.entry
			dr := profiles.DeviceResult{Token: e.Token, Status: e.Status, Reason: e.Reason, ApnsID: e.ApnsID, At: e.At, UnregisteredAt: r.unregistered}
			byEnv[r.env] = append(byEnv[r.env], dr)
		}
		for env, drs := range byEnv {
			if err := s.RecordResults(env, drs); err != nil {
				errs = append(errs, fmt.Errorf("recording last results in the device book: %w", err))
			}
		}
		msg := recordedMsg{n: len(recs), hist: inHist}
		if len(errs) > 0 {
			msg.err = errs[0]
		}
		return msg
	}
}

// note counts a finished write.
func (r *recorder) note(msg recordedMsg) {
	if msg.err != nil {
		r.lastErr = msg.err
	}
	if msg.hist {
		r.written += msg.n
	}
}

// closeNow runs after the program ended: it writes the records still
// queued plus late ones (read from a batch quitting could not wait for)
// and closes History, unless a write is still in flight, which owns the
// file; what stays unwritten, lost reports.
func (r *recorder) closeNow(s *profiles.Store, late []record) {
	if s == nil || r.writing || r.opening {
		return
	}
	recs := append(r.pending, late...)
	r.pending = nil
	if len(recs) > 0 {
		if r.h == nil && !r.noHist {
			h, err := s.OpenHistory()
			if err != nil {
				r.lastErr = fmt.Errorf("cannot open the send history: %w", err)
			}
			r.h = h
		}
		if msg, ok := writeRecords(s, r.h, recs)().(recordedMsg); ok {
			r.note(msg)
		}
	}
	if r.h != nil {
		if err := r.h.Close(); err != nil {
			r.lastErr = fmt.Errorf("closing the send history: %w", err)
		}
		r.h = nil
	}
}

// lost says how many results never reached History, and why.
func (r *recorder) lost() error {
	n := r.expected - r.written
	if n <= 0 {
		if r.lastErr != nil {
			return fmt.Errorf("writing send results: %w", r.lastErr)
		}
		return nil
	}
	why := r.lastErr
	if why == nil {
		why = errors.New("the console quit before they arrived or were written")
	}
	return fmt.Errorf("%d send result(s) are not in History: %w", n, why)
}
