// Package send is the Send screen: a summary of what will go out, the
// production confirmation, and the send itself with results streaming into a
// virtualized table (smooth at 100,000 rows), a detail view per result, the
// cancel, resend-failed and save keys. Every result is written to History and
// to the device book as it arrives, through a serial chain of Cmds.
package send

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/apnsreason"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

type phase int

const (
	phaseReady   phase = iota // the summary
	phaseConfirm              // production: one more key
	phaseRunning
	phaseDone
)

// KeyMap is the Send screen's keys.
type KeyMap struct {
	Send, Confirm, Cancel, Resend, Save, Detail, Other, Back, New key.Binding
	// Pasted tokens: open the field, take it, forget them, save them to
	// the device book after a send.
	Paste, PasteOK, Forget, SaveBook key.Binding
	// The results filter: next filter, all rows again.
	Filter, AllRows key.Binding
	// In a result's detail.
	Prev, Next, Down, Up, PageDown, PageUp, Top, Yes, No key.Binding
	// Pointers for a debugging developer: copy as curl, export the
	// payload as a Simulator .apns file.
	Curl, SimFile key.Binding
	// Move moves a device whose token the other environment accepted.
	Move key.Binding
	// SaveOK is enter in the save field.
	SaveOK key.Binding
}

// DefaultKeyMap returns the Send screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Send:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Confirm:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, send to production")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Resend:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resend failed")),
		Save:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save results")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Other:    key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "try other env")),
		Back:     key.NewBinding(key.WithKeys("esc", "q", "backspace"), key.WithHelp("esc", "back")),
		New:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new send")),
		Paste:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "paste tokens")),
		PasteOK:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "take the tokens")),
		Forget:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "forget pasted tokens")),
		SaveBook: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "save pasted to device book")),
		Filter:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter: failed, by reason, by status")),
		AllRows:  key.NewBinding(key.WithKeys("F"), key.WithHelp("F", "show all results")),
		Prev:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←", "prev")),
		Next:     key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→", "next")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "scroll")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "scroll up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn", "page down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, send it")),
		No:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
		Curl:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "curl")),
		Move:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "move device")),
		SimFile:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", ".apns file")),
		SaveOK:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
	}
}

// Msgs of this screen. Each carries the run it belongs to.
type (
	// startedMsg says a batch is under way; Results arrive on ch.
	startedMsg struct {
		run    int
		ch     <-chan push.Result
		client *push.Client
		key    string
		err    error
	}
	// resultsMsg carries one or more results, in arrival order; ch is the
	// channel to listen on next, so no result is ever left unread.
	resultsMsg struct {
		run     int
		results []push.Result
		ch      <-chan push.Result
		closed  bool
	}
	// tickMsg refreshes the elapsed time and rate while a send runs.
	tickMsg struct{ run int }
	// histOpenedMsg carries the history file for the recorder.
	histOpenedMsg struct {
		h   *profiles.History
		err error
	}
	// recordedMsg says a batch of records reached history and the book.
	recordedMsg struct {
		n     int
		hist  bool // the n are in History
		err   error
		shows []show // what to draw now that the n are committed
	}
	// histClosedMsg says the recorder closed the history file.
	histClosedMsg struct{ err error }
	// savedMsg reports saving the results to a file.
	savedMsg struct {
		path string
		n    int
		err  error
	}
	// otherMsg is the outcome of retrying a device on the other environment.
	otherMsg struct {
		index  int
		env    certs.Environment
		result push.Result
		err    error
	}
)

// runInfo is what a run sends and where, fixed when it starts.
type runInfo struct {
	id      int
	batch   string
	profile profiles.Profile
	out     common.Outgoing
	devices []profiles.Device
	started time.Time
	send    *session.Send // what each result's record says of the run
}

