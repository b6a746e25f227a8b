package devices

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/ui/common"
)

const (
	fLabel = iota
	fToken
	fGroups
	fEnv
	nFields
)

type formKeys struct {
	Next, Prev, Change key.Binding
}

// deviceForm adds or edits a device; the token is normalised and checked as
// it is typed or pasted.
type deviceForm struct {
	st                   common.Styles
	keys                 formKeys
	field                int
	label, token, groups textinput.Model
	env                  certs.Environment
	orig                 profiles.Device
	editing              bool
	err                  string
}

func newDeviceForm(st common.Styles) deviceForm {
	return deviceForm{
		st: st,
		keys: formKeys{
			Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "next field")),
			Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab", "previous field")),
			Change: key.NewBinding(key.WithKeys("left", "right", "space"), key.WithHelp("←/→", "change")),
		},
		label:  common.NewInput(st, "", "e.g. Anna's iPhone"),
		token:  common.NewInput(st, "", "paste the token as the app logged it: <a1b2c3d4 …> is fine"),
		groups: common.NewInput(st, "", "comma-separated, e.g. qa, ios17"),
	}
}

func (f *deviceForm) setWidth(w int) {
	for _, in := range []*textinput.Model{&f.label, &f.token, &f.groups} {
		in.SetWidth(max(10, w-16))
	}
}

func (f *deviceForm) open(d profiles.Device, editing bool) {
	f.orig, f.editing, f.err = d, editing, ""
	f.label.SetValue(d.Label)
	f.token.SetValue(d.Token)
	f.groups.SetValue(strings.Join(d.Groups, ", "))
	f.env = d.Environment
	if f.env == "" {
		f.env = certs.Development
	}
	f.field = fLabel // the order shown: label, token, groups, environment
}

func (f *deviceForm) input(i int) *textinput.Model {
	switch i {
	case fLabel:
		return &f.label
	case fToken:
		return &f.token
	case fGroups:
		return &f.groups
	}
	return nil
}

func (f *deviceForm) focus() tea.Cmd {
	var cmd tea.Cmd
	for i := range nFields {
		if in := f.input(i); in != nil {
			if i == f.field {
				cmd = in.Focus()
			} else {
				// Shown from its start when not being typed in: a pasted
				// token otherwise stays scrolled to its end.
				in.Blur()
				in.CursorStart()
			}
		}
	}
	return cmd
}

func (f *deviceForm) update(msg tea.Msg) tea.Cmd {
	if kp, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(kp, f.keys.Next):
			f.field = (f.field + 1) % nFields
			return f.focus()
		case key.Matches(kp, f.keys.Prev):
			f.field = (f.field + nFields - 1) % nFields
			return f.focus()
		case f.field == fEnv && key.Matches(kp, f.keys.Change):
			f.env = f.env.Other()
			return nil
		}
	}
	if pm, ok := msg.(tea.PasteMsg); ok && f.field != fToken && looksLikeToken(pm.Content) {
		// A token pasted anywhere in the form belongs in the token field.
		f.field = fToken
		f.focus()
	}
	in := f.input(f.field)
	if in == nil {
		if pm, ok := msg.(tea.PasteMsg); ok {
			// A paste always means the token.
			f.field = fToken
			f.focus()
			in = &f.token
			msg = pm
		} else {
			return nil
		}
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	f.err = ""
	return cmd
}

// looksLikeToken is true for pasted text that is (part of) a device
// token: iOS's <…> form, or hex digits only.
func looksLikeToken(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "<") {
		return true
	}
	if len(s) < 16 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF -", r) {
			return false
		}
	}
	return true
}

// tokenStatus is the live verdict on the token field.
func (f *deviceForm) tokenStatus() (string, bool) {
	if strings.TrimSpace(f.token.Value()) == "" {
		return "", false
	}
	t, err := certs.NormalizeToken(f.token.Value())
	if err != nil {
		return err.Error(), false
	}
	return fmt.Sprintf("✓ %d hex digits: %s", len(t), common.ShortToken(t)), true
}

// device is the form's device, or why it cannot be saved.
func (f *deviceForm) device(now time.Time) (profiles.Device, error) {
	t, err := certs.NormalizeToken(f.token.Value())
	if err != nil {
		return profiles.Device{}, err
	}
	d := f.orig
	d.Token = t
	d.Label = strings.TrimSpace(f.label.Value())
	d.Environment = f.env
	d.Groups = nil
	for _, g := range strings.Split(f.groups.Value(), ",") {
		if g = strings.TrimSpace(g); g != "" {
			d.Groups = append(d.Groups, g)
		}
	}
	if d.Label == "" {
		return d, errors.New("give the device a label you will recognise in results, e.g. Anna's iPhone")
	}
	if d.AddedAt.IsZero() {
		d.AddedAt = now
	}
	if f.editing && (f.orig.Token != d.Token || f.orig.Environment != d.Environment) {
		// A new token or environment is a new device to APNs: its old
		// result no longer applies.
		d.Last = nil
		d.UnregisteredAt = time.Time{}
	}
	return d, nil
}

func (f deviceForm) view(w int) string {
	st := f.st
	title := "Add a device"
	if f.editing {
		title = "Edit " + f.orig.Label
	}
	lines := []string{st.Title.Render(title) + st.Subtle.Render("  tab next field · enter save · esc cancel")}
	names := [nFields]string{"label", "token", "groups", "environment"}
	for i := range nFields {
		mark, lbl := "  ", st.Subtle.Render(fmt.Sprintf("%-12s", names[i]))
		if i == f.field {
			mark, lbl = st.Selected.Render("› "), st.Selected.Render(fmt.Sprintf("%-12s", names[i]))
		}
		var val string
		if in := f.input(i); in != nil {
			val = in.View()
		} else {
			val = "‹ " + string(f.env) + " ›"
			if f.env == certs.Production {
				val = st.EnvBadge.Production.Render("PRODUCTION") + " " + st.Subtle.Render("‹ ←/→ ›")
			}
		}
		lines = append(lines, common.Clip(mark+lbl+" "+val, w))
		if i == fToken {
			if s, ok := f.tokenStatus(); s != "" {
				style := st.Problem
				if ok {
					style = st.Good
				}
				// Wrapped, not cut: the end of the message says what to do.
				for _, l := range strings.Split(ansi.Wrap(s, max(20, w-15), ""), "\n") {
					lines = append(lines, common.Clip("               "+style.Render(l), w))
				}
			} else {
				lines = append(lines, "")
			}
		}
	}
	if f.err != "" {
		lines = append(lines, "")
		for _, l := range strings.Split(ansi.Wrap("✗ "+f.err, max(20, w), ""), "\n") {
			lines = append(lines, common.Clip(st.Problem.Render(l), w))
		}
	}
	return strings.Join(lines, "\n")
}
