// Package devices is the Devices screen: the device book of the active
// profile's environment with each device's last result, filtering, selection
// for sending (one by one, all shown, or by group), and add, edit, delete and
// import. Devices of the other environment are shown greyed, with why.
//
// The book holds three kinds of token; the screen shows one view at a time:
// device tokens (the default) or Live Activity tokens (push-to-start and
// update), so "select all shown" never mixes an alert's targets with tokens
// that only take Live Activity pushes.
package devices

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

type mode int

const (
	modeList mode = iota
	modeFilter
	modeForm
	modeConfirm
	modeImport
	modeGroups
)

// KeyMap is the Devices screen's keys.
type KeyMap struct {
	Filter, Toggle, All, Groups, Add, Edit, Delete, Import, Yes, No, Submit, Cancel key.Binding
	// Clear empties the selection.
	Clear key.Binding
	// Kind switches between device tokens and Live Activity tokens.
	Kind key.Binding
	// In the filter and import fields.
	KeepFilter, ClearFilter, DoImport key.Binding
	// In the group picker.
	GroupUp, GroupDown, GroupToggle, GroupDone, GroupClose key.Binding
}

// DefaultKeyMap returns the Devices screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Toggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "select")),
		All:    key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "select all shown")),
		Groups: key.NewBinding(key.WithKeys("+", "ctrl+g"), key.WithHelp("+", "select a group")),
		Add:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Edit:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Delete: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "delete")),
		Import: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "import file")),
		Yes:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:     key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Clear:  key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "clear selection")),
		Kind:   key.NewBinding(key.WithKeys("L"), key.WithHelp("L", "Live Activity tokens")),

		KeepFilter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep the filter")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear the filter")),
		DoImport:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "import")),

		GroupUp:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑", "up")),
		GroupDown:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓", "down")),
		GroupToggle: key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "toggle group")),
		GroupDone:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "toggle and close")),
		GroupClose:  key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc", "close")),
	}
}

// Msgs of this screen.
type (
	// loadedMsg carries the device book.
	loadedMsg struct {
		devices []profiles.Device
		err     error
	}
	// savedMsg reports an add or edit.
	savedMsg struct {
		d   profiles.Device
		new bool
		err error
	}
	// removedMsg reports a delete.
	removedMsg struct {
		d   profiles.Device
		err error
	}
	// importedMsg reports an import.
	importedMsg struct {
		path string
		rep  profiles.ImportReport
		err  error
	}
)

// Model is the Devices screen.
type Model struct {
	c             common.Common
	keys          KeyMap
	width, height int
	now           func() time.Time

	all      []profiles.Device
	live     bool  // the view: Live Activity tokens, not device tokens
	shown    []int // indexes into all, of this view
	selected map[string]bool
	selSeq   uint64 // numbers SelectionChangedMsg so late ones are dropped
	table    common.Table
	loaded   bool
	loadErr  error
	needLoad bool

	mode     mode
	filter   textinput.Model
	form     deviceForm
	confirm  profiles.Device
	importIn textinput.Model
	groups   []groupCount
	groupCur int
	note     string
	noteBad  bool
}

// New builds the Devices screen; Init loads the device book.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), now: time.Now, selected: map[string]bool{}}
	m.table = common.NewTable(columns(c.Width, false))
	m.filter = common.NewInput(c.Styles, "/", "label, token or group")
	m.importIn = common.NewInput(c.Styles, "import from: ", "a file of tokens (one per line, optional label) or exported JSON")
	m.form = newDeviceForm(c.Styles)
	m.needLoad = c.Store != nil
	m.SetSize(c.Width, c.Height)
	return m
}

// SetClock replaces the clock (tests use a fixed one).
func (m *Model) SetClock(now func() time.Time) { m.now = now }

// Init loads the device book.
func (m *Model) Init() tea.Cmd {
	if m.c.Store == nil {
		return nil
	}
	m.needLoad = false
	return load(m.c.Store)
}

// Title is the tab label.
func (m *Model) Title() string { return "Devices" }

