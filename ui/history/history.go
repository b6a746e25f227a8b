// Package history is the History screen: past send results newest first,
// filtered by device, reason or apns-id, each with its detail, and `R` to
// load a past send's payload and headers back into the editor.
package history

import (
	"context"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// reloadDelay batches the reloads a streaming send asks for.
const reloadDelay = time.Second

// typeDelay is how long the filter waits after a keystroke before it asks
// the store.
const typeDelay = 150 * time.Millisecond

// KeyMap is the History screen's keys.
type KeyMap struct {
	Filter, Detail, Load, Back, Reload key.Binding
	// Group toggles one row per send.
	Group key.Binding
	// In the filter field.
	KeepFilter, ClearFilter key.Binding
	// In a detail.
	Down, Up, PageDown, PageUp key.Binding
}

// DefaultKeyMap returns the History screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter: 410 prod failed device: …")),
		Detail: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "detail")),
		Load:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "load into editor")),
		Back:   key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "back")),
		Reload: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Group:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "by send / every result")),

		KeepFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),

		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "scroll")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "scroll up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pgdn", "page down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
	}
}

// Msgs of this screen (and loadedMsg, in load.go).
type (
	// reloadMsg fires reloadDelay after the first change notice.
	reloadMsg struct{}
	// typedMsg fires typeDelay after the filter edit seq.
	typedMsg struct{ seq int }
)

// Model is the History screen.
type Model struct {
	c             common.Common
	keys          KeyMap
	width, height int
	now           func() time.Time

	// entries are the newest results that match the filter (a page of
	// them, full when older ones were not read).
	entries  []profiles.HistoryEntry
	full     bool
	table    common.Table
	seq      int                // of the latest query (or filter edit)
	cancel   context.CancelFunc // ends the query in flight
	loaded   bool
	busy     bool // a query is running
	loadErr  error
	pending  bool // a reload is scheduled
	needLoad bool
	lastText string        // the filter text of the latest query
	pause    time.Duration // typeDelay; tests shorten it

	filtering   bool
	filter      textinput.Model
	wantGrouped bool        // s asked for one row per send
	grouped     bool        // the rows shown are sends
	sends       bool        // ...whole sends from the sends table
	groups      []sendGroup // the sends, when grouped
	detail      int
	detailY     int
}

// New builds the History screen; Init reads the history.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), now: time.Now, detail: -1, pause: typeDelay}
	m.table = common.NewTable(columns(0))
	m.filter = common.NewInput(c.Styles, "/", "410 · prod · failed · device:NAME reason:R send:ID profile:P")
	m.needLoad = c.Store != nil
	m.SetSize(c.Width, c.Height)
	return m
}

// columns fits the history columns to the width: the whole apns-id (to
// search for it) from 110 columns; the reason never takes more than its
// longest name.
func columns(w int) []common.Column {
	id := 14
	if w >= 110 {
		id = 36
	}
	cols := []common.Column{
		{Title: "When", Width: 11}, // 2 Jan 15:04
		{Title: "Device", Min: 12},
		{Title: "Env", Width: 4},
		{Title: "Status", Width: 6},
		{Title: "Reason", Min: 22, Max: 27}, // DeviceTokenNotForTopic, TooManyProviderTokenUpdates
	}
	if w >= 80 || w == 0 {
		cols = append(cols, common.Column{Title: "apns-id", Width: id}) // the detail shows it below 80
	}
	return cols
}

// SetClock replaces the clock (tests use a fixed one).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Init reads the history.
func (m *Model) Init() tea.Cmd {
	if m.c.Store == nil {
		return nil
	}
	m.needLoad = false
	return m.query()
}

// query asks the store for the filter's page, ending the query before it.
func (m *Model) query() tea.Cmd {
	if m.c.Store == nil {
		return nil
	}
	if m.cancel != nil {
		m.cancel()
	}
	m.seq++
	var ctx context.Context
	ctx, m.cancel = context.WithCancel(context.Background())
	m.lastText = m.filter.Value()
	m.busy = true
	return load(ctx, m.c.Store, m.seq, m.lastText, m.wantGrouped)
}

// typed schedules a query for the filter as typed, once typing pauses.
func (m *Model) typed() tea.Cmd {
	if m.filter.Value() == m.lastText {
		return nil
	}
	m.seq++
	seq := m.seq
	return tea.Tick(m.pause, func(time.Time) tea.Msg { return typedMsg{seq: seq} })
}

