package push

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/pushdeck/pushdeck/push/apnstest"
)

// Tests of the engine's own HTTP/2 client (push/internal/h2conn) through
// the Client, against apnstest and, for what x/net's server cannot be made
// to do, a raw framer-based server (rawh2_test.go).

// 1,000 streams of 4 KB need 4 MB of send window: far more than the
// connection's initial 65,535 bytes and x/net's server's 1 MB, so the
// client must wait for WINDOW_UPDATEs and go on; every payload arrives
// whole.
func TestFlowControlManyStreams(t *testing.T) {
	noLeaks(t)
	payload := []byte(`{"aps":{"alert":"` + strings.Repeat("x", 4096-len(`{"aps":{"alert":""}}`)) + `"}}`)
	var bad atomic.Int64
	s := startServer(t, apnstest.Config{OnPush: func(p apnstest.Push) {
		if !bytes.Equal(p.Payload, payload) {
			bad.Add(1)
		}
	}})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	js := jobs(1000)
	for i := range js {
		js[i].Payload = payload
	}
	for _, r := range collect(t, js, c.Batch(context.Background(), js, BatchOptions{OmitExchanges: true})) {
		if !r.OK() || r.Attempts != 1 {
			t.Fatalf("job %d: %d %s %v (%d attempts)", r.Index, r.Status, r.Reason, r.Err, r.Attempts)
		}
	}
	if n := bad.Load(); n > 0 || s.Counters().ByStatus[200] != 1000 {
		t.Errorf("%d payloads arrived damaged; server accepted %d", n, s.Counters().ByStatus[200])
	}
}

// A server whose stream windows are smaller than a payload: each body goes
// out in pieces as the server's WINDOW_UPDATEs come.
func TestFlowControlSmallStreamWindow(t *testing.T) {
	noLeaks(t)
	payload := []byte(`{"aps":{"alert":"` + strings.Repeat("y", 4000) + `"}}`)
	var bad atomic.Int64
	s := startRaw(t, []http2.Setting{{ID: http2.SettingInitialWindowSize, Val: 1000}}, func(rc *rawConn, req rawRequest) {
		if !bytes.Equal(req.body, payload) || req.header["content-length"] != strconv.Itoa(len(payload)) {
			bad.Add(1)
		}
		rc.respond(req.id, 200, [][2]string{{"apns-id", "11111111-2222-3333-4444-555555555555"}}, nil, 0)
	})
	c := s.client(t, nil)
	js := jobs(50)
	for i := range js {
		js[i].Payload = payload
	}
	for _, r := range collect(t, js, c.Batch(context.Background(), js, BatchOptions{})) {
		if !r.OK() || r.ApnsID == "" {
			t.Fatalf("job %d: %d %v", r.Index, r.Status, r.Err)
		}
	}
	if bad.Load() > 0 {
		t.Errorf("%d bodies arrived damaged", bad.Load())
	}
}

