package main

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

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

const mockUsage = `Usage: pushdeck mock [flags]

Runs a local APNs server (HTTP/2 over TLS) that answers like Apple's: it checks
the credential, the headers, the payload and the device token, and answers with
Apple's status codes and reasons. Nothing is delivered anywhere. It runs until
Ctrl+C (or SIGTERM), then prints what it saw.

Credentials it accepts:
  certificate  signed by --client-ca F; without --client-ca, a certificate from
               any issuer (the chain is not checked; validity dates, environment
               and topics are), so a backend's real Apple certificate just works
  token        ES256 JWTs of the key given by --auth-key (+ --team-id); without
               --auth-key, token auth is refused (InvalidProviderToken)

Flags:
`

// mockFlags are the parsed flags of `pushdeck mock`.
type mockFlags struct {
	addr, env, clientCA, authKey, teamID, keyID, devices, writeCA string
	latency, jitter                                               time.Duration
	maxStreams, rateLimit, goAwayAfter                            int
	seed                                                          int64
	fail500, fail503, drop                                        float64
	quiet                                                         bool
}

func runMock(e env, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return mock(ctx, e, args)
}

// mock runs the mock server until ctx is done; tests call it with their own
// context instead of a signal.
func mock(ctx context.Context, e env, args []string) int {
	var f mockFlags
	fs := cmdFlags(e, "pushdeck mock", mockUsage, "\nExit codes: 0 stopped cleanly, 1 could not listen, 2 usage or unreadable file.\n")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:2197", "listen on `HOST:PORT` (port 0 picks a free one)")
	fs.StringVar(&f.env, "env", "development", "environment to play: development (sandbox) or production")
	fs.StringVar(&f.clientCA, "client-ca", "", "verify client certificates against the CA certificates in PEM `FILE`")
	fs.StringVar(&f.authKey, "auth-key", "", "accept provider tokens of this .p8 key (AuthKey_KEYID.p8, or its public key PEM) `FILE`")
	fs.StringVar(&f.teamID, "team-id", "", "team ID of --auth-key")
	fs.StringVar(&f.keyID, "key-id", "", "key ID of --auth-key (default: from the AuthKey_KEYID.p8 file name)")
	fs.StringVar(&f.devices, "devices", "", "device registry `FILE` (JSON array of {token, environment, topic, state, unregistered_at}); without it every well-formed token is accepted")
	fs.DurationVar(&f.latency, "latency", 0, "answer each push after this `DURATION`")
	fs.DurationVar(&f.jitter, "jitter", 0, "plus up to this much more `DURATION`, varying per push")
	fs.IntVar(&f.maxStreams, "max-streams", 1000, "SETTINGS_MAX_CONCURRENT_STREAMS per connection")
	fs.StringVar(&f.writeCA, "write-server-ca", "", "write the server's CA certificate to `FILE` (default: a temporary file, removed on exit)")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the fault decisions (same seed, same tokens: same faults)")
	fs.IntVar(&f.rateLimit, "rate-limit", 0, "429 TooManyRequests when one token gets more than `N` pushes in a second (0: off)")
	fs.Float64Var(&f.fail500, "fail-500", 0, "`FRACTION` of pushes answered 500 InternalServerError")
	fs.Float64Var(&f.fail503, "fail-503", 0, "`FRACTION` of pushes answered 503 ServiceUnavailable")
	fs.IntVar(&f.goAwayAfter, "goaway-after", 0, "send GOAWAY after `N` streams on a connection (0: off)")
	fs.Float64Var(&f.drop, "drop", 0, "`FRACTION` of pushes whose connection is closed before an answer")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print a line per push")
	if err := fs.Parse(args); err != nil {
		return parseExit(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "pushdeck mock: unexpected argument %q: mock takes only flags (see pushdeck mock --help)\n", fs.Arg(0))
		return exitUsage
	}
	cfg, desc, err := f.config()
	if err != nil {
		fmt.Fprintf(e.stderr, "pushdeck mock: %v\n", err)
		return exitUsage
	}
	out := &mockLockedWriter{w: e.stdout}
	if !f.quiet {
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
	defer srv.Close()

	caPath := f.writeCA
	if caPath == "" {
		tmp, err := os.CreateTemp("", "pushdeck-mock-ca-*.pem")
		if err != nil {
			fmt.Fprintf(e.stderr, "pushdeck mock: cannot write the server CA: %v\n", err)
			return exitFailed
		}
		tmp.Close()
		caPath = tmp.Name()
		defer os.Remove(caPath)
	}
	if err := os.WriteFile(caPath, srv.CAPEM(), 0o644); err != nil {
		fmt.Fprintf(e.stderr, "pushdeck mock: cannot write the server CA to %s: %v\n", caPath, err)
		return exitUsage
	}

	out.printf("%s", mockBanner(srv, cfg, f, desc, caPath))
	<-ctx.Done()
	srv.Close()
	out.printf("%s", mockSummary(srv.Counters()))
	return exitOK
}

// mockDesc is what the banner says about the credentials and devices.
type mockDesc struct {
	certs, tokens, devices string
}

// config turns the flags into a server config, reading the files they name.
func (f mockFlags) config() (apnstest.Config, mockDesc, error) {
	var d mockDesc
	env, err := certs.ParseEnvironment(f.env)
	if err != nil {
		return apnstest.Config{}, d, fmt.Errorf("--env: %v", err)
	}
	cfg := apnstest.Config{
		Environment: env,
		Addr:        f.addr,
		Faults: apnstest.Faults{
			Seed: f.seed, Latency: f.latency, Jitter: f.jitter, RateLimit: f.rateLimit,
			Error500: f.fail500, Error503: f.fail503, GoAwayAfter: f.goAwayAfter, DropFraction: f.drop,
		},
	}
	if f.maxStreams < 1 || f.maxStreams > 1<<31-1 {
		return cfg, d, fmt.Errorf("--max-streams %d: use a number from 1 up", f.maxStreams)
	}
	cfg.MaxStreams = uint32(f.maxStreams)
	for name, v := range map[string]float64{"--fail-500": f.fail500, "--fail-503": f.fail503, "--drop": f.drop} {
		if v < 0 || v > 1 {
			return cfg, d, fmt.Errorf("%s %v: use a fraction from 0 to 1 (0.05 is 5%%)", name, v)
		}
	}
	for _, x := range []struct {
		name string
		neg  bool
		v    any
	}{{"--latency", f.latency < 0, f.latency}, {"--jitter", f.jitter < 0, f.jitter},
		{"--rate-limit", f.rateLimit < 0, f.rateLimit}, {"--goaway-after", f.goAwayAfter < 0, f.goAwayAfter}} {
		if x.neg {
			return cfg, d, fmt.Errorf("%s %v: use 0 (off) or more", x.name, x.v)
		}
	}
	if _, port, err := net.SplitHostPort(f.addr); err != nil {
		return cfg, d, fmt.Errorf("--addr %q is not HOST:PORT: use e.g. 127.0.0.1:2197, or 127.0.0.1:0 for any free port", f.addr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return cfg, d, fmt.Errorf("--addr %q: the port must be a number from 0 to 65535", f.addr)
	}

	if f.clientCA != "" {
		pool, n, err := mockReadCAs(f.clientCA)
		if err != nil {
			return cfg, d, err
		}
		cfg.ClientCAs = pool
		d.certs = fmt.Sprintf("signed by the %d CA certificate(s) in %s", n, f.clientCA)
	} else {
		cfg.AnyClientCert = true
		d.certs = "from any issuer (no --client-ca: the chain is NOT verified; validity, environment and topics are)"
	}

	switch {
	case f.authKey == "" && (f.teamID != "" || f.keyID != ""):
		return cfg, d, errors.New("--team-id and --key-id go with --auth-key AuthKey_KEYID.p8")
	case f.authKey == "":
		d.tokens = "refused (no --auth-key): token requests get 403 MissingProviderToken or InvalidProviderToken"
	default:
		k, err := mockReadAuthKey(f.authKey, f.keyID, f.teamID)
		if err != nil {
			return cfg, d, err
		}
		cfg.AuthKeys = []apnstest.AuthKey{k}
		d.tokens = fmt.Sprintf("key %s of team %s (%s)", k.KeyID, k.TeamID, f.authKey)
	}

	if f.devices != "" {
		reg, err := apnstest.LoadRegistry(f.devices)
		if err != nil {
			return cfg, d, err
		}
		cfg.Registry = reg
		d.devices = fmt.Sprintf("%d from %s; any other token gets BadDeviceToken", reg.Len(), f.devices)
	} else {
		d.devices = "every well-formed token is accepted (no --devices); the all-zero token never is"
	}
	return cfg, d, nil
}

// mockReadCAs reads one or more PEM certificates.
func mockReadCAs(path string) (*x509.CertPool, int, error) {
	data, err := os.ReadFile(path)
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
	data, err := os.ReadFile(path)
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

func mockBanner(srv *apnstest.Server, cfg apnstest.Config, f mockFlags, d mockDesc, caPath string) string {
	var b strings.Builder
	url := srv.URL()
	fmt.Fprintf(&b, "pushdeck mock: %s APNs server listening on %s (HTTP/2 over TLS)\n", cfg.Environment, url)
	fmt.Fprintf(&b, "  server CA     %s (trust this file; it is not a public CA)\n", caPath)
	fmt.Fprintf(&b, "  certificates  %s\n", d.certs)
	fmt.Fprintf(&b, "  tokens        %s\n", d.tokens)
	fmt.Fprintf(&b, "  devices       %s\n", d.devices)
	fmt.Fprintf(&b, "  streams       %d per connection\n", cfg.MaxStreams)
	if fl := mockFaultsLine(cfg.Faults); fl != "" {
		fmt.Fprintf(&b, "  faults        %s\n", fl)
	}
	common := fmt.Sprintf("--host %s --server-ca %s --env %s", url, mockShellQuote(caPath), cfg.Environment)
	b.WriteString("\nPoint pushdeck at it:\n")
	fmt.Fprintf(&b, "  pushdeck send %s --cert YOUR_CERT.p12 --token DEVICE_TOKEN --alert 'Hello'\n", common)
	if k := cfg.AuthKeys; len(k) > 0 {
		fmt.Fprintf(&b, "  pushdeck send %s --p8 %s --key-id %s --team-id %s --topic YOUR.BUNDLE.ID --token DEVICE_TOKEN --alert 'Hello'\n",
			common, mockShellQuote(f.authKey), k[0].KeyID, k[0].TeamID)
	}
	fmt.Fprintf(&b, "  pushdeck probe %s --cert YOUR_CERT.p12\n", common)
	b.WriteString("Or point your own backend at it: APNs host " + url + ", trusting the server CA file above, e.g.\n")
	fmt.Fprintf(&b, "  curl --http2 --cacert %s --cert ck.pem -H 'apns-topic: YOUR.BUNDLE.ID' -d '{\"aps\":{\"alert\":\"Hello\"}}' %s/3/device/DEVICE_TOKEN\n", mockShellQuote(caPath), url)
	b.WriteString("\nCtrl+C stops it and prints the counters.\n")
	return b.String()
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
	return fmt.Sprintf("%s  %-32s %s  %s  %dB", t.Format("15:04:05.000"), res, tok, strings.Join(extra, " "), r.PayloadBytes)
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
	fmt.Fprintf(l.w, format, a...)
	l.mu.Unlock()
}
