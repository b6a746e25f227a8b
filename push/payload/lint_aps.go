package payload

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// apsKeys are the keys APNs and iOS read inside aps, with the check of each
// value. A key missing here is reported as unknown.
var apsKeys = map[string]func(l *linter, v *value, path string){
	"alert":              (*linter).alert,
	"badge":              (*linter).badge,
	"sound":              (*linter).sound,
	"thread-id":          (*linter).stringValue,
	"category":           (*linter).stringValue,
	"content-available":  (*linter).one,
	"mutable-content":    (*linter).one,
	"target-content-id":  (*linter).stringValue,
	"interruption-level": (*linter).interruptionLevel,
	"relevance-score":    (*linter).relevanceScore,
	"filter-criteria":    (*linter).stringValue,
	"stale-date":         (*linter).date,
	"content-state":      (*linter).objectValue,
	"timestamp":          (*linter).date,
	"event":              (*linter).event,
	"dismissal-date":     (*linter).date,
	"attributes-type":    (*linter).stringValue,
	"attributes":         (*linter).objectValue,
	"input-push-token":   (*linter).inputPushToken,
	"input-push-channel": (*linter).stringValue,
	"content-changed":    (*linter).contentChanged,
	"url-args":           (*linter).stringArray,
}

// alertKeys are the keys iOS reads inside an alert dictionary.
var alertKeys = []string{"title", "subtitle", "body", "launch-image", "title-loc-key", "title-loc-args",
	"subtitle-loc-key", "subtitle-loc-args", "loc-key", "loc-args"}

// liveActivityKeys only mean something in a liveactivity push.
var liveActivityKeys = []string{"event", "timestamp", "content-state", "attributes-type", "attributes", "stale-date", "dismissal-date", "input-push-token", "input-push-channel"}

// aps checks every key inside aps.
func (l *linter) aps(aps *value) {
	l.duplicates(aps, "aps")
	for _, m := range aps.members {
		path := pathJoin("aps", m.key)
		check, known := apsKeys[m.key]
		if !known {
			fix := "remove it, or move custom data out of aps to the top level"
			if s := suggest(m.key, near(m.key, apsKeyNames())); s != "" {
				fix = fmt.Sprintf("did you mean %q?", s)
			}
			l.add(Warning, "aps-unknown-key", path, m.keyStart, fix, "unknown key %q inside aps; iOS ignores it", m.key)
			continue
		}
		check(l, m.val, path)
	}
}

func apsKeyNames() []string {
	names := make([]string, 0, len(apsKeys))
	for k := range apsKeys {
		names = append(names, k)
	}
	return names
}

// duplicates warns about a key given twice in one object.
func (l *linter) duplicates(obj *value, path string) {
	for _, i := range duplicateKeys(obj) {
		m := obj.members[i]
		l.add(Warning, "duplicate-key", pathJoin(path, m.key), m.keyStart, "remove one of them",
			"%q appears twice; only the last one is used", m.key)
	}
}

func (l *linter) alert(v *value, path string) {
	switch v.kind {
	case kindString:
		return
	case kindObject:
	default:
		l.add(Error, "alert-type", path, v.start, `write "alert": "Hello" or "alert": {"title": "Hi", "body": "Hello"}`,
			"alert is %s; it must be a string or an object", kindName(v))
		return
	}
	l.duplicates(v, path)
	for _, m := range v.members {
		p := pathJoin(path, m.key)
		switch m.key {
		case "title-loc-args", "subtitle-loc-args", "loc-args":
			l.stringArray(m.val, p)
		case "title", "subtitle", "body", "launch-image", "title-loc-key", "subtitle-loc-key", "loc-key":
			l.stringValue(m.val, p)
		default:
			fix := "remove it; iOS ignores it (custom data goes at the top level, outside aps)"
			if s := suggest(m.key, near(m.key, alertKeys)); s != "" {
				fix = fmt.Sprintf("did you mean %q?", s)
			}
			l.add(Warning, "alert-key", p, m.keyStart, fix, "unknown alert key %q; iOS ignores it", m.key)
		}
	}
}

