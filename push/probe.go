package push

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/payload"
	"golang.org/x/net/http2"
)

// Per-step limits: a probe answers within about 45 seconds even when every
// packet is dropped.
var stepTimeouts = map[string]time.Duration{
	"dns": 5 * time.Second, "tcp": 10 * time.Second, "tls": 10 * time.Second,
	"http2": 5 * time.Second, "auth": 15 * time.Second,
}

// zeroToken is a device token no device has: the auth step's push can never
// reach a phone.
var zeroToken = strings.Repeat("0", certs.DeviceTokenHexLen)

type prober struct {
	cfg    Config
	target target
	tls    *tls.Config
	out    chan<- ProbeEvent
	addrs  []string
	conn   net.Conn
	tlsc   *tls.Conn
}

func probe(ctx context.Context, cfg Config) <-chan ProbeEvent {
	// Room for every event: the probe never blocks on a reader that left.
	out := make(chan ProbeEvent, 8)
	go func() {
		defer close(out)
		p := &prober{cfg: cfg, out: out}
		v := p.run(ctx)
		if p.conn != nil {
			p.conn.Close()
		}
		out <- ProbeEvent{Verdict: &v}
	}()
	return out
}

// stepFailure is a failed step's verdict.
type stepFailure struct {
	reason, advice string
}

func (p *prober) run(ctx context.Context) Verdict {
	noCred := p.cfg.Credential == nil && p.cfg.CredentialErr != nil
	if !noCred {
		if err := checkCredential(p.cfg.Credential); err != nil {
			return Verdict{Reason: err.Error(), Advice: "Fix the credential, then probe again."}
		}
	}
	t, err := resolveTarget(p.cfg)
	if err != nil {
		return Verdict{Reason: err.Error(), Advice: "Fix the host or port, then probe again."}
	}
	p.target = t
	if p.tls, err = tlsConfig(p.cfg, t); err != nil {
		return Verdict{Reason: err.Error(), Advice: "Fix the server CA file, then probe again."}
	}
	steps := []struct {
		name string
		fn   func(context.Context, *ProbeStep) *stepFailure
	}{
		{"dns", p.dns}, {"tcp", p.tcp}, {"tls", p.handshake}, {"http2", p.http2}, {"auth", p.auth},
	}
	for _, s := range steps {
		if noCred && s.name == "tls" {
			return p.noCredential()
		}
		sctx, cancel := context.WithTimeout(ctx, stepTimeouts[s.name])
		st := &ProbeStep{Name: s.name}
		start := time.Now()
		fail := s.fn(sctx, st)
		timedOut := sctx.Err() != nil
		cancel()
		st.Duration = time.Since(start)
		if fail != nil && ctx.Err() != nil {
			fail = &stepFailure{reason: "probe cancelled during " + s.name, advice: "Run the probe again."}
			if st.Err == nil {
				st.Err = ctx.Err()
			}
		} else if fail != nil && timedOut && !strings.Contains(fail.reason, "timed out") {
			fail.reason = fmt.Sprintf("%s timed out after %s: %s", s.name, stepTimeouts[s.name], fail.reason)
		}
		st.OK = fail == nil
		if fail != nil && st.Err == nil {
			st.Err = errors.New(fail.reason)
		}
		p.out <- ProbeEvent{Step: st}
		if fail != nil {
			return Verdict{Reason: fail.reason, Advice: fail.advice}
		}
	}
	return Verdict{OK: true, Reason: "every step passed", Advice: p.successAdvice()}
}

// noCredential ends a probe whose credential could not be loaded, after
// DNS and TCP passed: the TLS step, which presents the credential, is
// reported failed with the reason, and the verdict says the network is fine.
func (p *prober) noCredential() Verdict {
	reason := "the credential could not be loaded: " + p.cfg.CredentialErr.Error()
	p.out <- ProbeEvent{Step: &ProbeStep{Name: "tls", Err: errors.New(reason),
		Detail: []string{"not tried: the TLS handshake presents the credential"}}}
	return Verdict{Reason: reason, Advice: fmt.Sprintf("DNS and TCP to %s work: the network is fine. Fix the credential, then probe again.", p.where())}
}

func (p *prober) where() string {
	if p.target.apple {
		return "Apple"
	}
	return "the server at " + net.JoinHostPort(p.target.hostname, p.target.port)
}

func (p *prober) env() certs.Environment {
	if p.cfg.Environment == "" {
		return certs.Development
	}
	return p.cfg.Environment
}

func (p *prober) successAdvice() string {
	c := p.cfg.Credential
	if c.Kind == certs.AuthToken {
		return fmt.Sprintf("%s accepted this token key (key ID %s, team %s) for %s. Sends will work for tokens of apps in that team.",
			upperFirst(p.where()), c.KeyID, c.TeamID, p.env())
	}
	return fmt.Sprintf("%s accepted this certificate for %s. Sends will work for device tokens of %s builds of the app.",
		upperFirst(p.where()), p.env(), buildKind(p.env()))
}