// The server lowers SETTINGS_MAX_CONCURRENT_STREAMS to 1 during the
// connection and later restores it: once the client has acknowledged a
// limit it never has more streams open than it allows, and every push
// goes through, once, on the one connection.
func TestStreamLimitLoweredToOneAndRestored(t *testing.T) {
	noLeaks(t)
	const full = 10
	var (
		mu sync.Mutex
		// limit is the one in force: acknowledged by the client, or
		// raised (a raise binds the client at once). Streams the client
		// opened before it had the server's first SETTINGS are legal.
		limit      = uint32(1 << 30)
		pending    = uint32(full)
		violations int
		changes    int
		wg         sync.WaitGroup
	)
	onConn := func(rc *rawConn) {
		rc.onAck = func() {
			mu.Lock()
			if pending != 0 {
				limit, pending = pending, 0
			}
			mu.Unlock()
		}
		rc.onHeaders = func(id uint32) {
			rc.wmu.Lock()
			n := len(rc.open) + 1
			rc.wmu.Unlock()
			mu.Lock()
			if uint32(n) > limit {
				violations++
			}
			mu.Unlock()
		}
	}
	s := startRawConn(t, []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: full}}, onConn, func(rc *rawConn, req rawRequest) {
		announce := func(v uint32) {
			mu.Lock()
			changes++
			if v > limit {
				limit = v // a raise binds the client only, at once
			} else {
				pending = v
			}
			mu.Unlock()
			rc.write(func(fw *http2.Framer) { fw.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: v}) })
		}
		switch rc.reqs {
		case 20:
			announce(1)
		case 60:
			announce(full)
		}
		wg.Add(1)
		go func() { // answered a moment later, so that streams overlap
			defer wg.Done()
			time.Sleep(time.Millisecond)
			rc.respond(req.id, 200, [][2]string{{"apns-id", "11111111-2222-3333-4444-555555555555"}}, nil, 0)
		}()
	})
	t.Cleanup(wg.Wait)
	c := s.client(t, nil)
	js := jobs(120)
	for _, r := range collect(t, js, c.Batch(context.Background(), js, BatchOptions{MaxAttempts: 1})) {
		if !r.OK() || r.Attempts != 1 {
			t.Fatalf("job %d: %d %v (%d attempts)", r.Index, r.Status, r.Err, r.Attempts)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if violations > 0 {
		t.Errorf("%d streams opened beyond the acknowledged limit", violations)
	}
	if changes != 2 || c.Connections() != 1 {
		t.Errorf("%d limit changes, %d connections", changes, c.Connections())
	}
}

// Apple's GOAWAY carries its reason as debug data ({"reason":"Shutdown"}):
// a push the server took (at or below the last stream) whose connection
// then closed ends as "goaway" with that reason; pushes beyond the last
// stream were never processed and go again, on a new connection, without
// counting an attempt.
func TestGoAwayDebugDataAndUnprocessedStreams(t *testing.T) {
	noLeaks(t)
	const apnsID = "11111111-2222-3333-4444-555555555555"
	var mu sync.Mutex
	var held []rawRequest
	s := startRaw(t, nil, func(rc *rawConn, req rawRequest) {
		switch rc.n {
		case 1: // the first push's connection: GOAWAY, then gone
			rc.write(func(fw *http2.Framer) { fw.WriteGoAway(req.id, http2.ErrCodeNo, []byte(`{"reason":"Shutdown"}`)) })
			rc.nc.Close()
		case 2: // three pushes: GOAWAY naming the first, which is answered
			mu.Lock()
			held = append(held, req)
			n := len(held)
			mu.Unlock()
			if n == 3 {
				rc.write(func(fw *http2.Framer) { fw.WriteGoAway(held[0].id, http2.ErrCodeNo, []byte(`{"reason":"Shutdown"}`)) })
				rc.respond(held[0].id, 200, [][2]string{{"apns-id", apnsID}}, nil, 0)
				rc.nc.Close()
			}
		default:
			rc.respond(req.id, 200, [][2]string{{"apns-id", apnsID}}, nil, 0)
		}
	})
	c := s.client(t, nil)
	r := <-c.Batch(context.Background(), jobs(1), BatchOptions{MaxAttempts: 1})
	if r.Class != ClassGoAway || r.Reason != "Shutdown" || r.Attempts != 1 || !strings.Contains(r.Err.Error(), "Shutdown") {
		t.Fatalf("want a goaway with reason Shutdown after 1 attempt: class %q reason %q attempts %d err %v", r.Class, r.Reason, r.Attempts, r.Err)
	}
	js := jobs(3)
	var retried atomic.Int64
	for _, r := range collect(t, js, c.Batch(context.Background(), js, BatchOptions{Concurrency: 3, MaxAttempts: 3,
		OnRetry: func(int, int, string) { retried.Add(1) }})) {
		if !r.OK() || r.Attempts != 1 {
			t.Fatalf("job %d: %d %s %v (%d attempts)", r.Index, r.Status, r.Class, r.Err, r.Attempts)
		}
	}
	if retried.Load() != 0 || c.Connections() != 3 {
		t.Errorf("%d retries (want 0: unprocessed streams are not attempts), %d connections (want 3)", retried.Load(), c.Connections())
	}
}

// REFUSED_STREAM means the server did not process the stream: it is sent
// again and not counted as an attempt.
func TestRefusedStreamResentNotCounted(t *testing.T) {
	noLeaks(t)
	var seen atomic.Int64
	s := startRaw(t, nil, func(rc *rawConn, req rawRequest) {
		if seen.Add(1) <= 2 {
			rc.write(func(fw *http2.Framer) { fw.WriteRSTStream(req.id, http2.ErrCodeRefusedStream) })
			return
		}
		rc.respond(req.id, 200, [][2]string{{"apns-id", "11111111-2222-3333-4444-555555555555"}}, nil, 0)
	})
	c := s.client(t, nil)
	r := <-c.Batch(context.Background(), jobs(1), BatchOptions{MaxAttempts: 3, OnRetry: func(int, int, string) { t.Error("a refused stream counted as a try") }})
	if !r.OK() || r.Attempts != 1 || seen.Load() != 3 {
		t.Fatalf("got %d %v after %d attempts; server saw %d requests (want 3)", r.Status, r.Err, r.Attempts, seen.Load())
	}
}

// Response headers too big for one frame come as HEADERS plus
// CONTINUATIONs; the result has them all, and HPACK stays in step for the
// next response on the connection. Trailers end a response too.
func TestResponseHeadersInContinuationFrames(t *testing.T) {
	noLeaks(t)
	big := strings.Repeat("z", 40000)
	s := startRaw(t, nil, func(rc *rawConn, req rawRequest) {
		if rc.reqs == 3 { // headers, body, then trailers ending the stream
			rc.write(func(fw *http2.Framer) {
				rc.ebuf.Reset()
				rc.enc.WriteField(hpack.HeaderField{Name: ":status", Value: "410"})
				rc.enc.WriteField(hpack.HeaderField{Name: "apns-id", Value: "cccccccc-2222-3333-4444-555555555555"})
				fw.WriteHeaders(http2.HeadersFrameParam{StreamID: req.id, BlockFragment: rc.ebuf.Bytes(), EndHeaders: true})
				fw.WriteData(req.id, false, []byte(`{"reason":"Unregistered","timestamp":1700000000000}`))
				rc.ebuf.Reset()
				rc.enc.WriteField(hpack.HeaderField{Name: "x-trailer", Value: "t"})
				fw.WriteHeaders(http2.HeadersFrameParam{StreamID: req.id, BlockFragment: rc.ebuf.Bytes(), EndHeaders: true, EndStream: true})
			})
			return
		}
		if rc.reqs == 1 {
			rc.respond(req.id, 400, [][2]string{{"apns-id", "aaaaaaaa-2222-3333-4444-555555555555"}, {"x-big", big}, {"content-type", "application/json"}},
				[]byte(`{"reason":"BadDeviceToken"}`), 1000)
			return
		}
		rc.respond(req.id, 200, [][2]string{{"apns-id", "bbbbbbbb-2222-3333-4444-555555555555"}, {"content-type", "application/json"}}, nil, 0)
	})
	c := s.client(t, nil)
	r := c.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
	if r.Status != 400 || r.Reason != "BadDeviceToken" || r.ApnsID != "aaaaaaaa-2222-3333-4444-555555555555" || r.Response.Headers["x-big"] != big || r.Response.Headers[":status"] != "400" {
		t.Fatalf("got %d %q %q, x-big %d bytes, err %v", r.Status, r.Reason, r.ApnsID, len(r.Response.Headers["x-big"]), r.Err)
	}
	r = c.Send(context.Background(), Job{Token: tokenN(2), Payload: alertBody})
	if !r.OK() || r.ApnsID != "bbbbbbbb-2222-3333-4444-555555555555" || r.Response.Headers["content-type"] != "application/json" {
		t.Fatalf("second response: %d %q %v %v", r.Status, r.ApnsID, r.Response.Headers, r.Err)
	}
	r = c.Send(context.Background(), Job{Token: tokenN(3), Payload: alertBody})
	if r.Status != 410 || r.Reason != "Unregistered" || r.UnregisteredAt.IsZero() || r.ApnsID != "cccccccc-2222-3333-4444-555555555555" {
		t.Fatalf("response with trailers: %d %q %q %v", r.Status, r.Reason, r.ApnsID, r.Err)
	}
}

// blockPush makes apnstest hold its answer to token 1 until release, and
// reports when it has the push.
func blockPush() (cfg apnstest.Config, arrived <-chan struct{}, release func()) {
	hold, got := make(chan struct{}), make(chan struct{}, 1)
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	cfg.OnPush = func(p apnstest.Push) {
		if p.Token == tokenN(1) {
			got <- struct{}{}
			<-hold
		}
	}
	return cfg, got, release
}

// Cancelling the caller's context ends the wait for an answer at once
// (the stream is reset); the connection goes on serving.
func TestCancelMidStream(t *testing.T) {
	noLeaks(t)
	cfg, arrived, release := blockPush()
	s := startServer(t, cfg)
	t.Cleanup(release) // before the server's Close
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Result)
	go func() { done <- c.Send(ctx, Job{Token: tokenN(1), Payload: alertBody}) }()
	<-arrived
	cancel()
	r := <-done
	if r.Class != ClassCancelled || r.Attempts != 1 || r.Status != 0 {
		t.Fatalf("want cancelled after 1 attempt: %+v", r)
	}
	if r := c.Send(context.Background(), Job{Token: tokenN(2), Payload: alertBody}); !r.OK() || c.Connections() != 1 {
		t.Fatalf("after the cancel: %d %v, %d connections", r.Status, r.Err, c.Connections())
	}
}

