package apnstest

import (
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// tokenN is the n-th distinct, well-formed test token.
func tokenN(n int) string {
	return fmt.Sprintf("%064x", n+1)
}

func TestRateLimit(t *testing.T) {
	var now atomic.Int64
	now.Store(fixedNow.UnixNano())
	s := start(t, func(c *Config) {
		c.Faults.RateLimit = 3
		c.Now = func() time.Time { return time.Unix(0, now.Load()) }
	})
	cl := client(t, s, &fx.dev)
	var got []int
	for range 5 {
		got = append(got, do(t, cl, s, req{}).status)
	}
	if fmt.Sprint(got) != "[200 200 200 429 429]" {
		t.Fatalf("five pushes to one token in one second: %v", got)
	}
	if r := do(t, cl, s, req{token: tokenN(7)}); r.status != 200 {
		t.Fatalf("another token is not limited: %d", r.status)
	}
	now.Add(int64(time.Second))
	if r := do(t, cl, s, req{}); r.status != 200 {
		t.Fatalf("next second: %d %s", r.status, r.reason)
	}
	if c := s.Counters(); c.ByReason[ReasonTooManyRequests] != 2 {
		t.Fatalf("counters %+v", c)
	}
}

// outcomes pushes once to each of n tokens, concurrently when par, and
// returns status per token (0 for a transport error).
func outcomes(t *testing.T, f Faults, n int, par bool) (map[string]int, Counters) {
	s := start(t, func(c *Config) { c.Faults = f })
	cl := client(t, s, &fx.dev)
	out := make(map[string]int, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		tok := tokenN(i)
		one := func() {
			r, err := try(cl, s, req{token: tok})
			mu.Lock()
			if err == nil {
				out[tok] = r.status
			} else {
				out[tok] = 0
			}
			mu.Unlock()
		}
		if par {
			wg.Add(1)
			sem <- struct{}{}
			go func() { defer wg.Done(); defer func() { <-sem }(); one() }()
		} else {
			one()
		}
	}
	wg.Wait()
	c := s.Counters()
	s.Close()
	return out, c
}

func TestErrorFractionsDeterministic(t *testing.T) {
	f := Faults{Seed: 42, Error500: 0.2, Error503: 0.1}
	seq, c := outcomes(t, f, 300, false)
	par, _ := outcomes(t, f, 300, true)
	if fmt.Sprint(seq) != fmt.Sprint(par) {
		t.Fatal("same seed, same tokens: a concurrent run gave other faults than a sequential one")
	}
	n500, n503 := c.ByStatus[500], c.ByStatus[503]
	// Expected 60 and 24 of 300; the bounds are wide enough for any seed.
	if n500 < 30 || n500 > 95 || n503 < 8 || n503 > 45 || c.ByStatus[200] != 300-n500-n503 {
		t.Fatalf("by status %v: fractions far from 0.2 / 0.1", c.ByStatus)
	}
	if c.ByReason[ReasonInternalServerError] != n500 || c.ByReason[ReasonServiceUnavailable] != n503 {
		t.Fatalf("reasons %v do not match statuses %v", c.ByReason, c.ByStatus)
	}
	other, _ := outcomes(t, Faults{Seed: 43, Error500: 0.2, Error503: 0.1}, 300, false)
	if fmt.Sprint(seq) == fmt.Sprint(other) {
		t.Fatal("another seed gave the very same faults")
	}
}

func TestRetryGetsAFreshRoll(t *testing.T) {
	s := start(t, func(c *Config) { c.Faults = Faults{Seed: 1, Error503: 0.5} })
	cl := client(t, s, &fx.dev)
	// A token that keeps failing forever would make retries pointless.
	for i := range 20 {
		ok := false
		for range 30 {
			if do(t, cl, s, req{token: tokenN(i)}).status == 200 {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatalf("token %d never got through in 30 tries at 50%% failures", i)
		}
	}
}

func TestDropDeterministic(t *testing.T) {
	f := Faults{Seed: 9, DropFraction: 0.3}
	a, ca := outcomes(t, f, 60, false)
	b, _ := outcomes(t, f, 60, false)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed gave other drops")
	}
	drops := 0
	for _, st := range a {
		if st == 0 {
			drops++
		} else if st != 200 {
			t.Fatalf("unexpected status %d", st)
		}
	}
	if drops < 5 || drops > 35 || int64(drops) != ca.Dropped {
		t.Fatalf("%d transport errors, server counted %d drops (of 60 at 0.3)", drops, ca.Dropped)
	}
	// Every drop cost the connection: the client had to dial again.
	if ca.Connections < int64(drops) {
		t.Fatalf("%d connections for %d drops", ca.Connections, drops)
	}
}

func TestGoAwayAfter(t *testing.T) {
	s := start(t, func(c *Config) { c.Faults.GoAwayAfter = 5 })
	cl := client(t, s, &fx.dev)
	for i := range 12 {
		if r := do(t, cl, s, req{token: tokenN(i)}); r.status != 200 {
			t.Fatalf("push %d: %d %s", i, r.status, r.reason)
		}
	}
	// 12 sequential pushes, 5 per connection: 3 connections, 2 GOAWAYs.
	if c := s.Counters(); c.Connections != 3 || c.GoAways != 2 || c.ByStatus[200] != 12 {
		t.Fatalf("counters %+v, want 3 connections and 2 GOAWAYs", c)
	}
}

// TestGoAwayLetsInFlightFinish: streams open when the GOAWAY goes out still
// get their answer.
func TestGoAwayLetsInFlightFinish(t *testing.T) {
	s := start(t, func(c *Config) {
		c.Faults.GoAwayAfter = 3
		c.Faults.Latency = 50 * time.Millisecond
	})
	cl := client(t, s, &fx.dev)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r, err := try(cl, s, req{token: tokenN(i)}); err != nil || r.status != 200 {
				failed.Add(1)
				t.Errorf("push %d: %v %+v", i, err, r)
			}
		}()
	}
	wg.Wait()
	// All ten were open before the third answer (50ms latency), so all ten
	// finish on the first connection; the next push needs a new one.
	if c := s.Counters(); c.GoAways != 1 || c.Connections != 1 || c.ByStatus[200] != 10 || failed.Load() != 0 {
		t.Fatalf("counters %+v", c)
	}
	if r := do(t, cl, s, req{}); r.status != 200 {
		t.Fatalf("after GOAWAY: %d", r.status)
	}
	if c := s.Counters(); c.Connections != 2 {
		t.Fatalf("push after GOAWAY used %d connections in all, want 2", c.Connections)
	}
}

