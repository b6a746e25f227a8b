package creds

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/ui/common"
)

const labelWidth = 13

// View draws the form: title, fields, the focused field's hint, the error
// or confirmation, then the credential's health as far as there is room.
func (m *Form) View() string {
	st := m.st
	w := m.width
	title := "Add a profile"
	if m.orig != nil {
		title = fmt.Sprintf("Edit profile %q", m.orig.Name)
	}
	if m.browser != nil {
		head := st.Title.Render(fmt.Sprintf("Pick the %s file", strings.ToLower(m.f[m.browseFor].label))) +
			"  " + st.Subtle.Render(m.browser.CurrentDirectory)
		keys := st.Subtle.Render("↑/↓ move · type a name to jump · →/enter open or pick · ← parent · esc close")
		return head + "\n" + keys + "\n\n" + m.browser.View()
	}
	if m.confirm != nil {
		// The question is the last line on screen whatever the height: the
		// user must see what y and n answer.
		lines := []string{st.Title.Render(title), "", st.Problem.Render("This profile would not work:")}
		for _, why := range m.confirm {
			lines = append(lines, common.WrapIndent(st.Problem.Render, "  • ", why, w)...)
		}
		q := st.Title.Render("Save it anyway?") + "  " + st.Subtle.Render("y save · n keep editing")
		return common.ClipLines(strings.Join(lines, "\n"), w, max(m.height-1, 1)) + "\n" + common.Clip(q, w)
	}
	lines := []string{st.Title.Render(title)}
	for _, id := range m.visibleFields() {
		lines = append(lines, m.fieldLine(id))
	}
	f := m.f[m.focus]
	hint := f.hint
	if len(m.completions) > 0 {
		hint = strings.Join(m.completions, "  ")
	}
	lines = append(lines, st.Subtle.Render("  ↳ "+hint))
	switch {
	case m.err != "":
		lines = append(lines, common.WrapIndent(st.Problem.Render, "✗ ", m.err, w)...)
	case m.pendingSave:
		lines = append(lines, st.Subtle.Render("checking the credential, then saving…"))
	}
	lines = append(lines, "")
	lines = append(lines, m.healthLines(w)...)
	return common.ClipLines(strings.Join(lines, "\n"), w, m.height)
}

func (m *Form) fieldLine(id fieldID) string {
	st := m.st
	f := m.f[id]
	focused := id == m.focus
	label := common.Fit(f.label, labelWidth)
	marker := "  "
	if focused {
		marker = st.Selected.Render("▸ ")
		label = st.Selected.Render(label)
	} else {
		label = st.Subtle.Render(label)
	}
	var val string
	if f.isChoice() {
		c := f.choices[f.choice]
		switch {
		case id == fEnv:
			c = common.EnvBadge(st, certs.Environment(f.value()))
		case focused:
			c = st.Selected.Render(c)
		}
		if len(f.choices) > 1 {
			val = st.Subtle.Render("‹ ") + c + st.Subtle.Render(" ›")
			if id != fEnv {
				val += st.Subtle.Render(fmt.Sprintf("  %d of %d", f.choice+1, len(f.choices)))
			}
		} else {
			val = c + st.Subtle.Render("  (the only one)")
		}
	} else {
		val = f.input.View()
		if id == fPath {
			if file, rest, ok := splitAfterCredExt(f.input.Value()); ok {
				// Text run on past a credential's name is a password typed
				// in the wrong field until the check says otherwise: never
				// draw it.
				val = file + st.Subtle.Render(strings.Repeat("•", len([]rune(rest))))
			}
		}
	}
	return marker + label + " " + val
}

// healthLines says what the credential is, as last read.
func (m *Form) healthLines(w int) []string {
	st := m.st
	head := st.Title.Render("Health") + "  "
	switch {
	case m.f[fPath].value() == "":
		return []string{head + st.Subtle.Render("type or pick the credential's path: its health shows here")}
	case m.Checking() && m.report == nil && m.loadErr == nil:
		return []string{head + st.Subtle.Render("reading the credential…")}
	case m.report == nil && m.loadErr != nil:
		return common.WrapIndent(st.Problem.Render, head+"✗ ", m.loadErr.Error(), w)
	case m.report == nil:
		return nil
	}
	r := m.report
	h := common.Health{Report: r, Err: m.loadErr}
	badge, tone := h.Badge()
	var facts []string
	facts = append(facts, string(r.Format))
	switch {
	case r.TokenKey != nil:
		facts = append(facts, "token key "+r.TokenKey.KeyID)
	case r.Certificate != nil:
		facts = append(facts, "certificate")
		var envs []string
		for _, e := range r.Certificate.Environments {
			envs = append(envs, string(e))
		}
		if len(envs) > 0 {
			facts = append(facts, strings.Join(envs, " + "))
		}
		facts = append(facts, common.DaysText(r))
	}
	if m.Checking() {
		facts = append(facts, "re-reading…")
	}
	lines := []string{head + common.ToneStyle(st, tone, badge) + "  " + st.Subtle.Render(strings.Join(facts, " · "))}
	for _, p := range r.Problems {
		lines = append(lines, common.WrapIndent(st.Problem.Render, "  ✗ ", p.String(), w)...)
	}
	for _, p := range r.Warnings {
		lines = append(lines, common.WrapIndent(st.Warning.Render, "  ⚠ ", p.String(), w)...)
	}
	return lines
}

// ShortHelp is the form's keys.
func (m *Form) ShortHelp() []key.Binding {
	if m.browser != nil {
		return []key.Binding{m.keys.Pick, m.keys.Close}
	}
	if m.confirm != nil {
		return []key.Binding{m.keys.Yes, m.keys.No}
	}
	// Save and cancel first: the footer leaves out what does not fit, and
	// the full help is not shown while the form has the keys.
	b := []key.Binding{m.keys.Save, m.keys.Cancel, m.keys.Next}
	f := m.f[m.focus]
	switch {
	case f.path:
		b = append(b, m.keys.Complete, m.keys.Browse)
	case f.isChoice():
		b = append(b, m.keys.Left)
	}
	return append(b, m.keys.Prev)
}

// FullHelp is every key of the form.
func (m *Form) FullHelp() [][]key.Binding {
	if m.confirm != nil {
		return [][]key.Binding{{m.keys.Yes, m.keys.No}}
	}
	return [][]key.Binding{{m.keys.Next, m.keys.Prev, m.keys.Left}, {m.keys.Complete, m.keys.Browse, m.keys.Save, m.keys.Cancel}}
}