// Model is the Send screen.
type Model struct {
	c             common.Common
	keys          KeyMap
	width, height int
	now           func() time.Time

	out     common.Outgoing
	haveOut bool
	outSeq  uint64 // Seq of the newest PayloadChangedMsg kept
	sel     []profiles.Device
	selEnv  certs.Environment
	selSeq  uint64 // Seq of the newest SelectionChangedMsg kept

	phase phase
	// confirmFrom is where esc returns from the production question: the
	// summary, or the results of the run being resent.
	confirmFrom phase
	run         runInfo
	runs        int
	cancel      context.CancelFunc
	finished    time.Time
	total       int
	results     []push.Result
	okN         int
	failN       int
	cancelN     int
	retries     *atomic.Int64
	retried     int64

	table    common.Table
	bar      progress.Model
	detail   int // index of the result shown in detail, -1 none
	detailY  int
	askOther bool
	other    map[int]otherMsg

	saving bool
	saveIn textinput.Model

	// pw asks for a locked credential's password right here; unlocked is
	// what it opened, used until the shell's reload brings it.
	pw       *common.PasswordPrompt
	pwKeys   common.PasswordKeyMap
	pwRun    int
	unlocked *common.UnlockedMsg
	moved    map[string]bool // tokens moved to the other environment (m)

	// Pasted tokens (not in the device book).
	pasting     bool
	pasteIn     textinput.Model
	pasteErr    string
	pasted      []string
	pastedSaved bool

	// The results filter and the breakdown by reason.
	filter   resultFilter
	view     []int // rows of results matching the filter (nil: all)
	reasons  map[string]int
	statuses map[int]int
	skipped  int // 410s the last resend left out

	clients map[string]*push.Client
	rec     recorder
	note    string
	noteBad bool

	// streams are the batches whose channel has not closed yet: quitting
	// waits for them, so no result is left unread and no worker blocked.
	streams map[<-chan push.Result]bool
	// trying counts other-environment tries in flight; life is cancelled
	// when the console quits, ending them.
	trying  int
	life    context.Context
	endLife context.CancelFunc
}

// New builds the Send screen.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), now: time.Now, detail: -1, clients: map[string]*push.Client{}, other: map[int]otherMsg{},
		streams: map[<-chan push.Result]bool{}, pwKeys: common.DefaultPasswordKeyMap(), moved: map[string]bool{}}
	m.life, m.endLife = context.WithCancel(context.Background())
	m.retries = new(atomic.Int64)
	m.bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	m.bar.FullColor = c.Styles.Accent
	m.bar.EmptyColor = c.Styles.Muted
	m.saveIn = common.NewInput(c.Styles, "save to: ", "results.jsonl or results.csv")
	m.pasteIn = common.NewInput(c.Styles, "tokens: ", "paste device tokens: hex or <…> as iOS prints them")
	m.table = common.NewTable(columns(0))
	m.SetSize(c.Width, c.Height)
	return m
}

// SetClock replaces the clock (tests use a fixed one).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Init has nothing to load: the Payload and Devices screens tell this one
// what to send.
func (m *Model) Init() tea.Cmd { return nil }

// Title is the tab label.
func (m *Model) Title() string { return "Send" }

// Capturing is true while the production question, the save field or a
// result's detail has the keys.
func (m *Model) Capturing() bool {
	return m.phase == phaseConfirm || m.saving || m.pasting || m.pw != nil || m.detail >= 0
}

// cred is the active profile's credential: the shell's, else the one just
// unlocked on this screen.
func (m *Model) cred() *certs.Credential {
	if m.c.Cred != nil {
		return m.c.Cred
	}
	if u := m.unlocked; u != nil && m.c.Active != nil && u.Profile == m.c.Active.Name {
		return u.Cred
	}
	return nil
}

// locked is true when the active credential waits for its password.
func (m *Model) locked() bool { return errors.Is(m.c.CredErr, common.ErrNeedsPassword) }

// SetCommon takes the shell's latest state.
func (m *Model) SetCommon(c common.Common) {
	m.c = c
	m.SetSize(c.Width, c.Height)
}

// SetSize lays out the screen; the table gets what the summary leaves.
func (m *Model) SetSize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	m.width, m.height = w, h
	m.table.Columns = columns(w)
	m.sizeTable()
	m.bar.SetWidth(max(10, min(60, w-30)))
	m.saveIn.SetWidth(max(10, w-12))
	m.pasteIn.SetWidth(max(10, w-10))
}

// maxReason is the longest APNs reason, TooManyProviderTokenUpdates.
const maxReason = 27

// columns fits the result columns to the width: the ids shorten below 150
// (the detail shows them whole); the reason never needs more than its
// longest name, the device label takes the rest.
func columns(w int) []common.Column {
	id := 14
	if w >= 150 {
		id = 36
	}
	cols := []common.Column{
		{Title: "Device", Min: 12},
		{Title: "Status", Width: 6},
		{Title: "Reason", Min: 16, Max: maxReason},
	}
	if w >= 70 || w == 0 {
		cols = append(cols, common.Column{Title: "apns-id", Width: id}) // below 70 the detail shows it
	}
	if w >= 100 {
		cols = append(cols, common.Column{Title: "apns-unique-id", Width: id})
	}
	return append(cols,
		common.Column{Title: "Latency", Width: 8},
		common.Column{Title: "Try", Width: 3},
	)
}

