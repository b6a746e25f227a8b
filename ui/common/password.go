package common

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// ErrNeedsPassword is the active profile's state when its credential waits
// for a password typed at a prompt: Probe and Send ask for it right there,
// and the header says it in two words.
var ErrNeedsPassword = errors.New("the credential needs its password")

// PasswordPrompt asks for a profile's password in a masked field, on the
// screen that needs it (Probe, Send). The password is kept in memory for
// the session (PasswordMsg), never written anywhere.
type PasswordPrompt struct {
	Profile  string
	Why      string // what the password is for ("to probe", "to send")
	input    textinput.Model
	err      string
	checking bool
	run      int
}

// PasswordKeyMap is the prompt's keys.
type PasswordKeyMap struct{ Submit, Cancel key.Binding }

// DefaultPasswordKeyMap returns the prompt's keys.
func DefaultPasswordKeyMap() PasswordKeyMap {
	return PasswordKeyMap{
		Submit: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "unlock")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// NewPasswordPrompt opens a prompt for profile; run tags its answer.
func NewPasswordPrompt(st Styles, profile, why string, run int) *PasswordPrompt {
	in := NewInput(st, "password: ", "")
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	in.SetWidth(30)
	in.Focus()
	return &PasswordPrompt{Profile: profile, Why: why, input: in, run: run}
}

// UnlockedMsg is the answer to a password typed at a PasswordPrompt: the
// credential it opened, or why it did not.
type UnlockedMsg struct {
	Run      int
	Profile  string
	Password string
	Cred     *certs.Credential
	Err      error
}

// Loader loads a profile's credential with a password (session.LoadCredential):
// handed in, so this package does no IO of its own.
type Loader func(profiles.Profile, string) (*certs.Credential, error)

// Update takes a key or a paste. On submit it returns the Cmd that tries
// the password with load (in the Cmd: it reads the file); cancel is true
// on esc.
func (p *PasswordPrompt) Update(msg tea.Msg, keys PasswordKeyMap, prof profiles.Profile, load Loader) (cmd tea.Cmd, cancel bool) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, keys.Cancel):
			return nil, true
		case key.Matches(k, keys.Submit):
			if p.checking {
				return nil, false
			}
			p.checking, p.err = true, ""
			run, pw := p.run, p.input.Value()
			return func() tea.Msg {
				cred, err := load(prof, pw)
				if cred != nil && passwordRefused(&cred.Report) {
					err = errors.New("that password does not open the file: try again (esc cancels)")
				}
				return UnlockedMsg{Run: run, Profile: prof.Name, Password: pw, Cred: cred, Err: err}
			}, false
		}
	}
	p.input, cmd = p.input.Update(msg)
	p.err = ""
	return cmd, false
}

// Answer takes the prompt's answer; ok means the credential opened.
func (p *PasswordPrompt) Answer(msg UnlockedMsg) (ok bool) {
	if msg.Run != p.run || msg.Profile != p.Profile {
		return false
	}
	p.checking = false
	if msg.Err != nil || msg.Cred == nil {
		p.err = "the credential did not open"
		if msg.Err != nil {
			p.err = msg.Err.Error()
		}
		p.input.SetValue("")
		return false
	}
	return true
}

// Mine is true when msg answers this prompt.
func (p *PasswordPrompt) Mine(msg UnlockedMsg) bool {
	return msg.Run == p.run && msg.Profile == p.Profile
}

// View draws the prompt in w cells.
func (p *PasswordPrompt) View(st Styles, w int) string {
	l := []string{st.Title.Render("Password for " + p.Profile)}
	l = append(l, WrapIndent(st.Subtle.Render, "", "Its credential is protected by a password; type it "+p.Why+". It is kept in memory until you quit, never written anywhere.", w)...)
	l = append(l, "", p.input.View())
	switch {
	case p.checking:
		l = append(l, st.Subtle.Render("checking…"))
	case p.err != "":
		l = append(l, WrapIndent(st.Problem.Render, "✗ ", p.err, w)...)
	}
	return strings.Join(l, "\n")
}

func passwordRefused(r *certs.Report) bool {
	for _, f := range r.Problems {
		if f.Code == certs.CodePasswordRequired || f.Code == certs.CodeWrongPassword {
			return true
		}
	}
	return false
}