// Capturing is true while a text field, a form or a question has the keys.
func (m *Model) Capturing() bool { return m.mode != modeList }

// SetCommon takes the shell's latest state; another environment changes
// which devices can be selected.
func (m *Model) SetCommon(c common.Common) {
	oldEnv := m.env()
	if c.Store != m.c.Store {
		m.needLoad = c.Store != nil
	}
	m.c = c
	if m.env() != oldEnv {
		m.selected = map[string]bool{}
	}
	m.SetSize(c.Width, c.Height)
	m.refilter()
}

// columns fits the device columns to the width: the last result (the
// reason and when) gets what the label and the groups do not need; at 80
// columns the groups shrink first. The Live Activity view shows the kind
// and the activity type where the groups were (the demo's are all
// "live-activity").
func columns(w int, live bool) []common.Column {
	label, groups, last := 36, 20, 22
	if w < 100 {
		label, groups = 25, 6
	}
	if w < 70 {
		last = 16 // "✗ BadDeviceToken": the short form
	}
	fourth := common.Column{Title: "Groups", Min: 6, Max: groups}
	if live {
		// "update DeliveryAttributes"; narrower, the type is cut (the line
		// under the table has it whole).
		kind := 25
		if w < 100 {
			kind = 16
		}
		if w < 70 {
			kind = 9
		}
		fourth = common.Column{Title: "Kind", Min: kind, Max: 32}
	}
	return []common.Column{
		{Title: "", Width: 1},
		{Title: "Label", Min: 12, Max: label},
		{Title: "Token", Width: 13},
		{Title: "Env", Width: 4},
		fourth,
		{Title: "Last result", Min: last},
	}
}

// isLive says whether d is a Live Activity token (push-to-start or update).
func isLive(d profiles.Device) bool {
	return d.Kind == profiles.KindLiveActivityStart || d.Kind == profiles.KindLiveActivityUpdate
}

// inView says whether d belongs to the view shown: a device token ("" is
// one, as the store reads old entries) or a Live Activity token.
func (m *Model) inView(d profiles.Device) bool { return isLive(d) == m.live }

// noun names what the view lists, for counts.
func (m *Model) noun() string {
	if m.live {
		return "Live Activity token"
	}
	return "device"
}

// toggleView switches between device tokens and Live Activity tokens. The
// selection is cleared: it may only ever hold tokens of the view shown, so
// what A, + and space select is always what the screen lists.
func (m *Model) toggleView() tea.Cmd {
	n := len(m.selected)
	oldNoun := m.noun()
	m.live = !m.live
	clear(m.selected)
	m.SetSize(m.width, m.height) // the columns of this view
	m.table.SetCursor(0)
	m.refilter()
	other := "L: device tokens"
	if !m.live {
		other = "L: Live Activity tokens"
	}
	// The cleared selection first: a narrow note is cut at its end.
	note := "showing " + m.noun() + "s (" + other + ")"
	if n > 0 {
		note = "selection cleared (" + common.Count(n, oldNoun) + "): " + note
	}
	m.setNote(note, false)
	if n > 0 {
		return m.selectionCmd()
	}
	return nil
}

// SetSize sizes the table to the screen minus its title and note lines.
func (m *Model) SetSize(w, h int) {
	if w <= 0 || h <= 0 {
		return
	}
	m.width, m.height = w, h
	m.table.Columns = columns(w, m.live)
	m.table.SetSize(w, max(2, h-3))
	m.filter.SetWidth(max(10, w-4))
	m.importIn.SetWidth(max(10, w-16))
	m.form.setWidth(w)
}

// env is the environment of the active profile ("" with none).
func (m *Model) env() certs.Environment {
	if m.c.Active == nil {
		return ""
	}
	return m.c.Active.Environment
}

func selKey(d profiles.Device) string { return string(d.Environment) + "/" + d.Token }

// selectable says whether d can be sent to with the active profile, and why
// not.
func (m *Model) selectable(d profiles.Device) (bool, string) {
	env := m.env()
	switch {
	case env == "":
		return false, "no active profile: make one active on the Profiles screen (1)"
	case d.Environment != env:
		return false, fmt.Sprintf("%s device: the profile sends to %s (t on Profiles switches)", d.Environment, env)
	}
	return true, ""
}

