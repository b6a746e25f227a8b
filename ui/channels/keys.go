package channels

import "charm.land/bubbles/v2/key"

// KeyMap is the Channels screen's keys.
type KeyMap struct {
	Refresh, New, Delete, Send, Policy, Confirm, Cancel key.Binding
}

// DefaultKeyMap returns the Channels screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Refresh: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		New:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new channel")),
		Delete:  key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "delete")),
		Send:    key.NewBinding(key.WithKeys("s", "enter"), key.WithHelp("s", "broadcast payload")),
		Policy:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "storage policy")),
		Confirm: key.NewBinding(key.WithKeys("enter", "y"), key.WithHelp("enter", "confirm")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}
