package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/pushdeck/pushdeck/ui/common"
)

// placeholder stands in for a screen that has not shipped yet, so its tab
// says so instead of being missing.
type placeholder struct {
	c     common.Common
	title string
	what  string
	w, h  int
}

func newPlaceholder(c common.Common, title, what string) *placeholder {
	return &placeholder{c: c, title: title, what: what}
}

func (p *placeholder) Update(tea.Msg) (common.Component, tea.Cmd) { return p, nil }
func (p *placeholder) SetSize(w, h int)                           { p.w, p.h = w, h }
func (p *placeholder) ShortHelp() []key.Binding                   { return nil }
func (p *placeholder) FullHelp() [][]key.Binding                  { return nil }
func (p *placeholder) SetCommon(c common.Common)                  { p.c = c }
func (p *placeholder) Capturing() bool                            { return false }
func (p *placeholder) Title() string                              { return p.title }

// Disabled greys the tab.
func (p *placeholder) Disabled() bool { return true }

func (p *placeholder) View() string {
	st := p.c.Styles
	body := st.Title.Render(p.title) + "\n\n" +
		p.what + "\n\n" + st.Subtle.Render("This screen arrives with the next release.")
	return lipgloss.NewStyle().Width(max(p.w-4, 10)).Padding(1, 2).Render(body)
}
