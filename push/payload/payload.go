// Package payload validates APNs payloads and headers as the user types and
// holds the built-in template gallery. It has no network or UI code.
package payload

import "time"

// PushType is the apns-push-type header.
type PushType string

// Push types APNs knows.
const (
	Alert        PushType = "alert"
	Background   PushType = "background"
	Location     PushType = "location"
	VoIP         PushType = "voip"
	Complication PushType = "complication"
	FileProvider PushType = "fileprovider"
	MDM          PushType = "mdm"
	LiveActivity PushType = "liveactivity"
	PushToTalk   PushType = "pushtotalk"
	Widgets      PushType = "widgets"
)

// PushTypes lists every push type in display order.
var PushTypes = []PushType{Alert, Background, Location, VoIP, Complication, FileProvider, MDM, LiveActivity, PushToTalk, Widgets}

// TopicSuffix is what the push type appends to the app's bundle ID in
// apns-topic ("" for alert and background; mdm uses its own topic).
func TopicSuffix(t PushType) string {
	switch t {
	case VoIP:
		return ".voip"
	case Complication:
		return ".complication"
	case FileProvider:
		return ".pushkit.fileprovider"
	case Location:
		return ".location-query"
	case LiveActivity:
		return ".push-type.liveactivity"
	case PushToTalk:
		return ".voip-ptt"
	case Widgets:
		return ".push-type.widgets"
	}
	return ""
}

// SizeLimit is the payload limit in bytes for the push type: 5120 for voip,
// 4096 otherwise (a broadcast on a channel allows 5120: see Options.Channel).
func SizeLimit(t PushType) int {
	if t == VoIP {
		return 5120
	}
	return 4096
}

// Expiration says what apns-expiration to send.
type Expiration struct {
	// Mode: ExpireDefault (no header: APNs stores and retries as it
	// likes), ExpireNow (0: deliver once, do not store), ExpireAt (At).
	Mode ExpirationMode
	At   time.Time
}

// ExpirationMode is how apns-expiration is set.
type ExpirationMode string

// The apns-expiration modes.
const (
	ExpireDefault ExpirationMode = ""    // no header
	ExpireNow     ExpirationMode = "now" // 0: deliver once, do not store
	ExpireAt      ExpirationMode = "at"  // a time
)

// Headers are the APNs request headers the user controls.
type Headers struct {
	PushType   PushType   `json:"push_type,omitempty"`
	Priority   int        `json:"priority,omitempty"` // 0 = let APNs default (10)
	Expiration Expiration `json:"expiration"`
	CollapseID string     `json:"collapse_id,omitempty"`
	ApnsID     string     `json:"apns_id,omitempty"` // empty = APNs assigns one
	Topic      string     `json:"topic,omitempty"`   // empty = credential topic + suffix
}

// Severity of a lint finding.
type Severity string

// Severities: an error means APNs will refuse it or the device will drop it; a
// warning means it is probably not what you meant.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one lint result.
type Finding struct {
	Severity Severity `json:"-"`
	Path     string   `json:"path"` // JSON path, e.g. "aps.alert.title"
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	Offset   int      `json:"-"` // byte offset in the body, -1 if none
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	// Rule names the lint rule ("badge", "background-priority", "syntax"...),
	// for tests and docs; docs/lint.md lists them all.
	Rule string `json:"-"`
}

// Options are the headers and context the payload is checked against.
type Options struct {
	Headers Headers
	// AppTopic is the credential's bundle ID, to check the topic suffix.
	AppTopic string
	// Now is the clock Live Activity dates are checked against; zero means
	// time.Now().
	Now time.Time
	// Auth is the profile's auth kind, "token" or "certificate" ("" when
	// unknown): Apple asks for token auth for Live Activities.
	Auth string
	// Channel marks a broadcast to a channel: the limit is 5120 bytes and
	// a Live Activity cannot be started.
	Channel bool
}

// Report is the outcome of Validate; it is what `pushdeck lint --json` prints.
type Report struct {
	Valid    bool      `json:"valid"`
	Bytes    int       `json:"bytes"`
	Limit    int       `json:"limit"`
	Errors   []Finding `json:"errors"`
	Warnings []Finding `json:"warnings"`
}

// Validate checks JSON syntax (with line and column), size against the push
// type's limit and every APNs lint rule. Fast enough to call per keystroke.
//
// Findings come in document order (header findings last). Line and Column
// are 1-based, Column counted in characters; Offset is the byte offset of the
// offending value (or of the offending key, or of the object that lacks a
// key), -1 for header findings. A syntax error stops the lint: it is the only
// body finding then. The push type's limit applies to the exact bytes given.
func Validate(body []byte, opts Options) Report {
	return validate(body, opts)
}
