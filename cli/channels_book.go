package cli

import (
	"errors"

	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/session"
)

// storedChannel is a channel as the store keeps it: its label and storage
// policy, so commands can name it and know its policy without asking APNs.
type storedChannel = profiles.Channel

// bookAvailable says whether channels can be kept in the store.
func bookAvailable(s *session.Session) error {
	if s.Store == nil {
		return errors.New("the config folder could not be opened, so channel labels cannot be kept: name the channel by its ID")
	}
	return nil
}

// bookChannel finds a kept channel of s's environment by label or ID.
func bookChannel(s *session.Session, labelOrID string) (storedChannel, error) {
	return s.Store.Channel(s.Env, labelOrID)
}

// bookChannels lists the kept channels of s's environment and the app.
func bookChannels(s *session.Session, topic string) ([]storedChannel, error) {
	return s.Store.Channels(s.Env, topic)
}

// bookSave keeps a channel (label and policy).
func bookSave(s *session.Session, c storedChannel) error {
	_, err := s.Store.SaveChannel(c)
	return err
}

// bookRemove forgets a channel (not at APNs).
func bookRemove(s *session.Session, id string) error {
	return s.Store.RemoveChannel(s.Env, id)
}

// bookKinds gives the token kinds the device book keeps for the devices
// --device and --group selected.
func bookKinds(ds []profiles.Device) (map[string]tokenKind, error) {
	out := make(map[string]tokenKind, len(ds))
	for _, d := range ds {
		k, err := push.ParseTokenKind(string(d.Kind))
		if err != nil {
			return nil, session.Usagef("device %s: %v", d.Label, err)
		}
		out[d.Token] = tokenKind{kind: k, activityType: d.ActivityType}
	}
	return out, nil
}
