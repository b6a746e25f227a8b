package devices

import (
	"errors"
	"github.com/pushdeck/pushdeck/internal/fsafe"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/profiles"
)

var errNoStore = errors.New("no config folder is open")

// The Cmds below do the screen's IO; each captures only values.

func load(s *profiles.Store) tea.Cmd {
	return func() tea.Msg {
		ds, err := s.Devices()
		return loadedMsg{devices: ds, err: err}
	}
}

// saveDevice adds d. An edit replaces the old entry (removed first): the
// store's add merges groups, so an edit could not remove one, and a new
// token or environment must not leave the old entry behind.
func saveDevice(s *profiles.Store, orig profiles.Device, editing bool, d profiles.Device) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return savedMsg{d: d, err: errNoStore}
		}
		if editing {
			if err := s.RemoveDevice(orig.Token); err != nil {
				return savedMsg{d: d, err: err}
			}
		}
		stored, isNew, err := s.AddDevice(d)
		if err == nil {
			d = stored
		}
		return savedMsg{d: d, new: isNew && !editing, err: err}
	}
}

func removeDevice(s *profiles.Store, d profiles.Device) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return removedMsg{d: d, err: errNoStore}
		}
		return removedMsg{d: d, err: s.RemoveDevice(d.Token)}
	}
}

func importFile(s *profiles.Store, path string, env certs.Environment) tea.Cmd {
	return func() tea.Msg {
		if s == nil {
			return importedMsg{path: path, err: errNoStore}
		}
		p := path
		if strings.HasPrefix(p, "~/") {
			if home, err := os.UserHomeDir(); err == nil {
				p = filepath.Join(home, p[2:])
			}
		}
		// fsafe: a FIFO would block this Cmd forever, /dev/zero would fill
		// the memory; the limit fits a token list (issue 12).
		data, err := fsafe.ReadFile(p, fsafe.LimitTokens, "device import")
		data = fsafe.StripBOM(data)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return importedMsg{path: path, err: errors.New("there is no such file; type the full path (~/ works)")}
		case errors.Is(err, fs.ErrPermission):
			return importedMsg{path: path, err: errors.New("permission denied: pushdeck cannot read it")}
		case err != nil:
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is already in the message
			}
			return importedMsg{path: path, err: err}
		}
		rep, err := s.ImportDevices(data, env, nil)
		return importedMsg{path: path, rep: rep, err: err}
	}
}
