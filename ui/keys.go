package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/pushdeck/pushdeck/ui/common"
)

// KeyMap is the shell's keys: the ones that work on every screen.
type KeyMap struct {
	Quit, ForceQuit, Help, Next, Prev, Back key.Binding
	Tabs                                    [9]key.Binding
}

// withTabs says in the help how many tabs there are ("1-7").
func (k KeyMap) withTabs(n int) KeyMap {
	for i := range k.Tabs {
		k.Tabs[i].SetHelp(fmt.Sprintf("1-%d", n), "go to screen")
		k.Tabs[i].SetEnabled(i < n)
	}
	return k
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
		k.Tabs[i] = key.NewBinding(key.WithKeys(n), key.WithHelp("1-9", "go to screen"))
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

// fullFooter is the footer while the full help is shown (the help itself
// takes the screen's area: see helpPanel).
func (m *Model) fullFooter() string {
	return m.shortFooter(nil, []key.Binding{closeHelp, m.keys.Quit}, false)
}

// shellHelp is the keys that work on every screen, for the help panel.
func (m *Model) shellHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Tabs[0], tabKeys, k.Back, closeHelp, k.Quit, panelQuit}
}

// The help panel's shorter hints: tab and shift+tab in one, to save a
// row; descriptions that fit half of 60 columns.
var (
	tabKeys   = key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab/⇧tab", "next/prev screen"))
	panelQuit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit, even typing"))
)

// helpPanel is every key that works now in the screen's area: the screen's
// own, then the ones that work everywhere, in as many columns as the width
// holds, so at every size from 60x16 up nothing is cut (a description
// shortens with … before a key is left out).
func (m *Model) helpPanel(w, h int) string {
	st := m.c.Styles
	var own []key.Binding
	for _, col := range m.screens[m.tab].FullHelp() {
		for _, b := range col {
			if b.Enabled() && b.Help().Key != "" && !slicesContainsHelp(own, b) {
				own = append(own, b)
			}
		}
	}
	shell := m.shellHelp()
	kw := 0
	for _, b := range append(append([]key.Binding(nil), own...), shell...) {
		kw = max(kw, ansi.StringWidth(b.Help().Key))
	}
	kw = min(kw, 12)
	hs := m.help.Styles
	grid := func(bs []key.Binding, cols int) []string {
		if len(bs) == 0 {
			return nil
		}
		colW := (w - 2*(cols-1)) / cols
		rows := (len(bs) + cols - 1) / cols
		out := make([]string, rows)
		for i, b := range bs {
			r, c := i%rows, i/rows
			cell := hs.FullKey.Inline(true).Render(common.Fit(b.Help().Key, kw)) + " " +
				hs.FullDesc.Inline(true).Render(common.Fit(b.Help().Desc, colW-kw-1))
			if c > 0 {
				cell = "  " + cell
			}
			out[r] += cell
		}
		return out
	}
	maxCols := max(1, min(4, w/29))
	var lines []string
	fits := func() bool { return len(lines) <= h }
	// Best: two titled sections; else one grid, the shell's keys last.
	for cols := maxCols; cols >= 1; cols-- {
		lines = nil
		if len(own) > 0 {
			lines = append(append(lines, st.Title.Render(m.screens[m.tab].Title()+" keys")), grid(own, cols)...)
			lines = append(lines, "")
		}
		lines = append(append(lines, st.Title.Render("Everywhere")), grid(shell, cols)...)
		if fits() {
			break
		}
	}
	for cols := maxCols; cols >= 1 && !fits(); cols-- {
		lines = grid(append(append([]key.Binding(nil), own...), shell...), cols)
	}
	if len(lines) > h {
		// Never at 60x16 with today's screens; a last line says so if a
		// screen ever grows past it.
		lines = append(lines[:h-1], st.Subtle.Render("… more keys than rows: make the window taller"))
	}
	return strings.Join(lines, "\n")
}

func slicesContainsHelp(bs []key.Binding, b key.Binding) bool {
	for _, x := range bs {
		if x.Help() == b.Help() {
			return true
		}
	}
	return false
}
