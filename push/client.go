package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/internal/h2conn"
	"github.com/sideshow/apns2/token"
)

// Defaults for Config and BatchOptions.
const (
	DefaultTimeout = 30 * time.Second
	// DefaultConcurrency is the default upper bound of the in-flight
	// window: the window itself follows the servers' stream limits below
	// it (APNs allows 1000 streams per connection, or fewer after a
	// rejection). BatchOptions.Concurrency 0 means the servers' limit
	// over all connections.
	DefaultConcurrency = maxStreamsPerConn
	DefaultMaxAttempts = 3
	DefaultBackoff     = 200 * time.Millisecond
	maxBackoff         = 10 * time.Second
	dialTimeout        = 15 * time.Second
)

// Token refresh bounds Apple sets for provider tokens: a token older than an
// hour is refused (ExpiredProviderToken) and a new one more often than every
// 20 minutes is refused too (TooManyProviderTokenUpdates). apns2's shared
// token.Token regenerates after token.TokenTimeout seconds (50 minutes),
// which sits between the two; a test holds it there.
const (
	minTokenRefresh = 20 * time.Minute
	maxTokenAge     = 60 * time.Minute
)

// target is where a client connects.
type target struct {
	base     string // https://host:port
	hostport string // host:port
	hostname string // for SNI and certificate checks
	port     string
	apple    bool
}

func isAppleHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return h == "api.push.apple.com" || h == "api.sandbox.push.apple.com" ||
		h == "api.development.push.apple.com"
}

// checkApplePort refuses ports Apple does not serve HTTP/2 APNs on.
func checkApplePort(port int) error {
	switch port {
	case 443, 2197:
		return nil
	case 2195, 2196:
		return fmt.Errorf("the legacy binary gateway on %d is gone; use 443 or 2197", port)
	}
	return fmt.Errorf("port %d is not an APNs port: use 443 or 2197", port)
}