func (l *linter) badge(v *value, path string) {
	if v.kind == kindNumber {
		f := l.p.num(v)
		switch {
		case !l.p.isWhole(v):
			l.add(Error, "badge", path, v.start, fmt.Sprintf(`use a whole number, e.g. "badge": %d`, int64(math.Max(0, math.Round(math.Min(f, 1e9))))),
				"badge is %s; it must be a whole number", l.raw(v))
		case f < 0:
			l.add(Error, "badge", path, v.start, `use 0 to clear the badge, or a positive number`, "badge is negative (%s)", l.raw(v))
		}
		return
	}
	if s, ok := l.p.strVal(v); ok {
		if n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 31); err == nil {
			l.add(Error, "badge", path, v.start, fmt.Sprintf(`write "badge": %d without quotes`, n),
				"badge is the string %s; it must be a number", l.raw(v))
			return
		}
	}
	l.add(Error, "badge", path, v.start, `write a whole number, e.g. "badge": 1 (0 clears the badge)`,
		"badge is %s; it must be a whole number of 0 or more", kindName(v))
}

func (l *linter) sound(v *value, path string) {
	switch v.kind {
	case kindString:
		return
	case kindObject:
	default:
		l.add(Error, "sound", path, v.start, `write "sound": "default", or {"critical": 1, "name": "default", "volume": 1.0}`,
			"sound is %s; it must be a string or an object", kindName(v))
		return
	}
	l.duplicates(v, path)
	if v.get("name") == nil {
		l.add(Error, "sound", path, v.start, `add "name": "default" (or the name of a sound file in the app)`,
			"a sound object needs a name")
	}
	for _, m := range v.members {
		p := pathJoin(path, m.key)
		switch m.key {
		case "name":
			if m.val.kind != kindString {
				l.add(Error, "sound", p, m.val.start, `write "name": "default"`, "sound name is %s; it must be a string", kindName(m.val))
			}
		case "critical":
			if f := l.p.num(m.val); f != 0 && f != 1 {
				l.add(Error, "sound", p, m.val.start, `write "critical": 1`, "critical is %s; it must be 1 (or 0)", l.raw(m.val))
			}
		case "volume":
			if f := l.p.num(m.val); math.IsNaN(f) || f < 0 || f > 1 {
				l.add(Error, "sound", p, m.val.start, `use a number from 0 to 1, e.g. "volume": 0.8`, "volume is %s; it must be a number from 0 to 1", l.raw(m.val))
			}
		default:
			fix := "remove it; a sound object has only critical, name and volume"
			if s := suggest(m.key, []string{"critical", "name", "volume"}); s != "" {
				fix = fmt.Sprintf("did you mean %q?", s)
			}
			l.add(Warning, "sound-key", p, m.keyStart, fix, "unknown sound key %q; iOS ignores it", m.key)
		}
	}
}

// one checks content-available and mutable-content, which iOS honours only
// when they are the number 1.
func (l *linter) one(v *value, path string) {
	name := lastKey(path)
	switch f := l.p.num(v); {
	case f == 1:
	case f == 0:
		l.add(Warning, name, path, v.start, fmt.Sprintf(`remove it, or write "%s": 1`, name), "%s 0 has no effect", name)
	default:
		l.add(Error, name, path, v.start, fmt.Sprintf(`write "%s": 1`, name), "%s is %s; iOS only honours the number 1", name, l.raw(v))
	}
}

func (l *linter) interruptionLevel(v *value, path string) {
	levels := []string{"passive", "active", "time-sensitive", "critical"}
	s, ok := l.p.strVal(v)
	for _, lv := range levels {
		if ok && s == lv {
			return
		}
	}
	fix := "use passive, active, time-sensitive or critical"
	if ok {
		if g := suggest(s, levels); g != "" {
			fix = fmt.Sprintf("did you mean %q?", g)
		}
	}
	l.add(Error, "interruption-level", path, v.start, fix, "interruption-level %s is not one of passive, active, time-sensitive, critical", l.raw(v))
}

