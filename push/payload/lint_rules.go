package payload

import (
	"fmt"
	"slices"
	"strings"
)

// pushTypeRules are the rules that depend on apns-push-type: what APNs
// accepts silently but the device then drops.
func (l *linter) pushTypeRules(root, aps *value) {
	alert := aps.get("alert")
	if mc := aps.get("mutable-content"); mc != nil && l.p.num(mc) == 1 && alert == nil && l.pt != LiveActivity {
		l.add(Error, "mutable-content-no-alert", "aps.mutable-content", mc.start, `add an alert with a title or body; the service extension only runs for visible alerts`,
			"mutable-content without an alert: the notification service extension never runs")
	}
	l.misplaced(aps, liveActivityKeys, LiveActivity, "liveactivity-push-type")
	l.misplaced(aps, []string{"content-changed"}, Widgets, "widgets-push-type")

	switch l.pt {
	case Alert:
		if !l.visible(aps) {
			msg := "an alert push with nothing to show: no alert text, sound or badge"
			if alert != nil {
				msg = "the alert has no title, subtitle or body, and there is no sound or badge"
			}
			fix := `add "alert": {"title": "Hi", "body": "Hello"}, a sound or a badge`
			if ca := aps.get("content-available"); ca != nil && l.p.num(ca) == 1 {
				fix = "for a silent push use push type background with priority 5; otherwise add an alert, sound or badge"
			}
			l.add(Error, "alert-invisible", "aps", aps.start, fix, "%s; iOS shows nothing", msg)
		}
	case Background:
		for _, k := range []string{"alert", "sound", "badge"} {
			if m := aps.memberOf(k); m != nil {
				l.add(Error, "background-visible", pathJoin("aps", k), m.keyStart, fmt.Sprintf("remove %q, or send it as push type alert", k),
					"a background push must not contain %s; iOS drops or throttles it", k)
			}
		}
		if aps.get("content-available") == nil {
			l.add(Error, "background-content-available", "aps", aps.start, `add "content-available": 1`,
				"a background push without content-available: 1 never wakes the app")
		}
	case LiveActivity:
		l.liveActivity(aps)
	case Widgets:
		if aps.get("content-changed") == nil {
			l.add(Error, "widgets-content-changed", "aps", aps.start, `add "content-changed": true`,
				"a widgets push needs content-changed: true, or WidgetKit does not reload")
		}
	}
}

func (l *linter) liveActivity(aps *value) {
	missing := func(rule, key, fix, why string) {
		if aps.get(key) == nil {
			l.add(Error, rule, "aps", aps.start, fix, "a Live Activity push needs %s: %s", key, why)
		}
	}
	missing("liveactivity-event", "event", `add "event": "update" (or "start" or "end")`, "start, update or end")
	missing("liveactivity-timestamp", "timestamp", `add "timestamp": the current UNIX time in seconds`, "iOS ignores updates without a newer timestamp")
	missing("liveactivity-content-state", "content-state", `add "content-state": {…} matching your ContentState`, "the new state of the activity")
	if s, _ := l.p.strVal(aps.get("event")); s == "start" {
		missing("liveactivity-start", "attributes-type", `add "attributes-type": the name of your ActivityAttributes type`, "a start push must say which ActivityAttributes to create")
		missing("liveactivity-start", "attributes", `add "attributes": {…} matching your ActivityAttributes`, "the static attributes of the new activity")
	}
	l.liveActivityRules(aps)
}

// misplaced warns, once, when keys of another push type appear: a Live
// Activity payload sent as alert is the usual reason it "does nothing".
func (l *linter) misplaced(aps *value, keys []string, want PushType, rule string) {
	if l.pt == want {
		return
	}
	for _, m := range aps.members {
		if slices.Contains(keys, m.key) {
			l.add(Warning, rule, pathJoin("aps", m.key), m.keyStart, fmt.Sprintf("set the push type to %s", want),
				"%s only works with push type %s (this is %s)", m.key, want, l.pt)
			return
		}
	}
}