// resolveTarget works out the URL from the environment, port and host override.
func resolveTarget(cfg Config) (target, error) {
	if cfg.Host == "" {
		env := cfg.Environment
		if env != certs.Development && env != certs.Production {
			return target{}, fmt.Errorf("unknown environment %q: use development (sandbox) or production", env)
		}
		port := cfg.Port
		if port == 0 {
			port = 443
		}
		if err := checkApplePort(port); err != nil {
			return target{}, err
		}
		u, _ := url.Parse(env.Host())
		p := strconv.Itoa(port)
		hp := net.JoinHostPort(u.Hostname(), p)
		return target{base: "https://" + hp, hostport: hp, hostname: u.Hostname(), port: p, apple: true}, nil
	}
	raw := strings.TrimSpace(cfg.Host)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return target{}, fmt.Errorf("host %q is not a URL: use e.g. https://127.0.0.1:2197", cfg.Host)
	}
	if u.Scheme != "https" {
		return target{}, fmt.Errorf("host %q uses %s: APNs speaks HTTPS (HTTP/2 over TLS) only; use https://", cfg.Host, u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return target{}, fmt.Errorf("host %q has a path: give only scheme, host and port (pushdeck adds /3/device/TOKEN)", cfg.Host)
	}
	apple := isAppleHost(u.Hostname())
	p := u.Port()
	if p == "" {
		port := cfg.Port
		if port == 0 {
			port = 443
		}
		p = strconv.Itoa(port)
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 {
		return target{}, fmt.Errorf("host %q has port %q: a port is a number from 1 to 65535", cfg.Host, p)
	}
	if apple {
		if err := checkApplePort(n); err != nil {
			return target{}, err
		}
	}
	hp := net.JoinHostPort(u.Hostname(), p)
	return target{base: "https://" + hp, hostport: hp, hostname: u.Hostname(), port: p, apple: apple}, nil
}

// tlsConfig builds the client TLS configuration: the system roots (plus
// ServerCA) for Apple's hosts, ServerCA alone for another host given one,
// the client certificate for certificate auth, h2 only. It never
// skips verification.
func tlsConfig(cfg Config, t target) (*tls.Config, error) {
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2"},
		ServerName: t.hostname,
	}
	if len(cfg.ServerCA) > 0 {
		// A host of one's own (a local apnstest, a mock) is trusted through
		// its CA alone: loading the system roots costs ~20 ms of a one-push
		// send. Apple's hosts keep the system roots, with ServerCA added
		// (a TLS-inspecting proxy's CA).
		pool := x509.NewCertPool()
		if t.apple {
			if sys, err := x509.SystemCertPool(); err == nil && sys != nil {
				pool = sys
			}
		}
		if !pool.AppendCertsFromPEM(cfg.ServerCA) {
			return nil, errors.New("the server CA holds no PEM certificate: give the CA file the server's certificate was signed with (-----BEGIN CERTIFICATE-----)")
		}
		tc.RootCAs = pool
	}
	if cfg.Credential != nil && cfg.Credential.Kind == certs.AuthCertificate && cfg.Credential.TLS != nil {
		// Present the certificate whatever CAs the server's request
		// lists (Go's default sends none when it matches none), so the
		// server, not the client, decides and says why.
		cert := cfg.Credential.TLS
		tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return tc, nil
}

// checkCredential says what is missing from a credential before any dial.
func checkCredential(c *certs.Credential) error {
	if c == nil {
		return errors.New("no credential: give a certificate (--cert) or a token key (--p8 with --key-id and --team-id)")
	}
	switch c.Kind {
	case certs.AuthCertificate:
		if c.TLS == nil || len(c.TLS.Certificate) == 0 {
			return errors.New("the credential has no client certificate loaded")
		}
		if c.TLS.PrivateKey == nil {
			return errors.New("the certificate has no private key: give the key with --key, or export the .p12 with its key")
		}
	case certs.AuthToken:
		if c.Signer == nil {
			return errors.New("the token key is not loaded")
		}
		if c.KeyID == "" {
			return errors.New("token auth needs the key ID: pass --key-id (the 10 characters in AuthKey_<KEYID>.p8)")
		}
		if c.TeamID == "" {
			return errors.New("token auth needs the team ID: pass --team-id (10 characters, from the Apple Developer account's Membership page)")
		}
	default:
		return fmt.Errorf("credential kind %q is neither certificate nor token", c.Kind)
	}
	return nil
}

// appTopic is the topic the client pushes to by default.
func appTopic(cfg Config) string {
	if cfg.Topic != "" {
		return cfg.Topic
	}
	if c := cfg.Credential; c != nil && c.Kind == certs.AuthCertificate {
		if ci := c.Report.Certificate; ci != nil && ci.Topic != "" {
			return ci.Topic
		}
		if c.TLS != nil && c.TLS.Leaf != nil {
			return certs.SubjectTopic(c.TLS.Leaf)
		}
		if c.TLS != nil && len(c.TLS.Certificate) > 0 {
			if leaf, err := x509.ParseCertificate(c.TLS.Certificate[0]); err == nil {
				return certs.SubjectTopic(leaf)
			}
		}
	}
	return ""
}

func newClient(cfg Config) (*Client, error) {
	if err := checkCredential(cfg.Credential); err != nil {
		return nil, err
	}
	t, err := resolveTarget(cfg)
	if err != nil {
		return nil, err
	}
	tc, err := tlsConfig(cfg, t)
	if err != nil {
		return nil, err
	}
	n := cfg.Connections
	if n == 0 {
		n = 1
	}
	if n < 0 || n > 64 {
		return nil, fmt.Errorf("connections %d: use 1 to 64 (Apple prefers few connections with many streams)", cfg.Connections)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	c := &Client{cfg: cfg, target: t, topic: appTopic(cfg), timeout: timeout, tls: tc}
	if cfg.Credential.Kind == certs.AuthToken {
		c.token = &token.Token{AuthKey: cfg.Credential.Signer, KeyID: cfg.Credential.KeyID, TeamID: cfg.Credential.TeamID}
	}
	c.pool = newConnPool(t.hostport, n, h2conn.Config{SweepEvery: sweepEvery(timeout)}, c.dialTLS)
	return c, nil
}

// dialTLS opens one TCP + TLS connection and insists on h2; its errors keep
// their kind (dns, refused, tls) for classify.
func (c *Client) dialTLS(ctx context.Context, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 15 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	conn := tls.Client(raw, c.tls.Clone())
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &tlsError{err: err}
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		conn.Close()
		return nil, &tlsError{err: fmt.Errorf("the server at %s did not offer HTTP/2 (ALPN %q): is it an APNs server?", addr, p)}
	}
	if len(c.tls.Certificates) > 0 || c.tls.GetClientCertificate != nil {
		if conn.ConnectionState().Version >= tls.VersionTLS13 {
			return peekServerPreface(ctx, conn)
		}
	}
	return conn, nil
}

// peekTimeout bounds the wait for the server's first bytes after a TLS 1.3
// handshake; servers send their SETTINGS at once, so it is rarely paid.
const peekTimeout = 2 * time.Second

// peekServerPreface reads the server's first bytes (its SETTINGS) before
// handing the connection to HTTP/2. In TLS 1.3 a server refuses a client
// certificate only after the handshake, with an alert on the first read;
// caught here it is reported as a TLS failure naming the alert, instead of
// an anonymous "connection could not be established" from the transport.
func peekServerPreface(ctx context.Context, conn *tls.Conn) (net.Conn, error) {
	dl := time.Now().Add(peekTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	conn.SetReadDeadline(dl)
	buf := make([]byte, 1)
	n, err := conn.Read(buf)
	conn.SetReadDeadline(time.Time{})
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
			return conn, nil // a quiet server: HTTP/2 will find out.
		}
		conn.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if errors.Is(err, io.EOF) {
			err = errors.New("the server closed the connection right after the TLS handshake: it did not accept the client certificate")
		}
		return nil, &tlsError{err: err}
	}
	return &prefixConn{Conn: conn, prefix: buf[:n]}, nil
}