func (l *linter) relevanceScore(v *value, path string) {
	if l.pt == LiveActivity {
		// Live Activities rank by relative scores (Apple's example: 100).
		if f := l.p.num(v); math.IsNaN(f) || f < 0 {
			l.add(Error, "relevance-score", path, v.start, `use a number of 0 or more, e.g. "relevance-score": 100 for the most important activity`,
				"relevance-score is %s; for a Live Activity it must be a number of 0 or more", l.raw(v))
		}
		return
	}
	if f := l.p.num(v); math.IsNaN(f) || f < 0 || f > 1 {
		l.add(Error, "relevance-score", path, v.start, `use a number from 0 to 1, e.g. "relevance-score": 0.5`,
			"relevance-score is %s; it must be a number from 0 to 1", l.raw(v))
	}
}

func (l *linter) event(v *value, path string) {
	if s, ok := l.p.strVal(v); ok && (s == "start" || s == "update" || s == "end") {
		return
	}
	l.add(Error, "liveactivity-event", path, v.start, `use "event": "start", "update" or "end"`,
		"event is %s; it must be start, update or end", l.raw(v))
}

// date checks timestamp, stale-date and dismissal-date: UNIX seconds.
func (l *linter) date(v *value, path string) {
	name := lastKey(path)
	f := l.p.num(v)
	if !l.p.isWhole(v) || f < 0 {
		l.add(Error, "date", path, v.start, fmt.Sprintf(`use whole seconds since 1970, e.g. "%s": 1767225600`, name),
			"%s is %s; it must be whole seconds since 1970 (UNIX time)", name, l.raw(v))
		return
	}
	if f > 1e11 {
		l.add(Warning, "date", path, v.start, fmt.Sprintf("divide by 1000: %.0f", math.Floor(f/1000)),
			"%s looks like milliseconds; APNs expects seconds", name)
	}
}

func (l *linter) stringValue(v *value, path string) {
	if v.kind != kindString {
		l.add(Error, "value-type", path, v.start, "put the value in double quotes", "%s is %s; it must be a string", lastKey(path), kindName(v))
	}
}

func (l *linter) objectValue(v *value, path string) {
	if v.kind != kindObject {
		l.add(Error, "value-type", path, v.start, "make it an object {…}", "%s is %s; it must be an object", lastKey(path), kindName(v))
	}
}

func (l *linter) stringArray(v *value, path string) {
	if v.kind != kindArray {
		l.add(Error, "value-type", path, v.start, `make it an array of strings, e.g. ["Jenna"]`, "%s is %s; it must be an array of strings", lastKey(path), kindName(v))
		return
	}
	for i, it := range v.items {
		if it.kind != kindString {
			l.add(Error, "value-type", indexPath(path, i), it.start, fmt.Sprintf("put it in double quotes: \"%s\"", strings.Trim(l.raw(it), `"`)),
				"%s must hold only strings; item %d is %s", lastKey(path), i, kindName(it))
		}
	}
}

func (l *linter) inputPushToken(v *value, path string) {
	if l.p.num(v) != 1 {
		l.add(Error, "value-type", path, v.start, `write "input-push-token": 1`, "input-push-token is %s; it must be 1", l.raw(v))
	}
}

func (l *linter) contentChanged(v *value, path string) {
	if v.kind != kindBool || l.p.b[v.start] != 't' {
		l.add(Error, "widgets-content-changed", path, v.start, `write "content-changed": true`, "content-changed is %s; it must be true", l.raw(v))
	}
}

// lastKey is the last key of a JSON path, for messages that already show
// the path beside them.
func lastKey(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}
