package creds

import "charm.land/bubbles/v2/key"

// KeyMap is the Profiles screen's keys.
type KeyMap struct {
	Up, Down, Filter, Add, Edit, Activate, Delete, Switch, Demo key.Binding
	// Unlock asks for a locked profile's password to read its health,
	// without making it active.
	Unlock key.Binding
	// Sort toggles the most urgent profile first.
	Sort key.Binding
	// ClearFilter is esc on the list with a filter applied.
	ClearFilter key.Binding
	// FilterUp and FilterDown move the cursor while typing a filter.
	FilterUp, FilterDown    key.Binding
	DetailDown, DetailUp    key.Binding
	Yes, No, Submit, Cancel key.Binding
}

// DefaultKeyMap returns the Profiles screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Add:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Edit:        key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Activate:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "activate")),
		Delete:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "delete")),
		Switch:      key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "dev/prod")),
		Demo:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "start the demo")),
		Unlock:      key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unlock (type password)")),
		Sort:        key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "urgent first / by name")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		FilterUp:    key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "up")),
		FilterDown:  key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "down")),
		DetailDown:  key.NewBinding(key.WithKeys("J", "pgdown"), key.WithHelp("J/pgdn", "scroll report")),
		DetailUp:    key.NewBinding(key.WithKeys("K", "pgup"), key.WithHelp("K/pgup", "scroll report up")),
		Yes:         key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "yes")),
		No:          key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "no")),
		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

// FormKeyMap is the add/edit form's keys.
type FormKeyMap struct {
	Next, Prev, Complete, Browse, Save, Cancel, Left, Right key.Binding
	// SaveLast is enter on the last field: it saves.
	SaveLast key.Binding
	// Answers to "Save it anyway?".
	Yes, No key.Binding
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
		SaveLast: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save (on the last field)")),
		Yes:      key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "save anyway")),
		No:       key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "keep editing")),
		Pick:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open / pick")),
		Close:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close browser")),
	}
}