func buildKind(e certs.Environment) string {
	if e == certs.Production {
		return "TestFlight and App Store"
	}
	return "debug (Xcode)"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (p *prober) dns(ctx context.Context, st *ProbeStep) *stepFailure {
	host := p.target.hostname
	if ip := net.ParseIP(host); ip != nil {
		p.addrs = []string{ip.String()}
		st.Detail = []string{host + " is an IP address: no lookup needed"}
		return nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		st.Err = err
		return &stepFailure{reason: fmt.Sprintf("cannot resolve %s: %v", host, err),
			advice: "Check this machine's network and DNS (offline? a VPN or proxy that hides the internet?)."}
	}
	for _, ip := range ips {
		p.addrs = append(p.addrs, ip.IP.String())
	}
	st.Detail = []string{fmt.Sprintf("%s has %d address(es): %s", host, len(p.addrs), strings.Join(p.addrs, ", "))}
	return nil
}

func (p *prober) tcp(ctx context.Context, st *ProbeStep) *stepFailure {
	var d net.Dialer
	var lastErr error
	for _, a := range p.addrs {
		addr := net.JoinHostPort(a, p.target.port)
		start := time.Now()
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			p.conn = conn
			st.Detail = append(st.Detail, fmt.Sprintf("connected to %s in %s", addr, ms(time.Since(start))))
			return nil
		}
		lastErr = err
		st.Detail = append(st.Detail, fmt.Sprintf("%s: %v", addr, err))
		if ctx.Err() != nil {
			break
		}
	}
	st.Err = lastErr
	hostport := net.JoinHostPort(p.target.hostname, p.target.port)
	other := "2197"
	if p.target.port == "2197" {
		other = "443"
	}
	switch {
	case errors.Is(lastErr, syscall.ECONNREFUSED):
		advice := "Nothing listens there: check the host and port (is the local server running?)."
		if p.target.apple {
			advice = fmt.Sprintf("Apple refused port %s: a firewall may reject it; try --port %s.", p.target.port, other)
		}
		return &stepFailure{reason: fmt.Sprintf("connection to %s refused", hostport), advice: advice}
	case ctx.Err() != nil || isTimeout(lastErr):
		advice := "Nothing answered: check the host, the port and any firewall."
		if p.target.apple {
			advice = fmt.Sprintf("A firewall probably drops outbound port %s to Apple (17.0.0.0/8); try --port %s or ask for it to be opened.", p.target.port, other)
		}
		return &stepFailure{reason: fmt.Sprintf("connection to %s timed out", hostport), advice: advice}
	}
	return &stepFailure{reason: fmt.Sprintf("cannot connect to %s: %v", hostport, lastErr),
		advice: "Check the network route to the host."}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (p *prober) handshake(ctx context.Context, st *ProbeStep) *stepFailure {
	p.tlsc = tls.Client(p.conn, p.tls.Clone())
	p.conn = p.tlsc
	err := p.tlsc.HandshakeContext(ctx)
	if err != nil {
		st.Err = err
		return p.tlsFailure(err)
	}
	cs := p.tlsc.ConnectionState()
	st.Detail = append(st.Detail, fmt.Sprintf("%s, ALPN %q", tls.VersionName(cs.Version), cs.NegotiatedProtocol))
	st.Detail = append(st.Detail, "server chain:")
	for i, c := range cs.PeerCertificates {
		st.Detail = append(st.Detail, fmt.Sprintf("  %d. %s (issuer %s, expires %s)", i+1, c.Subject.String(), c.Issuer.String(), c.NotAfter.UTC().Format(time.DateOnly)))
	}
	if len(p.cfg.ServerCA) > 0 {
		st.Detail = append(st.Detail, "verified against the given server CA and the system roots")
	} else {
		st.Detail = append(st.Detail, "verified against the system roots")
	}
	st.Detail = append(st.Detail, p.clientCertLine())
	if cs.NegotiatedProtocol != "h2" {
		return &stepFailure{reason: fmt.Sprintf("the server did not agree to HTTP/2 (ALPN %q)", cs.NegotiatedProtocol),
			advice: "This is not an APNs server, or a proxy is in between: APNs needs HTTP/2 end to end."}
	}
	return nil
}

func (p *prober) clientCertLine() string {
	c := p.cfg.Credential
	if c.Kind != certs.AuthCertificate {
		return "no client certificate (token auth: the key signs a token instead)"
	}
	leaf := c.TLS.Leaf
	if leaf == nil {
		leaf, _ = x509.ParseCertificate(c.TLS.Certificate[0])
	}
	if leaf == nil {
		return "client certificate presented"
	}
	s := fmt.Sprintf("client certificate presented: %s, expires %s", leaf.Subject.CommonName, leaf.NotAfter.UTC().Format(time.DateOnly))
	if envs := certs.EnvironmentsOf(leaf); len(envs) > 0 && !hasEnv(envs, p.env()) {
		s += fmt.Sprintf(" (it is for %s only; you are probing %s)", envs[0], p.env())
	}
	return s
}

func hasEnv(envs []certs.Environment, e certs.Environment) bool {
	for _, x := range envs {
		if x == e {
			return true
		}
	}
	return false
}

func (p *prober) tlsFailure(err error) *stepFailure {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		if p.target.apple {
			return &stepFailure{reason: "the certificate presented as Apple's is signed by an unknown CA: " + err.Error(),
				advice: "A proxy or firewall intercepts TLS to Apple; APNs needs a direct connection (ask for api.push.apple.com to be exempt)."}
		}
		return &stepFailure{reason: "the server's certificate is signed by an unknown CA: " + err.Error(),
			advice: "Pass the CA that signed the server's certificate with --server-ca FILE (pushdeck mock --write-server-ca FILE writes it for the local server)."}
	case errors.As(err, &host):
		return &stepFailure{reason: "the server's certificate is not for " + p.target.hostname + ": " + err.Error(),
			advice: "Check the host name; the certificate must name it."}
	case errors.As(err, &invalid):
		return &stepFailure{reason: "the server's certificate is not valid: " + err.Error(),
			advice: "Check this machine's clock; if it is right, the server's certificate has expired."}
	case isTLSAlert(err):
		return p.clientCertRefused(err)
	}
	return &stepFailure{reason: "TLS handshake failed: " + err.Error(), advice: "Check the host speaks TLS (an APNs server), and that no proxy is in between."}
}

