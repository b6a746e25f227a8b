// Package ui is the pushdeck console: the shell that frames every screen
// (header, tabs, status line, help) and routes messages to the screens.
// Read README.md in this folder before changing it.
package ui

import (
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// DemoWorld is what the in-process demo needs from the caller: a store in
// a temporary folder with demo profiles, their passwords, and how to tear
// it all down.
type DemoWorld struct {
	Store     *profiles.Store
	Passwords map[string]string
	Close     func() error
}

// Options configure the console.
type Options struct {
	Store     *profiles.Store
	Demo      bool
	NoColor   bool
	Passwords map[string]string // known at start (the demo's)
	// StartDemo builds the demo world when the user presses d with no
	// profiles; nil means the console cannot offer it. It runs in a Cmd.
	StartDemo func() (DemoWorld, error)
	// Screens builds the tabs; nil means Screens. Tests pass their own.
	Screens func(common.Common) []common.Screen
}

// Msgs of the shell.
type (
	// activeLoadedMsg carries the active profile and its credential, loaded
	// in a Cmd; run drops answers to an older request.
	activeLoadedMsg struct {
		run     int
		profile *profiles.Profile
		cred    *certs.Credential
		err     error
	}
	// demoReadyMsg carries the demo world started from the empty state.
	demoReadyMsg struct {
		world DemoWorld
		err   error
	}
	// statusExpiredMsg clears an info message that has been shown long enough.
	statusExpiredMsg struct{ seq int }
	// quitRequestMsg is a quit from outside (a signal), turned by Filter
	// into the same graceful quit as q.
	quitRequestMsg struct{}
	// quitDeadlineMsg ends a quit that waited long enough for the screens.
	quitDeadlineMsg struct{}
)

// infoTTL is how long an info message stays: long enough to read twice.
const infoTTL = 8 * time.Second

// quitWait bounds how long quitting waits for running work (a cancelled
// send's last results and their writes) so quit never hangs; Close says
// on stderr what could not be kept.
const quitWait = 5 * time.Second

// Model is the root model of the console.
type Model struct {
	c       common.Common
	opts    Options
	keys    KeyMap
	help    help.Model
	screens []common.Screen
	tab     int

	width, height int
	noColor       bool

	info      string
	infoSeq   int
	errMsg    error
	activeRun int
	demoClose func() error
	starting  bool // the demo is being built

	quitting  bool     // waiting for the Stoppers before exiting
	quitReady bool     // tea.Quit is on its way: Filter lets it through
	fullHelp  bool     // the footer is the full help (laid out for its height)
	expiring  []string // saved profiles expired or within the warning window
}

// New builds the console. It does no IO: Init loads the active profile.
func New(o Options) *Model {
	m := &Model{opts: o, keys: DefaultKeyMap(), help: help.New(), noColor: o.NoColor}
	m.c = common.Common{
		Styles:   common.DefaultStyles(true, o.NoColor),
		Store:    o.Store,
		Demo:     o.Demo,
		Password: copyMap(o.Passwords),
	}
	build := o.Screens
	if build == nil {
		build = Screens
	}
	m.screens = build(m.c)
	m.keys = m.keys.withTabs(len(m.screens))
	m.restyleHelp()
	return m
}

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// Init asks the terminal for its background, loads the active profile and
// starts every screen's own loading.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.loadActive()}
	for _, s := range m.screens {
		if in, ok := s.(common.Initer); ok {
			cmds = append(cmds, in.Init())
		}
	}
	return tea.Batch(cmds...)
}