func (m *Model) setNote(s string, bad bool) { m.note, m.noteBad = s, bad }

// sizeTable gives the table what the lines above and below it leave.
func (m *Model) sizeTable() {
	h := m.height - 4
	if m.showBreakdown() {
		h--
	}
	m.table.SetSize(m.width, max(2, h))
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case common.PayloadChangedMsg:
		if msg.Seq != 0 && msg.Seq < m.outSeq {
			break // an older edit that arrived late
		}
		m.out, m.haveOut, m.outSeq = msg.Out, true, msg.Seq
	case common.SelectionChangedMsg:
		if msg.Seq != 0 && msg.Seq < m.selSeq {
			break // an older selection that arrived late
		}
		m.sel, m.selEnv, m.selSeq = msg.Devices, msg.Env, msg.Seq
	case startedMsg:
		cmds = append(cmds, m.started(msg))
	case resultsMsg:
		cmds = append(cmds, m.gotResults(msg))
	case tickMsg:
		if msg.run == m.run.id && m.phase == phaseRunning {
			m.retried = m.retries.Load()
			cmds = append(cmds, tick(msg.run))
		}
	case recordedMsg:
		cmds = append(cmds, m.rec.update(msg, m.c.Store))
		for _, sh := range msg.shows {
			cmds = append(cmds, m.draw(sh))
		}
	case histOpenedMsg, histClosedMsg:
		cmds = append(cmds, m.rec.update(msg, m.c.Store))
	case savedMsg:
		m.saving = false
		if msg.err != nil {
			m.setNote(fmt.Sprintf("could not save the results to %s: %v", msg.path, msg.err), true)
		} else {
			m.setNote(fmt.Sprintf("saved %s to %s", common.Count(msg.n, "result"), msg.path), false)
		}
	case otherMsg:
		m.trying = max(0, m.trying-1)
		if msg.err != nil || m.c.Store == nil {
			m.other[msg.index] = msg
			break
		}
		// Drawn once it is in History, like every result.
		m.expect(1)
		cmds = append(cmds, m.rec.add(m.c.Store, []record{m.record(msg.result, msg.env, m.run, m.now())}, show{other: &msg}))
	case common.UnlockedMsg:
		if m.pw == nil || !m.pw.Mine(msg) || !m.pw.Answer(msg) {
			break
		}
		m.pw = nil
		m.unlocked = &msg
		cmds = append(cmds, common.Cmd(common.PasswordMsg{Profile: msg.Profile, Password: msg.Password}), m.prepare())
	case movedMsg:
		if msg.err != nil {
			m.setNote("could not move the device: "+msg.err.Error(), true)
		} else {
			m.moved[msg.token] = true
			m.setNote(fmt.Sprintf("%s now is a %s device in the book", msg.label, msg.env), false)
			cmds = append(cmds, common.Cmd(common.DevicesChangedMsg{}))
		}
		cmds = append(cmds, common.StatusCmd(m.note))
	case exportedMsg:
		if msg.err != nil {
			m.setNote(fmt.Sprintf("could not write the %s: %v", msg.what, msg.err), true)
		} else {
			m.setNote(fmt.Sprintf("%s copied (where the terminal allows OSC 52) and saved to %s", upperFirst(msg.what), msg.path), false)
		}
		cmds = append(cmds, common.StatusCmd(m.note))
	case savedPastedMsg:
		if msg.err != nil {
			m.setNote(fmt.Sprintf("could not save the pasted tokens: %v", msg.err), true)
			break
		}
		m.pastedSaved = true
		m.setNote(fmt.Sprintf("%s added to the device book (Devices screen, 4: e gives each a name)", count(msg.added, "device")), false)
		cmds = append(cmds, common.Cmd(common.DevicesChangedMsg{}))
	case tea.PasteMsg:
		if m.pw != nil {
			cmds = append(cmds, m.promptKey(msg))
		}
		if m.pasting {
			m.pasteText(msg.Content)
		}
		if m.saving {
			var cmd tea.Cmd
			m.saveIn, cmd = m.saveIn.Update(msg)
			cmds = append(cmds, cmd)
		}
	case tea.KeyPressMsg:
		cmds = append(cmds, m.key(msg))
	}
	if len(m.rec.toClose) > 0 && m.phase != phaseRunning {
		cmds = append(cmds, closeClients(m.rec.toClose))
		m.rec.toClose = nil
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.saving:
		return m.keySave(msg)
	case m.pasting:
		return m.pasteKey(msg)
	case m.pw != nil:
		return m.promptKey(msg)
	case m.detail >= 0:
		return m.keyDetail(msg)
	case m.phase == phaseConfirm:
		switch {
		case key.Matches(msg, m.keys.Confirm):
			return m.start(m.run.profile, m.run.out, m.run.devices)
		case key.Matches(msg, m.keys.No):
			m.phase = m.confirmFrom
			m.setNote("not sent", false)
		}
		return nil
	case m.phase == phaseReady:
		switch {
		case key.Matches(msg, m.keys.Send):
			return m.prepare()
		case key.Matches(msg, m.keys.Paste):
			m.pasting, m.pasteErr = true, ""
			m.pasteIn.SetValue(strings.Join(m.pasted, " "))
			m.pasteIn.CursorEnd()
			return m.pasteIn.Focus()
		case key.Matches(msg, m.keys.Forget) && len(m.pasted) > 0:
			m.pasted = nil
			m.setNote("pasted tokens forgotten", false)
		}
		return nil
	}
	// Running or done: the results table.
	if m.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Cancel) && m.phase == phaseRunning:
		if m.cancel != nil {
			m.cancel()
		}
		m.setNote("cancelling: every device not yet sent gets a cancelled result", true)
	case key.Matches(msg, m.keys.Detail):
		if m.table.Rows() > 0 {
			m.detail = m.rowIndex(m.table.Cursor())
			m.detailY = 0
			m.askOther = false
		}
	case key.Matches(msg, m.keys.Filter) && m.phase == phaseDone:
		m.nextFilter()
	case key.Matches(msg, m.keys.AllRows) && m.filter.kind != filterAll:
		m.setFilter(resultFilter{})
	case key.Matches(msg, m.keys.SaveBook) && m.phase == phaseDone && m.unsavedPasted() > 0:
		return savePasted(m.c.Store, pastedDevices(m.pasted, m.run.profile.Environment))
	case key.Matches(msg, m.keys.Resend) && m.phase == phaseDone:
		return m.resendFailed()
	case key.Matches(msg, m.keys.Save) && len(m.results) > 0:
		m.saving = true
		m.saveIn.SetValue(filepath.Join(exportDir(m.c), fmt.Sprintf("pushdeck-%s.jsonl", m.run.batch)))
		m.saveIn.CursorEnd()
		return m.saveIn.Focus()
	case key.Matches(msg, m.keys.New) && m.phase == phaseDone:
		m.phase = phaseReady
		m.setNote("", false)
	}
	return nil
}

