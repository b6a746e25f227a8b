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

// path is a model server for the rate cap: it answers a request no sooner
// than base after it was sent, one at a time, capacity(W) a second with W
// requests in flight; a request waits behind those sent before it.
type path struct {
	base     time.Duration
	capacity func(w int) float64
	// burst, if above 1, delivers answers to the client that many at a
	// time, all when the last of them is ready (a reader that finds a
	// hundred answers in one read after a pause); the batch's first
	// answer comes alone, as on an idle connection.
	burst int
}

// sim runs answers through a window on a model path with a simulated
// clock, keeping the window full.
type sim struct {
	t    *testing.T
	w    *window
	now  time.Time
	sent []time.Time // the requests in flight, oldest first
	last time.Time   // when the server last answered
}

func newSim(t *testing.T, w *window) *sim {
	s := &sim{t: t, w: w, now: time.Unix(1e9, 0)}
	s.last = s.now
	w.now = func() time.Time { return s.now }
	return s
}

// drive runs n answers on p and returns the window after each.
func (s *sim) drive(p path, n int) []int {
	s.t.Helper()
	trace := make([]int, 0, n)
	var burst []time.Time // send times of the answers read together
	for len(trace) < n {
		for len(s.sent) < s.w.limit() {
			if err := s.w.acquire(context.Background()); err != nil {
				s.t.Fatal(err)
			}
			s.sent = append(s.sent, s.now)
		}
		burst = burst[:0]
		size := max(1, p.burst)
		if len(trace) == 0 {
			size = 1
		}
		var done time.Time
		for len(burst) < size && len(s.sent) > 0 {
			sent := s.sent[0]
			s.sent = s.sent[1:]
			done = s.last.Add(time.Duration(float64(time.Second) / p.capacity(len(s.sent)+1)))
			if d := sent.Add(p.base); d.After(done) {
				done = d
			}
			s.last = done
			burst = append(burst, sent)
		}
		s.now = done
		for _, sent := range burst {
			s.w.release(signalAccepted, done.Sub(sent))
			trace = append(trace, s.w.limit())
		}
	}
	return trace[:n]
}

func drive(t *testing.T, w *window, p path, n int) []int {
	t.Helper()
	return newSim(t, w).drive(p, n)
}

func flat(r float64) func(int) float64 { return func(int) float64 { return r } }

// The rate probe (synthetic paths and clock: the window's arithmetic, not
// the machine's timing).
func TestWindowRateProbe(t *testing.T) {
	// A loopback server answering within 1 ms, 9,000 a second whatever
	// the window: more streams would only queue, and the window stays at
	// the floor.
	w := newWindow(1000, fixedLimits(1000))
	if got := w.limit(); got != rateFloor {
		t.Fatalf("window %d at the start, want %d", got, rateFloor)
	}
	trace := drive(t, w, path{base: time.Millisecond, capacity: flat(9000)}, 20000)
	if top := slices.Max(trace); top > rateFloor {
		t.Errorf("fast path: window up to %d, want %d", top, rateFloor)
	}

	// The same server, its answers read a hundred at a time: a round of
	// answers takes no time to arrive, but its requests took the server's
	// pace to send; the window stays at the floor.
	w = newWindow(1000, fixedLimits(1000))
	trace = drive(t, w, path{base: time.Millisecond, capacity: flat(9000), burst: 100}, 20000)
	if top := slices.Max(trace); top > rateFloor {
		t.Errorf("fast path read in bursts: window up to %d, want %d", top, rateFloor)
	}

	// APNs at 20 ms where the server does less work per request the more
	// it gets at once (8,600/s at 100 streams, 14,000/s at 1,000): the
	// rate grows with the window up to the server's limit, so the window
	// fills it although the round trip grows from 20 to 70 ms.
	w = newWindow(1000, fixedLimits(1000))
	trace = drive(t, w, path{base: 20 * time.Millisecond, capacity: func(n int) float64 { return 8000 + 6*float64(n) }}, 20000)
	if got := trace[len(trace)-1]; got != 1000 {
		t.Errorf("20 ms path: window %d at the end, want the server's 1000", got)
	}
	if i := slices.Index(trace, 1000); i < 0 || i > 3000 {
		t.Errorf("20 ms path: the window reached 1000 after %d answers, want within 3000", i)
	}

	// 20 ms but a server that never does more than 8,000 a second: 160
	// streams carry that (8,000 x 20 ms); the cap is probeGain times that,
	// not the server's 1,000.
	w = newWindow(1000, fixedLimits(1000))
	trace = drive(t, w, path{base: 20 * time.Millisecond, capacity: flat(8000)}, 20000)
	if got, want := trace[len(trace)-1], probeGain*160; got < want*9/10 || got > want*11/10 {
		t.Errorf("20 ms path at 8,000/s: window %d at the end, want about %d", got, want)
	}

	// A steady 20 ms path and a server limit of 500: the window is the
	// server's limit.
	w = newWindow(1000, fixedLimits(500))
	trace = drive(t, w, path{base: 20 * time.Millisecond, capacity: flat(1e9)}, 5000)
	if got := trace[len(trace)-1]; got != 500 {
		t.Errorf("steady 20 ms path: window %d, want the server's 500", got)
	}

	// A busy machine (4,000 a second), then a free one: the window
	// follows the rate up.
	w = newWindow(1000, fixedLimits(1000))
	busy := true
	p := path{base: 20 * time.Millisecond, capacity: func(n int) float64 {
		if busy {
			return 4000
		}
		return 8000 + 6*float64(n)
	}}
	sm := newSim(t, w)
	trace = sm.drive(p, 5000)
	if got, want := trace[len(trace)-1], probeGain*80; got > want*11/10 {
		t.Errorf("busy 20 ms path: window %d, want at most about %d", got, want)
	}
	busy = false
	trace = sm.drive(p, 40000)
	if got := trace[len(trace)-1]; got < 800 {
		t.Errorf("20 ms path after the machine freed up: window %d, want at least 800", got)
	}
}
