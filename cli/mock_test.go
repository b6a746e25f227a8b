package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
)

// mockBuffer is a bytes.Buffer the mock's goroutines and the test can share.
type mockBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *mockBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *mockBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var mockListenRE = regexp.MustCompile(`listening on (https://\S+)`)

// mockWaitURL waits for the banner and returns the URL it names.
func mockWaitURL(t *testing.T, out *mockBuffer, done <-chan int) string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := mockListenRE.FindStringSubmatch(out.String()); m != nil && strings.Contains(out.String(), "Ctrl+C") {
			return m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("mock exited with %d before listening; output:\n%s", code, out.String())
		case <-deadline:
			t.Fatalf("no banner after 30s:\n%s", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// mockFiles is a CA, a client certificate it signed, a token key and a
// device file in a temporary folder.
type mockFiles struct {
	dir, clientCA, p8, devices string
	cert                       tls.Certificate
	key                        *ecdsa.PrivateKey
}

const (
	mockTopic   = "com.example.pushdeck"
	mockLiveTok = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
	mockGoneTok = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
)

func newMockFiles(t *testing.T) mockFiles {
	t.Helper()
	dir := t.TempDir()
	ca, err := certgen.NewCA("mock test CA")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Client(certgen.ClientSpec{Topic: mockTopic, Environments: []certs.Environment{certs.Development}, RSABits: 1024})
	if err != nil {
		t.Fatal(err)
	}
	key, err := certgen.TokenKey()
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := certgen.P8(key)
	f := mockFiles{dir: dir, cert: cert, key: key,
		clientCA: filepath.Join(dir, "client-ca.pem"),
		p8:       filepath.Join(dir, "AuthKey_TESTKEY123.p8"),
		devices:  filepath.Join(dir, "devices.json"),
	}
	devs := `[{"token":"` + mockLiveTok + `","environment":"development","topic":"` + mockTopic + `"},
	          {"token":"` + mockGoneTok + `","environment":"development","state":"unregistered","unregistered_at":"2025-03-14T09:26:53Z"}]`
	for p, data := range map[string][]byte{f.clientCA: ca.CertPEM(), f.p8: p8, f.devices: []byte(devs)} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// mockPush pushes once, on a connection of its own, and returns the status
// and reason.
func mockPush(t *testing.T, url, caPath string, cert *tls.Certificate, token string, hdr map[string]string) (int, string) {
	t.Helper()
	caPEM, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatalf("server CA file: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("server CA file %s holds no certificate", caPath)
	}
	tc := &tls.Config{RootCAs: pool}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	tr := &http2.Transport{TLSClientConfig: tc}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", url+"/3/device/"+token, strings.NewReader(`{"aps":{"alert":"hi"}}`))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Transport: tr, Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("push: %v", err)
	}
	defer res.Body.Close()
	var body struct{ Reason string }
	b, _ := io.ReadAll(res.Body)
	json.Unmarshal(b, &body)
	return res.StatusCode, body.Reason
}

func mockJWT(t *testing.T, key *ecdsa.PrivateKey, kid, iss string) string {
	enc := func(v any) string { b, _ := json.Marshal(v); return base64.RawURLEncoding.EncodeToString(b) }
	s := enc(map[string]string{"alg": "ES256", "kid": kid}) + "." + enc(map[string]any{"iss": iss, "iat": time.Now().Unix()})
	sum := sha256.Sum256([]byte(s))
	r, sv, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	sv.FillBytes(sig[32:])
	return s + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// mock runs "pushdeck mock args..." in-process until ctx is done.
func mock(ctx context.Context, e env, args []string) int {
	return runContext(ctx, e, append([]string{"mock"}, args...))
}

// runMockInProcess starts `pushdeck mock args...` and returns its URL, its
// output and a stop func giving the exit code.
func runMockInProcess(t *testing.T, args ...string) (string, *mockBuffer, *mockBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &mockBuffer{}, &mockBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- mock(ctx, env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }}, args)
	}()
	url := mockWaitURL(t, stdout, done)
	stopped := false
	var code int
	stop := func() int {
		if !stopped {
			cancel()
			code, stopped = <-done, true
		}
		return code
	}
	t.Cleanup(func() { stop() })
	return url, stdout, stderr, stop
}

