package probe

import "charm.land/bubbles/v2/key"

// KeyMap is the Probe screen's keys.
type KeyMap struct {
	Run, Port, Cancel, Up, Down key.Binding
}

// DefaultKeyMap returns the Probe screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Run:    key.NewBinding(key.WithKeys("enter", "r"), key.WithHelp("enter/r", "probe")),
		Port:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "port 443/2197")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel probe")),
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
	}
}
