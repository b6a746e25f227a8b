package creds

import (
	"charm.land/bubbles/v2/key"
	"errors"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/session"
	"github.com/pushdeck/pushdeck/ui/common"
)

// formAction carries out what the form asked: close, or save in a Cmd.
func (m *Model) formAction(a action) tea.Cmd {
	switch a.kind {
	case actCancel:
		m.form = nil
		return nil
	case actSave:
		orig := m.form.orig
		m.form = nil
		store := m.c.Store
		p := a.profile
		first := len(m.list) == 0
		wasActive := orig != nil && orig.Name == m.activeNm
		var cmds []tea.Cmd
		if a.needsPw && p.Password.Kind == "prompt" {
			cmds = append(cmds, common.Cmd(common.PasswordMsg{Profile: p.Name, Password: a.password}))
		}
		cmds = append(cmds, func() tea.Msg {
			if orig != nil && orig.Name != p.Name {
				if err := store.RemoveProfile(orig.Name); err != nil && !errors.Is(err, profiles.ErrNotFound) {
					return savedMsg{err: err}
				}
			}
			if err := store.SaveProfile(p); err != nil {
				return savedMsg{err: fmt.Errorf("profile %s not saved: %w", p.Name, err)}
			}
			note := fmt.Sprintf("profile %s saved", p.Name)
			if first {
				note += " and made active"
			}
			return savedMsg{name: p.Name, activate: first || wasActive, note: note}
		})
		return tea.Sequence(cmds...)
	}
	return nil
}

// activate makes p active, asking for its password first when it waits
// for one.
func (m *Model) activate(p profiles.Profile) tea.Cmd {
	if m.locked(p) {
		m.openPrompt(p.Name, true)
		return m.prompt.input.Focus()
	}
	m.activeNm = p.Name
	return tea.Batch(common.Cmd(common.ActivateProfileMsg{Name: p.Name}), common.StatusCmd(p.Name+" is the active profile"))
}

// locked is true when p's credential waits for its password.
func (m *Model) locked(p profiles.Profile) bool {
	h, ok := m.health[p.Name]
	return ok && h.Locked
}

// openPrompt asks for name's password; activate says whether the profile
// becomes active once it opens (enter) or is only unlocked to read its
// health (u).
func (m *Model) openPrompt(name string, activate bool) {
	m.prompt = &passwordPrompt{name: name, activate: activate, input: common.NewInput(m.c.Styles, "password: ", "")}
	m.prompt.input.EchoMode = textinput.EchoPassword
	m.prompt.input.EchoCharacter = '•'
	m.prompt.input.SetWidth(30)
}

func (m *Model) promptKey(msg tea.KeyPressMsg) tea.Cmd {
	pr := m.prompt
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.prompt = nil
		return nil
	case key.Matches(msg, m.keys.Submit):
		if pr.checking {
			return nil
		}
		i := slices.IndexFunc(m.list, func(p profiles.Profile) bool { return p.Name == pr.name })
		if i < 0 {
			m.prompt = nil
			return nil
		}
		pr.checking, pr.err = true, ""
		pr.run++
		run, p, pw := pr.run, m.list[i], pr.input.Value()
		return func() tea.Msg {
			cred, err := session.LoadCredential(p, pw)
			h := common.Health{Err: err}
			if cred != nil {
				r := cred.Report
				h.Report = &r
			}
			return unlockMsg{run: run, name: p.Name, pw: pw, health: h}
		}
	}
	var cmd tea.Cmd
	pr.input, cmd = pr.input.Update(msg)
	return cmd
}

func (m *Model) unlocked(msg unlockMsg) tea.Cmd {
	pr := m.prompt
	if pr == nil || pr.name != msg.name || pr.run != msg.run {
		return nil
	}
	pr.checking = false
	if msg.health.Report != nil && passwordProblem(msg.health.Report) {
		pr.err = "that password does not open the file: try again (esc cancels)"
		pr.input.SetValue("")
		return nil
	}
	m.prompt = nil
	m.health[msg.name] = msg.health
	if !pr.activate {
		return tea.Sequence(
			common.Cmd(common.PasswordMsg{Profile: msg.name, Password: msg.pw}),
			common.StatusCmd(msg.name+" unlocked: its health is shown (password kept in memory until you quit)"))
	}
	m.activeNm = msg.name
	return tea.Sequence(
		common.Cmd(common.PasswordMsg{Profile: msg.name, Password: msg.pw}),
		common.Cmd(common.ActivateProfileMsg{Name: msg.name}),
		common.StatusCmd(msg.name+" is the active profile (password kept in memory until you quit)"))
}

func (m *Model) confirmKey(msg tea.KeyPressMsg) tea.Cmd {
	name := m.confirmDel
	switch {
	case key.Matches(msg, m.keys.Yes):
		m.confirmDel = ""
		store := m.c.Store
		return func() tea.Msg { return deletedMsg{name: name, err: store.RemoveProfile(name)} }
	case key.Matches(msg, m.keys.No):
		m.confirmDel = ""
	}
	return nil
}

// switchEnv flips p between development and production where its
// credential allows both, and says why not where it does not.
func (m *Model) switchEnv(p profiles.Profile) tea.Cmd {
	h, ok := m.health[p.Name]
	if !ok || h.Report == nil {
		return common.ErrorCmd(fmt.Errorf("the credential of %s has not been read (yet): cannot tell which environments it allows", p.Name))
	}
	to := p.Environment.Other()
	allowed := common.AllowedEnvironments(h.Report)
	if len(allowed) > 0 && !slices.Contains(allowed, to) {
		return common.ErrorCmd(fmt.Errorf("%s's certificate is for %s only: APNs would refuse it in %s (BadCertificateEnvironment); add a profile with a %s or universal certificate",
			p.Name, allowed[0], to, to))
	}
	p.Environment = to
	store := m.c.Store
	active := p.Name == m.activeNm
	return func() tea.Msg {
		if err := store.SaveProfile(p); err != nil {
			return savedMsg{err: err}
		}
		return savedMsg{name: p.Name, activate: active, note: fmt.Sprintf("%s now sends to %s", p.Name, strings.ToUpper(string(to)))}
	}
}
