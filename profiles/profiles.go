// Package profiles keeps what the user keeps on disk under one config folder:
// credential profiles (profiles.json, small and readable), and one SQLite
// database (pushdeck.db, WAL) for the device book, the send history, the
// payload library, the payload draft and broadcast channels. Folder 0700 when
// pushdeck creates it, files 0600, never written through a symbolic link; no
// password or private key is ever written.
package profiles

import (
	"fmt"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// SchemaVersion is written in every JSON file (profiles.json, exports) so
// later versions can migrate. The database has its own numbered migrations
// (see schema.go).
const SchemaVersion = 1

// Store is the config folder. Safe for concurrent use within a process and
// between processes: the database serialises writers (WAL, busy timeout),
// and profiles.json is rewritten under the database's write lock.
type Store struct {
	Dir string

	st *storeState
}

// PasswordKind is where a profile's password comes from; its JSON form is
// the string itself.
type PasswordKind string

// The password sources a profile may record.
const (
	PasswordNone     PasswordKind = "none"   // the credential has no password
	PasswordPrompt   PasswordKind = "prompt" // asked for when needed
	PasswordFromEnv  PasswordKind = "env"    // Name is an environment variable
	PasswordFromFile PasswordKind = "file"   // Name is a file; its first line
)

// PasswordSource says where a profile's password comes from; never the password.
type PasswordSource struct {
	Kind PasswordKind `json:"kind"`           // "none", "prompt", "env", "file"
	Name string       `json:"name,omitempty"` // env var name or file path
}

// Profile is one saved credential setup.
type Profile struct {
	Name        string            `json:"name"`
	CertPath    string            `json:"cert_path"`
	KeyPath     string            `json:"key_path,omitempty"`
	Auth        certs.AuthKind    `json:"auth"`
	KeyID       string            `json:"key_id,omitempty"`
	TeamID      string            `json:"team_id,omitempty"`
	Environment certs.Environment `json:"environment"`
	Topic       string            `json:"topic"`
	Host        string            `json:"host,omitempty"`      // URL override, e.g. https://127.0.0.1:2197
	Port        int               `json:"port,omitempty"`      // 443 or 2197
	ServerCA    string            `json:"server_ca,omitempty"` // path of a CA file for Host
	PushType    string            `json:"push_type,omitempty"`
	Priority    int               `json:"priority,omitempty"`
	Password    PasswordSource    `json:"password"`
	Notes       string            `json:"notes,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// LastResult is a device's most recent send outcome.
type LastResult struct {
	Status int       `json:"status"`
	Reason string    `json:"reason,omitempty"`
	ApnsID string    `json:"apns_id,omitempty"`
	At     time.Time `json:"at"`
}

// TokenKind says what a device token is for: an ordinary device token, or a
// Live Activity push-to-start or update token.
type TokenKind string

// The kinds of token the device book keeps.
const (
	KindDevice             TokenKind = "device"
	KindLiveActivityStart  TokenKind = "liveactivity-start"
	KindLiveActivityUpdate TokenKind = "liveactivity-update"
)

// ParseTokenKind reads a kind as a user writes it; "" is KindDevice.
func ParseTokenKind(s string) (TokenKind, error) {
	switch TokenKind(strings.ToLower(strings.TrimSpace(s))) {
	case "", KindDevice:
		return KindDevice, nil
	case KindLiveActivityStart, "start", "push-to-start":
		return KindLiveActivityStart, nil
	case KindLiveActivityUpdate, "update":
		return KindLiveActivityUpdate, nil
	}
	return "", fmt.Errorf("token kind %q is not one of device, liveactivity-start, liveactivity-update", s)
}

// Device is one entry of the device book. A token appears once per environment.
type Device struct {
	Label       string            `json:"label"`
	Token       string            `json:"token"` // normalised hex
	Environment certs.Environment `json:"environment"`
	// Kind is what the token is for ("" reads as KindDevice).
	Kind TokenKind `json:"kind,omitempty"`
	// ActivityType names the Live Activity's attributes type for a
	// push-to-start or update token ("" for a device token).
	ActivityType   string      `json:"activity_type,omitempty"`
	Topic          string      `json:"topic,omitempty"`
	Groups         []string    `json:"groups,omitempty"`
	AddedAt        time.Time   `json:"added_at"`
	Last           *LastResult `json:"last,omitempty"`
	UnregisteredAt time.Time   `json:"unregistered_at,omitzero"`
	// LastSeenValid is when APNs last accepted a push to the token (200).
	LastSeenValid time.Time `json:"last_seen_valid,omitzero"`
}

// Channel is a broadcast channel pushdeck knows (iOS 18 broadcast push).
type Channel struct {
	ID          string            `json:"channel_id"` // base64, as APNs returns it
	Topic       string            `json:"topic"`      // bundle ID
	Environment certs.Environment `json:"environment"`
	Label       string            `json:"label,omitempty"`
	// StoragePolicy is APNs' message-storage-policy: 0 no message stored,
	// 1 the most recent message is stored.
	StoragePolicy int       `json:"message_storage_policy"`
	CreatedAt     time.Time `json:"created_at"`
}

// DeviceResult is the part of a send result the device book keeps.
type DeviceResult struct {
	Token          string
	Status         int
	Reason         string
	ApnsID         string
	At             time.Time
	UnregisteredAt time.Time
}

// ImportReport says what an import kept and what it refused.
type ImportReport struct {
	Added, Updated int
	Bad            []BadLine
}

// BadLine is one refused import line.
type BadLine struct {
	Line   int
	Text   string
	Reason string
}

// SavedPayload is a named payload with its headers.
type SavedPayload struct {
	Name       string    `json:"name"`
	Body       string    `json:"body"`
	PushType   string    `json:"push_type,omitempty"`
	Priority   int       `json:"priority,omitempty"`
	CollapseID string    `json:"collapse_id,omitempty"`
	Expiration string    `json:"expiration,omitempty"` // "", "0" or RFC3339
	Topic      string    `json:"topic,omitempty"`
	SavedAt    time.Time `json:"saved_at"`
}

// HistoryEntry is one send result as history keeps it.
type HistoryEntry struct {
	At           time.Time         `json:"at"`
	Batch        string            `json:"batch,omitempty"` // one ID per send
	Profile      string            `json:"profile,omitempty"`
	Environment  certs.Environment `json:"environment"`
	Topic        string            `json:"topic,omitempty"`
	PushType     string            `json:"push_type,omitempty"`
	Priority     int               `json:"priority,omitempty"`
	CollapseID   string            `json:"collapse_id,omitempty"`
	Expiration   string            `json:"expiration,omitempty"`
	PayloadHash  string            `json:"payload_sha256,omitempty"`
	PayloadSize  int               `json:"payload_size"`
	Payload      string            `json:"payload,omitempty"` // kept so a past send can be reloaded
	Token        string            `json:"token"`
	Channel      string            `json:"channel_id,omitempty"` // a broadcast send
	Label        string            `json:"label,omitempty"`
	Status       int               `json:"status"`
	Reason       string            `json:"reason,omitempty"`
	ApnsID       string            `json:"apns_id,omitempty"`
	ApnsUniqueID string            `json:"apns_unique_id,omitempty"`
	LatencyMS    float64           `json:"latency_ms"`
	Attempts     int               `json:"attempts,omitempty"`
	Error        string            `json:"error,omitempty"`
	// UnregisteredAt is Apple's timestamp from a 410 Unregistered: since
	// when the token has been invalid.
	UnregisteredAt time.Time `json:"unregistered_at,omitzero"`
}

// HistoryFilter narrows a history query; zero fields match everything.
type HistoryFilter struct {
	Since        time.Time // at or after
	Until        time.Time // before
	Device       string    // label or token (prefix)
	Reason       string    // any case
	ApnsID       string    // any case
	ApnsUniqueID string    // any case
	Batch        string
	Profile      string
	Environment  certs.Environment
	Channel      string
	// Status keeps results with this HTTP status (0 with StatusSet: no
	// answer at all, a transport failure).
	Status    int
	StatusSet bool
	Failed    bool // only results that were not accepted (status other than 200)
	Succeeded bool // only accepted results (200)
	Limit     int  // newest N (0 = all)
	// Payloads fills HistoryEntry.Payload from the kept bodies; off by
	// default so a long listing does not carry every body.
	Payloads bool
}

// SendSummary is one send (one batch) of the history.
type SendSummary struct {
	Batch       string            `json:"batch"`
	Started     time.Time         `json:"started"`
	Last        time.Time         `json:"last"`
	Profile     string            `json:"profile,omitempty"`
	Environment certs.Environment `json:"environment,omitempty"`
	Topic       string            `json:"topic,omitempty"`
	Devices     int               `json:"devices"`
	Accepted    int               `json:"accepted"`
	Failed      int               `json:"failed"`
}
