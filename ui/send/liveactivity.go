package send

import (
	"errors"
	"fmt"

	"github.com/pushdeck/pushdeck/internal/textsafe"
	"github.com/pushdeck/pushdeck/profiles"
	"github.com/pushdeck/pushdeck/push"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/pushdeck/pushdeck/ui/common"
)

// fitHeaders fits the payload's headers to each device's token kind with
// push.CheckLiveActivity, the check `pushdeck send` makes: a Live Activity
// token gets push type liveactivity (the client then adds the topic
// suffix), and a mismatch (an alert to an activity token, an update to a
// push-to-start token, a Live Activity payload to a device token, ...)
// is refused before anything goes out. The error names the device and
// says what to do.
func fitHeaders(devs []profiles.Device, h payload.Headers, body []byte) ([]payload.Headers, error) {
	out := make([]payload.Headers, len(devs))
	for i, d := range devs {
		th, err := push.CheckLiveActivity(push.TokenKind(d.Kind), d.ActivityType, h, body)
		if err != nil {
			// The reason first: the field name says nothing on this screen.
			var inv *push.InvalidError
			if errors.As(err, &inv) {
				return nil, fmt.Errorf("%s: %s", deviceName(d), inv.Reason)
			}
			return nil, fmt.Errorf("%s: %w", deviceName(d), err)
		}
		out[i] = th
	}
	return out, nil
}

// liveActivityBlocker is fitHeaders' refusal for the devices the summary
// would send to ("" when they all fit).
func (m *Model) liveActivityBlocker() string {
	devs := append(append([]profiles.Device(nil), m.sel...), m.pastedNotSelected()...)
	if _, err := fitHeaders(devs, m.out.Headers, []byte(m.out.Body)); err != nil {
		return err.Error() + ". Fix it on the Payload (3) or Devices (4) screen"
	}
	return ""
}

// resendDevice is the device a failed result came from, kind and
// activity type included, so a resend fits its headers as the run did.
func (m *Model) resendDevice(r push.Result) profiles.Device {
	if r.Index >= 0 && r.Index < len(m.run.devices) && m.run.devices[r.Index].Token == r.Token {
		return m.run.devices[r.Index]
	}
	return profiles.Device{Label: r.Label, Token: r.Token, Environment: m.run.profile.Environment}
}

func deviceName(d profiles.Device) string {
	if name := textsafe.Clean(d.Label); name != "" {
		return name
	}
	return common.ShortToken(d.Token)
}