func TestJitterDeterministic(t *testing.T) {
	f := Faults{Seed: 5, Latency: 10 * time.Millisecond, Jitter: 40 * time.Millisecond}
	a, b := newFaultState(f), newFaultState(f)
	distinct := map[time.Duration]bool{}
	for i := range 50 {
		da, db := a.delay(a.draw(tokenN(i))), b.delay(b.draw(tokenN(i)))
		if da != db {
			t.Fatalf("token %d: %v vs %v with the same seed", i, da, db)
		}
		if da < f.Latency || da > f.Latency+f.Jitter {
			t.Fatalf("delay %v outside [%v, %v]", da, f.Latency, f.Latency+f.Jitter)
		}
		distinct[da] = true
	}
	if len(distinct) < 40 {
		t.Fatalf("only %d distinct delays of 50: jitter is not spread", len(distinct))
	}
}

func TestLatencyApplied(t *testing.T) {
	s := start(t, func(c *Config) { c.Faults.Latency = 80 * time.Millisecond })
	cl := client(t, s, &fx.dev)
	do(t, cl, s, req{}) // connect first: the handshake is not what we measure
	t0 := time.Now()
	do(t, cl, s, req{})
	if d := time.Since(t0); d < 80*time.Millisecond {
		t.Fatalf("answered in %v with 80ms latency", d)
	}
}

