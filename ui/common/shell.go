package common

import (
	tea "charm.land/bubbletea/v2"
)

// Optional interfaces a Screen may implement; the shell checks for them.
type (
	// Initer loads what the screen needs at start-up (in a Cmd).
	Initer interface{ Init() tea.Cmd }

	// Backer is a screen that has a use for esc right now besides a text
	// field (an applied filter to clear, a running probe to cancel). Without
	// it, esc on a screen that is not Capturing dismisses the status line's
	// error.
	Backer interface{ WantsEsc() bool }

	// Shower is told when its tab is shown, so it can refresh what may have
	// changed while it was hidden.
	Shower interface{ Shown() tea.Cmd }

	// Stopper is a screen whose running work must end before the console
	// exits. When the user quits, the shell calls Stop (cancel, but keep
	// reading what the work still yields: a cancelled send still gives
	// every device a result, and History must get it) and keeps the
	// program running, bounded, until every Stopper reports Stopped.
	Stopper interface {
		Stop() tea.Cmd
		Stopped() bool
	}

	// Closer is called after the program ended: it releases what the
	// screen holds (connections) and, if quitting could not wait for its
	// work (the bound ran out, a second ctrl+c), ends that work and says
	// what was lost, for the console to print once the terminal is back.
	Closer interface{ Close() error }
)

// ProfilesChangedMsg says profiles.json changed (a profile was added,
// edited, deleted or switched environment). The shell reloads the active
// profile and routes it to every screen.
type ProfilesChangedMsg struct{}

// StartDemoMsg asks the shell to start the built-in demo world in-process
// (the `d` of the empty Profiles screen).
type StartDemoMsg struct{}

// PasswordMsg hands the shell a profile's password to keep in memory for
// this session (Common.Password); it is never written anywhere.
type PasswordMsg struct {
	Profile  string
	Password string
}

// Cmd wraps a message in a Cmd.
func Cmd(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}

// ExpiringMsg tells the shell which saved profiles' certificates are
// expired or within the warning window (WarnDays), so the header can warn
// whichever profile is active.
type ExpiringMsg struct{ Names []string }
