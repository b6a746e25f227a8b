// Package channels is the Channels screen: the active profile's broadcast
// channels (iOS 18 Live Activities) as APNs lists them, with create,
// delete (confirmed) and a broadcast of the Payload screen's notification
// to the selected channel, recorded in History like any send.
package channels

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// maxRead bounds how many channels' policies a refresh reads (one request
// each); the rest show "?" until selected channels are sent to.
const maxRead = 100

type mode int

const (
	modeBrowse mode = iota
	modeCreate
	modeConfirmDelete
	modeConfirmSend
)

// row is one channel of the list.
type row struct {
	ID     string
	Policy push.StoragePolicy
	Known  bool // Policy was read from APNs
	Label  string
}

// outcome is one broadcast's result, as the screen shows it.
type outcome struct {
	Channel string
	Label   string
	Env     certs.Environment
	Result  push.Result
	// RecordErr says History could not keep it.
	RecordErr error
}

// Msgs of the screen; run drops answers to an earlier request.
type (
	// listedMsg carries the channels APNs listed, with the policies read.
	listedMsg struct {
		run  int
		rows []row
		err  error
	}
	// createdMsg carries a create's answer.
	createdMsg struct {
		res   push.ChannelResult
		label string
		env   certs.Environment
		// saveErr says the store could not keep it (the channel exists).
		saveErr error
	}
	// deletedMsg carries a delete's answer.
	deletedMsg struct {
		res push.ChannelResult
		env certs.Environment
	}
	// sentMsg carries a broadcast's result, already recorded in History.
	sentMsg struct {
		run int
		out outcome
	}
)

// Model is the Channels screen.
type Model struct {
	c     common.Common
	keys  KeyMap
	table common.Table
	label textinput.Model

	rows    []row
	labels  map[string]string // labels given at creation, this session
	loaded  bool
	loading bool
	loadErr error
	run     int
	forEnv  string // profile + environment the list is of

	mode    mode
	policy  push.StoragePolicy // of the channel being created
	pending row                // the channel a confirmation is about
	busy    string             // "creating…", "deleting…", "broadcasting…"

	out    common.Outgoing
	outSeq uint64

	sendRun int
	cancel  context.CancelFunc
	results []outcome

	width, height int
}

// New builds the Channels screen.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), labels: map[string]string{}, policy: push.MostRecentMessage}
	m.table = common.NewTable([]common.Column{
		{Title: "LABEL", Min: 8, Max: 24}, {Title: "POLICY", Width: 12}, {Title: "CHANNEL ID", Min: 12},
	})
	m.label = common.NewInput(c.Styles, "label: ", "e.g. Cup final")
	return m
}

// Title is the tab label.
func (m *Model) Title() string { return "Channels" }

// Capturing is true while the new channel's label is typed.
func (m *Model) Capturing() bool { return m.mode == modeCreate }

// WantsEsc is true while a form or a confirmation is open.
func (m *Model) WantsEsc() bool { return m.mode != modeBrowse }

// SetCommon takes the shell's latest shared state.
func (m *Model) SetCommon(c common.Common) { m.c = c }

// SetSize sets the screen's area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.table.SetSize(w, max(2, h-6))
}

// Shown refreshes the list when the active profile changed since the last
// one.
func (m *Model) Shown() tea.Cmd {
	if m.listKey() != m.forEnv || !m.loaded {
		return m.refresh()
	}
	return nil
}

// Stop cancels a broadcast in flight when the console quits.
func (m *Model) Stop() tea.Cmd {
	if m.cancel != nil {
		m.cancel()
	}
	return nil
}

// Stopped is true when no broadcast is in flight.
func (m *Model) Stopped() bool { return m.busy == "" }

// Rows are the channels listed (for tests).
func (m *Model) Rows() []row { return m.rows }

// Results are the broadcasts of this session, newest last.
func (m *Model) Results() []outcome { return m.results }

func (m *Model) listKey() string {
	if p := m.c.Active; p != nil {
		return p.Name + "/" + string(p.Environment)
	}
	return ""
}

func (m *Model) env() certs.Environment {
	if p := m.c.Active; p != nil {
		return p.Environment
	}
	return ""
}

