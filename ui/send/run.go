package send

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// listenBatch bounds how many already-waiting results one message carries:
// big enough that 100,000 results are a few hundred messages, small enough
// that the table moves while they stream.
const listenBatch = 256

// blocker says why nothing can be sent now, and where to fix it ("" when
// ready).
func (m *Model) blocker() string {
	switch {
	case m.c.Active == nil:
		return "no active profile: make one active on the Profiles screen (1)"
	case m.cred() == nil && m.locked():
		return fmt.Sprintf("the credential of profile %s is locked: enter asks for its password", m.c.Active.Name)
	case m.cred() == nil:
		why := "it is not loaded"
		if m.c.CredErr != nil {
			why = m.c.CredErr.Error()
		}
		return fmt.Sprintf("the credential of profile %s cannot be used: %s. Fix it on the Profiles screen (1)", m.c.Active.Name, why)
	case !m.haveOut:
		return "no payload yet: write one on the Payload screen (3)"
	case len(m.out.Report.Errors) > 0:
		f := m.out.Report.Errors[0]
		where := ""
		if m.out.ErrLine > 0 {
			where = fmt.Sprintf(" at line %d:%d", m.out.ErrLine, m.out.ErrColumn)
		}
		return fmt.Sprintf("the payload has %s; the first%s: %s. Fix it on the Payload screen (3)", common.Count(len(m.out.Report.Errors), "lint error"), where, f.Message)
	case len(m.sel) == 0 && len(m.pasted) == 0:
		return "no devices: select them on the Devices screen (4) with space, or press t to paste tokens"
	case len(m.sel) > 0 && m.selEnv != m.c.Active.Environment:
		return fmt.Sprintf("the selected devices are %s devices but the profile sends to %s: select again on the Devices screen (4)", m.selEnv, m.c.Active.Environment)
	}
	return ""
}

// prepare checks what would be sent and starts, or asks first for production.
func (m *Model) prepare() tea.Cmd {
	if m.cred() == nil && m.locked() && m.c.Active != nil {
		m.pwRun++
		m.pw = common.NewPasswordPrompt(m.c.Styles, m.c.Active.Name, "to send", m.pwRun)
		return nil
	}
	if why := m.blocker(); why != "" {
		m.setNote("✗ cannot send: "+why, true)
		return nil
	}
	m.run.profile = *m.c.Active
	m.run.out = m.out
	m.run.devices = append(append([]profiles.Device(nil), m.sel...), m.pastedNotSelected()...)
	if m.c.Active.Environment == certs.Production {
		m.phase, m.confirmFrom = phaseConfirm, phaseReady
		return nil
	}
	return m.start(m.run.profile, m.run.out, m.run.devices)
}

// start begins a run: a new run ID, a cancel func, the jobs, and a Cmd that
// builds (or reuses) the client and starts the batch.
func (m *Model) start(p profiles.Profile, out common.Outgoing, devices []profiles.Device) tea.Cmd {
	m.runs++
	now := m.now()
	m.run = runInfo{
		id:      m.runs,
		batch:   fmt.Sprintf("%s-%d", now.UTC().Format("20060102T150405Z"), m.runs),
		profile: p,
		out:     out,
		devices: devices,
		started: now,
	}
	m.run.send = newSend(m.run)
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.phase = phaseRunning
	m.results = m.results[:0:0]
	m.okN, m.failN, m.cancelN, m.retried = 0, 0, 0, 0
	m.total = len(devices)
	m.expect(len(devices))
	m.retries = new(atomic.Int64)
	m.detail = -1
	m.other = map[int]otherMsg{}
	m.table.Follow = true
	m.filter, m.view, m.reasons, m.statuses = resultFilter{}, nil, nil, nil
	m.table.SetRows(0)
	m.table.SetCursor(0)
	m.setNote("", false)

	jobs := make([]push.Job, len(devices))
	for i, d := range devices {
		jobs[i] = push.Job{Token: d.Token, Label: d.Label, Payload: []byte(out.Body), Headers: out.Headers}
	}
	retries := m.retries
	opts := push.BatchOptions{OnRetry: func(int, int, string) { retries.Add(1) }}
	cred := m.cred()
	k := clientKey(p, cred)
	client := m.clients[k]
	run := m.run.id
	start := func() tea.Msg {
		c := client
		if c == nil {
			var err error
			if c, err = session.NewClient(p, cred); err != nil {
				return startedMsg{run: run, err: err}
			}
		}
		return startedMsg{run: run, ch: c.Batch(ctx, jobs, opts), client: c, key: k}
	}
	return tea.Batch(start, tick(run), m.rec.open(m.c.Store))
}

