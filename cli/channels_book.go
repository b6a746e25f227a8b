package cli

import (
	"errors"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/session"
)

// storedChannel is a channel as the store keeps it: its label and storage
// policy, so commands can name it and know its policy without asking APNs.
// Its fields are those of the store's channels table.
type storedChannel struct {
	ID            string
	Topic         string
	Environment   certs.Environment
	Label         string
	StoragePolicy int
	CreatedAt     time.Time
}

// errNoBook: the store in this build has no channels table yet (it comes
// with the SQLite device book); channels are named by ID until then.
var errNoBook = errors.New("channel labels are kept in the store's channels table, which this build does not have yet: name the channel by its ID")

// bookAvailable says whether channels can be kept in the store.
func bookAvailable(s *session.Session) error { return errNoBook }

// bookChannel finds a kept channel of s's environment by label or ID.
func bookChannel(s *session.Session, labelOrID string) (storedChannel, error) {
	return storedChannel{}, errNoBook
}

// bookChannels lists the kept channels of s's environment and the app.
func bookChannels(s *session.Session, topic string) ([]storedChannel, error) { return nil, errNoBook }

// bookSave keeps a channel (label and policy).
func bookSave(s *session.Session, c storedChannel) error { return errNoBook }

// bookRemove forgets a channel (not at APNs).
func bookRemove(s *session.Session, id string) error { return errNoBook }

// bookKinds gives the token kinds the device book keeps for --device and
// --group targets; the book in this build keeps none, so they are device
// tokens unless --kind says otherwise.
func bookKinds(s *session.Session, devices, groups []string) (map[string]tokenKind, error) {
	return nil, nil
}
