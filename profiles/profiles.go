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

// DefaultDir is $PUSHDECK_HOME, else os.UserConfigDir()/pushdeck.
func DefaultDir() (string, error) {
	panic("profiles.DefaultDir: not implemented yet")
}

// Store is the config folder. Safe for concurrent use within a process and
// between processes (a lock file guards each read-modify-write).
type Store struct {
	Dir string
}

// Open opens (creating with 0700 if needed) the config folder. It fixes
// permissions that are too wide and reports that it did in Warnings.
func Open(dir string) (*Store, error) {
	panic("profiles.Open: not implemented yet")
}

// Warnings returns notices gathered while reading (permissions fixed, a torn
// history line skipped); each says what happened and to which file.
func (s *Store) Warnings() []string { return nil }

// PasswordSource says where a profile's password comes from; never the password.
type PasswordSource struct {
	Kind string `json:"kind"`           // "none", "prompt", "env", "file"
	Name string `json:"name,omitempty"` // env var name or file path
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

// Profiles lists saved profiles by name.
func (s *Store) Profiles() ([]Profile, error) { panic("not implemented yet") }

// Profile returns the named profile.
func (s *Store) Profile(name string) (Profile, error) { panic("not implemented yet") }

// SaveProfile adds or replaces a profile by name. Checking the credential
// (health, environment allowed) is the caller's job through CheckProfile.
func (s *Store) SaveProfile(p Profile) error { panic("not implemented yet") }

// RemoveProfile deletes the named profile.
func (s *Store) RemoveProfile(name string) error { panic("not implemented yet") }

// Active returns the name of the active profile ("" if none).
func (s *Store) Active() (string, error) { panic("not implemented yet") }

// SetActive remembers the active profile.
func (s *Store) SetActive(name string) error { panic("not implemented yet") }

// CheckProfile compares a profile with its loaded credential's report: a
// development-only certificate cannot be a production profile (and the
// reverse) unless override is set. It fills an empty topic from the
// certificate and returns the adjusted profile.
func CheckProfile(p Profile, rep certs.Report, override bool) (Profile, error) {
	panic("profiles.CheckProfile: not implemented yet")
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

// Devices lists the device book.
func (s *Store) Devices() ([]Device, error) { panic("not implemented yet") }

// AddDevice normalises the token and adds the device; the same token in the
// same environment updates the existing entry instead. It returns the stored
// device and whether it was new.
func (s *Store) AddDevice(d Device) (Device, bool, error) { panic("not implemented yet") }

// RemoveDevice removes by label (or by token).
func (s *Store) RemoveDevice(labelOrToken string) error { panic("not implemented yet") }

// RecordResults sets each device's last result (by environment and token); an
// Unregistered result marks the device dead with Apple's timestamp.
func (s *Store) RecordResults(env certs.Environment, results []DeviceResult) error {
	panic("not implemented yet")
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

// ImportDevices reads one token per line with an optional label (# comments
// allowed) or the JSON that ExportDevices writes; good lines are kept, bad
// ones reported by number. env applies to lines that do not name one.
func (s *Store) ImportDevices(data []byte, env certs.Environment, groups []string) (ImportReport, error) {
	panic("not implemented yet")
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

// Payloads lists the payload library.
func (s *Store) Payloads() ([]SavedPayload, error) { panic("not implemented yet") }

// SavePayload adds or replaces by name.
func (s *Store) SavePayload(p SavedPayload) error { panic("not implemented yet") }

// RemovePayload deletes by name.
func (s *Store) RemovePayload(name string) error { panic("not implemented yet") }

// Draft returns the last payload draft (ok false if none).
func (s *Store) Draft() (SavedPayload, bool, error) { panic("not implemented yet") }

// SaveDraft keeps the editor's text across restarts.
func (s *Store) SaveDraft(p SavedPayload) error { panic("not implemented yet") }

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
}

// History appends entries as JSON Lines.
type History struct{}

// OpenHistory opens history.jsonl for appending; Close flushes and fsyncs.
func (s *Store) OpenHistory() (*History, error) { panic("not implemented yet") }

// Append writes entries (one fsync per call).
func (h *History) Append(entries ...HistoryEntry) error { panic("not implemented yet") }

// Close syncs and closes the file.
func (h *History) Close() error { panic("not implemented yet") }

// HistoryFilter narrows a history query; zero fields match everything.
type HistoryFilter struct {
	Since  time.Time
	Device string // label or token (prefix)
	Reason string
	ApnsID string
	Batch  string
	Limit  int // newest N (0 = all)
}

// QueryHistory returns matching entries, newest first. A torn last line is
// skipped and reported in Warnings.
func (s *Store) QueryHistory(f HistoryFilter) ([]HistoryEntry, error) { panic("not implemented yet") }
