package push

import "time"

// rateProbe is the window's rate cap, after BBR: the path's
// bandwidth-delay product (the best rate of answers seen lately times the
// shortest round trip seen) times probeGain. The window grows while more
// streams bring more answers a second, since each better rate raises the
// cap, and stops where they no longer do: from there extra streams only
// wait in queues (the client's, the server's, the kernel's) and cost
// memory and latency.
//
//   - With APNs' 20-40 ms round trips the rate grows with the window, so the
//     cap multiplies by up to probeGain a round until the servers' stream
//     limit ("fill it"): 100 streams at 25 ms give 4,000 a second, a cap of
//     400; 400 streams give 16,000, a cap of 1,600, above APNs' 1,000.
//     Where the round trip also grows with the window (a busy server or
//     machine), the cap still grows as long as the rate does.
//   - On a server that answers at once (a loopback mock: 10,000 a second
//     at 1 ms) the product is a few streams and the cap stays at
//     rateFloor, as apns2's and h2load's 100: more streams would only
//     queue.
//
// A round is a window's worth of answers. Rounds in which the window was
// not full and this cap not what held it (a source slower than the window,
// the server's limit, the back-off) give no rate sample unless it beats the
// best one. The best rate is the highest of the last rateRounds rounds'
// (so it follows a machine that got busier). The shortest round trip is
// the shortest of the batch: unlike BBR, which empties the path every 10 s
// to measure it afresh, a batch does not re-learn it, because with the
// window full every answer has waited behind the others, and taking that
// wait for the path's delay would feed the cap its own queue.
type rateProbe struct {
	cap int
	// full records that the window was full at some time in this round.
	full bool

	// The current round: when it started, when the request of the answer
	// that started it was sent, its answers.
	start, sendStart time.Time
	n                int

	rates  [rateRounds]float64 // answers a second of the last rounds
	next   int
	minRTT time.Duration
}

// Rate cap tuning.
const (
	// probeGain multiplies the bandwidth-delay product (BBR uses 2). On a
	// loopback test server at 20 ms the server's rate itself grows with
	// the streams it is given (it does less work per request in bigger
	// batches), and the 1,000 streams it allows beat 500 by a quarter.
	probeGain  = 4
	rateRounds = 10
)

// learnRate counts one answer (rtt is its round trip, 0 if unknown) and,
// at the end of a round, moves the rate cap. Called with w.mu held.
func (w *window) learnRate(rtt time.Duration) {
	p := &w.probe
	now := w.now()
	sent := now.Add(-rtt)
	if rtt > 0 {
		if p.minRTT == 0 || rtt < p.minRTT {
			p.minRTT = rtt
		}
	}
	if p.start.IsZero() {
		// The first answer starts the clock: the dial and handshake
		// before it are no part of any round's rate.
		p.start, p.sendStart = now, sent
		return
	}
	p.n++
	limit := w.limitLocked()
	if p.n < limit {
		return
	}
	// The round lasted from its first answer to its last, or, if longer,
	// from the sending of the request that opened it to the sending of
	// the one that closed it (BBR's delivery rate). Answers read in a
	// burst (a hundred in one TLS read after a pause) take microseconds
	// to arrive but their requests took the pause to send: timed by the
	// answers alone, such a round claims millions a second and drives the
	// cap to the servers' limit on a path that gains nothing from it.
	elapsed := max(now.Sub(p.start), sent.Sub(p.sendStart))
	n, sampled := p.n, p.full && p.cap <= limit
	p.start, p.sendStart, p.n, p.full = now, sent, 0, false
	if elapsed <= 0 {
		return
	}
	rate := float64(n) / elapsed.Seconds()
	best := p.best()
	if !sampled && rate <= best {
		// Something other than this cap set the pace: the round says
		// nothing about what more streams would bring.
		return
	}
	p.rates[p.next] = rate
	p.next = (p.next + 1) % rateRounds
	old := p.cap
	p.cap = p.capFor(w.ceiling())
	if p.cap > old {
		w.cond.Broadcast()
	}
}

// best is the highest rate of the last rateRounds rounds.
func (p *rateProbe) best() float64 {
	b := 0.0
	for _, r := range p.rates {
		b = max(b, r)
	}
	return b
}

// capFor is the cap the current estimates give, between rateFloor and
// ceiling.
func (p *rateProbe) capFor(ceiling int) int {
	bdp := p.best() * p.minRTT.Seconds()
	c := int(min(bdp*probeGain, float64(ceiling)))
	return max(min(rateFloor, ceiling), c)
}

// ceiling is the most the rate cap may grow to: the caller's bound and the
// servers' limit.
func (w *window) ceiling() int {
	if w.server > 0 {
		return max(1, min(w.bound, w.server))
	}
	return w.bound
}
