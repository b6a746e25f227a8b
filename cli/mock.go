package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pushdeck/pushdeck/internal/fsafe"

	"github.com/spf13/cobra"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

const mockLong = `Runs a local APNs server (HTTP/2 over TLS) that answers like Apple's: it checks
the credential, the headers, the payload and the device token, and answers with
Apple's status codes and reasons. Nothing is delivered anywhere. It runs until
Ctrl+C (or SIGTERM), then prints what it saw.

Credentials it accepts:
  certificate  signed by --client-ca F; without --client-ca, a certificate from
               any issuer (the chain is not checked; validity dates, environment
               and topics are), so a backend's real Apple certificate just works
  token        ES256 JWTs of the key given by --auth-key (+ --team-id); without
               --auth-key, token auth is refused (InvalidProviderToken)

Exit codes: 0 stopped cleanly, 1 could not listen, 2 usage or unreadable file.`

// MockOptions are the flags of pushdeck mock.
type MockOptions struct {
	Addr, Env, ClientCA, AuthKey, TeamID, KeyID, Devices, WriteCA string
	Latency, Jitter                                               time.Duration
	MaxStreams, RateLimit, GoAwayAfter                            int
	// ChannelLimit and BroadcastApps shape the channel API (iOS 18).
	ChannelLimit           int
	BroadcastApps          []string
	Seed                   int64
	Fail500, Fail503, Drop float64
	Quiet                  bool
	// StreamLimitDrop plays APNs' changing stream limit (radar 27870881).
	StreamLimitDrop bool
}

func newMockCmd(e env) *cobra.Command {
	var o MockOptions
	c := &cobra.Command{
		Use:   "mock",
		Short: "Run a local APNs server for tests and your own backend",
		Long:  mockLong,
		Example: `  pushdeck mock --addr 127.0.0.1:2197 --write-server-ca mock-ca.pem
  pushdeck mock --auth-key AuthKey_ABCDE12345.p8 --team-id TEAM123456 --devices devices.json
  pushdeck mock --latency 50ms --jitter 20ms --fail-503 0.05 --goaway-after 1000`,
		Args: cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if !noArgs(e, "mock", args, "mock takes only flags (see pushdeck mock --help)") {
				return codeErr(exitUsage)
			}
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return codeErr(runMock(ctx, e, &o))
		},
	}
	fs := c.Flags()
	fs.SortFlags = false
	fs.StringVar(&o.Addr, "addr", "127.0.0.1:2197", "listen on `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&o.Env, "env", "development", "environment to play: development (sandbox) or production")
	fs.StringVar(&o.ClientCA, "client-ca", "", "verify client certificates against the CA certificates in PEM `FILE`")
	fs.StringVar(&o.AuthKey, "auth-key", "", "accept provider tokens of this .p8 key (AuthKey_KEYID.p8, or its public key PEM) `FILE`")
	fs.StringVar(&o.TeamID, "team-id", "", "team ID of --auth-key")
	fs.StringVar(&o.KeyID, "key-id", "", "key ID of --auth-key (default: from the AuthKey_KEYID.p8 file name)")
	fs.StringVar(&o.Devices, "devices", "", "device registry `FILE` (JSON array of {token, environment, topic, state, unregistered_at, kind, activity_type}); without it every well-formed token is accepted")
	fs.DurationVar(&o.Latency, "latency", 0, "answer each push after this `DURATION`")
	fs.DurationVar(&o.Jitter, "jitter", 0, "plus up to this much more `DURATION`, varying per push")
	fs.IntVar(&o.MaxStreams, "max-streams", 1000, "the stream limit per connection (SETTINGS_MAX_CONCURRENT_STREAMS)")
	fs.StringVar(&o.WriteCA, "write-server-ca", "", "write the server's CA certificate to `FILE` (default: a temporary file, removed on exit)")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the fault decisions (same seed, same tokens: same faults)")
	fs.IntVar(&o.RateLimit, "rate-limit", 0, "429 TooManyRequests when one token gets more than `N` pushes in a second (0: off)")
	fs.Float64Var(&o.Fail500, "fail-500", 0, "the `FRACTION` of pushes answered 500 InternalServerError")
	fs.Float64Var(&o.Fail503, "fail-503", 0, "the `FRACTION` of pushes answered 503 ServiceUnavailable")
	fs.IntVar(&o.GoAwayAfter, "goaway-after", 0, "send GOAWAY after `N` streams on a connection (0: off)")
	fs.Float64Var(&o.Drop, "drop", 0, "the `FRACTION` of pushes whose connection is closed before an answer")
	fs.BoolVar(&o.StreamLimitDrop, "stream-limit-drop", false, "behave as APNs did in radar 27870881: announce a stream limit of 1 right after a rejected push and --max-streams again after the next accepted one")
	fs.IntVar(&o.ChannelLimit, "channel-limit", 0, "broadcast channels an app may have, `N` (0: Apple's 10,000)")
	fs.StringArrayVar(&o.BroadcastApps, "broadcast-app", nil, "only this bundle `ID` has the Broadcast capability (repeatable; default: every app); others get FeatureNotEnabled")
	fs.BoolVar(&o.Quiet, "quiet", false, "do not print a line per push")
	return c
}