func TestFaultsValidated(t *testing.T) {
	for _, f := range []Faults{{Error500: 1.5}, {DropFraction: -0.1}, {Latency: -1}} {
		if _, err := Start(Config{Faults: f}); err == nil {
			t.Errorf("%+v accepted", f)
		}
	}
}

func TestMaxConcurrentStreamsAdvertised(t *testing.T) {
	for _, want := range []uint32{0, 7} {
		s := start(t, func(c *Config) { c.MaxStreams = want })
		if want == 0 {
			want = 1000
		}
		if got := advertisedStreams(t, s); got != want {
			t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS %d, want %d", got, want)
		}
	}
}

// advertisedStreams reads the server's first SETTINGS frame by hand.
func advertisedStreams(t *testing.T, s *Server) uint32 {
	t.Helper()
	cl := client(t, s, nil)
	tc := cl.Transport.(*http2.Transport).TLSClientConfig
	conn, err := tls.Dial("tcp", s.Addr(), tc)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN %q", p)
	}
	conn.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(conn, conn)
	fr.WriteSettings()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if sf, ok := f.(*http2.SettingsFrame); ok && !sf.IsAck() {
			v, _ := sf.Value(http2.SettingMaxConcurrentStreams)
			return v
		}
	}
}

func TestHTTP1Refused(t *testing.T) {
	s := start(t, nil)
	cl := client(t, s, nil)
	tc := cl.Transport.(*http2.Transport).TLSClientConfig.Clone()
	tc.NextProtos = []string{"http/1.1"}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	defer c.CloseIdleConnections()
	if _, err := c.Post(s.URL()+"/3/device/"+okToken, "application/json", nil); err == nil {
		t.Fatal("an HTTP/1.1 client got an answer")
	}
}

func TestConcurrentCounters(t *testing.T) {
	s := start(t, nil)
	var wg sync.WaitGroup
	for k := range 4 {
		cl := client(t, s, &fx.dev)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				tok := tokenN(k*100 + i)
				if i%5 == 0 {
					tok = hex.EncodeToString([]byte("short"))
				}
				try(cl, s, req{token: tok})
			}
		}()
	}
	wg.Wait()
	c := s.Counters()
	if c.Requests != 200 || c.ByStatus[200] != 160 || c.ByStatus[400] != 40 || c.ByReason[ReasonBadDeviceToken] != 40 || c.Connections != 4 {
		t.Fatalf("counters %+v", c)
	}
	c.ByStatus[200] = -1
	if s.Counters().ByStatus[200] != 160 {
		t.Fatal("Counters returned the live map, not a copy")
	}
}

func TestCloseWithRequestInFlight(t *testing.T) {
	s, err := Start(Config{ClientCAs: fx.ca.Pool(), Faults: Faults{Latency: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	cl := client(t, s, &fx.dev)
	done := make(chan error, 1)
	go func() { _, err := try(cl, s, req{}); done <- err }()
	for s.Counters().Requests == 0 {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the in-flight push got an answer from a closed server")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := try(cl, s, req{}); err == nil {
		t.Fatal("a closed server answered")
	}
}

// BenchmarkPush measures accepted pushes per second over one HTTP/2
// connection with b.N pushes spread over parallel streams.
func BenchmarkPush(b *testing.B) {
	s := start(b, nil)
	cl := client(b, s, &fx.dev)
	do(b, cl, s, req{})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r, err := try(cl, s, req{}); err != nil || r.status != 200 {
				b.Errorf("%v %+v", err, r)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
}

// BenchmarkPushToken is BenchmarkPush with token auth (a JWT verified per
// request).
func BenchmarkPushToken(b *testing.B) {
	s := start(b, nil)
	cl := client(b, s, nil)
	hdr := h("authorization", "bearer "+jwtFor(b, fx.key, keyID, team, time.Now()), "apns-topic", bundle)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r, err := try(cl, s, req{header: hdr}); err != nil || r.status != 200 {
				b.Errorf("%v %+v", err, r)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pushes/s")
}
