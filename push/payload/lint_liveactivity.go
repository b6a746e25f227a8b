package payload

import (
	"encoding/base64"
	"fmt"
	"time"
)

// Live Activity rules, after Apple's "Starting and updating Live Activities
// with ActivityKit push notifications".
const (
	// timestampSkew is how far ahead of this machine's clock a timestamp may
	// be before it is an error: a timestamp in the future makes iOS ignore
	// every correct update until then.
	timestampSkew = 5 * time.Minute
	// staleAfter is when a timestamp is old enough to warn: iOS applies an
	// update only if it is newer than the last one it applied.
	staleAfter = time.Hour
	// dismissalWindow: iOS keeps an ended activity on the Lock Screen at
	// most four hours; a later dismissal-date has no effect.
	dismissalWindow = 4 * time.Hour
)

// startOnlyKeys belong to a start push only.
var startOnlyKeys = []string{"attributes-type", "attributes", "input-push-token", "input-push-channel"}

// liveActivityRules are the rules beyond the required keys: event-specific
// keys, dates against the clock, the channel, the auth and the priority.
func (l *linter) liveActivityRules(aps *value) {
	now := l.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	event, _ := l.p.strVal(aps.get("event"))

	if ts := aps.get("timestamp"); ts != nil && l.p.isWhole(ts) {
		f := l.p.num(ts)
		switch {
		case f > float64(now.Add(timestampSkew).Unix()):
			fix := "use the current time in seconds (T in the editor sets it)"
			if f > 1e11 {
				fix = "this is milliseconds: divide by 1000, or bump it to now"
			}
			l.add(Error, "liveactivity-timestamp-future", "aps.timestamp", ts.start, fix,
				"timestamp %s is in the future: iOS would ignore every update with a correct time until then", l.raw(ts))
		case f < float64(now.Add(-staleAfter).Unix()):
			l.add(Warning, "liveactivity-timestamp-stale", "aps.timestamp", ts.start, "set the timestamp to now (T in the editor)",
				"timestamp %s is %s old: iOS ignores an update older than the last one it applied", l.raw(ts), age(now, f))
		}
	}

	switch event {
	case "start":
		if aps.get("alert") == nil {
			l.add(Error, "liveactivity-start-alert", "aps", aps.start, `add "alert": {"title": …, "body": …}`,
				"a start push must include an alert, so the person is told a Live Activity started")
		}
		tok, ch := aps.memberOf("input-push-token"), aps.memberOf("input-push-channel")
		if tok != nil && ch != nil {
			l.add(Error, "liveactivity-input", "aps.input-push-channel", ch.keyStart, "keep input-push-token (updates to a new token) or input-push-channel (updates on a channel), not both",
				"input-push-token and input-push-channel both given: the activity listens to one of them")
		}
		if ch != nil {
			if s, ok := l.p.strVal(ch.val); ok {
				if _, err := base64.StdEncoding.DecodeString(s); err != nil || s == "" {
					l.add(Error, "liveactivity-input", "aps.input-push-channel", ch.val.start, "give the channel ID exactly as `pushdeck channels create` printed it",
						"input-push-channel %s is not a channel ID (base64)", l.raw(ch.val))
				}
			}
		}
		if l.opts.Channel {
			l.add(Error, "liveactivity-broadcast-start", "aps.event", aps.memberOf("event").val.start,
				"start the activity with a push-to-start token (input-push-channel subscribes it), then broadcast update or end",
				"a broadcast cannot start a Live Activity")
		}
	case "update", "end":
		for _, k := range startOnlyKeys {
			if m := aps.memberOf(k); m != nil {
				l.add(Warning, "liveactivity-start-only", pathJoin("aps", k), m.keyStart, fmt.Sprintf("remove %s; only a start push carries it", k),
					"%s only means something in a start push; iOS ignores it in an %s", k, event)
			}
		}
	}
	if m := aps.memberOf("dismissal-date"); m != nil && event != "" && event != "end" {
		l.add(Warning, "liveactivity-dismissal", "aps.dismissal-date", m.keyStart, "remove it, or send it with event end",
			"dismissal-date only applies to an end push; this is a %s", event)
	} else if m != nil && l.p.isWhole(m.val) && l.p.num(m.val) > float64(now.Add(dismissalWindow).Unix()) {
		l.add(Warning, "liveactivity-dismissal", "aps.dismissal-date", m.val.start, "use a date within four hours, or one in the past to remove it at once",
			"dismissal-date is more than four hours away: iOS removes an ended Live Activity after four hours anyway")
	}
	if sd := aps.get("stale-date"); sd != nil && l.p.isWhole(sd) {
		if ts := aps.get("timestamp"); ts != nil && l.p.isWhole(ts) && l.p.num(sd) <= l.p.num(ts) {
			l.add(Warning, "liveactivity-stale-date", "aps.stale-date", sd.start, "set the stale date after the timestamp, e.g. 30 minutes later",
				"stale-date is not after the timestamp: the activity shows as out of date the moment it arrives")
		}
	}

	if l.opts.Auth == "certificate" {
		l.add(Warning, "liveactivity-auth", "authorization", -1, "use a token key (.p8 with key ID and team ID) for Live Activities",
			"Apple's Live Activity guide asks for a token-based connection; this profile uses a certificate")
	}
	switch l.opts.Headers.Priority {
	case 0:
		l.add(Warning, "liveactivity-priority", "apns-priority", -1, "set 5 for updates that need no immediate attention, 10 for the ones that do",
			"priority is not set, so APNs uses 10: every push counts against the Live Activity budget and may be throttled")
	case 1:
		l.add(Error, "liveactivity-priority", "apns-priority", -1, "use 5 (outside the budget) or 10 (immediate, budgeted)",
			"Live Activity pushes take priority 5 or 10, not 1")
	}
}

// age says roughly how long ago a UNIX time was.
func age(now time.Time, unix float64) string {
	d := now.Sub(time.Unix(int64(unix), 0)).Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= 2*time.Hour:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return d.String()
}
