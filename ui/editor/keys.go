package editor

import "charm.land/bubbles/v2/key"

// KeyMap is the Payload screen's keys. Single letters act when the text is
// not being edited; the ctrl keys work while typing too.
type KeyMap struct {
	Edit, Done                key.Binding
	Templates, Format, Minify key.Binding
	Save, Open, Headers       key.Binding
	PushType                  key.Binding
	NextFinding, PrevFinding  key.Binding
	Undo, Redo                key.Binding
	// Live Activities: set aps.timestamp to now; put the cursor in
	// aps.content-state, the part people edit.
	BumpTime, ContentState key.Binding
	// Answers before a load replaces edited work.
	Yes, No key.Binding
	// Page through a picker.
	PageUp, PageDown key.Binding
	// Inside the gallery, the library and the headers form.
	Up, Down, Left, Right, Choose, Delete, Close, NextField, PrevField key.Binding
}

// DefaultKeyMap returns the Payload screen's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Edit:         key.NewBinding(key.WithKeys("enter", "i"), key.WithHelp("enter/i", "edit")),
		Done:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop editing")),
		Templates:    key.NewBinding(key.WithKeys("ctrl+t", "t"), key.WithHelp("ctrl+t", "templates")),
		Format:       key.NewBinding(key.WithKeys("ctrl+l", "f"), key.WithHelp("ctrl+l/f", "format")),
		Minify:       key.NewBinding(key.WithKeys("ctrl+x", "m"), key.WithHelp("ctrl+x/m", "minify")),
		Save:         key.NewBinding(key.WithKeys("ctrl+s", "s"), key.WithHelp("ctrl+s/s", "save as")),
		Open:         key.NewBinding(key.WithKeys("ctrl+o", "o"), key.WithHelp("ctrl+o/o", "open saved")),
		Headers:      key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "headers")),
		PushType:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "next push type")),
		BumpTime:     key.NewBinding(key.WithKeys("alt+t", "T"), key.WithHelp("T/alt+t", "timestamp to now")),
		ContentState: key.NewBinding(key.WithKeys("alt+c", "c"), key.WithHelp("c/alt+c", "edit content-state")),
		NextFinding:  key.NewBinding(key.WithKeys("alt+n", "n"), key.WithHelp("n/alt+n", "next finding")),
		PrevFinding:  key.NewBinding(key.WithKeys("alt+p", "N"), key.WithHelp("N/alt+p", "previous finding")),

		Undo:     key.NewBinding(key.WithKeys("ctrl+z"), key.WithHelp("ctrl+z", "undo")),
		Redo:     key.NewBinding(key.WithKeys("ctrl+y"), key.WithHelp("ctrl+y", "redo")),
		Yes:      key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "replace")),
		No:       key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "keep mine")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),

		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:      key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "previous value")),
		Right:     key.NewBinding(key.WithKeys("right", "space"), key.WithHelp("→/space", "next value")),
		Choose:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use")),
		Delete:    key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "delete")),
		Close:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		NextField: key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field")),
		PrevField: key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous field")),
	}
}