// Title is the tab label.
func (m *Model) Title() string { return "History" }

// Capturing is true while the filter or a detail has the keys.
func (m *Model) Capturing() bool { return m.filtering || m.detail >= 0 }

// SetCommon takes the shell's latest state.
func (m *Model) SetCommon(c common.Common) {
	if c.Store != m.c.Store {
		m.needLoad = c.Store != nil
	}
	m.c = c
	m.SetSize(c.Width, c.Height)
}

// SetSize sizes the table.
func (m *Model) SetSize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	m.width, m.height = w, h
	m.table.Columns = columns(w)
	if m.grouped {
		m.table.Columns = groupColumns(w)
	}
	m.table.SetSize(w, max(2, h-2))
	m.filter.SetWidth(max(10, w-4))
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	var cmds []tea.Cmd
	if m.needLoad {
		cmds = append(cmds, m.Init())
	}
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.seq != m.seq {
			break // a newer query is on its way
		}
		m.loaded, m.loadErr, m.busy = true, msg.err, false
		if m.cancel != nil {
			m.cancel() // releases the context
			m.cancel = nil
		}
		if msg.err == nil {
			m.show(msg)
		}
	case typedMsg:
		if msg.seq == m.seq {
			cmds = append(cmds, m.query())
		}
	case common.HistoryChangedMsg:
		if !m.pending && m.c.Store != nil {
			m.pending = true
			cmds = append(cmds, tea.Tick(reloadDelay, func(time.Time) tea.Msg { return reloadMsg{} }))
		}
	case reloadMsg:
		m.pending = false
		cmds = append(cmds, m.query())
	case tea.PasteMsg:
		if m.filtering {
			var cmd tea.Cmd
			m.filter, cmd = m.filter.Update(msg)
			cmds = append(cmds, cmd, m.typed())
		}
	case tea.KeyPressMsg:
		cmds = append(cmds, m.key(msg))
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if m.filtering {
		switch {
		case key.Matches(msg, k.ClearFilter):
			m.filter.SetValue("")
			m.filtering = false
			m.filter.Blur()
			return m.query()
		case key.Matches(msg, k.KeepFilter):
			m.filtering = false
			m.filter.Blur()
			if m.filter.Value() != m.lastText {
				return m.query() // now, not after the pause
			}
			return nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		return tea.Batch(cmd, m.typed())
	}
	if m.detail >= 0 {
		page := max(1, m.height-2)
		switch {
		case key.Matches(msg, k.Load):
			return m.loadIntoEditor(m.entries[m.detail])
		case key.Matches(msg, k.Back):
			m.detail = -1
		case key.Matches(msg, k.Down):
			m.detailY++
		case key.Matches(msg, k.Up):
			m.detailY = max(0, m.detailY-1)
		case key.Matches(msg, k.PageDown):
			m.detailY += page
		case key.Matches(msg, k.PageUp):
			m.detailY = max(0, m.detailY-page)
		}
		return nil
	}
	if m.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m.filter.Focus()
	case key.Matches(msg, k.Group) && m.loaded:
		m.wantGrouped = !m.grouped
		return m.query()
	case key.Matches(msg, k.Detail) && m.grouped:
		// A send: its results, flat.
		if c := m.table.Cursor(); c < len(m.groups) {
			m.wantGrouped = false
			m.filter.SetValue("send:" + m.groups[c].batch)
			return m.query()
		}
	case key.Matches(msg, k.Detail):
		if e, ok := m.current(); ok {
			m.detail, m.detailY = e, 0
		}
	case key.Matches(msg, k.Load) && !m.grouped:
		if e, ok := m.current(); ok {
			return m.loadIntoEditor(m.entries[e])
		}
	case key.Matches(msg, k.Reload):
		return m.query()
	case key.Matches(msg, k.ClearFilter) && m.filter.Value() != "":
		m.filter.SetValue("")
		return m.query()
	}
	return nil
}

// current is the index into entries of the row under the cursor.
func (m *Model) current() (int, bool) {
	if m.grouped || len(m.entries) == 0 {
		return 0, false
	}
	return m.table.Cursor(), true
}