// The per-request timeout fails a push the server holds (not retried: APNs
// may have it), and the connection goes on serving.
func TestPerRequestTimeout(t *testing.T) {
	noLeaks(t)
	cfg, _, release := blockPush()
	s := startServer(t, cfg)
	t.Cleanup(release) // before the server's Close
	c := newTestClient(t, s, certCred(fixture.dev), func(c *Config) { c.Timeout = 100 * time.Millisecond })
	r := c.Send(context.Background(), Job{Token: tokenN(1), Payload: alertBody})
	if r.Class != ClassTimeout || r.Attempts != 1 || !strings.Contains(r.Err.Error(), "no response within 100ms") {
		t.Fatalf("want a timeout after 1 attempt: class %q attempts %d err %v", r.Class, r.Attempts, r.Err)
	}
	if r := c.Send(context.Background(), Job{Token: tokenN(2), Payload: alertBody}); !r.OK() || c.Connections() != 1 {
		t.Fatalf("after the timeout: %d %v, %d connections", r.Status, r.Err, c.Connections())
	}
}

// A connection whose stream IDs are used up takes no new streams: its slot
// dials a new one once it has finished, never two at once.
func TestStreamIDsUsedUp(t *testing.T) {
	noLeaks(t)
	s := startServer(t, apnstest.Config{})
	c := newTestClient(t, s, certCred(fixture.dev), nil)
	c.pool.cfg.MaxStreamID = 7 // streams 1, 3, 5, 7
	for i := range 10 {
		if r := c.Send(context.Background(), Job{Token: tokenN(i), Payload: alertBody}); !r.OK() || r.Attempts != 1 {
			t.Fatalf("push %d: %d %v (%d attempts)", i, r.Status, r.Err, r.Attempts)
		}
	}
	cs := s.Counters()
	if _, peak := c.OpenConnections(); c.Connections() != 3 || peak != 1 || len(cs.PerConnection) != 3 || cs.PerConnection[0] != 4 {
		t.Errorf("client dialled %d connections (peak open %d); server per connection %v", c.Connections(), peak, cs.PerConnection)
	}
}

