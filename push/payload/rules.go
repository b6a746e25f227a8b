package payload

// Rule describes one lint rule, for help screens and the docs; a Finding's
// Rule field is a Rule's ID. A rule may appear twice, once per severity.
type Rule struct {
	ID       string
	Severity Severity
	What     string // what it catches
	Fix      string // the usual fix
}

// Rules lists every rule Validate applies, in the order of the docs table.
func Rules() []Rule {
	return []Rule{
		{"syntax", Error, "JSON syntax error: missing comma, missing closing } or ], trailing comma, unterminated string, keys or strings not in double quotes, comments, bad numbers and escapes", "the message says what to add or remove, at the line and column given"},
		{"not-object", Error, "the payload is valid JSON but not an object", `wrap it: {"aps": {...}}`},
		{"size", Error, "the exact body is over the push type's limit (4096 bytes, 5120 for voip and for a broadcast on a channel)", "minify, shorten the text, remove custom keys"},
		{"aps-missing", Error, "no aps dictionary (alert, background, liveactivity, widgets pushes)", `add "aps": {...}`},
		{"aps-type", Error, "aps is not an object", `"aps": {...}`},
		{"aps-duplicate", Error, `"aps" appears twice at the top level`, "merge them"},
		{"aps-shadow", Warning, `a custom key that looks like aps ("APS", "Aps")`, `rename it to "aps"`},
		{"aps-unknown-key", Warning, "a key inside aps that iOS does not know (typos, custom data)", "the suggested key, or move custom data to the top level"},
		{"duplicate-key", Warning, "a key given twice inside aps, alert or sound", "keep one"},
		{"alert-type", Error, "alert is neither a string nor an object", `"alert": "text" or {"title", "body"}`},
		{"alert-key", Warning, "an alert key other than title, subtitle, body, launch-image, title-loc-key, title-loc-args, subtitle-loc-key, subtitle-loc-args, loc-key, loc-args", "the suggested key"},
		{"value-type", Error, "a known key with the wrong type: alert texts, thread-id, category and other strings; loc-args and url-args arrays of strings; content-state and attributes objects; input-push-token 1", "the type named in the message"},
		{"badge", Error, `badge is not a whole number of 0 or more (a string "1", -1, 1.5, true)`, `"badge": 1 without quotes; 0 clears it`},
		{"sound", Error, "sound is neither a string nor {critical 0/1, name, volume 0..1}; a sound object without name", `"sound": "default"`},
		{"sound-key", Warning, "a sound key other than critical, name, volume", "remove it"},
		{"content-available", Error, "content-available is anything but the number 1", `"content-available": 1`},
		{"content-available", Warning, "content-available is 0, which does nothing", "remove it"},
		{"mutable-content", Error, "mutable-content is anything but the number 1", `"mutable-content": 1`},
		{"mutable-content", Warning, "mutable-content is 0, which does nothing", "remove it"},
		{"interruption-level", Error, "interruption-level is not passive, active, time-sensitive or critical", "one of those four, lowercase"},
		{"relevance-score", Error, "relevance-score is not a number from 0 to 1 (for a Live Activity: a number of 0 or more, relative to your other activities)", "a number from 0 to 1; 0 or more for Live Activities"},
		{"alert-invisible", Error, "push type alert with nothing to show: no alert text, sound or badge", "add an alert, or send a silent push as background"},
		{"background-visible", Error, "push type background with alert, sound or badge", "remove them, or send as alert"},
		{"background-content-available", Error, "push type background without content-available", `"content-available": 1`},
		{"background-priority", Error, "push type background with priority 10, or with no priority (APNs then uses 10)", "priority 5"},
		{"mutable-content-no-alert", Error, "mutable-content: 1 without an alert: the service extension never runs", "add an alert"},
		{"liveactivity-event", Error, "push type liveactivity without event, or an event other than start, update, end", `"event": "update"`},
		{"liveactivity-timestamp", Error, "push type liveactivity without timestamp", `"timestamp": UNIX seconds`},
		{"liveactivity-content-state", Error, "push type liveactivity without content-state", `"content-state": {...}`},
		{"liveactivity-start", Error, "event start without attributes-type or attributes", "add both"},
		{"liveactivity-timestamp-future", Error, "a Live Activity timestamp more than 5 minutes ahead of this clock (often milliseconds)", "the current time in seconds"},
		{"liveactivity-timestamp-stale", Warning, "a Live Activity timestamp more than an hour old: iOS ignores an update older than the last it applied", "bump it to now"},
		{"liveactivity-start-alert", Error, "event start without an alert (Apple requires one)", `"alert": {"title", "body"}`},
		{"liveactivity-start-only", Warning, "attributes-type, attributes, input-push-token or input-push-channel in an update or end", "remove them"},
		{"liveactivity-input", Error, "both input-push-token and input-push-channel, or an input-push-channel that is not a channel ID", "one of them; the ID as APNs returned it"},
		{"liveactivity-dismissal", Warning, "dismissal-date outside an end push, or more than four hours away", "send it with event end, within four hours"},
		{"liveactivity-stale-date", Warning, "stale-date not after the timestamp", "a later stale-date"},
		{"liveactivity-broadcast-start", Error, "event start in a broadcast: channels cannot start activities", "start with a push-to-start token, then broadcast"},
		{"liveactivity-auth", Warning, "a Live Activity sent with certificate auth (Apple's guide asks for token auth)", "a .p8 token key"},
		{"liveactivity-priority", Warning, "a Live Activity without a priority: APNs uses 10, which counts against the budget", "5 for routine updates, 10 for urgent ones"},
		{"liveactivity-priority", Error, "a Live Activity with priority 1", "5 or 10"},
		{"liveactivity-push-type", Warning, "Live Activity keys (event, content-state, timestamp...) under another push type", "push type liveactivity"},
		{"date", Error, "timestamp, stale-date or dismissal-date not whole UNIX seconds", "whole seconds since 1970"},
		{"date", Warning, "a date that looks like milliseconds", "divide by 1000"},
		{"widgets-content-changed", Error, "push type widgets without content-changed: true", `"content-changed": true`},
		{"widgets-push-type", Warning, "content-changed under another push type", "push type widgets"},
		{"utf8", Warning, "a string that is not valid UTF-8", "save the file as UTF-8"},
		{"push-type", Error, "apns-push-type is not a type APNs knows", "alert, background, voip, liveactivity, widgets, ..."},
		{"push-type", Warning, "apns-push-type is not set (pushdeck guesses alert or background)", "set it"},
		{"priority", Error, "apns-priority other than 1, 5 or 10", "10, 5 or 1"},
		{"topic", Error, "apns-topic does not fit the push type (voip needs .voip, liveactivity .push-type.liveactivity...; alert and background the bare bundle ID)", "bundle ID + the push type's suffix"},
		{"collapse-id", Error, "apns-collapse-id over 64 bytes", "shorten it"},
	}
}
