// Package uitest holds what the console's screen tests share.
package uitest

import tea "charm.land/bubbletea/v2"

// RunCmds runs cmd and the Cmds of any batch it returns (not sequences),
// in order, and gives back the messages they produce.
func RunCmds(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, RunCmds(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}