// promptKey gives a key or paste to the password prompt.
func (m *Model) promptKey(msg tea.Msg) tea.Cmd {
	if m.c.Active == nil {
		m.pw = nil
		return nil
	}
	cmd, cancel := m.pw.Update(msg, m.pwKeys, *m.c.Active, session.LoadCredential)
	if cancel {
		m.pw = nil
	}
	return cmd
}

func (m *Model) keySave(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.saving = false
		return nil
	case key.Matches(msg, m.keys.SaveOK):
		path := m.saveIn.Value()
		if path == "" {
			m.setNote("type a file name ending in .jsonl or .csv", true)
			return nil
		}
		return saveResults(savePath(path, exportDir(m.c)), m.results, m.run)
	}
	var cmd tea.Cmd
	m.saveIn, cmd = m.saveIn.Update(msg)
	return cmd
}

// ShortHelp is the keys that work now, the most useful first.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.saving:
		return []key.Binding{k.SaveOK, k.Cancel}
	case m.pasting:
		return []key.Binding{k.PasteOK, k.Cancel}
	case m.pw != nil:
		return []key.Binding{m.pwKeys.Submit, m.pwKeys.Cancel}
	case m.detail >= 0 && m.askOther:
		return []key.Binding{k.Yes, k.No}
	case m.detail >= 0:
		return m.detailKeys()
	case m.phase == phaseConfirm:
		return []key.Binding{k.Confirm, k.No}
	case m.phase == phaseReady:
		var b []key.Binding
		if m.blocker() == "" || (m.cred() == nil && m.locked()) {
			b = append(b, k.Send)
		}
		b = append(b, k.Paste)
		if len(m.pasted) > 0 {
			b = append(b, k.Forget)
		}
		return b
	case m.phase == phaseRunning:
		// The screen's own actions first: the footer leaves out what does
		// not fit.
		return append([]key.Binding{k.Detail, k.Cancel}, m.table.ShortHelp()...)
	}
	b := []key.Binding{k.Detail}
	if m.resendable() > 0 {
		b = append(b, k.Resend)
	}
	if m.failN+m.cancelN > 0 {
		b = append(b, k.Filter)
	}
	if m.filter.kind != filterAll {
		b = append(b, k.AllRows)
	}
	if m.unsavedPasted() > 0 {
		b = append(b, k.SaveBook)
	}
	return append(append(b, k.Save, k.New), m.table.ShortHelp()...)
}

