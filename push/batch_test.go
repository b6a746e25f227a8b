package push

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/certs/certgen"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

func jobs(n int) []Job {
	js := make([]Job, n)
	for i := range js {
		js[i] = Job{Token: tokenN(i + 1), Label: "d", Payload: alertBody}
	}
	return js
}

// collect drains a batch and checks each job got exactly one result.
func collect(t *testing.T, js []Job, ch <-chan Result) []Result {
	t.Helper()
	out := make([]Result, len(js))
	seen := make([]bool, len(js))
	n := 0
	for r := range ch {
		if r.Index < 0 || r.Index >= len(js) {
			t.Fatalf("result index %d out of range", r.Index)
		}
		if seen[r.Index] {
			t.Fatalf("job %d got two results", r.Index)
		}
		if r.Token != js[r.Index].Token {
			t.Fatalf("job %d: token %s, want %s", r.Index, r.Token, js[r.Index].Token)
		}
		seen[r.Index] = true
		out[r.Index] = r
		n++
	}
	if n != len(js) {
		t.Fatalf("%d results for %d jobs", n, len(js))
	}
	return out
}

func TestBatchOf10000NoneLostNoneDuplicated(t *testing.T) {
	s := startServer(t, apnstest.Config{MaxStreams: 100})
	c := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Connections = 2 })
	n := 10000
	if testing.Short() {
		n = 2000
	}
	js := jobs(n)
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 256}))
	for i, r := range rs {
		if !r.OK() || r.ApnsID == "" || r.Attempts != 1 {
			t.Fatalf("job %d: %d %s %v attempts %d", i, r.Status, r.Reason, r.Err, r.Attempts)
		}
	}
	if n := c.Connections(); n > 2 {
		t.Errorf("client dialled %d connections, configured 2", n)
	}
	if n := s.Counters().Connections; n > 2 {
		t.Errorf("server saw %d connections, configured 2", n)
	}
	if got := s.Counters().Requests; got != int64(n) {
		t.Errorf("server saw %d requests for %d jobs", got, n)
	}
}

// With a stream limit far below the concurrency, requests must queue on the
// configured connections, not open more (apns2's default transport dials).
func TestConnectionsStayWithinConfigured(t *testing.T) {
	for _, n := range []int{1, 3} {
		s := startServer(t, apnstest.Config{MaxStreams: 4, Faults: apnstest.Faults{Latency: 2 * time.Millisecond}})
		c := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Connections = n })
		js := jobs(600)
		rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 200}))
		for _, r := range rs {
			if !r.OK() {
				t.Fatalf("%d %s %v", r.Status, r.Reason, r.Err)
			}
		}
		_, peak := c.OpenConnections()
		if c.Connections() != n || peak != n || s.Counters().Connections != int64(n) {
			t.Errorf("connections=%d: dialled %d, peak open %d, server saw %d", n, c.Connections(), peak, s.Counters().Connections)
		}
	}
}

func TestCancelMidBatchYieldsOneResultPerJob(t *testing.T) {
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Latency: 20 * time.Millisecond}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(2000)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := c.Batch(ctx, js, BatchOptions{Concurrency: 8})
	var rs []Result
	seen := map[int]bool{}
	for r := range ch {
		if seen[r.Index] {
			t.Fatalf("job %d twice", r.Index)
		}
		seen[r.Index] = true
		rs = append(rs, r)
		if len(rs) == 40 {
			cancel()
		}
	}
	if len(rs) != len(js) {
		t.Fatalf("%d results for %d jobs", len(rs), len(js))
	}
	var ok, cancelled int
	for _, r := range rs {
		switch {
		case r.OK():
			ok++
		case r.Class == "cancelled" && r.Err != nil:
			cancelled++
		default:
			t.Errorf("job %d: neither sent nor cancelled: %d %s %v %q", r.Index, r.Status, r.Reason, r.Err, r.Class)
		}
	}
	if ok < 40 || cancelled < 1000 {
		t.Errorf("sent %d, cancelled %d", ok, cancelled)
	}
}

func TestRetriesOn503And500(t *testing.T) {
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 7, Error503: 0.3, Error500: 0.2}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	var retries atomic.Int64
	js := jobs(300)
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{
		Concurrency: 32, MaxAttempts: 12, Backoff: time.Millisecond,
		OnRetry: func(job, attempt int, reason string) {
			if reason != "ServiceUnavailable" && reason != "InternalServerError" {
				t.Errorf("retry for %q", reason)
			}
			retries.Add(1)
		},
	}))
	multi := 0
	for _, r := range rs {
		if !r.OK() {
			t.Fatalf("job %d: %d %s after %d attempts", r.Index, r.Status, r.Reason, r.Attempts)
		}
		if r.Attempts > 1 {
			multi++
		}
	}
	if multi < 50 || retries.Load() < int64(multi) {
		t.Errorf("%d jobs retried, %d retries", multi, retries.Load())
	}
	if got := s.Counters().Requests; got != int64(len(js))+retries.Load() {
		t.Errorf("server saw %d requests, want %d", got, int64(len(js))+retries.Load())
	}
}

