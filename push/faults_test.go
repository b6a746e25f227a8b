package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// The fault tests send a batch of faultBatch devices through a server (or a
// network) that misbehaves in one way each, and check the engine's promises:
// exactly one result per device, counts that add up, retries within
// MaxAttempts and only where APNs allows them, every failure classed so the
// console can say what to do, and no goroutine left once the client and
// the server are closed.

const faultBatch = 2000

// noLeaks checks, after every other cleanup of the test (servers, clients)
// has run, that no goroutine is left behind. Register it first: cleanups
// run last-in first-out.
func noLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

// faultTally is what a batch came to.
type faultTally struct {
	ok        int
	byKey     map[string]int // reason, else class, for failures
	attempts  int            // summed over jobs
	retried   int            // jobs with more than one attempt
	maxTries  int
	retryWhys map[string]int // OnRetry reasons
	results   []Result
}

func (f faultTally) String() string {
	keys := make([]string, 0, len(f.byKey))
	for k := range f.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "ok %d", f.ok)
	for _, k := range keys {
		fmt.Fprintf(&b, ", %s %d", k, f.byKey[k])
	}
	fmt.Fprintf(&b, "; attempts %d (max %d per job), %d jobs retried, retries %v", f.attempts, f.maxTries, f.retried, f.retryWhys)
	return b.String()
}

// runFaultBatch sends js and checks the per-result invariants. allowed is
// the set of failure keys (reason, else class) this fault may produce.
func runFaultBatch(t *testing.T, c *Client, js []Job, opts BatchOptions, allowed ...string) faultTally {
	t.Helper()
	var mu sync.Mutex
	tally := faultTally{byKey: map[string]int{}, retryWhys: map[string]int{}}
	opts.OnRetry = func(job, attempt int, reason string) {
		mu.Lock()
		tally.retryWhys[reason]++
		mu.Unlock()
		if attempt > opts.MaxAttempts {
			t.Errorf("job %d: retry as attempt %d, MaxAttempts %d", job, attempt, opts.MaxAttempts)
		}
	}
	rs := collect(t, js, c.Batch(context.Background(), js, opts))
	tally.results = rs
	for _, r := range rs {
		tally.attempts += r.Attempts
		tally.maxTries = max(tally.maxTries, r.Attempts)
		if r.Attempts > 1 {
			tally.retried++
		}
		if r.Attempts < 1 || r.Attempts > opts.MaxAttempts {
			t.Fatalf("job %d: %d attempts, MaxAttempts %d", r.Index, r.Attempts, opts.MaxAttempts)
		}
		if r.OK() {
			if r.Err != nil || r.Class != "" || r.ApnsID == "" {
				t.Fatalf("job %d: 200 with err %v class %q apns-id %q", r.Index, r.Err, r.Class, r.ApnsID)
			}
			tally.ok++
			continue
		}
		key := r.Reason
		if key == "" {
			key = string(r.Class)
		}
		if key == "" {
			t.Fatalf("job %d failed with neither a reason nor a class: %+v", r.Index, r)
		}
		if r.Status == 0 && (r.Err == nil || r.Class == "") {
			t.Fatalf("job %d: no response, but err %v class %q", r.Index, r.Err, r.Class)
		}
		if !contains(allowed, key) {
			t.Fatalf("job %d: failure %q (%v) is not one this fault causes (%v)", r.Index, key, r.Err, allowed)
		}
		tally.byKey[key]++
	}
	for why := range tally.retryWhys {
		if !contains([]string{"TooManyRequests", "InternalServerError", "ServiceUnavailable", "Shutdown", "connection-reset", "goaway"}, why) {
			t.Errorf("retried after %q, which APNs does not allow to retry", why)
		}
	}
	t.Logf("%d devices: %s", len(js), tally)
	return tally
}

// skipShort skips a fault test that takes seconds (timeouts and latency
// are its point) under go test -short.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("slow fault test (seconds of timeouts or latency): run without -short")
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func retries(f faultTally) int {
	n := 0
	for _, v := range f.retryWhys {
		n += v
	}
	return n
}

// Latency spikes below the request timeout cost time, never a result.
func TestFaultLatencySpikes(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 11, Latency: time.Millisecond, Jitter: 150 * time.Millisecond}})
	c := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Timeout = 5 * time.Second })
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond})
	if f.ok != faultBatch || f.attempts != faultBatch || s.Counters().Requests != faultBatch {
		t.Errorf("want all %d sent once: %s; server saw %d", faultBatch, f, s.Counters().Requests)
	}
}