// A server that breaks HTTP/2 (a header block HPACK cannot decode) loses
// its connection: the client says why in a GOAWAY, the push fails as
// "connection-reset" and its retry goes out on a new connection.
func TestServerProtocolErrorEndsConnection(t *testing.T) {
	noLeaks(t)
	first := make(chan *rawConn, 1)
	s := startRaw(t, nil, func(rc *rawConn, req rawRequest) {
		if rc.n == 1 {
			first <- rc
			rc.write(func(fw *http2.Framer) {
				fw.WriteHeaders(http2.HeadersFrameParam{StreamID: req.id, BlockFragment: []byte{0xff, 0xff, 0xff, 0xff}, EndHeaders: true, EndStream: true})
			})
			return
		}
		rc.respond(req.id, 200, [][2]string{{"apns-id", "11111111-2222-3333-4444-555555555555"}}, nil, 0)
	})
	c := s.client(t, nil)
	r := <-c.Batch(context.Background(), jobs(1), BatchOptions{MaxAttempts: 1})
	if r.Class != ClassConnectionReset || r.Attempts != 1 {
		t.Fatalf("want connection-reset after 1 attempt: class %q err %v", r.Class, r.Err)
	}
	rc := <-first
	// The GOAWAY was written before the connection was closed, and the
	// server reads until the close.
	for code := rc.goAway.Load(); code == nil || *code != http2.ErrCodeCompression; code = rc.goAway.Load() {
		select {
		case <-time.After(10 * time.Millisecond):
		case <-t.Context().Done():
			t.Fatal("no GOAWAY COMPRESSION_ERROR from the client")
		}
	}
	r = c.Send(context.Background(), Job{Token: tokenN(2), Payload: alertBody})
	if !r.OK() || c.Connections() != 2 {
		t.Fatalf("after the broken connection: %d %v, %d connections", r.Status, r.Err, c.Connections())
	}
}

