package common

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles is every style the console uses, built once from the terminal's
// background (soft-serve's pkg/ui/styles). NO_COLOR gives plain styles.
type Styles struct {
	IsDark bool
	// Palette.
	Accent, Muted, OK, Warn, Bad, Prod, Dev color.Color

	App    lipgloss.Style
	Header struct {
		Base, Name, Meta lipgloss.Style
	}
	EnvBadge struct {
		Development, Production lipgloss.Style
	}
	Tabs struct {
		Active, Inactive, Disabled, Sep lipgloss.Style
	}
	Footer, Help lipgloss.Style
	Status       struct {
		Info, Error lipgloss.Style
	}
	Title, Subtle, Selected, Cursor lipgloss.Style
	Good, Warning, Problem          lipgloss.Style
	Pane, FocusedPane               lipgloss.Style
	TableHeader                     lipgloss.Style
	// JSON is the editor's syntax colours, readable on the background
	// they were built for (nil without colour).
	JSON struct {
		Key, String, Number, Literal, Punct color.Color
	}
}

// DefaultStyles builds the styles for a dark or light background; noColor
// strips colour (NO_COLOR) but keeps bold and layout.
func DefaultStyles(isDark, noColor bool) Styles {
	ld := lipgloss.LightDark(isDark)
	var s Styles
	s.IsDark = isDark
	s.Accent = ld(lipgloss.Color("#5A56E0"), lipgloss.Color("#7D79F6"))
	s.Muted = ld(lipgloss.Color("#8A8A8A"), lipgloss.Color("#6C6C6C"))
	s.OK = ld(lipgloss.Color("#0B8A3E"), lipgloss.Color("#3FD37A"))
	s.Warn = ld(lipgloss.Color("#B06F00"), lipgloss.Color("#FFB224"))
	s.Bad = ld(lipgloss.Color("#C4162A"), lipgloss.Color("#FF5A67"))
	s.Prod = ld(lipgloss.Color("#C4162A"), lipgloss.Color("#FF4F2B"))
	s.Dev = ld(lipgloss.Color("#1F6FB2"), lipgloss.Color("#4FA8E8"))
	if noColor {
		s.Accent, s.Muted, s.OK, s.Warn, s.Bad, s.Prod, s.Dev = nil, nil, nil, nil, nil, nil, nil
	}
	fg := func(c color.Color) lipgloss.Style {
		st := lipgloss.NewStyle()
		if c != nil {
			st = st.Foreground(c)
		}
		return st
	}
	badge := func(c color.Color) lipgloss.Style {
		st := lipgloss.NewStyle().Bold(true).Padding(0, 1)
		if c != nil {
			st = st.Background(c).Foreground(lipgloss.Color("#FFFFFF"))
		} else {
			st = st.Reverse(true)
		}
		return st
	}
	s.App = lipgloss.NewStyle()
	s.Header.Base = lipgloss.NewStyle()
	s.Header.Name = fg(s.Accent).Bold(true)
	s.Header.Meta = fg(s.Muted)
	s.EnvBadge.Development = badge(s.Dev)
	s.EnvBadge.Production = badge(s.Prod).Blink(false)
	if noColor {
		// Without colour the two must still differ at a glance: production
		// is the reversed one.
		s.EnvBadge.Development = lipgloss.NewStyle().Bold(true).Padding(0, 1)
	}
	s.Tabs.Active = fg(s.Accent).Bold(true).Underline(true)
	s.Tabs.Inactive = lipgloss.NewStyle()
	s.Tabs.Disabled = fg(s.Muted)
	s.Tabs.Sep = fg(s.Muted)
	s.Footer = fg(s.Muted)
	s.Help = fg(s.Muted)
	s.Status.Info = fg(s.OK)
	s.Status.Error = fg(s.Bad).Bold(true)
	s.Title = lipgloss.NewStyle().Bold(true)
	s.Subtle = fg(s.Muted)
	s.Selected = fg(s.Accent).Bold(true)
	s.Cursor = lipgloss.NewStyle().Reverse(true)
	s.Good = fg(s.OK)
	s.Warning = fg(s.Warn)
	s.Problem = fg(s.Bad)
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(s.Muted).Padding(0, 1)
	s.FocusedPane = s.Pane.BorderForeground(s.Accent)
	if noColor {
		s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
		s.FocusedPane = lipgloss.NewStyle().Border(lipgloss.ThickBorder()).Padding(0, 1)
	}
	s.TableHeader = lipgloss.NewStyle().Bold(true)
	if !noColor {
		s.JSON.Key = ld(lipgloss.Color("#1F5FA8"), lipgloss.Color("#7CB7FF"))
		s.JSON.String = ld(lipgloss.Color("#0B7A35"), lipgloss.Color("#8BDB9A"))
		s.JSON.Number = ld(lipgloss.Color("#A14A00"), lipgloss.Color("#F5B971"))
		s.JSON.Literal = ld(lipgloss.Color("#8A2BB8"), lipgloss.Color("#D79BFF"))
		s.JSON.Punct = s.Muted
	}
	return s
}
