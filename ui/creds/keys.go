package creds

import "charm.land/bubbles/v2/key"

// KeyMap is the Profiles screen's keys.
type KeyMap struct {
	Up, Down, Filter, Add, Edit, Activate, Delete, Switch, Demo key.Binding
	DetailDown, DetailUp                                        key.Binding
	Yes, No, Submit, Cancel                                     key.Binding
}

// DefaultKeyMap returns the Profiles screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Add:        key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Activate:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "activate")),
		Delete:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "delete")),
		Switch:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "dev/prod")),
		Demo:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "start the demo")),
		DetailDown: key.NewBinding(key.WithKeys("J", "pgdown"), key.WithHelp("J/pgdn", "scroll report")),
		DetailUp:   key.NewBinding(key.WithKeys("K", "pgup"), key.WithHelp("K/pgup", "scroll report up")),
		Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		No:         key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
		Submit:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// FormKeyMap is the add/edit form's keys.
type FormKeyMap struct {
	Next, Prev, Complete, Browse, Save, Cancel, Left, Right key.Binding
	// In the file browser.
	Pick, Close key.Binding
}

// DefaultFormKeyMap returns the form's keys.
func DefaultFormKeyMap() FormKeyMap {
	return FormKeyMap{
		Next:     key.NewBinding(key.WithKeys("down", "enter"), key.WithHelp("↓/enter", "next field")),
		Prev:     key.NewBinding(key.WithKeys("up", "shift+tab"), key.WithHelp("↑/shift+tab", "previous field")),
		Complete: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "complete path")),
		Browse:   key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "browse files")),
		Save:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Left:     key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "change choice")),
		Right:    key.NewBinding(key.WithKeys("right", "space"), key.WithHelp("→", "next choice")),
		Pick:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open / pick")),
		Close:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close browser")),
	}
}
