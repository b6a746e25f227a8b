package push

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pushdeck/pushdeck/push/payload"
)

// TokenKind says what a token in the device book is for. Apple's
// "Starting and updating Live Activities with ActivityKit push
// notifications" has three: the app's device token, a push-to-start token
// (per ActivityAttributes type, iOS 17.2+) and a per-activity update token.
type TokenKind string

// The three token kinds.
const (
	KindDevice             TokenKind = "device"
	KindLiveActivityStart  TokenKind = "liveactivity-start"
	KindLiveActivityUpdate TokenKind = "liveactivity-update"
)

// TokenKinds lists the kinds in display order.
var TokenKinds = []TokenKind{KindDevice, KindLiveActivityStart, KindLiveActivityUpdate}

// ParseTokenKind reads a kind; "" is device. "start" and "update" are short
// for the Live Activity kinds.
func ParseTokenKind(s string) (TokenKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "device":
		return KindDevice, nil
	case "liveactivity-start", "start", "push-to-start":
		return KindLiveActivityStart, nil
	case "liveactivity-update", "update", "activity":
		return KindLiveActivityUpdate, nil
	}
	return "", fmt.Errorf("token kind %q is unknown: use device, liveactivity-start (push-to-start) or liveactivity-update (a running activity's token)", s)
}

// IsLiveActivity reports whether the kind is one of the Live Activity kinds.
func (k TokenKind) IsLiveActivity() bool {
	return k == KindLiveActivityStart || k == KindLiveActivityUpdate
}

// liveActivitySuffix is the topic suffix of Live Activity pushes.
var liveActivitySuffix = payload.TopicSuffix(payload.LiveActivity)

// CheckLiveActivity fits a push to the kind of token it goes to and refuses
// a mismatch before anything is sent. For a Live Activity token it sets
// push type liveactivity when none is given (the client then adds the
// .push-type.liveactivity topic suffix); activityType, if known, is the
// ActivityAttributes type a push-to-start token was issued for. The error is
// an *InvalidError whose text says what to do.
func CheckLiveActivity(kind TokenKind, activityType string, h payload.Headers, body []byte) (payload.Headers, error) {
	la := h.PushType == payload.LiveActivity || strings.HasSuffix(h.Topic, liveActivitySuffix)
	switch kind {
	case "", KindDevice:
		if la {
			return h, &InvalidError{"token", "this is a device token: Live Activity pushes go to an activity's update token or a push-to-start token (ActivityKit gives both), not the app's device token"}
		}
		return h, nil
	case KindLiveActivityStart, KindLiveActivityUpdate:
	default:
		return h, &InvalidError{"token", fmt.Sprintf("token kind %q is unknown", kind)}
	}
	if h.PushType == "" {
		h.PushType = payload.LiveActivity
	}
	if h.PushType != payload.LiveActivity {
		return h, &InvalidError{"apns-push-type", fmt.Sprintf("%s is a Live Activity token: it takes push type liveactivity only, not %s; send %s pushes to the app's device token", kindName(kind), h.PushType, h.PushType)}
	}
	if h.Topic != "" && !strings.HasSuffix(h.Topic, liveActivitySuffix) {
		return h, &InvalidError{"apns-topic", fmt.Sprintf("topic %s lacks %s: Live Activity pushes go to <bundle ID>%s (leave the topic empty and pushdeck adds it)", h.Topic, liveActivitySuffix, liveActivitySuffix)}
	}
	switch h.Priority {
	case 0, 5, 10:
	default:
		return h, &InvalidError{"apns-priority", fmt.Sprintf("priority %d: Live Activity pushes take 5 (outside the budget) or 10 (immediate, counts against the hourly budget)", h.Priority)}
	}
	var p struct {
		Aps struct {
			Event          string `json:"event"`
			AttributesType string `json:"attributes-type"`
		} `json:"aps"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return h, &InvalidError{"payload", "not a JSON object: " + err.Error()}
	}
	ev := p.Aps.Event
	switch kind {
	case KindLiveActivityStart:
		if ev != "start" {
			return h, &InvalidError{"payload", fmt.Sprintf("event %q to a push-to-start token: these tokens only start activities (event start with attributes-type, attributes and an alert); send update and end to the activity's update token", ev)}
		}
		if activityType != "" && p.Aps.AttributesType != "" && p.Aps.AttributesType != activityType {
			return h, &InvalidError{"payload", fmt.Sprintf("attributes-type %s, but this push-to-start token is for %s: each ActivityAttributes type has its own token", p.Aps.AttributesType, activityType)}
		}
	case KindLiveActivityUpdate:
		switch ev {
		case "update", "end":
		case "start":
			return h, &InvalidError{"payload", "event start to an activity's update token: that activity is already running; start new activities with a push-to-start token"}
		default:
			return h, &InvalidError{"payload", fmt.Sprintf("event %q: an update token takes event update or end", ev)}
		}
	}
	return h, nil
}

func kindName(k TokenKind) string {
	if k == KindLiveActivityStart {
		return "a push-to-start token"
	}
	return "an activity update token"
}