// clientCertRefused explains a TLS alert: the server did not take the
// client certificate (unknown issuer, expired, none).
func (p *prober) clientCertRefused(err error) *stepFailure {
	if p.cfg.Credential.Kind != certs.AuthCertificate {
		return &stepFailure{reason: "the server ended TLS: " + err.Error(), advice: "The server may want a client certificate: this one may not accept token auth."}
	}
	return &stepFailure{reason: "the server refused the client certificate: " + err.Error(),
		advice: "Check the certificate with pushdeck inspect (expired? revoked? made by Apple for push?)."}
}

// http2 reads the server's SETTINGS with a bare framer: what it says about
// concurrent streams, before the real client is used for auth.
func (p *prober) http2(ctx context.Context, st *ProbeStep) *stepFailure {
	c := p.tlsc
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if _, err := c.Write([]byte(http2.ClientPreface)); err != nil {
		st.Err = p.alertAfterWrite(err)
		return p.http2Failure(st.Err)
	}
	fr := http2.NewFramer(c, c)
	if err := fr.WriteSettings(); err != nil {
		st.Err = p.alertAfterWrite(err)
		return p.http2Failure(st.Err)
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			st.Err = err
			return p.http2Failure(err)
		}
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			continue
		}
		if v, ok := sf.Value(http2.SettingMaxConcurrentStreams); ok {
			st.Detail = append(st.Detail, fmt.Sprintf("MAX_CONCURRENT_STREAMS %d: up to %d pushes in flight per connection", v, v))
		} else {
			st.Detail = append(st.Detail, "MAX_CONCURRENT_STREAMS not set: no stream limit announced")
		}
		for _, s := range []http2.SettingID{http2.SettingInitialWindowSize, http2.SettingMaxFrameSize, http2.SettingMaxHeaderListSize} {
			if v, ok := sf.Value(s); ok {
				st.Detail = append(st.Detail, fmt.Sprintf("%s %d", s, v))
			}
		}
		fr.WriteSettingsAck()
		fr.WriteGoAway(0, http2.ErrCodeNo, nil)
		return nil
	}
}

// alertAfterWrite looks for the TLS alert behind a failed write: a server
// that refused the client certificate sends one, then closes.
func (p *prober) alertAfterWrite(err error) error {
	var b [1]byte
	p.tlsc.SetReadDeadline(time.Now().Add(time.Second))
	if _, rerr := p.tlsc.Read(b[:]); rerr != nil {
		if isTLSAlert(rerr) {
			return rerr
		}
	}
	return err
}

func (p *prober) http2Failure(err error) *stepFailure {
	if isTLSAlert(err) {
		// TLS 1.3 servers refuse a client certificate after the
		// handshake: the first read carries their alert.
		return p.clientCertRefused(err)
	}
	return &stepFailure{reason: "no HTTP/2 SETTINGS from the server: " + err.Error(),
		advice: "The server accepted TLS but does not speak HTTP/2 as APNs does."}
}

