// Package push is pushdeck's APNs engine: a client built from a certs
// credential, one send, a batch of sends streaming results, retries, the
// connectivity probe and the catalogue of APNs reasons. Device pushes go
// over a purpose-built HTTP/2 client (push/internal/h2conn, on x/net's
// framer and HPACK), provider tokens come from github.com/sideshow/apns2,
// and it never opens more connections than configured.
package push

import (
	"context"
	"crypto/tls"
	"iter"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/payload"
	"github.com/sideshow/apns2/token"
)

// Config says how to reach APNs and with what credential.
type Config struct {
	Credential  *certs.Credential
	Environment certs.Environment
	// Host overrides Apple's host for the environment: a URL such as
	// "https://127.0.0.1:2197" (a local push/apnstest server).
	Host string
	// Port is 443 or 2197 for Apple's hosts; 0 means 443. Ignored when Host
	// carries a port.
	Port int
	// ServerCA is PEM of extra CAs to trust for Host (never disables
	// verification; Apple's hosts use the system roots).
	ServerCA []byte
	// Topic is the app's bundle ID; empty means the certificate's topic. A
	// job's push type adds its suffix unless the job names a topic itself.
	Topic string
	// Connections is the number of HTTP/2 connections (default 1).
	Connections int
	// Timeout bounds one request (default 30s).
	Timeout time.Duration
	// CredentialErr, with Credential nil, is why the credential could not
	// be loaded (a wrong password, a damaged file). Probe still checks DNS
	// and TCP, so that a support engineer learns whether the network is
	// fine, then fails at the TLS step naming this error. Sends refuse it.
	CredentialErr error
}

// Client sends notifications over a bounded set of HTTP/2 connections. One per
// profile and host, reused; safe for concurrent use. Device pushes go over
// pushdeck's own HTTP/2 client connections (push/internal/h2conn); the
// channel management API (ChannelClient) uses x/net's transport.
type Client struct {
	cfg     Config
	target  target
	topic   string
	timeout time.Duration
	tls     *tls.Config
	token   *token.Token // shared by every request (token auth)
	pool    *connPool
	// headers is the last header set prepared: a batch's jobs share it.
	headers atomic.Pointer[headerSet]
	// mutate, set only by tests in this package, alters a request after
	// validation so the server's checks of bad headers can be reached.
	mutate func(*http.Request)
}

// NewClient builds a client; it does not connect until the first send. Its
// errors say what is wrong with the configuration (a port Apple does not
// serve, a missing key ID, a server CA without a certificate, ...).
func NewClient(cfg Config) (*Client, error) {
	return newClient(cfg)
}

// Close closes the client's connections; requests in flight fail.
func (c *Client) Close() {
	c.pool.close()
}

// Job is one notification to one device.
type Job struct {
	Token   string // normalised hex
	Label   string
	Payload []byte
	Headers payload.Headers
	// Invalid, when set, is why the job's source refused it (a malformed
	// line of a tokens file, found as the file is read): nothing is sent
	// and no window slot is taken; its Result has Class ClassInvalid and
	// Err Invalid, so it is reported and counted like any failed device.
	Invalid error
}

// Result is the outcome for one device, final after retries.
type Result struct {
	Index          int // position of the job in the batch
	Token          string
	Label          string
	Status         int // HTTP status; 0 when no response came
	Reason         string
	ApnsID         string
	ApnsUniqueID   string
	UnregisteredAt time.Time // from a 410
	Latency        time.Duration
	Attempts       int
	// Err is set for transport failures and cancellation; Class says which
	// (ClassTimeout, ClassConnectionReset, ...; "" for an answer from APNs).
	Err   error
	Class Class
	// Window is the batch's in-flight limit when this result became final:
	// the servers' SETTINGS_MAX_CONCURRENT_STREAMS, backed off after 429,
	// 503 and GOAWAY, at most BatchOptions.Concurrency (0 for Send).
	Window int
	// Request and Response hold what went over the wire for the detail view
	// (headers without the authorization bearer).
	Request  Exchange
	Response Exchange
}

// Class names a failure that is not an APNs answer (Result.Class). The
// values are stable strings: they are written to history and --json output.
type Class string