func TestMockEndToEnd(t *testing.T) {
	f := newMockFiles(t)
	caPath := filepath.Join(f.dir, "server-ca.pem")
	url, out, _, stop := runMockInProcess(t, "--addr", "127.0.0.1:0", "--client-ca", f.clientCA,
		"--auth-key", f.p8, "--team-id", "ABCDE12345", "--devices", f.devices, "--write-server-ca", caPath)

	banner := out.String()
	for _, want := range []string{
		"development APNs server listening on " + url,
		"pushdeck send --host " + url + " --server-ca " + caPath + " --env development",
		"--p8 " + f.p8 + " --key-id TESTKEY123 --team-id ABCDE12345",
		"2 from " + f.devices,
		"signed by the 1 CA certificate(s) in " + f.clientCA,
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if st, r := mockPush(t, url, caPath, &f.cert, mockLiveTok, nil); st != 200 {
		t.Fatalf("certificate push: %d %s", st, r)
	}
	if st, r := mockPush(t, url, caPath, &f.cert, mockGoneTok, nil); st != 410 || r != "Unregistered" {
		t.Fatalf("unregistered device: %d %s", st, r)
	}
	bearer := map[string]string{"authorization": "bearer " + mockJWT(t, f.key, "TESTKEY123", "ABCDE12345"), "apns-topic": mockTopic}
	if st, r := mockPush(t, url, caPath, nil, mockLiveTok, bearer); st != 200 {
		t.Fatalf("token push: %d %s", st, r)
	}
	if st, r := mockPush(t, url, caPath, nil, strings.Repeat("99", 32), bearer); st != 400 || r != "BadDeviceToken" {
		t.Fatalf("unknown device: %d %s", st, r)
	}

	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	all := out.String()
	for _, want := range []string{"200 ", "410 Unregistered", "400 BadDeviceToken", "stopped. 4 connection(s), 4 request(s)", "  200  2\n", "  Unregistered"} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "PRIVATE KEY") {
		t.Fatal("the mock printed key material")
	}
	if _, err := os.Stat(caPath); err != nil {
		t.Fatalf("--write-server-ca file is gone after exit: %v", err)
	}
}

