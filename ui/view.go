package ui

import (
	"errors"
	"fmt"
	"github.com/pushdeck/pushdeck/internal/textsafe"
	"strings"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/internal/humanize"
	"github.com/pushdeck/pushdeck/ui/common"
)

// minWidth and minHeight are the smallest terminal the console lays out
// for; below that it asks for more room instead of drawing garbage.
const (
	minWidth  = 60
	minHeight = 16
)

// chrome is the lines above the screen: header, tabs, rule.
const chrome = 3

// maxStatusLines bounds a long error: it wraps rather than being cut, so
// it can be read in full.
const maxStatusLines = 3

func (m *Model) restyleHelp() {
	st := m.c.Styles
	hs := help.DefaultStyles(st.IsDark)
	if m.noColor {
		hs = help.Styles{}
		hs.ShortKey = lipgloss.NewStyle().Bold(true)
		hs.FullKey = hs.ShortKey
	}
	m.help.Styles = hs
}

// layout sizes the active area from the window and the footer's height and
// hands every screen its size and the shared state.
func (m *Model) layout() {
	m.help.SetWidth(m.width)
	m.fullHelp = m.showFull()
	footer := lipgloss.Height(m.footer())
	status := len(m.statusLines())
	h := max(1, m.height-chrome-status-footer)
	m.c.Width, m.c.Height = m.width, h
	for _, s := range m.screens {
		s.SetCommon(m.c)
		s.SetSize(m.width, h)
	}
}

// View draws the console: every line clipped to the width, exactly the
// window's height, so nothing ever wraps.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "pushdeck"
	if m.c.Active != nil {
		v.WindowTitle = "pushdeck · " + m.c.Active.Name
	}
	if m.width == 0 {
		v.SetContent("")
		return v
	}
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("pushdeck needs a terminal of at least %dx%d (this one is %dx%d): make the window larger.", minWidth, minHeight, m.width, m.height)
		v.SetContent(lipgloss.NewStyle().Width(m.width).Render(msg))
		return v
	}
	v.SetContent(m.render())
	return v
}

func (m *Model) render() string {
	st := m.c.Styles
	w := m.width
	scr := m.screens[m.tab]
	var content string
	if m.fullHelp {
		content = m.helpPanel(w, m.c.Height)
	} else {
		content = scr.View()
	}
	body := common.PadLines(common.ClipLines(content, w, m.c.Height), m.c.Height)
	rule := st.Subtle.Render(strings.Repeat("─", w))
	parts := []string{
		m.header(),
		common.Clip(m.tabs(), w),
		rule,
		body,
		common.ClipLines(strings.Join(m.statusLines(), "\n"), w, 0),
		common.ClipLines(m.footer(), w, 0),
	}
	return strings.Join(parts, "\n")
}

// header is one line: the app, the active profile, its environment badge,
// the credential's days left, auth kind and topic. When it does not fit, the
// less important parts shorten first ("364d", "cert", no second "demo"),
// so the environment, the profile and the topic stay whole.
func (m *Model) header() string {
	w := m.width
	var line string
	for short := range headerLevels {
		line = m.headerAt(short)
		if ansi.StringWidth(line) <= w {
			return line
		}
	}
	return ansi.Truncate(line, w, "…")
}

// Header shortening levels, each keeping the ones before it.
const (
	hdrFull      = iota
	hdrDays      // "364d" for "364 days left"
	hdrAuth      // "cert" for "certificate"
	hdrDemo      // no "demo" mark when the profile's name says demo already
	hdrSeps      // single spaces between the parts
	hdrEnv       // "DEV"/"PROD" for the full badge
	headerLevels // the number of levels
)

func (m *Model) headerAt(level int) string {
	st := m.c.Styles
	sep := st.Header.Meta.Render(" · ")
	gap := "  "
	if level >= hdrSeps {
		gap, sep = " ", st.Header.Meta.Render("·")
	}
	p := m.c.Active
	name := st.Header.Name.Render("pushdeck")
	if m.c.Demo && (level < hdrDemo || p == nil || !strings.Contains(strings.ToLower(p.Name), "demo")) {
		name += " " + st.Warning.Render("demo")
	}
	b := []string{name}
	if p == nil {
		b = append(b, st.Header.Meta.Render("no active profile"))
		return strings.Join(b, gap)
	}
	env := common.EnvBadge(st, p.Environment)
	switch {
	case level < hdrEnv:
	case p.Environment == certs.Production:
		env = st.EnvBadge.Production.Render("PROD")
	case p.Environment != "":
		env = st.EnvBadge.Development.Render("DEV")
	}
	b = append(b, st.Title.Render(p.Name), env)
	var meta []string
	switch {
	case errors.Is(m.c.CredErr, common.ErrNeedsPassword) && m.c.Cred == nil:
		// Two words, not a sentence: Probe and Send ask for it when needed.
		meta = append(meta, st.Warning.Render("locked: password needed"))
	case m.c.CredErr != nil && m.c.Cred == nil:
		meta = append(meta, st.Problem.Render("✗ "+humanize.FirstLine(m.c.CredErr.Error())))
	case m.c.Cred != nil:
		meta = append(meta, m.daysLeft(m.c.Cred, level >= hdrDays))
	}
	auth := string(p.Auth)
	if m.c.Cred != nil {
		auth = string(m.c.Cred.Kind)
	}
	if level >= hdrAuth && auth == string(certs.AuthCertificate) {
		auth = "cert"
	}
	if auth != "" {
		meta = append(meta, st.Header.Meta.Render(auth))
	}
	if p.Topic != "" {
		meta = append(meta, st.Header.Meta.Render(p.Topic))
	}
	if w := m.expiringWarning(p.Name, level); w != "" {
		meta = append(meta, st.Warning.Render(w))
	}
	return strings.Join(b, gap) + gap + strings.Join(meta, sep)
}

