// Package apnstest is a local APNs server over TLS and HTTP/2 that behaves like
// Apple's: certificate and token auth, header and token checks, reason strings,
// a device registry and deterministic faults. The demo, the tests and the
// benchmarks use it, and `pushdeck mock` runs it for QA's own backends.
package apnstest

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"time"

	"github.com/pushdeck/pushdeck/certs"
)

// Config configures a Server. The zero value (plus Environment) is a server
// on a free loopback port with a generated certificate that accepts any
// well-formed token from any client certificate signed by ClientCAs.
type Config struct {
	Environment certs.Environment
	// Addr defaults to "127.0.0.1:0".
	Addr string
	// ServerCert, if nil, is generated under a throwaway CA (see Server.CAPEM).
	ServerCert *tls.Certificate
	// ClientCAs verifies client certificates (certificate auth). Nil means
	// certificate auth is refused (token auth only).
	ClientCAs *x509.CertPool
	// AuthKeys are the registered .p8 keys for token auth.
	AuthKeys []AuthKey
	// MaxStreams is SETTINGS_MAX_CONCURRENT_STREAMS (default 1000).
	MaxStreams uint32
	// Registry, if set, decides device states; nil accepts every well-formed token.
	Registry *Registry
	Faults   Faults
	// Now is the server's clock (default time.Now).
	Now func() time.Time
}

// AuthKey is a registered token-auth key.
type AuthKey struct {
	KeyID  string
	TeamID string
	Public *ecdsa.PublicKey
	// Topics the team may push to; empty allows any.
	Topics []string
}

// Faults are deterministic from Seed.
type Faults struct {
	Seed    int64
	Latency time.Duration // fixed per request
	Jitter  time.Duration // uniform extra 0..Jitter
	// RateLimit: more than this many pushes to one token within a second
	// gets 429 TooManyRequests (0 = off).
	RateLimit int
	// Fraction of requests answered 500 InternalServerError / 503
	// ServiceUnavailable (0..1).
	Error500 float64
	Error503 float64
	// GoAwayAfter sends GOAWAY after this many streams on a connection (0 = off).
	GoAwayAfter int
	// DropFraction of requests whose connection is closed before responding.
	DropFraction float64
}

// DeviceState is a token's state in the registry.
type DeviceState string

// Device states.
const (
	StateActive       DeviceState = "active"
	StateUnregistered DeviceState = "unregistered"
	StateExpired      DeviceState = "expired"
)

// Device is one registered device token.
type Device struct {
	Token          string            `json:"token"`
	Environment    certs.Environment `json:"environment"`
	Topic          string            `json:"topic,omitempty"`
	State          DeviceState       `json:"state,omitempty"`
	UnregisteredAt time.Time         `json:"unregistered_at,omitzero"`
}

// Registry maps tokens to devices; safe for concurrent use.
type Registry struct{}

// NewRegistry makes a registry of the given devices.
func NewRegistry(devices ...Device) *Registry {
	panic("apnstest.NewRegistry: not implemented yet")
}

// LoadRegistry reads a registry from a JSON file (an array of Device).
func LoadRegistry(path string) (*Registry, error) {
	panic("apnstest.LoadRegistry: not implemented yet")
}

// Counters are what the server has seen.
type Counters struct {
	Connections int64
	Requests    int64
	ByStatus    map[int]int64
	ByReason    map[string]int64
}

// Server is a running local APNs server.
type Server struct{}

// Start starts a server and returns once it listens.
func Start(cfg Config) (*Server, error) {
	panic("apnstest.Start: not implemented yet")
}

// URL is the base URL to push to, e.g. "https://127.0.0.1:41234".
func (s *Server) URL() string { panic("not implemented yet") }

// Addr is the listening address.
func (s *Server) Addr() string { panic("not implemented yet") }

// CAPEM is the PEM of the CA that signed the server certificate: what a
// client passes as push.Config.ServerCA.
func (s *Server) CAPEM() []byte { panic("not implemented yet") }

// Counters returns a snapshot of the counters.
func (s *Server) Counters() Counters { panic("not implemented yet") }

// Close stops the server and closes its connections.
func (s *Server) Close() error { panic("not implemented yet") }
