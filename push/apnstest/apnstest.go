// Package apnstest is a local APNs server over TLS and HTTP/2 that behaves like
// Apple's: certificate and token auth, header and token checks, reason strings,
// a device registry and deterministic faults. The demo, the tests and the
// benchmarks use it, and `pushdeck mock` runs it for QA's own backends.
package apnstest

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
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
	// ServerCA signs the generated server certificate when ServerCert is nil;
	// nil means a new throwaway CA. Servers that share one CA can be trusted
	// with one file (the demo does this).
	ServerCA *certgen.CA
	// ClientCAs verifies client certificates (certificate auth). Nil means
	// certificate auth is refused (token auth only), unless AnyClientCert.
	ClientCAs *x509.CertPool
	// AnyClientCert accepts a client certificate from any issuer when
	// ClientCAs is nil: the chain is not verified, but validity dates,
	// environment extensions and topics still are. It lets QA point a backend
	// with a real Apple certificate at a mock without Apple's CA at hand.
	AnyClientCert bool
	// AuthKeys are the registered .p8 keys for token auth.
	AuthKeys []AuthKey
	// MaxStreams is SETTINGS_MAX_CONCURRENT_STREAMS (default 1000, or
	// DefaultDropStreamLimit with StreamLimitDrop).
	MaxStreams uint32
	// StreamLimitDrop plays APNs' behaviour reported as radar 27870881:
	// each connection starts with MaxStreams, announces a limit of 1 (a
	// SETTINGS frame with MAX_CONCURRENT_STREAMS) right after a rejected
	// push, and MaxStreams again after the next accepted one. Clients must
	// follow the limit both ways without stalling.
	StreamLimitDrop bool
	// Registry, if set, decides device states; nil accepts every well-formed token.
	Registry *Registry
	Faults   Faults
	// Now is the server's clock (default time.Now).
	Now func() time.Time
	// OnPush, if set, is called with every push the server accepts (200),
	// before the response is written, so tests can see what a client sent.
	// It runs on the request's goroutine and must be safe for concurrent use.
	OnPush func(Push)
	// OnResponse, if set, is called after every answered request (not for
	// connections dropped on purpose), e.g. to log traffic as `pushdeck mock`
	// does. It must be safe for concurrent use.
	OnResponse func(Response)
	// Channels holds the broadcast channels (iOS 18); nil makes an empty
	// store with ChannelLimit (0: Apple's 10,000 per app).
	Channels     *ChannelStore
	ChannelLimit int
	// BroadcastApps are the bundle IDs with the Broadcast capability;
	// empty means every app has it. Others get FeatureNotEnabled.
	BroadcastApps []string
}

// Response is one answered request, for logs.
type Response struct {
	Remote       string // client address
	Token        string
	Topic        string
	PushType     string
	Auth         certs.AuthKind // "" when the request failed before auth
	Status       int
	Reason       string
	ApnsID       string
	PayloadBytes int
	// Note says what the simulated device did with a Live Activity push
	// or a broadcast ("update applied", "fan-out to 2 subscribers, ...").
	Note string
}

// Push is one accepted notification as the server saw it.
type Push struct {
	Token   string // lower-case hex
	Topic   string // the effective topic (defaulted from a single-topic certificate)
	Header  http.Header
	Payload []byte
	// Auth is how the request authenticated.
	Auth certs.AuthKind
	// ApnsID is the apns-id the server answered with.
	ApnsID string
	// Note is what the simulated device did with a Live Activity push.
	Note string
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
	// Label is a human name for the device; the server ignores it.
	Label string `json:"label,omitempty"`
	// Kind is "" or "device", "liveactivity-start" (a push-to-start token)
	// or "liveactivity-update" (a running activity's token). Live Activity
	// tokens take only topic <bundle>.push-type.liveactivity.
	Kind string `json:"kind,omitempty"`
	// ActivityType is the ActivityAttributes type of a push-to-start token.
	ActivityType string `json:"activity_type,omitempty"`
}

// Counters are what the server has seen.
type Counters struct {
	// Connections is TCP connections accepted; TLSFailures is how many of
	// them failed the handshake (an unknown client CA, no h2 ALPN, an
	// expired client certificate).
	Connections int64
	TLSFailures int64
	Requests    int64
	ByStatus    map[int]int64
	ByReason    map[string]int64
	// GoAways is graceful GOAWAYs sent (Faults.GoAwayAfter); Dropped is
	// connections closed before a response (Faults.DropFraction).
	GoAways int64
	Dropped int64
	// StreamLimitChanges is SETTINGS frames sent to change the stream
	// limit (Config.StreamLimitDrop).
	StreamLimitChanges int64
	// PerConnection is the requests handled on each connection that
	// completed its handshake, in the order they were accepted.
	PerConnection []int64
}