// runMock runs the mock server until ctx is done; tests give their own
// context instead of a signal.
func runMock(ctx context.Context, e env, o *MockOptions) int {
	cfg, desc, err := o.config()
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck mock: %v\n", err)
		return exitUsage
	}
	out := &mockLockedWriter{w: e.stdout}
	if !o.Quiet {
		cfg.OnResponse = func(r apnstest.Response) { out.printf("%s\n", mockLogLine(time.Now(), r)) }
	}

	srv, err := apnstest.Start(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck mock: %v\n", err)
		if strings.Contains(err.Error(), "address already in use") {
			fmt.Fprintln(e.stderr, "Another program (or another mock) uses that port: pick another with --addr 127.0.0.1:PORT, or 127.0.0.1:0 for any free port.")
		}
		return exitFailed
	}
	defer func() { _ = srv.Close() }()

	caPath := o.WriteCA
	if caPath == "" {
		tmp, err := os.CreateTemp("", "pushdeck-mock-ca-*.pem")
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck mock: cannot write the server CA: %v\n", err)
			return exitFailed
		}
		_ = tmp.Close()
		caPath = tmp.Name()
		defer func() { _ = os.Remove(caPath) }()
	}
	if err := os.WriteFile(caPath, srv.CAPEM(), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "pushdeck mock: cannot write the server CA to %s: %v\n", caPath, err)
		return exitUsage
	}

	out.printf("%s", mockBanner(srv, cfg, *o, desc, caPath))
	<-ctx.Done()
	_ = srv.Close()
	out.printf("%s", mockSummary(srv.Counters()))
	return exitOK
}

// mockDesc is what the banner says about the credentials and devices.
type mockDesc struct {
	certs, tokens, devices string
}

