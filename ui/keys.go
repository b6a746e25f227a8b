package ui

import "charm.land/bubbles/v2/key"

// KeyMap is the shell's keys: the ones that work on every screen.
type KeyMap struct {
	Quit, ForceQuit, Help, Next, Prev, Back key.Binding
	Tabs                                    [6]key.Binding
}

// DefaultKeyMap returns the shell's keys.
func DefaultKeyMap() KeyMap {
	k := KeyMap{
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit now")),
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

// helpKeys is what the footer shows: the active screen's keys first, then
// the shell's.
type helpKeys struct {
	screen     []key.Binding
	screenFull [][]key.Binding
	shell      KeyMap
}

// ShortHelp implements help.KeyMap.
func (h helpKeys) ShortHelp() []key.Binding {
	return append(append([]key.Binding(nil), h.screen...), h.shell.Help, h.shell.Quit)
}

// FullHelp implements help.KeyMap.
func (h helpKeys) FullHelp() [][]key.Binding {
	s := h.shell
	return append(append([][]key.Binding(nil), h.screenFull...),
		[]key.Binding{s.Tabs[0], s.Next, s.Prev, s.Back, s.Help, s.Quit, s.ForceQuit})
}