// Result classes.
const (
	ClassNone            Class = ""                 // APNs answered (see Status and Reason)
	ClassTimeout         Class = "timeout"          // no answer within Config.Timeout
	ClassConnectionReset Class = "connection-reset" // the connection was lost before an answer
	ClassGoAway          Class = "goaway"           // the server closed the connection (GOAWAY)
	ClassTLS             Class = "tls"              // the TLS handshake failed
	ClassDNS             Class = "dns"              // the host name did not resolve
	ClassRefused         Class = "refused"          // nothing listened on the port
	ClassCancelled       Class = "cancelled"        // the send was stopped first
	ClassInvalid         Class = "invalid"          // refused before sending (an *InvalidError)
)

// Exchange is the headers and body of one request or response.
type Exchange struct {
	Headers map[string]string
	Body    []byte
}

// OK reports whether APNs accepted the notification (200).
func (r Result) OK() bool { return r.Status == 200 }

// BatchOptions tunes Batch.
type BatchOptions struct {
	// Concurrency is the most requests in flight at once, an upper bound
	// on the window (0: the servers' own limit, each connection's
	// SETTINGS_MAX_CONCURRENT_STREAMS, at most 1000 per connection). The
	// window follows the servers' limits as they change and backs off
	// after 429, 500, 503 and GOAWAY; Result.Window shows it.
	Concurrency int
	// MaxAttempts per job including the first (default 3). Retries happen
	// only where APNs allows: 429, 500, 503, a connection lost before any
	// response.
	MaxAttempts int
	// OnRetry, if set, is called from a worker before each retry; it must be
	// quick and safe for concurrent use.
	OnRetry func(job int, attempt int, reason string)
	// Backoff is the first retry's delay (default 200ms); each retry
	// doubles it, up to 10s, with jitter.
	Backoff time.Duration
	// OmitExchanges leaves out the per-push copies of what went over the
	// wire, for callers that never show them (the CLI): Result.Request's
	// Headers is then the map shared by every push with the same headers
	// (read-only; no :method or :path) and Response's Headers is nil.
	// Status, Reason, IDs and the error body are still set.
	OmitExchanges bool
}

// Send sends one job and returns its result.
// It retries as Batch does with default options.
func (c *Client) Send(ctx context.Context, job Job) Result {
	return c.run(ctx, 0, job, BatchOptions{}, nil)
}

// Batch sends jobs with bounded workers and delivers one Result per job on
// the returned channel the moment it completes; the channel closes after the
// last. Cancelling ctx still yields exactly one Result per job (Class
// "cancelled"). The caller must drain the channel.
func (c *Client) Batch(ctx context.Context, jobs []Job, opts BatchOptions) <-chan Result {
	return c.batch(ctx, jobs, opts)
}

// Stream is Batch over a source of jobs read as the window has room: the
// first push leaves as soon as src yields its first job, and memory does not
// grow with the number of jobs. Result.Index counts the jobs src yielded,
// from 0. Cancelling ctx yields a "cancelled" Result for every job src
// still yields (src should stop soon after ctx ends). The caller must drain
// the channel.
func (c *Client) Stream(ctx context.Context, src iter.Seq[Job], opts BatchOptions) <-chan Result {
	return c.stream(ctx, src, opts)
}

// ReasonInfo explains an APNs reason.
type ReasonInfo struct {
	Reason  string
	Status  int
	Meaning string
	Fix     string
}

// Explain returns the catalogue entry for an APNs reason, or for a transport
// failure class (Result.Class: "timeout", "tls", ...), with a generic entry
// for unknown ones.
func Explain(reason string) ReasonInfo {
	return explain(reason)
}

// ProbeStep is one step of a connectivity probe, sent as it finishes.
type ProbeStep struct {
	Name     string // "dns", "tcp", "tls", "http2", "auth"
	OK       bool
	Duration time.Duration
	Detail   []string // human lines: addresses, TLS version, chain, ...
	Err      error
}

// Verdict ends a probe.
type Verdict struct {
	OK     bool
	Reason string
	Advice string
}

// ProbeEvent is either a step or, last, the verdict.
type ProbeEvent struct {
	Step    *ProbeStep
	Verdict *Verdict
}

// Probe checks each link to APNs in turn (dns, tcp, tls, http2, auth) and
// streams an event per step, then the verdict; the channel then closes. It
// never reaches a real device (auth pushes to an all-zero token).
func Probe(ctx context.Context, cfg Config) <-chan ProbeEvent {
	return probe(ctx, cfg)
}

// Check validates a job's token and header values as Send would, without
// sending; the error is an *InvalidError naming the field.
func (c *Client) Check(job Job) error {
	_, err := c.prepare(job)
	return err
}