// config builds the engine configuration of the active profile. It reads
// the server CA file: call it inside a Cmd.
func config(p *profiles.Profile, cred *certs.Credential) (push.Config, error) {
	if p == nil {
		return push.Config{}, errors.New("no active profile: pick one on the Profiles screen")
	}
	return session.Config(*p, cred)
}

// refresh lists the channels of the active profile's app.
func (m *Model) refresh() tea.Cmd {
	m.run++
	m.loading, m.loadErr, m.forEnv = true, nil, m.listKey()
	run, p, cred, store := m.run, m.c.Active, m.c.Cred, m.c.Store
	return func() tea.Msg {
		cfg, err := config(p, cred)
		if err != nil {
			return listedMsg{run: run, err: err}
		}
		cc, err := push.NewChannelClient(cfg)
		if err != nil {
			return listedMsg{run: run, err: err}
		}
		defer cc.Close()
		ctx := context.Background()
		lr := cc.List(ctx)
		if !lr.OK() {
			return listedMsg{run: run, err: errors.New(push.DescribeChannel(lr, cfg.Environment) + " — " + push.ExplainChannel(lr.Reason).Fix)}
		}
		// The store keeps labels and policies; APNs is the truth of
		// which channels exist.
		kept := map[string]profiles.Channel{}
		if store != nil {
			cs, _ := store.Channels(cfg.Environment, cc.Bundle())
			for _, c := range cs {
				kept[c.ID] = c
			}
		}
		rows := make([]row, len(lr.Channels))
		for i, id := range lr.Channels {
			k, inStore := kept[id]
			rows[i] = row{ID: id, Label: clean(k.Label)}
			if i < maxRead {
				if rr := cc.Read(ctx, id); rr.OK() {
					rows[i].Policy, rows[i].Known = rr.Channel.Policy, true
					if store != nil && (!inStore || k.StoragePolicy != int(rr.Channel.Policy)) {
						// Best effort: the list is right without it; the
						// store only learns the policy for later sends.
						_, _ = store.SaveChannel(profiles.Channel{ID: id, Topic: cc.Bundle(), Environment: cfg.Environment, StoragePolicy: int(rr.Channel.Policy)})
					}
					continue
				}
			}
			if inStore {
				rows[i].Policy, rows[i].Known = push.StoragePolicy(k.StoragePolicy), true
			}
		}
		return listedMsg{run: run, rows: rows}
	}
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.mode == modeCreate {
			var cmd tea.Cmd
			m.label, cmd = m.label.Update(msg)
			return m, cmd
		}
	case common.PayloadChangedMsg:
		if msg.Seq >= m.outSeq {
			m.out, m.outSeq = msg.Out, msg.Seq
		}
	case listedMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.loading, m.loaded, m.loadErr = false, true, msg.err
		if msg.err == nil {
			for i := range msg.rows {
				if msg.rows[i].Label == "" {
					msg.rows[i].Label = m.labels[msg.rows[i].ID]
				}
			}
			m.rows = msg.rows
			m.table.SetRows(len(m.rows))
		}
	case createdMsg:
		m.busy = ""
		if !msg.res.OK() {
			return m, common.ErrorCmd(fmt.Errorf("create: %s", withFix(push.DescribeChannel(msg.res, msg.env), msg.res.Reason)))
		}
		if msg.label != "" {
			m.labels[msg.res.Channel.ID] = msg.label
		}
		if msg.saveErr != nil {
			return m, tea.Batch(common.ErrorCmd(fmt.Errorf("%s, but the store could not keep it: %w", push.DescribeChannel(msg.res, msg.env), msg.saveErr)), m.refresh())
		}
		return m, tea.Batch(common.StatusCmd(push.DescribeChannel(msg.res, msg.env)), m.refresh())
	case deletedMsg:
		m.busy = ""
		if !msg.res.OK() {
			return m, common.ErrorCmd(fmt.Errorf("delete: %s", withFix(push.DescribeChannel(msg.res, msg.env), msg.res.Reason)))
		}
		delete(m.labels, msg.res.Channel.ID)
		return m, tea.Batch(common.StatusCmd(push.DescribeChannel(msg.res, msg.env)), m.refresh())
	case sentMsg:
		if msg.run != m.sendRun {
			return m, nil
		}
		m.busy, m.cancel = "", nil
		m.results = append(m.results, msg.out)
		cmds := []tea.Cmd{common.Cmd(common.HistoryChangedMsg{})}
		if msg.out.RecordErr != nil {
			cmds = append(cmds, common.ErrorCmd(fmt.Errorf("the broadcast went out but History could not keep it: %w", msg.out.RecordErr)))
		}
		return m, tea.Batch(cmds...)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch m.mode {
	case modeCreate:
		switch {
		case key.Matches(msg, m.keys.Cancel):
			m.mode = modeBrowse
			m.label.Blur()
			return nil
		case key.Matches(msg, m.keys.Policy):
			if m.policy == push.NoStorage {
				m.policy = push.MostRecentMessage
			} else {
				m.policy = push.NoStorage
			}
			return nil
		case msg.String() == "enter":
			m.mode = modeBrowse
			m.label.Blur()
			return m.create(clean(m.label.Value()))
		}
		var cmd tea.Cmd
		m.label, cmd = m.label.Update(msg)
		return cmd
	case modeConfirmDelete, modeConfirmSend:
		confirm := key.Matches(msg, m.keys.Confirm)
		what := m.mode
		m.mode = modeBrowse
		if !confirm {
			return common.StatusCmd("cancelled")
		}
		if what == modeConfirmDelete {
			return m.deleteChannel(m.pending)
		}
		return m.send(m.pending)
	}
	if m.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Refresh):
		return m.refresh()
	case key.Matches(msg, m.keys.New):
		if m.busy != "" {
			return nil
		}
		m.mode = modeCreate
		m.label.SetValue("")
		return m.label.Focus()
	case key.Matches(msg, m.keys.Delete):
		if r, ok := m.selected(); ok && m.busy == "" {
			m.pending, m.mode = r, modeConfirmDelete
		}
	case key.Matches(msg, m.keys.Send):
		r, ok := m.selected()
		if !ok || m.busy != "" {
			return nil
		}
		if err := m.sendable(); err != nil {
			return common.ErrorCmd(err)
		}
		m.pending = r
		if m.env() == certs.Production {
			m.mode = modeConfirmSend
			return nil
		}
		return m.send(r)
	}
	return nil
}

