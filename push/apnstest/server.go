package apnstest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// handshakeTimeout bounds a TLS handshake so a silent client cannot hold a
// goroutine forever.
const handshakeTimeout = 10 * time.Second

// Server is a running local APNs server.
type Server struct {
	cfg    Config
	ln     net.Listener
	tls    *tls.Config
	caPEM  []byte
	url    string
	ctx    context.Context // cancelled by Close: ends latency sleeps
	cancel context.CancelFunc

	// mu guards closed and conns. wg counts the accept loop, connection
	// goroutines and running handlers; Add happens only under mu while
	// !closed, so Close's Wait never races a first Add.
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup

	connections atomic.Int64
	tlsFailures atomic.Int64
	requests    atomic.Int64
	goAways     atomic.Int64
	dropped     atomic.Int64
	// limitChanges counts stream-limit SETTINGS (StreamLimitDrop).
	limitChanges atomic.Int64
	// served is every connection past its handshake, in accept order,
	// for Counters.PerConnection (guarded by mu).
	served   []*connState
	statMu   sync.Mutex
	byStatus map[int]int64
	byReason map[string]int64

	faults   *faultState
	channels *ChannelStore
}

// Start starts a server and returns once it listens.
func Start(cfg Config) (*Server, error) {
	if cfg.Environment == "" {
		cfg.Environment = certs.Development
	}
	env, err := certs.ParseEnvironment(string(cfg.Environment))
	if err != nil {
		return nil, fmt.Errorf("apnstest: %w", err)
	}
	cfg.Environment = env
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.MaxStreams == 0 {
		cfg.MaxStreams = 1000
		if cfg.StreamLimitDrop {
			cfg.MaxStreams = DefaultDropStreamLimit
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.Faults.validate(); err != nil {
		return nil, err
	}
	for i, k := range cfg.AuthKeys {
		if k.KeyID == "" || k.TeamID == "" || k.Public == nil {
			return nil, fmt.Errorf("apnstest: auth key %d needs a key ID, a team ID and a public key", i+1)
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("apnstest: cannot listen on %s: %w", cfg.Addr, err)
	}
	s := &Server{
		cfg:      cfg,
		ln:       ln,
		conns:    make(map[net.Conn]struct{}),
		byStatus: make(map[int]int64),
		byReason: make(map[string]int64),
		faults:   newFaultState(cfg.Faults),
		channels: cfg.Channels,
	}
	if s.channels == nil {
		s.channels = NewChannelStore(cfg.ChannelLimit)
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	s.url = "https://" + net.JoinHostPort(host, port)

	cert := cfg.ServerCert
	if cert == nil {
		ca := cfg.ServerCA
		if ca == nil {
			if ca, err = certgen.NewCA("pushdeck apnstest CA"); err != nil {
				ln.Close()
				return nil, err
			}
		}
		c, err := ca.Server(serverHosts(cfg.Addr)...)
		if err != nil {
			ln.Close()
			return nil, err
		}
		cert = &c
		s.caPEM = ca.CertPEM()
	}
	s.tls = &tls.Config{
		Certificates: []tls.Certificate{*cert},
		NextProtos:   []string{http2.NextProtoTLS},
		MinVersion:   tls.VersionTLS12,
		Time:         cfg.Now,
	}
	switch {
	case cfg.ClientCAs != nil:
		// IfGiven, not Require: a token-auth client has no certificate, and
		// Apple answers it over HTTP (MissingProviderToken), not with a TLS alert.
		s.tls.ClientAuth = tls.VerifyClientCertIfGiven
		s.tls.ClientCAs = cfg.ClientCAs
	case cfg.AnyClientCert:
		s.tls.ClientAuth = tls.RequestClientCert
		s.tls.VerifyPeerCertificate = s.checkValidity
	default:
		s.tls.ClientAuth = tls.NoClientCert
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// serverHosts are the names the generated certificate covers: loopback, the
// listening host, and the machine's name when listening on every interface.
func serverHosts(addr string) []string {
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	h, _, err := net.SplitHostPort(addr)
	if err != nil || h == "" {
		return hosts
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() {
		if name, err := os.Hostname(); err == nil && name != "" {
			hosts = append(hosts, name)
		}
		return hosts
	}
	for _, x := range hosts {
		if x == h {
			return hosts
		}
	}
	return append(hosts, h)
}

// checkValidity stands in for chain verification when any issuer is accepted:
// an expired certificate still fails the handshake, as it does at Apple.
func (s *Server) checkValidity(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(raw[0])
	if err != nil {
		return fmt.Errorf("apnstest: unreadable client certificate: %w", err)
	}
	now := s.cfg.Now()
	if now.Before(leaf.NotBefore) || now.After(leaf.NotAfter) {
		return fmt.Errorf("apnstest: client certificate is outside its validity period (%s to %s)",
			leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	return nil
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // listener closed
		}
		s.connections.Add(1)
		if !s.track(c) {
			c.Close()
			return
		}
		go s.serveConn(c)
	}
}

// track registers a connection; false once the server is closing.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// enter registers a running handler; false once the server is closing.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) serveConn(raw net.Conn) {
	defer s.untrack(raw)
	defer raw.Close()
	tc := tls.Server(raw, s.tls)
	raw.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.HandshakeContext(s.ctx); err != nil {
		s.tlsFailures.Add(1)
		return
	}
	raw.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	if st.NegotiatedProtocol != http2.NextProtoTLS {
		s.tlsFailures.Add(1)
		return
	}
	// One http.Server + http2.Server per connection: shutting that
	// http.Server down is the only public way to send a graceful GOAWAY on
	// just this connection (Faults.GoAwayAfter).
	hs := &http.Server{}
	h2 := &http2.Server{MaxConcurrentStreams: s.cfg.MaxStreams}
	if err := http2.ConfigureServer(hs, h2); err != nil {
		s.tlsFailures.Add(1)
		return
	}
	cs := &connState{conn: tc, hs: hs}
	if len(st.PeerCertificates) > 0 {
		cs.leaf = st.PeerCertificates[0]
	}
	var conn net.Conn = tc
	if s.cfg.Faults.GoAwayAfter > 0 {
		cs.goAway = newGoAwayConn(tc)
		conn = cs.goAway
	}
	if s.cfg.StreamLimitDrop {
		cs.limit = newLimitConn(conn, s.cfg.MaxStreams, s)
		conn = cs.limit
	}
	s.mu.Lock()
	s.served = append(s.served, cs)
	s.mu.Unlock()
	ctx := context.WithValue(s.ctx, connKey{}, cs)
	h2.ServeConn(conn, &http2.ServeConnOpts{Context: ctx, BaseConfig: hs, Handler: http.HandlerFunc(s.handle)})
}

// URL is the base URL to push to, e.g. "https://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// Addr is the listening address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Environment is the environment the server plays.
func (s *Server) Environment() certs.Environment { return s.cfg.Environment }

// CAPEM is the PEM of the CA that signed the server certificate: what a
// client passes as push.Config.ServerCA. It is nil when Config.ServerCert
// was given (the caller knows its own CA).
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.caPEM...) }

// Counters returns a snapshot of the counters.
func (s *Server) Counters() Counters {
	c := Counters{
		Connections: s.connections.Load(),
		TLSFailures: s.tlsFailures.Load(),
		Requests:    s.requests.Load(),
		GoAways:     s.goAways.Load(),
		Dropped:     s.dropped.Load(),
		ByStatus:    make(map[int]int64),
		ByReason:    make(map[string]int64),

		StreamLimitChanges: s.limitChanges.Load(),
	}
	s.mu.Lock()
	for _, cs := range s.served {
		c.PerConnection = append(c.PerConnection, cs.streams.Load())
	}
	s.mu.Unlock()
	s.statMu.Lock()
	for k, v := range s.byStatus {
		c.ByStatus[k] = v
	}
	for k, v := range s.byReason {
		c.ByReason[k] = v
	}
	s.statMu.Unlock()
	return c
}

func (s *Server) count(status int, reason string) {
	s.statMu.Lock()
	s.byStatus[status]++
	if reason != "" {
		s.byReason[reason]++
	}
	s.statMu.Unlock()
}

// Close stops the server and closes its connections. It waits for every
// goroutine the server started; calling it again is harmless.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]net.Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.cancel()
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	return err
}