// Spikes beyond the request timeout end as "timeout", are not retried
// (APNs may have delivered the push: a retry could notify twice), and the
// rest still go out.
//
// How many time out depends on the machine (a timer that fires late on a
// loaded machine lets a late answer through, and truthfully: APNs took
// it), so the test checks what cannot depend on it: one attempt per
// device, every result sent or "timeout", the server did hold pushes past
// the limit (its delays are a function of seed and token), and no answer
// came back sooner than the server held it.
func TestFaultLatencySpikesPastTheTimeout(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	const limit = 300 * time.Millisecond
	faults := apnstest.Faults{Seed: 12, Jitter: 400 * time.Millisecond}
	s := startServer(t, apnstest.Config{Faults: faults})
	c := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Timeout = limit })
	js := jobs(faultBatch)
	f := runFaultBatch(t, c, js, BatchOptions{Concurrency: 128, MaxAttempts: 3, Backoff: time.Millisecond}, "timeout")
	if f.attempts != faultBatch || f.ok+f.byKey["timeout"] != faultBatch {
		t.Errorf("want every device sent or timed out, once: %s", f)
	}
	// tokenN pads with 'a', so a few numbers share a token; the server
	// draws a second push of a token afresh, in an order the test cannot
	// know: judge only tokens pushed once.
	times := map[string]int{}
	for _, j := range js {
		times[j.Token]++
	}
	late := 0
	for i, j := range js {
		if times[j.Token] > 1 {
			continue
		}
		d := faults.DelayFor(j.Token, 0)
		if d >= limit {
			late++
		}
		if r := f.results[i]; r.OK() && r.Latency < d {
			t.Errorf("job %d: answered after %v, but the server held it %v", i, r.Latency, d)
		}
	}
	// Jitter is uniform in [0, 400 ms): about a quarter are held past 300 ms.
	if late < faultBatch/10 {
		t.Fatalf("only %d pushes held past the limit: the test proves nothing", late)
	}
	t.Logf("%d held past the limit; %d timed out, %d sent", late, f.byKey["timeout"], f.ok)
}

// Bursts of 500 and 503 are retried up to MaxAttempts; what still fails
// keeps APNs' reason.
func TestFault500And503Bursts(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 5, Error500: 0.25, Error503: 0.25}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond},
		"InternalServerError", "ServiceUnavailable")
	cs := s.Counters()
	if int64(f.attempts) != cs.Requests || int64(f.ok) != cs.ByStatus[200] {
		t.Errorf("client counted %d attempts and %d sent; server %d requests, %d answered 200", f.attempts, f.ok, cs.Requests, cs.ByStatus[200])
	}
	if f.retried < faultBatch/4 || retries(f) != f.attempts-faultBatch || f.maxTries != 3 {
		t.Errorf("retries do not add up: %s", f)
	}
	// About (1/2)^3 of the jobs fail all three tries.
	failed := faultBatch - f.ok
	if failed < faultBatch/20 || failed > faultBatch/5 {
		t.Errorf("%d failed after 3 tries, want about an eighth", failed)
	}
}

// An outage (every request 503) ends every job after exactly MaxAttempts
// tries: no job hangs, no job gives up early.
func TestFault503Outage(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 1, Error503: 1}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 4, Backoff: time.Millisecond}, "ServiceUnavailable")
	if f.byKey["ServiceUnavailable"] != faultBatch || f.attempts != 4*faultBatch || s.Counters().Requests != 4*faultBatch {
		t.Errorf("want every job to fail after exactly 4 tries: %s; server saw %d", f, s.Counters().Requests)
	}
}

// A 429 storm: 2,000 pushes to 40 devices with APNs allowing one push per
// device per second. Retries back off; whatever is still refused after
// MaxAttempts says TooManyRequests.
func TestFault429Storm(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{RateLimit: 1}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := make([]Job, faultBatch)
	for i := range js {
		js[i] = Job{Token: tokenN(i%40 + 1), Payload: alertBody}
	}
	f := runFaultBatch(t, c, js, BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: 5 * time.Millisecond}, "TooManyRequests")
	cs := s.Counters()
	if int64(f.attempts) != cs.Requests || int64(f.ok) != cs.ByStatus[200] || int64(f.attempts-f.ok) != cs.ByStatus[429] {
		t.Errorf("client %s; server %d requests, %v", f, cs.Requests, cs.ByStatus)
	}
	if f.byKey["TooManyRequests"] < faultBatch/2 || f.retryWhys["TooManyRequests"] < faultBatch || f.maxTries != 3 {
		t.Errorf("want most refused after 3 tries: %s", f)
	}
}

