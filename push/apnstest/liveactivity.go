package apnstest

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Token kinds a registry device may have (Device.Kind). "" is a device token.
const (
	KindDevice             = "device"
	KindLiveActivityStart  = "liveactivity-start"
	KindLiveActivityUpdate = "liveactivity-update"
)

// liveActivitySuffix is the topic suffix of Live Activity pushes.
const liveActivitySuffix = ".push-type.liveactivity"

func isLiveActivityKind(k string) bool {
	return k == KindLiveActivityStart || k == KindLiveActivityUpdate
}

// ActivityState is what the simulated device did with the Live Activity
// pushes that reached one token. APNs itself does not look inside a
// payload: a push that the device ignores is still a 200, exactly as at
// Apple. The state shows what the device would have done.
type ActivityState struct {
	Token string
	Kind  string
	// ActivityType is the ActivityAttributes type (push-to-start tokens).
	ActivityType string
	// Started counts activities a push-to-start token started.
	Started int
	// LastEvent and LastTimestamp are of the last applied push.
	LastEvent     string
	LastTimestamp int64
	Ended         bool
	// Deliveries is every push in order, applied or ignored with why.
	Deliveries []Delivery
}

// liveActivityTopic checks a device-registry token against the push's
// topic and push type: a Live Activity push to the app's device token, or
// an alert to an activity token, goes to the wrong topic for that token.
func liveActivityTopic(dev Device, topic string) *outcome {
	la := strings.HasSuffix(topic, liveActivitySuffix)
	if isLiveActivityKind(dev.Kind) != la {
		return fail(ReasonDeviceTokenNotForTopic)
	}
	return nil
}

// Activity returns what the device did with Live Activity pushes to a token.
func (r *Registry) Activity(token string) (ActivityState, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	a := r.activities[normalize(token)]
	if a == nil {
		return ActivityState{}, false
	}
	out := *a
	out.Deliveries = append([]Delivery(nil), a.Deliveries...)
	return out, true
}

// deliverLiveActivity plays the device's part for a Live Activity push that
// APNs accepted (directly to a token, or fanned out from a channel). now is
// the server's clock; viaChannel marks a broadcast.
func (s *Server) deliverLiveActivity(token string, body []byte, viaChannel bool) Delivery {
	reg := s.cfg.Registry
	if reg == nil {
		return Delivery{Token: token, Applied: true, Note: "no registry: nothing to check"}
	}
	return reg.applyLiveActivity(token, body, s.cfg.Now(), viaChannel)
}

func (r *Registry) applyLiveActivity(token string, body []byte, now time.Time, viaChannel bool) Delivery {
	tok := normalize(token)
	var p struct {
		Aps struct {
			Event          string          `json:"event"`
			Timestamp      json.Number     `json:"timestamp"`
			ContentState   json.RawMessage `json:"content-state"`
			AttributesType string          `json:"attributes-type"`
		} `json:"aps"`
	}
	d := Delivery{Token: tok}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	perr := dec.Decode(&p)

	r.mu.Lock()
	defer r.mu.Unlock()
	dev, known := r.devices[tok]
	if r.activities == nil {
		r.activities = map[string]*ActivityState{}
	}
	a := r.activities[tok]
	if a == nil {
		a = &ActivityState{Token: tok, Kind: dev.Kind, ActivityType: dev.ActivityType}
		r.activities[tok] = a
	}
	ignore := func(format string, args ...any) Delivery {
		d.Note = "ignored: " + fmt.Sprintf(format, args...)
		a.Deliveries = append(a.Deliveries, d)
		return d
	}
	switch {
	case !known:
		return ignore("no activity holds this token")
	case dev.State != StateActive && dev.State != "":
		return ignore("the activity has ended")
	case perr != nil:
		return ignore("the payload is not JSON the device can decode")
	}
	ev := p.Aps.Event
	ts, terr := p.Aps.Timestamp.Int64()
	switch {
	case ev != "start" && ev != "update" && ev != "end":
		return ignore("event %q is not start, update or end", ev)
	case terr != nil:
		return ignore("no timestamp in whole seconds")
	case len(p.Aps.ContentState) == 0 || p.Aps.ContentState[0] != '{':
		return ignore("no content-state object")
	case ts > now.Add(24*time.Hour).Unix():
		return ignore("timestamp %d is in the future (milliseconds instead of seconds?)", ts)
	}
	switch dev.Kind {
	case KindLiveActivityStart:
		if viaChannel || ev != "start" {
			return ignore("a push-to-start token only starts activities (event start)")
		}
		if p.Aps.AttributesType == "" {
			return ignore("a start push needs attributes-type")
		}
		if dev.ActivityType != "" && p.Aps.AttributesType != dev.ActivityType {
			return ignore("attributes-type %s, but this token starts %s", p.Aps.AttributesType, dev.ActivityType)
		}
		a.Started++
	case KindLiveActivityUpdate:
		if ev == "start" {
			return ignore("event start to a running activity: start needs a push-to-start token")
		}
		if ts <= a.LastTimestamp {
			return ignore("timestamp %d is not newer than the last applied (%d)", ts, a.LastTimestamp)
		}
		if ev == "end" {
			a.Ended = true
			// The activity is over: its token is no longer valid, and
			// APNs answers 410 for it from now on.
			dev.State = StateExpired
			r.devices[tok] = dev
		}
	default:
		return ignore("a device token does not take Live Activity pushes")
	}
	a.LastEvent, a.LastTimestamp = ev, ts
	d.Applied = true
	d.Note = ev + " applied"
	a.Deliveries = append(a.Deliveries, d)
	return d
}
