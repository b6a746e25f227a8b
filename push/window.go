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
// The transport enforces each server's limit by itself (requests beyond it
// wait inside x/net for a free stream); the window keeps that queue short,
// so a request's time limit is spent on the wire rather than in a queue,
// and so a lowered limit does not leave hundreds of requests parked.
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
	// delay is the queueing cap: streams beyond what the path needs only
	// wait in queues (the client's, the server's, the kernel's) and cost
	// CPU and memory. Once a round of answers shows the round trip well
	// above the fastest one seen (base), the cap shrinks toward the window
	// that keeps it near twice base (at least by a quarter), not below
	// delayFloor; when the round trip is back near base it grows by a
	// quarter a round (doubling, until the first trim), up to bound. With
	// APNs' 20-40 ms the round trip hardly grows with the window and the cap
	// reaches the server's limit in a few round trips; on a loopback server
	// that answers at once it stays near delayFloor.
	delay      int
	slowStart  bool // doubling delay per round until the first trim
	base, srtt time.Duration
	sinceRound int
}

// serverLimits reports the sum of the live connections' stream limits (0
// while no connection has said).
type serverLimits interface {
	serverLimit() int
}

// Before a connection has sent its SETTINGS, x/net allows 100 streams.
const initialServerLimit = 100

// minCongestion is the floor of the back-off: a 429 is about one device and
// a 503 about a moment, so a few requests keep flowing to learn when it ends.
const minCongestion = 8

// delayFloor is the least the queueing cap allows: the 100 streams apns2
// and h2load keep by default, enough for a fast path.
const delayFloor = 100

func newWindow(bound int, limits serverLimits) *window {
	// The queueing cap starts at delayFloor and doubles per round while
	// the round trip stays near the fastest (TCP's slow start): a fast
	// path reaches the server's limit in a few round trips, and a send
	// that never needed more streams never builds them.
	w := &window{bound: bound, congestion: bound, delay: min(bound, delayFloor), slowStart: true, limits: limits}
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
	return max(1, min(w.bound, server, w.congestion, w.delay))
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
		w.learnDelay(rtt, limit)
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
	w.cond.Broadcast()
}

// learnDelay folds an accepted answer's round trip into base and srtt and,
// once per round (a window's worth of answers), moves the queueing cap.
func (w *window) learnDelay(rtt time.Duration, limit int) {
	if rtt <= 0 {
		return
	}
	if w.base == 0 || rtt < w.base {
		w.base = rtt
	}
	if w.srtt == 0 {
		w.srtt = rtt
	} else {
		w.srtt += (rtt - w.srtt) / 8
	}
	w.sinceRound++
	if w.sinceRound < limit {
		return
	}
	w.sinceRound = 0
	queueing := w.srtt - w.base
	switch {
	case queueing > max(w.base, 2*time.Millisecond):
		w.slowStart = false
		if w.delay <= delayFloor {
			break
		}
		// Where the round trip grows with the window, the window that
		// keeps it near twice the fastest is about limit x 2base/srtt:
		// go there at once (at least a quarter down), not a quarter per
		// round.
		target := int(int64(limit) * int64(2*max(w.base, time.Millisecond)) / int64(w.srtt))
		w.delay = max(delayFloor, min(min(w.delay, limit)*3/4, target))
	case queueing < max(w.base/2, time.Millisecond) && w.delay < w.bound:
		step := max(w.delay/4, 1)
		if w.slowStart {
			step = w.delay
		}
		w.delay = min(w.bound, w.delay+step)
		w.cond.Broadcast()
	}
}

// refreshEvery is how many completions pass between reads of the servers'
// limits when nothing is rejected (each read takes two of the
// connection's locks).
const refreshEvery = 16
