package push

import (
	"context"
	"crypto/x509"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/pushdeck/pushdeck/push/apnstest"
)

// Stream reads its source only as the window has room: the first result
// comes back long before a source of a million jobs is read, so the first
// push leaves at once and memory does not grow with the job count.
func TestStreamReadsTheSourceLazily(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{MaxStreams: 50})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const total = 1_000_000
	var pulled atomic.Int64
	src := func(yield func(Job) bool) {
		for i := range total {
			if ctx.Err() != nil {
				return
			}
			pulled.Add(1)
			if !yield(Job{Token: tokenN(i + 1), Payload: alertBody}) {
				return
			}
		}
	}
	const bound = 50
	ch := c.Stream(ctx, src, BatchOptions{Concurrency: bound})
	first := <-ch
	atFirst := pulled.Load()
	if !first.OK() || first.Attempts != 1 {
		t.Fatalf("first result: %d %s %v", first.Status, first.Reason, first.Err)
	}
	n := 1
	for range ch {
		n++
		if n == 2000 {
			cancel()
		}
	}
	// However late this goroutine reads the first result, the engine can
	// have taken no more than a job per worker (at most Concurrency), the
	// results buffer's worth, and the one the dispatcher holds.
	if atFirst > bound+min(bound, resultBuffer)+1 {
		t.Errorf("%d of %d jobs were read before the first result", atFirst, total)
	}
	if got := pulled.Load(); got != int64(n) || got >= total {
		t.Errorf("%d jobs read, %d results", got, n)
	}
	t.Logf("%d jobs read before the first result, %d in all", atFirst, n)
}

// A host of one's own given with its CA is trusted through that CA alone:
// the system roots (slow to load) are not read.
func TestServerCAAloneForOwnHost(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	want := x509.NewCertPool()
	want.AppendCertsFromPEM(s.CAPEM())
	if !c.tls.RootCAs.Equal(want) {
		t.Error("the client trusts more than the server CA it was given")
	}
	if r := c.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody}); !r.OK() {
		t.Fatalf("%d %s %v", r.Status, r.Reason, r.Err)
	}
}

// OmitExchanges keeps what a CLI needs (the topic, the error body) without
// building per-push header maps.
func TestOmitExchanges(t *testing.T) {
	reg := apnstest.NewRegistry(apnstest.Device{Token: tokenN(1)})
	s := startServer(t, apnstest.Config{Registry: reg})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := []Job{{Token: tokenN(1), Payload: alertBody}, {Token: tokenN(2), Payload: alertBody}}
	rs := collect(t, js, c.Batch(context.Background(), js, BatchOptions{OmitExchanges: true}))
	if !rs[0].OK() || rs[1].Reason != "BadDeviceToken" {
		t.Fatalf("results: %d %s / %d %s", rs[0].Status, rs[0].Reason, rs[1].Status, rs[1].Reason)
	}
	for _, r := range rs {
		if r.Request.Headers["apns-topic"] != testTopic || r.Request.Headers[":path"] != "" || r.Response.Headers != nil {
			t.Errorf("job %d: request %v, response headers %v", r.Index, r.Request.Headers, r.Response.Headers)
		}
	}
	if len(rs[1].Response.Body) == 0 || len(rs[0].Response.Body) != 0 {
		t.Errorf("bodies: %q, %q", rs[0].Response.Body, rs[1].Response.Body)
	}
	// Without it, each result has its own copy with the path.
	r := <-c.Batch(context.Background(), js[:1], BatchOptions{})
	if r.Request.Headers[":path"] != "/3/device/"+tokenN(1) || r.Response.Headers[":status"] != "200" {
		t.Errorf("full exchange: %v %v", r.Request.Headers, r.Response.Headers)
	}
}

// A job its source refused (Job.Invalid) is reported in its place, with
// its own error, and never reaches the server; the others are sent.
func TestStreamReportsInvalidJobs(t *testing.T) {
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	bad := errors.New("tokens.txt line 2: not a device token")
	src := func(yield func(Job) bool) {
		_ = yield(Job{Token: tokenN(1), Payload: alertBody}) &&
			yield(Job{Token: "zz-not-hex", Label: "bad line", Payload: alertBody, Invalid: bad}) &&
			yield(Job{Token: tokenN(3), Payload: alertBody})
	}
	got := map[int]Result{}
	for r := range c.Stream(context.Background(), src, BatchOptions{}) {
		got[r.Index] = r
	}
	if len(got) != 3 || !got[0].OK() || !got[2].OK() {
		t.Fatalf("results: %+v", got)
	}
	r := got[1]
	if r.Class != ClassInvalid || r.Err != bad || r.Status != 0 || r.Attempts != 0 || r.Token != "zz-not-hex" || r.Label != "bad line" {
		t.Errorf("refused job: %+v", r)
	}
	if n := s.Counters().Requests; n != 2 {
		t.Errorf("the server saw %d requests, want 2", n)
	}
}
