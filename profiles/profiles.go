// Package profiles keeps what the user keeps on disk under one config folder:
// credential profiles, the device book, the payload library, the last payload
// draft and the send history. Folder 0700, files 0600, written atomically;
// no password or private key is ever written.
package profiles

import (
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// SchemaVersion is written in every file so later versions can migrate.
const SchemaVersion = 1

// Store is the config folder. Safe for concurrent use within a process and
// between processes (a lock file guards each read-modify-write).
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

// Device is one entry of the device book. A token appears once per environment.
type Device struct {
	Label          string            `json:"label"`
	Token          string            `json:"token"` // normalised hex
	Environment    certs.Environment `json:"environment"`
	Topic          string            `json:"topic,omitempty"`
	Groups         []string          `json:"groups,omitempty"`
	AddedAt        time.Time         `json:"added_at"`
	Last           *LastResult       `json:"last,omitempty"`
	UnregisteredAt time.Time         `json:"unregistered_at,omitzero"`
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
	Since  time.Time
	Device string // label or token (prefix)
	Reason string
	ApnsID string
	Batch  string
	Limit  int // newest N (0 = all)
}
