package send

import (
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// record is one result on its way to History and the device book; the
// session package builds and writes it, for the CLI and the console alike.
type record = session.Record

// newSend describes run for its records.
func newSend(run runInfo) *session.Send {
	return session.NewSend(run.batch, run.profile.Name, run.profile.Environment, run.out.Headers, []byte(run.out.Body), len(run.devices))
}

// record turns a result into what History and the device book keep.
func (m *Model) record(r push.Result, env certs.Environment, run runInfo, now time.Time) record {
	s := run.send
	if s == nil {
		s = newSend(run)
	}
	return s.Record(r, env, now)
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
	// shows are what the screen draws once the pending records are
	// committed: a row appears only after its write (printed ⇒ recorded).
	shows   []show
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

// show is what a batch of records makes the screen draw once they are
// committed: a batch of results (or a run's end), or an other-environment
// try.
type show struct {
	results *resultsMsg
	other   *otherMsg
}

// add queues records, with what to draw once they are committed, and
// writes them when the previous write is done: every write is one group
// commit of whatever arrived meanwhile.
func (r *recorder) add(s *profiles.Store, recs []record, sh show) tea.Cmd {
	if s == nil {
		return nil
	}
	r.pending = append(r.pending, recs...)
	r.shows = append(r.shows, sh)
	return r.flush(s)
}

// flush starts the next write, or closes history once a finished run's
// records are all written.
func (r *recorder) flush(s *profiles.Store) tea.Cmd {
	if s == nil || r.writing || r.opening {
		return nil
	}
	if len(r.pending) == 0 && len(r.shows) == 0 {
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
	batch, shows := r.pending, r.shows
	r.pending, r.shows = nil, nil
	r.writing = true
	return writeRecords(s, r.h, batch, shows)
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
// shows come back with the answer, to be drawn only now.
func writeRecords(s *profiles.Store, h *profiles.History, recs []record, shows []show) tea.Cmd {
	return func() tea.Msg {
		inHist, err := session.Write(s, h, recs)
		return recordedMsg{n: len(recs), hist: inHist, err: err, shows: shows}
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
	r.pending, r.shows = nil, nil
	if len(recs) > 0 {
		if r.h == nil && !r.noHist {
			h, err := s.OpenHistory()
			if err != nil {
				r.lastErr = fmt.Errorf("cannot open the send history: %w", err)
			}
			r.h = h
		}
		if msg, ok := writeRecords(s, r.h, recs, nil)().(recordedMsg); ok {
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