// The keepalive: after a quiet read side the client sends a PING; a
// server that answers keeps its connection, one that does not loses it
// (the push on it fails as "connection-reset"), as x/net's ReadIdleTimeout
// and PingTimeout did.
func TestKeepalivePing(t *testing.T) {
	noLeaks(t)
	for _, answer := range []bool{true, false} {
		var s *rawServer
		held := make(chan struct{})
		s = startRaw(t, nil, func(rc *rawConn, req rawRequest) {
			go func() { // the answer waits for two PINGs
				for s.pings.Load() < 2 {
					select {
					case <-held:
						return
					case <-time.After(5 * time.Millisecond):
					}
				}
				rc.respond(req.id, 200, [][2]string{{"apns-id", "11111111-2222-3333-4444-555555555555"}}, nil, 0)
			}()
		})
		s.ignorePings.Store(!answer)
		c := s.client(t, nil)
		c.pool.cfg.ReadIdleTimeout, c.pool.cfg.PingTimeout = 20*time.Millisecond, 50*time.Millisecond
		r := <-c.Batch(context.Background(), jobs(1), BatchOptions{MaxAttempts: 1})
		close(held)
		if answer && (!r.OK() || c.Connections() != 1) {
			t.Errorf("pings answered: %d %v, %d connections", r.Status, r.Err, c.Connections())
		}
		if !answer && (r.Class != ClassConnectionReset || !strings.Contains(r.Err.Error(), "PING")) {
			t.Errorf("pings unanswered: class %q err %v", r.Class, r.Err)
		}
	}
}