func TestMockWithoutClientCAAcceptsAnyCertificate(t *testing.T) {
	f := newMockFiles(t)
	url, out, _, stop := runMockInProcess(t, "--addr", "127.0.0.1:0", "--env", "production", "--quiet")
	m := regexp.MustCompile(`server CA\s+(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no server CA path in:\n%s", out.String())
	}
	caPath := m[1]
	if !strings.Contains(out.String(), "from any issuer") || !strings.Contains(out.String(), "refused (no --auth-key)") {
		t.Fatalf("banner does not say what it accepts:\n%s", out.String())
	}
	// A development certificate on a production mock: the environment is checked.
	if st, r := mockPush(t, url, caPath, &f.cert, mockLiveTok, nil); st != 403 || r != "BadCertificateEnvironment" {
		t.Fatalf("got %d %s", st, r)
	}
	if st, r := mockPush(t, url, caPath, nil, mockLiveTok, map[string]string{"apns-topic": mockTopic}); st != 403 || r != "MissingProviderToken" {
		t.Fatalf("no credential: %d %s", st, r)
	}
	stop()
	if strings.Contains(out.String(), "403 BadCertificateEnvironment") {
		t.Fatal("--quiet still logged pushes")
	}
	if _, err := os.Stat(caPath); !os.IsNotExist(err) {
		t.Fatalf("temporary server CA %s not removed: %v", caPath, err)
	}
}

func TestMockFaultFlags(t *testing.T) {
	f := newMockFiles(t)
	caPath := filepath.Join(f.dir, "ca.pem")
	url, out, _, stop := runMockInProcess(t, "--addr", "127.0.0.1:0", "--client-ca", f.clientCA, "--write-server-ca", caPath,
		"--fail-503", "1", "--seed", "3", "--max-streams", "10")
	if !strings.Contains(out.String(), "100% 503 (seed 3)") || !strings.Contains(out.String(), "10 per connection") {
		t.Fatalf("banner:\n%s", out.String())
	}
	if st, r := mockPush(t, url, caPath, &f.cert, mockLiveTok, nil); st != 503 || r != "ServiceUnavailable" {
		t.Fatalf("got %d %s", st, r)
	}
	stop()
}

func TestMockUsageErrors(t *testing.T) {
	t.Parallel()
	f := newMockFiles(t)
	notPEM := filepath.Join(f.dir, "x.txt")
	os.WriteFile(notPEM, []byte("hello"), 0o600)
	renamed := filepath.Join(f.dir, "key.p8")
	os.WriteFile(renamed, []byte("x"), 0o600)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--env", "staging"}, "use development (sandbox) or production"},
		{[]string{"--team-id", "ABCDE12345"}, "go with --auth-key"},
		{[]string{"--auth-key", f.p8}, "--team-id is needed"},
		{[]string{"--auth-key", renamed, "--team-id", "T"}, "--key-id is needed"},
		{[]string{"--auth-key", notPEM, "--key-id", "K", "--team-id", "T"}, "is not PEM"},
		{[]string{"--auth-key", f.clientCA, "--key-id", "K", "--team-id", "T"}, "not a token key"},
		{[]string{"--client-ca", notPEM}, "holds no PEM certificate"},
		{[]string{"--client-ca", filepath.Join(f.dir, "missing.pem")}, "no such file"},
		{[]string{"--devices", notPEM}, "is not a device registry"},
		{[]string{"--drop", "2"}, "fraction from 0 to 1"},
		{[]string{"--max-streams", "0"}, "--max-streams 0"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--latency", "soon"}, `invalid argument "soon" for "--latency"`},
	} {
		var out, errb bytes.Buffer
		code := mock(context.Background(), env{stdout: &out, stderr: &errb}, append([]string{"--addr", "127.0.0.1:0"}, c.args...))
		if code != exitUsage || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 saying %q", c.args, code, errb.String(), c.want)
		}
	}
}

func TestMockPortInUse(t *testing.T) {
	url, _, _, _ := runMockInProcess(t, "--addr", "127.0.0.1:0", "--quiet")
	var errb bytes.Buffer
	code := mock(context.Background(), env{stdout: io.Discard, stderr: &errb}, []string{"--addr", strings.TrimPrefix(url, "https://")})
	if code != exitFailed || !strings.Contains(errb.String(), "--addr 127.0.0.1:PORT") {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}

func TestMockHelp(t *testing.T) {
	t.Parallel()
	var out, errb bytes.Buffer
	if code := mock(context.Background(), env{stdout: &out, stderr: &errb}, []string{"--help"}); code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"pushdeck mock", "--client-ca", "--auth-key", "--devices", "--write-server-ca", "Exit codes"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestMockBinarySIGTERM runs the real binary: SIGTERM stops it cleanly and it
// prints its counters.
func TestMockBinarySIGTERM(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := pushdeckBinary(t)
	f := newMockFiles(t)
	caPath := filepath.Join(f.dir, "ca.pem")
	cmd := exec.Command(bin, "mock", "--addr", "127.0.0.1:0", "--client-ca", f.clientCA, "--write-server-ca", caPath)
	out := &mockBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() { cmd.Wait(); done <- cmd.ProcessState.ExitCode() }()
	url := mockWaitURL(t, out, done)
	if st, r := mockPush(t, url, caPath, &f.cert, mockLiveTok, nil); st != 200 {
		t.Fatalf("push: %d %s", st, r)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM did not stop the mock")
	}
	if !strings.Contains(out.String(), "stopped. 1 connection(s), 1 request(s)") {
		t.Fatalf("no counters after SIGTERM:\n%s", out.String())
	}
}
