// Package probe is the Probe screen: it checks each link from this machine
// to APNs for the active profile (DNS, TCP, TLS, HTTP/2, then the
// credential, then the broadcast channel-management host) and says in
// plain words what works and what to do.
package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// stepNames are the probe's steps in the order push.Probe runs them.
var stepNames = []string{"dns", "tcp", "tls", "http2", "auth", channelsStep}

// stepLabels name the steps for people.
var stepLabels = map[string]string{
	"dns": "DNS lookup", "tcp": "TCP connect", "tls": "TLS handshake",
	"http2": "HTTP/2 settings", "auth": "Credential", channelsStep: "Channel mgmt",
}

// Msgs of the screen; run drops the events of an earlier probe.
type (
	// startedMsg carries the event stream of a probe that started.
	startedMsg struct {
		run int
		ch  <-chan push.ProbeEvent
	}
	// eventMsg is one step or the verdict.
	eventMsg struct {
		run int
		ev  push.ProbeEvent
		ch  <-chan push.ProbeEvent
	}
	// closedMsg says the stream ended: its producer is done.
	closedMsg struct {
		run int
		ch  <-chan push.ProbeEvent
	}
	// failedMsg says the probe could not start (no CA file, ...).
	failedMsg struct {
		run int
		err error
	}
)

// Model is the Probe screen.
type Model struct {
	c    common.Common
	keys KeyMap
	spin spinner.Model

	run       int
	cancel    context.CancelFunc
	running   bool
	cancelled bool
	steps     []push.ProbeStep
	verdict   *push.Verdict
	startErr  error
	// What the last probe was of, fixed when it started.
	profile string
	env     certs.Environment
	target  string

	port          int
	portFor       string // the profile port was taken from
	offset        int
	width, height int

	// live counts probes whose producer may still run: started and not yet
	// failed or closed. Quitting waits for it to reach zero, and streams
	// are their channels, for Close to drain if quitting could not wait.
	live    int
	streams map[<-chan push.ProbeEvent]bool

	// pw asks for a locked credential's password right here.
	pw     *common.PasswordPrompt
	pwKeys common.PasswordKeyMap
	pwRun  int

	// The channel-management step: what it probes, its context, whether
	// it runs, and why it was skipped.
	ctx         context.Context
	chanProf    *profiles.Profile
	chanCred    *certs.Credential
	chanRunning bool
	chanSkip    string
}

// New builds the Probe screen.
func New(c common.Common) *Model {
	m := &Model{c: c, keys: DefaultKeyMap(), port: 443, streams: map[<-chan push.ProbeEvent]bool{}, pwKeys: common.DefaultPasswordKeyMap()}
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(c.Styles.Selected))
	return m
}

// Title is the tab label.
func (m *Model) Title() string { return "Probe" }

// Capturing is true while the password prompt has the keys.
func (m *Model) Capturing() bool { return m.pw != nil }

// WantsEsc is true while a probe runs, so esc cancels it.
func (m *Model) WantsEsc() bool { return m.running }

// SetCommon takes the shell's latest shared state; a newly active profile
// brings its own port.
func (m *Model) SetCommon(c common.Common) {
	m.c = c
	m.spin.Style = c.Styles.Selected
	if p := c.Active; p != nil && p.Name != m.portFor {
		m.portFor = p.Name
		m.port = 443
		if p.Port == 2197 {
			m.port = 2197
		}
	}
}