// detailKeys are a result detail's keys that work on this result.
func (m *Model) detailKeys() []key.Binding {
	k := m.keys
	b := []key.Binding{k.Back}
	if _, tried := m.other[m.detail]; m.results[m.detail].Reason == apnsreason.BadDeviceToken && !tried {
		b = append(b, k.Other)
	}
	if m.canMove() {
		b = append(b, k.Move)
	}
	b = append(b, k.Curl, k.SimFile)
	if m.detail > 0 {
		b = append(b, k.Prev)
	}
	if m.detail < len(m.results)-1 {
		b = append(b, k.Next)
	}
	return append(b, k.Down, k.Up, k.PageDown, k.PageUp, k.Top)
}

// FullHelp is every key that works now, in columns.
func (m *Model) FullHelp() [][]key.Binding {
	switch {
	case m.detail >= 0 || m.saving || m.pasting || m.pw != nil || m.phase == phaseConfirm || m.phase == phaseReady:
		return [][]key.Binding{m.ShortHelp()}
	case m.phase == phaseRunning:
		return [][]key.Binding{{m.keys.Detail, m.keys.Cancel}, m.table.FullHelp()}
	}
	own := m.ShortHelp()
	return [][]key.Binding{own[:len(own)-len(m.table.ShortHelp())], m.table.FullHelp()}
}

// Results are the results of the current run so far, in arrival order
// (the end-to-end test reads them from the final model).
func (m *Model) Results() []push.Result { return m.results }

// WantsEsc is true while a send runs: esc cancels it.
func (m *Model) WantsEsc() bool { return m.phase == phaseRunning }

// Stop cancels a running send (and a try on the other environment) when
// the console quits. The listener keeps reading, so every device still
// gets its result, cancelled or real, and the recorder writes them all to
// History and the device book, then closes History.
func (m *Model) Stop() tea.Cmd {
	m.endLife()
	if m.phase == phaseRunning {
		if m.cancel != nil {
			m.cancel()
		}
		m.setNote("quitting: cancelling the send; every device not yet sent gets a cancelled result, all kept in History", true)
		return nil
	}
	m.rec.runDone = true
	return m.rec.flush(m.c.Store) // closes History once it is idle
}

// Stopped is true when no batch is streaming, no try is in flight, and
// every record is written with History closed.
func (m *Model) Stopped() bool {
	r := m.rec
	return m.phase != phaseRunning && len(m.streams) == 0 && m.trying == 0 &&
		!r.writing && !r.opening && len(r.pending) == 0 && len(r.shows) == 0 && r.h == nil
}

// expect counts results History should get; without a store there is no
// History to get them.
func (m *Model) expect(n int) {
	if m.c.Store != nil {
		m.rec.expected += n
	}
}

// closeDrain bounds how long Close reads a batch that quitting could not
// wait for.
const closeDrain = 2 * time.Second

// Close runs after the program ended: it closes the clients and, when the
// quit did not wait for the send (its bound ran out, or a second ctrl+c),
// cancels and drains the batch so no worker is left, writes what it can,
// and says how many results are not in History.
func (m *Model) Close() error {
	m.endLife()
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
	var late []record
	deadline := time.NewTimer(closeDrain)
	defer deadline.Stop()
drain:
	for ch := range m.streams {
		for {
			select {
			case r, ok := <-ch:
				if !ok {
					delete(m.streams, ch)
					continue drain
				}
				late = append(late, m.record(r, m.run.profile.Environment, m.run, m.now()))
			case <-deadline.C:
				break drain
			}
		}
	}
	m.rec.closeNow(m.c.Store, late)
	for _, c := range m.clients {
		c.Close()
	}
	m.clients = map[string]*push.Client{}
	return m.rec.lost()
}