func label(d profiles.Device) string {
	if d.Label != "" {
		return d.Label
	}
	return common.ShortToken(d.Token)
}

// Selected are the selected devices in book order.
func (m *Model) Selected() []profiles.Device {
	var out []profiles.Device
	for _, d := range m.all {
		if m.selected[selKey(d)] {
			out = append(out, d)
		}
	}
	return out
}

func (m *Model) selectionCmd() tea.Cmd {
	m.selSeq++
	msg := common.SelectionChangedMsg{Env: m.env(), Devices: m.Selected(), Seq: m.selSeq}
	return func() tea.Msg { return msg }
}

// refilter recomputes the shown rows: this environment first, then the
// other, each by label; the filter matches label, token and groups.
func (m *Model) refilter() {
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	m.shown = m.shown[:0]
	for i, d := range m.all {
		if !m.inView(d) || q != "" && !matches(d, q) {
			continue
		}
		m.shown = append(m.shown, i)
	}
	env := m.env()
	slices.SortStableFunc(m.shown, func(a, b int) int {
		da, db := m.all[a], m.all[b]
		if (da.Environment == env) != (db.Environment == env) {
			if da.Environment == env {
				return -1
			}
			return 1
		}
		return common.NaturalCompare(label(da), label(db))
	})
	m.table.SetRows(len(m.shown))
}

func matches(d profiles.Device, q string) bool {
	if strings.Contains(strings.ToLower(d.Label), q) || strings.Contains(d.Token, q) {
		return true
	}
	for _, g := range d.Groups {
		if strings.Contains(strings.ToLower(g), q) {
			return true
		}
	}
	return false
}

func (m *Model) current() (profiles.Device, bool) {
	if len(m.shown) == 0 {
		return profiles.Device{}, false
	}
	return m.all[m.shown[m.table.Cursor()]], true
}

func (m *Model) setNote(s string, bad bool) { m.note, m.noteBad = s, bad }

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	var cmds []tea.Cmd
	if m.needLoad {
		cmds = append(cmds, m.Init())
	}
	switch msg := msg.(type) {
	case loadedMsg:
		m.loaded = true
		m.loadErr = msg.err
		if msg.err == nil {
			m.all = msg.devices
			// Drop selections of devices that are gone.
			keep := map[string]bool{}
			for _, d := range m.all {
				if m.selected[selKey(d)] {
					keep[selKey(d)] = true
				}
			}
			m.selected = keep
			m.refilter()
			cmds = append(cmds, m.selectionCmd())
		}
	case common.DevicesChangedMsg:
		if m.c.Store != nil {
			cmds = append(cmds, load(m.c.Store))
		}
	case savedMsg:
		if msg.err != nil {
			m.form.err = msg.err.Error()
			m.mode = modeForm
			break
		}
		m.mode = modeList
		verb := "updated"
		if msg.new {
			verb = "added"
		}
		note := fmt.Sprintf("%s %s (%s)", verb, label(msg.d), msg.d.Environment)
		if !m.inView(msg.d) {
			note += "; a device token: L shows them"
		}
		m.setNote(note, false)
		cmds = append(cmds, load(m.c.Store))
	case removedMsg:
		if msg.err != nil {
			m.setNote(fmt.Sprintf("could not delete %s: %v", label(msg.d), msg.err), true)
			break
		}
		delete(m.selected, selKey(msg.d))
		m.setNote("deleted "+label(msg.d), false)
		cmds = append(cmds, load(m.c.Store))
	case importedMsg:
		cmds = append(cmds, m.imported(msg))
	case tea.PasteMsg:
		cmds = append(cmds, m.paste(msg))
	case tea.KeyPressMsg:
		cmds = append(cmds, m.key(msg))
	}
	return m, tea.Batch(cmds...)
}