// Close releases what the screens hold and tears down a demo started from
// the console. Call it after the program ends. Its error says what could
// not be kept (results a forced quit left unwritten): print it once the
// terminal is back.
func (m *Model) Close() error {
	var errs []error
	for _, s := range m.screens {
		if c, ok := s.(common.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	if m.demoClose != nil {
		f := m.demoClose
		m.demoClose = nil
		if err := f(); err != nil {
			errs = append(errs, fmt.Errorf("cleaning up the demo: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Filter is the program's message filter (tea.WithFilter): a quit from
// outside the console (SIGTERM, SIGHUP, SIGINT) becomes the graceful quit
// of q, so a running send still keeps its results; only the console's own
// final tea.Quit goes through.
func Filter(model tea.Model, msg tea.Msg) tea.Msg {
	m, ok := model.(*Model)
	if !ok || m.quitReady {
		return msg
	}
	switch msg.(type) {
	case tea.QuitMsg, tea.InterruptMsg:
		return quitRequestMsg{}
	}
	return msg
}

// quit starts quitting: screens with running work are told to stop, and
// the program ends once they all have (or quitWait has passed).
func (m *Model) quit() tea.Cmd {
	if m.quitting {
		return nil
	}
	m.quitting = true
	m.help.ShowAll = false
	var cmds []tea.Cmd
	for _, s := range m.screens {
		if st, ok := s.(common.Stopper); ok {
			cmds = append(cmds, st.Stop())
		}
	}
	if m.stopped() {
		return m.quitNow()
	}
	m.layout() // the status line says what quitting waits for
	cmds = append(cmds, tea.Tick(quitWait, func(time.Time) tea.Msg { return quitDeadlineMsg{} }))
	return tea.Batch(cmds...)
}

// quitNow ends the program.
func (m *Model) quitNow() tea.Cmd {
	m.quitting, m.quitReady = true, true
	return tea.Quit
}

// stopped is true when no screen has work left in flight.
func (m *Model) stopped() bool {
	for _, s := range m.screens {
		if st, ok := s.(common.Stopper); ok && !st.Stopped() {
			return false
		}
	}
	return true
}

// Screen returns tab i (0-based), for tests.
func (m *Model) Screen(i int) common.Screen { return m.screens[i] }

// Tab is the active tab (0-based).
func (m *Model) Tab() int { return m.tab }

// Common is the shared state the screens see.
func (m *Model) Common() common.Common { return m.c }

// loadActive reads the active profile and loads its credential.
func (m *Model) loadActive() tea.Cmd {
	m.activeRun++
	run, store, pws := m.activeRun, m.c.Store, copyMap(m.c.Password)
	if store == nil {
		return nil
	}
	return func() tea.Msg {
		name, err := store.Active()
		if err != nil {
			return activeLoadedMsg{run: run, err: err}
		}
		if name == "" {
			return activeLoadedMsg{run: run}
		}
		p, err := store.Profile(name)
		if err != nil {
			return activeLoadedMsg{run: run, err: err}
		}
		pw, ok, err := session.ProfilePassword(session.Env{}, p, pws)
		if err != nil {
			return activeLoadedMsg{run: run, profile: &p, err: err}
		}
		if !ok {
			return activeLoadedMsg{run: run, profile: &p, err: common.ErrNeedsPassword}
		}
		cred, err := session.LoadCredential(p, pw)
		return activeLoadedMsg{run: run, profile: &p, cred: cred, err: err}
	}
}

// activate makes name the active profile on disk, then reloads it.
func (m *Model) activate(name string) tea.Cmd {
	store := m.c.Store
	if store == nil {
		return nil
	}
	load := m.loadActive()
	run := m.activeRun
	return func() tea.Msg {
		if err := store.SetActive(name); err != nil {
			return activeLoadedMsg{run: run, err: err}
		}
		return load()
	}
}

func (m *Model) startDemo() tea.Cmd {
	start := m.opts.StartDemo
	return func() tea.Msg {
		w, err := start()
		return demoReadyMsg{world: w, err: err}
	}
}

// Update routes a message: keys to the active screen (after the shell's
// own), everything else to every screen, which drops what is not theirs.
// While quitting, it ends the program once every screen has stopped.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.update(msg)
	if m.fullHelp != m.showFull() {
		m.layout() // the footer changes height (a screen started or stopped capturing keys)
	}
	if m.quitting && !m.quitReady && m.stopped() {
		return m, tea.Batch(cmd, m.quitNow())
	}
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case quitRequestMsg:
		return m.quit()
	case quitDeadlineMsg:
		if m.quitting && !m.quitReady {
			return m.quitNow()
		}
		return nil
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return nil
	case tea.BackgroundColorMsg:
		m.c.Styles = common.DefaultStyles(msg.IsDark(), m.noColor)
		m.restyleHelp()
		m.pushCommon()
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg, tea.MouseMsg:
		if m.quitting {
			return nil
		}
		return m.toActive(msg)
	case common.StatusMsg:
		m.infoSeq++
		m.info = msg.Text
		m.layout()
		seq := m.infoSeq
		return tea.Tick(infoTTL, func(time.Time) tea.Msg { return statusExpiredMsg{seq} })
	case statusExpiredMsg:
		if msg.seq == m.infoSeq {
			m.info = ""
			m.layout()
		}
		return nil
	case common.ErrorMsg:
		m.errMsg = msg.Err
		m.layout()
		return nil
	case common.SwitchScreenMsg:
		return m.switchTo(msg.Tab - 1)
	case common.ActivateProfileMsg:
		return m.activate(msg.Name)
	case common.PasswordMsg:
		pw := copyMap(m.c.Password)
		pw[msg.Profile] = msg.Password
		m.c.Password = pw
		m.pushCommon()
		if m.c.Active != nil && m.c.Active.Name == msg.Profile && m.c.Cred == nil {
			return m.loadActive() // typed on Probe or Send: the active profile opens
		}
		return nil
	case activeLoadedMsg:
		if msg.run != m.activeRun {
			return nil
		}
		m.c.Active, m.c.Cred, m.c.CredErr = msg.profile, msg.cred, msg.err
		m.pushCommon()
		return nil
	case common.ExpiringMsg:
		m.expiring = msg.Names
		return nil
	case common.ProfilesChangedMsg:
		return tea.Batch(m.loadActive(), m.broadcast(msg))
	case common.StartDemoMsg:
		switch {
		case m.c.Demo:
			return common.StatusCmd("this is the demo already: its profiles are on the Profiles screen")
		case m.opts.StartDemo == nil:
			return common.ErrorCmd(errors.New("the demo cannot start from here: run `pushdeck demo`"))
		case m.starting:
			return nil
		}
		m.starting = true
		return tea.Batch(m.startDemo(), common.StatusCmd("starting the demo: two local APNs servers and a demo credential…"))
	case demoReadyMsg:
		m.starting = false
		if msg.err != nil {
			return common.ErrorCmd(errors.New("the demo did not start: " + msg.err.Error()))
		}
		m.demoClose = msg.world.Close
		m.c.Store, m.c.Demo = msg.world.Store, true
		pw := copyMap(m.c.Password)
		for k, v := range msg.world.Passwords {
			pw[k] = v
		}
		m.c.Password = pw
		m.pushCommon()
		return tea.Batch(m.loadActive(),
			m.broadcast(common.ProfilesChangedMsg{}), m.broadcast(common.DevicesChangedMsg{}), m.broadcast(common.HistoryChangedMsg{}),
			common.StatusCmd("demo started: nothing of your own config is read or written; it is all removed when you quit"))
	}
	return m.broadcast(msg)
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	if m.quitting {
		// Waiting for running work to end: a second ctrl+c gives up on it.
		if key.Matches(msg, m.keys.ForceQuit) {
			return m.quitNow()
		}
		return nil
	}
	if key.Matches(msg, m.keys.ForceQuit) {
		return m.quit()
	}
	scr := m.screens[m.tab]
	if scr.Capturing() {
		return m.toActive(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.layout()
		return nil
	case key.Matches(msg, m.keys.Next):
		return m.switchTo((m.tab + 1) % len(m.screens))
	case key.Matches(msg, m.keys.Prev):
		return m.switchTo((m.tab + len(m.screens) - 1) % len(m.screens))
	case key.Matches(msg, m.keys.Back):
		if b, ok := scr.(common.Backer); ok && b.WantsEsc() {
			return m.toActive(msg)
		}
		if m.help.ShowAll {
			m.help.ShowAll = false
			m.layout()
			return nil
		}
		if m.errMsg != nil {
			m.errMsg = nil
			m.layout()
			return nil
		}
		return m.toActive(msg)
	}
	for i, b := range m.keys.Tabs {
		if i < len(m.screens) && key.Matches(msg, b) {
			return m.switchTo(i)
		}
	}
	return m.toActive(msg)
}

func (m *Model) switchTo(i int) tea.Cmd {
	if i < 0 || i >= len(m.screens) || i == m.tab {
		return nil
	}
	m.tab = i
	m.layout() // the footer's help may change height with the screen
	if s, ok := m.screens[i].(common.Shower); ok {
		return s.Shown()
	}
	return nil
}

func (m *Model) toActive(msg tea.Msg) tea.Cmd {
	_, cmd := m.screens[m.tab].Update(msg)
	return cmd
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.screens))
	for _, s := range m.screens {
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// pushCommon hands every screen the latest shared state.
func (m *Model) pushCommon() {
	for _, s := range m.screens {
		s.SetCommon(m.c)
	}
}
