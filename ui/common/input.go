package common

import (
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// NewInput is a one-line text field in the console's styles, with a steady
// (non-blinking) cursor so a frame never changes while nothing happens.
func NewInput(st Styles, prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	s := textinput.DefaultStyles(st.IsDark)
	s.Focused.Prompt = st.Selected
	s.Blurred.Prompt = st.Subtle
	s.Focused.Placeholder = st.Subtle
	s.Blurred.Placeholder = st.Subtle
	s.Focused.Suggestion = st.Subtle
	s.Blurred.Suggestion = st.Subtle
	s.Focused.Text = lipgloss.NewStyle()
	s.Blurred.Text = lipgloss.NewStyle()
	s.Cursor.Blink = false
	if st.Accent == nil { // NO_COLOR
		s.Cursor.Color = nil
	}
	in.SetStyles(s)
	return in
}