// expiringWarning warns of saved profiles other than the active one whose
// certificates are expired or within the warning window: "⚠ 2 expiring"
// ("⚠2" when short).
func (m *Model) expiringWarning(active string, level int) string {
	n := 0
	for _, name := range m.expiring {
		if name != active {
			n++
		}
	}
	switch {
	case n == 0:
		return ""
	case level >= hdrEnv:
		return fmt.Sprintf("⚠%d", n)
	}
	return fmt.Sprintf("⚠ %d expiring (Profiles, s)", n)
}

// daysLeft is the credential's state for the header; short is "364d".
func (m *Model) daysLeft(c *certs.Credential, short bool) string {
	st := m.c.Styles
	r := c.Report
	if !r.Usable {
		h := common.Health{Report: &r}
		t, tone := h.Badge()
		return common.ToneStyle(st, tone, t)
	}
	if r.Certificate == nil {
		if short {
			return st.Good.Render("✓ no expiry")
		}
		return st.Good.Render("✓ token key, no expiry")
	}
	d := r.Certificate.DaysLeft
	left := common.DaysText(&r)
	if short {
		left = common.DaysShort(&r)
	}
	switch {
	case d < 0:
		return st.Problem.Render("✗ " + common.DaysShort(&r))
	case d < common.WarnDays:
		return st.Warning.Render("⚠ " + left)
	}
	return st.Header.Meta.Render(left)
}

// tabs is the tab bar; a placeholder tab is greyed. When the names do not
// fit (seven tabs at 60 columns), the other tabs' names shorten, the
// active one stays whole, and every number stays.
func (m *Model) tabs() string {
	st := m.c.Styles
	render := func(cut int, sep string) string {
		out := make([]string, len(m.screens))
		for i, s := range m.screens {
			title := s.Title()
			if i != m.tab && cut > 0 && len([]rune(title)) > cut {
				title = string([]rune(title)[:cut])
			}
			label := fmt.Sprintf("%d %s", i+1, title)
			switch {
			case i == m.tab:
				out[i] = st.Tabs.Active.Render(label)
			case isDisabled(s):
				out[i] = st.Tabs.Disabled.Render(label)
			default:
				out[i] = st.Tabs.Inactive.Render(label)
			}
		}
		return strings.Join(out, st.Tabs.Sep.Render(sep))
	}
	line := " " + render(0, " │ ")
	for cut := 0; ansi.StringWidth(line) > m.width && cut >= 0; {
		switch {
		case cut == 0:
			line = render(0, "│") // narrow: every tab still whole
			cut = 9
		case cut > 1:
			cut--
			line = render(cut, "│")
		default:
			cut = -1
		}
	}
	return line
}

func isDisabled(s common.Screen) bool {
	d, ok := s.(interface{ Disabled() bool })
	return ok && d.Disabled()
}

// statusLines shows an error until it is dismissed (wrapped, up to three
// lines), else the latest info; always at least one line.
func (m *Model) statusLines() []string {
	st := m.c.Styles
	switch {
	case m.quitting:
		return []string{st.Status.Info.Render(common.Clip("quitting: ending the running work and keeping its results… (ctrl+c again quits at once)", m.width))}
	case m.errMsg != nil:
		hint := "(esc dismisses)"
		msg := "✗ " + textsafe.Clean(m.errMsg.Error()) + " " + hint
		lines := strings.Split(ansi.Wordwrap(msg, max(m.width, 20), " "), "\n")
		if len(lines) > maxStatusLines {
			lines = lines[:maxStatusLines]
			lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], m.width-1, "") + "…"
		}
		for i, l := range lines {
			if i == len(lines)-1 && strings.HasSuffix(l, hint) {
				lines[i] = st.Status.Error.Render(strings.TrimSuffix(l, hint)) + st.Subtle.Render(hint)
				continue
			}
			lines[i] = st.Status.Error.Render(l)
		}
		return lines
	case m.info != "":
		// Wrapped like an error (up to three lines): an info often ends in
		// a path the user needs whole.
		lines := strings.Split(ansi.Wrap(textsafe.Clean(m.info), max(m.width, 20), " /"), "\n")
		if len(lines) > maxStatusLines {
			lines = lines[:maxStatusLines]
			lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], m.width-1, "") + "…"
		}
		for i, l := range lines {
			lines[i] = st.Status.Info.Render(common.Clip(l, m.width))
		}
		return lines
	}
	return []string{""}
}