// prefixConn gives back bytes already read before reading on.
type prefixConn struct {
	*tls.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// tlsError marks a failed TLS handshake.
type tlsError struct{ err error }

func (e *tlsError) Error() string { return "TLS handshake: " + e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

// Connections is the number of connections the client has established so
// far. Without GOAWAYs or dropped connections it never exceeds
// Config.Connections.
func (c *Client) Connections() int { return int(c.pool.dials.Load()) }

// OpenConnections is the number of connections open now, and the most that
// were open at once (a connection draining after GOAWAY counts until closed).
func (c *Client) OpenConnections() (now, peak int) {
	return int(c.pool.open.Load()), int(c.pool.peak.Load())
}

// URL is the base URL the client pushes to, e.g. https://api.push.apple.com:443.
func (c *Client) URL() string { return c.target.base }

// Topic is the app topic jobs default to (before a push type's suffix).
func (c *Client) Topic() string { return c.topic }

// bearer returns the shared provider token, regenerated by apns2 once it is
// token.TokenTimeout old.
func (c *Client) bearer() string {
	if c.token == nil {
		return ""
	}
	return c.token.GenerateIfExpired()
}

// refreshAfterExpired answers ExpiredProviderToken: a fresh token, but only
// if the current one is at least 20 minutes old (Apple refuses faster updates).
func (c *Client) refreshAfterExpired(now time.Time) {
	if c.token == nil {
		return
	}
	c.token.Lock()
	defer c.token.Unlock()
	if now.Unix()-c.token.IssuedAt >= int64(minTokenRefresh/time.Second) {
		c.token.Generate()
	}
}

// sweepEvery is how often a connection checks its requests' deadlines: a
// twentieth of the timeout, so a request fails within 5% of it, between
// 5ms and 200ms.
func sweepEvery(timeout time.Duration) time.Duration {
	return min(max(timeout/20, 5*time.Millisecond), 200*time.Millisecond)
}