// config turns the flags into a server config, reading the files they name.
func (f MockOptions) config() (apnstest.Config, mockDesc, error) {
	var d mockDesc
	env, err := certs.ParseEnvironment(f.Env)
	if err != nil {
		return apnstest.Config{}, d, fmt.Errorf("--env: %v", err)
	}
	cfg := apnstest.Config{
		Environment: env,
		Addr:        f.Addr,
		Faults: apnstest.Faults{
			Seed: f.Seed, Latency: f.Latency, Jitter: f.Jitter, RateLimit: f.RateLimit,
			Error500: f.Fail500, Error503: f.Fail503, GoAwayAfter: f.GoAwayAfter, DropFraction: f.Drop,
		},
	}
	if f.MaxStreams < 1 || f.MaxStreams > 1<<31-1 {
		return cfg, d, fmt.Errorf("--max-streams %d: use a number from 1 up", f.MaxStreams)
	}
	cfg.MaxStreams = uint32(f.MaxStreams)
	cfg.StreamLimitDrop = f.StreamLimitDrop
	if f.ChannelLimit < 0 {
		return cfg, d, fmt.Errorf("--channel-limit %d: use 0 (Apple's 10,000) or more", f.ChannelLimit)
	}
	cfg.ChannelLimit = f.ChannelLimit
	for _, b := range f.BroadcastApps {
		if strings.TrimSpace(b) == "" || strings.ContainsAny(b, " /") {
			return cfg, d, fmt.Errorf("--broadcast-app %q: give a bundle ID (com.example.app)", b)
		}
		cfg.BroadcastApps = append(cfg.BroadcastApps, strings.TrimSpace(b))
	}
	for name, v := range map[string]float64{"--fail-500": f.Fail500, "--fail-503": f.Fail503, "--drop": f.Drop} {
		if v < 0 || v > 1 {
			return cfg, d, fmt.Errorf("%s %v: use a fraction from 0 to 1 (0.05 is 5%%)", name, v)
		}
	}
	for _, x := range []struct {
		name string
		neg  bool
		v    any
	}{{"--latency", f.Latency < 0, f.Latency}, {"--jitter", f.Jitter < 0, f.Jitter},
		{"--rate-limit", f.RateLimit < 0, f.RateLimit}, {"--goaway-after", f.GoAwayAfter < 0, f.GoAwayAfter}} {
		if x.neg {
			return cfg, d, fmt.Errorf("%s %v: use 0 (off) or more", x.name, x.v)
		}
	}
	if _, port, err := net.SplitHostPort(f.Addr); err != nil {
		return cfg, d, fmt.Errorf("--addr %q is not HOST:PORT: use e.g. 127.0.0.1:2197, or 127.0.0.1:0 for any free port", f.Addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return cfg, d, fmt.Errorf("--addr %q: the port must be a number from 0 to 65535", f.Addr)
	}

	if f.ClientCA != "" {
		pool, n, err := mockReadCAs(f.ClientCA)
		if err != nil {
			return cfg, d, err
		}
		cfg.ClientCAs = pool
		d.certs = fmt.Sprintf("signed by the %d CA certificate(s) in %s", n, f.ClientCA)
	} else {
		cfg.AnyClientCert = true
		d.certs = "from any issuer (no --client-ca: the chain is NOT verified; validity, environment and topics are)"
	}

	switch {
	case f.AuthKey == "" && (f.TeamID != "" || f.KeyID != ""):
		return cfg, d, errors.New("--team-id and --key-id go with --auth-key AuthKey_KEYID.p8")
	case f.AuthKey == "":
		d.tokens = "refused (no --auth-key): token requests get 403 MissingProviderToken or InvalidProviderToken"
	default:
		k, err := mockReadAuthKey(f.AuthKey, f.KeyID, f.TeamID)
		if err != nil {
			return cfg, d, err
		}
		cfg.AuthKeys = []apnstest.AuthKey{k}
		d.tokens = fmt.Sprintf("key %s of team %s (%s)", k.KeyID, k.TeamID, f.AuthKey)
	}

	if f.Devices != "" {
		reg, err := apnstest.LoadRegistry(f.Devices)
		if err != nil {
			return cfg, d, err
		}
		cfg.Registry = reg
		d.devices = fmt.Sprintf("%d from %s; any other token gets BadDeviceToken", reg.Len(), f.Devices)
	} else {
		d.devices = "every well-formed token is accepted (no --devices); the all-zero token never is"
	}
	return cfg, d, nil
}

// mockReadCAs reads one or more PEM certificates.
func mockReadCAs(path string) (*x509.CertPool, int, error) {
	data, err := fsafe.ReadFile(path, fsafe.LimitCA, "client CA file")
	if err != nil {
		return nil, 0, fmt.Errorf("--client-ca: %w", err)
	}
	pool := x509.NewCertPool()
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, 0, fmt.Errorf("--client-ca %s: a certificate does not parse: %v", path, err)
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("--client-ca %s holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA that signed your client certificates", path)
	}
	return pool, n, nil
}

var mockKeyNameRE = regexp.MustCompile(`^AuthKey_([A-Za-z0-9]+)\.p8$`)