// SetSize sets the screen's area.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// cancelRun cancels the running probe's context.
func (m *Model) cancelRun() {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// Stop cancels a running probe when the console quits; its stream is read
// to the end, so the console exits only once the probe's goroutine has.
func (m *Model) Stop() tea.Cmd {
	if m.running {
		m.run++ // what the cancelled probe still sends is dropped
		m.finish()
		m.cancelled = true
	}
	m.cancelRun()
	return nil
}

// Stopped is true when no probe's goroutine is left.
func (m *Model) Stopped() bool { return m.live == 0 }

// Close runs after the program ended: it cancels a probe that quitting
// could not wait for and reads its stream to the end (bounded), so its
// goroutine ends.
func (m *Model) Close() error {
	m.cancelRun()
	deadline := time.NewTimer(time.Second)
	defer deadline.Stop()
	for ch := range m.streams {
		for open := true; open; {
			select {
			case _, open = <-ch:
			case <-deadline.C:
				return nil
			}
		}
		delete(m.streams, ch)
	}
	return nil
}

// Running reports whether a probe is in progress.
func (m *Model) Running() bool { return m.running }

// Verdict is the last probe's verdict (nil while running or never run).
func (m *Model) Verdict() *push.Verdict { return m.verdict }

// Steps are the finished steps of the current or last probe.
func (m *Model) Steps() []push.ProbeStep { return m.steps }

// Port is the port the next probe uses on Apple's hosts.
func (m *Model) Port() int { return m.port }

// Update handles a message.
func (m *Model) Update(msg tea.Msg) (common.Component, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.pw != nil {
			return m, m.promptKey(msg)
		}
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.pw != nil {
			return m, m.promptKey(msg)
		}
	case common.UnlockedMsg:
		if m.pw == nil || !m.pw.Mine(msg) || !m.pw.Answer(msg) {
			return m, nil
		}
		m.pw = nil
		p := m.c.Active
		if p == nil || p.Name != msg.Profile {
			return m, nil
		}
		return m, tea.Batch(common.Cmd(common.PasswordMsg{Profile: msg.Profile, Password: msg.Password}), m.startWith(*p, msg.Cred))
	case startedMsg:
		m.streams[msg.ch] = true
		return m, listen(msg.run, msg.ch) // an earlier probe's is read to its end, its events dropped
	case eventMsg:
		if msg.run != m.run {
			return m, listen(msg.run, msg.ch) // an earlier probe: dropped, read to its end
		}
		if s := msg.ev.Step; s != nil {
			m.steps = append(m.steps, *s)
		}
		if v := msg.ev.Verdict; v != nil {
			m.verdict = v
			if cmd, more := m.afterVerdict(v); more {
				return m, tea.Batch(listen(msg.run, msg.ch), cmd)
			}
			m.finish()
		}
		return m, listen(msg.run, msg.ch)
	case channelsMsg:
		m.gotChannels(msg)
		return m, nil
	case closedMsg:
		if m.streams[msg.ch] {
			delete(m.streams, msg.ch)
			m.live--
		}
		if msg.run == m.run && m.running && !m.chanRunning {
			m.finish()
			if m.verdict == nil {
				m.startErr = errors.New("the probe ended without a verdict")
			}
		}
		return m, nil
	case failedMsg:
		m.live--
		if msg.run == m.run {
			m.startErr = msg.err
			m.finish()
		}
		return m, nil
	case spinner.TickMsg:
		if !m.running {
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) finish() {
	m.running, m.chanRunning = false, false
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Run):
		return m.Start()
	case key.Matches(msg, m.keys.Cancel):
		if m.running {
			m.run++ // whatever the cancelled probe still sends is dropped
			m.finish()
			m.cancelled = true
			return common.StatusCmd("probe cancelled")
		}
	case key.Matches(msg, m.keys.Port):
		return m.togglePort()
	case key.Matches(msg, m.keys.Down):
		m.offset++
	case key.Matches(msg, m.keys.Up):
		m.offset = max(0, m.offset-1)
	}
	return nil
}

func (m *Model) togglePort() tea.Cmd {
	if p := m.c.Active; p != nil && common.HostHasPort(*p) {
		return common.StatusCmd(fmt.Sprintf("the profile's host %s names its own port; p switches 443/2197 only on Apple's hosts", p.Host))
	}
	if m.port == 2197 {
		m.port = 443
	} else {
		m.port = 2197
	}
	return common.StatusCmd(fmt.Sprintf("the next probe uses port %d", m.port))
}

