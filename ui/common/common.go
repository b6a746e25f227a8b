// Package common holds what every pushdeck screen shares: the Common value
// (size, styles, stores, the active profile), the component shape, and the
// messages screens send to the shell. It does no IO of its own.
package common

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

// Common is handed to every screen by the shell. It is a value: the shell
// owns the truth and passes an updated copy with SetCommon when it changes.
type Common struct {
	Width, Height int // the screen's own area (inside header, tabs, footer)
	Styles        Styles
	Store         *profiles.Store
	// Active is the active profile and its loaded credential (nil Cred when
	// none, or when it could not be loaded: see CredErr).
	Active   *profiles.Profile
	Cred     *certs.Credential
	CredErr  error
	Password map[string]string // per profile name, in memory for this session only
	// Demo is true in `pushdeck demo`.
	Demo bool
}

// Component is the shape of a screen or a piece of one (soft-serve's
// pkg/ui/common/component.go).
type Component interface {
	Update(msg tea.Msg) (Component, tea.Cmd)
	View() string
	SetSize(width, height int)
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Screen is a tab of the console.
type Screen interface {
	Component
	// SetCommon hands the screen the latest shared state.
	SetCommon(c Common)
	// Capturing is true while a text field has focus, so the shell does not
	// take number keys, tab or q.
	Capturing() bool
	// Title is the tab label.
	Title() string
}

// StatusMsg shows an informational message in the status line.
type StatusMsg struct{ Text string }

// ErrorMsg shows an error in the status line until dismissed.
type ErrorMsg struct{ Err error }

// ActivateProfileMsg asks the shell to make a profile active (and load its
// credential in a Cmd).
type ActivateProfileMsg struct{ Name string }

// SwitchScreenMsg asks the shell to show another tab (1-based).
type SwitchScreenMsg struct{ Tab int }

// LoadPayloadMsg asks the Payload screen to load a body and its headers
// (from History's `R`, or the template gallery).
type LoadPayloadMsg struct {
	Payload profiles.SavedPayload
}

// StatusCmd returns a Cmd that shows text in the status line.
func StatusCmd(text string) tea.Cmd {
	return func() tea.Msg { return StatusMsg{Text: text} }
}

// ErrorCmd returns a Cmd that shows err in the status line.
func ErrorCmd(err error) tea.Cmd {
	return func() tea.Msg { return ErrorMsg{Err: err} }
}
