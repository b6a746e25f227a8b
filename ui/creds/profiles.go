// Package creds is the Profiles screen (named apart from the profiles store package): the saved profiles with a
// health badge each, the full health report of the selected one, the
// add/edit form, activation, deletion and the environment switch.
package creds

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// Msgs of the screen.
type (
	// listMsg carries the saved profiles; run drops older loads.
	listMsg struct {
		run      int
		profiles []profiles.Profile
		active   string
		err      error
	}
	// healthMsg carries one profile's credential health.
	healthMsg struct {
		run    int
		name   string
		health common.Health
	}
	// savedMsg says a profile was written (added, edited, switched).
	savedMsg struct {
		name     string
		activate bool
		note     string
		err      error
	}
	// deletedMsg says a profile was removed.
	deletedMsg struct {
		name string
		err  error
	}
	// unlockMsg is the check of a password typed at the prompt.
	unlockMsg struct {
		run    int
		name   string
		pw     string
		health common.Health
	}
)

// Model is the Profiles screen.
type Model struct {
	c    common.Common
	keys KeyMap

	run      int
	loaded   bool
	loadErr  error
	list     []profiles.Profile
	activeNm string
	health   map[string]common.Health
	shown    []int
	cursor   int

	filter    textinput.Model
	filtering bool
	byUrgency bool     // s: the most urgent profile first
	expiring  []string // told to the shell last (ExpiringMsg)

	form       *Form
	confirmDel string
	prompt     *passwordPrompt

	detailOff     int
	width, height int
}

// passwordPrompt asks for a profile's password before it is activated.
type passwordPrompt struct {
	name     string
	activate bool // enter made the prompt: the profile becomes active
	input    textinput.Model
	err      string
	checking bool
	run      int
}

// New builds the Profiles screen; Init loads the profiles.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), health: map[string]common.Health{}}
	m.filter = common.NewInput(c.Styles, "/", "filter by name, topic or environment")
	return m
}

// Init loads the profiles and their health.
func (m *Model) Init() tea.Cmd { return m.load() }

// Title is the tab label.
func (m *Model) Title() string { return "Profiles" }

// Capturing is true while a text field, a form or a question has the keys.
func (m *Model) Capturing() bool {
	return m.filtering || m.form != nil || m.prompt != nil || m.confirmDel != ""
}

// WantsEsc is true while esc clears an applied filter.
func (m *Model) WantsEsc() bool { return m.filter.Value() != "" }

// SetCommon takes the shell's latest shared state.
func (m *Model) SetCommon(c common.Common) {
	restyle := c.Styles.IsDark != m.c.Styles.IsDark
	m.c = c
	if restyle {
		v := m.filter.Value()
		m.filter = common.NewInput(c.Styles, "/", "filter by name, topic or environment")
		m.filter.SetValue(v)
		if m.form != nil {
			m.form.SetStyles(c.Styles)
		}
	}
}

// SetSize sets the screen's area.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.filter.SetWidth(max(m.listWidth()-4, 8))
	if m.form != nil {
		m.form.SetSize(w, h)
	}
}

// Profiles are the profiles shown (after the filter), for tests.
func (m *Model) Profiles() []profiles.Profile {
	out := make([]profiles.Profile, len(m.shown))
	for i, j := range m.shown {
		out[i] = m.list[j]
	}
	return out
}

// Selected is the profile under the cursor (nil when none).
func (m *Model) Selected() *profiles.Profile {
	if m.cursor < 0 || m.cursor >= len(m.shown) {
		return nil
	}
	p := m.list[m.shown[m.cursor]]
	return &p
}

// load reads the profile list, then each profile's health.
func (m *Model) load() tea.Cmd {
	m.run++
	run, store := m.run, m.c.Store
	if store == nil {
		return nil
	}
	return func() tea.Msg {
		ps, err := store.Profiles()
		if err != nil {
			return listMsg{run: run, err: err}
		}
		active, _ := store.Active()
		return listMsg{run: run, profiles: ps, active: active}
	}
}

// healthCmd reads one profile's credential with the password known for it.
func healthCmd(run int, p profiles.Profile, typed map[string]string) tea.Cmd {
	pws := map[string]string{}
	if pw, ok := typed[p.Name]; ok {
		pws[p.Name] = pw
	}
	return func() tea.Msg {
		pw, ok, err := session.ProfilePassword(session.Env{}, p, pws)
		if err != nil {
			return healthMsg{run: run, name: p.Name, health: common.Health{Err: err}}
		}
		cred, err := session.LoadCredential(p, pw)
		h := common.Health{Err: err}
		if cred != nil {
			r := cred.Report
			h.Report = &r
			if !ok && passwordProblem(&r) {
				h.Locked = true
			}
		}
		return healthMsg{run: run, name: p.Name, health: h}
	}
}