func (m *Model) selected() (row, bool) {
	if len(m.rows) == 0 {
		return row{}, false
	}
	return m.rows[m.table.Cursor()], true
}

// sendable says why the Payload screen's notification cannot be broadcast.
func (m *Model) sendable() error {
	if m.out.Body == "" {
		return errors.New("nothing to broadcast: write a Live Activity update on the Payload screen (ctrl+t: Live Activity update)")
	}
	if !m.out.Report.Valid {
		return fmt.Errorf("the payload has errors (line %d:%d): fix them on the Payload screen first", m.out.ErrLine, m.out.ErrColumn)
	}
	if pt := m.out.Headers.PushType; pt != "" && pt != "liveactivity" {
		return fmt.Errorf("the payload is a %s push: channels carry Live Activity updates only (push type liveactivity)", pt)
	}
	return nil
}

func (m *Model) create(label string) tea.Cmd {
	m.busy = "creating…"
	p, cred, policy, store := m.c.Active, m.c.Cred, m.policy, m.c.Store
	return func() tea.Msg {
		cfg, err := config(p, cred)
		if err != nil {
			return createdMsg{res: push.ChannelResult{Op: "create", Err: err, Class: "invalid"}}
		}
		cc, err := push.NewChannelClient(cfg)
		if err != nil {
			return createdMsg{res: push.ChannelResult{Op: "create", Err: err, Class: "invalid"}, env: cfg.Environment}
		}
		defer cc.Close()
		// A label already used would be lost once APNs made the channel.
		if label != "" && store != nil {
			if c, err := store.Channel(cfg.Environment, label); err == nil {
				return createdMsg{res: push.ChannelResult{Op: "create", Class: "invalid",
					Err: fmt.Errorf("the label %q is already channel %s: choose another", label, c.ID)}, env: cfg.Environment}
			}
		}
		res := cc.Create(context.Background(), policy)
		out := createdMsg{res: res, label: label, env: cfg.Environment}
		if res.OK() && store != nil {
			_, out.saveErr = store.SaveChannel(profiles.Channel{ID: res.Channel.ID, Topic: cc.Bundle(), Environment: cfg.Environment,
				Label: label, StoragePolicy: int(policy), CreatedAt: time.Now()})
		}
		return out
	}
}