func TestRetriesOn429UntilTheRateAllows(t *testing.T) {
	skipShort(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{RateLimit: 2}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := make([]Job, 5)
	for i := range js {
		js[i] = Job{Token: tokenN(9), Payload: alertBody}
	}
	var mu sync.Mutex
	reasons := map[string]int{}
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{
		Concurrency: 5, MaxAttempts: 20, Backoff: 100 * time.Millisecond,
		OnRetry: func(_, _ int, reason string) { mu.Lock(); reasons[reason]++; mu.Unlock() },
	}))
	for _, r := range rs {
		if !r.OK() {
			t.Fatalf("job %d: %d %s after %d attempts", r.Index, r.Status, r.Reason, r.Attempts)
		}
	}
	if reasons["TooManyRequests"] < 3 || len(reasons) != 1 {
		t.Errorf("retries: %v", reasons)
	}
}

func TestNoRetryForOther4xx(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	r := <-c.Batch(context.Background(), []Job{{Token: tokenN(1), Payload: nil}}, BatchOptions{MaxAttempts: 5, Backoff: time.Millisecond,
		OnRetry: func(int, int, string) { t.Error("retried a 400") }})
	if r.Reason != "PayloadEmpty" || r.Attempts != 1 || s.Counters().Requests != 1 {
		t.Errorf("%+v, server requests %d", r, s.Counters().Requests)
	}
}

func TestRetriesWhenTheConnectionDrops(t *testing.T) {
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 3, DropFraction: 0.1}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	var classes sync.Map
	js := jobs(200)
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 8, MaxAttempts: 15, Backoff: time.Millisecond,
		OnRetry: func(_, _ int, reason string) { classes.Store(reason, true) }}))
	for _, r := range rs {
		if !r.OK() {
			t.Fatalf("job %d: %v (%s) after %d attempts", r.Index, r.Err, r.Class, r.Attempts)
		}
	}
	if _, ok := classes.Load("connection-reset"); !ok {
		t.Error("no retry after a dropped connection")
	}
	if s.Counters().Dropped == 0 {
		t.Error("the server dropped nothing: the test proves nothing")
	}
}

func TestGoAwayMovesToANewConnection(t *testing.T) {
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{GoAwayAfter: 40}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(400)
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 16, Backoff: time.Millisecond}))
	for _, r := range rs {
		if !r.OK() {
			t.Fatalf("job %d: %d %s %v (%s) after %d attempts", r.Index, r.Status, r.Reason, r.Err, r.Class, r.Attempts)
		}
	}
	if s.Counters().GoAways < 2 || c.Connections() < 2 {
		t.Errorf("GOAWAYs %d, connections %d", s.Counters().GoAways, c.Connections())
	}
	if _, peak := c.OpenConnections(); peak > 2 {
		// One draining after its GOAWAY plus its replacement.
		t.Errorf("peak open connections %d", peak)
	}
}

func TestTransportFailureClasses(t *testing.T) {
	setup(t)
	// A port nothing listens on: refused.
	s := startServer(t, apnstest.Config{})
	addr := s.URL()
	s.Close()
	c, err := NewClient(Config{Credential: certCred(fixture.dev), Host: addr, ServerCA: s.CAPEM()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-c.Batch(context.Background(), []Job{{Token: tokenN(1), Payload: alertBody}}, BatchOptions{MaxAttempts: 3})
	if r.Class != "refused" || r.Attempts != 1 {
		t.Errorf("closed port: class %q attempts %d (%v)", r.Class, r.Attempts, r.Err)
	}

	// A server whose CA we do not trust: tls.
	s2 := startServer(t, apnstest.Config{})
	c2, _ := NewClient(Config{Credential: certCred(fixture.dev), Host: s2.URL()})
	defer c2.Close()
	r = c2.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
	if r.Class != "tls" || r.Attempts != 1 {
		t.Errorf("unknown CA: class %q attempts %d (%v)", r.Class, r.Attempts, r.Err)
	}

	// A client certificate the server does not trust: tls (the server's
	// alert arrives after the TLS 1.3 handshake, on the first read).
	stranger, err := certgen.NewCA("stranger")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := stranger.Client(certgen.ClientSpec{Topic: testTopic, Environments: []certs.Environment{certs.Development}})
	if err != nil {
		t.Fatal(err)
	}
	c5 := newTestClient(t, s2, certCred(sc), nil)
	r = c5.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
	if r.Class != "tls" {
		t.Errorf("untrusted client certificate: class %q attempts %d (%v)", r.Class, r.Attempts, r.Err)
	}

	// No answer in time: timeout.
	s3 := startServer(t, apnstest.Config{Faults: apnstest.Faults{Latency: 2 * time.Second}})
	c3 := newTestClient(t, s3, certCred(fixture.dev), func(c *Config) { c.Timeout = 100 * time.Millisecond })
	r = c3.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
	if r.Class != "timeout" || r.Attempts != 1 {
		t.Errorf("slow server: class %q attempts %d (%v)", r.Class, r.Attempts, r.Err)
	}
}

// The engine must not run ahead of a slow reader: with nobody reading, at
// most Concurrency results wait in the channel and Concurrency more in the
// workers, so memory stays flat however many jobs there are.
func TestBatchDoesNotRunAheadOfTheReader(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(1000)
	ch := c.Batch(context.Background(), js, BatchOptions{Concurrency: 4})
	if cap(ch) > 4 {
		t.Errorf("results channel holds %d", cap(ch))
	}
	last := int64(-1)
	for n := s.Counters().Requests; n != last; n = s.Counters().Requests {
		last = n
		time.Sleep(100 * time.Millisecond)
	}
	if last > 8 {
		t.Errorf("%d pushes went out while nobody read the results", last)
	}
	collect(t, js, ch)
}