func passwordProblem(r *certs.Report) bool {
	for _, f := range r.Problems {
		if f.Code == certs.CodePasswordRequired || f.Code == certs.CodeWrongPassword {
			return true
		}
	}
	return false
}

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case listMsg:
		if msg.run != m.run {
			return m, nil
		}
		m.loaded, m.loadErr = true, msg.err
		if msg.err != nil {
			return m, common.ErrorCmd(fmt.Errorf("cannot read the profiles: %w", msg.err))
		}
		sel := msg.active // first load (a restart): the cursor starts on the active profile
		if p := m.Selected(); p != nil {
			sel = p.Name
		}
		m.list, m.activeNm = msg.profiles, msg.active
		m.health = map[string]common.Health{}
		m.refilter(sel)
		cmds := make([]tea.Cmd, 0, len(m.list))
		for _, p := range m.list {
			cmds = append(cmds, healthCmd(m.run, p, m.c.Password))
		}
		return m, tea.Batch(cmds...)
	case healthMsg:
		if msg.run == m.run {
			m.health[msg.name] = msg.health
			if m.byUrgency {
				sel := ""
				if p := m.Selected(); p != nil {
					sel = p.Name
				}
				m.refilter(sel)
			}
			return m, m.expiringCmd()
		}
		return m, nil
	case unlockMsg:
		return m, m.unlocked(msg)
	case savedMsg:
		if msg.err != nil {
			return m, common.ErrorCmd(msg.err)
		}
		cmds := []tea.Cmd{common.Cmd(common.ProfilesChangedMsg{})}
		if msg.activate {
			cmds = append(cmds, common.Cmd(common.ActivateProfileMsg{Name: msg.name}))
		}
		if msg.note != "" {
			cmds = append(cmds, common.StatusCmd(msg.note))
		}
		return m, tea.Sequence(cmds...)
	case deletedMsg:
		if msg.err != nil {
			return m, common.ErrorCmd(msg.err)
		}
		return m, tea.Batch(common.Cmd(common.ProfilesChangedMsg{}), common.StatusCmd(fmt.Sprintf("profile %s deleted (its credential file was not touched)", msg.name)))
	case common.ProfilesChangedMsg:
		return m, m.load()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		switch {
		case m.form != nil:
			cmd, a := m.form.Update(msg)
			return m, tea.Batch(cmd, m.formAction(a))
		case m.prompt != nil:
			var cmd tea.Cmd
			m.prompt.input, cmd = m.prompt.input.Update(msg)
			return m, cmd
		case m.filtering:
			var cmd tea.Cmd
			m.filter, cmd = m.filter.Update(msg)
			m.refilter("")
			return m, cmd
		}
		return m, nil
	}
	if m.form != nil {
		cmd, a := m.form.Update(msg)
		return m, tea.Batch(cmd, m.formAction(a))
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.form != nil:
		cmd, a := m.form.Update(msg)
		return tea.Batch(cmd, m.formAction(a))
	case m.prompt != nil:
		return m.promptKey(msg)
	case m.confirmDel != "":
		return m.confirmKey(msg)
	case m.filtering:
		return m.filterKey(msg)
	}
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.moveCursor(-1)
	case key.Matches(msg, k.Down):
		m.moveCursor(1)
	case key.Matches(msg, k.DetailDown):
		m.scrollDetail(1)
	case key.Matches(msg, k.DetailUp):
		m.scrollDetail(-1)
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m.filter.Focus()
	case key.Matches(msg, k.ClearFilter):
		if m.filter.Value() != "" {
			m.filter.SetValue("")
			m.refilter("")
		}
	case key.Matches(msg, k.Sort) && len(m.list) > 0:
		m.byUrgency = !m.byUrgency
		sel := ""
		if p := m.Selected(); p != nil {
			sel = p.Name
		}
		m.refilter(sel)
		if m.byUrgency {
			return common.StatusCmd("most urgent first: unusable, locked, then fewest days left (s again: by name)")
		}
		return common.StatusCmd("sorted by name")
	case key.Matches(msg, k.Add):
		return m.openForm(nil)
	case key.Matches(msg, k.Demo) && m.loaded && len(m.list) == 0:
		return common.Cmd(common.StartDemoMsg{})
	}
	p := m.Selected()
	if p == nil {
		return nil
	}
	switch {
	case key.Matches(msg, k.Edit):
		return m.openForm(p)
	case key.Matches(msg, k.Activate):
		return m.activate(*p)
	case key.Matches(msg, k.Unlock) && m.locked(*p):
		m.openPrompt(p.Name, false)
		return m.prompt.input.Focus()
	case key.Matches(msg, k.Delete):
		m.confirmDel = p.Name
	case key.Matches(msg, k.Switch):
		return m.switchEnv(*p)
	}
	return nil
}

// detailHeight is the report's height in the layout of the moment.
func (m *Model) detailHeight() int {
	if m.stacked() {
		return max(m.height-m.listRows()-1, 1)
	}
	return m.height
}

// scrollDetail moves the report half a page (d = ±1), never past its end.
func (m *Model) scrollDetail(d int) {
	h := m.detailHeight()
	end := 0
	if p := m.Selected(); p != nil {
		w := m.width
		if !m.stacked() {
			w = max(m.width-m.listWidth()-3, 10)
		}
		end = max(len(m.detail(*p, w))-h+1, 0)
	}
	m.detailOff = max(0, min(end, m.detailOff+d*max(h/2, 1)))
}