// GOAWAY every 150 streams: the engine moves to a new connection and
// resends what the old one left unprocessed; every push goes out.
//
// How many GOAWAYs that takes is not 2000/150: the server sends GOAWAY while
// handling a connection's 150th stream, and the streams the client had
// already opened on it (up to a window's worth) are still handled there
// (a graceful GOAWAY names the last stream it will process). So a
// connection handles at least 150 streams if it sent GOAWAY and fewer if it
// did not, only the last connection can be one that did not, and the
// per-connection counts add up to exactly the 2,000 pushes.
func TestFaultGoAwayMidBatch(t *testing.T) {
	noLeaks(t)
	const every = 150
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{GoAwayAfter: every}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond})
	cs := s.Counters()
	if f.ok != faultBatch {
		t.Errorf("%s", f)
	}
	var sum, wentAway int64
	for i, n := range cs.PerConnection {
		sum += n
		if n >= every {
			wentAway++
		} else if i != len(cs.PerConnection)-1 {
			t.Errorf("connection %d of %d handled %d streams, fewer than %d, yet the client left it: %v", i+1, len(cs.PerConnection), n, every, cs.PerConnection)
		}
	}
	if sum != faultBatch || cs.Requests != faultBatch {
		t.Errorf("connections handled %v = %d streams (server count %d) for %d devices", cs.PerConnection, sum, cs.Requests, faultBatch)
	}
	if cs.GoAways != wentAway || wentAway > faultBatch/every {
		t.Errorf("server sent %d GOAWAYs; %d connections reached %d streams: %v", cs.GoAways, wentAway, every, cs.PerConnection)
	}
	if c.Connections() != len(cs.PerConnection) || int64(c.Connections()) != cs.Connections {
		t.Errorf("client dialled %d connections, server accepted %d (%d served)", c.Connections(), cs.Connections, len(cs.PerConnection))
	}
	if cs.ByStatus[200] != faultBatch {
		t.Errorf("server answered 200 %d times for %d devices: a push went twice or not at all", cs.ByStatus[200], faultBatch)
	}
	if _, peak := c.OpenConnections(); peak > 2 {
		t.Errorf("peak open connections %d", peak)
	}
	// A stream the server refused unprocessed (beyond the GOAWAY's last
	// stream) is re-sent by the transport; the server handled each push once.
	if f.attempts != faultBatch {
		t.Errorf("client counted %d attempts for %d devices", f.attempts, faultBatch)
	}
	t.Logf("streams per connection %v; %d GOAWAYs", cs.PerConnection, cs.GoAways)
}

// Connections dropped mid-request (the server closes the TCP connection
// with streams in flight): each lost stream is retried; after MaxAttempts
// it ends as "connection-reset".
func TestFaultConnectionsDroppedMidRequest(t *testing.T) {
	noLeaks(t)
	var mu sync.Mutex
	accepted := map[string]int{}
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 9, DropFraction: 0.01},
		OnPush: func(p apnstest.Push) { mu.Lock(); accepted[p.Token]++; mu.Unlock() }})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(faultBatch)
	f := runFaultBatch(t, c, js, BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond}, "connection-reset")
	cs := s.Counters()
	if cs.Dropped == 0 || f.retryWhys["connection-reset"] == 0 {
		t.Fatalf("nothing dropped: the test proves nothing (%s)", f)
	}
	if cs.Requests > int64(f.attempts) || f.attempts-faultBatch < retries(f) {
		t.Errorf("client %s; server %d requests", f, cs.Requests)
	}
	if f.ok < faultBatch*9/10 {
		t.Errorf("want at least 90%% sent after retries: %s", f)
	}
	// A drop loses the answers of every stream on the connection, including
	// 200s already written: those pushes are retried and reach the device
	// twice. Delivery is at least once; count it.
	mu.Lock()
	twice := 0
	for _, n := range accepted {
		twice += n - 1
	}
	got := len(accepted)
	mu.Unlock()
	mu.Lock()
	for _, r := range f.results {
		if r.OK() && accepted[r.Token] == 0 {
			t.Errorf("job %d: the client counts it sent, the server never accepted %s", r.Index, r.Token)
		}
	}
	mu.Unlock()
	t.Logf("server dropped %d connections; accepted %d devices, %d pushes a second time", cs.Dropped, got, twice)
}

// silentServer accepts TCP connections and never says a word: a
// firewall or a hung proxy in front of APNs.
type silentServer struct {
	ln       net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int64
	wg       sync.WaitGroup
}

