package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// KeyMap is the shell's keys: the ones that work on every screen.
type KeyMap struct {
	Quit, ForceQuit, Help, Next, Prev, Back key.Binding
	Tabs                                    [6]key.Binding
}

// DefaultKeyMap returns the shell's keys.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit, also while typing")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / dismiss")),
	}
	for i := range k.Tabs {
		n := string(rune('1' + i))
		k.Tabs[i] = key.NewBinding(key.WithKeys(n), key.WithHelp("1-6", "go to screen"))
	}
	return k
}

// Quitting, the shell's own quit keys: ctrl+c quits while a screen takes
// the keys (q types there), and a second ctrl+c gives up waiting.
var (
	capturedQuit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
	quitAtOnce   = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit at once"))
	closeHelp    = key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "close help"))
)

// shellShort is the shell's keys that work right now, for the one-line
// footer: while a screen captures keys only ctrl+c (q types, ? does
// nothing there).
func (m *Model) shellShort() []key.Binding {
	switch {
	case m.quitting:
		return []key.Binding{quitAtOnce}
	case m.screens[m.tab].Capturing():
		return []key.Binding{capturedQuit}
	}
	return []key.Binding{m.keys.Help, m.keys.Quit}
}

// showFull is true when the footer is the full help: asked for with ?,
// and only while the shell's keys work.
func (m *Model) showFull() bool {
	return m.help.ShowAll && !m.quitting && !m.screens[m.tab].Capturing()
}

// footer is the help line (or, after ?, every key in columns), fitted to
// the width by leaving out whole hints, never cutting one.
func (m *Model) footer() string {
	if m.showFull() {
		return m.fullFooter()
	}
	if m.quitting {
		return m.shortFooter(nil, m.shellShort(), false)
	}
	scr := m.screens[m.tab]
	return m.shortFooter(scr.ShortHelp(), m.shellShort(), !scr.Capturing())
}

// shortFooter is one line: the screen's hints in order, leaving out each
// that does not fit (a later, shorter one may), then the shell's, which
// always show. When some are left out, a "…" says so if ? can show them
// (more).
func (m *Model) shortFooter(screen, shell []key.Binding, more bool) string {
	hs := m.help.Styles
	sep := hs.ShortSeparator.Inline(true).Render(m.help.ShortSeparator)
	sepW := ansi.StringWidth(sep)
	item := func(b key.Binding) string {
		return hs.ShortKey.Inline(true).Render(b.Help().Key) + " " + hs.ShortDesc.Inline(true).Render(b.Help().Desc)
	}
	var tail []string
	used := -sepW // no separator before the first item
	for _, b := range shell {
		if b.Enabled() {
			tail = append(tail, item(b))
			used += ansi.StringWidth(item(b)) + sepW
		}
	}
	used = max(used, 0)
	fill := func(room int) (head []string, cut bool) {
		for _, b := range screen {
			if !b.Enabled() || b.Help().Key == "" {
				continue
			}
			it := item(b)
			need := ansi.StringWidth(it) + sepW
			if used+need > room {
				cut = true
				continue
			}
			head = append(head, it)
			room -= need
		}
		return head, cut
	}
	head, cut := fill(m.width)
	if ell := hs.Ellipsis.Inline(true).Render(m.help.Ellipsis); cut && more {
		// Room for the … first: the hints that fit beside it.
		head, _ = fill(m.width - ansi.StringWidth(ell) - sepW)
		head = append(head, ell)
	}
	return strings.Join(append(head, tail...), sep)
}

// fullFooter is the full help: as many of the screen's columns as fit,
// then the shell's column, whole when there is room, else just how to close
// the help and quit.
func (m *Model) fullFooter() string {
	h := m.help
	h.SetWidth(0) // measured here; bubbles' own fitting lets a column overflow
	s := m.screens[m.tab].FullHelp()
	k := m.keys
	shells := [][]key.Binding{
		{k.Tabs[0], k.Next, k.Prev, k.Back, k.Help, k.Quit, k.ForceQuit},
		{closeHelp, k.Quit},
	}
	var v string
	for n := len(s); n >= 0; n-- {
		for _, shell := range shells {
			v = h.FullHelpView(append(append([][]key.Binding(nil), s[:n]...), shell))
			if lipgloss.Width(v) <= m.width {
				return v
			}
		}
	}
	return v
}