// auth pushes to the all-zero token with the real client: 400 BadDeviceToken
// proves the credential was accepted (APNs checks it before the token).
func (p *prober) auth(ctx context.Context, st *ProbeStep) *stepFailure {
	cfg := p.cfg
	cfg.Connections, cfg.Timeout = 1, stepTimeouts["auth"]
	c, err := NewClient(cfg)
	if err != nil {
		st.Err = err
		return &stepFailure{reason: err.Error(), advice: "Fix the configuration, then probe again."}
	}
	defer c.Close()
	job := Job{Token: zeroToken, Payload: []byte(`{"aps":{}}`),
		Headers: payload.Headers{PushType: payload.Alert, Priority: 10, Expiration: payload.Expiration{Mode: "now"}}}
	r := c.run(ctx, 0, job, BatchOptions{MaxAttempts: 2, Backoff: 100 * time.Millisecond}, nil)
	st.Detail = append(st.Detail, "pushed {\"aps\":{}} to the all-zero token, topic "+r.Request.Headers["apns-topic"])
	if r.Status == 0 {
		st.Err = r.Err
		if r.Class == ClassInvalid {
			return &stepFailure{reason: r.Err.Error(), advice: "Fix the value named, then probe again."}
		}
		if isTLSAlert(r.Err) {
			return p.clientCertRefused(r.Err)
		}
		return &stepFailure{reason: fmt.Sprintf("no answer to the test push (%s): %v", r.Class, r.Err),
			advice: "The connection works but the push got no answer: try again; if it persists, the server is not APNs."}
	}
	st.Detail = append(st.Detail, fmt.Sprintf("answer: %d %s", r.Status, r.Reason))
	if why, ok := NotAPNs(r); ok {
		st.Err = errors.New(why)
		return &stepFailure{reason: why, advice: "Point the profile at APNs (empty host) or at a pushdeck mock server."}
	}
	switch {
	case r.Status == 200:
		st.Detail = append(st.Detail, "the server accepted even the all-zero token (a test server that takes every token): the credential was accepted")
		return nil
	case r.Reason == "BadDeviceToken", r.Reason == "Unregistered", r.Reason == "ExpiredToken":
		st.Detail = append(st.Detail, "the credential and topic were accepted; only the (deliberately fake) token was refused")
		return nil
	}
	st.Err = fmt.Errorf("%d %s", r.Status, r.Reason)
	return p.authFailure(r, c.Topic())
}

func (p *prober) authFailure(r Result, topic string) *stepFailure {
	info := Explain(r.Reason)
	reason := fmt.Sprintf("%d %s: %s", r.Status, r.Reason, info.Meaning)
	cred := p.cfg.Credential
	var envs []certs.Environment
	var topics []string
	if ci := cred.Report.Certificate; ci != nil {
		envs = ci.Environments
		for _, t := range ci.Topics {
			topics = append(topics, t.Topic)
		}
	}
	if len(envs) == 0 && cred.TLS != nil {
		if leaf, err := x509.ParseCertificate(cred.TLS.Certificate[0]); err == nil {
			envs = certs.EnvironmentsOf(leaf)
		}
	}
	switch r.Reason {
	case "BadCertificateEnvironment":
		advice := fmt.Sprintf("This certificate is not for %s; send to %s, or use a %s (or universal) certificate.", p.env(), p.env().Other(), p.env())
		switch {
		case len(envs) == 1 && envs[0] != p.env():
			advice = fmt.Sprintf("This certificate is for %s; the profile says %s. Use --env %s, or a %s (or universal) certificate.", envs[0], p.env(), envs[0], p.env())
		case len(envs) > 0 && hasEnv(envs, p.env()) && !p.target.apple:
			advice = fmt.Sprintf("This certificate is for %s, as configured, but the server at %s plays %s: check which environment it runs (pushdeck mock --env).",
				p.env(), p.target.hostname, p.env().Other())
		}
		return &stepFailure{reason: reason, advice: advice}
	case "TopicDisallowed", "BadTopic", "MissingTopic", "DeviceTokenNotForTopic":
		advice := fmt.Sprintf("The topic %q is not allowed for this credential. %s", r.Request.Headers["apns-topic"], info.Fix)
		if len(topics) > 0 {
			advice = fmt.Sprintf("The topic %q is not one of the certificate's topics (%s): pass --topic with one of them.", r.Request.Headers["apns-topic"], strings.Join(topics, ", "))
		}
		return &stepFailure{reason: reason, advice: advice}
	case "ExpiredProviderToken":
		return &stepFailure{reason: reason,
			advice: "The token was signed just now, so this machine's clock is probably wrong: set it right (automatic time), then probe again."}
	}
	return &stepFailure{reason: reason, advice: info.Fix}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