// visible reports whether an alert push shows or plays anything.
func (l *linter) visible(aps *value) bool {
	if aps.get("badge") != nil {
		return true
	}
	if s := aps.get("sound"); s != nil && (s.kind == kindObject || (s.kind == kindString && s.end-s.start > 2)) {
		return true
	}
	a := aps.get("alert")
	if a == nil {
		return false
	}
	if a.kind == kindString {
		return a.end-a.start > 2
	}
	if a.kind != kindObject {
		return true // alert-type already reported; do not pile on
	}
	for _, k := range []string{"title", "subtitle", "body", "title-loc-key", "subtitle-loc-key", "loc-key"} {
		if v := a.get(k); v != nil && (v.kind != kindString || v.end-v.start > 2) {
			return true
		}
	}
	return false
}

// headers checks the request headers the user controls.
func (l *linter) headers() {
	h := l.opts.Headers
	if h.PushType != "" && !slices.Contains(PushTypes, h.PushType) {
		names := make([]string, len(PushTypes))
		for i, t := range PushTypes {
			names[i] = string(t)
		}
		fix := "use one of " + strings.Join(names, ", ")
		if s := suggest(string(h.PushType), names); s != "" {
			fix = fmt.Sprintf("did you mean %s?", s)
		}
		l.add(Error, "push-type", "apns-push-type", -1, fix, "unknown push type %q", h.PushType)
	}
	switch h.Priority {
	case 0, 1, 5, 10:
	default:
		l.add(Error, "priority", "apns-priority", -1, "use 10 (immediately), 5 (when power allows) or 1 (lowest)",
			"priority %d is not allowed; APNs accepts 1, 5 and 10", h.Priority)
	}
	if l.pt == Background && (h.Priority == 10 || h.Priority == 0) {
		msg := "a background push must use priority 5, not 10"
		if h.Priority == 0 {
			msg = "priority is not set, so APNs uses 10; a background push must use 5"
		}
		l.add(Error, "background-priority", "apns-priority", -1, "set the priority to 5", "%s; iOS drops or throttles it", msg)
	}
	if n := len(h.CollapseID); n > 64 {
		l.add(Error, "collapse-id", "apns-collapse-id", -1, "shorten it to 64 bytes or less",
			"collapse-id is %d bytes; APNs accepts at most 64", n)
	}
	l.topic()
}

// topic checks that apns-topic carries the suffix of the push type: a voip
// push to the bare bundle ID is refused (DeviceTokenNotForTopic).
func (l *linter) topic() {
	h := l.opts.Headers
	if h.Topic == "" || l.pt == MDM || !slices.Contains(PushTypes, l.pt) {
		return
	}
	suffix := TopicSuffix(l.pt)
	if app := l.opts.AppTopic; app != "" {
		if want := app + suffix; h.Topic != want {
			l.add(Error, "topic", "apns-topic", -1, fmt.Sprintf("set the topic to %s, or leave it empty and pushdeck adds the suffix", want),
				"topic %s does not fit push type %s: it should be %s", h.Topic, l.pt, want)
		}
		return
	}
	if suffix != "" {
		if !strings.HasSuffix(h.Topic, suffix) {
			l.add(Error, "topic", "apns-topic", -1, fmt.Sprintf("set the topic to %s%s", h.Topic, suffix),
				"topic %s does not fit push type %s: it must end in %s", h.Topic, l.pt, suffix)
		}
		return
	}
	for _, t := range PushTypes {
		if s := TopicSuffix(t); s != "" && strings.HasSuffix(h.Topic, s) {
			l.add(Error, "topic", "apns-topic", -1, fmt.Sprintf("set the topic to %s, or the push type to %s", strings.TrimSuffix(h.Topic, s), t),
				"topic %s is a %s topic; %s pushes go to the bare bundle ID", h.Topic, t, l.pt)
			return
		}
	}
}

// suggest returns the known word closest to s (case, _ versus -, or up to
// two typos), or "" if nothing is close.
func suggest(s string, known []string) string {
	norm := strings.ReplaceAll(strings.ToLower(s), "_", "-")
	best, bestD := "", 3
	for _, k := range known {
		if k == s {
			continue
		}
		d := distance(norm, k)
		if len(k) < 5 && d > 1 {
			continue
		}
		if d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance, on bytes (keys are ASCII).
func distance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