// mockReadAuthKey reads the public half of a token key from a .p8 (PKCS#8 private
// key) or a public-key PEM. The private key is used for nothing else.
func mockReadAuthKey(path, keyID, teamID string) (apnstest.AuthKey, error) {
	if keyID == "" {
		m := mockKeyNameRE.FindStringSubmatch(filepath.Base(path))
		if m == nil {
			return apnstest.AuthKey{}, fmt.Errorf("--key-id is needed: %s is not named AuthKey_KEYID.p8, so the key ID cannot be read from its name", filepath.Base(path))
		}
		keyID = m[1]
	}
	if teamID == "" {
		return apnstest.AuthKey{}, errors.New("--team-id is needed with --auth-key: the 10-character team ID the tokens name as issuer (iss)")
	}
	data, err := fsafe.ReadFile(path, fsafe.LimitCredential, "token key file")
	if err != nil {
		return apnstest.AuthKey{}, fmt.Errorf("--auth-key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s is not PEM: a .p8 starts with -----BEGIN PRIVATE KEY-----", path)
	}
	var pub any
	switch b.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s: the key does not parse: %v", path, err)
		}
		if ec, ok := k.(*ecdsa.PrivateKey); ok {
			pub = &ec.PublicKey
		}
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(b.Bytes)
		if err != nil {
			return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s: the key does not parse: %v", path, err)
		}
		pub = &k.PublicKey
	case "PUBLIC KEY":
		if pub, err = x509.ParsePKIXPublicKey(b.Bytes); err != nil {
			return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s: the public key does not parse: %v", path, err)
		}
	default:
		return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s holds a %q block, not a token key: give the AuthKey_KEYID.p8 from developer.apple.com", path, b.Type)
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok || ec.Curve.Params().Name != "P-256" {
		return apnstest.AuthKey{}, fmt.Errorf("--auth-key %s is not an ES256 (P-256) key, as APNs token keys are", path)
	}
	return apnstest.AuthKey{KeyID: keyID, TeamID: teamID, Public: ec}, nil
}

func mockBanner(srv *apnstest.Server, cfg apnstest.Config, f MockOptions, d mockDesc, caPath string) string {
	var b strings.Builder
	url := srv.URL()
	fmt.Fprintf(&b, "pushdeck mock: %s APNs server listening on %s (HTTP/2 over TLS)\n", cfg.Environment, url)
	fmt.Fprintf(&b, "  server CA     %s (trust this file; it is not a public CA)\n", caPath)
	fmt.Fprintf(&b, "  certificates  %s\n", d.certs)
	fmt.Fprintf(&b, "  tokens        %s\n", d.tokens)
	fmt.Fprintf(&b, "  devices       %s\n", d.devices)
	if cfg.StreamLimitDrop {
		fmt.Fprintf(&b, "  streams       %d per connection, 1 right after a rejected push until the next accepted one\n", cfg.MaxStreams)
	} else {
		fmt.Fprintf(&b, "  streams       %d per connection\n", cfg.MaxStreams)
	}
	fmt.Fprintf(&b, "  channels      %s\n", mockChannelsLine(cfg))
	if fl := mockFaultsLine(cfg.Faults); fl != "" {
		fmt.Fprintf(&b, "  faults        %s\n", fl)
	}
	common := fmt.Sprintf("--host %s --server-ca %s --env %s", url, mockShellQuote(caPath), cfg.Environment)
	b.WriteString("\nPoint pushdeck at it:\n")
	fmt.Fprintf(&b, "  pushdeck send %s --cert YOUR_CERT.p12 --token DEVICE_TOKEN --alert 'Hello'\n", common)
	if k := cfg.AuthKeys; len(k) > 0 {
		fmt.Fprintf(&b, "  pushdeck send %s --p8 %s --key-id %s --team-id %s --topic YOUR.BUNDLE.ID --token DEVICE_TOKEN --alert 'Hello'\n",
			common, mockShellQuote(f.AuthKey), k[0].KeyID, k[0].TeamID)
	}
	fmt.Fprintf(&b, "  pushdeck probe %s --cert YOUR_CERT.p12\n", common)
	fmt.Fprintf(&b, "  pushdeck channels create %s --cert YOUR_CERT.p12 --label 'Cup final'   (channel API on the same port)\n", common)
	b.WriteString("Or point your own backend at it: APNs host " + url + ", trusting the server CA file above, e.g.\n")
	fmt.Fprintf(&b, "  curl --http2 --cacert %s --cert ck.pem -H 'apns-topic: YOUR.BUNDLE.ID' -d '{\"aps\":{\"alert\":\"Hello\"}}' %s/3/device/DEVICE_TOKEN\n", mockShellQuote(caPath), url)
	b.WriteString("\nCtrl+C stops it and prints the counters.\n")
	return b.String()
}