func (m *Model) imported(msg importedMsg) tea.Cmd {
	if msg.err != nil {
		m.setNote(fmt.Sprintf("could not import %s: %v", msg.path, msg.err), true)
		return nil
	}
	r := msg.rep
	s := fmt.Sprintf("imported %s: %d added, %d updated", msg.path, r.Added, r.Updated)
	if len(r.Bad) > 0 {
		b := r.Bad[0]
		s += fmt.Sprintf("; %d lines refused (line %d: %s", len(r.Bad), b.Line, b.Reason)
		if len(r.Bad) > 1 {
			s += ", …"
		}
		s += ")"
	}
	m.setNote(s, len(r.Bad) > 0)
	return load(m.c.Store)
}

func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch m.mode {
	case modeFilter:
		m.filter, cmd = m.filter.Update(msg)
		m.refilter()
	case modeForm:
		cmd = m.form.update(msg)
	case modeImport:
		m.importIn, cmd = m.importIn.Update(msg)
	case modeList:
		// A token pasted on the list starts an add with it.
		m.openForm(profiles.Device{Environment: m.env()}, false)
		cmd = m.form.update(msg)
	}
	return cmd
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch m.mode {
	case modeFilter:
		switch {
		case key.Matches(msg, m.keys.ClearFilter):
			m.filter.SetValue("")
			m.filter.Blur()
			m.mode = modeList
			m.refilter()
			return nil
		case key.Matches(msg, m.keys.KeepFilter):
			m.filter.Blur()
			m.mode = modeList
			return nil
		}
		var cmd tea.Cmd
		m.filter, cmd = m.filter.Update(msg)
		m.refilter()
		return cmd
	case modeForm:
		switch {
		case key.Matches(msg, m.keys.Cancel):
			m.mode = modeList
			return nil
		case key.Matches(msg, m.keys.Submit):
			d, err := m.form.device(m.now())
			if err != nil {
				m.form.err = err.Error()
				return nil
			}
			return saveDevice(m.c.Store, m.form.orig, m.form.editing, d)
		}
		return m.form.update(msg)
	case modeConfirm:
		switch {
		case key.Matches(msg, m.keys.Yes):
			m.mode = modeList
			return removeDevice(m.c.Store, m.confirm)
		case key.Matches(msg, m.keys.No):
			m.mode = modeList
			m.setNote("kept "+label(m.confirm), false)
		}
		return nil
	case modeImport:
		switch {
		case key.Matches(msg, m.keys.Cancel):
			m.mode = modeList
			return nil
		case key.Matches(msg, m.keys.DoImport):
			path := strings.TrimSpace(m.importIn.Value())
			if path == "" {
				m.setNote("type the path of a file to import (esc cancels)", true)
				return nil
			}
			m.mode = modeList
			env := m.env()
			if env == "" {
				env = certs.Development
			}
			return importFile(m.c.Store, path, env)
		}
		var cmd tea.Cmd
		m.importIn, cmd = m.importIn.Update(msg)
		return cmd
	case modeGroups:
		return m.keyGroups(msg)
	}
	return m.keyList(msg)
}