func (m *Model) deleteChannel(r row) tea.Cmd {
	m.busy = "deleting…"
	p, cred, store := m.c.Active, m.c.Cred, m.c.Store
	return func() tea.Msg {
		cfg, err := config(p, cred)
		if err != nil {
			return deletedMsg{res: push.ChannelResult{Op: "delete", Err: err, Class: "invalid"}}
		}
		cc, err := push.NewChannelClient(cfg)
		if err != nil {
			return deletedMsg{res: push.ChannelResult{Op: "delete", Err: err, Class: "invalid"}, env: cfg.Environment}
		}
		defer cc.Close()
		res := cc.Delete(context.Background(), r.ID)
		if store != nil && (res.OK() || res.Reason == "ChannelNotRegistered") {
			// Gone at APNs: the store forgets it too.
			_ = store.RemoveChannel(cfg.Environment, r.ID)
		}
		return deletedMsg{res: res, env: cfg.Environment}
	}
}

// send broadcasts the Payload screen's notification to a channel and
// records the result in History, all inside the Cmd.
func (m *Model) send(r row) tea.Cmd {
	m.sendRun++
	m.busy = "broadcasting…"
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	run, p, cred, out, store := m.sendRun, m.c.Active, m.c.Cred, m.out, m.c.Store
	label := r.Label
	if label == "" {
		label = common.ShortToken(r.ID)
	}
	return func() tea.Msg {
		defer cancel()
		o := outcome{Channel: r.ID, Label: label}
		cfg, err := config(p, cred)
		if err != nil {
			o.Result = push.Result{Token: r.ID, Err: err, Class: "invalid"}
			return sentMsg{run: run, out: o}
		}
		o.Env = cfg.Environment
		c, err := push.NewClient(cfg)
		if err != nil {
			o.Result = push.Result{Token: r.ID, Err: err, Class: "invalid"}
			return sentMsg{run: run, out: o}
		}
		defer c.Close()
		o.Result = c.Broadcast(ctx, push.BroadcastJob{ChannelID: r.ID, Label: "channel " + label, Payload: []byte(out.Body),
			Priority: out.Headers.Priority, Expiration: out.Headers.Expiration, Policy: r.Policy, PolicyKnown: r.Known})
		o.RecordErr = record(store, p, cfg, out, o.Result, time.Now())
		return sentMsg{run: run, out: o}
	}
}

// record appends a broadcast to History through the one recorder
// (session): Token is the channel ID, Label "channel <label>", Topic the
// bundle ID. A channel is not a device: the device book is left alone.
func record(store *profiles.Store, p *profiles.Profile, cfg push.Config, out common.Outgoing, r push.Result, now time.Time) error {
	if store == nil {
		return nil
	}
	h := out.Headers
	h.PushType = payload.LiveActivity
	h.Topic = strings.TrimPrefix(r.Request.Headers[":path"], "/4/broadcasts/apps/")
	send := session.NewSend("channel-"+now.UTC().Format("20060102T150405.000Z"), p.Name, cfg.Environment, h, []byte(out.Body), 1)
	rec := send.Record(r, cfg.Environment, now)
	rec.Entry.Channel = r.Token
	rec.Book = false
	hist, err := store.OpenHistory()
	if err != nil {
		return err
	}
	_, err = session.Write(store, hist, []session.Record{rec})
	if cerr := hist.Close(); err == nil {
		err = cerr
	}
	return err
}

// withFix adds Apple's fix for a reason, when APNs gave one.
func withFix(desc, reason string) string {
	if reason == "" {
		return desc
	}
	return desc + " — " + push.ExplainChannel(reason).Fix
}
