package push

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/pushdeck/pushdeck/certs"
	"github.com/pushdeck/pushdeck/push/apnstest"
)

// APNs' radar 27870881: the stream limit drops to 1 right after a rejected
// push and is restored after the next accepted one. A batch that mixes
// good and bad tokens makes the server change its limit hundreds of times
// during one connection; the window must follow it both ways with nothing
// lost, nothing sent twice and no stall (a stall would hang the test).
func TestWindowFollowsDroppingStreamLimit(t *testing.T) {
	noLeaks(t)
	n := 3000
	if testing.Short() {
		n = 600
	}
	reg := apnstest.NewRegistry()
	js := jobs(n)
	good := 0
	for i := range js {
		// Every fifth token is one APNs never issued: BadDeviceToken.
		if i%5 != 3 {
			reg.Put(apnstest.Device{Token: js[i].Token, Environment: certs.Development})
			good++
		}
	}
	s := startServer(t, apnstest.Config{StreamLimitDrop: true, Registry: reg,
		Faults: apnstest.Faults{Latency: time.Millisecond}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	rs := collect(t, js, c.Stream(context.Background(), func(yield func(Job) bool) {
		for _, j := range js {
			if !yield(j) {
				return
			}
		}
	}, BatchOptions{}))
	minW, maxW, atOne := 1<<30, 0, 0
	for i, r := range rs {
		if r.Attempts != 1 {
			t.Fatalf("job %d: %d attempts (%d %s %v)", i, r.Attempts, r.Status, r.Reason, r.Err)
		}
		if i%5 == 3 {
			if r.Status != 400 || r.Reason != "BadDeviceToken" {
				t.Fatalf("job %d (unknown token): %d %s %v", i, r.Status, r.Reason, r.Err)
			}
		} else if !r.OK() {
			t.Fatalf("job %d: %d %s %v", i, r.Status, r.Reason, r.Err)
		}
		if r.Window < 1 || r.Window > apnstest.DefaultDropStreamLimit {
			t.Fatalf("job %d: window %d outside 1..%d", i, r.Window, apnstest.DefaultDropStreamLimit)
		}
		minW, maxW = min(minW, r.Window), max(maxW, r.Window)
		if r.Window == 1 {
			atOne++
		}
	}
	cs := s.Counters()
	if cs.Requests != int64(n) || cs.ByStatus[200] != int64(good) || cs.ByReason["BadDeviceToken"] != int64(n-good) {
		t.Errorf("server handled %d requests (%v) for %d devices, %d good", cs.Requests, cs.ByStatus, n, good)
	}
	if cs.StreamLimitChanges == 0 {
		t.Fatal("the server never changed its stream limit: the test proves nothing")
	}
	if len(cs.PerConnection) != 1 || c.Connections() != 1 {
		t.Errorf("connections: server %v, client %d; want exactly 1", cs.PerConnection, c.Connections())
	}
	t.Logf("%d devices, %d limit changes; window %d..%d, %d results at 1", n, cs.StreamLimitChanges, minW, maxW, atOne)
}

// With Concurrency 0 the window is the server's announced limit.
func TestWindowDefaultsToTheServerLimit(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{MaxStreams: 7, Faults: apnstest.Faults{Latency: time.Millisecond}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(300)
	var order []Result
	for r := range c.Batch(context.Background(), js, BatchOptions{}) {
		if !r.OK() {
			t.Fatalf("job %d: %d %s %v", r.Index, r.Status, r.Reason, r.Err)
		}
		order = append(order, r)
	}
	if len(order) != len(js) {
		t.Fatalf("%d results for %d jobs", len(order), len(js))
	}
	// The server's SETTINGS come before its first answer, and the window
	// reads the limit at every answer until it knows it: no result shows
	// more than the server allows.
	for i, r := range order {
		if r.Window != 7 {
			t.Fatalf("result %d: window %d, want the server's 7", i, r.Window)
		}
	}
	// And Concurrency bounds it.
	for r := range c.Batch(context.Background(), js, BatchOptions{Concurrency: 3}) {
		if r.Window > 3 {
			t.Fatalf("window %d above Concurrency 3", r.Window)
		}
	}
}

// An outage (every answer 503) halves the window down to its floor: APNs
// is told to slow down, and a few requests keep finding out when it ends.
func TestWindowBacksOffOn503(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{Faults: apnstest.Faults{Seed: 3, Error503: 1}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(400)
	var last Result
	n := 0
	for r := range c.Batch(context.Background(), js, BatchOptions{Concurrency: 64, MaxAttempts: 2, Backoff: time.Millisecond}) {
		if r.Reason != "ServiceUnavailable" || r.Attempts != 2 {
			t.Fatalf("job %d: %d %s %v after %d attempts", r.Index, r.Status, r.Reason, r.Err, r.Attempts)
		}
		last = r
		n++
	}
	if n != len(js) {
		t.Fatalf("%d results for %d jobs", n, len(js))
	}
	if last.Window != minCongestion {
		t.Errorf("window %d after 800 refusals, want the floor %d", last.Window, minCongestion)
	}
}

// fixedLimits is a server limit for window unit tests.
type fixedLimits int

func (f fixedLimits) serverLimit() int { return int(f) }

// The queueing cap: round trips far above the fastest one seen shrink the
// window a quarter per round down to delayFloor; round trips back near
// the fastest grow it again up to the bound. (Synthetic round trips: the
// window's arithmetic, not the clock.)
func TestWindowTrimsQueueing(t *testing.T) {
	w := newWindow(1000, fixedLimits(1000))
	round := func(rtt time.Duration) {
		n := w.limit()
		for range n {
			if err := w.acquire(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		for range n {
			w.release(signalAccepted, rtt)
		}
	}
	// It starts at the floor and doubles per round while the path is fast.
	if got := w.limit(); got != delayFloor {
		t.Fatalf("window %d at the start, want %d", got, delayFloor)
	}
	var start []int
	for range 5 {
		round(time.Millisecond) // the fastest: 1 ms
		start = append(start, w.limit())
	}
	if want := []int{200, 400, 800, 1000, 1000}; !slices.Equal(start, want) {
		t.Fatalf("slow start %v, want %v", start, want)
	}
	var trace []int
	for range 30 {
		round(40 * time.Millisecond) // everything now waits in queues
		trace = append(trace, w.limit())
	}
	if got := w.limit(); got != delayFloor {
		t.Fatalf("window %d after slow rounds, want the floor %d: %v", got, delayFloor, trace)
	}
	for i := 1; i < len(trace); i++ {
		if trace[i] > trace[i-1] {
			t.Fatalf("the window grew while round trips stayed slow: %v", trace)
		}
	}
	for range 60 {
		round(time.Millisecond)
	}
	if got := w.limit(); got != 1000 {
		t.Errorf("window %d after fast rounds again, want 1000", got)
	}
	// With a path whose round trip does not grow (APNs' 20-40 ms), the
	// window stays at the server's limit.
	w = newWindow(1000, fixedLimits(500))
	for range 20 {
		round(20 * time.Millisecond)
	}
	if got := w.limit(); got != 500 {
		t.Errorf("window %d on a steady 20 ms path, want the server's 500", got)
	}
}