// mockChannelsLine says how the channel API (iOS 18 broadcast) behaves.
func mockChannelsLine(cfg apnstest.Config) string {
	limit := cfg.ChannelLimit
	if limit == 0 {
		limit = apnstest.DefaultChannelLimit
	}
	apps := "every app may broadcast"
	if len(cfg.BroadcastApps) > 0 {
		apps = "broadcast only for " + strings.Join(cfg.BroadcastApps, ", ")
	}
	return fmt.Sprintf("management and broadcasts on this port, %d per app, %s", limit, apps)
}

func mockFaultsLine(f apnstest.Faults) string {
	var parts []string
	if f.Latency > 0 || f.Jitter > 0 {
		parts = append(parts, fmt.Sprintf("latency %v + up to %v", f.Latency, f.Jitter))
	}
	if f.RateLimit > 0 {
		parts = append(parts, fmt.Sprintf("429 above %d/s per token", f.RateLimit))
	}
	if f.Error500 > 0 {
		parts = append(parts, fmt.Sprintf("%g%% 500", f.Error500*100))
	}
	if f.Error503 > 0 {
		parts = append(parts, fmt.Sprintf("%g%% 503", f.Error503*100))
	}
	if f.GoAwayAfter > 0 {
		parts = append(parts, fmt.Sprintf("GOAWAY after %d streams", f.GoAwayAfter))
	}
	if f.DropFraction > 0 {
		parts = append(parts, fmt.Sprintf("%g%% dropped connections", f.DropFraction*100))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ") + fmt.Sprintf(" (seed %d)", f.Seed)
}

// mockLogLine is one line per answered push: time, status, reason, token
// (shortened), topic, push type, auth and size.
func mockLogLine(t time.Time, r apnstest.Response) string {
	tok := r.Token
	if len(tok) > 12 {
		tok = tok[:8] + "…" + tok[len(tok)-4:]
	}
	if tok == "" {
		tok = "-"
	}
	res := fmt.Sprint(r.Status)
	if r.Reason != "" {
		res += " " + r.Reason
	}
	extra := []string{}
	for _, s := range []string{r.Topic, r.PushType, string(r.Auth)} {
		if s != "" {
			extra = append(extra, s)
		}
	}
	line := fmt.Sprintf("%s  %-32s %s  %s  %dB", t.Format("15:04:05.000"), res, tok, strings.Join(extra, " "), r.PayloadBytes)
	if r.Note != "" {
		// What the simulated device did with a Live Activity push or a
		// broadcast: APNs answers 200 either way.
		line += "  · " + r.Note
	}
	return line
}

func mockSummary(c apnstest.Counters) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\npushdeck mock: stopped. %d connection(s), %d request(s)", c.Connections, c.Requests)
	if c.TLSFailures > 0 {
		fmt.Fprintf(&b, ", %d failed TLS handshake(s)", c.TLSFailures)
	}
	if c.GoAways > 0 {
		fmt.Fprintf(&b, ", %d GOAWAY(s)", c.GoAways)
	}
	if c.Dropped > 0 {
		fmt.Fprintf(&b, ", %d dropped", c.Dropped)
	}
	b.WriteString("\n")
	for _, s := range slices.Sorted(maps.Keys(c.ByStatus)) {
		fmt.Fprintf(&b, "  %d  %d\n", s, c.ByStatus[s])
	}
	for _, r := range slices.Sorted(maps.Keys(c.ByReason)) {
		fmt.Fprintf(&b, "  %-28s %d\n", r, c.ByReason[r])
	}
	return b.String()
}

// mockShellQuote quotes a path for a copy-pasted command line when it needs it.
func mockShellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"$\\`&|;<>()*?![]{}~#") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// mockLockedWriter serialises lines from concurrent handlers.
type mockLockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *mockLockedWriter) printf(format string, a ...any) {
	l.mu.Lock()
	_, _ = fmt.Fprintf(l.w, format, a...)
	l.mu.Unlock()
}
