package apnstest

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"
)

func (f Faults) validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{{"Error500", f.Error500}, {"Error503", f.Error503}, {"DropFraction", f.DropFraction}} {
		if x.v < 0 || x.v > 1 {
			return fmt.Errorf("apnstest: Faults.%s is %v: use a fraction from 0 to 1", x.name, x.v)
		}
	}
	if f.Latency < 0 || f.Jitter < 0 || f.RateLimit < 0 || f.GoAwayAfter < 0 {
		return fmt.Errorf("apnstest: fault latency, jitter, rate limit and GOAWAY count cannot be negative")
	}
	return nil
}

// faultState makes fault decisions. Each decision is a pure function of the
// seed, the device token and how many times that token has been pushed
// before, never of arrival order across tokens: a concurrent batch gets the
// same faults on every run, and a retry of a token gets a fresh roll.
type faultState struct {
	f    Faults
	mu   sync.Mutex
	seen map[string]uint64 // pushes per token so far
	rate map[string]rateWindow
}

type rateWindow struct {
	sec int64
	n   int
}

// roll is one request's draw from the fault stream.
type roll struct {
	token string
	n     uint64
	ok    bool // false: no random fault configured
}

func newFaultState(f Faults) *faultState {
	return &faultState{f: f, seen: map[string]uint64{}, rate: map[string]rateWindow{}}
}

func (fs *faultState) random() bool {
	f := fs.f
	return f.Error500 > 0 || f.Error503 > 0 || f.DropFraction > 0 || f.Jitter > 0
}

// draw takes the next roll for a token.
func (fs *faultState) draw(token string) roll {
	if !fs.random() {
		return roll{}
	}
	fs.mu.Lock()
	n := fs.seen[token]
	fs.seen[token] = n + 1
	fs.mu.Unlock()
	return roll{token: token, n: n, ok: true}
}

// uniform is the roll's value in [0,1) for one purpose (salt).
func (fs *faultState) uniform(r roll, salt string) float64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(fs.f.Seed))
	h.Write(b[:])
	h.Write([]byte(r.token))
	binary.LittleEndian.PutUint64(b[:], r.n)
	h.Write(b[:])
	h.Write([]byte(salt))
	x := h.Sum64()
	// splitmix64 finaliser: FNV alone is poorly mixed in its high bits.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// server is the server-side trouble a roll brings: a dropped connection, a
// 500 or a 503; nil for none.
func (fs *faultState) server(r roll) *outcome {
	if !r.ok {
		return nil
	}
	switch {
	case fs.f.DropFraction > 0 && fs.uniform(r, "drop") < fs.f.DropFraction:
		return &outcome{drop: true}
	case fs.f.Error500 > 0 && fs.uniform(r, "500") < fs.f.Error500:
		return fail(ReasonInternalServerError)
	case fs.f.Error503 > 0 && fs.uniform(r, "503") < fs.f.Error503:
		return fail(ReasonServiceUnavailable)
	}
	return nil
}

// delay is how long the server takes to answer: Latency plus a share of
// Jitter fixed by the roll.
func (fs *faultState) delay(r roll) time.Duration {
	d := fs.f.Latency
	if r.ok && fs.f.Jitter > 0 {
		d += time.Duration(fs.uniform(r, "jitter") * float64(fs.f.Jitter))
	}
	return d
}

// DelayFor is how long a server with these faults waits before answering
// the n-th push (from 0) of token: Latency plus its share of Jitter, as
// the server draws it. A test can tell from it which pushes cannot be
// answered within a client's time limit, whatever the machine's load.
func (f Faults) DelayFor(token string, n int) time.Duration {
	fs := newFaultState(f)
	return fs.delay(roll{token: strings.ToLower(token), n: uint64(n), ok: fs.random()})
}

// rateLimited counts a push to token in the second of now and reports
// whether it is over Faults.RateLimit. Windows are whole seconds of the
// server's clock, so a test with a fixed clock is exact.
func (fs *faultState) rateLimited(token string, now time.Time) bool {
	if fs.f.RateLimit <= 0 {
		return false
	}
	sec := now.Unix()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	w := fs.rate[token]
	if w.sec != sec {
		w = rateWindow{sec: sec}
	}
	w.n++
	fs.rate[token] = w
	return w.n > fs.f.RateLimit
}