// loadIntoEditor hands a past send's payload and headers to the Payload
// screen and shows it. A topic that is just the profile's default is left
// empty so it keeps following the push type.
func (m *Model) loadIntoEditor(e profiles.HistoryEntry) tea.Cmd {
	if e.Payload == "" {
		return common.ErrorCmd(fmt.Errorf("this history entry did not keep its payload (only its hash %s), so it cannot be loaded", short(e.PayloadHash)))
	}
	topic := e.Topic
	if m.c.Active != nil && topic == m.c.Active.Topic+payload.TopicSuffix(payload.PushType(e.PushType)) {
		topic = ""
	}
	p := profiles.SavedPayload{
		Body:       e.Payload,
		PushType:   e.PushType,
		Priority:   e.Priority,
		CollapseID: e.CollapseID,
		Expiration: e.Expiration,
		Topic:      topic,
		SavedAt:    e.At,
	}
	return tea.Batch(
		func() tea.Msg { return common.LoadPayloadMsg{Payload: p} },
		func() tea.Msg { return common.SwitchScreenMsg{Tab: 3} },
		common.StatusCmd(fmt.Sprintf("the payload sent to %s at %s, to the Payload screen", labelOf(e), e.At.Format("2 Jan 15:04"))),
	)
}

func short(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// show takes a query's answer: the rows, flat or by send. The cursor
// stays on its row when a reload keeps the mode, else goes to the top.
func (m *Model) show(msg loadedMsg) {
	if msg.grouped != m.grouped {
		m.table.SetCursor(0)
	}
	// A detail stays on its result when a reload moves it.
	if m.detail >= 0 {
		was := m.entries[m.detail]
		m.detail = -1
		for i := range msg.entries {
			e := &msg.entries[i]
			if e.At.Equal(was.At) && e.Token == was.Token && e.Batch == was.Batch && e.ApnsID == was.ApnsID {
				m.detail = i
				break
			}
		}
	}
	m.entries, m.full, m.groups = msg.entries, msg.full, msg.groups
	m.grouped, m.sends = msg.grouped, msg.sends
	if m.grouped {
		m.table.Columns = groupColumns(m.width)
		m.table.SetSize(m.width, max(2, m.height-2)) // lays the new columns out
		m.table.SetRows(len(m.groups))
		return
	}
	m.table.Columns = columns(m.width)
	m.table.SetSize(m.width, max(2, m.height-2))
	m.table.SetRows(len(m.entries))
}

func labelOf(e profiles.HistoryEntry) string {
	if e.Label != "" {
		return e.Label
	}
	return common.ShortToken(e.Token)
}

// ShortHelp is the keys that work now.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.filtering:
		return []key.Binding{k.KeepFilter, k.ClearFilter}
	case m.detail >= 0:
		return []key.Binding{k.Load, k.Back, k.Down, k.Up}
	case m.table.Rows() == 0 && m.filter.Value() == "":
		if m.c.Store != nil {
			return []key.Binding{k.Reload}
		}
		return nil
	}
	// The screen's own actions first: the footer leaves out what does not fit.
	b := []key.Binding{}
	if m.table.Rows() > 0 {
		b = append(b, k.Detail)
	}
	b = append(b, k.Filter, k.Group)
	if !m.grouped && m.table.Rows() > 0 {
		b = append(b, k.Load)
	}
	if m.filter.Value() != "" {
		b = append(b, k.ClearFilter)
	}
	return append(b, m.table.ShortHelp()...)
}

// FullHelp is every key that works now.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	switch {
	case m.filtering:
		return [][]key.Binding{{k.KeepFilter, k.ClearFilter}}
	case m.detail >= 0:
		return [][]key.Binding{{k.Load, k.Back}, {k.Down, k.Up, k.PageDown, k.PageUp}}
	case m.table.Rows() == 0 && m.filter.Value() == "":
		return [][]key.Binding{m.ShortHelp()}
	}
	own := m.ShortHelp()
	own = append(own[:len(own)-len(m.table.ShortHelp())], k.Reload)
	return [][]key.Binding{own, m.table.FullHelp()}
}

// WantsEsc is true while a filter is applied: esc clears it.
func (m *Model) WantsEsc() bool { return m.filter.Value() != "" }

// Shown reloads the history if a send added to it while hidden.
func (m *Model) Shown() tea.Cmd {
	if m.c.Store == nil || !m.pending {
		return nil
	}
	m.pending = false
	return m.query()
}
