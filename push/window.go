package push

import (
	"context"
	"sync"
	"time"
)

// window is a batch's in-flight limit: how many requests may be on the wire
// at once. It follows what the servers allow, each connection's
// SETTINGS_MAX_CONCURRENT_STREAMS summed over the pool, in both directions
// (APNs lowers its limit during a connection, to 1 after a rejected push
// and back after an accepted one), backs off when APNs says it is
// overloaded (429, 503, GOAWAY), and never exceeds bound (the caller's
// Concurrency).
//
// The connections enforce each server's limit by themselves (requests
// beyond it wait in push/internal/h2conn for a free stream); the window
// keeps that queue short, so a request's time limit is spent on the wire
// rather than in a queue, and so a lowered limit does not leave hundreds
// of requests parked.
type window struct {
	mu       sync.Mutex
	cond     *sync.Cond
	inflight int
	bound    int
	// server is the servers' current limit, re-read from the pool every
	// few completed requests and after every rejection; 0 until known.
	server int
	// congestion is the additive-increase, multiplicative-decrease cap:
	// halved (not below minCongestion) on 429/503/GOAWAY, at most once per
	// window's worth of completions, and raised by one per accepted push
	// (doubling per round trip, as TCP's slow start).
	congestion    int
	sinceDecrease int
	sinceRefresh  int
	limits        serverLimits
	// probe is the rate probe: the cap that keeps the window where more
	// streams still raise the rate of answers (window_rate.go).
	probe rateProbe
	now   func() time.Time // time.Now; a test's clock in unit tests
}

// serverLimits reports the sum of the live connections' stream limits (0
// while no connection has said).
type serverLimits interface {
	serverLimit() int
}

// Before a connection has sent its SETTINGS, h2conn (as x/net) allows 100
// streams.
const initialServerLimit = 100

// minCongestion is the floor of the back-off: a 429 is about one device and
// a 503 about a moment, so a few requests keep flowing to learn when it ends.
const minCongestion = 8

// rateFloor is the least the rate cap allows: the 100 streams apns2
// and h2load keep by default, enough for a fast path.
const rateFloor = 100

func newWindow(bound int, limits serverLimits) *window {
	w := &window{bound: bound, congestion: bound, limits: limits, now: time.Now}
	w.probe.cap = min(bound, rateFloor)
	w.cond = sync.NewCond(&w.mu)
	return w
}

// limit is the current window.
func (w *window) limit() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.limitLocked()
}

func (w *window) limitLocked() int {
	server := w.server
	if server <= 0 {
		server = initialServerLimit
	}
	return max(1, min(w.bound, server, w.congestion, w.probe.cap))
}

// refreshLocked re-reads the servers' limit and wakes waiters if it grew.
func (w *window) refreshLocked() {
	w.sinceRefresh = 0
	if w.limits == nil {
		return
	}
	if n := w.limits.serverLimit(); n > 0 && n != w.server {
		grew := n > w.server
		w.server = n
		if grew {
			w.cond.Broadcast()
		}
	}
}

// acquire waits for room in the window; it fails only when ctx ends.
func (w *window) acquire(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.server <= 0 {
		w.refreshLocked()
	}
	if w.inflight >= w.limitLocked() && ctx.Done() != nil {
		// Wake this waiter when ctx ends: sync.Cond knows no contexts.
		stop := context.AfterFunc(ctx, func() {
			w.mu.Lock()
			w.cond.Broadcast()
			w.mu.Unlock()
		})
		defer stop()
	}
	for w.inflight >= w.limitLocked() {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.cond.Wait()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	w.inflight++
	if w.inflight >= w.limitLocked() {
		w.probe.full = true
	}
	return nil
}

// signal is what one attempt told the window.
type signal int

const (
	signalNone     signal = iota // no answer worth learning from (invalid, cancelled)
	signalAccepted               // 200
	signalRejected               // another APNs answer (4xx): APNs may lower its limit
	signalOverload               // 429, 500, 503, GOAWAY: back off
)

// release gives back an attempt's slot and learns from how it ended; rtt
// is the attempt's round trip.
func (w *window) release(s signal, rtt time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight--
	limit := w.limitLocked()
	w.sinceDecrease++
	switch s {
	case signalAccepted:
		if w.congestion < w.bound {
			w.congestion++
		}
	case signalOverload:
		if w.sinceDecrease >= limit {
			w.congestion = max(minCongestion, limit/2)
			w.sinceDecrease = 0
		}
	}
	// The servers' limits change with their SETTINGS: look after every
	// rejection (APNs lowers its limit right after one), after every
	// answer until the servers' limits are known (the SETTINGS that carry
	// them come before any answer), and every few answers otherwise (every
	// one while the window is small), so a raised limit is filled within a
	// few round trips.
	w.sinceRefresh++
	if s == signalRejected || s == signalOverload || w.server <= 0 || w.sinceRefresh >= min(refreshEvery, limit) {
		w.refreshLocked()
	}
	if s != signalNone {
		w.learnRate(rtt)
	}
	w.cond.Broadcast()
}

// refreshEvery is how many completions pass between reads of the servers'
// limits when nothing is rejected (each read takes two of the
// connection's locks).
const refreshEvery = 16