// Start probes the active profile, cancelling a probe still running.
func (m *Model) Start() tea.Cmd {
	p, cred := m.c.Active, m.c.Cred
	if p == nil {
		// Said on this screen, not in the status line: an error there
		// would follow the user to every other screen.
		m.refuse(errors.New("no active profile to probe: pick one on the Profiles screen (1) and press enter"))
		return nil
	}
	if m.c.CredErr != nil {
		// A failed load can leave a credential holding only its report
		// (what is wrong with the file): it cannot be presented.
		cred = nil
	}
	if cred == nil && errors.Is(m.c.CredErr, common.ErrNeedsPassword) {
		m.pwRun++
		m.pw = common.NewPasswordPrompt(m.c.Styles, p.Name, "to probe", m.pwRun)
		return nil
	}
	if cred == nil && m.c.CredErr == nil {
		m.refuse(fmt.Errorf("the credential of %s is not usable: it is still loading", p.Name))
		return nil
	}
	// A credential that cannot be used (a wrong password, a damaged or
	// expired file) still lets the probe check DNS and TCP: the TLS step
	// then names the credential's problem.
	return m.startWith(*p, cred)
}

// refuse says on the screen why a probe cannot start.
func (m *Model) refuse(err error) {
	m.cancelRun()
	m.run++
	m.running, m.cancelled = false, false
	m.steps, m.verdict, m.startErr = nil, nil, err
	m.chanProf, m.chanSkip = nil, ""
	m.profile = ""
}

// promptKey gives a key or paste to the password prompt.
func (m *Model) promptKey(msg tea.Msg) tea.Cmd {
	p := m.c.Active
	if p == nil {
		m.pw = nil
		return nil
	}
	cmd, cancel := m.pw.Update(msg, m.pwKeys, *p, session.LoadCredential)
	if cancel {
		m.pw = nil
	}
	return cmd
}

// startWith probes profile p with its loaded credential.
func (m *Model) startWith(prof profiles.Profile, cred *certs.Credential) tea.Cmd {
	p := &prof
	m.cancelRun()
	m.run++
	m.live++
	ctx, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	m.running, m.cancelled = true, false
	m.steps, m.verdict, m.startErr = nil, nil, nil
	m.ctx, m.chanProf, m.chanCred, m.chanSkip = ctx, &prof, cred, ""
	m.offset = 0
	m.profile, m.env = p.Name, p.Environment
	port := m.port
	if common.HostHasPort(*p) {
		port = 0
	}
	m.target = common.Target(*p, port)
	run, prof := m.run, *p
	return tea.Batch(m.spin.Tick, startCmd(ctx, run, prof, cred, m.c.CredErr, port))
}

// startCmd builds the engine config (reading the server CA file) and
// starts push.Probe; IO stays out of Update.
func startCmd(ctx context.Context, run int, p profiles.Profile, cred *certs.Credential, credErr error, port int) tea.Cmd {
	return func() tea.Msg {
		cfg, err := session.Config(p, cred)
		if cred == nil {
			cfg, err = session.ProbeConfig(p, credErr)
		}
		if err != nil {
			return failedMsg{run: run, err: err}
		}
		if port != 0 {
			cfg.Port = port
		}
		return startedMsg{run: run, ch: push.Probe(ctx, cfg)}
	}
}

// listen waits for the probe's next event; Update re-arms it after each.
func listen(run int, ch <-chan push.ProbeEvent) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return closedMsg{run: run, ch: ch}
		}
		return eventMsg{run: run, ev: ev, ch: ch}
	}
}

// ShortHelp is the screen's keys that work now.
func (m *Model) ShortHelp() []key.Binding {
	switch {
	case m.pw != nil:
		return []key.Binding{m.pwKeys.Submit, m.pwKeys.Cancel}
	case m.running:
		return []key.Binding{m.keys.Cancel, m.keys.Run}
	}
	b := []key.Binding{m.keys.Run}
	if m.portApplies() {
		b = append(b, m.keys.Port)
	}
	if m.scrollable() {
		b = append(b, m.keys.Down, m.keys.Up)
	}
	return b
}

// portApplies is true when p switches ports: on Apple's hosts only.
func (m *Model) portApplies() bool {
	p := m.c.Active
	return p != nil && !common.HostHasPort(*p)
}

// scrollable is true when the report has more lines than the screen.
func (m *Model) scrollable() bool {
	return len(m.steps) > 0 && m.height > 0 && m.reportLines() > m.height
}

// FullHelp is every key that works now.
func (m *Model) FullHelp() [][]key.Binding {
	if m.pw != nil || m.running {
		return [][]key.Binding{m.ShortHelp()}
	}
	return [][]key.Binding{m.ShortHelp()}
}