// started keeps the client and listens for the first results.
func (m *Model) started(msg startedMsg) tea.Cmd {
	if msg.ch != nil {
		m.streams[msg.ch] = true
	}
	if msg.client != nil {
		if old := m.clients[msg.key]; old != nil && old != msg.client {
			m.rec.toClose = append(m.rec.toClose, old)
		}
		m.clients[msg.key] = msg.client
	}
	if msg.run != m.run.id {
		if msg.ch != nil {
			return listen(msg.run, msg.ch) // drain a stale run; never leave it blocked
		}
		return nil
	}
	if msg.err != nil {
		m.phase = phaseReady
		m.cancel = nil
		m.expect(-m.total) // no device got a result
		m.rec.runDone = true
		m.setNote("✗ could not start the send: "+msg.err.Error(), true)
		return m.rec.flush(m.c.Store) // closes History if it opened
	}
	return listen(msg.run, msg.ch)
}

// gotResults queues a batch of results for History and the device book
// and listens again. The rows are drawn (draw) only once the batch is
// committed, so a row on screen is always in History; without a store
// they are drawn at once.
func (m *Model) gotResults(msg resultsMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.closed {
		delete(m.streams, msg.ch)
	} else {
		cmds = append(cmds, listen(msg.run, msg.ch))
	}
	if m.c.Store == nil {
		return tea.Batch(append(cmds, m.drawResults(msg))...)
	}
	now := m.now()
	recs := make([]record, 0, len(msg.results))
	for _, r := range msg.results {
		recs = append(recs, m.record(r, m.run.profile.Environment, m.run, now))
	}
	cmds = append(cmds, m.rec.add(m.c.Store, recs, show{results: &msg}))
	return tea.Batch(cmds...)
}

// draw shows what a commit made safe to show.
func (m *Model) draw(sh show) tea.Cmd {
	switch {
	case sh.results != nil:
		return m.drawResults(*sh.results)
	case sh.other != nil:
		m.other[sh.other.index] = *sh.other
	}
	return nil
}

// drawResults appends a batch of results of the current run to the table
// and its counters; a run's end makes it done.
func (m *Model) drawResults(msg resultsMsg) tea.Cmd {
	if msg.run != m.run.id {
		return nil
	}
	for _, r := range msg.results {
		switch {
		case r.OK():
			m.okN++
		case r.Class == push.ClassCancelled:
			m.cancelN++
		default:
			m.failN++
		}
	}
	from := len(m.results)
	m.results = append(m.results, msg.results...)
	m.countReasons(msg.results)
	m.retried = m.retries.Load()
	m.filtered(from)
	if !msg.closed {
		return nil
	}
	m.phase = phaseDone
	m.finished = m.now()
	if m.cancel != nil {
		m.cancel() // releases the context's resources
		m.cancel = nil
	}
	m.rec.runDone = true
	m.setNote(m.summaryNote(), m.failN > 0)
	return m.rec.flush(m.c.Store)
}