func (m *Model) moveCursor(d int) {
	m.cursor = max(0, min(len(m.shown)-1, m.cursor+d))
	m.detailOff = 0
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Submit):
		m.filtering = false
		m.filter.Blur()
		return nil
	case key.Matches(msg, m.keys.Cancel):
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.refilter("")
		return nil
	case key.Matches(msg, m.keys.FilterUp):
		m.moveCursor(-1)
		return nil
	case key.Matches(msg, m.keys.FilterDown):
		m.moveCursor(1)
		return nil
	}
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	m.refilter("")
	return cmd
}

// refilter recomputes the shown profiles, keeping sel under the cursor
// when it is still shown.
func (m *Model) refilter(sel string) {
	q := strings.ToLower(strings.TrimSpace(m.filter.Value()))
	m.shown = m.shown[:0]
	for i, p := range m.list {
		hay := strings.ToLower(p.Name + " " + p.Topic + " " + string(p.Environment) + " " + p.CertPath)
		if q == "" || strings.Contains(hay, q) {
			m.shown = append(m.shown, i)
		}
	}
	if m.byUrgency {
		slices.SortStableFunc(m.shown, func(a, b int) int { return m.urgency(m.list[a]) - m.urgency(m.list[b]) })
	}
	if sel == "" && m.cursor < len(m.shown) {
		return
	}
	m.cursor = 0
	for i, j := range m.shown {
		if m.list[j].Name == sel || (sel == "" && m.list[j].Name == m.activeNm) {
			m.cursor = i
		}
	}
}

// expiringCmd tells the shell which profiles expire soon, when that
// changed.
func (m *Model) expiringCmd() tea.Cmd {
	var names []string
	for _, p := range m.list {
		h, ok := m.health[p.Name]
		if !ok || h.Report == nil || h.Report.Certificate == nil {
			continue
		}
		if h.Report.Certificate.DaysLeft < common.WarnDays {
			names = append(names, p.Name)
		}
	}
	if slices.Equal(names, m.expiring) {
		return nil
	}
	m.expiring = names
	return common.Cmd(common.ExpiringMsg{Names: names})
}

// urgency orders profiles for the s key: unusable first, then locked or
// unread ones, then certificates by days left, token keys (no expiry) last.
func (m *Model) urgency(p profiles.Profile) int {
	h, ok := m.health[p.Name]
	switch {
	case !ok || h.Locked:
		return -1 << 20
	case h.Report == nil:
		return -1 << 21
	}
	if _, tone := h.Badge(); tone == common.ToneBad {
		return -1 << 22
	}
	if c := h.Report.Certificate; c != nil {
		return c.DaysLeft
	}
	return 1 << 22
}

func (m *Model) openForm(p *profiles.Profile) tea.Cmd {
	names := make([]string, len(m.list))
	for i, q := range m.list {
		names[i] = q.Name
	}
	m.form = NewForm(m.c.Styles, p, names)
	m.form.SetSize(m.width, m.height)
	if p != nil {
		if pw, ok := m.c.Password[p.Name]; ok {
			m.form.f[fPassword].input.SetValue(pw)
		}
	}
	return m.form.Init()
}

// ShortHelp is the screen's keys for the footer.
func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch {
	case m.form != nil:
		return m.form.ShortHelp()
	case m.prompt != nil:
		return []key.Binding{k.Submit, k.Cancel}
	case m.confirmDel != "":
		return []key.Binding{k.Yes, k.No}
	case m.filtering:
		return []key.Binding{k.Submit, k.Cancel}
	case m.loaded && len(m.list) == 0:
		return []key.Binding{k.Add, k.Demo}
	}
	p := m.Selected()
	if p == nil {
		return []key.Binding{k.ClearFilter, k.Add}
	}
	b := []key.Binding{k.Activate}
	if m.locked(*p) {
		b = append(b, k.Unlock)
	}
	return append(b, k.Add, k.Edit, k.Delete, k.Switch, k.Sort, k.Filter)
}

// FullHelp is every key that works now.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	switch {
	case m.form != nil:
		return m.form.FullHelp()
	case m.prompt != nil || m.confirmDel != "" || m.filtering:
		return [][]key.Binding{m.ShortHelp()}
	case m.loaded && len(m.list) == 0:
		return [][]key.Binding{{k.Add, k.Demo}}
	}
	nav := []key.Binding{k.Up, k.Down, k.Filter, k.Sort, k.DetailDown, k.DetailUp}
	if m.filter.Value() != "" {
		nav = append(nav, k.ClearFilter)
	}
	acts := []key.Binding{k.Add}
	if p := m.Selected(); p != nil {
		acts = append([]key.Binding{k.Activate}, k.Add, k.Edit, k.Delete, k.Switch)
		if m.locked(*p) {
			acts = append(acts, k.Unlock)
		}
	}
	return [][]key.Binding{nav, acts}
}