func startSilent(t *testing.T) *silentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &silentServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			// Read and discard so the client's ClientHello is taken.
			s.wg.Add(1)
			go func() { defer s.wg.Done(); io.Copy(io.Discard, c) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// A server that accepts TCP and never answers TLS: every job ends as
// "timeout" after one try, within the request timeout, and the batch
// finishes in about (jobs / concurrency) timeouts, not jobs x timeout.
func TestFaultServerNeverAnswersTLS(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	setup(t)
	ss := startSilent(t)
	srv := startServer(t, apnstest.Config{}) // only for a CA the client trusts
	c, err := NewClient(Config{Credential: certCred(fixture.dev), Host: "https://" + ss.ln.Addr().String(), ServerCA: srv.CAPEM(), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	start := time.Now()
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond}, "timeout")
	took := time.Since(start)
	if f.byKey["timeout"] != faultBatch || f.attempts != faultBatch {
		t.Errorf("want every job to time out once: %s", f)
	}
	// 2000/64 = 32 rounds of 200ms is about 6s; a serialised dial would
	// take 2000 x 200ms = 400s. Allow a slow shared machine 10x.
	if limit := 10 * time.Duration(faultBatch/64+1) * 200 * time.Millisecond; took > limit {
		t.Errorf("the batch took %s (limit %s): waits for a dial are not bounded by the request timeout", took, limit)
	}
	t.Logf("took %s, %d TCP connections accepted", took, ss.accepted.Load())
}

// stallProxy forwards TCP to a real server until stall is set; from then
// on it forwards nothing in either direction and answers nothing on new
// connections, keeping every socket open: a server that stopped answering
// mid-stream.
type stallProxy struct {
	ln      net.Listener
	target  string
	stalled atomic.Bool
	mu      sync.Mutex
	conns   []net.Conn
	wg      sync.WaitGroup
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) keep(c net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, c)
	p.mu.Unlock()
}

func (p *stallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.keep(c)
		if p.stalled.Load() {
			p.wg.Add(1)
			go func() { defer p.wg.Done(); io.Copy(io.Discard, c) }()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.keep(up)
		p.wg.Add(2)
		go p.pipe(up, c)
		go p.pipe(c, up)
	}
}