func (m *Model) summaryNote() string {
	s := fmt.Sprintf("done: %d accepted, %d failed", m.okN, m.failN)
	if m.cancelN > 0 {
		s += fmt.Sprintf(", %d cancelled", m.cancelN)
	}
	if n := m.resendable(); n > 0 {
		s += fmt.Sprintf(" · r resends %d", n)
		if g := m.reasons[apnsreason.Unregistered]; g > 0 {
			s += fmt.Sprintf(" (not the %d Unregistered)", g)
		}
	}
	if m.failN+m.cancelN > 0 {
		s += " · f filters"
	}
	if n := m.unsavedPasted(); n > 0 {
		s += fmt.Sprintf(" · b saves the %s to the device book", count(n, "pasted token"))
	}
	return s
}

// gone is true for a result that says the token is dead: resending to it
// would only repeat the 410 ("stop sending to this token").
func gone(r push.Result) bool { return r.Status == 410 || r.Reason == apnsreason.Unregistered }

// resendable is how many devices r would resend to.
func (m *Model) resendable() int {
	return m.failN + m.cancelN - m.reasons[apnsreason.Unregistered]
}

// resendFailed starts a run to the devices whose result was not accepted.
func (m *Model) resendFailed() tea.Cmd {
	var devs []profiles.Device
	skipped := 0
	for _, r := range m.results {
		switch {
		case r.OK():
		case gone(r):
			skipped++
		default:
			devs = append(devs, profiles.Device{Label: r.Label, Token: r.Token, Environment: m.run.profile.Environment})
		}
	}
	if len(devs) == 0 {
		if skipped > 0 {
			m.setNote(fmt.Sprintf("nothing to resend: the %s left failed with 410 Unregistered (stop sending to those tokens)", count(skipped, "device")), true)
			return nil
		}
		m.setNote("nothing to resend: every device accepted", false)
		return nil
	}
	m.skipped = skipped
	skippedNote := ""
	if skipped > 0 {
		skippedNote = fmt.Sprintf("skipped %s that answered 410 Unregistered (stop sending to those tokens)", count(skipped, "device"))
	}
	if m.run.profile.Environment == certs.Production {
		m.run.devices = devs
		m.phase, m.confirmFrom = phaseConfirm, phaseDone
		m.setNote(skippedNote, false)
		return nil
	}
	cmd := m.start(m.run.profile, m.run.out, devs)
	m.setNote(skippedNote, false)
	return cmd
}

// listen waits for the next result, then takes whatever else is already
// waiting (up to listenBatch) so a fast stream costs few messages. It
// blocks rather than drops, and says when the channel closed.
func listen(run int, ch <-chan push.Result) tea.Cmd {
	return func() tea.Msg {
		r, ok := <-ch
		if !ok {
			return resultsMsg{run: run, ch: ch, closed: true}
		}
		batch := make([]push.Result, 1, 16)
		batch[0] = r
		for len(batch) < listenBatch {
			select {
			case r, ok := <-ch:
				if !ok {
					return resultsMsg{run: run, results: batch, ch: ch, closed: true}
				}
				batch = append(batch, r)
			default:
				return resultsMsg{run: run, results: batch, ch: ch}
			}
		}
		return resultsMsg{run: run, results: batch, ch: ch}
	}
}

func tick(run int) tea.Cmd {
	return tea.Tick(250*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{run: run} })
}

// clientKey names the client a profile's sends can share: the same
// credential to the same place.
func clientKey(p profiles.Profile, cred *certs.Credential) string {
	return fmt.Sprintf("%s|%s|%d|%s|%s|%p", p.Environment, p.Host, p.Port, p.ServerCA, p.Topic, cred)
}

func closeClients(cs []*push.Client) tea.Cmd {
	return func() tea.Msg {
		for _, c := range cs {
			c.Close()
		}
		return nil
	}
}

// reasonOf is the short reason of a result: APNs' reason, else the
// transport class, else the status.
func reasonOf(r push.Result) string {
	switch {
	case r.Reason != "":
		return r.Reason
	case r.Class != "":
		return string(r.Class)
	case r.Err != nil:
		return r.Err.Error()
	case r.Status != 0 && r.Status != 200:
		return fmt.Sprintf("HTTP %d", r.Status)
	}
	return ""
}
