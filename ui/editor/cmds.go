package editor

import (
	"errors"
	"github.com/pushdeck/pushdeck/push/payload"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/profiles"
)

// errNoStore is what library commands say when no config folder is open.
var errNoStore = errors.New("no config folder is open")

// The Cmds below do the screen's IO; each captures only the values it needs.

func loadDraft(s *profiles.Store) tea.Cmd {
	return func() tea.Msg {
		p, ok, err := s.Draft()
		return draftLoadedMsg{p: p, ok: ok, err: err}
	}
}

func saveDraft(s *profiles.Store, p profiles.SavedPayload) tea.Cmd {
	return func() tea.Msg { return draftSavedMsg{err: s.SaveDraft(p)} }
}

func loadLibrary(s *profiles.Store) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return libraryMsg{err: errNoStore}
		}
		items, err := s.Payloads()
		return libraryMsg{items: items, err: err}
	}
}

func savePayload(s *profiles.Store, p profiles.SavedPayload, body string, h payload.Headers) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return savedMsg{name: p.Name, err: errNoStore}
		}
		return savedMsg{name: p.Name, body: body, hdr: h, err: s.SavePayload(p)}
	}
}