// pipe copies until the stall, then swallows what comes.
func (p *stallProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.stalled.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *stallProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// A server that stops answering mid-stream: after 500 answers nothing more
// comes back, on the open connection or on new ones. Those sent end as
// "timeout" (not retried: APNs may have them), the batch still ends with
// one result per device, and the client's connections are closed on Close.
func TestFaultServerStopsAnsweringMidStream(t *testing.T) {
	skipShort(t)
	noLeaks(t)
	var answered atomic.Int64
	var p *stallProxy
	s := startServer(t, apnstest.Config{OnResponse: func(apnstest.Response) {
		if answered.Add(1) == 500 {
			p.stalled.Store(true)
		}
	}})
	p = startStallProxy(t, s.Addr())
	c, err := NewClient(Config{Credential: certCred(fixture.dev), Host: "https://" + p.ln.Addr().String(), ServerCA: s.CAPEM(), Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	start := time.Now()
	f := runFaultBatch(t, c, jobs(faultBatch), BatchOptions{Concurrency: 64, MaxAttempts: 3, Backoff: time.Millisecond}, "timeout")
	took := time.Since(start)
	// The stall starts after the 500th answer; a few more may already be
	// on their way (one per request in flight), and on a loaded machine
	// some before it may time out.
	if f.ok < 100 || f.ok > 500+64 || f.byKey["timeout"] < faultBatch-500-64 || f.attempts != faultBatch {
		t.Errorf("want about 500 sent and the rest timed out, each once: %s", f)
	}
	if limit := 10 * time.Duration(faultBatch/64+1) * 300 * time.Millisecond; took > limit {
		t.Errorf("the batch took %s (limit %s)", took, limit)
	}
	t.Logf("took %s; client dialled %d connections", took, c.Connections())
}

// Every failure class and reason a fault produces is explained: the
// console shows Explain(reason, else class), so each needs a meaning and a
// fix of its own, not the "reason pushdeck does not know" fallback.
func TestFaultClassesAreExplained(t *testing.T) {
	for _, key := range []string{
		"timeout", "connection-reset", "goaway", "tls", "dns", "refused", "cancelled", "invalid",
		"InternalServerError", "ServiceUnavailable", "TooManyRequests", "Shutdown",
		"ExpiredProviderToken", "InvalidProviderToken", "TooManyProviderTokenUpdates",
	} {
		info := Explain(key)
		if info.Meaning == "" || info.Fix == "" || strings.Contains(info.Meaning, "does not know") || strings.Contains(info.Fix, "Look it up") {
			t.Errorf("Explain(%q) does not say what happened and what to do: %+v", key, info)
		}
	}
	// Describe, the one-line form the CLI prints, names the class.
	r := Result{Class: "timeout", Err: errors.New("no response within 300ms")}
	if d := Describe(r, certs.Development); !strings.Contains(d, "timeout") {
		t.Errorf("Describe(timeout) = %q", d)
	}
}

// A clock an hour off: with the server's clock an hour ahead every token
// looks expired. The client answers ExpiredProviderToken by re-signing
// only if its token is 20 minutes old (it is not), so there is no retry
// and no TooManyProviderTokenUpdates storm; with the server an hour behind
// tokens are still accepted.
func TestFaultTokenClockSkew(t *testing.T) {
	noLeaks(t)
	for _, skew := range []time.Duration{time.Hour + time.Minute, -time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			s := startServer(t, apnstest.Config{Now: func() time.Time { return time.Now().Add(skew) }})
			c := newTestClient(t, s, tokenCred(fixture.key), nil)
			js := jobs(200)
			if skew > 0 {
				issued := int64(0)
				f := runFaultBatch(t, c, js, BatchOptions{Concurrency: 32, MaxAttempts: 3, Backoff: time.Millisecond}, "ExpiredProviderToken")
				issued = c.token.IssuedAt
				if f.byKey["ExpiredProviderToken"] != len(js) || f.attempts != len(js) {
					t.Errorf("want every push refused once: %s", f)
				}
				if s.Counters().ByReason["TooManyProviderTokenUpdates"] != 0 {
					t.Error("the client re-signed its token on every refusal")
				}
				if time.Since(time.Unix(issued, 0)) > time.Minute {
					t.Errorf("token issued at %d", issued)
				}
				if fix := Explain("ExpiredProviderToken").Fix; !strings.Contains(fix, "clock") {
					t.Errorf("the fix does not point at the clock: %q", fix)
				}
				return
			}
			f := runFaultBatch(t, c, js, BatchOptions{Concurrency: 32, MaxAttempts: 3, Backoff: time.Millisecond})
			if f.ok != len(js) {
				t.Errorf("server behind by an hour: %s", f)
			}
		})
	}
}

// A token APNs rejects (a key it does not know, or the wrong team) is
// refused once per job, never retried.
func TestFaultRejectedToken(t *testing.T) {
	noLeaks(t)
	setup(t)
	s := startServer(t, apnstest.Config{})
	for _, tc := range []struct{ name, keyID, team string }{
		{"unknown key ID", "ZZZZZZZZZZ", testTeam},
		{"wrong team", testKeyID, "ZZZZZZZZZZ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred := tokenCred(fixture.key)
			cred.KeyID, cred.TeamID = tc.keyID, tc.team
			c := newTestClient(t, s, cred, nil)
			before := s.Counters().Requests
			f := runFaultBatch(t, c, jobs(200), BatchOptions{Concurrency: 32, MaxAttempts: 3, Backoff: time.Millisecond}, "InvalidProviderToken")
			if f.byKey["InvalidProviderToken"] != 200 || s.Counters().Requests-before != 200 {
				t.Errorf("want 200 refused once each: %s", f)
			}
		})
	}
}

// TooManyProviderTokenUpdates: the client's clock jumps (a laptop waking)
// and its token is re-signed within 20 minutes of the last one on the same
// connection. The refusal is final for the job (another try with a fresh
// token only makes it worse) and the fix says so.
func TestFaultTooManyProviderTokenUpdates(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, tokenCred(fixture.key), nil)
	if r := c.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody}); !r.OK() {
		t.Fatalf("first push: %d %s %v", r.Status, r.Reason, r.Err)
	}
	// Make apns2 think the token is 51 minutes old: it re-signs now, with an
	// iat seconds after the one the connection has seen.
	c.token.Lock()
	old := c.token.Bearer
	c.token.IssuedAt -= 51 * 60
	c.token.Unlock()
	f := runFaultBatch(t, c, jobs(50), BatchOptions{Concurrency: 1, MaxAttempts: 3, Backoff: time.Millisecond}, "TooManyProviderTokenUpdates")
	if c.token.Bearer == old {
		t.Fatal("the token was not re-signed: the test proves nothing")
	}
	if f.byKey["TooManyProviderTokenUpdates"] == 0 || f.retryWhys["TooManyProviderTokenUpdates"] != 0 || f.attempts != 50 {
		t.Errorf("want refusals, none retried: %s", f)
	}
	if fix := Explain("TooManyProviderTokenUpdates").Fix; !strings.Contains(fix, "20") {
		t.Errorf("fix %q", fix)
	}
}