func (m *Model) keyList(msg tea.KeyPressMsg) tea.Cmd {
	if m.table.Update(msg) {
		return nil
	}
	switch {
	case key.Matches(msg, m.keys.Filter):
		m.mode = modeFilter
		return m.filter.Focus()
	case key.Matches(msg, m.keys.Toggle):
		d, ok := m.current()
		if !ok {
			return nil
		}
		if ok, why := m.selectable(d); !ok {
			m.setNote(why, true)
			return nil
		}
		k := selKey(d)
		if m.selected[k] {
			delete(m.selected, k)
		} else {
			m.selected[k] = true
		}
		m.table.SetCursor(m.table.Cursor() + 1)
		return m.selectionCmd()
	case key.Matches(msg, m.keys.All):
		return m.selectAll()
	case key.Matches(msg, m.keys.Kind):
		return m.toggleView()
	case key.Matches(msg, m.keys.Clear) && len(m.selected) > 0:
		n := len(m.selected)
		clear(m.selected)
		m.setNote("selection cleared ("+common.Count(n, m.noun())+")", false)
		return m.selectionCmd()
	case key.Matches(msg, m.keys.Groups):
		m.groups = m.groupCounts()
		if len(m.groups) == 0 {
			m.setNote("no "+m.noun()+" here has a group yet: give one with e (edit) or when adding", true)
			return nil
		}
		m.groupCur = 0
		m.mode = modeGroups
	case key.Matches(msg, m.keys.Add):
		env := m.env()
		if env == "" {
			env = certs.Development
		}
		m.openForm(profiles.Device{Environment: env}, false)
		return m.form.focus()
	case key.Matches(msg, m.keys.Edit):
		if d, ok := m.current(); ok {
			m.openForm(d, true)
			return m.form.focus()
		}
	case key.Matches(msg, m.keys.Delete):
		if d, ok := m.current(); ok {
			m.confirm = d
			m.mode = modeConfirm
		}
	case key.Matches(msg, m.keys.Import):
		m.mode = modeImport
		return m.importIn.Focus()
	case key.Matches(msg, m.keys.ClearFilter) && m.filter.Value() != "":
		m.filter.SetValue("")
		m.refilter()
	}
	return nil
}

// selectAll selects every shown device that can be selected, or clears them
// if all already are.
func (m *Model) selectAll() tea.Cmd {
	var keys []string
	all := true
	for _, i := range m.shown {
		d := m.all[i]
		if ok, _ := m.selectable(d); ok {
			keys = append(keys, selKey(d))
			all = all && m.selected[selKey(d)]
		}
	}
	if len(keys) == 0 {
		m.setNote("no "+m.noun()+" shown can be selected with the active profile", true)
		return nil
	}
	for _, k := range keys {
		if all {
			delete(m.selected, k)
		} else {
			m.selected[k] = true
		}
	}
	if all {
		m.setNote("cleared "+common.Count(len(keys), m.noun()), false)
	} else {
		m.setNote("selected "+common.Count(len(keys), m.noun()), false)
	}
	return m.selectionCmd()
}

func (m *Model) openForm(d profiles.Device, editing bool) {
	m.form.open(d, editing)
	m.mode = modeForm
}

// ShortHelp is the keys that work now.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeFilter:
		return []key.Binding{k.KeepFilter, k.ClearFilter}
	case modeImport:
		return []key.Binding{k.DoImport, k.Cancel}
	case modeForm:
		b := []key.Binding{m.form.keys.Next, k.Submit, k.Cancel}
		if m.form.field == fEnv {
			b = append(b, m.form.keys.Change)
		}
		return b
	case modeConfirm:
		return []key.Binding{k.Yes, k.No}
	case modeGroups:
		return []key.Binding{k.GroupToggle, k.GroupDone, k.GroupClose}
	}
	var b []key.Binding
	if m.table.Rows() > 0 {
		b = append(b, k.Toggle, k.All)
	}
	if len(m.selected) > 0 {
		b = append(b, k.Clear)
	}
	if len(m.groupCounts()) > 0 {
		b = append(b, k.Groups)
	}
	kind := k.Kind
	if m.live {
		kind.SetHelp("L", "device tokens")
	}
	b = append(b, kind, k.Filter, k.Add)
	if m.table.Rows() > 0 {
		b = append(b, k.Edit, k.Delete)
	}
	b = append(b, k.Import)
	if m.filter.Value() != "" {
		b = append(b, k.ClearFilter)
	}
	return b
}

// FullHelp is every key that works now.
func (m *Model) FullHelp() [][]key.Binding {
	switch m.mode {
	case modeGroups:
		k := m.keys
		return [][]key.Binding{{k.GroupUp, k.GroupDown}, {k.GroupToggle, k.GroupDone, k.GroupClose}}
	case modeList:
		return [][]key.Binding{m.table.FullHelp(), m.ShortHelp()}
	}
	return [][]key.Binding{m.ShortHelp()}
}

// WantsEsc is true while a filter is applied: esc clears it.
func (m *Model) WantsEsc() bool { return m.filter.Value() != "" }
