package push

import "time"

// rateProbe is the window's rate cap: it grows the window while more
// streams bring more answers per second, and stops where they no longer
// do, because from there extra streams only wait in queues (the client's,
// the server's, the kernel's) and cost memory and latency.
//
// The window's worth of answers is a round. Each round in which the window
// was full and this cap was what held it (not the server's limit, the
// back-off or the caller's bound; not a source slower than the window)
// gives one sample: answers per second over the round.
//
//   - Start-up: the cap starts at delayFloor and doubles (up to the
//     servers' limit and the caller's bound) after every round whose rate
//     beat the best so far by 10% (startupGain; a smaller step, by
//     proportionally less, at least 2%). A round that did not, while its
//     round trip grew by queueGrowth over the best round's (the extra
//     streams only queued: Little's law), ends the start-up at the cap of
//     the best round; startupFlat rounds without the gain and without
//     queueing (a noisy machine) end it where it is.
//   - Hold: the held rate follows the rounds' rates; every probeEvery
//     rounds the start-up runs again from the held cap, so a path that got
//     faster (a machine that got less busy) is filled again; a probe that
//     found nothing costs one round at twice the window, and doubles the
//     rounds until the next one (up to maxProbeEvery).
//
// With APNs' 20-40 ms round trips the rate doubles with the window until
// the server's or the machine's limit, so the cap reaches the servers'
// stream limit in a few round trips ("fill it"); on a server that answers
// at once (a loopback mock) the first doubling brings no more answers, only
// twice the round trip, and the cap stays at delayFloor. Unlike a cap on
// the round trip alone, it keeps growing where the round trip grows with
// the window but the rate grows too (a server or client that does less
// work per request the more requests it gets at once).
type rateProbe struct {
	cap   int
	phase probePhase
	// full records that the window was full at some time in this round.
	full bool

	// The current round: when it started, its answers and round trips.
	start  time.Time
	n      int
	rttSum time.Duration
	rttN   int

	// best is the best round's rate in start-up, the held rate after it;
	// bestCap and bestRTT are the cap and mean round trip of that round.
	best    float64
	bestCap int
	bestRTT time.Duration
	need    float64 // the rate gain over best that the current cap must bring
	flat    int     // start-up rounds in a row without that gain
	holds   int     // rounds held since the last probe
	// every is the rounds between probes: probeEvery, doubled after
	// each probe that found nothing (up to maxProbeEvery).
	every int
	from  int // the cap a probe started from; 0 in the first start-up
}

type probePhase int

const (
	probeStartup probePhase = iota
	probeHold
)

// Rate probe tuning: how much more rate a bigger window must bring to be
// kept, how much longer round trips show the extra streams queued, and how
// often the held window tries a bigger one.
const (
	startupGain   = 0.10 // a doubled window must raise the rate by 10%, a quarter more by 2.5%
	minGain       = 1.02
	queueGrowth   = 1.25
	startupFlat   = 3
	probeEvery    = 8
	maxProbeEvery = 64
)

// learnRate counts one answer (rtt is its round trip, 0 if unknown) and,
// at the end of a round, moves the rate cap. Called with w.mu held.
func (w *window) learnRate(rtt time.Duration) {
	p := &w.probe
	now := w.now()
	if p.start.IsZero() {
		// The first answer starts the clock: the dial and handshake
		// before it are no part of any round's rate.
		p.start = now
		return
	}
	p.n++
	if rtt > 0 {
		p.rttSum += rtt
		p.rttN++
	}
	limit := w.limitLocked()
	if p.n < limit {
		return
	}
	elapsed := now.Sub(p.start)
	n, full, binding := p.n, p.full, p.cap <= limit
	var mean time.Duration
	if p.rttN > 0 {
		mean = p.rttSum / time.Duration(p.rttN)
	}
	p.start, p.n, p.rttSum, p.rttN, p.full = now, 0, 0, 0, false
	if elapsed <= 0 || !full || !binding {
		// Something other than this cap set the pace: nothing to learn.
		return
	}
	old := p.cap
	p.round(float64(n)/elapsed.Seconds(), mean, w.ceiling())
	if p.cap > old {
		w.cond.Broadcast()
	}
}

// ceiling is the most the rate cap may grow to: the caller's bound and the
// servers' limit.
func (w *window) ceiling() int {
	if w.server > 0 {
		return max(1, min(w.bound, w.server))
	}
	return w.bound
}

// round moves the cap after a round that delivered rate answers per second
// with mean round trip rtt.
func (p *rateProbe) round(rate float64, rtt time.Duration, ceiling int) {
	switch p.phase {
	case probeStartup:
		if p.best == 0 || rate >= p.best*p.need {
			p.best, p.bestCap, p.bestRTT, p.flat = rate, p.cap, rtt, 0
			p.grow(ceiling)
			return
		}
		if p.bestRTT > 0 && float64(rtt) >= float64(p.bestRTT)*queueGrowth {
			// More streams, no more answers, longer round trips: the
			// extra streams only queued.
			p.cap = p.bestCap
			p.hold(p.best)
			return
		}
		if p.flat++; p.flat >= startupFlat {
			p.hold(rate)
		}
	case probeHold:
		// The held rate follows the machine's and server's pace.
		p.best = (p.best + rate) / 2
		if p.holds++; p.holds < max(p.every, probeEvery) {
			return
		}
		// Probe: start up again from here.
		p.holds, p.flat, p.bestCap, p.bestRTT, p.from = 0, 0, p.cap, rtt, p.cap
		p.phase = probeStartup
		p.grow(ceiling)
	}
}

// grow doubles the cap, up to ceiling, and sets the rate gain the bigger
// window must bring; at the ceiling it holds.
func (p *rateProbe) grow(ceiling int) {
	next := min(2*p.cap, ceiling)
	if next <= p.cap {
		p.hold(p.best)
		return
	}
	p.need = max(1+startupGain*float64(next-p.cap)/float64(p.cap), minGain)
	p.cap = next
}

func (p *rateProbe) hold(rate float64) {
	if p.phase == probeStartup {
		if p.from > 0 && p.cap <= p.from {
			p.every = min(2*max(p.every, probeEvery), maxProbeEvery)
		} else {
			p.every = probeEvery
		}
	}
	p.phase, p.best, p.holds = probeHold, rate, 0
}
